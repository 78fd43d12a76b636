// proxmox-io-uring-storage: an explicit aio=io_uring on storage where qemu-server itself never
// picks io_uring (storage_allows_io_uring_default in QemuServer/Drive.pm): krbd without a direct
// cache and LVM hang, CIFS misbehaves since Linux 5.15. Needs storage.cfg to know the type.
import type { Finding } from '../../types';
import { cacheRelated, DIRECT_MODES, finding, fix, valueRange } from '../disk/model';
import type { Drive } from './reader';
import type { StorageInfo } from './storage';

/** What goes wrong with io_uring on this storage, or undefined when qemu-server allows it. */
function trouble(s: StorageInfo, direct: boolean): string | undefined {
  if (s.type === 'rbd' && s.krbd && !direct) return `is known to hang on krbd storage ('${s.id}') with a host cache`;
  if (s.type === 'lvm') return `is known to hang on LVM storage ('${s.id}') with a host cache, and sometimes without one`;
  if (s.type === 'cifs') return `causes I/O problems on CIFS storage ('${s.id}') since Linux 5.15`;
  return undefined;
}

export function ioUringHostCache({ disk: d, storage }: Drive): Finding[] {
  const io = d.io;
  if (!storage || !io || io.value !== 'io_uring') return [];
  const mode = d.cache?.value ?? d.defaultCache?.mode;
  const direct = mode !== undefined && DIRECT_MODES.has(mode);
  const what = trouble(storage, direct);
  if (!what) return [];
  const s = d.syntax;
  const cache = d.cache ? s.show('cache', d.cache.value) : 'its cache mode';
  const message =
    `${s.show('io', 'io_uring')} ${what}, which is why qemu-server never picks io_uring there itself. ` +
    `Remove ${s.show('io', 'io_uring')} and qemu-server chooses ${direct ? 'native' : 'threads'} for ${cache}.` +
    (d.note ?? '');
  return [
    finding(d, 'proxmox-io-uring-storage', 'warning', message, valueRange(io), [
      ...fix(`Remove ${s.show('io', 'io_uring')}`, d.edits.remove(io), true),
      ...fix(`Set ${s.show('io', 'threads')}`, d.edits.replace(io, 'threads')),
    ], cacheRelated(d)),
  ];
}
