// Edits of one Proxmox drive value, `local-lvm:vm-100-disk-0,cache=writeback,discard=on`: set,
// replace or remove a `key=value` item of the comma list. A new item goes where qemu-server
// would write it: PVE::JSONSchema::print_property_string puts the volume first, then the keys
// in sorted order, so the file reads as if Proxmox had saved it.
import type { TextEdit } from '../../types';
import type { DiskEdits, Setting } from '../disk/model';

/** One `key=value` item (or the bare volume) of a drive value, with offsets into the file. */
export interface DriveItem {
  key: string;
  value: string;
  /** The item, `key=value`. */
  start: number;
  end: number;
  valueStart: number;
}

export function driveEdits(items: readonly DriveItem[], valueEnd: number): DiskEdits {
  const find = (s: Setting) => items.find((i) => i.valueStart === s.valueStart && i.key !== '');
  const set = (key: string, value: string): TextEdit[] => {
    const existing = items.find((i) => i.key === key);
    if (existing) return [{ start: existing.valueStart, end: existing.end, newText: value }];
    // Before the first option that sorts after it; the volume (no key) stays first.
    const next = items.find((i) => i.key !== '' && i.key !== 'file' && i.key !== 'volume' && i.key > key);
    if (next) return [{ start: next.start, end: next.start, newText: `${key}=${value},` }];
    return [{ start: valueEnd, end: valueEnd, newText: `,${key}=${value}` }];
  };
  return {
    setCache: (mode) => set('cache', mode),
    setIo: (mode) => set('aio', mode),
    replace: (s, value) => {
      const i = find(s);
      return i && [{ start: i.valueStart, end: i.end, newText: value }];
    },
    remove: (s) => {
      const i = find(s);
      if (!i) return undefined;
      const at = items.indexOf(i);
      // With the comma before it; the first item (never a cache or aio in a valid drive) with the one after.
      if (at > 0) return [{ start: items[at - 1].end, end: i.end, newText: '' }];
      const after = items[at + 1];
      return after ? [{ start: i.start, end: after.start, newText: '' }] : undefined;
    },
  };
}
