// qemu-drive-default-cache: a writable -drive with no cache= runs with QEMU's default,
// writeback (blockdev_init reads cache.writeback as on, block.c update_flags_from_options
// cache.direct and cache.no-flush as off; qemu-options.hx, -drive: "The default mode is
// cache=writeback"). A valid choice,
// so a hint whose fixes only write a mode out, never applied by fix-all.
import type { Finding } from '../../types';
import { fix, isWritable, type Disk } from '../disk/model';
import { QEMU_SYNTAX } from './qemuDrive';

/** aio modes that work with every cache mode. */
const WITH_ANY_CACHE = new Set(['threads', 'io_uring']);

export function driveDefaultCache(d: Disk): Finding[] {
  // Not a -drive; a cache set (or a cache.* key, or an unknown key); nothing written back, or no
  // file (an empty drive); or an aio other than threads or io_uring: native is flagged by
  // io-native-needs-direct for this same default, a bad or templated one by cache-invalid or not
  // at all.
  if (d.syntax !== QEMU_SYNTAX || d.cache || !isWritable(d) || d.transient || !d.hasMedia || (d.io && !(d.io.literal && WITH_ANY_CACHE.has(d.io.value)))) return [];
  return [
    {
      rule: 'qemu-drive-default-cache',
      severity: 'hint',
      message:
        "This -drive sets no cache=, so QEMU uses its default, writeback: writes go through the host page cache and the guest's flushes reach the disk, as crash-safe as cache=none for a guest that flushes. It matters where the host's page cache is unwanted: the image is on storage other hosts also open (their caches are not coherent), the host is short of memory, or aio=native is wanted (it needs cache=none). Write cache=none (needs O_DIRECT on the image's filesystem) or cache=writeback to make the choice visible.",
      start: d.anchor.start,
      end: d.anchor.end,
      fixes: [...fix('Set cache=none (bypass the host page cache)', d.edits.setCache('none')), ...fix("Set cache=writeback (QEMU's default, written out)", d.edits.setCache('writeback'))],
      subject: d.anchor.start,
    },
  ];
}
