// What cache/io value sits at an offset, for hover and completion. Pure and tolerant: it works
// on half-typed text (an attribute whose closing quote is not there yet), which a parser would
// refuse. The rules themselves live in domainXml.ts and novaConf.ts.
import type { FileKind } from './types';

export interface ModeTarget {
  /** Which list of values applies. */
  attr: 'cache' | 'io';
  /** The value as written (may be empty while typing). */
  value: string;
  /** The value's range, without quotes: what a completion replaces. */
  start: number;
  end: number;
  /** Nova only: the disk type of the disk_cachemodes item ('file', 'block', 'network'…). */
  diskType?: string;
  /** Range a hover covers: the value in XML, the whole `type=mode` item in Nova. */
  hoverStart: number;
  hoverEnd: number;
}

/** The cache/io value at `offset` (inclusive of the value's end, where a cursor sits after typing). */
export function modeTargetAt(text: string, kind: FileKind, offset: number): ModeTarget | undefined {
  if (offset < 0 || offset > text.length) return undefined;
  return kind === 'domain-xml' ? xmlTargetAt(text, offset) : novaTargetAt(text, offset);
}

// --- domain XML: <disk> … <driver cache='…' io='…'/> ---

const ATTR = /\s([\w:.-]+)\s*=\s*(["'])/g;

function insideComment(text: string, at: number): boolean {
  return text.lastIndexOf('<!--', at) > text.lastIndexOf('-->', at);
}

/** True when the tag at `tagStart` sits inside a <disk> element (libvirt's only cache attribute that matters). */
function insideDisk(text: string, tagStart: number): boolean {
  const open = /<disk[\s>]/g;
  let lastOpen = -1;
  for (let m = open.exec(text); m && m.index < tagStart; m = open.exec(text)) lastOpen = m.index;
  if (lastOpen === -1) return false;
  const close = text.lastIndexOf('</disk', tagStart);
  return close < lastOpen;
}

function xmlTargetAt(text: string, offset: number): ModeTarget | undefined {
  const tagStart = text.lastIndexOf('<', offset - 1);
  if (tagStart === -1 || !/^<driver[\s/>]/.test(text.slice(tagStart, tagStart + 8))) return undefined;
  // A '>' between the tag start and the offset means the offset is past this tag.
  const gt = text.indexOf('>', tagStart);
  if (gt !== -1 && gt < offset) return undefined;
  if (insideComment(text, tagStart) || !insideDisk(text, tagStart)) return undefined;
  const nextLt = text.indexOf('<', tagStart + 1);
  const tagEnd = Math.min(gt === -1 ? text.length : gt, nextLt === -1 ? text.length : nextLt);
  const tag = text.slice(tagStart, tagEnd);
  ATTR.lastIndex = 0;
  for (let m = ATTR.exec(tag); m; m = ATTR.exec(tag)) {
    const start = tagStart + m.index + m[0].length;
    const quote = text.indexOf(m[2], start);
    // Unclosed value (still being typed): it runs to the first blank or the tag's end.
    let end = quote !== -1 && quote <= tagEnd ? quote : start + (/^[^\s/>]*/.exec(text.slice(start, tagEnd))?.[0].length ?? 0);
    if (end > tagEnd) end = tagEnd;
    if (offset < start || offset > end) {
      ATTR.lastIndex = Math.max(ATTR.lastIndex, end + 1 - tagStart); // never match inside a value
      continue;
    }
    const name = m[1];
    if (name !== 'cache' && name !== 'io') return undefined;
    return { attr: name, value: text.slice(start, end), start, end, hoverStart: start, hoverEnd: end };
  }
  return undefined;
}

// --- Nova: [libvirt] disk_cachemodes = file=none,network=writeback ---

const CACHEMODES_LINE = /^([ \t]*)(?:libvirt_)?disk_cachemodes[ \t]*[=:][ \t]*/i;

/** The line of `text` holding `offset`: [start, end) without its line break. */
function lineAt(text: string, offset: number): { start: number; end: number } {
  let start = offset;
  while (start > 0 && text[start - 1] !== '\n' && text[start - 1] !== '\r') start--;
  let end = offset;
  while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++;
  return { start, end };
}

function previousLine(text: string, lineStart: number): { start: number; end: number } | undefined {
  if (lineStart === 0) return undefined;
  let end = lineStart - 1;
  if (text[end] === '\n' && text[end - 1] === '\r') end--;
  return lineAt(text, end);
}

/**
 * The value part of the line at `offset` when it belongs to a disk_cachemodes option: the option's
 * own line, or an indented continuation line below it.
 */
function cachemodesValueAt(text: string, offset: number): { start: number; end: number } | undefined {
  let line = lineAt(text, offset);
  const own = CACHEMODES_LINE.exec(text.slice(line.start, line.end));
  if (own) return { start: line.start + own[0].length, end: line.end };
  // Continuation lines: indented, below the option (oslo.config joins them to its value).
  const first = line;
  for (;;) {
    const content = text.slice(line.start, line.end);
    if (!/^[ \t]+\S/.test(content)) return undefined;
    const prev = previousLine(text, line.start);
    if (!prev) return undefined;
    const prevContent = text.slice(prev.start, prev.end);
    const m = CACHEMODES_LINE.exec(prevContent);
    if (m && m[1] === '') {
      const lead = /^[ \t]*/.exec(text.slice(first.start, first.end))![0].length;
      return { start: first.start + lead, end: first.end };
    }
    if (prevContent.trim() === '' || /^\s*[[#;]/.test(prevContent)) return undefined;
    line = prev;
  }
}

// An item stops at a comma, a quote, a bracket or a blank (the forms Nova does not parse still
// get a hover, so that the user sees what they meant).
const ITEM_STOP = /[,"'[\]\s]/;

function novaTargetAt(text: string, offset: number): ModeTarget | undefined {
  const value = cachemodesValueAt(text, offset);
  if (!value || offset < value.start || offset > value.end) return undefined;
  let itemStart = offset;
  while (itemStart > value.start && !ITEM_STOP.test(text[itemStart - 1])) itemStart--;
  let itemEnd = offset;
  while (itemEnd < value.end && !ITEM_STOP.test(text[itemEnd]) && text[itemEnd] !== '#' && text[itemEnd] !== ';') itemEnd++;
  const item = text.slice(itemStart, itemEnd);
  const eq = item.indexOf('=');
  if (eq <= 0) return undefined;
  const start = itemStart + eq + 1;
  return {
    attr: 'cache',
    value: text.slice(start, itemEnd),
    start,
    end: itemEnd,
    diskType: item.slice(0, eq),
    hoverStart: itemStart,
    hoverEnd: itemEnd,
  };
}
