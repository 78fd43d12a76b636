// virt-install and virt-xml command lines: each --disk option string read into the disk model as
// virtinst reads it (virtinst/cli.py: parse_optstr_tuples splits it with a POSIX shlex whose only
// separator is `,`, so '…' and "…" quote and `\` escapes; _parse_optstr_to_dict names a leading
// bare item `path`; ParserDisk._add_advertised_aliases makes `cache` win over `driver.cache` and
// `bus` over `target.bus`; of two aliases of one option (`io`, `driver.io`) the name written
// first-last wins, with its last value). The values are libvirt's, so are the rules and their
// wording: the XML virt-install builds is what libvirt reads. An edit writer rewrites one value in
// place or appends `,key=value` in the same option string.
import type { TextEdit } from '../../types';
import type { Disk, DiskEdits, DiskSyntax, Setting } from '../disk/model';
import { LIBVIRT_REFUSALS } from '../domainXml/domainXml';
import { OPAQUE, plainRange, removeListItem, type ShellWord } from './shellWords';

/** One `key=value` item of an option string, after shlex: its text and where each character was written. */
interface Item {
  key: string;
  /** undefined for a bare `key` (virtinst: no value set). */
  value: string | undefined;
  /** The item's characters as a word of their own (source offsets of each character). */
  word: ShellWord;
  /** Index in `word.value` where the value starts. */
  valueFrom: number;
  /** The item's raw extent in the option word's value, quotes included: [rawFrom, rawTo). */
  rawFrom: number;
  rawTo: number;
}

/** The option word's value split as shlex.shlex(posix=True, whitespace=',', whitespace_split=True) does; undefined where shlex raises. */
function splitItems(w: ShellWord): Item[] | undefined {
  const v = w.value;
  const out: Item[] = [];
  let chars: number[] | undefined;
  let rawFrom = 0;
  let quote: string | undefined;
  const flush = (rawTo: number) => {
    if (!chars) return;
    const text = chars.map((k) => v[k]).join('');
    const word: ShellWord = { value: text, starts: chars.map((k) => w.starts[k]), ends: chars.map((k) => w.ends[k]), start: w.starts[rawFrom], end: w.ends[rawTo - 1] };
    const eq = text.indexOf('=');
    out.push({ key: eq < 0 ? text : text.slice(0, eq), value: eq < 0 ? undefined : text.slice(eq + 1), word, valueFrom: eq < 0 ? text.length : eq + 1, rawFrom, rawTo });
    chars = undefined;
  };
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (quote === '"' && c === '\\' && (v[i + 1] === '"' || v[i + 1] === '\\')) chars!.push(++i);
      else chars!.push(i);
      continue;
    }
    if (c === ',') {
      flush(i);
      continue;
    }
    if (!chars) (chars = []), (rawFrom = i);
    if (c === "'" || c === '"') quote = c;
    else if (c === '\\') {
      if (i + 1 >= v.length) return undefined;
      chars.push(++i);
    } else chars.push(i);
  }
  if (quote) return undefined;
  flush(v.length);
  return out;
}

const TRUE = new Set(['y', 'yes', '1', 'true', 't', 'on']);
const WRITABILITY = new Set(['device', 'readonly', 'perms', 'transient', 'shareable', 'type']);
const isTrue = (v: string | undefined) => TRUE.has((v ?? '').toLowerCase());

/** A setting whose value is not on the line (never judged). */
const unknownAt = (r: { start: number; end: number }, name: string): Setting => ({ name, value: '', valueStart: r.start, valueEnd: r.end, start: r.start, end: r.end, literal: false });

/** How virt-install reached the disk: a new device (virt-install, virt-xml --add-device) or an edit of one whose other settings are not on the line. */
export interface VirtDiskContext {
  program: string;
  /** virt-xml --edit: settings not given keep the domain's values, which the line does not show. */
  edit: boolean;
  /** The connection is QEMU's (virtinst's set_defaults adds cache and io only there); undefined = not known. */
  qemu: boolean | undefined;
  /** --machine, when given literally. */
  machine?: string;
}

/**
 * The disk of one --disk option string, or undefined where virtinst builds none (`none`, a
 * selector of --remove-device) or refuses the string (an unclosed quote, a key without a value).
 */
