// io-native-needs-direct: Linux native AIO needs O_DIRECT, so libvirt refuses io='native' with a
// host-cached mode (qemuValidateDomainDeviceDefDiskIOThreads / qemuDomainValidateStorageSource…,
// "io='native' needs either no disk cache or directsync cache mode"), and so does QEMU's
// file-posix driver (raw_open_common); a driver that never reads the io mode refuses nothing.
import { diskRule } from '../rule';
import { cacheRange, cacheRelated, finding, fix, valueRange } from '../model';

export const ioNativeNeedsDirect = diskRule({
  id: 'io-native-needs-direct',
  severity: 'error',
  title: "io='native' without cache='none' or 'directsync'",
  // The same fix (cache='none') as these; they say less.
  supersedes: ['vhostvdpa-cache', 'shareable-cache', 'migration-cache'],
  check(f) {
    const d = f.disk;
    // An io the program adds by itself (virt-install: native on a block device) counts as written.
    if (f.mode === undefined || !f.ioKnown || f.io !== 'native' || f.direct || !(d.io ?? d.defaultIo) || d.type === 'vhostuser' || d.ioUnread) return [];
    const s = d.syntax;
    const io = d.io ? s.show('io', 'native') : d.defaultIo!.shown;
    const none = fix(`Set ${s.show('cache', 'none')}`, d.edits.setCache('none'), !d.directHarmful);
    const threads = fix(`Set ${s.show('io', 'threads')}`, d.io ? d.edits.replace(d.io, 'threads') : d.edits.setIo('threads'), !!d.directHarmful);
    const advice = d.directHarmful
      ? `Use ${s.show('io', 'threads')}: a direct cache is wrong here (${d.directHarmful}).`
      : `Set ${s.show('cache', 'none')} (or 'directsync'), or use ${s.show('io', 'threads')}.`;
    return [
      finding(
        d,
        'io-native-needs-direct',
        'error',
        `${io} needs O_DIRECT, but this disk has ${f.shown}: ${s.program} ${s.refuses}${s.refusal?.['io-native-needs-direct'] ?? ''}. ${advice}`,
        d.io ? valueRange(d.io) : cacheRange(d),
        // Where a direct cache is wrong, setting one would only trade this finding for another.
        d.directHarmful ? threads : [...none, ...threads],
        cacheRelated(d),
      ),
    ];
  },
});
