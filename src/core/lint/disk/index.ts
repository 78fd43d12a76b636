// The disk rules, and the one function every dialect calls with the disks it has read.
import type { Finding } from '../../types';
import { isCacheMode, isIoMode } from '../cacheModes';
import { DIRECT_MODES, isWritable, type Disk, type DiskFacts } from './model';
import { cacheDirectsync, cacheUnsafe, cacheWritethrough } from './rules/cacheMode';
import { cacheInvalid } from './rules/invalid';
import { ioNativeNeedsDirect } from './rules/ioNative';
import { lunCacheIgnored } from './rules/lun';
import { migrationCache } from './rules/migration';
import { rbdCacheNone } from './rules/rbd';
import { shareableCache, shareableFormat } from './rules/shareable';
import { vhostuserCache, vhostvdpaCache } from './rules/vhost';

/** In the order of the rules table. */
export const DISK_RULES = [
  cacheInvalid,
  ioNativeNeedsDirect,
  cacheUnsafe,
  cacheWritethrough,
  cacheDirectsync,
  shareableCache,
  shareableFormat,
  vhostuserCache,
  vhostvdpaCache,
  migrationCache,
  rbdCacheNone,
  lunCacheIgnored,
] as const;


/** What every rule would otherwise work out again for itself. */
export function diskFacts(d: Disk): DiskFacts {
  const cacheKnown = !d.cache || d.cache.literal;
  let mode = cacheKnown ? (d.cache?.value ?? d.defaultCache?.mode ?? 'default') : undefined;
  if (d.cache && mode !== undefined) {
    const accepted = d.syntax.cacheModes ? d.syntax.cacheModes.includes(mode) : isCacheMode(mode);
    mode = accepted ? (d.syntax.cacheAliases?.[mode] ?? mode) : undefined;
  }
  const ioKnown = !d.io || d.io.literal;
  let io = ioKnown ? (d.io?.value ?? d.defaultIo?.mode) : undefined;
  if (io !== undefined && !isIoMode(io)) io = undefined;
  const direct = mode !== undefined && DIRECT_MODES.has(mode);
  const shown = !d.cache && d.defaultCache ? d.defaultCache.shown :
    mode === undefined || mode !== 'default'
      ? d.syntax.show('cache', mode ?? '')
      : `${d.cache ? d.syntax.show('cache', 'default') : 'no cache mode'} (QEMU's default, writeback)`;
  return { disk: d, mode, io, ioKnown, direct, writable: isWritable(d), rbd: d.type === 'network' && d.protocol === 'rbd', shown };
}

/** Every disk rule on every disk; precedence between them is applied later by the engine. */
export function lintDisks(disks: readonly Disk[]): Finding[] {
  const out: Finding[] = [];
  for (const d of disks) {
    const facts = diskFacts(d);
    for (const rule of DISK_RULES) {
      for (const f of rule.check(facts)) out.push(d.note ? { ...f, message: f.message + d.note } : f);
    }
  }
  return out;
}