export function readVirtDisk(option: ShellWord, w: ShellWord, ctx: VirtDiskContext): Disk | undefined {
  const list = splitItems(w);
  if (!list || list.length === 0 || w.value === 'none') return undefined;
  // _parse_optstr_to_dict: a leading item without `=` is the path.
  if (list[0].value === undefined) list[0] = { ...list[0], key: 'path', value: list[0].key, valueFrom: 0 };
  if (list.some((it) => it.value === undefined)) return undefined;
  const firstAt = new Map<string, number>();
  const last = new Map<string, Item>();
  list.forEach((it, i) => {
    if (!firstAt.has(it.key)) firstAt.set(it.key, i);
    last.set(it.key, it);
  });
  /** Of aliases of one option, the one virtinst sets last: the name first written latest. */
  const winner = (...names: string[]) =>
    names.filter((n) => last.has(n)).sort((a, b) => firstAt.get(b)! - firstAt.get(a)!).map((n) => last.get(n)!)[0];
  // An expansion where a key stands, or in a setting that decides whether the disk is written
  // (device=$KIND may be a CD-ROM): the cache and io are then not judged.
  const opaque = list.some((it) => it.key.includes(OPAQUE) || (WRITABILITY.has(it.key) && it.value!.includes(OPAQUE)));
  const cacheItem = last.get('cache') ?? last.get('driver.cache');
  const ioItem = winner('io', 'driver.io');
  const toSetting = (it: Item | undefined, name: string): Setting | undefined => {
    if (!it) return undefined;
    const value = it.value!;
    const hasValue = it.word.value.length > it.valueFrom;
    const valueStart = hasValue ? it.word.starts[it.valueFrom] : it.word.end;
    const valueEnd = hasValue ? it.word.ends[it.word.value.length - 1] : it.word.end;
    return { name, value, valueStart, valueEnd, start: it.word.start, end: it.word.end, literal: !opaque && !value.includes(OPAQUE) };
  };
  const anchor = { start: option.start, end: option.end };
  /** Not on the line: unknown to us (an expansion where a key stands, or virt-xml --edit keeping the domain's value). */
  const unknown = (name: string): Setting | undefined => (opaque || ctx.edit ? unknownAt(anchor, name) : undefined);
  // `cache=` with nothing after it sets no cache (virtinst turns '' into None).
  const cache = cacheItem?.value ? toSetting(cacheItem, cacheItem.key) : unknown('cache');
  // An edit that sets no io is judged as if the disk had none: its cache value alone is still worth a word.
  const io = ioItem?.value ? toSetting(ioItem, ioItem.key) : opaque ? unknownAt(anchor, 'io') : undefined;

  const val = (k: string) => last.get(k)?.value;
  const path = val('path') ?? val('source.file') ?? val('source.dev');
  const perms = val('perms');
  const protocol = val('source.protocol');
  const type = val('type') ?? (protocol ? 'network' : val('source.dev') || path?.startsWith('/dev/') ? 'block' : 'file');
  const device = val('device') ?? 'disk';
  const format = last.get('driver.type') ?? last.get('format');
  const shareable = perms === 'sh' ? last.get('perms') : isTrue(val('shareable')) ? last.get('shareable') : undefined;
  const disk: Disk = {
    anchor,
    cacheAnchor: anchor,
    type,
    device,
    format: format && toSetting(format, format.key),
    cache,
    io,
    readonly: perms === 'ro' || isTrue(val('readonly')),
    transient: isTrue(val('transient')),
    protocol,
    hasMedia: !!(path || val('vol') || val('size') || val('source.volume') || val('source.name')),
    edits: virtEdits(w, list, cacheItem, ioItem),
    syntax: virtSyntax(ctx.program, cacheItem?.key ?? 'cache', ioItem?.key ?? 'driver.io'),
  };
  if (shareable) disk.shareable = { start: shareable.word.start, end: shareable.word.end };
  if (ctx.machine) disk.machine = ctx.machine;
  // DeviceDisk.set_defaults: on a QEMU connection a block device with no cache or io gets
  // cache='none' and io='native' (a cache given alone keeps io='native', which then needs O_DIRECT).
  if (!ctx.edit && device === 'disk' && type === 'block') {
    if (ctx.qemu === true) {
      if (!cache) disk.defaultCache = { mode: 'none', shown: `no cache mode (${ctx.program} then writes cache='none' for a block device)` };
      if (!io) disk.defaultIo = { mode: 'native', shown: `no io mode: ${ctx.program} then writes io='native' for a block device, which` };
    } else if (ctx.qemu === undefined) {
      // Not known whether it adds them.
      disk.cache ??= unknownAt(anchor, 'cache');
      disk.io ??= unknownAt(anchor, 'io');
    }
  }
  return disk;
}

