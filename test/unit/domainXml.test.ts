// The libvirt domain XML rules, through the public lint() front door: findings, severities,
// positions, fixes (asserted as the resulting text), guards and suppression comments.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { lint, fixAll } from '../../src/core/lint/engine';
import { applyEdits, LineIndex } from '../../src/core/text';
import type { Finding } from '../../src/core/types';

/** A QEMU domain holding `devices` (indented by the caller), with a machine type if given. */
const domain = (devices: string, type = 'kvm', machine?: string) =>
  `<domain type='${type}'>\n  <name>vm</name>\n${machine ? `  <os>\n    <type arch='x86_64' machine='${machine}'>hvm</type>\n  </os>\n` : ''}  <devices>\n${devices}  </devices>\n</domain>\n`;
/** A machine type of QEMU 2.11: such a guest can run on a host that cannot migrate it with a host cache. */
const OLD = 'pc-i440fx-2.11';

const disk = (inner: string, attrs = "type='file' device='disk'") =>
  `    <disk ${attrs}>\n${inner
    .split('\n')
    .map((l) => `      ${l}\n`)
    .join('')}    </disk>\n`;

const FILE_SRC = "<source file='/var/lib/libvirt/images/vm.img'/>\n<target dev='vda' bus='virtio'/>";

const run = (text: string, opts: Parameters<typeof lint>[1] = { fileName: 'vm.xml' }) => lint(text, opts);
const rules = (text: string) => run(text).map((f) => f.rule);
const only = (text: string, rule: string): Finding => {
  const fs = run(text).filter((f) => f.rule === rule);
  assert.equal(fs.length, 1, `expected one ${rule}, got ${JSON.stringify(run(text).map((f) => f.rule))}`);
  return fs[0];
};
const at = (text: string, f: { start: number; end: number }) => text.slice(f.start, f.end);
/** The text after applying the fix with this title (or the preferred one). */
const fixed = (text: string, f: Finding, title?: string) => {
  const fix = title ? f.fixes.find((x) => x.title === title) : f.fixes.find((x) => x.preferred);
  assert.ok(fix, `no fix ${title ?? '(preferred)'} in ${JSON.stringify(f.fixes.map((x) => x.title))}`);
  return applyEdits(text, fix.edits);
};

test('cache-invalid: a mistyped cache or io value, with the value it most likely meant', () => {
  const text = domain(disk(`<driver name='qemu' type='raw' cache='None' io='nativ'/>\n${FILE_SRC}`));
  const found = run(text).filter((f) => f.rule === 'cache-invalid');
  assert.deepEqual(found.map((f) => at(text, f)), ['None', 'nativ']);
  assert.equal(found[0].severity, 'error');
  assert.match(found[0].message, /Did you mean 'none'/);
  assert.ok(fixed(text, found[0]).includes("cache='none' io='nativ'"));
  assert.ok(fixed(text, found[1]).includes("cache='None' io='native'"));
  // An alias QEMU knows but libvirt does not.
  const off = only(domain(disk(`<driver name='qemu' cache='off'/>\n${FILE_SRC}`)), 'cache-invalid');
  assert.equal(off.fixes[0].title, "Change to cache='none'");
});

test('cache-invalid: a value close to nothing gets the list of modes and no fix', () => {
  const f = only(domain(disk(`<driver name='qemu' cache='fast'/>\n${FILE_SRC}`)), 'cache-invalid');
  assert.deepEqual(f.fixes, []);
  assert.match(f.message, /default, none, writethrough, writeback, directsync, unsafe/);
  // A long value is quoted cut short.
  const long = only(domain(disk(`<driver name='qemu' cache='${'x'.repeat(5000)}'/>\n${FILE_SRC}`)), 'cache-invalid');
  assert.ok(long.message.length < 300);
  assert.equal(long.end - long.start, 5000);
});

test('cache-invalid: every valid cache and io value passes', () => {
  for (const cache of ['default', 'none', 'writethrough', 'writeback', 'directsync', 'unsafe']) {
    for (const io of ['threads', 'io_uring']) {
      assert.ok(!rules(domain(disk(`<driver name='qemu' cache='${cache}' io='${io}'/>\n${FILE_SRC}`))).includes('cache-invalid'), `${cache}/${io}`);
    }
  }
});

