// The Proxmox VE VM config dialect (/etc/pve/qemu-server/<vmid>.conf): its reader turns each
// drive key (ideN, sataN, scsiN, virtioN, efidisk0, tpmstate0) of the config, of its [PENDING]
// section and of each snapshot section into the disk model; the rules are the disk rules.
// Sections and lines are read as qemu-server's parse_vm_config reads them (QemuServer.pm), the
// drive value as parse_drive does (QemuServer/Drive.pm: a volume, then `key=value` items).
import type { Finding } from '../../types';
import type { Disk, DiskSyntax, Setting } from '../disk/model';
import { lintDisks } from '../disk';
import { driveEdits, type DriveItem } from './edits';
import { parseStorageCfg, storageIdOf, takesAio, type StorageInfo } from './storage';
import { ioUringHostCache } from './ioUring';
import { btrfsCacheDirect, isCowBtrfs } from './btrfsCache';

/** The cache values of qemu-server's drive schema (%drivedesc_base in Drive.pm): no 'default'. */
const PVE_CACHE_MODES = ['none', 'writethrough', 'writeback', 'unsafe', 'directsync'] as const;

const DRIVE_KEY = /^(?:(?:ide|sata|scsi|virtio)\d+|efidisk0|tpmstate0)$/;
/** parse_vm_config's option line: no indentation, `key: value`, trailing blanks dropped. */
const OPTION_LINE = /^([a-z][a-z_-]*\d*):[ \t]*(.*?)[ \t\r]*$/;
const PENDING = /^\[PENDING\]\s*$/i;
const SPECIAL = /^\[special:[^\]]*\]\s*$/i;
const SNAPSHOT = /^\[([a-z][a-z0-9_-]+)\]\s*$/i;
const OTHER_SECTION = /^\[[^\]]*\]\s*$/;
/** PVE::JSONSchema's boolean: 1|on|yes|true. */
const TRUE = /^(?:1|on|yes|true)$/i;

/** A line that only a VM config has: a drive key whose value names a storage volume or path. */
export const PROXMOX_DRIVE_LINE = /^(?:(?:ide|sata|scsi|virtio)\d+|efidisk0|tpmstate0):[ \t]*(?:[A-Za-z][\w.-]*:[^\s,]+|\/[^\s,]*|none)(?:,[a-z_-]+=[^\s,]*)*[ \t\r]*$/m;

type Section = { kind: 'main' } | { kind: 'pending' } | { kind: 'snapshot'; name: string } | { kind: 'skipped' };

function syntaxFor(key: string): DiskSyntax {
  return {
    // qemu-server names the io mode `aio`; it passes both to QEMU's -drive / -blockdev as they are.
    show: (name, value) => `${name === 'io' ? 'aio' : name}=${value}`,
    program: 'QEMU',
    refuses: 'refuses to start the VM',
    shareableMark: 'shared',
    cacheModes: PVE_CACHE_MODES,
    // parse_vm_config (not strict when a VM starts) warns and drops a line its schema refuses.
    valueReader: { program: 'Proxmox VE', refuses: `drops the whole ${key} line when it reads the config ("unable to parse value of '${key}'") and starts the VM without this drive` },
    // QEMU's raw_open_common (block/file-posix.c).
    refusal: { 'io-native-needs-direct': ' ("aio=native was specified, but it requires cache.direct=on")' },
  };
}

function noteOf(s: Section): string | undefined {
  if (s.kind === 'pending') return ' (In [PENDING]: a change Proxmox applies at the next start or hotplug.)';
  if (s.kind === 'snapshot') return ` (In snapshot '${s.name}': the config a rollback to it restores.)`;
  return undefined;
}

/** The volume and the `key=value` items of a drive value starting at `at`. */
function itemsOf(value: string, at: number): DriveItem[] {
  const items: DriveItem[] = [];
  let pos = 0;
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    const start = at + pos;
    if (eq > 0) items.push({ key: part.slice(0, eq), value: part.slice(eq + 1), start, end: start + part.length, valueStart: start + eq + 1 });
    else items.push({ key: '', value: part, start, end: start + part.length, valueStart: start });
    pos += part.length + 1;
  }
  return items;
}

function setting(i: DriveItem | undefined): Setting | undefined {
  return i && { name: i.key, value: i.value, valueStart: i.valueStart, valueEnd: i.end, start: i.start, end: i.end, literal: true };
}

/** A drive as the Proxmox rules read it: the disk model, and its storage when storage.cfg names it. */
export interface Drive {
  disk: Disk;
  storage?: StorageInfo;
}