function virtSyntax(program: string, cacheKey: string, ioKey: string): DiskSyntax {
  return {
    show: (name, value) => `${name === 'io' ? ioKey : name === 'cache' ? cacheKey : name}=${value}`,
    program: 'libvirt',
    refuses: `refuses the domain ${program} builds`,
    shareableMark: 'shareable=on',
    refusal: LIBVIRT_REFUSALS,
  };
}

function virtEdits(w: ShellWord, list: Item[], cacheItem: Item | undefined, ioItem: Item | undefined): DiskEdits {
  const bySetting = (s: Setting) => list.find((it) => it.word.start === s.start && it.value !== undefined);
  const replace = (it: Item | undefined, value: string): TextEdit[] | undefined => {
    const r = it && plainRange(it.word, it.valueFrom, it.word.value.length);
    return r && [{ start: r.start, end: r.end, newText: value }];
  };
  const set = (it: Item | undefined, key: string, value: string): TextEdit[] | undefined => {
    if (it) return replace(it, value);
    // Appended inside the word's own quotes; an escaped last character stays as it was.
    const n = w.value.length;
    if (n === 0) return undefined;
    return [{ start: w.ends[n - 1], end: w.ends[n - 1], newText: `,${key}=${value}` }];
  };
  return {
    setCache: (mode) => set(cacheItem, 'cache', mode),
    setIo: (mode) => set(ioItem, 'driver.io', mode),
    replace: (s, value) => replace(bySetting(s), value),
    remove: (s) => {
      const it = bySetting(s);
      return it && removeListItem(w, it.rawFrom, it.rawTo);
    },
  };
}

/** The option's value: the next word after `--disk`, or the rest of `--disk=…`. */
function optionValue(args: readonly ShellWord[], i: number, name: string): { value: ShellWord; next: number } | undefined {
  const a = args[i];
  if (a.value === name) return i + 1 < args.length ? { value: args[i + 1], next: i + 1 } : undefined;
  if (!a.value.startsWith(`${name}=`)) return undefined;
  const k = name.length + 1;
  const value: ShellWord = { value: a.value.slice(k), starts: a.starts.slice(k), ends: a.ends.slice(k), start: a.starts[k] ?? a.end, end: a.end };
  return { value, next: i };
}

/** Whether a literal libvirt URI is QEMU's (virtinst's conn.is_qemu: the scheme starts with qemu). */
function isQemuUri(uri: string): boolean | undefined {
  return uri.includes(OPAQUE) ? undefined : /^qemu/.test(uri);
}

/**
 * The disks of a virt-install or virt-xml invocation (the program name without its directory,
 * and its argument words). virt-xml --remove-device names disks to remove: none read; --edit
 * changes an existing disk: only what the line sets is judged. Without --connect virtinst uses
 * libvirt's default URI, QEMU's on a KVM host.
 */
export function virtInstallDisks(program: string, args: readonly ShellWord[]): Disk[] {
  const edit = program === 'virt-xml' && args.some((a) => a.value === '--edit' || a.value.startsWith('--edit='));
  if (program === 'virt-xml' && args.some((a) => a.value === '--remove-device')) return [];
  let qemu: boolean | undefined = true;
  let machine: string | undefined;
  const options: [ShellWord, ShellWord][] = [];
  for (let i = 0; i < args.length; i++) {
    const v = args[i].value;
    if (v === '--') break;
    // virt-install's -c is --cdrom; virt-xml's is --connect.
    const connect = optionValue(args, i, '--connect') ?? (program === 'virt-xml' ? optionValue(args, i, '-c') : undefined);
    if (connect) {
      qemu = isQemuUri(connect.value.value);
      i = connect.next;
      continue;
    }
    const m = optionValue(args, i, '--machine');
    if (m) {
      machine = m.value.value.includes(OPAQUE) ? undefined : m.value.value;
      i = m.next;
      continue;
    }
    const disk = optionValue(args, i, '--disk');
    if (disk) {
      options.push([args[i], disk.value]);
      i = disk.next;
    }
  }
  const ctx: VirtDiskContext = { program, edit, qemu, ...(machine ? { machine } : {}) };
  return options.map(([option, value]) => readVirtDisk(option, value, ctx)).filter((d): d is Disk => !!d);
}
