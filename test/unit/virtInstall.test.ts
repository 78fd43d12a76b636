// virt-install and virt-xml --disk in shell scripts and systemd units: the option string read as
// virtinst reads it, the disk rules with its own key names, fixes in its own syntax; the real
// virt-install (Debian's virtinst) is the oracle: the domain XML it prints for each line must get
// the same findings from the domain XML rules as the line got from the command-line rules.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { detectKind, fixAll, lint } from '../../src/core/lint/engine';
import { shellCommands } from '../../src/core/lint/commandLine/shellWords';
import { applyEdits } from '../../src/core/text';
import type { Finding } from '../../src/core/types';

const SCRIPT = 'provision.sh';
const run = (text: string, fileName = SCRIPT) => lint(text, { fileName });
const at = (text: string, f: Finding) => text.slice(f.start, f.end);
const rules = (fs_: Finding[]) => fs_.map((f) => f.rule);
const preferred = (text: string, f: Finding) => applyEdits(text, f.fixes.find((x) => x.preferred)!.edits);
const VI = 'virt-install --name web01 --memory 2048 --import';

test('a script or unit that runs virt-install or virt-xml is read', () => {
  assert.equal(detectKind('x/provision.sh', `${VI} --disk path=/a.qcow2,cache=unsafe\n`), 'shell-script');
  assert.equal(detectKind('x/edit', '#!/bin/sh\nvirt-xml web01 --edit --disk cache=none\n'), 'shell-script');
  assert.equal(detectKind('x/vm.service', '[Service]\nExecStart=/usr/bin/virt-install --disk /a.img,cache=unsafe\n'), 'systemd-unit');
  assert.deepEqual(rules(run('[Service]\nExecStart=/usr/bin/virt-install --disk /a.img,cache=unsafe\n', 'vm.service')), ['cache-unsafe']);
});

