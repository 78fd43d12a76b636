// cache-unsafe, cache-writethrough, cache-directsync: the three modes that trade safety or speed
// away on a writable disk (rules.md; QEMU's cache modes in CACHE_MODE_FACTS).
import { diskRule } from '../rule';
import { cacheJudged, cacheRange, finding, fix, hasDirectsync, type DiskFacts } from '../model';
import type { RelatedLocation } from '../../../types';

/** writeback is the alternative to none, except where io='native' needs O_DIRECT. */
function writebackFix(f: DiskFacts) {
  return f.io === 'native' ? [] : fix(`Set ${f.disk.syntax.show('cache', 'writeback')}`, f.disk.edits.setCache('writeback'));
}

function ioRelated(f: DiskFacts): RelatedLocation[] {
  const io = f.disk.io;
  if (f.io !== 'native' || !io) return [];
  return [{ start: io.start, end: io.end, message: `${f.disk.syntax.show('io', 'native')} needs O_DIRECT: keep ${f.disk.syntax.show('cache', 'none')}${hasDirectsync(f.disk.syntax) ? " or 'directsync'" : ''}.` }];
}

/** Where the syntax has one word for both (-blockdev's cache.no-flush=off), writeback is no other choice. */
const writebackAlt = (f: DiskFacts) => (f.disk.syntax.show('cache', 'writeback') === f.disk.syntax.show('cache', 'none') ? '' : " (or 'writeback' where the filesystem lacks O_DIRECT)");

/**
 * Set none; where the dialect's own default is surer (it probes O_DIRECT), remove the cache
 * first. Not beside io='native': that needs O_DIRECT either way, and none then fails clearly.
 */
function setNone(f: DiskFacts, preferred: boolean) {
  const d = f.disk;
  const removeFirst = !!d.preferDefaultCache && !!d.cache && f.io !== 'native';
  const none = fix(`Set ${d.syntax.show('cache', 'none')}`, d.edits.setCache('none'), preferred && !removeFirst);
  if (!removeFirst) return none;
  return [...fix(`Remove ${d.syntax.show('cache', d.cache!.value)}`, d.edits.remove(d.cache!), preferred), ...none];
}


export const cacheUnsafe = diskRule({
  id: 'cache-unsafe',
  severity: 'warning',
  title: "cache='unsafe' on a writable disk: guest flushes are ignored",
  supersedes: ['shareable-cache', 'migration-cache'],
  check(f) {
    if (!cacheJudged(f) || f.mode !== 'unsafe' || f.disk.transient) return [];
    const s = f.disk.syntax;
    return [
      finding(
        f.disk,
        'cache-unsafe',
        'warning',
        `${s.show('cache', 'unsafe')} ignores the guest's flushes: a host crash or power loss can leave this disk's image corrupt. Use ${s.show('cache', 'none')}${writebackAlt(f)}; keep unsafe only for throwaway guests.`,
        cacheRange(f.disk),
        [...setNone(f, true), ...writebackFix(f)],
        ioRelated(f),
      ),
    ];
  },
});

export const cacheWritethrough = diskRule({
  id: 'cache-writethrough',
  severity: 'warning',
  title: "cache='writethrough' on a writable disk: slow, and no safer than 'none'",
  supersedes: ['shareable-cache', 'migration-cache'],
  check(f) {
    if (!cacheJudged(f) || f.mode !== 'writethrough') return [];
    const s = f.disk.syntax;
    return [
      finding(
        f.disk,
        'cache-writethrough',
        'warning',
        `${s.show('cache', 'writethrough')} makes every guest write wait for a host flush, so writes are slow, and it is no safer than 'none' for a guest that flushes. Use ${s.show('cache', 'none')} (or 'writeback').`,
        cacheRange(f.disk),
        [...setNone(f, true), ...writebackFix(f)],
        ioRelated(f),
      ),
    ];
  },
});

export const cacheDirectsync = diskRule({
  id: 'cache-directsync',
  severity: 'info',
  title: "cache='directsync' on a writable disk: every write is synchronous",
  check(f) {
    // An RBD disk gets rbd-cache-none instead, unless it is shared or io='native' needs O_DIRECT.
    if (!cacheJudged(f) || f.mode !== 'directsync' || (f.rbd && !f.disk.shareable && f.io !== 'native')) return [];
    const s = f.disk.syntax;
    return [
      finding(
        f.disk,
        'cache-directsync',
        'info',
        `${s.show('cache', 'directsync')} makes every guest write wait for the device, the slowest mode; 'none' is as crash-safe for a guest that flushes. Use ${s.show('cache', 'none')} unless the guest cannot flush its write cache.`,
        cacheRange(f.disk),
        setNone(f, true),
        ioRelated(f),
      ),
    ];
  },
});
