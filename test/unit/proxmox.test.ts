// The Proxmox VE VM config dialect, through the public lint() front door: which files are VM
// configs, which lines are drives, the disk rules on them (findings, ranges, fix text), the
// [PENDING] and snapshot sections, and suppression comments. Facts: qemu-server's Drive.pm
// (drive schema, drive_uses_cache_direct) and QemuServer.pm (parse_vm_config).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { detectKind, fixAll, lint } from '../../src/core/lint/engine';
import { modeTargetAt } from '../../src/core/lint/hoverTargets';
import { applyEdits } from '../../src/core/text';
import type { Finding } from '../../src/core/types';
import { RULES } from '../../src/core/lint/rules';

const FILE = '/etc/pve/qemu-server/100.conf';

/** A VM config as Proxmox writes it, with `drives` in place of its drive lines. */
const vm = (drives: string, tail = '') =>
  `boot: order=scsi0;ide2;net0\ncores: 4\nide2: local:iso/debian-12.9.0-amd64-netinst.iso,media=cdrom,size=632M\nmemory: 8192\nmeta: creation-qemu=9.0.2,ctime=1731000000\nname: web01\nnet0: virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,firewall=1\nostype: l26\n${drives}scsihw: virtio-scsi-single\nsmbios1: uuid=6a1f0b0e-3c55-4a8e-9d0b-2a4f1b2c3d4e\nsockets: 1\nvmgenid: 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0\n${tail}`;

const run = (text: string, fileName = FILE) => lint(text, { fileName });
const at = (text: string, f: { start: number; end: number }) => text.slice(f.start, f.end);
const only = (text: string, rule: string): Finding => {
  const fs = run(text).filter((f) => f.rule === rule);
  assert.equal(fs.length, 1, `expected one ${rule}, got ${JSON.stringify(run(text).map((f) => f.rule))}`);
  return fs[0];
};
const fixed = (text: string, f: Finding, title?: string) => {
  const fix = title ? f.fixes.find((x) => x.title === title) : f.fixes.find((x) => x.preferred);
  assert.ok(fix, `no fix ${title ?? '(preferred)'} in ${JSON.stringify(f.fixes.map((x) => x.title))}`);
  return applyEdits(text, fix.edits);
};
/** The drive line `key:` of a text. */
const line = (text: string, key: string) => text.split('\n').find((l) => l.startsWith(`${key}:`));

test('detectKind: a VM config by its place, or by a drive line beside other VM keys', () => {
  const text = vm('scsi0: local-lvm:vm-100-disk-0,size=32G\n');
  assert.equal(detectKind(FILE, text), 'proxmox-vm');
  assert.equal(detectKind('/etc/pve/nodes/pve1/qemu-server/100.conf', text), 'proxmox-vm');
  assert.equal(detectKind('backup/web01.conf', text), 'proxmox-vm');
  // The place alone is enough (a config still being written has no drive yet).
  assert.equal(detectKind(FILE, 'memory: 2048\n'), 'proxmox-vm');
  // A drive line alone, or in YAML (Ansible's proxmox_kvm vars), is not a VM config.
  assert.equal(detectKind('notes.conf', 'scsi0: local-lvm:vm-100-disk-0\n'), undefined);
  assert.equal(detectKind('host_vars/pve.yml', text), undefined);
  // A container config (pct) has rootfs/mp0, not drives.
  assert.equal(detectKind('/etc/pve/lxc/101.conf', 'arch: amd64\nhostname: ct\nmemory: 512\nrootfs: local-lvm:vm-101-disk-0,size=8G\n'), undefined);
  // A nova.conf stays a nova.conf.
  assert.equal(detectKind('nova.conf', '[libvirt]\ndisk_cachemodes = file=unsafe\n'), 'nova-conf');
});

test('no cache key: qemu-server passes cache=none, so aio=native is accepted and nothing is flagged', () => {
  const text = vm('scsi0: local-lvm:vm-100-disk-0,aio=native,iothread=1,size=32G\nvirtio0: local-zfs:vm-100-disk-1,size=8G\n');
  assert.deepEqual(run(text), []);
});

