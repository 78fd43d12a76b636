// migration-cache: libvirt refuses to live-migrate a disk with a host page cache unless both
// hosts can drop that cache (qemuMigrationSrcIsSafe; QEMU >= 4.0, libvirt >= 5.7). Shared,
// read-only and network disks are exempt there, and so here.
import { diskRule } from '../rule';
import { cacheRange, finding, fix, shortValue } from '../model';
import { mayRunOnHostWithoutDropCache } from '../../domainXml/machineTypes';

export const migrationCache = diskRule({
  id: 'migration-cache',
  severity: 'hint',
  title: 'Live migration of this disk needs libvirt >= 5.7 with QEMU >= 4.0',
  check(f) {
    const d = f.disk;
    const machine = d.machine;
    if (f.mode === undefined || !f.ioKnown || !f.writable || f.direct || d.transient || d.shareable || d.device === 'lun') return [];
    // Only where a host too old to drop the page cache on migration can run this guest: on newer
    // hosts libvirt allows the migration, so elsewhere this is noise.
    if ((d.type !== 'file' && d.type !== 'block') || !machine || !mayRunOnHostWithoutDropCache(machine)) return [];
    return [
      finding(
        d,
        'migration-cache',
        'hint',
        `This disk has ${f.shown}, and machine type '${shortValue(machine)}' lets the guest run on hosts older than QEMU 4.0 or libvirt 5.7, which refuse to live-migrate it with a host cache as unsafe. Set ${d.syntax.show('cache', 'none')} if such hosts take part in migration and the filesystem supports O_DIRECT.`,
        cacheRange(d),
        // Never preferred: writeback may be deliberate (no O_DIRECT), and only the user knows the hosts.
        fix(`Set ${d.syntax.show('cache', 'none')}`, d.edits.setCache('none')),
      ),
    ];
  },
});
