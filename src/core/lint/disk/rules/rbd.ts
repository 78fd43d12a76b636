// rbd-cache-none: librbd's cache follows QEMU's cache mode (qemu_rbd_open sets rbd_cache from
// the block layer's BDRV_O_NOCACHE), so a direct mode turns it off whatever ceph.conf says.
import { diskRule } from '../rule';
import { cacheRange, finding, fix } from '../model';

export const rbdCacheNone = diskRule({
  id: 'rbd-cache-none',
  severity: 'hint',
  title: "RBD disk with cache='none' turns the librbd cache off",
  check(f) {
    const d = f.disk;
    // A shared disk needs O_DIRECT (shareable-cache), and io='native' needs it too.
    if (f.mode === undefined || !f.ioKnown || !f.writable || !f.rbd || d.shareable || !f.direct || f.io === 'native' || d.device === 'lun') return [];
    return [
      finding(
        d,
        'rbd-cache-none',
        'hint',
        `${d.syntax.show('cache', f.mode)} turns the librbd cache off for this RBD disk, overriding 'rbd cache' in ceph.conf, so writes are slower. Ceph recommends ${d.syntax.show('cache', 'writeback')}, which is crash-safe for a guest that flushes.`,
        cacheRange(d),
        fix(`Set ${d.syntax.show('cache', 'writeback')}`, d.edits.setCache('writeback')),
      ),
    ];
  },
});
