// Edits of one KubeVirt disk (an item of `disks:`), in YAML as the user wrote it: a value is
// changed inside its scalar (quotes kept), a missing key gets a line of its own beside `name:`
// (or `, key: value` in a flow mapping), and a removed key takes its whole line with it.
import { isScalar, type Pair, type YAMLMap } from 'yaml';
import type { TextEdit } from '../../types';
import type { DiskEdits, Setting } from '../disk/model';

/** The value of a scalar as it sits between its quotes: what a fix replaces. */
export function scalarInner(text: string, node: { type?: string | null; range?: readonly number[] | null }): { start: number; end: number } | undefined {
  const r = node.range;
  if (!r) return undefined;
  const inner = (start: number, end: number) => (text.slice(start, end).includes('\n') ? undefined : { start, end });
  if (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') {
    // An unclosed quote runs on to where the parser gave up: not a value anyone can judge.
    const q = node.type === 'QUOTE_DOUBLE' ? '"' : "'";
    return r[1] - r[0] >= 2 && text[r[1] - 1] === q ? inner(r[0] + 1, r[1] - 1) : undefined;
  }
  if (node.type === 'PLAIN') return inner(r[0], r[1]);
  return undefined; // block scalars (`|`, `>`): not edited
}

const keyStart = (p: Pair): number | undefined => (isScalar(p.key) ? p.key.range?.[0] : undefined);
const valueEnd = (p: Pair): number | undefined => (isScalar(p.value) ? p.value.range?.[1] : undefined);

function lineBounds(text: string, at: number): { start: number; end: number } {
  const start = text.lastIndexOf('\n', at - 1) + 1;
  const nl = text.indexOf('\n', at);
  let end = nl < 0 ? text.length : nl;
  if (end > start && text[end - 1] === '\r') end--;
  return { start, end };
}

/** `eol`: the file's line break, for an inserted line. */
export function diskEdits(text: string, eol: string, map: YAMLMap, key: (name: string) => Pair | undefined): DiskEdits {
  const pairs = map.items as Pair[];
  const replaceValue = (p: Pair, value: string): TextEdit[] | undefined => {
    const inner = isScalar(p.value) ? scalarInner(text, p.value) : undefined;
    return inner && [{ start: inner.start, end: inner.end, newText: value }];
  };
  const insert = (name: string, value: string): TextEdit[] | undefined => {
    if (map.flow) {
      const last = pairs[pairs.length - 1];
      const end = last && valueEnd(last);
      return end === undefined ? undefined : [{ start: end, end, newText: `, ${name}: ${value}` }];
    }
    // A line of its own after `name:` (a disk always has one), indented as that key.
    const anchor = key('name') ?? pairs.find((p) => valueEnd(p) !== undefined);
    const ks = anchor && keyStart(anchor);
    const ve = anchor && valueEnd(anchor);
    if (ks === undefined || ve === undefined || text.slice(ks, ve).includes('\n')) return undefined;
    const col = ks - lineBounds(text, ks).start;
    const at = lineBounds(text, ve).end;
    return [{ start: at, end: at, newText: `${eol}${' '.repeat(col)}${name}: ${value}` }];
  };
  const set = (name: string, value: string) => {
    const p = key(name);
    return p ? replaceValue(p, value) : insert(name, value);
  };
  const pairOf = (s: Setting) => pairs.find((p) => keyStart(p) === s.start);
  return {
    setCache: (mode) => set('cache', mode),
    setIo: (mode) => set('io', mode),
    replace: (s, value) => {
      const p = pairOf(s);
      return p && replaceValue(p, value);
    },
    remove: (s) => {
      const p = pairOf(s);
      const ks = p && keyStart(p);
      const ve = p && valueEnd(p);
      if (!p || ks === undefined || ve === undefined) return undefined;
      const i = pairs.indexOf(p);
      const next = pairs[i + 1] && keyStart(pairs[i + 1]);
      if (!map.flow) {
        const line = lineBounds(text, ks);
        const own = /^[ \t]*$/.test(text.slice(line.start, ks)) && lineBounds(text, ve).start === line.start;
        if (own) {
          // The whole line, its line break and any comment after the value included.
          const nl = text.indexOf('\n', ve);
          return [{ start: line.start, end: nl < 0 ? text.length : nl + 1, newText: '' }];
        }
        // `- cache: none` opening a sequence item: the next key moves up after the dash.
        return next === undefined ? undefined : [{ start: ks, end: next, newText: '' }];
      }
      if (next !== undefined) return [{ start: ks, end: next, newText: '' }];
      const prev = i > 0 ? valueEnd(pairs[i - 1]) : undefined;
      return prev === undefined ? undefined : [{ start: prev, end: ve, newText: '' }];
    },
  };
}
