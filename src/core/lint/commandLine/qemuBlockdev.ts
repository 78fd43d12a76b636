// QEMU's -blockdev option in its dotted key=value form (util/keyval.c keyval_parse: `,,` is a
// comma, every key needs `=`, the last of a repeated key wins), read into the disk model. A
// -blockdev names a node and, inline, its children (`file.driver=file,file.aio=native`). Two
// settings matter here, and each becomes a disk for the disk rules:
// - `aio` on a file, host_device or host_cdrom node: raw_open_common (block/file-posix.c) refuses
//   aio=native unless that node has cache.direct=on, its own or inherited from an inline parent
//   (bdrv_inherited_options in block.c copies cache.direct and cache.no-flush down to children
//   that do not set them); -blockdev's default is cache.direct=off. Read as cache=none (direct)
//   or cache=writeback, so io-native-needs-direct judges it.
// - `cache.no-flush=on`: the node drops every flush (BDRV_O_NO_FLUSH), what -drive's cache=unsafe
//   sets. Read as cache=unsafe, so cache-unsafe judges it.
// Booleans are QAPI's keyval words (qapi_bool_parse: on/yes/true/y, off/no/false/n, case as
// written), JSON's true and false in the JSON form (blockdevJson.ts); anything else QEMU refuses,
// and it is not judged here.
import type { TextEdit } from '../../types';
import type { Disk, DiskEdits, DiskSyntax, Setting } from '../disk/model';
import { items, type Item } from './qemuDrive';
import { blockdevJson, type JsonObject } from './blockdevJson';
import { OPAQUE, plainRange, type ShellWord } from './shellWords';

const TRUE = new Set(['on', 'yes', 'true', 'y']);
const FALSE = new Set(['off', 'no', 'false', 'n']);
/** The options read here, after the node's prefix (`file.`, `file.file.`, `backing.`…). */
const KEY = /^((?:[A-Za-z0-9_-]+\.)*?)(aio|cache\.direct|cache\.no-flush|cache|driver|read-only)$/;
/** Drivers whose nodes take `aio` (BlockdevOptionsFile in qapi/block-core.json). */
const FILE_DRIVERS = new Set(['file', 'host_device', 'host_cdrom']);

interface Node {
  driver?: Item;
  aio?: Item;
  direct?: Item;
  noFlush?: Item;
  readOnly?: Item;
  /** -drive's `cache=none` written on a -blockdev: QEMU wants an object there. */
  cacheValue?: Item;
}

const FIELD: Record<string, keyof Node> = { aio: 'aio', 'cache.direct': 'direct', 'cache.no-flush': 'noFlush', cache: 'cacheValue', driver: 'driver', 'read-only': 'readOnly' };

/** The parent prefix of a node prefix: `file.file.` → `file.`, `file.` → ``. */
const parentOf = (prefix: string) => prefix.slice(0, prefix.lastIndexOf('.', prefix.length - 2) + 1);

function blockdevSyntax(prefix: string, noFlush: boolean): DiskSyntax {
  return {
    show: (name, value) => {
      if (name === 'io' || name === 'aio') return `${prefix}aio=${value}`;
      if (name !== 'cache') return `${prefix}${name}=${value}`;
      if (noFlush) return `${prefix}cache.no-flush=${value === 'unsafe' ? 'on' : 'off'}`;
      return value === 'none' ? `${prefix}cache.direct=on` : value === 'writeback' ? `${prefix}cache.direct=off` : `cache=${value}`;
    },
    program: 'QEMU',
    refuses: 'refuses to start',
    shareableMark: 'share-rw=on',
    // QEMU 7.2's words: qobject input visitor (an enum value it does not know), raw_open_common.
    refusal: {
      'cache-invalid': ` ("Parameter 'NAME' does not accept value …")`,
      'io-native-needs-direct': ' ("aio=native was specified, but it requires cache.direct=on, which was not specified.")',
    },
  };
}