test('cache-unsafe: the value is underlined; the fix sets cache=none in the comma list', () => {
  const text = vm('scsi0: local-lvm:vm-100-disk-0,cache=unsafe,discard=on,size=32G\n');
  const f = only(text, 'cache-unsafe');
  assert.equal(f.severity, 'warning');
  assert.equal(at(text, f), 'unsafe');
  assert.match(f.message, /^cache=unsafe ignores the guest's flushes/);
  assert.match(f.message, /Use cache=none/);
  assert.doesNotMatch(f.message, /In snapshot|PENDING/);
  assert.equal(line(fixed(text, f), 'scsi0'), 'scsi0: local-lvm:vm-100-disk-0,cache=none,discard=on,size=32G');
  assert.equal(line(fixed(text, f, 'Set cache=writeback'), 'scsi0'), 'scsi0: local-lvm:vm-100-disk-0,cache=writeback,discard=on,size=32G');
  // snapshot=1 is QEMU's snapshot mode: writes are thrown away, so unsafe costs nothing.
  assert.deepEqual(run(vm('scsi0: local-lvm:vm-100-disk-0,cache=unsafe,snapshot=1\n')), []);
});

test('cache-writethrough and cache-directsync on writable drives; not on read-only or CD-ROM drives', () => {
  const wt = vm('sata0: /dev/disk/by-id/ata-ST4000-ZZ1,cache=writethrough,size=4T\n');
  const f = only(wt, 'cache-writethrough');
  assert.equal(at(wt, f), 'writethrough');
  assert.equal(line(fixed(wt, f), 'sata0'), 'sata0: /dev/disk/by-id/ata-ST4000-ZZ1,cache=none,size=4T');
  const ds = vm('virtio1: ceph-pool:vm-100-disk-2,cache=directsync,size=64G\n');
  const d = only(ds, 'cache-directsync');
  assert.equal(d.severity, 'info');
  assert.equal(at(ds, d), 'directsync');
  assert.deepEqual(run(vm('scsi1: local:100/data.qcow2,cache=writethrough,ro=1\n')), []);
  assert.deepEqual(run(vm('ide0: local:iso/virtio-win.iso,cache=writethrough,media=cdrom\n')), []);
});

test('io-native-needs-direct: aio=native with a host cache; QEMU refuses to start the VM', () => {
  const text = vm('scsi0: local-lvm:vm-100-disk-0,aio=native,cache=writeback,iothread=1\n');
  const f = only(text, 'io-native-needs-direct');
  assert.equal(f.severity, 'error');
  assert.equal(at(text, f), 'native');
  assert.match(f.message, /^aio=native needs O_DIRECT, but this disk has cache=writeback: QEMU refuses to start the VM/);
  assert.match(f.message, /requires cache\.direct=on/);
  assert.equal(line(fixed(text, f), 'scsi0'), 'scsi0: local-lvm:vm-100-disk-0,aio=native,cache=none,iothread=1');
  assert.equal(line(fixed(text, f, 'Set aio=threads'), 'scsi0'), 'scsi0: local-lvm:vm-100-disk-0,aio=threads,cache=writeback,iothread=1');
  assert.deepEqual(f.related?.map((r) => at(text, r)), ['cache=writeback']);
  // A CD-ROM has no cache=none by default (drive_uses_cache_direct): aio=native there is refused.
  const cd = vm('ide3: local:iso/tools.iso,aio=native,media=cdrom\n');
  const c = only(cd, 'io-native-needs-direct');
  assert.match(c.message, /this disk has no cache mode \(QEMU's default, writeback\)/);
  assert.equal(line(fixed(cd, c), 'ide3'), 'ide3: local:iso/tools.iso,aio=native,cache=none,media=cdrom');
});

test('cache-invalid: values outside qemu-server\'s enum, which drops the whole drive line', () => {
  const text = vm('scsi0: local-lvm:vm-100-disk-0,cache=write-back,aio=iouring,size=32G\n');
  const found = run(text).filter((f) => f.rule === 'cache-invalid');
  assert.deepEqual(found.map((f) => at(text, f)), ['write-back', 'iouring']);
  assert.match(found[0].message, /^cache=write-back is not a disk cache mode Proxmox VE knows, so it drops the whole scsi0 line when it reads the config \("unable to parse value of 'scsi0'"\)/);
  assert.match(found[0].message, /Did you mean 'writeback'\?/);
  assert.equal(line(fixed(text, found[0]), 'scsi0'), 'scsi0: local-lvm:vm-100-disk-0,cache=writeback,aio=iouring,size=32G');
  assert.equal(line(fixed(text, found[1]), 'scsi0'), 'scsi0: local-lvm:vm-100-disk-0,cache=write-back,aio=io_uring,size=32G');
  // libvirt's 'default' is not in Proxmox's enum; QEMU's 'off' alias is not either.
  const defText = vm('scsi0: local-lvm:vm-100-disk-0,cache=default,size=8G\n');
  const def = only(defText, 'cache-invalid');
  assert.match(def.message, /Remove it for the default \(no cache option \(qemu-server then passes cache=none, unless the storage is btrfs without nocow\)\), or use one of none, writethrough, writeback, unsafe, directsync\.$/);
  assert.equal(line(fixed(defText, def), 'scsi0'), 'scsi0: local-lvm:vm-100-disk-0,size=8G');
  assert.match(only(vm('scsi0: local-lvm:vm-100-disk-0,cache=fast\n'), 'cache-invalid').message, /Use one of none, writethrough, writeback, unsafe, directsync\.$/);
  assert.equal(only(vm('scsi0: local-lvm:vm-100-disk-0,cache=off\n'), 'cache-invalid').fixes[0].title, 'Change to cache=none');
});

test('sections: [PENDING] and snapshot drives are linted and say where they are; [special:cloudinit] is not', () => {
  const text = vm(
    'scsi0: local-lvm:vm-100-disk-0,size=32G\n',
    '\n[PENDING]\nscsi0: local-lvm:vm-100-disk-0,cache=unsafe,size=32G\n\n[before-upgrade]\nscsi0: local-lvm:vm-100-disk-0,cache=writethrough,size=32G\nsnaptime: 1731000000\n\n[special:cloudinit]\nscsi0: local-lvm:vm-100-disk-0,cache=unsafe\n',
  );
  const fs = run(text);
  assert.deepEqual(fs.map((f) => f.rule), ['cache-unsafe', 'cache-writethrough']);
  assert.match(fs[0].message, /\(In \[PENDING\]: a change Proxmox applies at the next start or hotplug\.\)$/);
  assert.match(fs[1].message, /\(In snapshot 'before-upgrade': the config a rollback to it restores\.\)$/);
  // Each fix edits its own section's line.
  const after = fixed(text, fs[1]);
  assert.ok(after.includes('[before-upgrade]\nscsi0: local-lvm:vm-100-disk-0,cache=none,size=32G\n'));
  assert.ok(after.includes('[PENDING]\nscsi0: local-lvm:vm-100-disk-0,cache=unsafe,size=32G\n'));
});

test('only drive lines are read: description comments, unused disks, indented or other keys are not', () => {
  const text = vm(
    'unused0: local-lvm:vm-100-disk-9,cache=unsafe\n',
  ).replace('boot:', '#scsi0%3A local-lvm%3Avm-100-disk-0,cache=unsafe\n#scsi1: local-lvm:vm-100-disk-1,cache=unsafe\nboot:') + ' scsi5: local-lvm:vm-100-disk-5,cache=unsafe\nargs: -drive file=/x,cache=unsafe\n';
  assert.deepEqual(run(text), []);
});

test('fixes insert a missing cache where Proxmox writes it (keys sorted), and fix-all reaches a fixed point', () => {
  // aio=native on a CD-ROM: cache=none goes between aio and media, as print_property_string sorts keys.
  const text = vm('scsi0: local-lvm:vm-100-disk-0,cache=unsafe,discard=on\nvirtio0: local-lvm:vm-100-disk-1,aio=native,cache=writethrough\n');
  const r = fixAll(text, { fileName: FILE });
  assert.equal(line(r.text, 'scsi0'), 'scsi0: local-lvm:vm-100-disk-0,cache=none,discard=on');
  assert.equal(line(r.text, 'virtio0'), 'virtio0: local-lvm:vm-100-disk-1,aio=native,cache=none');
  assert.deepEqual(run(r.text), []);
  assert.equal(fixAll(r.text, { fileName: FILE }).fixed, 0);
  // CRLF line ends survive.
  const crlf = text.replace(/\n/g, '\r\n');
  const c = fixAll(crlf, { fileName: FILE });
  assert.ok(c.text.includes('scsi0: local-lvm:vm-100-disk-0,cache=none,discard=on\r\n'));
});

test('suppression: a # qdt-disable-next-line comment above the drive line', () => {
  const text = vm('# qdt-disable-next-line cache-unsafe -- scratch disk\nscsi1: local-lvm:vm-100-disk-1,cache=unsafe\n');
  assert.deepEqual(run(text), []);
});

test('hover and completion targets: the cache= and aio= values of a drive line', () => {
  const text = vm('scsi0: local-lvm:vm-100-disk-0,aio=threads,cache=writeback,size=32G\n');
  const cacheAt = text.indexOf('writeback') + 3;
  const t = modeTargetAt(text, 'proxmox-vm', cacheAt);
  assert.equal(t?.attr, 'cache');
  assert.equal(t && text.slice(t.start, t.end), 'writeback');
  const io = modeTargetAt(text, 'proxmox-vm', text.indexOf('threads'));
  assert.equal(io?.attr, 'io');
  assert.equal(io && text.slice(io.start, io.end), 'threads');
  assert.equal(modeTargetAt(text, 'proxmox-vm', text.indexOf('size=32G') + 6), undefined);
  assert.equal(modeTargetAt(text, 'proxmox-vm', text.indexOf('vmbr0')), undefined);
});

const STORAGE_CFG = `dir: local
\tpath /var/lib/vz
\tcontent iso,vztmpl,backup

lvmthin: local-lvm
\tthinpool data
\tvgname pve
\tcontent rootdir,images

rbd: ceph-krbd
\tcontent images
\tkrbd 1
\tpool vms

rbd: ceph
\tcontent images
\tkrbd 0
\tpool vms

lvm: san-lvm
\tvgname san
\tshared 1
\tcontent images

cifs: smb
\tpath /mnt/pve/smb
\tserver 192.0.2.10
\tshare vms

btrfs: tank
\tpath /mnt/tank
\tcontent images
`;
const withStorage = (text: string) => lint(text, { fileName: FILE, storageCfg: STORAGE_CFG });

test('proxmox-io-uring-storage: explicit io_uring where qemu-server never picks it, per storage.cfg', () => {
  const flagged = (drive: string) => withStorage(vm(`${drive}\n`)).filter((f) => f.rule === 'proxmox-io-uring-storage');
  // krbd with a host cache hangs; with the default cache=none it does not.
  const text = vm('scsi0: ceph-krbd:vm-100-disk-0,aio=io_uring,cache=writeback,size=32G\n');
  const [f] = withStorage(text).filter((x) => x.rule === 'proxmox-io-uring-storage');
  assert.equal(f.severity, 'warning');
  assert.equal(at(text, f), 'io_uring');
  assert.match(f.message, /^aio=io_uring is known to hang on krbd storage \('ceph-krbd'\) with a host cache, which is why qemu-server never picks io_uring there itself\. Remove aio=io_uring and qemu-server chooses threads for cache=writeback\.$/);
  assert.equal(line(fixed(text, f), 'scsi0'), 'scsi0: ceph-krbd:vm-100-disk-0,cache=writeback,size=32G');
  assert.equal(line(fixed(text, f, 'Set aio=threads'), 'scsi0'), 'scsi0: ceph-krbd:vm-100-disk-0,aio=threads,cache=writeback,size=32G');
  assert.deepEqual(flagged('scsi0: ceph-krbd:vm-100-disk-0,aio=io_uring'), []);
  assert.deepEqual(flagged('scsi0: ceph:vm-100-disk-0,aio=io_uring,cache=writeback'), []);
  // LVM and CIFS: whatever the cache.
  assert.match(flagged('scsi0: san-lvm:vm-100-disk-0,aio=io_uring,cache=none')[0].message, /LVM storage \('san-lvm'\).*qemu-server chooses native for cache=none/);
  assert.match(flagged('virtio0: smb:100/vm-100-disk-0.qcow2,aio=io_uring')[0].message, /CIFS storage \('smb'\) since Linux 5\.15.*chooses native for its cache mode\./);
  // lvmthin, dir and a path take io_uring; without storage.cfg nothing is known.
  assert.deepEqual(flagged('scsi0: local-lvm:vm-100-disk-0,aio=io_uring,cache=writeback'), []);
  assert.deepEqual(flagged('scsi0: /dev/sdb,aio=io_uring,cache=writeback'), []);
  assert.deepEqual(run(vm('scsi0: san-lvm:vm-100-disk-0,aio=io_uring,cache=none\n')), []);
  // In a snapshot, the message says so.
  assert.match(withStorage(vm('', '\n[pre]\nscsi0: san-lvm:vm-100-disk-0,aio=io_uring\n'))[0].message, /In snapshot 'pre'/);
});

test('storage.cfg: btrfs without nocow has no cache=none default, so aio=native there is refused; the fix keeps O_DIRECT off', () => {
  const text = vm('scsi0: tank:100/vm-100-disk-0.raw,aio=native\n');
  assert.deepEqual(run(text), []);
  const f = withStorage(text).find((x) => x.rule === 'io-native-needs-direct');
  assert.ok(f, 'io-native-needs-direct on btrfs');
  assert.match(f.message, /this disk has no cache mode \(QEMU's default, writeback\).*Use aio=threads: a direct cache is wrong here \(btrfs storage 'tank' keeps data checksums/);
  // cache=none would trade this finding for proxmox-btrfs-cache-direct: not offered.
  assert.deepEqual(f.fixes.map((x) => x.title), ['Set aio=threads']);
  assert.equal(line(fixed(text, f), 'scsi0'), 'scsi0: tank:100/vm-100-disk-0.raw,aio=threads');
  const nocow = STORAGE_CFG.replace('\tpath /mnt/tank\n', '\tpath /mnt/tank\n\tnocow 1\n');
  assert.deepEqual(lint(text, { fileName: FILE, storageCfg: nocow }), []);
});

test('proxmox-btrfs-cache-direct: cache=none or directsync on btrfs without nocow; fix removes it (and an aio=native that needs it)', () => {
  const flagged = (drive: string, cfg = STORAGE_CFG) => lint(vm(`${drive}\n`), { fileName: FILE, storageCfg: cfg }).filter((f) => f.rule === 'proxmox-btrfs-cache-direct');
  const text = vm('scsi0: tank:100/vm-100-disk-0.raw,cache=none,discard=on,size=32G\n');
  const [f] = withStorage(text).filter((x) => x.rule === 'proxmox-btrfs-cache-direct');
  assert.equal(f.severity, 'warning');
  assert.equal(at(text, f), 'none');
  assert.match(f.message, /^cache=none opens this image with O_DIRECT on btrfs storage 'tank', which keeps data checksums \(no nocow\).*checksum errors\..*Remove cache=none: qemu-server then opens it without O_DIRECT \(QEMU's writeback\)\.$/);
  assert.equal(line(fixed(text, f), 'scsi0'), 'scsi0: tank:100/vm-100-disk-0.raw,discard=on,size=32G');
  assert.equal(line(fixed(text, f, 'Set cache=writeback'), 'scsi0'), 'scsi0: tank:100/vm-100-disk-0.raw,cache=writeback,discard=on,size=32G');
  // With aio=native, both go in one fix (native AIO needs the O_DIRECT being removed), and fix-all ends with no finding.
  const both = vm('scsi0: tank:100/vm-100-disk-0.raw,aio=native,cache=directsync,size=32G\n');
  const [g] = withStorage(both).filter((x) => x.rule === 'proxmox-btrfs-cache-direct');
  assert.deepEqual(g.fixes.map((x) => x.title), ['Remove cache=directsync and aio=native']);
  assert.equal(line(fixed(both, g), 'scsi0'), 'scsi0: tank:100/vm-100-disk-0.raw,size=32G');
  const all = fixAll(both, { fileName: FILE, storageCfg: STORAGE_CFG }).text;
  assert.equal(line(all, 'scsi0'), 'scsi0: tank:100/vm-100-disk-0.raw,size=32G');
  assert.deepEqual(lint(all, { fileName: FILE, storageCfg: STORAGE_CFG }), []);
  // Not flagged: nocow, writeback, no cache key, read-only, CD-ROM, other storage, no storage.cfg.
  assert.deepEqual(flagged('scsi0: tank:100/vm-100-disk-0.raw,cache=none', STORAGE_CFG.replace('\tpath /mnt/tank\n', '\tpath /mnt/tank\n\tnocow 1\n')), []);
  assert.deepEqual(flagged('scsi0: tank:100/vm-100-disk-0.raw,cache=writeback'), []);
  assert.deepEqual(flagged('scsi0: tank:100/vm-100-disk-0.raw'), []);
  assert.deepEqual(flagged('scsi0: tank:100/vm-100-disk-0.raw,cache=none,ro=1'), []);
  assert.deepEqual(flagged('ide3: tank:iso/x.iso,cache=none,media=cdrom'), []);
  assert.deepEqual(flagged('scsi0: local-lvm:vm-100-disk-0,cache=none'), []);
  assert.deepEqual(run(vm('scsi0: tank:100/vm-100-disk-0.raw,cache=none\n')), []);
  assert.match(withStorage(vm('', '\n[pre]\nscsi0: tank:100/vm-100-disk-0.raw,cache=none\n'))[0].message, /In snapshot 'pre'/);
});

test('librbd and libiscsi storage never see the aio mode: io-native-needs-direct stays quiet there, not on krbd', () => {
  const cfg = `${STORAGE_CFG}\niscsidirect: san-direct\n\tportal 192.0.2.20\n\ttarget iqn.2003-01.org.example:san\n\nzfs: zfs-iscsi\n\tportal 192.0.2.21\n\ttarget iqn.2003-01.org.example:zfs\n\tpool tank\n\tiscsiprovider LIO\n`;
  const native = (store: string) =>
    lint(vm(`scsi0: ${store}:vm-100-disk-0,aio=native,cache=writeback\n`), { fileName: FILE, storageCfg: cfg }).filter((f) => f.rule === 'io-native-needs-direct').length;
  assert.equal(native('ceph'), 0);
  assert.equal(native('san-direct'), 0);
  assert.equal(native('zfs-iscsi'), 0);
  // The kernel client (krbd) is a host block device: file-posix reads aio there.
  assert.equal(native('ceph-krbd'), 1);
  assert.equal(native('san-lvm'), 1);
  // Without storage.cfg, 'ceph' could be anything: flagged.
  assert.equal(run(vm('scsi0: ceph:vm-100-disk-0,aio=native,cache=writeback\n')).filter((f) => f.rule === 'io-native-needs-direct').length, 1);
});

test('every combination of the drive options the rules read fires only the rules the registry lists for Proxmox', () => {
  const seen = new Set<string>();
  let configs = 0;
  for (const cache of ['', 'none', 'writethrough', 'writeback', 'unsafe', 'directsync', 'default', 'wb'])
    for (const aio of ['', 'native', 'threads', 'io_uring', 'posix'])
      for (const extra of ['', ',media=cdrom', ',ro=1', ',snapshot=1', ',shared=1', ',format=qcow2'])
        for (const key of ['ide0', 'sata1', 'scsi2', 'virtio3', 'efidisk0', 'tpmstate0'])
          for (const store of ['ceph-krbd', 'ceph', 'san-lvm', 'smb', 'tank', 'local-lvm']) {
          const opts = `${cache ? `,cache=${cache}` : ''}${aio ? `,aio=${aio}` : ''}${extra}`;
          for (const f of withStorage(vm(`${key}: ${store}:vm-100-disk-0${opts}\n`))) seen.add(f.rule);
          configs++;
          }
  const listed = RULES.filter((r) => r.kinds.includes('proxmox-vm')).map((r) => r.id);
  assert.ok(configs > 1000);
  assert.deepEqual([...seen].sort(), [...listed].sort());
});