test("io-native-needs-direct: io='native' without a cache mode; the fix adds cache='none' in the tag's quote style", () => {
  const text = domain(disk(`<driver name="qemu" type="raw" io="native"/>\n${FILE_SRC}`));
  const f = only(text, 'io-native-needs-direct');
  assert.equal(f.severity, 'error');
  assert.equal(at(text, f), 'native');
  assert.match(f.message, /io='native' needs either no disk cache or directsync cache mode/);
  assert.ok(fixed(text, f).includes('<driver name="qemu" type="raw" cache="none" io="native"/>'));
  assert.ok(fixed(text, f, "Set io='threads'").includes('<driver name="qemu" type="raw" io="threads"/>'));
});

test('io-native-needs-direct: with a host-cached mode the fix replaces the value and points at it', () => {
  const text = domain(disk(`<driver name='qemu' type='raw' cache='writeback' io='native'/>\n${FILE_SRC}`));
  const f = only(text, 'io-native-needs-direct');
  assert.equal(at(text, f.related![0]), "cache='writeback'");
  assert.ok(fixed(text, f).includes("cache='none' io='native'"));
});

test('io-native-needs-direct: none, directsync, and io_uring with any mode pass', () => {
  for (const driver of ["cache='none' io='native'", "cache='directsync' io='native'", "cache='writeback' io='io_uring'"]) {
    assert.ok(!rules(domain(disk(`<driver name='qemu' type='raw' ${driver}/>\n${FILE_SRC}`))).includes('io-native-needs-direct'), driver);
  }
});

test('cache-unsafe, cache-writethrough, cache-directsync on writable disks, with their fixes', () => {
  const text = domain(
    disk(`<driver name='qemu' type='qcow2' cache='unsafe'/>\n${FILE_SRC}`) +
      disk(`<driver name='qemu' type='qcow2' cache='writethrough'/>\n${FILE_SRC}`) +
      disk(`<driver name='qemu' type='qcow2' cache='directsync'/>\n${FILE_SRC}`),
  );
  const fs = run(text);
  assert.deepEqual(
    fs.map((f) => [f.rule, f.severity, at(text, f)]),
    [
      ['cache-unsafe', 'warning', 'unsafe'],
      ['cache-writethrough', 'warning', 'writethrough'],
      ['cache-directsync', 'info', 'directsync'],
    ],
  );
  assert.ok(fixed(text, fs[0]).includes("type='qcow2' cache='none'/>"));
  assert.ok(fixed(text, fs[0], "Set cache='writeback'").includes("cache='writeback'/>"));
  assert.ok(fixed(text, fs[1], "Set cache='writeback'").includes("cache='writeback'/>"));
  // directsync is information: its fix is offered, not preferred, so fix-all keeps the mode.
  assert.deepEqual(fs[2].fixes.map((x) => `${x.title}${x.preferred ? ' (preferred)' : ''}`), ["Set cache='none'"]);
  assert.equal(fixAll(text, { fileName: 'vm.xml' }).text, text.replace(/cache='(unsafe|writethrough)'/g, "cache='none'"));
  // Raised to warning, it is fixed like the others.
  const raised = { fileName: 'vm.xml', severities: { 'cache-directsync': 'warning' as const } };
  assert.equal(fixAll(text, raised).text, text.replace(/cache='(unsafe|writethrough|directsync)'/g, "cache='none'"));
  // With io='native', writeback is not offered: it would break the disk.
  const native = domain(disk(`<driver name='qemu' type='raw' cache='unsafe' io='native'/>\n${FILE_SRC}`));
  const unsafeNative = only(native, 'cache-unsafe');
  assert.deepEqual(unsafeNative.fixes.map((x) => x.title), ["Set cache='none'"]);
  assert.equal(at(native, unsafeNative.related![0]), "io='native'");
});

