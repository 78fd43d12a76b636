// vhost-user and vhost-vdpa disks: the backend does the I/O, so libvirt takes no cache or io on a
// vhost-user disk (virDomainDiskVhostUserValidate; cache='default' is accepted) and needs O_DIRECT
// on a vhost-vdpa one (qemuValidateDomainDeviceDefDiskFrontend).
import { diskRule } from '../rule';
import { cacheRange, finding, fix, shortValue, valueRange } from '../model';

export const vhostuserCache = diskRule({
  id: 'vhostuser-cache',
  severity: 'error',
  title: 'vhost-user disk with a cache or io attribute',
  check(f) {
    const d = f.disk;
    if (d.type !== 'vhostuser') return [];
    return [d.cache, d.io].flatMap((a) => {
      if (!a || !a.literal || (a.name === 'cache' && a.value === 'default')) return [];
      const refusal = d.syntax.refusal?.['vhostuser-cache']?.replace('NAME', a.name) ?? '';
      return [
        finding(
          d,
          'vhostuser-cache',
          'error',
          `A vhost-user disk takes no ${a.name} attribute: ${d.syntax.program} ${d.syntax.refuses}${refusal}; the vhost-user backend does its own I/O. Remove the attribute.`,
          valueRange(a),
          fix(`Remove ${d.syntax.show(a.name, shortValue(a.value))}`, d.edits.remove(a), true),
        ),
      ];
    });
  },
});

export const vhostvdpaCache = diskRule({
  id: 'vhostvdpa-cache',
  severity: 'error',
  title: "vhost-vdpa disk without cache='none' or 'directsync'",
  check(f) {
    const d = f.disk;
    if (d.type !== 'vhostvdpa' || f.mode === undefined || !f.ioKnown || f.direct) return [];
    return [
      finding(
        d,
        'vhostvdpa-cache',
        'error',
        `A vhost-vdpa disk needs ${d.syntax.show('cache', 'none')} or 'directsync', but this one has ${f.shown}: ${d.syntax.program} ${d.syntax.refuses}. Set ${d.syntax.show('cache', 'none')}.`,
        cacheRange(d),
        fix(`Set ${d.syntax.show('cache', 'none')}`, d.edits.setCache('none'), true),
      ),
    ];
  },
});
