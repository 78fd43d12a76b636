// A tolerant, single-pass XML scanner for the domain XML rules. It never throws and never
// recurses: unterminated tags, half-written attributes, stray or mismatched end tags, binary
// garbage and very deep nesting all yield the elements that can be had, with exact UTF-16
// offsets of every attribute. Entities are never expanded (a DOCTYPE is skipped as a whole).
//
// Only the elements a caller asks for (`capture`) are materialised, with their direct
// children; everything else is tracked as a name on a stack, so a 50 MB file costs one pass
// and little memory.

export interface XmlAttr {
  name: string;
  /** Raw text between the quotes (entities not decoded). */
  value: string;
  /** Offset of the first character of the name. */
  nameStart: number;
  /** Offsets of the value, inside the quotes. */
  valueStart: number;
  valueEnd: number;
  /** Just past the closing quote (or the end of the value when there is no quote). */
  end: number;
  /** Where the whitespace before the name starts: removing [wsStart, end) removes the attribute cleanly. */
  wsStart: number;
  quote: '"' | "'" | '';
  /** False when the value has no closing quote (typing in progress). */
  complete: boolean;
}

export interface XmlElement {
  name: string;
  /** Offset of '<'. */
  start: number;
  /** Just past the element name. */
  nameEnd: number;
  attrs: XmlAttr[];
  /** End of the last attribute (or of the name): where a new attribute is inserted. */
  attrsEnd: number;
  /** Just past '>' (or where the start tag was cut off). */
  tagEnd: number;
  /** The start tag ended with '>' (false while it is still being typed). */
  tagClosed: boolean;
  selfClosing: boolean;
  /** Number of open ancestors (0 = top level). */
  depth: number;
  /** Direct children (only for captured elements). */
  children: XmlElement[];
}

export function attr(el: XmlElement, name: string): XmlAttr | undefined {
  for (const a of el.attrs) if (a.name === name) return a;
  return undefined;
}

export function child(el: XmlElement, name: string): XmlElement | undefined {
  for (const c of el.children) if (c.name === name) return c;
  return undefined;
}

export interface ScanResult {
  /** The first top-level element (its start tag only). */
  root?: XmlElement;
  /** Captured elements in document order, each with its direct children. */
  captured: XmlElement[];
  /** Something was not well-formed (unterminated construct, mismatched end tag…). */
  damaged: boolean;
}

/**
 * Decides whether the element `name`, opened under `path` (names of its open ancestors, outermost
 * first) inside top-level element number `topIndex`, is captured.
 */
export type CapturePredicate = (path: readonly string[], name: string, topIndex: number) => boolean;

const isNameStart = (c: number) =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58 || c > 127;
const isNameChar = (c: number) => isNameStart(c) || (c >= 48 && c <= 57) || c === 45 || c === 46;
const isSpace = (c: number) => c === 32 || c === 10 || c === 13 || c === 9;

function readName(text: string, i: number): number {
  while (i < text.length && isNameChar(text.charCodeAt(i))) i++;
  return i;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** Finds `needle` from `from`; the end of the text when absent (an unterminated construct). */
function indexOrEnd(text: string, needle: string, from: number): number {
  const i = text.indexOf(needle, from);
  return i === -1 ? text.length : i;
}

/** Skips `<!DOCTYPE …>` (with an internal subset in brackets) without interpreting it. */
function skipDeclaration(text: string, i: number): number {
  let depth = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 || c === 39) {
      const q = text.indexOf(text[i], i + 1);
      if (q === -1) return text.length;
      i = q;
    } else if (c === 91) depth++;
    else if (c === 93) depth = Math.max(0, depth - 1);
    else if (c === 62 && depth === 0) return i + 1;
    else if (c === 60 && text.startsWith('<!--', i)) i = indexOrEnd(text, '-->', i + 4) + 2;
  }
  return text.length;
}

/**
 * Reads a start tag whose name ends at `nameEnd`. A value with no closing quote before the next
 * '<' ends at its line break (it is being typed) and ends the tag there; so does a '<' where an
 * attribute or '>' is expected.
 */
