// INI text read the way oslo.config reads a config file (oslo_config/iniparser.py BaseParser and
// cfg.py ConfigParser, checked against oslo.config 9.0: see measured.md), keeping the offset of
// every section, key and value part so that findings can point inside a value.
//
// What oslo.config does, line by line (after dropping trailing whitespace):
// - blank line: ends the value being read;
// - starts with a space or tab: continues the previous value (joined with "\n"); with no value
//   open (after a section header, a comment or a blank line) the whole file is refused;
// - starts with "[": a section header, which must end with "]"; the name between the brackets
//   is taken literally ("[ libvirt ]" is its own section) and matched case-insensitively,
//   except DEFAULT, which only "[DEFAULT]" opens;
// - starts with "#" or ";": a comment (only at the start of a line);
// - else "key = value" or "key: value", split at whichever of "=" and ":" comes first; key and
//   value are stripped and one pair of matching quotes around the whole value is removed; an
//   inline "#" or ";" stays part of the value. A key before any section refuses the file.
// A repeated key in a section is kept in order; the last one is what the option gets.

import { lastAtOrBefore } from '../../text';

/** Python's str.isspace(), which strip()/rstrip() use. JS \s differs (it has U+FEFF and lacks U+001C-U+001F, U+0085). */
export function isPySpace(c: number): boolean {
  return (
    (c >= 9 && c <= 13) ||
    (c >= 0x1c && c <= 0x20) ||
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** [start, end) of text[start, end) without Python whitespace at both ends. */
export function pyStrip(text: string, start: number, end: number): [number, number] {
  while (start < end && isPySpace(text.charCodeAt(start))) start++;
  while (end > start && isPySpace(text.charCodeAt(end - 1))) end--;
  return [start, end];
}

export interface IniSection {
  /** The name as written between the brackets. */
  name: string;
  /** The group oslo.config files it under: lower case, except DEFAULT. */
  group: string;
  /** Offset of "[". */
  start: number;
  /** End of the header line (without trailing blanks). */
  end: number;
  nameStart: number;
  nameEnd: number;
  line: number;
}

/** A part of a value and where it is in the text. */
export interface IniPiece {
  start: number;
  end: number;
}

export interface IniContinuation {
  /** Offset of the first non-blank character of the continuation line. */
  start: number;
  /** End of the line without trailing blanks. */
  end: number;
  line: number;
}

export interface IniEntry {
  /** undefined: before any section header (oslo.config refuses the file). */
  section: IniSection | undefined;
  key: string;
  keyStart: number;
  keyEnd: number;
  sep: '=' | ':';
  sepOffset: number;
  /** The value as oslo.config hands it to the option type: stripped, outer quotes removed, lines joined with "\n". */
  value: string;
  /** Where `value` comes from: one piece per line; joined with "\n" they give `value`. */
  pieces: IniPiece[];
  /** The quote character removed around the value of the first line, if any. */
  quote?: '"' | "'";
  /** First non-blank character after the separator (the opening quote, if any); the separator's end when empty. */
  rawValueStart: number;
  /** Start of the key line (the key's first character). */
  start: number;
  /** End of the entry's last line (continuations included), without trailing blanks. */
  end: number;
  line: number;
  lastLine: number;
  continuations: readonly IniContinuation[];
}

export type IniErrorKind =
  | 'bom'
  | 'unexpected-continuation'
  | 'no-separator'
  | 'empty-key'
  | 'section-end'
  | 'empty-section'
  | 'no-section';

/** Something that makes oslo.config refuse the whole file. */
export interface IniError {
  kind: IniErrorKind;
  /** oslo.config's own wording, for messages. */
  osloMessage: string;
  start: number;
  end: number;
  line: number;
  /** For 'unexpected-continuation': start of the line (the indentation to remove is [lineStart, start)). */
  lineStart: number;
}

/** A line left out of parsing (template directives). */
export interface IniSkippedLine {
  start: number;
  end: number;
  line: number;
}

export interface IniDocument {
  text: string;
  sections: IniSection[];
  entries: IniEntry[];
  errors: IniError[];
  skipped: IniSkippedLine[];
}

export interface IniParseOptions {
  /** Lines for which this returns true are left out as if absent (template-only lines). */
  skipLine?: (line: string) => boolean;
}

const OSLO_MESSAGES: Record<IniErrorKind, string> = {
  // oslo.config reads U+FEFF as part of the first line, which then fails as one of the below.
  bom: "No ':' or '=' found in assignment",
  'unexpected-continuation': 'Unexpected continuation line',
  'no-separator': "No ':' or '=' found in assignment",
  'empty-key': 'Key cannot be empty',
  'section-end': 'Invalid section (must end with ])',
  'empty-section': 'Empty section name',
  'no-section': 'Section must be started before assignment',
};

/** oslo.config's group name for a section: DEFAULT only as written, every other name in lower case. */
export function groupOf(sectionName: string): string {
  return sectionName === 'DEFAULT' ? 'DEFAULT' : sectionName.toLowerCase();
}

const SEPARATOR = /[=:\r\n]/g;

/** Shared by every entry without continuation lines (most), replaced on the first one. */
const NO_CONTINUATIONS: IniContinuation[] = [];

/** Parses text as oslo.config does; never throws. Errors are collected, and parsing goes on as if each were fixed. */
export function parseIni(text: string, opts: IniParseOptions = {}): IniDocument {
  const sections: IniSection[] = [];
  const entries: IniEntry[] = [];
  const errors: IniError[] = [];
  const skipped: IniSkippedLine[] = [];
  let section: IniSection | undefined;
  let open: IniEntry | undefined; // the option whose value may go on
  let sawNoSection = false;

  const flush = () => {
    if (!open) return;
    const e = open;
    if (e.pieces.length > 1) e.value = e.pieces.map((p) => text.slice(p.start, p.end)).join('\n');
    entries.push(e);
    open = undefined;
  };
  const error = (kind: IniErrorKind, start: number, end: number, line: number, lineStart: number) => {
    // One error a line: what remains after its fix shows on the next lint.
    if (errors.length > 0 && errors[errors.length - 1].line === line && errors[errors.length - 1].kind !== 'bom') return;
    errors.push({ kind, osloMessage: OSLO_MESSAGES[kind], start, end, line, lineStart });
  };

  const n = text.length;
  let pos = 0;
  if (text.charCodeAt(0) === 0xfeff) {
    error('bom', 0, 1, 0, 0);
    pos = 1; // read on as if it were gone
  }
  // Line ends and separators are found by regular expressions: native code, fast even before
  // the JIT has warmed up, which is what a single lint from the command line gets.
  const lineEnd = /\r\n?|\n/g;
  for (let lineNo = 0; ; lineNo++) {
    // One line: [lineStart, end), then "\r\n", "\n" or "\r" (Python's universal newlines).
    lineEnd.lastIndex = pos;
    const m = lineEnd.exec(text);
    const end = m ? m.index : n;
    parseLine(pos, end, lineNo);
    if (!m) break;
    pos = end + m[0].length;
  }
  flush();
  return { text, sections, entries, errors, skipped };

  function parseLine(lineStart: number, lineEnd: number, lineNo: number): void {
    let end = lineEnd;
    while (end > lineStart && isPySpace(text.charCodeAt(end - 1))) end--;
    if (end === lineStart) {
      flush(); // a blank line ends a multi-line value
      return;
    }
    if (opts.skipLine && opts.skipLine(text.slice(lineStart, end))) {
      skipped.push({ start: lineStart, end, line: lineNo });
      return;
    }
    let start = lineStart;
    const first = text.charCodeAt(start);
    if (first === 32 || first === 9) {
      let s = start;
      while (s < end && isPySpace(text.charCodeAt(s))) s++;
      if (open) {
        open.pieces.push({ start: s, end });
        const more = open.continuations.length === 0 ? [] : (open.continuations as IniContinuation[]);
        more.push({ start: s, end, line: lineNo });
        open.continuations = more;
        open.end = end;
        open.lastLine = lineNo;
        return;
      }
      error('unexpected-continuation', s, end, lineNo, lineStart);
      start = s; // read on as if the indentation were removed
    }
    flush();
    const c = text.charCodeAt(start);
    if (c === 91 /* [ */) {
      parseSection(start, end, lineNo);
    } else if (c === 35 /* # */ || c === 59 /* ; */) {
      // comment
    } else {
      parseAssignment(start, end, lineNo);
    }
  }

  function parseSection(start: number, end: number, lineNo: number): void {
    let nameEnd = end - 1;
    if (text.charCodeAt(end - 1) !== 93 /* ] */) {
      error('section-end', start, end, lineNo, start);
      // Read on with the name up to the first "]", as the author most likely meant.
      const close = text.indexOf(']', start);
      if (close < 0 || close >= end) return;
      nameEnd = close;
    } else if (end - start <= 2) {
      error('empty-section', start, end, lineNo, start);
      return;
    }
    const name = text.slice(start + 1, nameEnd);
    if (name === '') {
      return;
    }
    section = { name, group: groupOf(name), start, end, nameStart: start + 1, nameEnd, line: lineNo };
    sections.push(section);
  }

  function parseAssignment(start: number, end: number, lineNo: number): void {
    // The first "=" or ":" of the line; the search stops at the line's end.
    SEPARATOR.lastIndex = start;
    const sm = SEPARATOR.exec(text);
    const sepAt = sm && sm.index < end && sm[0] !== '\n' && sm[0] !== '\r' ? sm.index : -1;
    if (sepAt < 0) {
      error('no-separator', start, end, lineNo, start);
      return;
    }
    const [keyStart, keyEnd] = pyStrip(text, start, sepAt);
    if (keyStart === keyEnd) {
      error('empty-key', start, end, lineNo, start);
      return;
    }
    if (!section && !sawNoSection) {
      sawNoSection = true;
      error('no-section', keyStart, keyEnd, lineNo, start);
    }
    const [vStart, vEnd] = pyStrip(text, sepAt + 1, end);
    let piece: IniPiece = { start: vStart, end: vEnd };
    let quote: IniEntry['quote'];
    const q = text.charCodeAt(vStart);
    if (vEnd > vStart && (q === 34 || q === 39) && text.charCodeAt(vEnd - 1) === q) {
      quote = q === 34 ? '"' : "'";
      piece = { start: vStart + 1, end: Math.max(vStart + 1, vEnd - 1) };
    }
    open = {
    section,
    key: text.slice(keyStart, keyEnd),
    keyStart,
    keyEnd,
    sep: text[sepAt] as '=' | ':',
    sepOffset: sepAt,
    value: text.slice(piece.start, piece.end),
    pieces: [piece],
    quote,
    rawValueStart: vEnd > vStart ? vStart : sepAt + 1,
    start,
    end,
    line: lineNo,
    lastLine: lineNo,
    continuations: NO_CONTINUATIONS,
    };
  }
}

/**
 * Maps an index of entry.value to a text offset; the "\n" between two lines maps to the end of
 * the first. Built once per entry (binary search), since a value may span many lines.
 */
export function valueOffsets(entry: IniEntry): (i: number) => number {
  const ps = entry.pieces;
  if (ps.length === 1) {
    const p = ps[0];
    return (i) => p.start + Math.min(Math.max(i, 0), p.end - p.start);
  }
  const bases: number[] = [];
  let base = 0;
  for (const p of ps) {
    bases.push(base);
    base += p.end - p.start + 1;
  }
  return (i) => {
    const lo = lastAtOrBefore(bases, i);
    const p = ps[lo];
    return p.start + Math.min(Math.max(i - bases[lo], 0), p.end - p.start);
  };
}

/** Every entry of `key` in `group`, in file order (the last one is what oslo.config gives the option). */
export function entriesOf(doc: IniDocument, group: string, key: string): IniEntry[] {
  return doc.entries.filter((e) => e.section?.group === group && e.key === key);
}
