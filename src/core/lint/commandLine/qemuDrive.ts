// QEMU's -drive option as a disk (the command-line dialect): its `key=value,…` list read as
// QEMU's option parser reads it (util/qemu-option.c get_opt_name_value: `,,` is a literal comma,
// a bare `key` is key=on, the last of a repeated key wins), and an edit writer that rewrites one
// value in place or appends `,key=value`. The rules are the disk rules (lint/disk).
import type { TextEdit } from '../../types';
import type { Disk, DiskEdits, DiskSyntax, Setting } from '../disk/model';
import { OPAQUE, plainRange, removeListItem, type ShellWord } from './shellWords';

/** bdrv_parse_cache_mode (block.c): `off` is QEMU's other name for none; `default` is libvirt's, QEMU refuses it. */
export const QEMU_CACHE_MODES = ['none', 'off', 'writeback', 'writethrough', 'directsync', 'unsafe'] as const;

export const QEMU_SYNTAX: DiskSyntax = {
  // The disk rules say 'io'; -drive calls it aio.
  show: (name, value) => `${name === 'io' ? 'aio' : name}=${value}`,
  program: 'QEMU',
  refuses: 'refuses to start',
  shareableMark: 'share-rw=on',
  // QEMU 7.2's own words (blockdev.c drive_new / extract_common_blockdev_options, block/file-posix.c
  // raw_open_common), checked with qemu-system-x86_64 -machine none -S -drive ….
  refusal: {
    'cache-invalid': ' ("invalid NAME option")',
    'io-native-needs-direct': ' ("aio=native was specified, but it requires cache.direct=on, which was not specified.")',
  },
  cacheModes: QEMU_CACHE_MODES,
  cacheAliases: { off: 'none' },
};

/** One `key[=value]` of the list; indices into the word's value. */
export interface Item {
  key: string;
  value: string;
  /** The item, key to end of value. */
  from: number;
  to: number;
  /** The raw value (with `,,` still doubled). */
  valueFrom: number;
  /** Written `key` alone (a flag, key=on). */
  flag: boolean;
  /** An expansion in the key, or a bare expansion: it may hold any key. */
  opaqueKey: boolean;
}

/** Splits a -drive value into items as get_opt_name_value does (-blockdev's keyval_parse splits the same way). */
export function items(v: string): Item[] {
  const out: Item[] = [];
  let i = 0;
  while (i < v.length) {
    const from = i;
    while (i < v.length && v[i] !== '=' && v[i] !== ',') i++;
    const key = v.slice(from, i);
    if (v[i] !== '=') {
      out.push({ key, value: 'on', from, to: i, valueFrom: i, flag: true, opaqueKey: key.includes(OPAQUE) });
      i++;
      continue;
    }
    const valueFrom = ++i;
    let value = '';
    for (; i < v.length; i++) {
      if (v[i] === ',') {
        if (v[i + 1] !== ',') break;
        i++;
      }
      value += v[i];
    }
    out.push({ key, value, from, to: i, valueFrom, flag: false, opaqueKey: key.includes(OPAQUE) });
    i++;
  }
  return out;
}

const TRUE = new Set(['on', 'yes', 'true', 'y']);
const NETWORK = /^(rbd|nbd|iscsi|gluster(?:\+\w+)?|ssh|https?|ftps?|sheepdog|vxhs|nfs):/;

/** The disk of one -drive; `option` is the `-drive` word itself (where findings about the drive go). */
export function readDrive(option: ShellWord, w: ShellWord): Disk {
  const list = items(w.value);
  const last = new Map<string, Item>();
  for (const it of list) last.set(it.key, it);
  const unknown = list.find((it) => it.opaqueKey);
  const toSetting = (it: Item | undefined, literal = true): Setting | undefined => {
    if (!it) return undefined;
    const whole = { start: w.starts[it.from] ?? w.start, end: it.to > it.from ? w.ends[it.to - 1] : w.end };
    const hasValue = it.to > it.valueFrom;
    return {
      name: it.key,
      value: it.value,
      // Where the value was written (quotes or escapes inside it included; the fixes check).
      valueStart: hasValue ? w.starts[it.valueFrom] : whole.end,
      valueEnd: hasValue ? w.ends[it.to - 1] : whole.end,
      start: whole.start,
      end: whole.end,
      literal: literal && !it.flag && !it.value.includes(OPAQUE),
    };
  };
  // An explicit cache.direct / cache.no-flush / cache.writeback overrides what cache= implies
  // (blockdev.c drive_new), and an expansion where a key stands may set anything: not judged.
  const override = list.find((it) => it.key.startsWith('cache.')) ?? unknown;
  let cache = toSetting(last.get('cache'), !override);
  if (!cache && override) cache = toSetting(override, false);
  let io = toSetting(last.get('aio'));
  if (!io && unknown) io = toSetting(unknown, false);
  const file = last.get('file');
  const net = file && NETWORK.exec(file.value);
  const ro = last.get('readonly') ?? last.get('read-only');
  const anchor = { start: option.start, end: option.end };
  return {
    anchor,
    cacheAnchor: anchor,
    type: net ? 'network' : file?.value.startsWith('/dev/') ? 'block' : 'file',
    device: last.get('media')?.value === 'cdrom' ? 'cdrom' : last.get('if')?.value === 'floppy' ? 'floppy' : 'disk',
    format: toSetting(last.get('format')),
    cache,
    io,
    readonly: !!ro && TRUE.has(ro.value),
    transient: TRUE.has(last.get('snapshot')?.value ?? ''),
    protocol: net?.[1],
    hasMedia: !!file && file.value !== '',
    edits: driveEdits(w, list, last),
    syntax: QEMU_SYNTAX,
  };
}

function driveEdits(w: ShellWord, list: Item[], last: Map<string, Item>): DiskEdits {
  const byValue = (s: Setting) => list.find((it) => it.key === s.name && w.starts[it.from] === s.start);
  const replace = (it: Item | undefined, value: string): TextEdit[] | undefined => {
    const r = it && !it.flag ? plainRange(w, it.valueFrom, it.to) : undefined;
    return r && [{ start: r.start, end: r.end, newText: value }];
  };
  const set = (key: string, value: string): TextEdit[] | undefined => {
    const it = last.get(key);
    if (it) return replace(it, value);
    // Appended inside the word's own quotes; a trailing single comma would turn ours into `,,`.
    const n = w.value.length;
    if (n === 0 || w.value[n - 1] === ',') return undefined;
    return [{ start: w.ends[n - 1], end: w.ends[n - 1], newText: `,${key}=${value}` }];
  };
  return {
    setCache: (mode) => set('cache', mode),
    setIo: (mode) => set('aio', mode),
    replace: (s, value) => replace(byValue(s), value),
    remove: (s) => {
      const it = byValue(s);
      return it && removeListItem(w, it.from, it.to);
    },
  };
}
