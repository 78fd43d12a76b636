// Hover and completion targets on command lines: the cache/io value under the cursor in a
// -drive, a -blockdev or a virt-install --disk, in a shell script and in a systemd unit, read from
// the same words the rules read; in Packer templates, disk_cache and the qemuargs -drive items.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { modeTargetAt } from '../../src/core/lint/hoverTargets';
import { lint } from '../../src/core/lint/engine';
import { CACHE_MODES } from '../../src/core/lint/cacheModes';
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

const PACKER_HCL = `source "qemu" "vm" {
  iso_url      = "file:///dev/null"
  disk_cache   = "writethrough"
  disk_discard = "unmap"
  qemuargs = [
    ["-m", "2048"],
    ["-drive", "file=out/vm.qcow2,if=virtio,cache=unsafe,aio=native"],
    ["-drive", "file=out/b.raw,", "cache=directsync"],
  ]
  qemu_img_args {
    convert = ["-t", "writeback"]
  }
}
`;

test('Packer HCL: disk_cache with the values Packer accepts; cache= and aio= inside a qemuargs -drive, also across its strings', () => {
  const dc = modeTargetAt(PACKER_HCL, 'packer', at(PACKER_HCL, 'writethrough', 3));
  assert.ok(dc);
  assert.equal(dc.attr, 'cache');
  assert.equal(PACKER_HCL.slice(dc.start, dc.end), 'writethrough');
  assert.equal(dc.label, 'disk_cache = "writethrough"');
  assert.deepEqual(dc.valid, ['writethrough', 'writeback', 'none', 'unsafe', 'directsync']);
  assert.match(targetMarkdown(dc), /^\*\*disk_cache = "writethrough"\*\*\n\n.*\n\n\| \| `writethrough` \|/);
  const cases: [string, number, string, string][] = [
    ['unsafe', 2, 'cache', 'cache=unsafe'],
    ['native', 6, 'io', 'aio=native'],
    ['directsync', 0, 'cache', 'cache=directsync'],
  ];
  for (const [needle, delta, attr, label] of cases) {
    const t = modeTargetAt(PACKER_HCL, 'packer', at(PACKER_HCL, needle, delta));
    assert.equal(t?.attr, attr, needle);
    assert.equal(PACKER_HCL.slice(t.start, t.end), needle);
    assert.equal(t.label, label);
    assert.equal(t.noDefault, true, 'QEMU refuses cache=default');
  }
  for (const [needle, delta] of [
    ['unmap', 2], // disk_discard
    ['disk_cache', 3], // the key
    ['2048', 1],
    ['out/vm.qcow2', 3],
    ['writeback', 3], // qemu-img -t: the facts shown are about a guest's disk
  ] as const) {
    assert.equal(modeTargetAt(PACKER_HCL, 'packer', at(PACKER_HCL, needle, delta)), undefined, needle);
  }
});

test('Packer disk_cache: the hover calls a value invalid exactly when the rule does (libvirt\'s default among them)', () => {
  const template = (v: string) => PACKER_HCL.replace('"writethrough"', `"${v}"`);
  for (const v of [...CACHE_MODES, 'writeback ', 'None', 'wrtieback']) {
    const text = template(v);
    const t = modeTargetAt(text, 'packer', at(text, 'disk_cache', 16))!;
    assert.equal(t.value, v);
    const refused = lint(text, { fileName: 'vm.pkr.hcl', kind: 'packer' }).some((f) => f.rule === 'cache-invalid' && text.slice(f.start, f.end) === v);
    const hover = targetMarkdown(t);
    assert.equal(/is not a value Packer's QEMU builder accepts/.test(hover), refused, `${v}: ${hover}`);
  }
  const typo = template('wrtieback');
  assert.match(targetMarkdown(modeTargetAt(typo, 'packer', at(typo, 'wrtieback'))!), /Did you mean `writeback`\? Valid: `writethrough`, `writeback`, `none`, `unsafe`, `directsync`\./);
});

test('Packer legacy JSON and half-typed HCL: the same targets', () => {
  const json = JSON.stringify({ builders: [{ type: 'qemu', disk_cache: 'none', qemuargs: [['-drive', 'file=a.raw,cache=writethrough,aio=threads']] }] }, null, 2);
  const dc = modeTargetAt(json, 'packer', at(json, '"none"', 1));
  assert.equal(json.slice(dc!.start, dc!.end), 'none');
  assert.equal(dc!.label, '"disk_cache": "none"');
  const io = modeTargetAt(json, 'packer', at(json, 'threads', 7));
  assert.equal(io?.attr, 'io');
  assert.equal(json.slice(io.start, io.end), 'threads');

  const typing = 'source "qemu" "vm" {\n  disk_cache = "';
  const t = modeTargetAt(typing, 'packer', typing.length);
  assert.equal(t?.value, '');
  assert.equal(t.start, typing.length);
  const empty = 'source "qemu" "vm" {\n  disk_cache = ""\n}\n';
  assert.equal(modeTargetAt(empty, 'packer', at(empty, '""', 1))?.start, at(empty, '""', 1));
  // As the editor leaves it while typing: its quotes and brackets closed for the user.
  const item = 'source "qemu" "vm" {\n  qemuargs = [["-drive", "file=a.raw,aio="]]\n}\n';
  const a = modeTargetAt(item, 'packer', at(item, 'aio=', 4));
  assert.equal(a?.attr, 'io');
  assert.equal(a.value, '');
});
