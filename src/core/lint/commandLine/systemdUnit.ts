// The systemd unit dialect: QEMU and qemu-img invocations in Exec*= lines of .service units and
// their drop-ins. The value is split as systemd.service(5) "Command lines" says, which is not a
// shell: words split at whitespace, "…" and '…' quote, a backslash escapes the next character
// (C escapes such as \x41 stay opaque), a lone `;` word separates commands (`\;` is a literal
// one), `$FOO`/`${FOO}` are environment variables and `%i` specifiers: both opaque, never guessed
// (`$$` and `%%` are literal). A line ending in a backslash continues on the next one, the
// backslash read as a space (systemd.syntax(7)); comment lines inside a continuation are skipped.
import type { Finding } from '../../types';
import { appendChar, OPAQUE, type ShellWord } from './shellWords';
import { lintCommands } from './shellScript';

const EXEC_KEY = /^[ \t]*(ExecStart|ExecStartPre|ExecStartPost|ExecCondition|ExecReload|ExecStop|ExecStopPost)[ \t]*=[ \t]*/;
/** systemd's prefixes before the program: @ - : + ! !! (systemd.service(5), table "Special executable prefixes"). */
const PREFIXES = /^[@\-:+!]+/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** The lines of the text with their offsets. */
function* lines(text: string): Generator<{ start: number; end: number }> {
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    yield { start, end: end > start && text[end - 1] === '\r' ? end - 1 : end };
    if (end >= text.length) return;
    start = end + 1;
  }
}

/** The commands of one Exec*= value, given as [from, to) ranges of the file (the continued lines). */
function execCommands(text: string, parts: { start: number; end: number }[]): ShellWord[][] {
  const commands: ShellWord[][] = [[]];
  let word: ShellWord | undefined;
  let quote: string | undefined;
  /** The word holds a quoted part (a quoted ";" is an argument). */
  let quoted = false;
  let atStart = true;
  /** The next `}` at or after i (found once, reused: many unclosed ${ cost linear time). */
  let closeAt = -1;
  const push = (ch: string, start: number, end: number) => (word = appendChar(word, ch, start, end));
  const endWord = () => {
    if (!word) return;
    if (word.value === ';' && !quoted && word.ends[0] - word.starts[0] === 1) commands.push([]);
    else commands[commands.length - 1].push(word);
    word = undefined;
    quoted = false;
  };
  for (const part of parts) {
    let i = part.start;
    if (atStart) {
      const p = PREFIXES.exec(text.slice(i, part.end));
      if (p) i += p[0].length;
      atStart = false;
    }
    while (i < part.end) {
      const c = text[i];
      if (!quote && (c === ' ' || c === '\t')) {
        endWord();
        i++;
      } else if (!quote && (c === '"' || c === "'")) {
        quote = c;
        quoted = true;
        word ??= { value: '', starts: [], ends: [], start: i, end: i + 1 };
        i++;
      } else if (quote && c === quote) {
        quote = undefined;
        word!.end = ++i;
      } else if (c === '\\' && i + 1 < part.end) {
        const e = text[i + 1];
        push('\\"\' ;'.includes(e) ? e : OPAQUE, i, i + 2);
        i += 2;
      } else if ((c === '$' || c === '%') && text[i + 1] === c) {
        push(c, i, i + 2);
        i += 2;
      } else if (c === '$' && text[i + 1] === '{') {
        if (closeAt < i) closeAt = text.indexOf('}', i) >>> 0;
        const end = closeAt >= part.end ? part.end : closeAt + 1;
        push(OPAQUE, i, end);
        i = end;
      } else if (c === '$' && NAME.test(text.slice(i + 1, i + 2))) {
        const end = i + 1 + NAME.exec(text.slice(i + 1, Math.min(part.end, i + 256)))![0].length;
        push(OPAQUE, i, end);
        i = end;
      } else if (c === '%' && i + 1 < part.end) {
        push(OPAQUE, i, i + 2);
        i += 2;
      } else {
        push(c, i, i + 1);
        i++;
      }
    }
    // The backslash that continued the line reads as a space, outside quotes.
    if (!quote) endWord();
  }
  endWord();
  // An unterminated quote: systemd refuses the line.
  if (quote) return [];
  return commands.filter((c) => c.length > 0);
}

/** Every Exec*= value of a unit file, each as the file ranges of its continued lines. */
function execValues(text: string): { start: number; end: number }[][] {
  const out: { start: number; end: number }[][] = [];
  let current: { start: number; end: number }[] | undefined;
  for (const l of lines(text)) {
    const line = text.slice(l.start, l.end);
    if (current) {
      // Comment lines inside a continuation are skipped and do not end it.
      if (/^[ \t]*[#;]/.test(line)) continue;
    } else {
      const m = EXEC_KEY.exec(line);
      if (!m) continue;
      current = [];
      out.push(current);
      l.start += m[0].length;
    }
    const continued = /(^|[^\\])(\\\\)*\\$/.test(text.slice(l.start, l.end));
    current.push({ start: l.start, end: continued ? l.end - 1 : l.end });
    if (!continued) current = undefined;
  }
  return out;
}

/** The commands of every Exec*= line, each as its words. */
export function unitCommands(text: string): ShellWord[][] {
  return execValues(text).flatMap((parts) => execCommands(text, parts));
}

/** Lints the Exec*= lines of a systemd unit. Never throws. */
export function lintSystemdUnit(text: string): Finding[] {
  try {
    return lintCommands(unitCommands(text));
  } catch {
    // Built not to throw; this only keeps a bug from crashing the editor.
    return [];
  }
}
