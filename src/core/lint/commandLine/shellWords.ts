// Shell word splitting with source ranges, enough to find a program's argument words in a POSIX
// shell or bash script: quotes, backslash escapes, `\` line continuations, comments, command
// separators, redirections and here-documents. Expansions ($VAR, ${…}, $(…), $((…)), `…`,
// $'…') are never guessed: each becomes one OPAQUE character in the word, so a reader can tell
// which part of a value is not in the file. One pass over the text (linear time, no recursion).
// Not a full parser: no aliases, functions, arrays or brace expansion (those words keep their
// literal text, which never matches a cache mode by accident).

/** Stands for one expansion inside a word's value. */
export const OPAQUE = '\u0000';

export interface ShellWord {
  /** The word after quote removal, each expansion replaced by one OPAQUE character. */
  value: string;
  /** Where value[i] was written: text.slice(starts[i], ends[i]) (its quotes and escape included). */
  starts: number[];
  ends: number[];
  /** The word as written. */
  start: number;
  end: number;
}

export interface ShellCommand {
  words: ShellWord[];
  /** False when a quote or expansion runs to the end of the text (the shell would refuse it). */
  complete: boolean;
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
const SPECIAL_PARAM = /[0-9@*#?$!-]/;

/**
 * The end of the expansion or quoted run that starts at `i` with `opener` ('$(', '${', '`', "$'",
 * "'"), or -1 when it runs to the end of the text. Nested quotes and expansions are tracked on an
 * explicit stack, so hostile nesting costs linear time and no call depth.
 */
function skipNested(text: string, i: number, closer: string): number {
  const stack: string[] = [closer];
  const n = text.length;
  while (i < n) {
    const top = stack[stack.length - 1];
    const c = text[i];
    if (top === "'") {
      if (c === "'") stack.pop();
      i++;
    } else if (top === "$'") {
      // ANSI-C quoting: backslash escapes the quote.
      if (c === '\\') i += 2;
      else {
        if (c === "'") stack.pop();
        i++;
      }
    } else if (c === '\\') {
      i += 2;
      continue;
    } else if (c === top || (top === ')' && c === ')')) {
      stack.pop();
      i++;
    } else if (top === '"' || top === '`') {
      if (c === '$' && text[i + 1] === '(') (stack.push(')'), (i += 2));
      else if (c === '$' && text[i + 1] === '{') (stack.push('}'), (i += 2));
      else if (c === '`' && top === '"') (stack.push('`'), i++);
      else i++;
    } else {
      // Inside $( ), ( ) or ${ }.
      if (c === "'") stack.push("'");
      else if (c === '"') stack.push('"');
      else if (c === '`') stack.push('`');
      else if (c === '$' && text[i + 1] === "'") (stack.push("$'"), i++);
      else if (c === '$' && text[i + 1] === '{') (stack.push('}'), i++);
      else if (c === '(') stack.push(')');
      i++;
    }
    if (stack.length === 0) return i;
  }
  return -1;
}

/** Adds one character of a word's value, written at text[start, end); starts the word if none. */
export function appendChar(w: ShellWord | undefined, ch: string, start: number, end: number): ShellWord {
  w ??= { value: '', starts: [], ends: [], start, end };
  w.value += ch;
  w.starts.push(start);
  w.ends.push(end);
  w.end = end;
  return w;
}

/** Splits a shell script into simple commands and their words. Never throws. */
export function shellCommands(text: string): ShellCommand[] {
  const n = text.length;
  const out: ShellCommand[] = [];
  let words: ShellWord[] = [];
  let complete = true;
  let word: ShellWord | undefined;
  /** The next word is a redirection target, not an argument. */
  let redirect = false;
  /** Here-document delimiters waiting for the end of the line; strip = `<<-`. */
  let heredocs: { delim: string; strip: boolean }[] = [];
  let heredocWord = false;
  let heredocStrip = false;

  const push = (ch: string, start: number, end: number) => (word = appendChar(word, ch, start, end));
  const endWord = () => {
    if (!word) return;
    if (heredocWord) {
      // Quote removal of the delimiter; expansions are not expanded there.
      heredocs.push({ delim: word.value.split(OPAQUE).join(''), strip: heredocStrip });
      heredocWord = false;
    } else if (redirect) redirect = false;
    else words.push(word);
    word = undefined;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) out.push({ words, complete });
    words = [];
    complete = true;
    redirect = false;
  };
  /** Skips the bodies of pending here-documents, starting at the line after `i`. */
  const skipHeredocs = (i: number): number => {
    for (const h of heredocs) {
      while (i < n) {
        let eol = text.indexOf('\n', i);
        if (eol < 0) eol = n;
        let line = text.slice(i, eol).replace(/\r$/, '');
        if (h.strip) line = line.replace(/^\t+/, '');
        i = eol + 1;
        if (line === h.delim) break;
      }
    }
    heredocs = [];
    return Math.min(i, n);
  };
  /** One expansion at i: its end, pushed as one OPAQUE character; a lone `$` is literal. */
  const expansion = (i: number): number => {
    const next = text[i + 1];
    let end: number;
    if (next === '(') end = skipNested(text, i + 2, ')');
    else if (next === '{') end = skipNested(text, i + 2, '}');
    else if (next === "'") end = skipNested(text, i + 2, "$'");
    else if (next !== undefined && NAME_START.test(next)) {
      end = i + 2;
      while (end < n && NAME_CHAR.test(text[end])) end++;
    } else if (next !== undefined && SPECIAL_PARAM.test(next)) end = i + 2;
    else {
      push('$', i, i + 1);
      return i + 1;
    }
    if (end < 0) {
      complete = false;
      end = n;
    }
    push(OPAQUE, i, end);
    return end;
  };

  let i = 0;
  while (i < n) {
    const c = text[i];
    if (c === '\\') {
      if (text[i + 1] === '\n') i += 2;
      else if (text[i + 1] === '\r' && text[i + 2] === '\n') i += 3;
      else if (i + 1 < n) (push(text[i + 1], i, i + 2), (i += 2));
      else i++;
    } else if (c === "'") {
      const close = text.indexOf("'", i + 1);
      const stop = close < 0 ? n : close;
      if (close < 0) complete = false;
      word ??= { value: '', starts: [], ends: [], start: i, end: i };
      for (let k = i + 1; k < stop; k++) push(text[k], k, k + 1);
      word.end = Math.min(stop + 1, n);
      i = stop + 1;
    } else if (c === '"') {
      word ??= { value: '', starts: [], ends: [], start: i, end: i };
      i++;
      while (i < n && text[i] !== '"') {
        const d = text[i];
        if (d === '\\' && i + 1 < n && '$`"\\\n'.includes(text[i + 1])) {
          if (text[i + 1] !== '\n') push(text[i + 1], i, i + 2);
          i += 2;
        } else if (d === '$') i = expansion(i);
        else if (d === '`') {
          let end = skipNested(text, i + 1, '`');
          if (end < 0) (complete = false), (end = n);
          push(OPAQUE, i, end);
          i = end;
        } else (push(d, i, i + 1), i++);
      }
      if (i >= n) complete = false;
      word.end = Math.min(i + 1, n);
      i++;
    } else if (c === '$') {
      i = expansion(i);
    } else if (c === '`') {
      let end = skipNested(text, i + 1, '`');
      if (end < 0) (complete = false), (end = n);
      push(OPAQUE, i, end);
      i = end;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      endWord();
      i++;
    } else if (c === '\n') {
      endCommand();
      i = heredocs.length > 0 ? skipHeredocs(i + 1) : i + 1;
    } else if (c === '#' && !word) {
      const eol = text.indexOf('\n', i);
      i = eol < 0 ? n : eol;
    } else if (c === '<' || c === '>' || (c === '&' && text[i + 1] === '>')) {
      // A redirection: an all-digit word just before it is its file descriptor.
      if (word && /^[0-9]+$/.test(word.value) && word.end === i) word = undefined;
      endWord();
      if (text.startsWith('<<<', i)) i += 3;
      else if (text.startsWith('<<', i)) {
        heredocStrip = text[i + 2] === '-';
        i += heredocStrip ? 3 : 2;
        heredocWord = true;
        continue;
      } else {
        i++;
        while (i < n && '<>&|'.includes(text[i])) i++;
        // `>&2`, `2>&1`: the target is a descriptor written right after.
        if (text[i - 1] === '&' && /[0-9-]/.test(text[i] ?? '')) {
          while (i < n && /[0-9-]/.test(text[i])) i++;
          continue;
        }
      }
      redirect = true;
    } else if (c === ';' || c === '&' || c === '|' || c === '(' || c === ')') {
      endCommand();
      i++;
    } else {
      push(c, i, i + 1);
      i++;
    }
  }
  endCommand();
  return out;
}

/** The word's value with its expansions shown as `$…`, for messages. */
export function shownWord(w: ShellWord): string {
  return w.value.split(OPAQUE).join('$…');
}

/**
 * The source range of value[from, to) when it is written there character for character (no
 * escape, quote or expansion inside), so that replacing that range changes exactly those
 * characters; undefined otherwise. An empty range sits where value[from] would start.
 */
export function plainRange(w: ShellWord, from: number, to: number): { start: number; end: number } | undefined {
  if (from === to) {
    const at = from < w.value.length ? w.starts[from] : from > 0 ? w.ends[from - 1] : undefined;
    return at === undefined ? undefined : { start: at, end: at };
  }
  for (let k = from; k < to; k++) {
    if (w.value[k] === OPAQUE || w.ends[k] - w.starts[k] !== 1 || (k > from && w.starts[k] !== w.ends[k - 1])) return undefined;
  }
  return { start: w.starts[from], end: w.ends[to - 1] };
}

/** Removes value[from, to), an item of a comma list, with the comma before it (after it when it comes first); undefined where not written plainly. */
export function removeListItem(w: ShellWord, from: number, to: number): { start: number; end: number; newText: string }[] | undefined {
  const r = from > 0 ? plainRange(w, from - 1, to) : plainRange(w, from, Math.min(to + 1, w.value.length));
  return r && [{ start: r.start, end: r.end, newText: '' }];
}
