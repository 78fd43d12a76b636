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
  /**
   * False when the value has no closing quote, or spans lines (legal XML, but in a domain XML the
   * sign of a quote not typed yet that borrows the next attribute's opening quote).
   */
  complete: boolean;
}

const NO_CHILDREN: XmlElement[] = Object.freeze([]) as unknown as XmlElement[];

/** How a start tag ends, as read by `readTag`. */
interface TagShape {
  tagEnd: number;
  tagClosed: boolean;
  selfClosing: boolean;
  attrsEnd: number;
}

/**
 * Where `readTag` leaves the attribute named `only`, and the shape it needs as scratch: a lookup
 * allocates nothing but the attribute (a 5,000-disk domain makes ~40,000 of them).
 */
const lookup: { found: XmlAttr | undefined; shape: TagShape } = {
  found: undefined,
  shape: { tagEnd: 0, tagClosed: false, selfClosing: false, attrsEnd: 0 },
};

export class XmlElement {
  /** Just past '>' (or where the start tag was cut off). */
  readonly tagEnd: number;
  /** The start tag ended with '>' (false while it is still being typed). */
  readonly tagClosed: boolean;
  readonly selfClosing: boolean;
  /** End of the last attribute (or of the name): where a new attribute is inserted. */
  readonly attrsEnd: number;
  /** Direct children (kept for captured elements only; shared and empty for the others). */
  readonly children: XmlElement[];
  private parsed: XmlAttr[] | undefined;

  constructor(
    private readonly text: string,
    readonly name: string,
    /** Offset of '<'. */
    readonly start: number,
    /** Just past the element name. */
    readonly nameEnd: number,
    /** Number of open ancestors (0 = top level). */
    readonly depth: number,
    shape: TagShape,
    captured: boolean,
  ) {
    this.children = captured ? [] : NO_CHILDREN;
    this.tagEnd = shape.tagEnd;
    this.tagClosed = shape.tagClosed;
    this.selfClosing = shape.selfClosing;
    this.attrsEnd = shape.attrsEnd;
  }

  /** The attributes, read again from the start tag when first asked for (most elements never are). */
  get attrs(): readonly XmlAttr[] {
    if (!this.parsed) {
      this.parsed = [];
      readTag(this.text, this.nameEnd, this.parsed);
    }
    return this.parsed;
  }

  /** One attribute, read from the start tag without building the others. */
  attr(name: string): XmlAttr | undefined {
    if (this.parsed) return this.parsed.find((a) => a.name === name);
    lookup.found = undefined;
    readTag(this.text, this.nameEnd, undefined, lookup.shape, name);
    return lookup.found;
  }

  /** The quote character of the first quoted attribute, if any. */
  get quote(): '"' | "'" | undefined {
    for (let i = this.nameEnd; i < this.attrsEnd; i++) {
      const c = this.text.charCodeAt(i);
      if (c === 34) return '"';
      if (c === 39) return "'";
    }
    return undefined;
  }
}

/** The attribute `name` of an element (the first, if written twice). */
export function attr(el: XmlElement, name: string): XmlAttr | undefined {
  return el.attr(name);
}

export function child(el: XmlElement, name: string): XmlElement | undefined {
  // Indexed loops here and in the scanner: no iterator to make, which counts before the JIT kicks in.
  const children = el.children;
  for (let i = 0; i < children.length; i++) if (children[i].name === name) return children[i];
  return undefined;
}

export interface ScanResult {
  /** The first top-level element (its start tag only). */
  root?: XmlElement;
  /** Captured elements in document order, each with its direct children. */
  captured: XmlElement[];
}

/**
 * Decides whether the element `name`, opened under `path` (names of its open ancestors, outermost
 * first) inside top-level element number `topIndex`, is captured.
 */
export type CapturePredicate = (path: readonly string[], name: string, topIndex: number) => boolean;

const isNameStart = (c: number) =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58 || c > 127;
const isSpace = (c: number) => c === 32 || c === 10 || c === 13 || c === 9;

// Name characters: isNameStart's, digits, '-' and '.' (every UTF-16 unit above 127 included). Run by
// the regex engine: one native call per name instead of a function call per character on a cold start.
const NAME_CHARS = /[\w:.\-\u0080-\uffff]*/y;

function readName(text: string, i: number): number {
  if (i >= text.length) return i;
  NAME_CHARS.lastIndex = i;
  NAME_CHARS.test(text);
  return NAME_CHARS.lastIndex;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

// Only the value itself is looked at: a search for the next line break would run to the end of
// the line, which in a file written on one line is the rest of the file, for every attribute.
function hasLineBreak(text: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c === 10 || c === 13) return true;
  }
  return false;
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

