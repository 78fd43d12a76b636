// shareable-cache, shareable-format: a disk that several guests write at once (<shareable/>).
import { diskRule } from '../rule';
import { cacheJudged, cacheRange, cacheRelated, finding, fix, shortValue, valueRange, type DiskFacts } from '../model';
import type { RelatedLocation } from '../../../types';


function shareRelated(f: DiskFacts): RelatedLocation {
  const r = f.disk.shareable!;
  return { start: r.start, end: r.end, message: 'The disk is shared between guests here.' };
}

export const shareableCache = diskRule({
  id: 'shareable-cache',
  severity: 'warning',
  title: 'Shareable writable disk with host caching',
  check(f) {
    const d = f.disk;
    if (!cacheJudged(f) || !d.shareable || f.direct) return [];
    return [
      finding(
        d,
        'shareable-cache',
        'warning',
        `This ${d.syntax.shareableMark} disk has ${f.shown}: the host page cache is not coherent between the guests that share the disk, so they can read stale data. Set ${d.syntax.show('cache', 'none')}.`,
        cacheRange(d),
        fix(`Set ${d.syntax.show('cache', 'none')}`, d.edits.setCache('none'), true),
        [shareRelated(f), ...cacheRelated(d)],
      ),
    ];
  },
});

export const shareableFormat = diskRule({
  id: 'shareable-format',
  severity: 'error',
  title: 'Shareable writable disk in a format other than raw',
  check(f) {
    const d = f.disk;
    const format = d.format;
    if (!cacheJudged(f) || !d.shareable || !format || !format.literal || format.value === 'raw') return [];
    return [
      finding(
        d,
        'shareable-format',
        'error',
        `This ${d.syntax.shareableMark} disk is in format '${shortValue(format.value)}': ${d.syntax.program} ${d.syntax.refuses}${d.syntax.refusal?.['shareable-format'] ?? ''}, since only raw images can be written by several guests. Convert the image to raw, or remove ${d.syntax.shareableMark}.`,
        valueRange(format),
        [],
        [shareRelated(f)],
      ),
    ];
  },
});