/** The disks of one -blockdev, in key=value or JSON form; none for a value that is not literal where a key stands, or one QEMU refuses to parse. */
export function readBlockdev(option: ShellWord, w: ShellWord): Disk[] {
  const json = w.value.startsWith('{') ? blockdevJson(w.value) : undefined;
  if (w.value.startsWith('{') && !json) return [];
  const list = json ? json.items : items(w.value);
  // An expansion where a key stands may set anything; a key without `=` makes QEMU refuse the option.
  if (list.some((it) => it.opaqueKey || it.flag)) return [];
  const write = json ? jsonWriter(w, json.objects) : keyvalWriter(w);
  const nodes = new Map<string, Node>();
  for (const it of list) {
    const m = KEY.exec(it.key);
    if (!m) continue;
    const node = nodes.get(m[1]) ?? {};
    node[FIELD[m[2]]] = it;
    nodes.set(m[1], node);
  }
  /** A cache flag of the node, its own or its inline parents'. */
  const inherited = (prefix: string, field: 'direct' | 'noFlush' | 'readOnly'): Item | undefined => {
    for (let p = prefix; ; p = parentOf(p)) {
      const own = nodes.get(p)?.[field];
      if (own || p === '') return own;
    }
  };
  const anchor = { start: option.start, end: option.end };
  const out: Disk[] = [];
  for (const [prefix, node] of nodes) {
    const driver = node.driver?.value ?? '';
    const readonly = TRUE.has(inherited(prefix, 'readOnly')?.value ?? '');
    const base = {
      anchor,
      cacheAnchor: anchor,
      type: driver === 'host_device' || driver === 'host_cdrom' ? 'block' : FILE_DRIVERS.has(driver) ? 'file' : 'network',
      device: driver === 'host_cdrom' ? 'cdrom' : 'disk',
      readonly,
      transient: false,
      hasMedia: true,
    };
    if (node.aio && (FILE_DRIVERS.has(driver) || driver.includes(OPAQUE))) {
      const direct = inherited(prefix, 'direct');
      const mode = direct && (TRUE.has(direct.value) ? 'none' : FALSE.has(direct.value) ? 'writeback' : undefined);
      const disk: Disk = {
        ...base,
        io: setting(w, node.aio, 'aio', node.aio.value),
        cache: direct && setting(w, direct, 'cache', mode ?? direct.value, mode !== undefined),
        edits: flagEdits(w, list, prefix, 'cache.direct', node.direct, write),
        syntax: blockdevSyntax(prefix, false),
      };
      if (!direct) disk.defaultCache = { mode: 'writeback', shown: `no ${prefix}cache.direct=on (-blockdev leaves it off)` };
      out.push(disk);
    }
    if (node.cacheValue) {
      // cache-invalid, in QEMU's words (the QAPI input visitor: "Invalid parameter type for 'cache', expected: object").
      out.push({
        ...base,
        cache: setting(w, node.cacheValue, node.cacheValue.key, node.cacheValue.value),
        edits: flagEdits(w, list, prefix, 'cache.direct', node.direct, write),
        syntax: {
          ...blockdevSyntax(prefix, false),
          show: (name, value) => `${name}=${value}`,
          cacheModes: [`${prefix}cache.direct=on`, `${prefix}cache.direct=off`],
          refusal: { 'cache-invalid': ` ("Invalid parameter type for 'NAME', expected: object": -blockdev has no cache modes, only cache.direct and cache.no-flush)` },
        },
      });
    }
    if (node.noFlush && TRUE.has(node.noFlush.value)) {
      out.push({
        ...base,
        cache: setting(w, node.noFlush, 'cache', 'unsafe'),
        edits: flagEdits(w, list, prefix, 'cache.no-flush', node.noFlush, write),
        syntax: blockdevSyntax(prefix, true),
      });
    }
  }
  return out;
}

/** A flag or aio item as a setting whose value is the disk model's (cache.direct=on reads as cache=none). */
function setting(w: ShellWord, it: Item, name: string, value: string, literal = true): Setting {
  const whole = { start: w.starts[it.from], end: w.ends[it.to - 1] };
  const hasValue = it.to > it.valueFrom;
  return {
    name,
    value,
    valueStart: hasValue ? w.starts[it.valueFrom] : whole.end,
    valueEnd: hasValue ? w.ends[it.to - 1] : whole.end,
    start: whole.start,
    end: whole.end,
    literal: literal && !it.value.includes(OPAQUE),
  };
}

/** How a form writes a boolean, and a flag a node does not have yet. */
interface FlagWriter {
  bool(on: boolean): string;
  add(prefix: string, flag: 'cache.direct' | 'cache.no-flush', on: boolean): TextEdit[] | undefined;
}

/** key=value: `,file.cache.direct=on` at the end of the word. */
function keyvalWriter(w: ShellWord): FlagWriter {
  return {
    bool: (on) => (on ? 'on' : 'off'),
    add: (prefix, flag, on) => {
      const n = w.value.length;
      if (n === 0 || w.value[n - 1] === ',') return undefined;
      return [{ start: w.ends[n - 1], end: w.ends[n - 1], newText: `,${prefix}${flag}=${on ? 'on' : 'off'}` }];
    },
  };
}

/** JSON: a member of the node's "cache" object, or a new "cache" object in the node's object. */
function jsonWriter(w: ShellWord, objects: Map<string, JsonObject>): FlagWriter {
  const insert = (at: number, text: string): TextEdit[] | undefined => {
    const r = plainRange(w, at, at);
    return r && [{ start: r.start, end: r.start, newText: text }];
  };
  return {
    bool: (on) => (on ? 'true' : 'false'),
    add: (prefix, flag, on) => {
      const member = `"${flag.slice('cache.'.length)}":${on}`;
      const cache = objects.get(`${prefix}cache.`);
      if (cache) return insert(cache.open + 1, cache.members > 0 ? `${member},` : member);
      const node = objects.get(prefix);
      return node && insert(node.close, `${node.members > 0 ? ',' : ''}"cache":{${member}}`);
    },
  };
}

/**
 * Edits of one node's flag (`cache.direct` on an aio node, `cache.no-flush` on a no-flush node):
 * setCache(none) turns it on (direct) or off (no-flush), rewriting the node's own item or
 * adding one; the io value is rewritten in place.
 */
function flagEdits(w: ShellWord, list: Item[], prefix: string, flag: 'cache.direct' | 'cache.no-flush', own: Item | undefined, write: FlagWriter): DiskEdits {
  const replace = (it: Item | undefined, value: string): TextEdit[] | undefined => {
    const r = it ? plainRange(w, it.valueFrom, it.to) : undefined;
    return r && [{ start: r.start, end: r.end, newText: value }];
  };
  const setFlag = (on: boolean): TextEdit[] | undefined => (own ? replace(own, write.bool(on)) : write.add(prefix, flag, on));
  const byValue = (s: Setting) => list.find((it) => w.starts[it.from] === s.start);
  return {
    // Only the flag's own meaning: no-flush off keeps whatever cache.direct says.
    setCache: (mode) => (flag === 'cache.direct' ? (mode === 'none' ? setFlag(true) : undefined) : mode === 'unsafe' ? undefined : mode === 'none' ? setFlag(false) : undefined),
    setIo: (mode) => replace(list.find((it) => it.key === `${prefix}aio`), mode),
    replace: (s, value) => replace(byValue(s), value),
    remove: () => undefined,
  };
}
