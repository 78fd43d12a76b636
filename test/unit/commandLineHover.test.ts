// Hover and completion targets on command lines: the cache/io value under the cursor in a
// -drive, a -blockdev or a virt-install --disk, in a shell script and in a systemd unit, read from
// the same words the rules read.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { modeTargetAt } from '../../src/core/lint/hoverTargets';
import { targetMarkdown } from '../../src/vscode/hoverMarkdown';

/** The offset `delta` characters into the n-th occurrence of `needle`. */
function at(text: string, needle: string, delta = 0, n = 0): number {
  let i = -1;
  for (let k = 0; k <= n; k++) i = text.indexOf(needle, i + 1);
  assert.notEqual(i, -1, `fixture lacks ${needle}`);
  return i + delta;
}

const SCRIPT = `#!/bin/sh
qemu-system-x86_64 -m 2048 \\
  -drive file=vm.qcow2,if=virtio,cache=writethrough,aio=native \\
  -blockdev driver=raw,node-name=r0,file.driver=file,file.filename=d.raw,file.aio=io_uring
virt-install --name web01 --disk path=/srv/web01.qcow2,driver.cache=unsafe,io=threads --disk=/dev/vg0/b,cache=none
qemu-img convert -t writeback -O raw a b
echo cache=none
`;

test('shell script: -drive cache= and aio=, -blockdev file.aio=, --disk cache keys and io keys', () => {
  const cases: [string, number, string, string, string][] = [
    ['writethrough', 4, 'cache', 'writethrough', 'cache=writethrough'],
    ['native', 0, 'io', 'native', 'aio=native'],
    ['io_uring', 6, 'io', 'io_uring', 'file.aio=io_uring'],
    ['unsafe', 2, 'cache', 'unsafe', 'driver.cache=unsafe'],
    ['threads', 7, 'io', 'threads', 'io=threads'],
    ['none\n', 0, 'cache', 'none', 'cache=none'],
  ];
  for (const [needle, delta, attr, value, label] of cases) {
    const t = modeTargetAt(SCRIPT, 'shell-script', at(SCRIPT, needle, delta));
    assert.ok(t, needle);
    assert.equal(t.attr, attr, needle);
    assert.equal(t.value, value, needle);
    assert.equal(SCRIPT.slice(t.start, t.end), value, needle);
    assert.equal(t.label, label);
  }
  // QEMU refuses libvirt's 'default'; libvirt (virt-install) takes it.
  assert.equal(modeTargetAt(SCRIPT, 'shell-script', at(SCRIPT, 'writethrough'))!.noDefault, true);
  assert.equal(modeTargetAt(SCRIPT, 'shell-script', at(SCRIPT, 'unsafe'))!.noDefault, undefined);
  assert.match(targetMarkdown(modeTargetAt(SCRIPT, 'shell-script', at(SCRIPT, 'unsafe'))!), /^\*\*driver\.cache=unsafe\*\*/);
});

test('shell script: nothing on other keys, other options, qemu-img, or words that run nothing', () => {
  for (const [needle, delta] of [
    ['vm.qcow2', 2],
    ['virtio', 2],
    ['d.raw', 1],
    ['web01.qcow2', 1],
    ['writeback', 2], // qemu-img -t: the facts shown are about a guest's disk
    ['echo cache=none', 13], // echo
    ['cache=writethrough', 2], // on the key
  ] as const) {
    assert.equal(modeTargetAt(SCRIPT, 'shell-script', at(SCRIPT, needle, delta)), undefined, needle);
  }
});

test('half-typed: cache= at the end of the line is a completion target with an empty value', () => {
  const text = 'qemu-system-x86_64 -drive file=a.img,cache=';
  const t = modeTargetAt(text, 'shell-script', text.length);
  assert.ok(t);
  assert.equal(t.attr, 'cache');
  assert.equal(t.value, '');
  assert.equal(t.start, text.length);
  const quoted = 'virt-install --disk "path=/a.img,driver.io=na';
  const q = modeTargetAt(quoted, 'shell-script', quoted.length);
  assert.equal(q?.attr, 'io');
  assert.equal(quoted.slice(q.start, q.end), 'na');
});

test('systemd unit: the Exec*= words, as systemd splits them', () => {
  const unit = '[Service]\nExecStart=/usr/bin/qemu-system-x86_64 \\\n  -drive file=/vm/%i.raw,format=raw,cache=unsafe\n';
  const t = modeTargetAt(unit, 'systemd-unit', at(unit, 'unsafe', 3));
  assert.equal(t?.attr, 'cache');
  assert.equal(unit.slice(t.start, t.end), 'unsafe');
  assert.equal(modeTargetAt(unit, 'systemd-unit', at(unit, 'raw,', 1)), undefined);
});

test('Makefile, Dockerfile, Python and Ansible: the same targets, on the words their readers hand to the rules', () => {
  const cases: [string, 'makefile' | 'dockerfile' | 'python' | 'ansible', string][] = [
    ['Makefile', 'makefile', 'img:\n\t@qemu-system-x86_64 -m 1 \\\n\t  -drive file=$(IMG),cache=writethrough\n'],
    ['Dockerfile', 'dockerfile', 'FROM debian\nRUN qemu-system-x86_64 \\\n    -drive file=/out/a.raw,cache=writethrough\n'],
    ['Dockerfile', 'dockerfile', 'FROM debian\nCMD ["qemu-system-x86_64", "-drive", "file=/out/a.raw,cache=writethrough"]\n'],
    ['build.py', 'python', "import subprocess\nsubprocess.run(('qemu-system-x86_64', '-drive', 'file=a.img,cache=writethrough'))\n"],
    ['site.yml', 'ansible', '- hosts: all\n  tasks:\n    - name: boot\n      command: qemu-system-x86_64 -drive file=a.img,cache=writethrough\n'],
  ];
  for (const [name, kind, text] of cases) {
    const t = modeTargetAt(text, kind, at(text, 'writethrough', 3));
    assert.equal(t?.attr, 'cache', `${name}: ${text}`);
    assert.equal(text.slice(t.start, t.end), 'writethrough', name);
    assert.equal(t.label, 'cache=writethrough');
    assert.equal(modeTargetAt(text, kind, at(text, 'file=', 2)), undefined, `${name}: file= is no cache target`);
  }
});
