// Packer's QEMU builder (hashicorp/packer-plugin-qemu, builder/qemu): what a template's qemu
// sources run, whatever syntax they are written in (hcl.ts, json.ts read them into PackerSource).
// - disk_cache goes to `-drive …,cache=` of every disk Packer attaches (step_run.go
//   getDeviceAndDriveArgs): a disk for the disk rules, its values those config.go accepts.
// - qemuargs: each inner list is one option, its first string the option and the others joined
//   with no separator into its argument (step_run.go applyUserOverrides); a -drive there
//   replaces every drive Packer would add, so disk_cache, disk_discard and disk_detect_zeroes
//   then reach no disk (rule packer-disk-settings-ignored).
// - qemu_img_args.convert/create/resize: argument words put right after the subcommand
//   (step_convert_disk.go buildConvertCommand and its create/resize peers).
// - disk_discard and disk_detect_zeroes: Packer's config.go Prepare refuses values outside its
//   lists (rule packer-disk-option-invalid).
import type { Finding, TextEdit } from '../../types';
import { lintDisks } from '../disk';
import { fix, type Disk, type DiskSyntax, type Range, type Setting } from '../disk/model';
import { suggestValue } from '../cacheModes';
import { OPAQUE, plainRange, type ShellWord } from '../commandLine/shellWords';
import { lintCommands } from '../commandLine/shellScript';

/** A `name = value` attribute of a qemu source. */
export interface PackerAttr {
  /** The attribute's name as written. */
  key: Range;
  /** Name to end of value. */
  whole: Range;
  /** The value when it is one string (templates opaque); undefined for any other expression. */
  value?: ShellWord;
  /** Deletes the attribute, where the reader can. */
  remove?: TextEdit[];
}

export interface PackerSource {
  /** Where findings about the source as a whole go (its name label, its builder's "type"). */
  anchor: Range;
  attrs: Map<string, PackerAttr>;
  /** qemuargs: the inner lists, each string a word; a non-string element is one OPAQUE word. */
  qemuargs?: { key: Range; lists: ShellWord[][] };
  /** qemu_img_args: the words of convert, create and resize. */
  qemuImgArgs: Map<string, { key: Range; words: ShellWord[] }>;
  syntax: 'hcl' | 'json';
}

/** config.go's diskCache, diskDiscard and diskDZeroes maps (exact, case-sensitive lookups). */
export const PACKER_DISK_CACHE = ['writethrough', 'writeback', 'none', 'unsafe', 'directsync'] as const;
export const PACKER_DISK_OPTIONS: Readonly<Record<string, { values: readonly string[]; fallback: string; error: string }>> = {
  disk_discard: { values: ['unmap', 'ignore'], fallback: 'ignore', error: 'unrecognized disk discard type' },
  disk_detect_zeroes: { values: ['unmap', 'on', 'off'], fallback: 'off', error: 'unrecognized disk detect zeroes setting' },
};

/** An attribute as the user writes it in this syntax. */
export function showAttr(syntax: PackerSource['syntax'], name: string, value: string): string {
  return syntax === 'hcl' ? `${name} = "${value}"` : `"${name}": "${value}"`;
}

/** Replaces a string value where it is written character for character. */
function replaceValue(w: ShellWord | undefined, value: string): TextEdit[] | undefined {
  const r = w && plainRange(w, 0, w.value.length);
  return r && [{ start: r.start, end: r.end, newText: value }];
}

/** The setting of a string value; an empty one is none (config.go puts the default in its place). */
function settingOf(name: string, a: PackerAttr): Setting | undefined {
  const w = a.value;
  if (!w || w.value === '') return undefined;
  return {
    name,
    value: w.value,
    valueStart: w.starts[0],
    valueEnd: w.ends[w.value.length - 1],
    start: a.whole.start,
    end: a.whole.end,
    literal: !w.value.includes(OPAQUE),
  };
}

function packerSyntax(syntax: PackerSource['syntax']): DiskSyntax {
  return {
    show: (name, value) => showAttr(syntax, name === 'cache' ? 'disk_cache' : name, value),
    program: 'QEMU',
    refuses: 'refuses to start',
    shareableMark: 'share-rw=on',
    cacheModes: PACKER_DISK_CACHE,
    valueReader: { program: 'Packer', refuses: 'refuses the template ("unrecognized disk cache type")' },
  };
}

/** The disk that disk_cache configures (every disk Packer attaches gets the same -drive cache=). */
function cacheDisk(s: PackerSource, a: PackerAttr): Disk | undefined {
  const cache = settingOf('cache', a);
  if (!cache) return undefined;
  return {
    anchor: a.key,
    cacheAnchor: a.key,
    type: 'file',
    device: 'disk',
    cache,
    readonly: false,
    transient: false,
    hasMedia: true,
    defaultCache: { mode: 'writeback', shown: "no disk_cache (Packer's default, writeback)" },
    edits: {
      setCache: (mode) => replaceValue(a.value, mode),
      setIo: () => undefined,
      replace: (_, value) => replaceValue(a.value, value),
      remove: () => a.remove,
    },
    syntax: packerSyntax(s.syntax),
  };
}

