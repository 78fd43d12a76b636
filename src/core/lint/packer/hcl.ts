// Packer templates in HCL2 (*.pkr.hcl): a tolerant single-pass scanner for just what the QEMU
// builder's rules read, with ranges. No npm HCL parser keeps source ranges (the maintained ones
// are Go's hashicorp/hcl compiled to WebAssembly or GopherJS that return plain JSON), and fixes
// need ranges. Read as hashicorp/hcl's hclsyntax spec says: `#`, `//` and `/* */` comments;
// quoted strings with \n \r \t \" \\ \uNNNN \UNNNNNNNN escapes and ${…} / %{…} templates (opaque,
// `$${` and `%%{` literal); heredocs opaque; bodies of `name = expression` attributes and
// `type "label" … { … }` blocks. The qemu sources are `source "qemu" "NAME" { … }` at the top
// and `source "source.qemu.NAME" { … }` inside `build` blocks (its overrides).
import { appendChar, OPAQUE, type ShellWord } from '../commandLine/shellWords';
import type { PackerAttr, PackerSource } from './template';
import { opaqueTemplates } from './templates';

interface Tok {
  kind: 'ident' | 'string' | 'punct' | 'nl' | 'other';
  start: number;
  end: number;
  /** ident and punct: their text. */
  text?: string;
  /** string: its decoded value. */
  word?: ShellWord;
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_CHAR = /[A-Za-z0-9_-]/;
const HEX = /^[0-9a-fA-F]+$/;

/** The end of the template that starts at text[i] (`${` or `%{`), nested braces and strings skipped; -1 at a newline or the end. */
function templateEnd(text: string, i: number): number {
  let depth = 0;
  let quoted = false;
  for (let k = i + 1; k < text.length; k++) {
    const c = text[k];
    if (c === '\n') return -1;
    if (quoted) {
      if (c === '\\') k++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return k + 1;
  }
  return -1;
}

/** A quoted string at text[i] === '"': its token (value decoded, templates opaque) and where it ends. */
function scanString(text: string, i: number): Tok {
  let w: ShellWord = { value: '', starts: [], ends: [], start: i, end: i };
  let k = i + 1;
  while (k < text.length && text[k] !== '"' && text[k] !== '\n') {
    const c = text[k];
    const next = text[k + 1];
    if (c === '\\') {
      const n = next === 'u' ? 4 : next === 'U' ? 8 : 0;
      if (n > 0 && HEX.test(text.slice(k + 2, k + 2 + n)) && text.slice(k + 2, k + 2 + n).length === n) {
        w = appendChar(w, String.fromCodePoint(parseInt(text.slice(k + 2, k + 2 + n), 16)), k, k + 2 + n);
        k += 2 + n;
      } else {
        const e = ({ n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' } as Record<string, string>)[next ?? ''];
        w = appendChar(w, e ?? c, k, e ? k + 2 : k + 1);
        k += e ? 2 : 1;
      }
    } else if ((c === '$' || c === '%') && next === c && text[k + 2] === '{') {
      w = appendChar(w, c, k, k + 2);
      k += 2;
      w = appendChar(w, '{', k, k + 1);
      k++;
    } else if ((c === '$' || c === '%') && next === '{') {
      const end = templateEnd(text, k);
      const stop = end < 0 ? (text.indexOf('\n', k) + 1 || text.length + 1) - 1 : end;
      w = appendChar(w, OPAQUE, k, stop);
      k = stop;
    } else {
      w = appendChar(w, c, k, k + 1);
      k++;
    }
  }
  const end = text[k] === '"' ? k + 1 : k;
  w.start = i;
  w.end = end;
  return { kind: 'string', start: i, end, word: opaqueTemplates(w, false) };
}

/** The tokens of an HCL text (comments dropped, newlines kept: they end attributes). */
function tokens(text: string): Tok[] {
  const out: Tok[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\r' || c === '\uFEFF') i++;
    else if (c === '\n') out.push({ kind: 'nl', start: i, end: ++i });
    else if (c === '#' || (c === '/' && text[i + 1] === '/')) {
      const eol = text.indexOf('\n', i);
      i = eol < 0 ? n : eol;
    } else if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
    } else if (c === '"') {
      const t = scanString(text, i);
      out.push(t);
      i = t.end;
    } else if (c === '<' && text[i + 1] === '<' && /^<<-?[A-Za-z_]/.test(text.slice(i, i + 4))) {
      // A heredoc: opaque up to its closing line.
      const m = /^<<-?([A-Za-z_][\w-]*)/.exec(text.slice(i, i + 260))!;
      const close = new RegExp(`^[ \\t]*${m[1]}[ \\t]*\\r?$`, 'm');
      const bodyAt = text.indexOf('\n', i);
      const found = bodyAt < 0 ? null : close.exec(text.slice(bodyAt + 1));
      const end = !found ? n : bodyAt + 1 + found.index + found[0].length;
      out.push({ kind: 'other', start: i, end });
      i = end;
    } else if (IDENT_START.test(c)) {
      let k = i + 1;
      while (k < n && IDENT_CHAR.test(text[k])) k++;
      out.push({ kind: 'ident', start: i, end: k, text: text.slice(i, k) });
      i = k;
    } else if ('{}[]()=,:'.includes(c)) {
      out.push({ kind: 'punct', start: i, end: i + 1, text: c });
      i++;
    } else {
      out.push({ kind: 'other', start: i, end: i + 1 });
      i++;
    }
  }
  return out;
}

const isPunct = (t: Tok | undefined, p: string) => t?.kind === 'punct' && t.text === p;
const OPEN = new Set(['(', '[', '{']);
const CLOSE = new Set([')', ']', '}']);

/** The end (exclusive token index) of the expression starting at toks[i]: a newline or `}` outside brackets. */
function expressionEnd(toks: Tok[], i: number): number {
  let depth = 0;
  for (; i < toks.length; i++) {
    const t = toks[i];
    if (t.kind === 'punct' && OPEN.has(t.text!)) depth++;
    else if (t.kind === 'punct' && CLOSE.has(t.text!)) {
      if (depth === 0) return i;
      depth--;
    } else if (t.kind === 'nl' && depth === 0) return i;
  }
  return i;
}

/** The elements of the list or object whose opening bracket is toks[from]: token runs split at commas and newlines at its own level. */
function elements(toks: Tok[], from: number, to: number): Tok[][] {
  const out: Tok[][] = [];
  let cur: Tok[] = [];
  let depth = 0;
  for (let i = from + 1; i < to; i++) {
    const t = toks[i];
    if (t.kind === 'punct' && OPEN.has(t.text!)) depth++;
    if (t.kind === 'punct' && CLOSE.has(t.text!) && depth-- === 0) break;
    if (depth === 0 && (isPunct(t, ',') || t.kind === 'nl')) {
      if (cur.length > 0) out.push(cur);
      cur = [];
    } else cur.push(t);
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/** An element as a word: a lone string, or one OPAQUE word for any other expression. */
function wordOf(run: Tok[]): ShellWord {
  if (run.length === 1 && run[0].word) return run[0].word;
  const start = run[0].start;
  const end = run[run.length - 1].end;
  return { value: OPAQUE, starts: [start], ends: [end], start, end };
}

/** The words of a list expression `[…]`, or undefined when the expression is no list literal. */
function listWords(toks: Tok[], from: number, to: number): ShellWord[] | undefined {
  if (!isPunct(toks[from], '[') || !isPunct(toks[to - 1], ']')) return undefined;
  return elements(toks, from, to).map(wordOf);
}

/** Deletes the attribute's lines when it stands alone on them. */
function lineRemoval(text: string, start: number, end: number) {
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  if (!/^[ \t]*$/.test(text.slice(lineStart, start))) return undefined;
  const m = /^[ \t]*(?:(?:#|\/\/)[^\n]*)?(?:\r?\n|$)/.exec(text.slice(end));
  return m ? [{ start: lineStart, end: end + m[0].length, newText: '' }] : undefined;
}

const ATTRS = new Set(['disk_cache', 'disk_discard', 'disk_detect_zeroes']);
const IMG_SUBCOMMANDS = new Set(['convert', 'create', 'resize']);

type Frame = { kind: 'top' | 'build' | 'other' } | { kind: 'qemu' | 'img'; source: PackerSource };

/** The qemu sources of an HCL2 template. */
export function hclSources(text: string): PackerSource[] {
  const toks = tokens(text);
  const out: PackerSource[] = [];
  const stack: Frame[] = [{ kind: 'top' }];
  let i = 0;
  while (i < toks.length) {
    const frame = stack[stack.length - 1];
    const t = toks[i];
    if (t.kind === 'nl' || isPunct(t, ',')) {
      i++;
      continue;
    }
    if (isPunct(t, '}')) {
      if (stack.length > 1) stack.pop();
      i++;
      continue;
    }
    if (t.kind !== 'ident') {
      i = Math.max(i + 1, expressionEnd(toks, i));
      continue;
    }
    // An attribute: name = expression (also `name: expression` inside an object).
    if (isPunct(toks[i + 1], '=') || (frame.kind === 'img' && isPunct(toks[i + 1], ':'))) {
      const from = i + 2;
      const to = expressionEnd(toks, from);
      const name = t.text!;
      if (frame.kind === 'qemu') {
        const s = frame.source;
        const whole = { start: t.start, end: to > from ? toks[to - 1].end : toks[i + 1].end };
        if (ATTRS.has(name)) {
          const attr: PackerAttr = { key: { start: t.start, end: t.end }, whole, remove: lineRemoval(text, whole.start, whole.end) };
          if (to === from + 1 && toks[from].word) attr.value = toks[from].word;
          s.attrs.set(name, attr);
        } else if (name === 'qemuargs' && isPunct(toks[from], '[')) {
          const lists = elements(toks, from, to)
            .filter((run) => isPunct(run[0], '[') && isPunct(run[run.length - 1], ']'))
            .map((run) => elements(run, 0, run.length).map(wordOf));
          s.qemuargs = { key: { start: t.start, end: t.end }, lists };
        } else if (name === 'qemu_img_args' && isPunct(toks[from], '{')) {
          // The object form: qemu_img_args = { convert = [...] }.
          stack.push({ kind: 'img', source: s });
          i = from + 1;
          continue;
        }
      } else if (frame.kind === 'img' && IMG_SUBCOMMANDS.has(name)) {
        const words = listWords(toks, from, to);
        if (words) frame.source.qemuImgArgs.set(name, { key: { start: t.start, end: t.end }, words });
      }
      i = Math.max(to, i + 2);
      continue;
    }
    // A block: type, labels, `{`.
    let k = i + 1;
    while (k < toks.length && (toks[k].kind === 'string' || toks[k].kind === 'ident')) k++;
    if (!isPunct(toks[k], '{')) {
      i = Math.max(i + 1, expressionEnd(toks, i));
      continue;
    }
    const type = t.text!;
    const labels = toks.slice(i + 1, k).map((l) => l.word?.value ?? l.text ?? '');
    const label = toks[k - 1];
    const newSource = (): PackerSource => {
      const s: PackerSource = { anchor: { start: label.start, end: label.end }, attrs: new Map(), qemuImgArgs: new Map(), syntax: 'hcl' };
      out.push(s);
      return s;
    };
    let next: Frame = { kind: 'other' };
    if (frame.kind === 'top' && type === 'build') next = { kind: 'build' };
    else if (frame.kind === 'top' && type === 'source' && labels[0] === 'qemu' && labels.length === 2) next = { kind: 'qemu', source: newSource() };
    else if (frame.kind === 'build' && type === 'source' && labels.length === 1 && labels[0].startsWith('source.qemu.')) next = { kind: 'qemu', source: newSource() };
    else if (frame.kind === 'qemu' && type === 'qemu_img_args' && labels.length === 0) next = { kind: 'img', source: frame.source };
    stack.push(next);
    i = k + 1;
  }
  return out;
}
