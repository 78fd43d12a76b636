// Template files (.j2, .erb, .tmpl, Helm): which lines are template-only, which values are not
// literal, and which lines sit in different branches of one if/else (so they never render together).
// Jinja2 {% … %} {# … #} {{ … }}, ERB <% … %> <%= … %>, Go/Helm {{ if … }} {{ end }}.

import { lastAtOrBefore } from '../../text';

const TAG = /\{%[\s\S]*?%\}|\{#[\s\S]*?#\}|\{\{[\s\S]*?\}\}|<%[\s\S]*?%>/g;

type TagEvent = 'open' | 'branch' | 'close' | 'renders' | 'none';

/** What one tag does to the branch structure, or whether it may print lines (include, expression). */
function tagEvent(tag: string): TagEvent {
  if (tag.startsWith('{#') || tag.startsWith('<%#')) return 'none';
  if (tag.startsWith('{%')) {
    const body = tag.slice(2, -2).replace(/^[-+]?\s*/, '');
    const word = /^\w+/.exec(body)?.[0] ?? '';
    if (/^(if|for|macro|call|filter|with|block|raw|autoescape)$/.test(word)) return 'open';
    if (word === 'set') return body.includes('=') ? 'none' : 'open';
    if (word === 'elif' || word === 'else') return 'branch';
    if (word.startsWith('end')) return 'close';
    if (/^(include|import|from|extends)$/.test(word)) return 'renders';
    return 'none';
  }
  if (tag.startsWith('{{')) {
    const body = tag.slice(2, -2).replace(/^-?\s*/, '');
    const word = /^\w+/.exec(body)?.[0] ?? '';
    if (/^(if|range|with|define|block)$/.test(word)) return 'open';
    if (word === 'else') return 'branch';
    if (word === 'end') return 'close';
    if (body.startsWith('/*')) return 'none';
    return 'renders'; // an expression alone on a line can print anything, sections included
  }
  // ERB
  if (tag.startsWith('<%=') || tag.startsWith('<%-=')) return 'renders';
  const body = tag.slice(2, -2).replace(/^-?\s*/, '').replace(/\s*-?$/, '');
  const word = /^\w+/.exec(body)?.[0] ?? '';
  if (/^(if|unless|case|while|until|for|begin)$/.test(word)) return 'open';
  if (/^(elsif|else|when|rescue|ensure)$/.test(word)) return 'branch';
  if (word === 'end') return 'close';
  if (/\bdo\s*(\|[^|]*\|)?$/.test(body)) return 'open';
  return 'none';
}

/** The tags of a line that holds only template tags and blanks; undefined for any other line. */
export function templateOnlyTags(line: string): string[] | undefined {
  // Directive lines are short; the length cap keeps the lazy tag search linear on huge lines.
  if (line.length > 4096 || (!line.includes('{') && !line.includes('<%'))) return undefined;
  const tags: string[] = [];
  let last = 0;
  TAG.lastIndex = 0;
  for (let m = TAG.exec(line); m; m = TAG.exec(line)) {
    if (line.slice(last, m.index).trim() !== '') return undefined;
    tags.push(m[0]);
    last = m.index + m[0].length;
  }
  if (tags.length === 0 || line.slice(last).trim() !== '') return undefined;
  return tags;
}

/** A value or name that is not literal in a template: it holds a template expression or placeholder. */
export function hasTemplateExpression(s: string): boolean {
  return s.includes('{') || s.includes('}') || s.includes('<%') || s.includes('%>');
}

/**
 * Branch structure of a template, built from its template-only lines. Two offsets are exclusive
 * when they sit in different branches of the same if/else, so never render together.
 */
export class TemplateBranches {
  /** Offsets where a template-only line starts, and the branch path in force after it. */
  private readonly at: number[] = [0];
  private readonly paths: string[][] = [[]];
  /** Offsets of lines that may print lines of their own (include, lone expression). */
  readonly renders: number[] = [];

  constructor(lines: readonly { start: number; text: string }[]) {
    const stack: { id: number; branch: number }[] = [];
    let nextId = 0;
    for (const l of lines) {
      for (const tag of templateOnlyTags(l.text) ?? []) {
        const ev = tagEvent(tag);
        if (ev === 'open') stack.push({ id: nextId++, branch: 0 });
        else if (ev === 'branch' && stack.length > 0) stack[stack.length - 1].branch++;
        else if (ev === 'close') stack.pop();
        else if (ev === 'renders') this.renders.push(l.start);
      }
      this.at.push(l.start);
      this.paths.push(stack.map((f) => `${f.id}:${f.branch}`));
    }
  }

  private pathAt(offset: number): string[] {
    return this.paths[lastAtOrBefore(this.at, offset)];
  }

  exclusive(a: number, b: number): boolean {
    const pa = this.pathAt(a);
    const pb = this.pathAt(b);
    for (const x of pa) {
      const id = x.slice(0, x.indexOf(':'));
      if (pb.some((y) => y !== x && y.slice(0, y.indexOf(':')) === id)) return true;
    }
    return false;
  }

  /**
   * Whenever the line at `a` renders, the line at `b` renders too: `b` sits in the same branch as
   * `a` or in one that encloses it. A fix may delete `a` because of `b`, or move a line from one
   * to the other (when each renders with the other), without changing when anything applies.
   */
  rendersWith(a: number, b: number): boolean {
    const pa = this.pathAt(a);
    const pb = this.pathAt(b);
    return pb.length <= pa.length && pb.every((x, i) => pa[i] === x);
  }

  /** A line that may print lines of its own sits in (after, before): the section there is not known. */
  rendersBetween(after: number, before: number): boolean {
    let lo = 0;
    let hi = this.renders.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.renders[mid] <= after) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.renders.length && this.renders[lo] < before;
  }
}
