// kubevirt-shareable-cache: virt-launcher's disk converter (converter/storage/disk.go) sets
// cache none on a shareable disk without a cache and refuses any other ("a sharable disk
// requires cache = none"), so the VMI fails to start. The admission webhook does not check it.
import type { Finding } from '../../types';
import { finding, fix, valueRange } from '../disk/model';
import type { KubevirtDisk } from './reader';

export function shareableNeedsNone({ disk: d }: KubevirtDisk): Finding[] {
  const cache = d.cache;
  if (!d.shareable || !cache?.literal || cache.value === 'none' || !d.syntax.cacheModes?.includes(cache.value)) return [];
  const s = d.syntax;
  return [
    finding(
      d,
      'kubevirt-shareable-cache',
      'error',
      `This shareable disk has ${s.show('cache', cache.value)}: virt-launcher refuses it ("a sharable disk requires cache = none"), so the VMI fails to start. Set ${s.show('cache', 'none')}, or remove the cache and KubeVirt sets none itself.`,
      valueRange(cache),
      [...fix(`Set ${s.show('cache', 'none')}`, d.edits.replace(cache, 'none'), true), ...fix(`Remove ${s.show('cache', cache.value)}`, d.edits.remove(cache))],
      [{ start: d.shareable.start, end: d.shareable.end, message: 'The disk is shared between guests here.' }],
    ),
  ];
}
