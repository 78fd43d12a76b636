// proxmox-btrfs-cache-direct: cache=none or directsync on btrfs storage without nocow. btrfs
// honours O_DIRECT, and a page the guest changes while it is being written with O_DIRECT is
// stored under a checksum of other bytes: reads then fail with checksum errors (pve-docs,
// pve-storage-btrfs.adoc). qemu-server itself never opens such a drive with O_DIRECT unless told
// to (drive_uses_cache_direct in QemuServer/Drive.pm), so the explicit setting is what to remove.
import type { Finding, TextEdit } from '../../types';
import { DIRECT_MODES, finding, fix, isWritable, valueRange } from '../disk/model';
import type { Drive } from './reader';
import type { StorageInfo } from './storage';

/** btrfs storage whose images keep copy-on-write (and so data checksums): no nocow flag. */
export function isCowBtrfs(s: StorageInfo | undefined): boolean {
  return s?.type === 'btrfs' && !s.nocow;
}

export function btrfsCacheDirect({ disk: d, storage }: Drive): Finding[] {
  const cache = d.cache;
  // Read-only drives and CD-ROMs are never written, so nothing can be stored under a wrong checksum.
  if (!storage || !isCowBtrfs(storage) || !cache || !DIRECT_MODES.has(cache.value) || !isWritable(d)) return [];
  const s = d.syntax;
  const shown = s.show('cache', cache.value);
  // aio=native needs O_DIRECT: without the direct cache QEMU would refuse it, so it goes too
  // (qemu-server then picks io_uring or threads, as for any drive without an aio key).
  const native = d.io?.value === 'native' ? d.io : undefined;
  const removeCache = d.edits.remove(cache);
  const removeNative = native && d.edits.remove(native);
  const remove: TextEdit[] | undefined = native ? removeCache && removeNative && [...removeCache, ...removeNative] : removeCache;
  const removed = native ? `${shown} and ${s.show('io', 'native')}` : shown;
  const message =
    `${shown} opens this image with O_DIRECT on btrfs storage '${storage.id}', which keeps data checksums (no nocow): ` +
    `a block the guest changes while it is being written is stored with a checksum that no longer matches, and later reads fail with checksum errors. ` +
    `Proxmox advises against cache=none on btrfs. Remove ${removed}: qemu-server then opens it without O_DIRECT (QEMU's writeback).` +
    (d.note ?? '');
  return [
    finding(d, 'proxmox-btrfs-cache-direct', 'warning', message, valueRange(cache), [
      ...fix(`Remove ${removed}`, remove, true),
      ...(native ? [] : fix(`Set ${s.show('cache', 'writeback')}`, d.edits.replace(cache, 'writeback'))),
    ]),
  ];
}