function readDrive(key: string, keyStart: number, value: string, valueStart: number, section: Section, storages: Map<string, StorageInfo> | undefined): Drive {
  const items = itemsOf(value, valueStart);
  const item = (k: string) => items.find((i) => i.key === k);
  const volume = items.find((i) => i.key === '' || i.key === 'file' || i.key === 'volume')?.value ?? '';
  const cdrom = item('media')?.value === 'cdrom';
  const anchor = { start: keyStart, end: keyStart + key.length };
  const isDrive = !key.startsWith('efidisk') && !key.startsWith('tpmstate');
  const note = noteOf(section);
  const storeId = storageIdOf(volume);
  const storage = storeId ? storages?.get(storeId) : undefined;
  const cowBtrfs = isCowBtrfs(storage);
  const disk: Disk = {
    anchor,
    cacheAnchor: anchor,
    // Storage type comes from storage.cfg, which a config alone does not name.
    type: 'volume',
    device: cdrom ? 'cdrom' : 'disk',
    format: setting(item('format')),
    cache: setting(item('cache')),
    io: setting(item('aio')),
    readonly: TRUE.test(item('ro')?.value ?? ''),
    // `shared` only tells Proxmox the volume is reachable from every node (migration); it does
    // not make QEMU share the image between guests, so it is not the model's shareable.
    // `snapshot=1` is QEMU's snapshot mode: writes go to a temporary overlay, as libvirt's <transient/>.
    transient: TRUE.test(item('snapshot')?.value ?? ''),
    hasMedia: volume !== '' && volume !== 'none',
    // drive_uses_cache_direct (Drive.pm): without a cache key a drive that is not a CD-ROM gets
    // cache=none, except on btrfs storage without nocow (assumed not when storage.cfg is absent).
    defaultCache:
      isDrive && !cdrom && !cowBtrfs
        ? { mode: 'none', shown: storage ? 'no cache option (qemu-server then passes cache=none)' : 'no cache option (qemu-server then passes cache=none, unless the storage is btrfs without nocow)' }
        : undefined,
    ...(storage && !takesAio(storage) ? { ioUnread: true } : {}),
    ...(cowBtrfs ? { directHarmful: `btrfs storage '${storage!.id}' keeps data checksums, and O_DIRECT writes there end in checksum errors` } : {}),
    ...(note ? { note } : {}),
    edits: driveEdits(items, valueStart + value.length),
    syntax: syntaxFor(key),
  };
  return { disk, storage };
}

/**
 * The drives of a VM config: main section, [PENDING] and snapshots; [special:…] is skipped.
 * `storageCfg` is the text of the cluster's storage.cfg, when there is one to read.
 */
export function readProxmoxDrives(text: string, storageCfg?: string): Drive[] {
  const storages = storageCfg === undefined ? undefined : parseStorageCfg(storageCfg);
  const disks: Drive[] = [];
  let section: Section = { kind: 'main' };
  let lineStart = 0;
  while (lineStart <= text.length) {
    const nl = text.indexOf('\n', lineStart);
    const lineEnd = nl < 0 ? text.length : nl;
    const line = text.slice(lineStart, lineEnd);
    if (PENDING.test(line)) section = { kind: 'pending' };
    else if (SPECIAL.test(line)) section = { kind: 'skipped' };
    else if (SNAPSHOT.test(line)) section = { kind: 'snapshot', name: SNAPSHOT.exec(line)![1] };
    else if (OTHER_SECTION.test(line)) section = { kind: 'skipped' };
    else if (section.kind !== 'skipped') {
      const m = OPTION_LINE.exec(line);
      if (m && DRIVE_KEY.test(m[1]) && m[2] !== '') {
        const valueStart = lineStart + line.indexOf(m[2], m[1].length + 1);
        disks.push(readDrive(m[1], lineStart, m[2], valueStart, section, storages));
      }
    }
    if (nl < 0) break;
    lineStart = nl + 1;
  }
  return disks;
}

/** Lints a Proxmox VE VM config. Never throws. */
export function lintProxmoxConf(text: string, storageCfg?: string): Finding[] {
  try {
    const drives = readProxmoxDrives(text, storageCfg);
    return [...lintDisks(drives.map((d) => d.disk)), ...drives.flatMap(ioUringHostCache), ...drives.flatMap(btrfsCacheDirect)];
  } catch {
    // Guards only against a bug turning into a crash of the editor.
    return [];
  }
}
