// Offset <-> line/column conversion and edit application, shared by the CLI and the tests.
import type { TextEdit } from './types';

export interface Position {
  /** 0-based line. */
  line: number;
  /** 0-based UTF-16 column. */
  character: number;
}

/** Line starts of a text; "\r\n", "\n" and a lone "\r" end a line, as in VS Code. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    if (text.indexOf('\r') === -1) {
      // Only "\n" ends lines: let the native search find them (much faster on a cold start).
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
      return;
    }
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 13 /* \r */) {
        if (text.charCodeAt(i + 1) === 10) i++;
        this.starts.push(i + 1);
      } else if (c === 10 /* \n */) {
        this.starts.push(i + 1);
      }
    }
  }

  get lineCount(): number {
    return this.starts.length;
  }

  positionAt(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    const line = lastAtOrBefore(this.starts, o);
    return { line, character: o - this.starts[line] };
  }

  lineStart(line: number): number {
    return this.starts[Math.max(0, Math.min(line, this.starts.length - 1))];
  }

  /** Offset just past the last character of the line, before its line break. */
  lineEnd(line: number): number {
    if (line + 1 >= this.starts.length) return this.text.length;
    let end = this.starts[line + 1];
    if (this.text.charCodeAt(end - 1) === 10) end--;
    if (this.text.charCodeAt(end - 1) === 13) end--;
    return end;
  }
}

/**
 * Index of the last element of an ascending array that is <= value (0 when none is: callers'
 * arrays start with the smallest possible value, e.g. offset 0).
 */
export function lastAtOrBefore(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (sorted[mid] <= value) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The line break a text mostly uses, for inserting new lines that match it. */
export function eolOf(text: string): '\r\n' | '\n' {
  const crlf = text.indexOf('\r\n');
  const lf = text.indexOf('\n');
  return crlf !== -1 && crlf < lf ? '\r\n' : '\n';
}

/** First index in `taken` (sorted) for which `below` is false; `below` must be true on a prefix. */
function firstNotBelow(taken: readonly TextEdit[], below: (t: TextEdit) => boolean): number {
  let lo = 0;
  let hi = taken.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (below(taken[mid])) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Whether `e` overlaps an edit in `taken` (one starts before the other ends; insertions at one
 * point, or at the start or end of a range, do not). `taken` holds edits that do not overlap,
 * sorted by start then end, so their ends never decrease and one binary search answers (a scan
 * over every taken edit made fix-all quadratic in findings).
 */
function collides(taken: readonly TextEdit[], e: TextEdit): boolean {
  const j = firstNotBelow(taken, (t) => t.end <= e.start);
  return j < taken.length && taken[j].start < e.end && taken[j].end > e.start;
}

/** A group's own edits are ordered ranges that do not overlap (a fix that breaks this is a rule bug). */
function wellFormed(g: readonly TextEdit[]): boolean {
  const sorted = [...g].sort((a, b) => a.start - b.start || a.end - b.end);
  return sorted.every((e, i) => e.start <= e.end && (i === 0 || sorted[i - 1].end <= e.start));
}

/**
 * Picks edit groups (one group = one fix) that do not overlap any group taken before, in order,
 * and skips a group whose own edits overlap. Insertions at one point are all taken: applyEdits
 * keeps them in the order given, so lines moved to one place arrive in the order of the fixes.
 */
export function nonOverlapping(groups: TextEdit[][]): TextEdit[][] {
  const taken: TextEdit[] = [];
  const result: TextEdit[][] = [];
  for (const g of groups) {
    if (!wellFormed(g) || g.some((e) => collides(taken, e))) continue;
    for (const e of g) taken.splice(firstNotBelow(taken, (t) => t.start < e.start || (t.start === e.start && t.end <= e.end)), 0, e);
    result.push(g);
  }
  return result;
}

/**
 * One list of edits on `text0` with the effect of `first` (edits on text0) followed by `second`
 * (edits on the text that `first` made). A second edit that touches what a first one wrote is
 * merged with it, and so are edits that touch each other (insertions at one point become one edit,
 * in the order given); elsewhere each keeps its place. Fix-all uses this to hand the editor one edit
 * (one undo step) for several passes.
 */
export function composeEdits(text0: string, first: readonly TextEdit[], second: readonly TextEdit[]): TextEdit[] {
  const a = [...first].sort((x, y) => x.start - y.start || x.end - y.end);
  const text1 = applyEdits(text0, a);
  interface Item { start1: number; end1: number; from?: TextEdit; edit?: TextEdit }
  const items: Item[] = [];
  let shift = 0;
  for (const e of a) {
    items.push({ start1: e.start + shift, end1: e.start + shift + e.newText.length, from: e });
    shift += e.newText.length - (e.end - e.start);
  }
  for (const e of second) items.push({ start1: e.start, end1: e.end, edit: e });
  // In text1 order; at one position what `first` wrote comes first, so a group starts with it.
  items.sort((x, y) => x.start1 - y.start1 || Number(!x.from) - Number(!y.from));

  const out: TextEdit[] = [];
  let delta = 0; // text0 offset = text1 offset - delta, outside what `first` wrote
  for (let i = 0; i < items.length; ) {
    const start1 = items[i].start1;
    const startFrom = items[i].from;
    let end1 = items[i].end1;
    let j = i + 1;
    while (j < items.length && items[j].start1 <= end1) end1 = Math.max(end1, items[j++].end1);
    const group = items.slice(i, j);
    const firsts = group.filter((x) => x.from).map((x) => x.from!);
    // The end maps through the last first edit when it reaches the group's end, else by the shift.
    const last = group.filter((x) => x.from && x.end1 === end1).pop()?.from;
    const start = startFrom ? startFrom.start : start1 - delta;
    for (const f of firsts) delta += f.newText.length - (f.end - f.start);
    const end = last ? last.end : end1 - delta;
    const local = group.filter((x) => x.edit).map((x) => ({ start: x.edit!.start - start1, end: x.edit!.end - start1, newText: x.edit!.newText }));
    out.push({ start, end, newText: applyEdits(text1.slice(start1, end1), local) });
    i = j;
  }
  return out;
}

/** Applies non-overlapping edits (offsets into `text`). Throws on overlap: that is a bug in a rule. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  let out = '';
  let pos = 0;
  for (const e of sorted) {
    if (e.start < pos || e.end < e.start || e.end > text.length) {
      throw new Error(`overlapping or out-of-range edit ${e.start}-${e.end}`);
    }
    out += text.slice(pos, e.start) + e.newText;
    pos = e.end;
  }
  return out + text.slice(pos);
}
