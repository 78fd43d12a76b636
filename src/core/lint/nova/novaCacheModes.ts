// [libvirt] disk_cachemodes read exactly as Nova reads it: oslo.config's List type
// (types.List.__call__: strip, drop trailing commas, split on ",", strip each item), then
// LibvirtDriver.__init__ (nova/virt/libvirt/driver.py): item.partition('='), a mode that is not
// in VALID_DISK_CACHEMODES is logged and skipped, the last item of a disk type wins.
// Also: what in a value is a syntax slip, and the value rewritten as `a=b,c=d`.
import type { IniEntry } from './ini';
import { isPySpace, pyStrip, valueOffsets } from './ini';
import { suggestValue } from '../cacheModes';

/**
 * The disk types Nova looks a mode up by: LibvirtDriver._set_cache_mode uses the disk config's
 * source_type, which Nova sets to file, block or network for disks (RBD images and volumes are
 * network). LibvirtConfigGuestFilesys has source_type "mount" but no driver_cache, so
 * _set_cache_mode returns before the lookup: a mount= item never applies either.
 */
export const DISK_TYPES = ['file', 'block', 'network'] as const;

/** Which disks Nova gives each disk_cachemodes type (nova/virt/libvirt: imagebackend.py, volume/*.py). */
export const DISKS_OF_TYPE: Readonly<Record<(typeof DISK_TYPES)[number], string>> = {
  file: 'file-backed disks (local image files, NFS and SMB volumes)',
  block: 'block-device disks (LVM images, iSCSI and FC volumes)',
  network: 'network disks (RBD images and volumes)',
};

/** The disk type an item most likely meant when Nova matches none with it, and why. */
export function intendedDiskType(type: string): { type: (typeof DISK_TYPES)[number]; why: 'rbd' | 'case' | 'typo' } | undefined {
  const lower = type.toLowerCase();
  if (lower === 'rbd' || lower === 'ceph') return { type: 'network', why: 'rbd' };
  const exact = DISK_TYPES.find((t) => t === lower);
  if (exact) return exact === type ? undefined : { type: exact, why: 'case' };
  const near = suggestValue(type, DISK_TYPES) as (typeof DISK_TYPES)[number] | undefined;
  return near ? { type: near, why: 'typo' } : undefined;
}

export type SyntaxProblem =
  | 'bracket' // ["a=b", "c=d"]
  | 'header' // an indented "[section]" line, read as more of the value
  | 'comment' // the item an inline comment turned invalid
  | 'quoted' // "a=b" as one item of several
  | 'blanks' // a = b
  | 'colon' // a:b
  | 'no-equals' // writeback
  | 'no-comma'; // a=b c=d, or two lines without a comma

export interface ListItem {
  /** The item as the option type hands it on (stripped). */
  text: string;
  /** Text offsets of the stripped item. */
  start: number;
  end: number;
}

export interface CacheItem extends ListItem {
  /** Position in CacheModesValue.items. */
  index: number;
  problem?: SyntaxProblem;
  /** Wholly inside an inline comment, after a comma in it: Nova still reads it as an item. */
  inComment: boolean;
  /** Nova's split at the first "=" (only for items without a problem). */
  type?: string;
  mode?: string;
  typeStart: number;
  typeEnd: number;
  modeStart: number;
  modeEnd: number;
}

export interface CacheModesValue {
  items: CacheItem[];
  /** The value is written as a bracketed list. */
  bracket: boolean;
  /** An inline comment (text offsets, to the end of its line). */
  comment?: { start: number; end: number };
  /** The first continuation line that is a whole "[section]" header (text offsets): indented by mistake. */
  header?: { start: number; end: number };
}

/** oslo.config's List type on an entry's value: the non-empty items with their offsets. */
export function listItems(entry: IniEntry): ListItem[] {
  const v = entry.value;
  const at = valueOffsets(entry);
  let [s, e] = pyStrip(v, 0, v.length);
  while (e > s && v.charCodeAt(e - 1) === 44 /* , */) e--;
  const items: ListItem[] = [];
  if (e === s) return items;
  let from = s;
  for (let i = s; i <= e; i++) {
    if (i === e || v.charCodeAt(i) === 44) {
      const [a, b] = pyStrip(v, from, i);
      if (b > a) items.push({ text: v.slice(a, b), start: at(a), end: at(b) });
      from = i + 1;
    }
  }
  return items;
}

function hasSpace(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (isPySpace(s.charCodeAt(i))) return true;
  return false;
}

