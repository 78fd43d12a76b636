// Python code that builds an argument list: a tuple, list or call whose first element is a
// string literal naming one of our programs, as Nova wrote it (nova/virt/images.py:
// `cmd = ('qemu-img', 'convert', '-t', 'writethrough', '-O', fmt)`, then execute(*cmd)), or
// `subprocess.run(['qemu-system-x86_64', '-drive', f'file={img},cache=unsafe'])`. Each element
// is one argument word: string literals decoded as Python decodes them (adjacent literals
// joined, raw strings kept, f-string fields opaque); any other expression (a name, a call,
// `*args`) is one opaque word; keyword arguments of a call are not arguments of the program.
// A tolerant single-pass scanner, no Python parser: lists built in steps (`cmd += (…)`) are
// read one literal at a time, never guessed.
import type { Finding } from '../../types';
import { lintFound } from './lintFound';
import { appendChar, OPAQUE, type ShellWord } from './shellWords';

interface Tok {
  kind: 'string' | 'open' | 'close' | 'comma' | 'eq' | 'star' | 'other';
  start: number;
  end: number;
  word?: ShellWord;
}

const SIMPLE: Readonly<Record<string, string>> = { '\\': '\\', "'": "'", '"': '"', n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0' };
const PREFIX = /^[rRbBuUfF]{1,2}$/;

/** A string literal at text[i] (its prefix at text[from, i)): its token, escapes and f-string fields decoded. */
function scanString(text: string, from: number, i: number): Tok {
  const prefix = text.slice(from, i).toLowerCase();
  const raw = prefix.includes('r');
  const fstr = prefix.includes('f');
  const q = text[i];
  const triple = text.startsWith(q.repeat(3), i);
  const close = triple ? q.repeat(3) : q;
  let w: ShellWord = { value: '', starts: [], ends: [], start: from, end: from };
  let k = i + close.length;
  while (k < text.length && !text.startsWith(close, k) && (triple || text[k] !== '\n')) {
    const c = text[k];
    if (c === '\\' && k + 1 < text.length) {
      const e = text[k + 1];
      const hex = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
      if (raw) w = appendChar(appendChar(w, c, k, k + 1), e, k + 1, k + 2);
      else if (e === '\n') {
        // A backslash-newline inside a literal joins the lines.
      } else if (hex > 0 && /^[0-9a-fA-F]+$/.test(text.slice(k + 2, k + 2 + hex)) && text.slice(k + 2, k + 2 + hex).length === hex) {
        w = appendChar(w, String.fromCodePoint(parseInt(text.slice(k + 2, k + 2 + hex), 16)), k, k + 2 + hex);
        k += hex;
      } else w = SIMPLE[e] !== undefined ? appendChar(w, SIMPLE[e], k, k + 2) : appendChar(appendChar(w, c, k, k + 1), e, k + 1, k + 2);
      k += 2;
    } else if (fstr && (c === '{' || c === '}') && text[k + 1] === c) {
      w = appendChar(w, c, k, k + 2);
      k += 2;
    } else if (fstr && c === '{') {
      // A replacement field: up to its closing brace (nested braces counted), one opaque character.
      let depth = 0;
      let e = k;
      for (; e < text.length && text[e] !== '\n'; e++) {
        if (text[e] === '{') depth++;
        else if (text[e] === '}' && --depth === 0) break;
      }
      w = appendChar(w, OPAQUE, k, Math.min(e + 1, text.length));
      k = e + 1;
    } else {
      w = appendChar(w, c, k, k + 1);
      k++;
    }
  }
  const end = text.startsWith(close, k) ? k + close.length : k;
  w.start = from;
  w.end = end;
  return { kind: 'string', start: from, end, word: w };
}

function tokens(text: string): Tok[] {
  const out: Tok[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text[i];
    if (c === '#') {
      const eol = text.indexOf('\n', i);
      i = eol < 0 ? n : eol;
    } else if (c === '"' || c === "'") {
      const t = scanString(text, i, i);
      out.push(t);
      i = Math.max(t.end, i + 1);
    } else if (/[A-Za-z_0-9]/.test(c)) {
      let k = i + 1;
      while (k < n && /[A-Za-z_0-9]/.test(text[k])) k++;
      if ((text[k] === '"' || text[k] === "'") && PREFIX.test(text.slice(i, k))) {
        const t = scanString(text, i, k);
        out.push(t);
        i = Math.max(t.end, k + 1);
      } else {
        out.push({ kind: 'other', start: i, end: k });
        i = k;
      }
    } else if (c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\\') i++;
    else {
      const kind = '([{'.includes(c) ? 'open' : ')]}'.includes(c) ? 'close' : c === ',' ? 'comma' : c === '*' ? 'star' : c === '=' && text[i + 1] !== '=' && !'=!<>'.includes(text[i - 1]) ? 'eq' : 'other';
      out.push({ kind, start: i, end: i + 1 });
      i++;
    }
  }
  return out;
}

/** An element as a word: adjacent string literals joined; any other expression one opaque word. */
function wordOf(el: Tok[]): ShellWord {
  if (el.every((t) => t.kind === 'string')) {
    const w: ShellWord = { value: '', starts: [], ends: [], start: el[0].start, end: el[el.length - 1].end };
    for (const t of el) {
      w.value += t.word!.value;
      w.starts.push(...t.word!.starts);
      w.ends.push(...t.word!.ends);
    }
    return w;
  }
  const start = el[0].start;
  const end = el[el.length - 1].end;
  return { value: OPAQUE, starts: [start], ends: [end], start, end };
}

// virt-install and virt-xml too: the command-line readers decide which programs they read.
const PROGRAM = /^(?:\S*\/)?(?:qemu-system-[\w.-]+|qemu-kvm|kvm|qemu-img|virt-install|virt-xml)$/;

/** The argument lists among the text's tuples, lists and calls whose first element names one of our programs. */
export function pythonCommands(text: string): ShellWord[][] {
  const out: ShellWord[][] = [];
  type Group = { square: boolean; elements: Tok[][]; cur: Tok[] };
  const stack: Group[] = [];
  const endElement = (g: Group) => {
    if (g.cur.length > 0) g.elements.push(g.cur);
    g.cur = [];
  };
  for (const t of tokens(text)) {
    const g = stack[stack.length - 1];
    if (t.kind === 'open') {
      g?.cur.push(t);
      stack.push({ square: text[t.start] === '[', elements: [], cur: [] });
    } else if (t.kind === 'close') {
      if (!g) continue;
      endElement(g);
      stack.pop();
      const first = g.elements[0];
      if (first?.every((x) => x.kind === 'string') && PROGRAM.test(wordOf(first).value)) {
        // Keyword arguments (timeout=30) configure the call, not the program.
        out.push(g.elements.filter((el) => !el.some((x) => x.kind === 'eq')).map(wordOf));
      }
      stack[stack.length - 1]?.cur.push(t);
    } else if (t.kind === 'comma' && g) endElement(g);
    else g?.cur.push(t);
  }
  return out;
}

/** Cheap test: a string literal that is one of the programs' names (a path before it allowed). */
export const PYTHON_ARGS_HINT = /["'](?:[^"'\s]*\/)?(?:qemu-system-[\w.-]+|qemu-kvm|kvm|qemu-img|virt-install|virt-xml)["']/;

/** Lints a Python file's argument lists. Never throws. */
export function lintPythonArgs(text: string): Finding[] {
  return lintFound(text, pythonCommands, (t) => PYTHON_ARGS_HINT.test(t));
}
