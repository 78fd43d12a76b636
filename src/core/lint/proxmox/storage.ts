// Proxmox VE's storage.cfg (/etc/pve/storage.cfg): which type each storage id has, read as
// PVE::SectionConfig reads it (`type: id` starts a section, indented `key value` lines follow),
// and where it sits relative to a VM config.
import * as path from 'node:path';

export interface StorageInfo {
  id: string;
  /** dir, lvm, lvmthin, zfspool, rbd, cephfs, nfs, cifs, btrfs, iscsi, … */
  type: string;
  /** rbd: mapped through the kernel (krbd 1) rather than librbd. */
  krbd: boolean;
  /** btrfs: nocow set, so qemu-server keeps its cache=none default there. */
  nocow: boolean;
}

const HEADER = /^([a-z][a-z0-9]*):[ \t]+([a-z][a-z0-9._-]*[a-z0-9])[ \t\r]*$/i;
const PROPERTY = /^[ \t]+([a-z][a-z0-9_-]*)(?:[ \t]+(.*?))?[ \t\r]*$/i;
const TRUE = /^(?:1|on|yes|true)$/i;

/** The storages a storage.cfg defines, by id. Lines it does not understand are skipped. */
export function parseStorageCfg(text: string): Map<string, StorageInfo> {
  const out = new Map<string, StorageInfo>();
  let current: StorageInfo | undefined;
  for (const line of text.split('\n')) {
    const h = HEADER.exec(line);
    if (h) {
      current = { id: h[2], type: h[1].toLowerCase(), krbd: false, nocow: false };
      out.set(current.id, current);
      continue;
    }
    const p = current && PROPERTY.exec(line);
    if (!current || !p) {
      if (!/^[ \t]/.test(line)) current = undefined;
      continue;
    }
    // A boolean written bare (`krbd`) is true, as SectionConfig reads flags.
    const on = p[2] === undefined || TRUE.test(p[2]);
    if (p[1] === 'krbd') current.krbd = on;
    if (p[1] === 'nocow') current.nocow = on;
  }
  return out;
}

/**
 * Whether QEMU opens this storage's volumes with a driver that reads the aio mode. pve-storage's
 * qemu_blockdev_options gives librbd (rbd without krbd) and libiscsi (iscsidirect, ZFS over
 * iSCSI) their own QEMU drivers, and qemu-server's generate_file_blockdev sets aio only for the
 * file, host_device and host_cdrom drivers; with -drive, those drivers ignore it.
 */
export function takesAio(s: StorageInfo): boolean {
  if (s.type === 'rbd') return s.krbd;
  return s.type !== 'iscsidirect' && s.type !== 'zfs';
}

/** The storage id of a volume id (`local-lvm:vm-100-disk-0`), as PVE::Storage::parse_volume_id. */
export function storageIdOf(volume: string): string | undefined {
  return /^([a-z][a-z0-9._-]*[a-z0-9]):./i.exec(volume)?.[1];
}

/**
 * Where the storage.cfg of a VM config would be, nearest first: beside it, as
 * /etc/pve/storage.cfg for /etc/pve/qemu-server/<vmid>.conf, and for
 * /etc/pve/nodes/<node>/qemu-server/<vmid>.conf.
 */
export function storageCfgCandidates(configPath: string): string[] {
  const dir = path.dirname(configPath);
  return [path.join(dir, 'storage.cfg'), path.join(dir, '..', 'storage.cfg'), path.join(dir, '..', '..', '..', 'storage.cfg')];
}

/**
 * The text of the storage.cfg nearest to a VM config, read with `read` (the front's file
 * access; it throws for a file that is not there). Undefined when none is found.
 */
export function findStorageCfg(configPath: string, read: (file: string) => string): string | undefined {
  for (const p of storageCfgCandidates(configPath)) {
    try {
      return read(p);
    } catch {
      // Not there, or not readable: try the next place.
    }
  }
  return undefined;
}
