// The truth test of the Proxmox dialect: real QEMU (qemu-system-x86_64, Debian qemu-system-x86)
// is given each drive as qemu-server would pass it (print_drive_commandline_full in
// QemuServer.pm: the cache as written, cache=none when drive_uses_cache_direct says so, the aio
// as written or aio_cmdline_option's default, io_uring where no storage forbids it). A drive
// QEMU refuses must carry an error finding, a drive it accepts none, and after fix-all QEMU
// must accept every drive. -daemonize makes QEMU exit once the drives are open: 0 = accepted.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fixAll, lint } from '../../src/core/lint/engine';
import { readProxmoxDrives } from '../../src/core/lint/proxmox/reader';

const FILE = '/etc/pve/qemu-server/100.conf';
const CONFIG = `boot: order=scsi0
memory: 2048
scsi0: local-lvm:vm-100-disk-0,aio=native,cache=writeback,discard=on
scsi1: local-lvm:vm-100-disk-1,aio=native,iothread=1
scsi2: local-lvm:vm-100-disk-2,cache=unsafe
scsi3: local-lvm:vm-100-disk-3,aio=io_uring,cache=writeback
virtio0: local-lvm:vm-100-disk-4,aio=native,cache=writethrough
sata0: local-lvm:vm-100-disk-5,aio=native,cache=directsync
ide2: local:iso/tools.iso,aio=native,media=cdrom
`;

/** The -drive option string qemu-server builds for each drive of `text`, all on `image`. */
function qemuDrives(text: string, image: string): { key: string; drive: string }[] {
  return readProxmoxDrives(text).map(({ disk }) => {
    const key = text.slice(disk.anchor.start, disk.anchor.end);
    const opts = [`file=${image}`, 'if=none', `id=drive-${key}`];
    if (disk.device === 'cdrom') opts.push('media=cdrom');
    if (disk.cache) opts.push(`cache=${disk.cache.value}`);
    opts.push('format=raw');
    // drive_uses_cache_direct without a storage: any drive but a CD-ROM.
    const direct = disk.cache ? ['none', 'directsync'].includes(disk.cache.value) : disk.device !== 'cdrom';
    if (!disk.cache && direct) opts.push('cache=none');
    opts.push(`aio=${disk.io?.value ?? 'io_uring'}`);
    return { key, drive: opts.join(',') };
  });
}

/** Whether QEMU opens the drive; its error otherwise. */
function qemuAccepts(drive: string, dir: string): { ok: boolean; stderr: string } {
  const pidfile = path.join(dir, 'qemu.pid');
  fs.rmSync(pidfile, { force: true });
  const r = spawnSync('qemu-system-x86_64', ['-machine', 'none', '-S', '-nodefaults', '-display', 'none', '-daemonize', '-pidfile', pidfile, '-drive', drive], { encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw new Error(`qemu-system-x86_64 did not run (${r.error.message}); scripts/install-system-deps.sh installs qemu-system-x86`);
  if (fs.existsSync(pidfile)) process.kill(Number(fs.readFileSync(pidfile, 'utf8').trim()));
  return { ok: r.status === 0, stderr: r.stderr.trim() };
}

/** The drive keys with an error-level finding. */
function keysWithErrors(text: string): string[] {
  return lint(text, { fileName: FILE })
    .filter((f) => f.severity === 'error')
    .map((f) => /^[a-z]+\d+/.exec(text.slice(text.lastIndexOf('\n', f.start) + 1))![0]);
}

test('real QEMU refuses exactly the drives with an error finding, and accepts every drive after fix-all', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qdt-pve-'));
  try {
    const image = path.join(dir, 'disk.raw');
    fs.writeFileSync(image, Buffer.alloc(1024 * 1024));
    const baseline = qemuAccepts(`file=${image},if=none,id=d,format=raw,cache=none,aio=native`, dir);
    assert.ok(baseline.ok, `the temp folder's filesystem must support O_DIRECT for this test: ${baseline.stderr}`);

    const refused = qemuDrives(CONFIG, image).filter((d) => {
      const r = qemuAccepts(d.drive, dir);
      if (!r.ok) assert.match(r.stderr, /aio=native was specified, but it requires cache\.direct=on/, d.drive);
      return !r.ok;
    });
    assert.deepEqual(refused.map((d) => d.key), ['scsi0', 'virtio0', 'ide2']);
    assert.deepEqual([...new Set(keysWithErrors(CONFIG))], ['scsi0', 'virtio0', 'ide2']);

    const fixed = fixAll(CONFIG, { fileName: FILE }).text;
    assert.notEqual(fixed, CONFIG);
    for (const d of qemuDrives(fixed, image)) {
      const r = qemuAccepts(d.drive, dir);
      assert.ok(r.ok, `QEMU refuses the fixed ${d.key} (${d.drive}): ${r.stderr}`);
    }
    assert.deepEqual(keysWithErrors(fixed), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('real QEMU: only its file driver refuses aio=native without O_DIRECT, so drives on librbd/libiscsi storage are not flagged', () => {
  // A network driver (rbd, iscsi) cannot open here without its server; null-co is a QEMU driver
  // that, like them, is not file-posix, which is the only place the refusal lives (raw_open_common).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qdt-pve-'));
  try {
    const image = path.join(dir, 'disk.raw');
    fs.writeFileSync(image, Buffer.alloc(1024 * 1024));
    assert.ok(qemuAccepts('driver=null-co,if=none,id=d,cache=writeback,aio=native', dir).ok);
    assert.match(qemuAccepts(`file=${image},if=none,id=d,format=raw,cache=writeback,aio=native`, dir).stderr, /aio=native was specified, but it requires cache\.direct=on/);
    const cfg = 'rbd: ceph\n\tpool vms\n\tkrbd 0\n\nrbd: ceph-krbd\n\tpool vms\n\tkrbd 1\n';
    const text = 'scsi0: ceph:vm-100-disk-0,aio=native,cache=writeback\nscsi1: ceph-krbd:vm-100-disk-1,aio=native,cache=writeback\n';
    const errors = lint(text, { fileName: FILE, storageCfg: cfg }).filter((f) => f.severity === 'error');
    assert.deepEqual(errors.map((f) => text.slice(text.lastIndexOf('\n', f.start) + 1, text.indexOf(':', text.lastIndexOf('\n', f.start) + 1))), ['scsi1']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
