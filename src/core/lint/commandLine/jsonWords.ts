// JSON string literals as argument words (a Dockerfile's exec form, Packer's JSON templates):
// each escape decoded as RFC 8259 says, each character keeping where it was written, so a
// fix can replace a value written plainly and refuses one that holds an escape.
import { appendChar, type ShellWord } from './shellWords';

const SIMPLE: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** The word of the JSON string literal at text[start, end) (its quotes included). */
export function jsonStringWord(text: string, start: number, end: number): ShellWord {
  let w: ShellWord = { value: '', starts: [], ends: [], start, end };
  const last = text[end - 1] === '"' && end - 1 > start ? end - 1 : end;
  for (let i = start + 1; i < last; ) {
    const c = text[i];
    if (c !== '\\') {
      w = appendChar(w, c, i, i + 1);
      i++;
      continue;
    }
    const e = text[i + 1];
    if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
      w = appendChar(w, String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16)), i, i + 6);
      i += 6;
    } else if (e !== undefined && SIMPLE[e] !== undefined) {
      w = appendChar(w, SIMPLE[e], i, i + 2);
      i += 2;
    } else {
      w = appendChar(w, c, i, i + 1);
      i++;
    }
  }
  w.start = start;
  w.end = end;
  return w;
}
