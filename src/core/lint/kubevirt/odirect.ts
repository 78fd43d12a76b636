// kubevirt-odirect-required: a setting that needs O_DIRECT on a volume that is a file on a
// filesystem the manifest cannot see. Without a cache, virt-launcher's SetDriverCacheMode
// (converter.go) probes the file with O_DIRECT and picks none, or writethrough where the probe
// fails; an explicit cache: none turns that fallback into a refusal ("Unable to use 'none' cache
// mode, file system … does not support direct I/O"), and io: native without a cache meets the
// writethrough fallback, which libvirt refuses. Known to bite on tmpfs before Linux 6.6 (kind
// clusters' ephemeral disks, kubevirt#3233) and ZFS before 2.3.
import type { Finding } from '../../types';
import { finding, fix, valueRange } from '../disk/model';
import type { KubevirtDisk } from './reader';

/** The trap as a message names it. */
const WHERE = 'where its filesystem lacks O_DIRECT (tmpfs before Linux 6.6, as for the ephemeral disks of a kind cluster; ZFS before 2.3)';

export function odirectRequired({ disk: d, backing, volume }: KubevirtDisk): Finding[] {
  if (backing !== 'file' || d.shareable || d.device === 'lun') return [];
  const s = d.syntax;
  const cache = d.cache?.literal ? d.cache : undefined;
  const io = d.io?.literal && d.io.value === 'native' ? d.io : undefined;
  const what = `this ${volume ?? 'file'} volume`;
  if (cache?.value === 'none') {
    const withIo = io ? ` (and ${s.show('io', 'native')}, which needs it)` : '';
    const edits = [...(d.edits.remove(cache) ?? []), ...(io ? (d.edits.remove(io) ?? []) : [])];
    return [
      finding(
        d,
        'kubevirt-odirect-required',
        'info',
        `${s.show('cache', 'none')}${withIo} makes the VMI fail to start ${WHERE}: virt-launcher refuses the disk instead of falling back to writethrough. ` +
          `Without a cache KubeVirt picks none itself wherever ${what} supports O_DIRECT; remove it unless the storage is known to support O_DIRECT.`,
        valueRange(cache),
        fix(io ? `Remove ${s.show('cache', 'none')} and ${s.show('io', 'native')}` : `Remove ${s.show('cache', 'none')}`, edits.length > 0 ? edits : undefined),
      ),
    ];
  }
  if (!d.cache && io) {
    return [
      finding(
        d,
        'kubevirt-odirect-required',
        'info',
        `${s.show('io', 'native')} needs O_DIRECT, but without a cache KubeVirt picks writethrough ${WHERE}, and libvirt then refuses io native, so the VMI fails to start. ` +
          `Remove ${s.show('io', 'native')} (KubeVirt sets it itself for block volumes and preallocated images when the cache is none), or set ${s.show('cache', 'none')} to fail with a clear error.`,
        valueRange(io),
        [...fix(`Remove ${s.show('io', 'native')}`, d.edits.remove(io)), ...fix(`Set ${s.show('cache', 'none')}`, d.edits.setCache('none'))],
      ),
    ];
  }
  return [];
}
