// nova-cachemodes-invalid-mode, nova-cachemodes-unknown-type: items Nova reads but never applies
// (LibvirtDriver.__init__ logs "Invalid cachemode" and skips an unknown mode;
// _set_cache_mode looks modes up by source_type, so an unknown type matches no disk).
import type { Finding, Fix } from '../../../types';
import { CACHE_MODES, suggestValue } from '../../cacheModes';
import type { CacheItem } from '../novaCacheModes';
import { intendedDiskType } from '../novaCacheModes';
import { finding, novaRule, q } from '../rule';
import type { IniEntry } from '../ini';

export const cachemodesInvalidMode = novaRule({
  id: 'nova-cachemodes-invalid-mode',
  severity: 'error',
  title: 'disk_cachemodes item with an unknown cache mode',
  *check(m): Generator<Finding> {
    for (const line of m.readLines) for (const r of line.items) if (!r.validMode) yield invalidMode(r.item, line.entry);
  },
});

export const cachemodesUnknownType = novaRule({
  id: 'nova-cachemodes-unknown-type',
  severity: 'warning',
  title: 'disk_cachemodes item for a disk type that never matches',
  *check(m): Generator<Finding> {
    for (const line of m.readLines) for (const r of line.items) if (!r.knownType) yield unknownType(r.item, line.entry);
  },
});

function invalidMode(it: CacheItem, e: IniEntry): Finding {
  const mode = it.mode!;
  const hint = suggestValue(mode, CACHE_MODES);
  const fixes: Fix[] = hint && hint !== mode ? [{ title: `Change to ${hint}`, edits: [{ start: it.modeStart, end: it.modeEnd, newText: hint }] }] : [];
  const what = mode === '' ? `${q(it.text)} names no cache mode` : `${q(mode)} is not a cache mode${hint && hint.toLowerCase() === mode.toLowerCase() ? ' (modes are case-sensitive)' : ''}`;
  const empty = it.modeStart === it.modeEnd;
  return finding(
    cachemodesInvalidMode,
    `${what}, so Nova logs "Invalid cachemode" and ignores ${q(it.text)}. Use one of ${CACHE_MODES.join(', ')}${hint && hint !== mode ? ` (likely ${hint})` : ''}.`,
    empty ? it.start : it.modeStart,
    empty ? it.end : it.modeEnd,
    fixes,
    { about: e },
  );
}

function unknownType(it: CacheItem, e: IniEntry): Finding {
  const type = it.type!;
  const fixes: Fix[] = [];
  const edit = (t: string) => [{ start: it.typeStart, end: it.typeEnd, newText: t }];
  const meant = intendedDiskType(type);
  let advice: string;
  if (meant?.why === 'rbd') {
    advice = 'RBD disks are network disks: use network.';
    fixes.push({ title: 'Change to network', edits: edit('network'), preferred: true });
  } else if (meant?.why === 'case') {
    advice = `Disk types are case-sensitive: use ${meant.type}.`;
    fixes.push({ title: `Change to ${meant.type}`, edits: edit(meant.type) });
  } else {
    advice = meant ? `Use ${meant.type} if that is what you meant, or remove the item.` : 'Use file, block or network, or remove the item.';
    if (meant) fixes.push({ title: `Change to ${meant.type}`, edits: edit(meant.type) });
  }
  const empty = it.typeStart === it.typeEnd;
  return finding(
    cachemodesUnknownType,
    `${type === '' ? 'An empty disk type' : q(type)} is not a disk type Nova matches (file, block, network), so ${q(it.text)} is accepted but never applies to any disk. ${advice}`,
    empty ? it.start : it.typeStart,
    empty ? it.end : it.typeEnd,
    fixes,
    { about: e },
  );
}
