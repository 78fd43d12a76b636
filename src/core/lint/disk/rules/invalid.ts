// cache-invalid: a cache or io value the reading program does not know (libvirt's
// virDomainDiskCacheTypeFromString / virDomainDiskIoTypeFromString fail, and it refuses the domain).
import { diskRule } from '../rule';
import { finding, fix, shortValue, valueRange, type Setting } from '../model';
import { CACHE_MODES, IO_MODES, isCacheMode, isIoMode, suggestValue } from '../../../cacheModes';
import type { Disk } from '../model';

function invalid(d: Disk, a: Setting, what: string, valid: readonly string[]) {
  const suggestion = suggestValue(a.value, valid);
  const hint = suggestion ? `Did you mean '${suggestion}'?` : `Use one of ${valid.join(', ')}.`;
  const refusal = d.syntax.refusal?.['cache-invalid']?.replace('NAME', a.name) ?? '';
  return finding(
    d,
    'cache-invalid',
    'error',
    `${d.syntax.show(a.name, shortValue(a.value))} is not a disk ${what} ${d.syntax.program} knows, so it ${d.syntax.refuses}${refusal}. ${hint}`,
    valueRange(a),
    suggestion ? fix(`Change to ${d.syntax.show(a.name, suggestion)}`, d.edits.replace(a, suggestion), true) : [],
  );
}

export const cacheInvalid = diskRule({
  id: 'cache-invalid',
  severity: 'error',
  title: 'Disk cache or io value that libvirt does not know',
  check(f) {
    const d = f.disk;
    if (d.type === 'vhostuser') return [];
    const out = [];
    if (d.cache?.literal && !isCacheMode(d.cache.value)) out.push(invalid(d, d.cache, 'cache mode', CACHE_MODES));
    if (d.io?.literal && !isIoMode(d.io.value)) out.push(invalid(d, d.io, 'I/O mode', IO_MODES));
    return out;
  },
});
