// Helm, Jinja and Go templates in KubeVirt manifests: `{{ … }}`, `{% … %}`, `{# … #}`. The real
// value is not in the file, so a templated value is never judged; the rest of the file still is.
// The template text is masked before the YAML parser sees it, keeping every offset: a line that
// holds only template tags (`{{- if .Values.x }}`) becomes a comment, a tag inside a value becomes
// a run of 'x' (one plain scalar). Either way the parser reads the YAML around it.

export interface Span {
  start: number;
  end: number;
}

export interface Masked {
  /** The text with every template tag masked, the same length as the original. */
  text: string;
  /** Where the tags were, in order. */
  spans: Span[];
}

// Bounded, so that a stray '{{' costs a bounded scan rather than one to the end of the file.
const TAG = /\{\{[\s\S]{0,4096}?\}\}|\{%[\s\S]{0,4096}?%\}|\{#[\s\S]{0,4096}?#\}/g;

export function maskTemplates(text: string): Masked {
  if (!text.includes('{{') && !text.includes('{%') && !text.includes('{#')) return { text, spans: [] };
  const spans: Span[] = [];
  const out = text.split('');
  TAG.lastIndex = 0;
  for (let m = TAG.exec(text); m; m = TAG.exec(text)) {
    spans.push({ start: m.index, end: m.index + m[0].length });
    for (let p = m.index; p < m.index + m[0].length; p++) if (out[p] !== '\n' && out[p] !== '\r') out[p] = '\0';
  }
  if (spans.length === 0) return { text, spans };
  // Line by line (one pass): a line of only tags and blanks becomes a comment; elsewhere a tag is 'x's.
  let lineStart = 0;
  while (lineStart <= out.length) {
    let lineEnd = lineStart;
    let tags = false;
    let other = false;
    for (; lineEnd < out.length && out[lineEnd] !== '\n'; lineEnd++) {
      const c = out[lineEnd];
      if (c === '\0') tags = true;
      else if (c !== ' ' && c !== '\t' && c !== '\r') other = true;
    }
    let first = tags && !other;
    for (let p = lineStart; p < lineEnd; p++) {
      if (out[p] !== '\0') continue;
      out[p] = first ? '#' : 'x';
      first = false;
    }
    lineStart = lineEnd + 1;
  }
  return { text: out.join(''), spans };
}

/** Whether [start, end) touches a template tag. */
export function overlaps(spans: readonly Span[], start: number, end: number): boolean {
  // The spans are sorted and disjoint: find the first that ends after `start`.
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (spans[mid].end <= start) lo = mid + 1;
    else hi = mid;
  }
  return lo < spans.length && spans[lo].start < end;
}