function readStartTag(text: string, start: number, nameEnd: number, depth: number, build: boolean): XmlElement {
  const el: XmlElement = {
    depth,
    name: text.slice(start + 1, nameEnd),
    start,
    nameEnd,
    attrs: [],
    attrsEnd: nameEnd,
    tagEnd: text.length,
    tagClosed: false,
    selfClosing: false,
    children: [],
  };
  let i = nameEnd;
  const n = text.length;
  let nextLt = -2; // not looked up yet; -1 = none left
  const ltAfter = (p: number): number => {
    if (nextLt !== -1 && nextLt < p) nextLt = text.indexOf('<', p);
    return nextLt === -1 ? n : nextLt;
  };
  while (i < n) {
    const wsStart = i;
    i = skipSpace(text, i);
    if (i >= n) break;
    const c = text.charCodeAt(i);
    if (c === 62 /* > */) {
      el.tagEnd = i + 1;
      el.tagClosed = true;
      return el;
    }
    if (c === 47 /* / */ && text.charCodeAt(i + 1) === 62) {
      el.tagEnd = i + 2;
      el.tagClosed = true;
      el.selfClosing = true;
      return el;
    }
    if (c === 60 /* < */) {
      el.tagEnd = i;
      return el;
    }
    if (!isNameStart(c)) {
      i++; // stray character (e.g. a lone '/' or a quote): skip it
      continue;
    }
    const nameStart = i;
    i = readName(text, i);
    const name = text.slice(nameStart, i);
    let j = skipSpace(text, i);
    if (text.charCodeAt(j) !== 61 /* = */) {
      // A name without a value (invalid XML, or still being typed).
      if (build) el.attrs.push({ name, value: '', nameStart, valueStart: i, valueEnd: i, end: i, wsStart, quote: '', complete: false });
      el.attrsEnd = i;
      continue;
    }
    j = skipSpace(text, j + 1);
    const q = text.charCodeAt(j);
    let a: XmlAttr;
    if (q === 34 || q === 39) {
      const quote = q === 34 ? '"' : "'";
      // The value ends at its closing quote, looked for only up to the next '<' (never allowed in
      // a value), so the scan stays linear however the quotes are unbalanced.
      const stop = ltAfter(j + 1);
      let close = j + 1;
      while (close < stop && text.charCodeAt(close) !== q) close++;
      if (close < stop) {
        a = { name, value: text.slice(j + 1, close), nameStart, valueStart: j + 1, valueEnd: close, end: close + 1, wsStart, quote, complete: true };
        i = close + 1;
      } else {
        let end = j + 1;
        while (end < stop && text.charCodeAt(end) !== 10 && text.charCodeAt(end) !== 13) end++;
        a = { name, value: text.slice(j + 1, end), nameStart, valueStart: j + 1, valueEnd: end, end, wsStart, quote, complete: false };
        if (build) el.attrs.push(a);
        el.attrsEnd = end;
        el.tagEnd = stop;
        return el;
      }
    } else {
      let end = j;
      while (end < n) {
        const d = text.charCodeAt(end);
        if (isSpace(d) || d === 62 || d === 60 || (d === 47 && text.charCodeAt(end + 1) === 62)) break;
        end++;
      }
      a = { name, value: text.slice(j, end), nameStart, valueStart: j, valueEnd: end, end, wsStart, quote: '', complete: false };
      i = Math.max(end, j);
    }
    if (build) el.attrs.push(a);
    el.attrsEnd = a.end;
  }
  el.tagEnd = n;
  return el;
}

interface Open {
  name: string;
  /** The captured element this one is, or undefined. */
  el?: XmlElement;
}

/** Scans `text` once. Never throws on any input. */
export function scanXml(text: string, capture: CapturePredicate): ScanResult {
  const result: ScanResult = { captured: [], damaged: false };
  const stack: Open[] = [];
  const path: string[] = [];
  let topIndex = -1;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const lt = text.indexOf('<', i);
    if (lt === -1) break;
    const c1 = text.charCodeAt(lt + 1);
    if (c1 === 33 /* ! */) {
      if (text.startsWith('<!--', lt)) {
        const end = text.indexOf('-->', lt + 4);
        if (end === -1) {
          result.damaged = true;
          break;
        }
        i = end + 3;
      } else if (text.startsWith('<![CDATA[', lt)) {
        const end = text.indexOf(']]>', lt + 9);
        if (end === -1) {
          result.damaged = true;
          break;
        }
        i = end + 3;
      } else {
        i = skipDeclaration(text, lt + 2);
      }
      continue;
    }
    if (c1 === 63 /* ? */) {
      i = indexOrEnd(text, '?>', lt + 2) + 2;
      continue;
    }
    if (c1 === 47 /* / */) {
      const nameEnd = readName(text, lt + 2);
      const name = text.slice(lt + 2, nameEnd);
      const nextLt = text.indexOf('<', nameEnd);
      const stop = nextLt === -1 ? n : nextLt;
      let gt = nameEnd;
      while (gt < stop && text.charCodeAt(gt) !== 62) gt++;
      if (gt >= stop) {
        result.damaged = true;
        i = stop;
      } else {
        i = gt + 1;
      }
      // Close the nearest open element of that name (auto-closing any left open inside it);
      // an end tag that matches nothing is ignored.
      let k = stack.length - 1;
      while (k >= 0 && stack[k].name !== name) k--;
      if (k === -1 || k !== stack.length - 1) result.damaged = true;
      if (k >= 0) {
        stack.length = k;
        path.length = k;
      }
      continue;
    }
    if (!isNameStart(c1) || lt + 1 >= n) {
      i = lt + 1; // a '<' that starts no tag: text (binary garbage, "a < b")
      continue;
    }
    const nameEnd = readName(text, lt + 1);
    const name = text.slice(lt + 1, nameEnd);
    if (stack.length === 0) topIndex++;
    const parent = stack.length > 0 ? stack[stack.length - 1] : undefined;
    const want = capture(path, name, topIndex);
    const collectInto = parent?.el;
    const el = readStartTag(text, lt, nameEnd, stack.length, want || collectInto !== undefined || stack.length === 0);
    if (!el.tagClosed) result.damaged = true;
    if (stack.length === 0 && !result.root) result.root = el;
    if (want) result.captured.push(el);
    if (collectInto) collectInto.children.push(el);
    i = Math.max(el.tagEnd, lt + 1);
    // An unfinished start tag counts as empty, so that the elements typed after it keep their parent.
    if (!el.selfClosing && el.tagClosed) {
      stack.push({ name, el: want ? el : undefined });
      path.push(name);
    }
  }
  if (stack.length > 0) result.damaged = true;
  return result;
}
