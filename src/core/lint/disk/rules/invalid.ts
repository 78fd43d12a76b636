// cache-invalid: a cache or io value the reading program does not know (libvirt's
// virDomainDiskCacheTypeFromString / virDomainDiskIoTypeFromString fail, and it refuses the domain).
import { diskRule } from '../rule';
import { finding, fix, shortValue, valueRange, type Setting } from '../model';
import { CACHE_MODES, IO_MODES, isCacheMode, isIoMode, suggestValue } from '../../cacheModes';
import type { Disk } from '../model';

function invalid(d: Disk, a: Setting, what: string, valid: readonly string[]) {
  const suggestion = suggestValue(a.value, valid);
  // libvirt's cache='default' where the dialect has no such value (Proxmox): leaving the key out says it.
  const unsetMeansDefault = !suggestion && a.name === 'cache' && a.value.trim().toLowerCase() === 'default';
  const hint = suggestion
    ? `Did you mean '${suggestion}'?`
    : unsetMeansDefault
      ? `Remove it for the default (${d.defaultCache?.shown ?? "QEMU's, writeback"}), or use one of ${valid.join(', ')}.`
      : `Use one of ${valid.join(', ')}.`;
  const reader = d.syntax.valueReader ?? d.syntax;
  const refusal = d.syntax.refusal?.['cache-invalid']?.replace('NAME', a.name) ?? '';
  return finding(
    d,
    'cache-invalid',
    'error',
    `${d.syntax.show(a.name, shortValue(a.value))} is not a disk ${what} ${reader.program} knows, so it ${reader.refuses}${refusal}. ${hint}`,
    valueRange(a),
    suggestion
      ? fix(`Change to ${d.syntax.show(a.name, suggestion)}`, d.edits.replace(a, suggestion), true)
      : unsetMeansDefault
        ? fix(`Remove ${d.syntax.show(a.name, a.value)}`, d.edits.remove(a), true)
        : [],
  );
}

export const cacheInvalid = diskRule({
  id: 'cache-invalid',
  severity: 'error',
  title: 'Disk cache or io value that libvirt, QEMU (-drive), Proxmox VE or KubeVirt does not accept',
  check(f) {
    const d = f.disk;
    if (d.type === 'vhostuser') return [];
    const out = [];
    const modes = d.syntax.cacheModes;
    if (d.cache?.literal && !(modes ? modes.includes(d.cache.value) : isCacheMode(d.cache.value))) out.push(invalid(d, d.cache, 'cache mode', modes ?? CACHE_MODES));
    const ios = d.syntax.ioModes;
    if (d.io?.literal && !(ios ? ios.includes(d.io.value) : isIoMode(d.io.value))) out.push(invalid(d, d.io, 'I/O mode', ios ?? IO_MODES));
    return out;
  },
});
