// Findings past a cap, kept as one finding: a linter lists the first findings of a rule one by
// one and folds the rest into one that says how many it stands for, with one fix that is all of
// their preferred fixes. One fix-all pass then fixes them all (a cap that dropped them made
// fix-all take a pass per cap's worth, and stop with findings left); building it is linear in
// the findings, plus one sort for fixes that reach back (a move into an earlier section).
import type { Finding, Fix, TextEdit } from '../types';
import type { LineIndex } from '../text';

/** The findings of one rule past its cap, kept as one finding: the first, and the edits of every preferred fix. */
export class FoldedFindings {
  constructor(private readonly cap: number) {}

  private first: Finding | undefined;
  private last: Finding | undefined;
  private count = 0;
  private preferredTitle: string | undefined;
  /** The edits of the fixes that came in text order, merged where they touch (most do: one item after another). */
  private readonly inOrder: TextEdit[] = [];
  /** Fixes that reach back before the edits above (a move into an earlier section): sorted out at the end. */
  private readonly others: TextEdit[][] = [];

  add(f: Finding): void {
    this.first ??= f;
    this.last = f;
    this.count++;
    const fix = f.fixes.find((x) => x.preferred);
    if (!fix) return;
    // One title when they all say the same; otherwise each keeps its own fix, said as such.
    this.preferredTitle = this.preferredTitle === undefined || this.preferredTitle === fix.title ? fix.title : "Apply each finding's own fix";
    const edits = fix.edits.length === 1 ? fix.edits : [...fix.edits].sort((a, b) => a.start - b.start || a.end - b.end);
    const tail = this.inOrder[this.inOrder.length - 1];
    const ordered = edits.every((e, i) => i === 0 || edits[i - 1].end <= e.start);
    if (!ordered || (tail && edits[0].start < tail.end)) this.others.push(edits);
    else appendMerged(this.inOrder, edits);
  }

  finding(lines: () => LineIndex): Finding | undefined {
    const first = this.first;
    if (!first || !this.last) return undefined;
    if (this.count === 1) return first;
    const lastLine = lines().positionAt(this.last.start).line + 1;
    const fixes: Fix[] = first.fixes.filter((x) => !x.preferred);
    const edits = this.others.length === 0 ? this.inOrder : combineFixes([this.inOrder, ...this.others]).edits;
    if (edits.length > 0) fixes.unshift({ title: `${this.preferredTitle} (all ${this.count})`, edits, preferred: true });
    return {
      ...first,
      message: `${first.message} This finding also stands for ${(this.count - 1).toLocaleString('en-US')} more like it, up to line ${lastLine}: past ${this.cap.toLocaleString('en-US')} findings, a rule's findings are not listed one by one. Its fix applies to all of them.`,
      fixes,
      related: [...(first.related ?? []), { start: this.last.start, end: this.last.end, message: 'the last of the findings this one stands for' }],
    };
  }
}

/** Appends sorted edits that start at or after the last one's end, merging those that touch. */
function appendMerged(out: TextEdit[], edits: readonly TextEdit[]): void {
  for (const e of edits) {
    const prev = out[out.length - 1];
    if (prev && prev.end === e.start) out[out.length - 1] = { start: prev.start, end: e.end, newText: prev.newText + e.newText };
    else out.push({ start: e.start, end: e.end, newText: e.newText });
  }
}

/** Whether sorted edits do not overlap one another (insertions at one point, or at a range's end, do not). */
function wellFormed(edits: readonly TextEdit[]): boolean {
  return edits.every((e, i) => e.start <= e.end && (i === 0 || edits[i - 1].end <= e.start));
}

/** Whether `e` overlaps an edit of `base` (sorted, well-formed, so its ends never decrease: one binary search). */
function overlapsBase(base: readonly TextEdit[], e: TextEdit): boolean {
  let lo = 0;
  let hi = base.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (base[mid].end <= e.start) lo = mid + 1;
    else hi = mid;
  }
  return lo < base.length && base[lo].start < e.end && base[lo].end > e.start;
}

const byPlace = (a: TextEdit, b: TextEdit) => a.start - b.start || a.end - b.end;

/**
 * The edits of many fixes as one list, and which fixes it takes. The first fix (the edits
 * already combined in text order) is taken when well-formed; a later fix is left out whole
 * (never half a move) when one of its edits overlaps the first's, its own or another taken
 * fix's, for the next fix-all pass. Edits that touch are merged. One sort and one binary
 * search per edit keep this O(n log n) however many fixes there are.
 */
export function combineFixes(groups: readonly (readonly TextEdit[])[]): { edits: TextEdit[]; taken: number[] } {
  const sorted = groups.map((g) => [...g].sort(byPlace));
  const base = sorted.length > 0 && wellFormed(sorted[0]) ? sorted[0] : [];
  const rejected = new Set<number>(base === sorted[0] ? [] : [0]);
  sorted.forEach((g, i) => {
    if (i > 0 && (!wellFormed(g) || g.some((e) => overlapsBase(base, e)))) rejected.add(i);
  });
  // The rest against each other: an edit that overlaps any earlier one overlaps the edit reaching
  // furthest so far, and its own fix is left out, so no two fixes taken overlap.
  const rest = sorted.flatMap((g, group) => (group === 0 || rejected.has(group) ? [] : g.map((e) => ({ e, group }))));
  rest.sort((a, b) => byPlace(a.e, b.e) || a.group - b.group);
  let reach: TextEdit | undefined;
  for (const x of rest) {
    if (reach && reach.end > x.e.start && reach.start < x.e.end) rejected.add(x.group);
    if (!reach || x.e.end > reach.end) reach = x.e;
  }
  const taken = sorted.map((_, i) => i).filter((i) => !rejected.has(i));
  const all = taken.flatMap((group) => sorted[group].map((e) => ({ e, group })));
  all.sort((a, b) => byPlace(a.e, b.e) || a.group - b.group);
  const edits: TextEdit[] = [];
  appendMerged(edits, all.map((x) => x.e));
  return { edits, taken };
}