test('--disk: the disk rules with virt-install\'s key names, ranges on the value, fixes in place', () => {
  const text = `${VI} \\\n  --disk path=/var/lib/libvirt/images/a.qcow2,bus=virtio,cache=writethrough,io=native \\\n  --disk=/srv/b.raw,driver.io=native \\\n  --disk 'path=/srv/c.img,cache=fast'\n`;
  const fs_ = run(text);
  assert.deepEqual(rules(fs_), ['cache-writethrough', 'io-native-needs-direct', 'io-native-needs-direct', 'cache-invalid']);
  const [wt, native1, native2, invalid] = fs_;
  assert.equal(at(text, wt), 'writethrough');
  assert.equal(at(text, native1), 'native');
  // The user's own key (io, not driver.io) and libvirt's refusal, since libvirt reads what virt-install builds.
  assert.match(native1.message, /^io=native needs O_DIRECT, but this disk has cache=writethrough: libvirt refuses the domain virt-install builds with "io='native' needs either no disk cache/);
  assert.deepEqual(native1.fixes.map((x) => x.title), ['Set cache=none', 'Set io=threads']);
  assert.match(native2.message, /^driver\.io=native needs O_DIRECT, but this disk has no cache mode \(QEMU's default, writeback\)/);
  assert.match(preferred(text, native2), /--disk=\/srv\/b\.raw,driver\.io=native,cache=none \\/);
  assert.equal(at(text, invalid), 'fast');
  assert.match(invalid.message, /^cache=fast is not a disk cache mode libvirt knows/);
  const fixed = fixAll(text, { fileName: SCRIPT }).text;
  assert.match(fixed, /bus=virtio,cache=none,io=native \\/);
  assert.match(fixed, /'path=\/srv\/c\.img,cache=fast'/, 'no guess for an unknown value');
});

test('--disk: virtinst\'s own syntax (leading path, aliases, quotes, on/off words, perms)', () => {
  const cases: [string, string[]][] = [
    ['/a.img,cache=unsafe', ['cache-unsafe']], // a leading bare item is the path
    ['path=/a.img,cache=none,driver.cache=unsafe', []], // cache wins over driver.cache in any order
    ['path=/a.img,driver.cache=unsafe,cache=none', []],
    ['path=/a.img,driver.cache=unsafe', ['cache-unsafe']],
    ['path=/a.img,io=threads,driver.io=native', ['io-native-needs-direct']], // of two aliases, the one first written later
    ['path=/a.img,driver.io=native,io=threads', []],
    ['path=/a.img,driver.io=native,io=threads,driver.io=io_uring', []],
    ['path=/a.img,cache=,driver.io=native', ['io-native-needs-direct']], // cache= sets none: the default
    ['path=/a.img,cache=default', []],
    ['path=/a.img,cache=Writeback', ['cache-invalid']], // virtinst passes any value; libvirt refuses it
    ['path=/a.img,driver.io=nativ', ['cache-invalid']],
    ['\'path="/a,b.img",cache=unsafe\'', ['cache-unsafe']], // shlex quotes inside the option string
    ['"path=\'/a,cache=unsafe.img\',cache=none"', []],
    ['"path=/a,b.img",cache=unsafe', []], // the shell's quotes are gone before virtinst reads it: b.img is an unknown option
    ['path=/a.img,perms=ro,cache=unsafe', []],
    ['path=/a.img,readonly=yes,cache=unsafe', []],
    ['path=/a.img,readonly=off,cache=unsafe', ['cache-unsafe']],
    ['device=cdrom,path=/a.iso,cache=unsafe', []],
    ['path=/a.img,transient=on,cache=unsafe', []],
    ['path=/a.img,perms=sh,cache=writeback', ['shareable-cache']],
    ['path=/a.img,shareable=on,cache=none,driver.type=qcow2', ['shareable-format']],
    ['path=/a.img,cache', []], // virtinst refuses a key without a value: no domain to judge
    ['none', []],
  ];
  for (const [disk, want] of cases) assert.deepEqual(rules(run(`${VI} --disk ${disk}\n`)), want, disk);
});

test('--disk on a block device: virt-install adds cache=none and io=native when QEMU is the hypervisor', () => {
  // DeviceDisk.set_defaults: the io it adds stays when only a cache is given.
  const text = `${VI} --disk path=/dev/vg0/web01,cache=writeback\n`;
  const [f] = run(text);
  assert.equal(f.rule, 'io-native-needs-direct');
  assert.equal(at(text, f), 'writeback');
  assert.match(f.message, /^no io mode: virt-install then writes io='native' for a block device, which needs O_DIRECT, but this disk has cache=writeback: libvirt refuses/);
  assert.deepEqual(f.fixes.map((x) => x.title), ['Set cache=none', 'Set driver.io=threads']);
  assert.equal(applyEdits(text, f.fixes[1].edits), `${VI} --disk path=/dev/vg0/web01,cache=writeback,driver.io=threads\n`);
  assert.deepEqual(run(`${VI} --disk /dev/vg0/web01\n`), []);
  assert.deepEqual(rules(run(`${VI} --disk path=/srv/x.img,type=block,cache=unsafe\n`)), ['cache-unsafe', 'io-native-needs-direct']);
  // Another hypervisor gets no such defaults; a connection from a variable is not guessed.
  assert.deepEqual(run(`virt-install --connect xen:///system --disk /dev/vg0/web01,cache=writeback\n`), []);
  assert.deepEqual(run(`virt-install --connect "$URI" --disk /dev/vg0/web01,cache=writeback\n`), []);
  assert.deepEqual(rules(run(`virt-install --connect=qemu+ssh://kvm1/system --disk /dev/vg0/web01,cache=writeback\n`)), ['io-native-needs-direct']);
  // device=lun: virtinst adds nothing (is_disk() is false there).
  assert.deepEqual(rules(run(`${VI} --disk path=/dev/sdb,device=lun,cache=writeback\n`)), ['lun-cache-ignored']);
});

test('virt-xml: --add-device and --build-xml build a disk, --edit changes only what it names, --remove-device none', () => {
  assert.deepEqual(rules(run('virt-xml web01 --add-device --disk /dev/sdb,cache=writeback\n')), ['io-native-needs-direct']);
  assert.deepEqual(rules(run('virt-xml --build-xml --disk /srv/a.img,cache=unsafe\n')), ['cache-unsafe']);
  // --edit: the disk's other settings are the domain's, not on the line.
  assert.deepEqual(rules(run('virt-xml web01 --edit --disk cache=unsafe\n')), ['cache-unsafe']);
  assert.deepEqual(run('virt-xml web01 --edit 2 --disk driver.io=native\n'), []);
  assert.deepEqual(run('virt-xml web01 --edit --disk /dev/sdb,cache=writeback\n'), [], 'no io added by an edit');
  assert.deepEqual(run('virt-xml web01 --remove-device --disk /srv/a.img,cache=unsafe\n'), []);
  assert.deepEqual(rules(run('virt-xml -c qemu:///system web01 --add-device --disk /dev/sdb,cache=writeback\n')), ['io-native-needs-direct']);
});

test('--disk: words with variables are left alone, never guessed', () => {
  for (const disk of ['"path=$IMG,cache=$CACHE,io=native"', 'path=/a.img,$EXTRA,io=native', 'path=/a.img,cache=${C:-unsafe}', '"$DISK"', 'path=/a.img,cache=unsafe,$EXTRA', 'path=/a.iso,device=$KIND,cache=unsafe', 'path=/a.img,readonly=$RO,cache=unsafe']) {
    assert.deepEqual(rules(run(`${VI} --disk ${disk}\n`)), [], disk);
  }
  const text = `${VI} --disk "path=$IMG",cache=unsafe\n`;
  assert.deepEqual(rules(run(text)), ['cache-unsafe']);
  assert.equal(preferred(text, run(text)[0]), `${VI} --disk "path=$IMG",cache=none\n`);
  // A value inside virtinst's own quotes is rewritten inside them; one written with an escape is not rewritten.
  const quoted = `${VI} --disk 'path=/a.img,cache="unsafe"'\n`;
  assert.equal(preferred(quoted, run(quoted)[0]), `${VI} --disk 'path=/a.img,cache="none"'\n`);
  const escaped = `${VI} --disk path=/a.img,cache=uns\\afe\n`;
  const [f] = run(escaped);
  assert.equal(f.rule, 'cache-unsafe');
  assert.deepEqual(f.fixes, []);
});

// --- virt-install as the oracle -------------------------------------------------------------

const hasVirtInstall = spawnSync('virt-install', ['--version']).status === 0;
/**
 * virtinst's own test connection (virtinst/uri.py MagicURI), announced as qemu:///system so that
 * virtinst adds what it adds on a QEMU host; the linted line says --connect qemu:///system.
 */
const ORACLE_URI = '__virtinst_test__test:///default,fakeuri=qemu:///system';
const FIXED_ARGS = ['--print-xml', '--dry-run', '--name', 't1', '--memory', '512', '--import', '--osinfo', 'detect=off,require=off', '--graphics', 'none', '--network', 'none', '--noautoconsole'];

/** The test driver's domains are <domain type='test'>; on qemu:///system virtinst writes kvm, which the domain XML rules read. */
const asKvm = (xml: string) => xml.replace(/^<domain type="test">/m, '<domain type="kvm">');

function virtInstallXml(diskWords: string[]): { xml?: string; stderr: string } {
  const r = spawnSync('virt-install', ['--connect', ORACLE_URI, ...FIXED_ARGS, ...diskWords], { encoding: 'utf8' });
  return r.status === 0 ? { xml: asKvm(r.stdout), stderr: r.stderr } : { stderr: r.stderr };
}

const summary = (fs_: Finding[]) => fs_.map((f) => `${f.rule}:${f.severity}`).sort();

test('virt-install builds domain XML that gets the same findings as its command line, before and after the fixes', { skip: !hasVirtInstall && 'virt-install not installed (scripts/install-system-deps.sh)' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qdt-virt-'));
  try {
    const img = path.join(dir, 'a.img');
    const iso = path.join(dir, 'a.iso');
    fs.writeFileSync(img, '');
    fs.writeFileSync(iso, '');
    fs.writeFileSync(path.join(dir, 'a,b.img'), '');
    const disks = [
      `${img},cache=writethrough,io=native`,
      `path=${img},cache=none,driver.io=native`,
      `path=${img},driver.cache=unsafe,cache=none`,
      `path=${img},cache=none,driver.cache=unsafe`,
      `path=${img},io=threads,driver.io=native,cache=writeback`,
      `path=${img},driver.io=native,io=threads,cache=writeback`,
      `path=${img},cache=bogus`,
      `path=${img},cache=Writeback`,
      `path=${img},driver.io=nativ`,
      `path=${img},cache=default`,
      `path=${img},cache=,driver.io=native`,
      `path=${img},cache=unsafe,perms=ro`,
      `path=${img},cache=unsafe,readonly=yes`,
      `device=cdrom,path=${iso},cache=unsafe`,
      `path=${img},transient=on,cache=unsafe`,
      `path=${img},type=block`,
      `path=${img},type=block,cache=writeback`,
      `path=${img},type=block,cache=unsafe,driver.io=threads`,
      `path=${img},type=block,device=lun,cache=writeback`,
      `path=${img},shareable=on,cache=writeback`,
      `path=${img},perms=sh,cache=writethrough`,
      `path=${img},shareable=on,cache=none,driver.type=qcow2`,
      `path="${path.join(dir, 'a,b.img')}",cache=unsafe`,
      `path=${img},cache=directsync,bus=virtio,discard=unmap`,
      `type=network,source.protocol=rbd,source.name=pool/img,source.host0.name=mon,cache=writeback`,
    ];
    let compared = 0;
    for (const d of disks) {
      const line = `virt-install --connect qemu:///system --disk '${d}'\n`;
      const fromLine = run(line);
      const built = virtInstallXml(['--disk', d]);
      assert.ok(built.xml, `${d}: virt-install refused: ${built.stderr}`);
      assert.deepEqual(summary(fromLine), summary(run(built.xml, 'built.xml')), `${d}: command line vs the XML virt-install built`);
      compared++;
      const fixed = fixAll(line, { fileName: SCRIPT }).text;
      if (fixed === line) continue;
      const words = shellCommands(fixed)[0].words.map((w) => w.value);
      const after = virtInstallXml(words.slice(3));
      assert.ok(after.xml, `fixed ${words.at(-1)}: virt-install refused: ${after.stderr}`);
      assert.deepEqual(summary(run(fixed)), summary(run(after.xml, 'built.xml')), `fixed ${words.at(-1)}`);
      // Every error that had a fix to apply is gone from what virt-install builds.
      if (fromLine.every((f) => f.severity !== 'error' || f.fixes.some((x) => x.preferred))) {
        assert.deepEqual(rules(run(after.xml, 'built.xml').filter((f) => f.severity === 'error')), [], `fixed ${words.at(-1)}`);
      }
    }
    assert.equal(compared, disks.length);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('virt-xml --build-xml builds the disk XML that gets the same findings as its command line', { skip: !hasVirtInstall && 'virt-xml not installed' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qdt-virt-'));
  try {
    const img = path.join(dir, 'a.img');
    fs.writeFileSync(img, '');
    for (const d of [`${img},type=block,cache=writethrough`, `${img},cache=unsafe,driver.io=native`, `${img},type=block`, `${img},io=native,cache=directsync`]) {
      const line = `virt-xml --connect qemu:///system --build-xml --disk '${d}'\n`;
      const r = spawnSync('virt-xml', ['--connect', ORACLE_URI, '--build-xml', '--disk', d], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(summary(run(line)), summary(run(r.stdout, 'disk.xml')), d);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('virt-xml --edit on the test driver\'s domain: the line never claims a finding its edited domain does not get', { skip: !hasVirtInstall && 'virt-xml not installed' }, () => {
  // The edited disk's other settings are the domain's: the line judges only what it sets, so its
  // findings are a subset of those of the XML virt-xml writes (which knows the whole disk).
  const cases: [string, string[]][] = [
    ['cache=unsafe', ['cache-unsafe:warning']],
    ['cache=writethrough', ['cache-writethrough:warning']],
    ['driver.cache=directsync,io=native', ['cache-directsync:info']],
    ['driver.io=native', []], // the domain's disk has no cache: its XML is refused, the line alone cannot tell
    ['cache=bogus', ['cache-invalid:error']],
  ];
  for (const [d, want] of cases) {
    const line = `virt-xml --connect qemu:///system test --edit --disk '${d}'\n`;
    const r = spawnSync('virt-xml', ['--connect', ORACLE_URI, 'test', '--edit', '--disk', d, '--print-xml'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const fromLine = summary(run(line));
    const fromXml = summary(run(asKvm(r.stdout), 'edited.xml'));
    assert.deepEqual(fromLine, want, d);
    for (const f of fromLine) assert.ok(fromXml.includes(f), `${d}: ${f} from the line, not in the edited XML (${fromXml})`);
    if (d === 'driver.io=native') assert.deepEqual(fromXml, ['io-native-needs-direct:error'], 'what only the domain could tell');
  }
});

test('the virt-xml commands lint --connect prints for domain XML fixes get no finding of the rule they fix', async () => {
  // Two features, one language: the command that applies a fix on a live host is itself linted.
  const { virtXmlCommand } = await import('../../src/core/libvirt/virtXml');
  const xml = `<domain type='kvm'><name>web01</name><devices>
  <disk type='file' device='disk'><driver name='qemu' type='raw' cache='unsafe'/><source file='/a.img'/><target dev='vda' bus='virtio'/></disk>
  <disk type='file' device='disk'><driver name='qemu' type='raw' cache='writethrough' io='native'/><source file='/b.img'/><target dev='vdb' bus='virtio'/></disk>
  <disk type='file' device='disk'><driver name='qemu' type='raw' cache='Writeback'/><source file='/c.img'/><target dev='vdc' bus='virtio'/></disk>
</devices></domain>\n`;
  const findings = run(xml, 'web01.xml').filter((f) => f.fixes.some((x) => x.preferred));
  assert.deepEqual(findings.map((f) => f.rule).sort(), ['cache-invalid', 'cache-unsafe', 'cache-writethrough', 'io-native-needs-direct']);
  for (const f of findings) {
    const command = virtXmlCommand('qemu:///system', 'web01', xml, f.fixes.find((x) => x.preferred)!);
    assert.ok(command, f.rule);
    assert.match(command, /--edit target=vd[abc] --disk driver\.cache=/);
    assert.deepEqual(run(`${command}\n`).filter((g) => g.rule === f.rule), [], `${f.rule}: ${command}`);
    // The same command with the value the XML had is flagged (the reader does read these commands).
    const before = xml.slice(f.start, f.end);
    if (f.rule !== 'io-native-needs-direct') assert.deepEqual(run(`${command.replace(/driver\.cache=\w+/, `driver.cache=${before}`)}\n`).map((g) => g.rule), [f.rule], before);
  }
});
