// Text edits the Nova config fixes share: remove a line, put a line into [libvirt], remove an
// item from a comma-separated value.
import type { IniDocument, IniEntry, IniSection } from './ini';
import type { TextEdit } from '../../types';

/** Offset of the start of the line holding `offset`. */
export function lineStartOf(text: string, offset: number): number {
  let i = offset;
  while (i > 0) {
    const c = text.charCodeAt(i - 1);
    if (c === 10 || c === 13) break;
    i--;
  }
  return i;
}

/** Removes the whole lines that [start, end) touches, with one line break. */
export function deleteLines(text: string, start: number, end: number): TextEdit {
  const from = lineStartOf(text, start);
  let to = end;
  while (to < text.length && text.charCodeAt(to) !== 10 && text.charCodeAt(to) !== 13) to++;
  if (to < text.length) {
    to += text.charCodeAt(to) === 13 && text.charCodeAt(to + 1) === 10 ? 2 : 1;
    return { start: from, end: to, newText: '' };
  }
  // Last line: take the line break before it instead.
  let back = from;
  if (back > 0 && text.charCodeAt(back - 1) === 10) back--;
  if (back > 0 && text.charCodeAt(back - 1) === 13) back--;
  return { start: back, end: to, newText: '' };
}

/** Inserts a line above the line holding `offset`, keeping nothing of its indentation. */
export function insertLineAbove(text: string, offset: number, line: string, eol: string): TextEdit {
  const at = lineStartOf(text, offset);
  return { start: at, end: at, newText: line + eol };
}

/** The last section oslo.config files under `group`, if any. */
export function lastSection(doc: IniDocument, group: string, usable: (s: IniSection) => boolean = () => true): IniSection | undefined {
  for (let i = doc.sections.length - 1; i >= 0; i--) {
    if (doc.sections[i].group === group && usable(doc.sections[i])) return doc.sections[i];
  }
  return undefined;
}

/** Where a new line goes at the end of a section: after its last option line, or after its header. */
export function sectionEnd(doc: IniDocument, section: IniSection): number {
  let at = section.end;
  for (const e of doc.entries) if (e.section === section && e.end > at) at = e.end;
  return at;
}

/** Adds `line` at `end` of a section (see sectionEnd); without a section, `[name]` and the line at the end of the file. */
export function insertIntoSection(text: string, end: number | undefined, name: string, line: string, eol: string): TextEdit {
  if (end !== undefined) return { start: end, end, newText: eol + line };
  const endsWithBreak = /[\r\n]$/.test(text);
  const lead = text === '' ? '' : (endsWithBreak ? '' : eol) + eol;
  return { start: text.length, end: text.length, newText: `${lead}[${name}]${eol}${line}${eol}` };
}

/** Removes item `i` of a list with one separator next to it; undefined when it is the only item. */
export function removeItem(items: readonly { start: number; end: number }[], i: number): TextEdit | undefined {
  if (items.length < 2) return undefined;
  if (i + 1 < items.length) return { start: items[i].start, end: items[i + 1].start, newText: '' };
  return { start: items[i - 1].end, end: items[i].end, newText: '' };
}

/** Replaces an entry's whole value (quotes and continuation lines included). */
export function replaceValue(entry: IniEntry, newValue: string, text: string): TextEdit {
  const sepEnd = entry.sepOffset + 1;
  if (entry.end > sepEnd) return { start: entry.rawValueStart, end: entry.end, newText: newValue };
  // Empty value: follow the line's style, "key = value" or "key=value".
  const spaced = text.charCodeAt(entry.sepOffset - 1) === 32;
  return { start: sepEnd, end: entry.end, newText: (spaced ? ' ' : '') + newValue };
}

/**
 * Removes the indentation [lineStart, indentEnd) from its line and from the indented lines right
 * after it that start with the same indentation: a block pasted indented becomes options again,
 * instead of its later lines turning into continuations of the first. Lines indented deeper keep
 * their extra indentation (they stay continuations); a blank or less indented line ends the block.
 */
export function dedentBlock(text: string, lineStart: number, indentEnd: number): TextEdit[] {
  const indent = text.slice(lineStart, indentEnd);
  const edits: TextEdit[] = [{ start: lineStart, end: indentEnd, newText: '' }];
  const lineBreak = /\r\n?|\n/g;
  lineBreak.lastIndex = indentEnd;
  for (let m = lineBreak.exec(text); m; m = lineBreak.exec(text)) {
    const start = m.index + m[0].length;
    lineBreak.lastIndex = start;
    const next = lineBreak.exec(text);
    const line = text.slice(start, next ? next.index : text.length);
    if (!line.startsWith(indent) || line.trim() === '') break;
    edits.push({ start, end: start + indent.length, newText: '' });
    lineBreak.lastIndex = start;
  }
  return edits;
}
