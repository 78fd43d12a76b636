// Diagnostics are plain text (the Problems panel, the CLI and SARIF show them as they are): no
// Markdown backticks, and text quoted from the file in double quotes. Checked on files that
// trigger every rule, plus the shared corpus.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lint } from '../../src/core/lint/engine';
import { RULES } from '../../src/core/lint/rules';
import type { Finding } from '../../src/core/types';
import { CORPUS } from '../helpers/corpus';

const NOVA = [
  '[DEFAULT]\nforce_raw_images = False\n[libvirt]\nimages_type = rbd\ndisk_cachemodes = file=unsafe\n[workarounds]\ndisable_deep_image_inspection = True\n[compute]\nvmdk_allowed_types = monolithicFlat\n',
  '[libvirt]\nimages_type = rbd\ndisk_cachemodes = file=unsafe,rbd=writeback,block=writethrough,network=directsync,file=none,File=bogus,network = none\n',
  '[libvirt]\ndisk_cachemodes = ["file=none"]\n',
  '[libvirt]\ndisk_cachemodes = file:none file=none\ndisk_cachemodes = block=none\n',
  '[DEFAULT]\ndisk_cachemodes = file=none\nlibvirt_disk_cachemodes = file=none\n[ libvirt]\nDisk_CacheModes = file=none\n',
  '[libvirt]\nimages_type = rbd\ndisk_cachemodes = network=none\n',
  '[libvirt]\nimages_type = rbd\n',
  '[libvirt]\nimages_type = RBD\n',
  'orphan = 1\n[libvirt]\nno equals here\n= value\n[] \n[libvirt] # c\n',
  '[libvirt]\nvirt_type = kvm\n    disk_cachemodes = file=none\n',
];

const XML = [
  "<domain type='kvm'><devices>" +
    "<disk type='file'><driver name='qemu' cache='unsafe' io='native'/><source file='/a'/></disk>" +
    "<disk type='file'><driver name='qemu' cache='writethrough'/><source file='/b'/></disk>" +
    "<disk type='file'><driver name='qemu' cache='directsync'/><source file='/c'/></disk>" +
    "<disk type='file'><driver name='qemu' cache='wrteback'/><source file='/d'/></disk>" +
    "<disk type='file'><driver name='qemu' type='qcow2' cache='writeback'/><source file='/e'/><shareable/></disk>" +
    "<disk type='vhostuser'><driver name='qemu' cache='none'/><source type='unix' path='/s'/></disk>" +
    "<disk type='vhostvdpa'><driver name='qemu' cache='writeback'/><source dev='/dev/vhost-vdpa-0'/></disk>" +
    "<disk type='network'><driver name='qemu' cache='none'/><source protocol='rbd' name='p/i'/></disk>" +
    "<disk type='block' device='lun'><driver name='qemu' cache='writeback'/><source dev='/dev/sdb'/></disk>" +
    '</devices></domain>\n',
  "<domain type='kvm'><devices><disk type='file'><source file='/a&b'/></disk></devices></domain>\n",
];

function texts(f: Finding): string[] {
  return [f.message, ...(f.related ?? []).map((r) => r.message), ...f.fixes.map((x) => x.title)];
}

function check(file: string, text: string, seen: Set<string>, storageCfg?: string): void {
  for (const f of lint(text, { fileName: file, ...(storageCfg ? { storageCfg } : {}) })) {
    seen.add(f.rule);
    for (const t of texts(f)) {
      assert.doesNotMatch(t, /`/, `${f.rule} in ${file}: Markdown in "${t}"`);
      assert.doesNotMatch(t, /\*\*|\]\(http/, `${f.rule} in ${file}: Markdown in "${t}"`);
    }
  }
}

test('every rule that fired says its message, related locations and fix titles in plain text', () => {
  const seen = new Set<string>();
  NOVA.forEach((t, i) => check(`/etc/nova/nova-${i}.conf`, t, seen));
  XML.forEach((t, i) => check(`/vm-${i}.xml`, t, seen));
  check('/build/image.sh', '#!/bin/sh\nqemu-img convert -t writethrough -O qcow2 a.raw b.qcow2\nqemu-system-x86_64 -drive file=a.img,cache=unsafe,aio=native\n', seen);
  check(
    '/build/advice.sh',
    '#!/bin/sh\nqemu-img convert -T none -c -O qcow2 a.raw b.qcow2\nqemu-system-x86_64 -drive file=b.img -blockdev driver=file,node-name=f0,filename=c.raw,aio=native,cache.no-flush=on\nvirt-install --disk /dev/vg0/a,cache=writeback --disk path=/b.img,cache=bogus\n',
    seen,
  );
  check(
    '/vm.yaml',
    'apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstance\nspec:\n  domain:\n    devices:\n      disks:\n      - {name: a, cache: none}\n      - {name: b, shareable: true, cache: writeback}\n  volumes:\n  - {name: a, emptyDisk: {capacity: 1Gi}}\n',
    seen,
  );
  check('/etc/pve/qemu-server/100.conf', 'memory: 2048\nscsi0: san-lvm:vm-100-disk-0,aio=io_uring,cache=writeback\nscsi1: san-lvm:vm-100-disk-1,cache=bogus\n', seen, 'lvm: san-lvm\n\tvgname san\n');
  check('/etc/pve/qemu-server/101.conf', 'memory: 2048\nscsi0: tank:101/vm-101-disk-0.raw,aio=native,cache=none\n', seen, 'btrfs: tank\n\tpath /mnt/tank\n');
  const buildfiles = path.resolve(__dirname, '../../../test/fixtures/buildfiles');
  for (const f of fs.readdirSync(buildfiles)) check(path.join(buildfiles, f), fs.readFileSync(path.join(buildfiles, f), 'utf8'), seen);
  if (CORPUS) {
    const walk = (d: string): string[] =>
      fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
    for (const f of walk(CORPUS)) check(f, fs.readFileSync(f, 'utf8'), seen);
  }
  // The fixtures must reach every rule, or this test would say nothing about the ones they miss.
  const missed = RULES.map((r) => r.id).filter((id) => !seen.has(id) && id !== 'migration-cache');
  assert.deepEqual(missed, [], 'rules no fixture triggered');
});
