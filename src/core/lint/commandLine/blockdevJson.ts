// The JSON form of -blockdev (`-blockdev '{"driver":"file","filename":"d.raw","aio":"native",
// "cache":{"direct":true}}'`), flattened into the dotted items the key=value form has (`file.aio`,
// `cache.direct`), each with the indices of its key and value in the word, and the places where a
// missing member can be inserted. QEMU's JSON reader (qobject/json-parser.c) refuses duplicate
// keys, and its QAPI input visitor wants a JSON boolean for cache.direct and a string for aio;
// a form QEMU refuses is not judged. No recursion: the nesting is kept on an explicit stack.
import type { Item } from './qemuDrive';

/** An object of the value: the indices of its braces, whether it has members, and its `cache` member's object. */
export interface JsonObject {
  open: number;
  close: number;
  members: number;
}

export interface BlockdevJson {
  items: Item[];
  /** Each object by its dotted prefix: `` for the top, `file.` for "file":{…}, `file.cache.` for its cache object. */
  objects: Map<string, JsonObject>;
}

const BOOL_KEYS = /(?:^|\.)(?:cache\.direct|cache\.no-flush|read-only)$/;
const LITERAL = /^(?:true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/;
const MAX_DEPTH = 32;

/** Reads a JSON string starting at the quote at `i`: its content and the index after the closing quote; undefined if unterminated. */
function readString(v: string, i: number): { text: string; end: number } | undefined {
  let text = '';
  for (let k = i + 1; k < v.length; k++) {
    const c = v[k];
    if (c === '"') return { text, end: k + 1 };
    if (c === '\\') {
      const e = v[++k];
      if (e === undefined) return undefined;
      // \uXXXX and the like: the decoded text is not needed for the keys and values read here.
      text += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'u' ? '\uFFFD' : e;
      if (e === 'u') k += 4;
    } else text += c;
  }
  return undefined;
}

/** The items of a JSON -blockdev value, or undefined where QEMU would refuse it (or it is not plain JSON). */
export function blockdevJson(v: string): BlockdevJson | undefined {
  const items: Item[] = [];
  const objects = new Map<string, JsonObject>();
  const seen = new Set<string>();
  /** Open containers: an object with its prefix, or an array (its members are not read). */
  const stack: { kind: 'object' | 'array'; prefix: string; obj?: JsonObject; key?: string; keyFrom?: number }[] = [];
  const ws = (k: number) => {
    while (k < v.length && ' \t\r\n'.includes(v[k])) k++;
    return k;
  };
  let i = ws(0);
  if (v[i] !== '{') return undefined;
  const openObject = (prefix: string, at: number) => {
    const obj = { open: at, close: -1, members: 0 };
    if (stack.length >= MAX_DEPTH) return false;
    stack.push({ kind: 'object', prefix, obj });
    if (!stack.some((s) => s.kind === 'array')) objects.set(prefix, obj);
    return true;
  };
  if (!openObject('', i)) return undefined;
  i++;
  while (stack.length > 0) {
    i = ws(i);
    const top = stack[stack.length - 1];
    const c = v[i];
    if (c === undefined) return undefined;
    if (c === ',') {
      i++;
      continue;
    }
    if (c === '}' || c === ']') {
      if ((c === '}') !== (top.kind === 'object')) return undefined;
      if (top.obj) top.obj.close = i;
      stack.pop();
      i++;
      continue;
    }
    // A member's key (in an object) or an element (in an array).
    let key: string | undefined;
    let keyFrom = i;
    if (top.kind === 'object') {
      if (c !== '"') return undefined;
      const k = readString(v, i);
      if (!k) return undefined;
      key = k.text;
      // QEMU refuses a dotted key in JSON ("Parameter 'cache.direct' is unexpected") and a duplicate one.
      if (key.includes('.') || seen.has(top.prefix + key)) return undefined;
      seen.add(top.prefix + key);
      top.obj!.members++;
      i = ws(k.end);
      if (v[i] !== ':') return undefined;
      i = ws(i + 1);
    } else keyFrom = i;
    const inArray = top.kind === 'array' || stack.some((s) => s.kind === 'array');
    const name = top.prefix + (key ?? '');
    const d = v[i];
    if (d === '{') {
      if (!openObject(`${name}.`, i)) return undefined;
      i++;
    } else if (d === '[') {
      if (stack.length >= MAX_DEPTH) return undefined;
      stack.push({ kind: 'array', prefix: `${name}.` });
      i++;
    } else if (d === '"') {
      const s = readString(v, i);
      if (!s) return undefined;
      // A string where QEMU wants a boolean: it refuses it, so it must never read as on/off.
      if (!inArray && key !== undefined) items.push({ key: name, value: BOOL_KEYS.test(name) ? JSON.stringify(s.text) : s.text, from: keyFrom, to: s.end - 1, valueFrom: i + 1, flag: false, opaqueKey: false });
      i = s.end;
    } else {
      const m = LITERAL.exec(v.slice(i, i + 64));
      if (!m) return undefined;
      if (!inArray && key !== undefined) items.push({ key: name, value: m[0], from: keyFrom, to: i + m[0].length, valueFrom: i, flag: false, opaqueKey: false });
      i += m[0].length;
    }
  }
  // Anything but blanks after the top object: not JSON.
  return ws(i) === v.length ? { items, objects } : undefined;
}