test('read-only disks get no speed or safety finding: <readonly/>, a CD-ROM (even with media), a floppy without media', () => {
  const text = domain(
    disk(`<driver name='qemu' type='raw' cache='unsafe'/>\n${FILE_SRC}\n<readonly/>`) +
      disk(`<driver name='qemu' type='raw' cache='writethrough'/>\n<source file='/isos/x.iso'/>\n<target dev='sda' bus='sata'/>`, "type='file' device='cdrom'") +
      disk(`<driver name='qemu' type='raw' cache='unsafe'/>\n<target dev='sdb' bus='sata'/>`, "type='file' device='cdrom'") +
      disk(`<driver name='qemu' type='raw' cache='directsync'/>\n<target dev='fda' bus='fdc'/>`, "type='file' device='floppy'"),
  );
  assert.deepEqual(rules(text), []);
  // A floppy with media is writable.
  const floppy = domain(disk(`<driver name='qemu' type='raw' cache='unsafe'/>\n<source file='/f.img'/>\n<target dev='fda'/>`, "type='file' device='floppy'"));
  assert.deepEqual(rules(floppy), ['cache-unsafe']);
});

test('shareable-cache: a shared writable disk with a host cache; related location at <shareable/>', () => {
  const text = domain(disk(`<driver name='qemu' type='raw' cache='writeback'/>\n${FILE_SRC}\n<shareable/>`));
  const f = only(text, 'shareable-cache');
  assert.equal(f.severity, 'warning');
  assert.equal(at(text, f.related![0]), '<shareable/>');
  assert.ok(fixed(text, f).includes("cache='none'"));
  assert.deepEqual(rules(domain(disk(`<driver name='qemu' type='raw' cache='none'/>\n${FILE_SRC}\n<shareable/>`))), []);
  assert.deepEqual(rules(domain(disk(`<driver name='qemu' type='raw'/>\n${FILE_SRC}\n<shareable/>\n<readonly/>`))), []);
});

test('shareable-format: a shared writable qcow2 disk is an error with no fix; raw or an unset format passes', () => {
  const text = domain(disk(`<driver name='qemu' type='qcow2' cache='none'/>\n${FILE_SRC}\n<shareable/>`));
  const f = only(text, 'shareable-format');
  assert.equal(f.severity, 'error');
  assert.equal(at(text, f), 'qcow2');
  assert.deepEqual(f.fixes, []);
  assert.deepEqual(rules(domain(disk(`<driver name='qemu' cache='none'/>\n${FILE_SRC}\n<shareable/>`))), []);
});

test('vhostuser-cache: cache and io are removed with their leading blank', () => {
  const text = domain(disk(`<driver name='qemu' type='raw' cache='none' io='threads'/>\n<source type='unix' path='/tmp/vhost-blk.sock'/>\n<target dev='vda' bus='virtio'/>`, "type='vhostuser' device='disk'"));
  const fs = run(text);
  assert.deepEqual(fs.map((f) => [f.rule, at(text, f)]), [['vhostuser-cache', 'none'], ['vhostuser-cache', 'threads']]);
  assert.ok(fixed(text, fs[0]).includes("<driver name='qemu' type='raw' io='threads'/>"));
  assert.ok(fixAll(text, { fileName: 'vm.xml' }).text.includes("<driver name='qemu' type='raw'/>"));
  // cache='default' is what libvirt accepts there (virDomainDiskVhostUserValidate).
  assert.deepEqual(rules(text.replace("cache='none' io='threads'", "cache='default'")), []);
});

test('vhostvdpa-cache: cache must be none or directsync, also when absent', () => {
  const attrs = "type='vhostvdpa' device='disk'";
  const src = "<source dev='/dev/vhost-vdpa-0'/>\n<target dev='vda' bus='virtio'/>";
  const text = domain(disk(`<driver name='qemu' type='raw'/>\n${src}`, attrs));
  const f = only(text, 'vhostvdpa-cache');
  assert.equal(at(text, f), 'driver');
  assert.ok(fixed(text, f).includes("<driver name='qemu' type='raw' cache='none'/>"));
  assert.equal(at(domain(disk(`<driver name='qemu' cache='writeback'/>\n${src}`, attrs)), only(domain(disk(`<driver name='qemu' cache='writeback'/>\n${src}`, attrs)), 'vhostvdpa-cache')), 'writeback');
  assert.deepEqual(rules(domain(disk(`<driver name='qemu' type='raw' cache='none'/>\n${src}`, attrs))), []);
});