// Runs of text inside a start tag that are neither '>', '<' nor a quote. One character class
// and no alternation: the regex engine keeps no backtracking state per run, so a start tag of
// tens of megabytes cannot overflow its stack (the alternation it replaced threw at ~30 MB,
// and the finding in that tag was lost).
const TAG_TEXT = /[^>"'<]*/y;

/**
 * The end of a well-formed start tag (quoted values without '<', then '>'); false sends the
 * tag to the careful reader. Looks at each character of the tag once.
 */
function quickTagEnd(text: string, nameEnd: number, el: TagShape): boolean {
  let i = nameEnd;
  let nextLt = -2; // the next '<': not looked up yet
  for (;;) {
    TAG_TEXT.lastIndex = i;
    TAG_TEXT.test(text); // test, not exec: no match array or substring to allocate
    const p = TAG_TEXT.lastIndex;
    const c = text.charCodeAt(p);
    if (c === 62 /* > */) {
      el.selfClosing = p > nameEnd && text.charCodeAt(p - 1) === 47;
      el.tagEnd = p + 1;
      el.tagClosed = true;
      let end = el.selfClosing ? p - 1 : p;
      while (end > nameEnd && isSpace(text.charCodeAt(end - 1))) end--;
      el.attrsEnd = end;
      return true;
    }
    if (c !== 34 && c !== 39) return false; // '<' or the end of the text
    const close = text.indexOf(text[p], p + 1);
    if (close === -1) return false;
    if (nextLt === -2) nextLt = text.indexOf('<', p);
    if (nextLt !== -1 && nextLt < close) return false; // '<' is never allowed in a value
    i = close + 1;
  }
}

/**
 * Reads a start tag whose name ends at `nameEnd`. A value with no closing quote before the next
 * '<' ends at its line break (it is being typed) and ends the tag there; so does a '<' where an
 * attribute or '>' is expected. Attribute objects are only made when `attrs` is given (each is
 * pushed there), or for the attribute named `only` (left in `lookup.found`; the reading stops).
 */
function readTag(
  text: string,
  nameEnd: number,
  attrs?: XmlAttr[],
  el: TagShape = { tagEnd: 0, tagClosed: false, selfClosing: false, attrsEnd: 0 },
  only?: string,
): TagShape {
  el.tagEnd = text.length;
  el.tagClosed = el.selfClosing = false;
  el.attrsEnd = nameEnd;
  if (!attrs && only === undefined && quickTagEnd(text, nameEnd, el)) return el;
  const n = text.length;
  let nextLt = -2; // the next '<' after the tag start: not looked up yet; -1 = none left
  let i = nameEnd;
  while (i < n) {
    const wsStart = i;
    i = skipSpace(text, i);
    if (i >= n) break;
    const c = text.charCodeAt(i);
    if (c === 62 /* > */ || (c === 47 /* / */ && text.charCodeAt(i + 1) === 62)) {
      el.selfClosing = c === 47;
      el.tagEnd = i + (c === 47 ? 2 : 1);
      el.tagClosed = true;
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
    const nameStop = readName(text, i);
    let j = skipSpace(text, nameStop);
    let valueStart = nameStop;
    let valueEnd = nameStop;
    let end = nameStop;
    let quote: XmlAttr['quote'] = '';
    let complete = false;
    let cutOff = false;
    if (text.charCodeAt(j) === 61 /* = */) {
      j = skipSpace(text, j + 1);
      const q = text.charCodeAt(j);
      if (q === 34 || q === 39) {
        quote = q === 34 ? '"' : "'";
        // A value ends at its closing quote if that comes before the next '<' (never allowed in
        // a value). Each search finds the next quote of its kind, so the searches of one kind
        // never cover the same text twice and the scan stays linear.
        if (nextLt !== -1 && nextLt <= j) nextLt = text.indexOf('<', j + 1);
        const stop = nextLt === -1 ? n : nextLt;
        const found = text.indexOf(quote, j + 1);
        const close = found === -1 ? n : found;
        valueStart = j + 1;
        if (close < stop) {
          valueEnd = close;
          end = close + 1;
          complete = !hasLineBreak(text, valueStart, close);
        } else {
          // Still being typed: the value runs to the end of its line, and the tag ends at the '<'.
          valueEnd = valueStart;
          while (valueEnd < stop && text.charCodeAt(valueEnd) !== 10 && text.charCodeAt(valueEnd) !== 13) valueEnd++;
          end = valueEnd;
          cutOff = true;
          el.tagEnd = stop;
        }
      } else {
        valueStart = valueEnd = j;
        while (valueEnd < n) {
          const d = text.charCodeAt(valueEnd);
          if (isSpace(d) || d === 62 || d === 60 || (d === 47 && text.charCodeAt(valueEnd + 1) === 62)) break;
          valueEnd++;
        }
        end = valueEnd;
      }
    }
    if (only !== undefined) {
      if (nameStop - nameStart === only.length && text.startsWith(only, nameStart)) {
        lookup.found = { name: only, value: text.slice(valueStart, valueEnd), nameStart, valueStart, valueEnd, end, wsStart, quote, complete };
        return el;
      }
    } else if (attrs) {
      attrs.push({ name: text.slice(nameStart, nameStop), value: text.slice(valueStart, valueEnd), nameStart, valueStart, valueEnd, end, wsStart, quote, complete });
    }
    el.attrsEnd = end;
    if (cutOff) return el;
    i = Math.max(end, i + 1);
  }
  el.tagEnd = n;
  return el;
}

/** Element names seen so far, so that each start tag does not allocate its name again. */
class NameTable {
  private readonly byKey = new Map<number, string[]>();

  get(text: string, start: number, end: number): string {
    const key = (end - start) * 65536 + text.charCodeAt(start);
    let bucket = this.byKey.get(key);
    if (bucket) {
      for (let k = 0; k < bucket.length; k++) if (text.startsWith(bucket[k], start)) return bucket[k];
    } else {
      bucket = [];
      this.byKey.set(key, bucket);
    }
    const name = text.slice(start, end);
    if (bucket.length < 8) bucket.push(name);
    return name;
  }
}

/**
 * Scans `text` once. Never throws on any input. Children of captured elements are kept when
 * their name is in `childNames` (all of them when it is absent).
 */
export function scanXml(text: string, capture: CapturePredicate, childNames?: ReadonlySet<string>): ScanResult {
  const result: ScanResult = { captured: [] };
  // The open elements: names (the path given to `capture`), and the captured element, if any.
  const path: string[] = [];
  const opened: (XmlElement | undefined)[] = [];
  // How many elements of each name are open, so that a stray end tag costs no search.
  const openCount = new Map<string, number>();
  const names = new NameTable();
  const scratch: TagShape = { tagEnd: 0, tagClosed: false, selfClosing: false, attrsEnd: 0 };
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
        if (end === -1) break;
        i = end + 3;
      } else if (text.startsWith('<![CDATA[', lt)) {
        const end = text.indexOf(']]>', lt + 9);
        if (end === -1) break;
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
      const top = path.length - 1;
      const innermost = top >= 0 && nameEnd - lt - 2 === path[top].length && text.startsWith(path[top], lt + 2);
      if (innermost && text.charCodeAt(nameEnd) === 62 /* > */) {
        // The usual case, `</name>` closing the innermost element: no search, nothing auto-closed.
        i = nameEnd + 1;
        openCount.set(path[top], openCount.get(path[top])! - 1);
        path.pop();
        opened.pop();
        continue;
      }
      const name = innermost ? path[top] : text.slice(lt + 2, nameEnd);
      const nextLt = text.indexOf('<', nameEnd);
      const stop = nextLt === -1 ? n : nextLt;
      let gt = nameEnd;
      while (gt < stop && text.charCodeAt(gt) !== 62) gt++;
      i = gt >= stop ? stop : gt + 1;
      // Close the nearest open element of that name (auto-closing any left open inside it);
      // an end tag that matches nothing is ignored.
      if (!openCount.get(name)) continue;
      let k = path.length - 1;
      while (path[k] !== name) k--;
      for (let m = k; m < path.length; m++) openCount.set(path[m], (openCount.get(path[m]) ?? 1) - 1);
      path.length = k;
      opened.length = k;
      continue;
    }
    if (!isNameStart(c1) || lt + 1 >= n) {
      i = lt + 1; // a '<' that starts no tag: text (binary garbage, "a < b")
      continue;
    }
    const nameEnd = readName(text, lt + 1);
    const name = names.get(text, lt + 1, nameEnd);
    const depth = path.length;
    if (depth === 0) topIndex++;
    const want = capture(path, name, topIndex);
    const parent = depth > 0 ? opened[depth - 1] : undefined;
    const shape = quickTagEnd(text, nameEnd, scratch) ? scratch : readTag(text, nameEnd, undefined, scratch);
    const keepChild = parent !== undefined && (!childNames || childNames.has(name));
    const isRoot = depth === 0 && !result.root;
    const el = want || keepChild || isRoot ? new XmlElement(text, name, lt, nameEnd, depth, shape, want) : undefined;
    if (isRoot) result.root = el;
    if (want && el) result.captured.push(el);
    if (keepChild && el) parent.children.push(el);
    i = Math.max(shape.tagEnd, lt + 1);
    // An unfinished start tag counts as empty, so that the elements typed after it keep their parent.
    if (!shape.selfClosing && shape.tagClosed) {
      path.push(name);
      opened.push(want ? el : undefined);
      openCount.set(name, (openCount.get(name) ?? 0) + 1);
    }
  }
  return result;
}