function classify(t: string): SyntaxProblem | undefined {
  if (t.includes('"') || t.includes("'")) return 'quoted';
  const eq = t.indexOf('=');
  if (eq < 0) return t.includes(':') ? 'colon' : 'no-equals';
  const type = t.slice(0, eq);
  const mode = t.slice(eq + 1);
  if ((type !== '' && isPySpace(type.charCodeAt(type.length - 1))) || (mode !== '' && isPySpace(mode.charCodeAt(0)))) return 'blanks';
  if (hasSpace(t)) return 'no-comma';
  return undefined;
}

/** Reads a disk_cachemodes entry: every item, Nova's type and mode, and the syntax slips. */
export function parseCacheModes(entry: IniEntry): CacheModesValue {
  // Every field set in one literal: objects built by spread and grown later are many times slower in V8.
  const items: CacheItem[] = listItems(entry).map((it, index) => ({
    text: it.text,
    start: it.start,
    end: it.end,
    index,
    problem: undefined,
    inComment: false,
    type: undefined,
    mode: undefined,
    typeStart: it.start,
    typeEnd: it.start,
    modeStart: it.end,
    modeEnd: it.end,
  }));
  const v = entry.value;
  // A continuation line that is a whole "[section]": a header indented by mistake. The value is
  // read up to it for the bracket check (its "]" does not make a bracketed list).
  let header: CacheModesValue['header'];
  let upTo = v.length;
  for (let i = 1, base = 0; i < entry.pieces.length; i++) {
    base += entry.pieces[i - 1].end - entry.pieces[i - 1].start + 1;
    const p = entry.pieces[i];
    if (/^\[[^\]]*\]$/.test(v.slice(base, base + p.end - p.start))) {
      header = { start: p.start, end: p.end };
      upTo = base - 1;
      break;
    }
  }
  const [s, e] = pyStrip(v, 0, upTo);
  const bracket = v.charCodeAt(s) === 91 /* [ */ || v.charCodeAt(e - 1) === 93; /* ] */
  let comment: CacheModesValue['comment'];
  const hash = v.search(/[#;]/);
  if (hash >= 0) {
    const start = valueOffsets(entry)(hash);
    const piece = entry.pieces.find((p) => p.start <= start && start <= p.end);
    comment = { start, end: piece ? piece.end : start };
  }
  for (const it of items) {
    const overlaps = comment !== undefined && it.end > comment.start && it.start < comment.end;
    it.inComment = overlaps && it.start >= comment!.start;
    if (header && it.end > header.start) it.problem = 'header';
    else if (bracket) it.problem = 'bracket';
    else if (overlaps && !it.inComment) it.problem = 'comment';
    else it.problem = classify(it.text);
    if (it.problem) continue;
    const eq = it.text.indexOf('=');
    it.type = it.text.slice(0, eq);
    it.mode = it.text.slice(eq + 1);
    // A clean item has no blank, so no line break: its offsets are contiguous.
    it.typeEnd = it.start + eq;
    it.modeStart = it.start + eq + 1;
  }
  return { items, bracket, comment, header };
}

/** One item written the way Nova reads it: `type=mode`, no quotes, no blanks, `=` for `:`. */
export function normalizeItem(token: string): string {
  const t = token.trim().replace(/^["']+|["']+$/g, '').trim();
  const m = /^([^=:\s]*)\s*[=:]\s*(.*)$/.exec(t);
  return m ? `${m[1]}=${m[2].trim()}` : t;
}

/**
 * The value rewritten as `a=b,c=d` and the inline comments it held (each to go on a line of its
 * own). Items are kept in order; nothing is dropped or guessed beyond the separators.
 */
export function rewriteCacheModes(value: string): { value: string; comments: string[] } {
  const comments: string[] = [];
  const parts: string[] = [];
  for (const line of value.split('\n')) {
    const hash = line.search(/[#;]/);
    if (hash >= 0) comments.push(line.slice(hash).trim());
    parts.push(hash >= 0 ? line.slice(0, hash) : line);
  }
  let s = parts.join(',').trim();
  if (s.startsWith('[')) s = s.slice(1);
  if (s.endsWith(']')) s = s.slice(0, -1);
  const out: string[] = [];
  for (const raw of s.split(',')) {
    const token = raw.trim();
    if (token === '') continue;
    // "a=b c=d": several items that lack their commas.
    const collapsed = token.replace(/\s*([=:])\s*/g, '$1');
    const pieces = /\s/.test(collapsed) && (collapsed.match(/[=:]/g) ?? []).length > 1 ? collapsed.split(/\s+/) : [token];
    for (const p of pieces) {
      const n = normalizeItem(p);
      if (n !== '') out.push(n);
    }
  }
  return { value: out.join(','), comments };
}
