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
 * Whether `e` collides with an edit in `taken`: they overlap (one starts before the other ends;
 * an insertion at the start or end of a range does not), or both insert at one point. `taken`
 * holds edits that do not collide, sorted by start then end, so their ends never decrease and
 * two binary searches answer (a scan over every taken edit made fix-all quadratic in findings).
 */
function collides(taken: readonly TextEdit[], e: TextEdit): boolean {
  const j = firstNotBelow(taken, (t) => t.end <= e.start);
  if (j < taken.length && taken[j].start < e.end && taken[j].end > e.start) return true;
  if (e.start !== e.end) return false;
  for (let i = firstNotBelow(taken, (t) => t.start < e.start); i < taken.length && taken[i].start === e.start; i++) {
    if (taken[i].end === e.start) return true;
  }
  return false;
}

/**
 * Picks edits groups (one group = one fix) that do not overlap any group taken before,
 * in order. Returns the groups taken.
 */
export function nonOverlapping(groups: TextEdit[][]): TextEdit[][] {
  const taken: TextEdit[] = [];
  const result: TextEdit[][] = [];
  for (const g of groups) {
    if (g.some((e) => collides(taken, e))) continue;
    for (const e of g) taken.splice(firstNotBelow(taken, (t) => t.start < e.start || (t.start === e.start && t.end <= e.end)), 0, e);
    result.push(g);
  }
  return result;
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