/** A word standing for a part Packer adds itself (the program, the subcommand), placed at `at`. */
function implied(value: string, at: Range): ShellWord {
  return { value, starts: [], ends: [], start: at.start, end: at.end };
}

/** One qemuargs list as QEMU gets it: the option, then the rest joined into one argument when not empty. */
function optionWords(list: ShellWord[]): ShellWord[] {
  if (list.length <= 1) return list;
  const rest = list.slice(1);
  const arg: ShellWord = { value: '', starts: [], ends: [], start: rest[0].start, end: rest[rest.length - 1].end };
  for (const w of rest) {
    arg.value += w.value;
    arg.starts.push(...w.starts);
    arg.ends.push(...w.ends);
  }
  return arg.value === '' ? [list[0]] : [list[0], arg];
}

/** disk_discard / disk_detect_zeroes values config.go refuses. */
function optionInvalid(s: PackerSource): Finding[] {
  const out: Finding[] = [];
  for (const [name, o] of Object.entries(PACKER_DISK_OPTIONS)) {
    const a = s.attrs.get(name);
    const w = a?.value;
    if (!a || !w || w.value === '' || w.value.includes(OPAQUE) || o.values.includes(w.value)) continue;
    const suggestion = suggestValue(w.value, o.values);
    const start = w.starts[0];
    const end = w.ends[w.value.length - 1];
    out.push({
      rule: 'packer-disk-option-invalid',
      severity: 'error',
      message: `${showAttr(s.syntax, name, w.value.slice(0, 40))} is not a value Packer's QEMU builder accepts, so it refuses the template ("${o.error}"). ${suggestion ? `Did you mean '${suggestion}'?` : `Use one of ${o.values.join(', ')} (without it: ${o.fallback}).`}`,
      start,
      end,
      fixes: suggestion ? fix(`Change to ${showAttr(s.syntax, name, suggestion)}`, replaceValue(w, suggestion), true) : [],
    });
  }
  return out;
}

/** disk_* settings written beside a qemuargs -drive, which replaces the drives they configure. */
function settingsIgnored(s: PackerSource): Finding[] {
  const drive = s.qemuargs?.lists.find((l) => l[0]?.value === '-drive');
  if (!drive) return [];
  const out: Finding[] = [];
  for (const name of ['disk_cache', 'disk_discard', 'disk_detect_zeroes']) {
    const a = s.attrs.get(name);
    if (!a) continue;
    out.push({
      rule: 'packer-disk-settings-ignored',
      severity: 'warning',
      message: `${name} has no effect here: qemuargs sets -drive, and Packer then passes only the qemuargs drives to QEMU, none of its own, so nothing reads ${name}. Put the setting into the qemuargs -drive (cache=, discard=, detect-zeroes=), or remove ${name}.`,
      start: a.key.start,
      end: a.key.end,
      fixes: fix(`Remove ${name}`, a.remove),
      related: [{ start: drive[0].start, end: drive[drive.length - 1].end, message: 'This -drive replaces the drives Packer would add.' }],
    });
  }
  return out;
}

/** The command lines a source runs, as its options reach QEMU and qemu-img (what the rules and hovers read). */
export function packerCommands(s: PackerSource): ShellWord[][] {
  const commands: ShellWord[][] = [];
  if (s.qemuargs) commands.push([implied('qemu-system-x86_64', s.qemuargs.key), ...s.qemuargs.lists.flatMap(optionWords)]);
  for (const [sub, args] of s.qemuImgArgs) commands.push([implied('qemu-img', args.key), implied(sub, args.key), ...args.words]);
  return commands;
}

/** The findings of a template's qemu sources. */
export function lintPackerSources(sources: readonly PackerSource[]): Finding[] {
  const out: Finding[] = [];
  const commands: ShellWord[][] = [];
  for (const s of sources) {
    commands.push(...packerCommands(s));
    out.push(...optionInvalid(s), ...settingsIgnored(s));
    const cache = s.attrs.get('disk_cache');
    const disk = cache && cacheDisk(s, cache);
    if (!disk) continue;
    // Beside a qemuargs -drive the cache reaches no disk: only Packer's own check of the value stands.
    const ignored = s.qemuargs?.lists.some((l) => l[0]?.value === '-drive');
    out.push(...lintDisks([disk]).filter((f) => !ignored || f.rule === 'cache-invalid'));
  }
  out.push(...lintCommands(commands));
  return out;
}