test('migration-cache: a writable file or block disk with a host cache, on a machine type old hosts run, is a hint; without a <driver> the fix adds one', () => {
  const text = domain(disk(`<driver name='qemu' type='qcow2'/>\n${FILE_SRC}`), 'kvm', OLD);
  const f = only(text, 'migration-cache');
  assert.equal(f.severity, 'hint');
  assert.equal(at(text, f), 'driver');
  assert.match(f.message, /machine type 'pc-i440fx-2\.11'/);
  const set = "Set cache='none'";
  assert.ok(fixed(text, f, set).includes("<driver name='qemu' type='qcow2' cache='none'/>"));
  // Offered, never preferred: writeback may be the only mode the host's filesystem supports.
  assert.deepEqual(f.fixes.map((x) => x.preferred === true), [false]);
  assert.equal(fixAll(text, { fileName: 'vm.xml' }).text, text);
  assert.equal(fixAll(text, { fileName: 'vm.xml', severities: { 'migration-cache': 'error' } }).text, text);

  const bare = domain(disk(FILE_SRC, "type='block' device='disk'"), 'kvm', OLD);
  const g = only(bare, 'migration-cache');
  assert.equal(at(bare, g), 'disk');
  assert.equal(
    fixed(bare, g, set),
    domain(disk(`<driver name='qemu' cache='none'/>\n${FILE_SRC}`, "type='block' device='disk'"), 'kvm', OLD),
  );
  // Network disks, shared disks, read-only disks and none/directsync do not get it.
  assert.deepEqual(rules(domain(disk(`<driver name='qemu' type='raw'/>\n<source protocol='nbd' name='x'><host name='h'/></source>\n<target dev='vda'/>`, "type='network' device='disk'"), 'kvm', OLD)), []);
  assert.deepEqual(rules(domain(disk(`<driver name='qemu' cache='none'/>\n${FILE_SRC}`), 'kvm', OLD)), []);
  assert.deepEqual(rules(domain(disk(`${FILE_SRC}\n<readonly/>`), 'kvm', OLD)), []);
});

test('migration-cache: only where a host too old to migrate with a host cache can run the guest', () => {
  const hosted = (machine?: string) => rules(domain(disk(`<driver name='qemu' type='qcow2' cache='writeback'/>\n${FILE_SRC}`), 'kvm', machine));
  // QEMU before 4.0 has no drop-cache; RHEL 7 and 8.0-8.1 ship libvirt 4.5.
  for (const m of ['pc-i440fx-2.11', 'pc-q35-3.1', 'pc-0.14', 'pc-1.2', 'virt-2.6', 'pseries-3.1', 's390-ccw-virtio-2.7', 'pc-i440fx-rhel7.6.0', 'pc-q35-rhel8.1.0']) {
    assert.deepEqual(hosted(m), ['migration-cache'], m);
  }
  // Only QEMU >= 4.0 (or RHEL >= 8.2) runs these; aliases and an absent machine type take the
  // version of the host that defines the domain, which the file does not tell.
  for (const m of [undefined, 'pc', 'q35', 'virt', 'pseries', 'pc-i440fx-4.0', 'pc-q35-4.2', 'pc-q35-10.1', 'virt-4.0', 'pc-q35-rhel8.2.0', 'pc-q35-rhel9.4.0', '$machine', 'pc-i440fx-{{ ver }}']) {
    assert.deepEqual(hosted(m), [], String(m));
  }
  // A <disk> snippet names no machine type.
  assert.deepEqual(rules(disk(`<driver name='qemu' cache='writeback'/>\n${FILE_SRC}`)), []);
});

