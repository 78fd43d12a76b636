// lun-cache-ignored: scsi-block passes the guest's SCSI commands through, and libvirt sets no
// write cache on it (qemuBuildDiskFrontendAttributes skips write-cache for device='lun').
import { diskRule } from '../rule';
import { finding, fix, valueRange } from '../model';

export const lunCacheIgnored = diskRule({
  id: 'lun-cache-ignored',
  severity: 'hint',
  title: "cache on a device='lun' disk has no effect",
  check(f) {
    const d = f.disk;
    // Kept when io='native' needs the cache mode for libvirt's own check.
    if (d.device !== 'lun' || !d.cache || f.mode === undefined || f.mode === 'default' || !f.ioKnown || f.io === 'native') return [];
    if (d.type === 'vhostuser' || d.type === 'vhostvdpa') return [];
    return [
      finding(
        d,
        'lun-cache-ignored',
        'hint',
        `${d.syntax.show('cache', f.mode)} does not reach the guest of a device='lun' disk: its SCSI commands go straight to the device and libvirt sets no write cache on it. Remove the attribute.`,
        valueRange(d.cache),
        fix(`Remove ${d.syntax.show('cache', f.mode)}`, d.edits.remove(d.cache)),
      ),
    ];
  },
});
