// Lints a Nova config: reads it once into the model (model.ts) and runs every Nova rule
// (rules/, listed in index.ts) over it. No rule logic here, and no rule silences another:
// precedence between rules (`supersedes`) is applied by the engine after severity settings and
// suppression comments.
import type { Finding, Fix, TextEdit } from '../../types';
import { LineIndex } from '../../text';
import { NOVA_RULES } from './index';
import { NovaModel, type NovaLintOptions } from './model';

export type { NovaLintOptions } from './model';

/**
 * Past this many findings of one rule a file is not a config anyone reads finding by finding:
 * the rest are folded into one finding whose fix is all of theirs, so one fix-all pass still
 * fixes every one of them (a cap that dropped them made fix-all take a pass per thousand).
 */
export const MAX_PER_RULE = 1000;

/** Whether the user sees a finding of `rule` at `offset` (suppression comments); undefined: all. */
export type Reported = ((rule: string, offset: number) => boolean) | undefined;

export function lintNovaConf(text: string, opts: NovaLintOptions, reported?: Reported): Finding[] {
  let model: NovaModel;
  try {
    model = new NovaModel(text, opts);
  } catch {
    // A reader bug must not take the editor or the CLI down; the tests keep this path unused.
    return [];
  }
  const out: Finding[] = [];
  let lines: LineIndex | undefined;
  for (const rule of NOVA_RULES) {
    const listed: Finding[] = [];
    const cap = rule.listed ?? MAX_PER_RULE;
    const rest = new Folded(cap);
    try {
      for (const f of rule.check(model)) {
        if (reported && !reported(f.rule, f.start)) continue;
        if (listed.length < cap) listed.push(f);
        else rest.add(f);
      }
    } catch {
      continue; // a bug in one rule loses its findings only, never another rule's
    }
    out.push(...listed);
    const summary = rest.finding(() => (lines ??= new LineIndex(text)));
    if (summary) out.push(summary);
  }
  return out;
}

/** The findings of one rule past its cap, kept as one finding: the first, and the edits of every preferred fix. */
class Folded {
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
    this.preferredTitle ??= fix.title;
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
    const edits = this.others.length === 0 ? this.inOrder : combine([this.inOrder, ...this.others]);
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

/**
 * The edits of many fixes as one list: a fix whose edits overlap an earlier fix's (or its own)
 * is left out whole (never half a move), for the next fix-all pass; edits that touch are merged.
 * One sort keeps this O(n log n) however many fixes there are.
 */
function combine(groups: readonly TextEdit[][]): TextEdit[] {
  const all = groups.flatMap((g, group) => g.map((e) => ({ e, group })));
  all.sort((a, b) => a.e.start - b.e.start || a.e.end - b.e.end || a.group - b.group);
  const rejected = new Set<number>();
  let reach: { e: TextEdit; group: number } | undefined; // the edit reaching furthest so far
  for (const x of all) {
    if (reach && reach.e.end > x.e.start && reach.e.start < x.e.end) rejected.add(Math.max(reach.group, x.group));
    if (!reach || x.e.end > reach.e.end) reach = x;
  }
  const out: TextEdit[] = [];
  appendMerged(out, all.filter((x) => !rejected.has(x.group)).map((x) => x.e));
  return out;
}