test('rbd-cache-none: an RBD disk with cache=none turns the librbd cache off; writeback is suggested', () => {
  const rbd = (driver: string, extra = '') =>
    domain(disk(`<driver name='qemu' type='raw' ${driver}/>\n<source protocol='rbd' name='pool/image'>\n  <host name='mon1' port='6789'/>\n</source>\n<target dev='vda' bus='virtio'/>${extra}`, "type='network' device='disk'"));
  const text = rbd("cache='none'");
  const f = only(text, 'rbd-cache-none');
  assert.equal(f.severity, 'hint');
  assert.ok(fixed(text, f, "Set cache='writeback'").includes("cache='writeback'"));
  // A valid mode the user chose is never changed by fix-all, whatever the rule's severity.
  assert.equal(fixAll(text, { fileName: 'vm.xml', severities: { 'rbd-cache-none': 'warning' } }).text, text);
  assert.deepEqual(rules(rbd("cache='directsync'")), ['rbd-cache-none']);
  assert.deepEqual(rules(rbd("cache='writeback'")), []);
  // io='native' needs the O_DIRECT mode; a shared RBD disk must not cache.
  assert.deepEqual(rules(rbd("cache='none' io='native'")), []);
  assert.deepEqual(rules(rbd("cache='none'", '\n<shareable/>')), []);
});

test("lun-cache-ignored: cache on a device='lun' disk is removed", () => {
  const attrs = "type='block' device='lun'";
  const src = "<source dev='/dev/sdb'/>\n<target dev='sda' bus='scsi'/>";
  const text = domain(disk(`<driver name='qemu' type='raw' cache='writethrough'/>\n${src}`, attrs));
  const f = only(text, 'lun-cache-ignored');
  assert.deepEqual(rules(text), ['lun-cache-ignored']);
  assert.ok(fixed(text, f, "Remove cache='writethrough'").includes("<driver name='qemu' type='raw'/>"));
  assert.equal(fixAll(text, { fileName: 'vm.xml' }).text, text);
  assert.deepEqual(rules(domain(disk(`<driver name='qemu' type='raw'/>\n${src}`, attrs))), []);
  assert.deepEqual(rules(domain(disk(`<driver name='qemu' type='raw' cache='none' io='native'/>\n${src}`, attrs))), []);
});

test('guards: Xen, LXC and test domains, a driver other than qemu, a root other than <domain>', () => {
  const unsafe = disk(`<driver name='qemu' type='raw' cache='unsafe'/>\n${FILE_SRC}`);
  for (const type of ['xen', 'lxc', 'test', '']) assert.deepEqual(rules(domain(unsafe, type)), [], type);
  for (const type of ['kvm', 'qemu', 'hvf']) assert.deepEqual(rules(domain(unsafe, type)), ['cache-unsafe'], type);
  assert.deepEqual(rules(domain(disk(`<driver name='tap' type='aio' cache='unsafe'/>\n${FILE_SRC}`))), []);
  const snapshot = `<domainsnapshot>\n  <disks>\n    <disk name='vda'>\n      <driver name='qemu' cache='unsafe'/>\n    </disk>\n  </disks>\n</domainsnapshot>\n`;
  assert.deepEqual(run(snapshot, { fileName: 'snap.xml', kind: 'domain-xml' }), []);
  assert.deepEqual(run(snapshot, { fileName: 'snap.xml' }), []);
});

test('never flagged: <cpu><cache>, <cputune><cachetune>, <filesystem><binary><cache>, NUMA cache=, cache outside a disk driver', () => {
  const text =
    `<domain type='kvm'>\n  <cpu mode='host-passthrough'>\n    <cache level='3' mode='emulate'/>\n    <numa>\n      <interconnects>\n        <latency initiator='0' target='0' cache='1' type='access' value='5'/>\n      </interconnects>\n    </numa>\n  </cpu>\n` +
    `  <cputune>\n    <cachetune vcpus='0-1'>\n      <cache id='0' level='3' type='both' size='3' unit='MiB'/>\n    </cachetune>\n  </cputune>\n  <devices>\n` +
    `    <filesystem type='mount'>\n      <driver type='virtiofs' queue='1024'/>\n      <binary path='/usr/libexec/virtiofsd'>\n        <cache mode='bogus'/>\n      </binary>\n      <source dir='/srv'/>\n      <target dir='srv'/>\n    </filesystem>\n` +
    disk(`<driver name='qemu' type='raw' cache='none'/>\n<source file='/x.img' cache='unsafe'/>\n<target dev='vda'/>`) +
    `    <controller type='scsi' cache='unsafe'/>\n  </devices>\n</domain>\n`;
  assert.deepEqual(run(text), []);
});

test('a <disk> snippet file (as attach-device takes) and a rootless list of disks are linted', () => {
  const one = `<disk type='file' device='disk'>\n  <driver name='qemu' type='raw' cache='unsafe'/>\n  <source file='/x.img'/>\n  <target dev='vdb'/>\n</disk>\n`;
  assert.deepEqual(rules(one), ['cache-unsafe']);
  // A list of disks is linted disk by disk; as one file libvirt would refuse it (one element per file).
  assert.deepEqual(run(one + one.replace('unsafe', 'writethrough'), { fileName: 'disks.xml', kind: 'domain-xml' }).map((f) => f.rule), ['cache-unsafe', 'xml-syntax', 'cache-writethrough']);
});

test('template placeholders are not judged', () => {
  assert.deepEqual(rules(domain(disk(`<driver name='qemu' type='raw' cache='{cache}' io='\${io}'/>\n${FILE_SRC}`))), []);
  assert.deepEqual(rules(domain(disk(`<driver name='qemu' type='raw' cache='unsafe'/>\n${FILE_SRC}`), '{type}')), []);
  assert.deepEqual(rules(domain(disk(`<driver name='qemu' type='raw' cache='writeback' io='{{ io }}'/>\n${FILE_SRC}\n<shareable/>`))), []);
});

test('severities come from the registry and settings; off drops the rule', () => {
  const text = domain(disk(`<driver name='qemu' type='raw' cache='unsafe'/>\n${FILE_SRC}`));
  assert.equal(run(text)[0].severity, 'warning');
  assert.equal(run(text, { fileName: 'vm.xml', severities: { 'cache-unsafe': 'error' } })[0].severity, 'error');
  assert.deepEqual(run(text, { fileName: 'vm.xml', severities: { 'cache-unsafe': 'off' } }), []);
});

test('a suppression comment above the disk driver silences that rule on that line only', () => {
  const text = domain(
    disk(`<!-- qdt-disable-next-line cache-unsafe: throwaway CI VM -->\n<driver name='qemu' type='raw' cache='unsafe'/>\n${FILE_SRC}`) +
      disk(`<driver name='qemu' type='raw' cache='unsafe'/>\n${FILE_SRC}`),
  );
  const fs = run(text);
  assert.equal(fs.length, 1);
  assert.equal(fs[0].start, text.lastIndexOf('unsafe'));
});

test('CRLF files and a byte-order mark: offsets index the text as given', () => {
  const lf = domain(disk(`<driver name='qemu' type='raw' cache='unsafe' io='native'/>\n${FILE_SRC}`));
  for (const text of [lf.replace(/\n/g, '\r\n'), '\uFEFF' + lf.replace(/\n/g, '\r\n')]) {
    const fs = run(text);
    assert.deepEqual(fs.map((f) => at(text, f)), ['unsafe', 'native']);
    const pos = new LineIndex(text).positionAt(fs[0].start);
    assert.equal(pos.line, 4);
    assert.equal(pos.character, text.split('\r\n')[4].indexOf('unsafe'));
    assert.equal(fixAll(text, { fileName: 'vm.xml' }).text, text.replace("cache='unsafe'", "cache='none'"));
  }
  // An inserted <driver> uses the file's line break.
  const bare = domain(disk(FILE_SRC), 'kvm', OLD).replace(/\n/g, '\r\n');
  const g = only(bare, 'migration-cache');
  assert.ok(fixed(bare, g, "Set cache='none'").includes("<disk type='file' device='disk'>\r\n      <driver name='qemu' cache='none'/>\r\n      <source"));
});
