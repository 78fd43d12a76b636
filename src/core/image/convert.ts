// The convert pipeline (sources.md H): inspect in process, confirm with `qemu-img info` under
// limits, measure the space it needs, choose the target cache, `qemu-img convert` into
// <target>.part (for a cloud target through a raw intermediate it owns), fsync, re-inspect and
// check the cloud's requirements, rename. The API below is the contract that the CLI and the
// editor use.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { targetArgs } from './convertOptions';
import { CompressionType, chooseCompression, zstdSupport } from './compression';
import { CLOUD_TARGETS, CloudTarget, checkCloudOutput, roundUp } from './cloudTargets';
import { freeSpaceOf, judgeSpace, measureRequired, spaceNeeds } from './freeSpace';
import { GCE_MEMBER, writeGceTar } from './gceTar';
import { ImageOpenError, InspectResult, inspectImage, inspectSource as inspectOpenImage } from './imageInspector';
import { OpenedImage, openImage } from './inspectRead';
import { infoProblems, otherFileFailure, qemuSourceFor, type QemuSource } from './imageVerdict';
import { ProbeError, probeODirect } from './odirect';
import { ProgressParser, ProgressTracker } from './progress';
import { ImageInfo, checkQemuImg, imageInfo, locateQemuImg, quoteArgv, runQemuImg } from './qemuImg';
import { ExplainContext, QemuImgError, explainQemuImgStderr, explainSignal } from './qemuImgErrors';
import type { Remedy } from '../remedy';
import { rawReadsAsText } from './textContent';

export type TargetFormat = 'raw' | 'qcow2' | 'vmdk' | 'vdi' | 'vhdx' | 'vpc';

export interface ConvertOptions {
  /** qcow2 (and streamOptimized vmdk) compression: -c. */
  compress?: boolean;
  /**
   * qcow2 compression algorithm. Default: zstd where the qemu-img supports it, else zlib (with a
   * note). zlib for readers older than QEMU 5.1 or built without zstd.
   */
  compressionType?: CompressionType;
  /** -o preallocation=… (raw: off|falloc|full; qcow2: off|metadata|falloc|full). */
  preallocation?: string;
  /** VMDK subformat: monolithicSparse (default) or streamOptimized; vhdx/vpc: dynamic or fixed. */
  subformat?: string;
}

export interface ConvertProgress {
  /** 0..100, never decreasing. */
  percent: number;
  /** Source bytes per second so far, when known. */
  bytesPerSecond?: number;
  /** Estimated seconds left, when known. */
  secondsLeft?: number;
}

export interface ConvertRequest {
  source: string;
  target: string;
  /** What the user says the source is; checked against its content. Default: what the inspector finds. */
  sourceFormat?: string;
  targetFormat: TargetFormat;
  options?: ConvertOptions;
  /** Replace an existing target (the caller asked the user). */
  overwrite?: boolean;
  /**
   * Write what this cloud's image import accepts (cloudTargets.ts): targetFormat must be the
   * target's format; its subformat is set here; the size is rounded where the cloud wants it.
   */
  cloud?: CloudTarget;
  /** Allow a source with a backing file (setting; off by default). */
  allowBackingFile?: boolean;
  /** Convert a source whose content looks like text as raw (the user was asked; off by default). */
  allowText?: boolean;
  qemuImgPath?: string;
  signal?: AbortSignal;
  onProgress?: (p: ConvertProgress) => void;
  /** One line at a time, for the log channel / --verbose: argv, cache choice and why, timings, stderr. */
  log?: (line: string) => void;
}

export interface ConvertResult {
  target: string;
  sourceFormat: string;
  targetFormat: TargetFormat;
  /** Size of the disk the image holds (qemu-img info's virtual size of the source). */
  virtualSize: number;
  cacheMode: 'none' | 'writeback';
  cacheReason: string;
  argv: string[];
  seconds: number;
  /** Bytes the source occupies on disk (allocated, not virtual). */
  sourceBytes: number;
  /** Bytes the target occupies on disk (allocated, not virtual). */
  targetBytes: number;
  /** The destination it was written for (convert --for). */
  cloud?: CloudTarget;
  /** qcow2 compression used, when compressed. */
  compressionType?: CompressionType;
  /** Things the user should know about this result (e.g. zstd unavailable, so zlib): one sentence each. */
  notes: string[];
}

export type ConvertErrorKind =
  | 'refused' // the inspector or qemu-img info found something unsafe
  | 'looks-like-text' // raw source whose content reads as text: converted only when allowText
  | 'format-mismatch'
  | 'not-found'
  | 'exists'
  | 'same-file'
  | 'qemu-img-missing'
  | 'in-use'
  | 'no-space'
  | 'permission'
  | 'cancelled'
  | 'invalid-options' // added: a target option that does not fit the format, found before running
  | 'failed';

export class ConvertError extends Error {
  constructor(
    readonly kind: ConvertErrorKind,
    message: string,
    readonly file?: string,
    readonly stderr?: string,
    /** What the user can do about it; each front words it (remedy.ts). */
    readonly remedies: readonly Remedy[] = [],
  ) {
    super(message);
    this.name = 'ConvertError';
  }
}

/*
 * Source cache -T, -m and -W, decided from bench/convert (bench/README.md, "Convert": 2 GiB
 * virtual, 1.1 GiB of data, warm page cache, ext4 on virtio, 2 cores shared with other jobs).
 * Medians, two runs (5 and 7 rounds), qcow2→raw / raw→qcow2, all with -t none:
 * - -T writeback (qemu-img's default) stays. -T none took 1.71× / 1.84× (run 1) and 2.30× /
 *   2.09× (run 2) as long as -T writeback: it gives up the page cache the source is usually in
 *   (just downloaded or copied), and it needs O_DIRECT on the source's filesystem too. Reads
 *   need no flushing, so -T none buys no durability.
 * - -m stays at 8: -m 16 took 0.98× / 0.92× (run 1) and 1.20× / 1.08× (run 2) of -m 8's time,
 *   no consistent gain.
 * - no -W: qemu-img's docs recommend it only for preallocated block devices and rule it out with
 *   compression; -t writeback -m 16 -W took 2.60× / 2.08× the -t none time.
 * With these, convertImage took 0.93× / 1.01× and 0.99× / 1.02× of the identical plain
 * `qemu-img convert -t none` (its checks, fsyncs and re-inspection add about 30 ms).
 */
const SOURCE_CACHE = 'writeback';

/** qemu-img names the user may type for a source, mapped to the `-f` value. */
const FORMAT_ALIASES: Record<string, string> = { vhd: 'vpc', img: 'raw' };

const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;

function fromQemuImgError(e: unknown): never {
  if (e instanceof QemuImgError) {
    const kind: ConvertErrorKind =
      e.kind === 'o-direct' ? 'failed' : e.kind === 'limits' ? 'refused' : e.kind;
    throw new ConvertError(kind, e.message, e.file, e.stderr, e.remedies);
  }
  throw e;
}

function throwIfCancelled(signal: AbortSignal | undefined, source: string): void {
  if (signal?.aborted) throw new ConvertError('cancelled', `Conversion of ${source} was cancelled; nothing was written.`, source);
}

async function statOrUndefined(file: string): Promise<fs.Stats | undefined> {
  try {
    return await fs.promises.stat(file);
  } catch (e) {
    if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return undefined;
    throw e;
  }
}

const sameFile = (a: fs.Stats, b: fs.Stats) => a.dev === b.dev && a.ino === b.ino;

/** Source exists and is a file or block device; target is not the source and may be written. */
async function checkPaths(source: string, target: string, part: string, overwrite: boolean, log: (l: string) => void): Promise<fs.Stats> {
  const src = await statOrUndefined(source);
  if (!src) throw new ConvertError('not-found', `${source} does not exist, so there is nothing to convert. Check the path.`, source);
  if (!src.isFile() && !src.isBlockDevice()) {
    throw new ConvertError('not-found', `${source} is not a disk image file (it is a ${src.isDirectory() ? 'folder' : 'special file'}). Choose an image file.`, source);
  }
  const dir = path.dirname(target);
  const dirStat = await statOrUndefined(dir);
  if (!dirStat?.isDirectory()) {
    throw new ConvertError('not-found', `The target folder ${dir} does not exist, so ${path.basename(target)} cannot be written there. Create it or choose another folder.`, dir);
  }
  const tgt = await statOrUndefined(target);
  if (tgt && sameFile(tgt, src)) {
    throw new ConvertError('same-file', `The target ${target} is the source image itself (same file, via a link or another name); converting onto it would destroy it. Choose another target name.`, target);
  }
  const partStat = await statOrUndefined(part);
  if (partStat && sameFile(partStat, src)) {
    throw new ConvertError('same-file', `The temporary file ${part} would be the source image itself; choose another target name.`, part);
  }
  if (partStat) log(`${part} is left over from an interrupted conversion; it will be replaced.`);
  if (tgt && !overwrite) {
    throw new ConvertError('exists', `${target} already exists and was left untouched.`, target, undefined, ['replace-target']);
  }
  if (tgt && !tgt.isFile()) {
    throw new ConvertError('exists', `${target} exists and is not a regular file; it will not be replaced. Choose another name.`, target);
  }
  return src;
}

/**
 * The source is opened once, read-only, and everything after reads that open file: the inspector
 * through the descriptor, qemu-img through /proc/self/fd/3 (Linux). A file swapped in at the same
 * path after the checks (a qcow2 with a backing file, say) is never what gets converted.
 */
async function pinSource(source: string): Promise<OpenedImage> {
  try {
    return await openImage(source);
  } catch (e) {
    if (e instanceof ImageOpenError) {
      const kind: ConvertErrorKind = e.kind === 'permission' ? 'permission' : e.kind === 'not-found' ? 'not-found' : 'failed';
      throw new ConvertError(kind, `${e.message} Nothing was converted.`, source);
    }
    throw e;
  }
}

/** Step 1: the in-process inspector; no qemu-img process runs before it has passed the image. */
async function inspectSource(pinned: OpenedImage, source: string, req: ConvertRequest, log: (l: string) => void): Promise<InspectResult> {
  const declared = req.sourceFormat ? (FORMAT_ALIASES[req.sourceFormat.toLowerCase()] ?? req.sourceFormat.toLowerCase()) : undefined;
  const inspected = await inspectOpenImage(pinned, path.basename(source), { declaredFormat: declared });
  let issues = inspected.issues;
  if (req.allowBackingFile) {
    const backing = issues.filter((i) => i.code === 'backing-file');
    if (backing.length) log(`allowed by the backing-file setting: ${backing.map((i) => i.message).join(' ')}`);
    issues = issues.filter((i) => i.code !== 'backing-file');
  }
  if (issues.length) {
    const remedies: Remedy[] = issues.some((i) => i.code === 'backing-file') ? ['allow-backing-file'] : [];
    throw new ConvertError('refused', `${issues.map((i) => i.message).join(' ')} qemu-img was not run on ${source}.`, source, undefined, remedies);
  }
  if (pinned.size === 0) {
    throw new ConvertError('refused', `${source} is empty (0 bytes): there is no disk in it to convert. qemu-img was not run on ${source}.`, source);
  }
  const format = inspected.qemuFormat;
  if (declared && declared !== format) {
    throw new ConvertError(
      'format-mismatch',
      `${source} was given as ${declared}, but its content is ${inspected.format}. Convert it as ${format}, or check that it is the file you meant.`,
      source,
    );
  }
  log(`inspector: ${source} is ${inspected.format} (-f ${format})`);
  return inspected;
}

/**
 * Step 1b: raw content that reads as text (notes, a script, an HTML error page saved as .img)
 * is converted only when the caller asked the user (textContent.ts says why).
 */
async function refuseText(pinned: OpenedImage, source: string, inspected: InspectResult, req: ConvertRequest, log: (l: string) => void): Promise<void> {
  if (!(await rawReadsAsText(pinned, inspected.format))) return;
  if (req.allowText) {
    log(`${source} looks like text; converting it as raw as asked`);
    return;
  }
  throw new ConvertError(
    'looks-like-text',
    `${source} looks like a text file, not a disk image (its start is readable text with no binary data); converted as raw it would be a disk holding that text. Nothing was converted.`,
    source,
    undefined,
    ['allow-text'],
  );
}

/** Step 2: `qemu-img info` under limits must agree with the inspector and find nothing unsafe. */
async function confirmSource(
  source: string,
  pin: QemuSource,
  inspected: InspectResult,
  req: ConvertRequest,
  qemuImgPath: string,
  log: (l: string) => void,
): Promise<ImageInfo> {
  const format = inspected.qemuFormat;
  let info: ImageInfo;
  try {
    info = await imageInfo(pin.file, { format, qemuImgPath, signal: req.signal, log, inheritFd: pin.inheritFd, label: source });
  } catch (e) {
    if (req.signal?.aborted) throwIfCancelled(req.signal, source);
    const other = otherFileFailure(e, pin.file, source);
    if (other !== undefined) throw new ConvertError('refused', `Refused to convert ${source}: ${other}. qemu-img convert was not run.`, source);
    fromQemuImgError(e);
  }
  const refuse = (why: string, remedies: Remedy[] = []) => {
    throw new ConvertError('refused', `Refused to convert ${source}: ${why}. qemu-img convert was not run.`, source, undefined, remedies);
  };
  for (const p of infoProblems(info, inspected, pin.file)) {
    if (p.kind !== 'backing-file') refuse(p.text);
    if (!req.allowBackingFile) refuse(`${p.text}. Flatten it where it is trusted`, ['allow-backing-file']);
    // Even when allowed, a protocol or json: name could reach the network or any file.
    const backing = info.backingFile ?? '';
    if (/^[a-z][\w+.-]*:/i.test(backing) && !/^[a-z]:[\\/]/i.test(backing)) {
      refuse(`its backing file name "${backing}" is a protocol or json: specification, not a file`);
    }
  }
  if (info.encrypted) refuse('it is encrypted; encrypted images are not supported here');
  if (!(info.virtualSize > 0)) refuse(`qemu-img reports a virtual size of ${info.virtualSize} bytes`);
  if (info.corrupt) log(`warning: ${source} is marked corrupt; qemu-img may fail to read parts of it`);
  return info;
}

/*
 * Compressed output (qcow2 -c, streamOptimized VMDK) is written with cache writeback, never
 * none. Compressed clusters are packed at byte offsets, so under O_DIRECT the block layer pads
 * each write to the request alignment by reading the partial head/tail sector first
 * (bdrv_co_pwritev_part -> bdrv_padding_rmw_read) and serialises those writes. Measured
 * (bench/README.md, "Compressed"): 2 GiB ext4 image with 773 MiB of files, zstd: -t none 1.5-1.9x
 * the time of -t writeback, with ~10,600 extra pread64 calls under strace (22,956 against
 * 12,322); streamOptimized VMDK 1.2x. The output is a fraction of the source, so the page cache
 * it fills is small, and writeback is as durable at exit (qemu-img flushes at close; we fsync).
 */
const PACKED_CACHE = {
  mode: 'writeback' as const,
  reason: 'Using cache "writeback" for compressed output: with "none" (O_DIRECT) every compressed cluster write needs a read of its partial sector first, 1.5-1.9x slower; equally durable at exit (qemu-img flushes at close, then this tool fsyncs).',
};

/** Step 3: `none` where O_DIRECT works in the target folder, else `writeback`. Never unsafe or writethrough. */
async function chooseCache(dir: string): Promise<{ mode: 'none' | 'writeback'; reason: string }> {
  try {
    const probe = await probeODirect(dir);
    return probe.supported
      ? { mode: 'none', reason: `${probe.reason} Using cache "none": durable at exit, and the copy does not fill the page cache.` }
      : { mode: 'writeback', reason: `${probe.reason[0].toUpperCase()}${probe.reason.slice(1)} Using cache "writeback": just as durable at exit (qemu-img flushes at close, then this tool fsyncs).` };
  } catch (e) {
    if (!(e instanceof ProbeError)) throw e;
    if (e.code === 'ENOSPC') throw new ConvertError('no-space', `The disk holding ${dir} is full; nothing was written. Free some space or choose another folder.`, dir);
    if (e.code === 'ENOENT') throw new ConvertError('not-found', `The target folder ${dir} does not exist.`, dir);
    throw new ConvertError('permission', `Cannot write in ${dir} (${e.code}: permission denied or a read-only filesystem); nothing was written. Choose a folder you can write to.`, dir);
  }
}

async function fsyncPath(file: string, flags: string): Promise<void> {
  const fh = await fs.promises.open(file, flags);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Directories cannot be opened for fsync on Windows; there the rename is as durable as it gets. */
async function fsyncDir(dir: string): Promise<void> {
  try {
    await fsyncPath(dir, 'r');
  } catch (e) {
    if (process.platform !== 'win32') throw e;
  }
}

const allocated = (st: fs.Stats) => (st.blocks !== undefined && st.blocks > 0 ? st.blocks * 512 : st.size);

export async function convertImage(req: ConvertRequest): Promise<ConvertResult> {
  const started = performance.now();
  const log = req.log ?? (() => undefined);
  const source = path.resolve(req.source);
  const target = path.resolve(req.target);
  const part = `${target}.part`;
  const targetDir = path.dirname(target);
  throwIfCancelled(req.signal, source);

  let tArgs;
  try {
    tArgs = targetArgs(req.targetFormat, cloudOptions(req));
  } catch (e) {
    throw new ConvertError('invalid-options', `Cannot convert ${source} to ${target}: ${(e as Error).message}`, target);
  }
  const srcStat = await checkPaths(source, target, part, req.overwrite === true, log);
  // Found now, run only once the inspector has passed the image: no qemu-img process starts
  // before that, not even `--version`.
  const qemuImgPath = await locateQemuImg(req.qemuImgPath).catch(fromQemuImgError);
  const notes: string[] = [];
  const compressionType = await compressionFor(req, tArgs, qemuImgPath, notes, log);
  const pinned = await pinSource(source);
  try {
    return await convertPinned(req, { source, target, part, targetDir, srcStat, qemuImgPath, pinned, tArgs, started, log, notes, compressionType });
  } finally {
    await pinned.close().catch(() => undefined);
  }
}

/** The options a cloud target adds (its subformat); a conflicting choice is an error, never overridden. */
function cloudOptions(req: ConvertRequest): ConvertOptions {
  const opts = req.options ?? {};
  if (!req.cloud) return opts;
  const spec = CLOUD_TARGETS[req.cloud];
  if (!spec) throw new Error(`"${req.cloud}" is not a destination this tool knows; use one of ${Object.keys(CLOUD_TARGETS).join(', ')}.`);
  if (req.targetFormat !== spec.format) throw new Error(`${spec.label} images are written as ${spec.format}, not ${req.targetFormat}.`);
  if (opts.subformat !== undefined && opts.subformat !== spec.options.subformat) {
    throw new Error(`${spec.label} needs ${spec.options.subformat ? `subformat ${spec.options.subformat}` : 'the default subformat'}, not ${opts.subformat}.`);
  }
  return { ...opts, ...spec.options };
}

/** Step 3a, before anything is written in the target folder: refuse when the output cannot fit. */
async function checkSpace(
  req: ConvertRequest,
  c: { source: string; target: string; targetDir: string; pin: QemuSource; format: string; tArgs: ReturnType<typeof targetArgs>; inter?: string; gceTar: boolean; qemuImgPath: string; notes: string[]; log: (l: string) => void },
): Promise<void> {
  // A folder that cannot be written is reported by the next step (chooseCache), by its real cause.
  if (!(await fs.promises.access(c.targetDir, fs.constants.W_OK).then(() => true, () => false))) return;
  const src = { file: c.pin.file, format: c.format, inheritFd: c.pin.inheritFd, label: c.source };
  let needs;
  try {
    needs = await spaceNeeds(
      { targetFormat: req.targetFormat, o: c.tArgs.o, packed: c.tArgs.packed, rawIntermediate: c.inter !== undefined, gceTar: c.gceTar },
      (fmt, o) => measureRequired(src, fmt, o, c.qemuImgPath, req.signal, c.log),
    );
  } catch (e) {
    throwIfCancelled(req.signal, c.source);
    // The check is a courtesy: without a measurement (qemu-img before 2.10 has no measure) the
    // conversion still runs, and a disk that fills up still ends cleanly.
    if (!(e instanceof QemuImgError)) throw e;
    c.notes.push(`The free space was not checked beforehand: ${e.message}`);
    c.log(`space: not checked: ${e.message}${e.stderr ? ` (${e.stderr.trim()})` : ''}`);
    return;
  }
  const space = await freeSpaceOf(c.targetDir).catch((e: unknown) => {
    c.log(`space: the free space of ${c.targetDir} is unknown (${errno(e) ?? (e as Error).message}); not checked`);
    return { mount: c.targetDir, free: undefined };
  });
  const verdict = judgeSpace(needs, space);
  c.log(`space: ${needs.map((n) => `${n.what} ${n.bytes} bytes${n.exact ? '' : ' (upper bound)'}`).join(', ')}; ${space.free ?? 'unknown (the filesystem reports no size)'} bytes free on ${space.mount}`);
  if (verdict.refuse) throw new ConvertError('no-space', `Refused to convert ${c.source} to ${c.target}: it ${verdict.refuse} Nothing was written.`, c.target);
  if (verdict.warn) c.notes.push(verdict.warn);
}

/** qcow2 with -c: zstd or zlib (chooseCompression), added to the -o items. */
async function compressionFor(
  req: ConvertRequest,
  tArgs: ReturnType<typeof targetArgs>,
  qemuImgPath: string,
  notes: string[],
  log: (l: string) => void,
): Promise<CompressionType | undefined> {
  if (!tArgs.compress || req.targetFormat !== 'qcow2') return undefined;
  const requested = req.options?.compressionType;
  let choice;
  try {
    choice = chooseCompression(requested, requested === 'zlib' ? { supported: false, reason: '' } : await zstdSupport(qemuImgPath));
  } catch (e) {
    throw new ConvertError('refused', `Refused to convert ${req.source}: ${(e as Error).message} Nothing was written.`, req.source);
  }
  // zlib is qcow2's default: not naming it keeps qemu-img before 5.1 (no such option) working.
  if (choice.type === 'zstd') tArgs.o.push('compression_type=zstd');
  if (choice.note) notes.push(choice.note);
  log(`compression: ${choice.type}${choice.note ? ` (${choice.note})` : ''}`);
  return choice.type;
}

interface ConvertContext {
  source: string;
  target: string;
  part: string;
  targetDir: string;
  srcStat: fs.Stats;
  qemuImgPath: string;
  pinned: OpenedImage;
  tArgs: ReturnType<typeof targetArgs>;
  started: number;
  log: (l: string) => void;
  notes: string[];
  compressionType?: CompressionType;
}

async function convertPinned(req: ConvertRequest, c: ConvertContext): Promise<ConvertResult> {
  const { source, target, part, targetDir, srcStat, qemuImgPath, pinned, tArgs, started, log, notes, compressionType } = c;
  const t1 = performance.now();
  const inspected = await inspectSource(pinned, source, req, log);
  await refuseText(pinned, source, inspected, req, log);
  const pin = qemuSourceFor(source, pinned);
  if (pin.inheritFd !== undefined) log(`qemu-img reads ${source} as ${pin.file}: the file that was opened once and inspected, whatever happens to the path`);
  const format = inspected.qemuFormat;
  const { version } = await checkQemuImg(qemuImgPath).catch(fromQemuImgError);
  log(`qemu-img: ${qemuImgPath} (version ${version.join('.')})`);
  if (version[0] < 9 || (version[0] === 9 && version[1] < 1)) {
    log('note: qemu-img before 9.1 lacks the upstream CVE-2024-4467 fix unless the distribution backported it; the in-process inspection and the qemu-img info checks are what keep hostile images out.');
  }

  const info = await confirmSource(source, pin, inspected, req, qemuImgPath, log);
  log(`checks passed in ${Math.round(performance.now() - t1)} ms`);
  throwIfCancelled(req.signal, source);

  // Stage plan: a cloud target that rounds the size or packs a tar goes through a raw
  // intermediate that this run owns (never the source); everything else is one qemu-img convert.
  const cloud = req.cloud ? CLOUD_TARGETS[req.cloud] : undefined;
  const finalSize = cloud?.roundTo ? roundUp(info.virtualSize, cloud.roundTo) : info.virtualSize;
  const inter = cloud && (cloud.gceTar || finalSize !== info.virtualSize) ? `${target}.raw.part` : undefined;
  if (inter) log(`${cloud!.label}: virtual size ${info.virtualSize} rounded up to ${finalSize} bytes on the intermediate ${inter}`);

  await checkSpace(req, { source, target, targetDir, pin, format, tArgs, inter, gceTar: cloud?.gceTar === true, qemuImgPath, notes, log });
  let cache = tArgs.packed ? PACKED_CACHE : await chooseCache(targetDir);
  log(`target cache: ${cache.mode}: ${cache.reason}`);

  const tracker = new ProgressTracker(info.actualSize ?? allocated(srcStat));
  let shown = -1;
  const report = (percent: number) => {
    if (percent <= shown) return;
    shown = percent;
    req.onProgress?.(tracker.event(percent));
  };
  /** One qemu-img convert, its progress mapped onto [from, to] of the whole run. */
  const runStage = async (st: { file: string; fmt: string; inheritFd?: number; out: string; outFmt: string; o: string[]; compress: boolean; from: number; to: number }) => {
    const parser = new ProgressParser();
    const onStdout = (chunk: string) => {
      for (const p of parser.feed(chunk)) report(st.from + ((st.to - st.from) * p) / 100);
    };
    const argvFor = (mode: string) => [
      'convert', '-p', '-f', st.fmt, '-O', st.outFmt, '-t', mode, '-T', SOURCE_CACHE,
      ...(st.o.length ? ['-o', st.o.join(',')] : []),
      ...(st.compress ? ['-c'] : []),
      st.file, st.out,
    ];
    const ctx: ExplainContext = { action: `converting ${source} to ${target}`, source, target: st.out };
    const t2 = performance.now();
    for (let attempt = 0; ; attempt++) {
      const r = await runQemuImg(argvFor(cache.mode), { qemuImgPath, signal: req.signal, onStdout, log, inheritFd: st.inheritFd });
      if (r.aborted) {
        throw new ConvertError('cancelled', `Conversion of ${source} was cancelled; the partial ${path.basename(part)} was removed and the source is unchanged.`, source);
      }
      if (r.signal) {
        const e = explainSignal(r.signal, ctx, false);
        throw new ConvertError('failed', `${e.message} The partial ${path.basename(part)} was removed.`, source, r.stderr);
      }
      if (r.code === 0) {
        log(`qemu-img convert: ${((performance.now() - t2) / 1000).toFixed(2)} s`);
        return r.argv;
      }
      // qemu-img names the pinned source /proc/self/fd/3; the operator knows it by its path.
      const stderr = r.stderr.split(pin.file).join(source);
      const e = explainQemuImgStderr(stderr, ctx);
      if (e.kind === 'o-direct' && cache.mode === 'none' && attempt === 0) {
        cache = { mode: 'writeback', reason: `qemu-img said the target filesystem does not support O_DIRECT although the probe passed; retried with cache "writeback" (equally durable at exit).` };
        log(`target cache: ${cache.mode}: ${cache.reason}`);
        continue;
      }
      const kind: ConvertErrorKind = e.kind === 'o-direct' || e.kind === 'limits' ? 'failed' : e.kind;
      throw new ConvertError(kind, e.message, e.file, stderr);
    }
  };
  let argv: string[] = [];
  try {
    const first = inter ? 50 : 100;
    argv = await runStage({ file: pin.file, fmt: format, inheritFd: pin.inheritFd, out: inter ?? part, outFmt: inter ? 'raw' : req.targetFormat, o: inter ? [] : tArgs.o, compress: !inter && tArgs.compress, from: 0, to: first });
    if (inter) {
      // Grow the raw intermediate to the rounded size: the added tail reads as zeros.
      await fs.promises.truncate(inter, finalSize);
      await verifyOutput(inter, 'raw', finalSize, qemuImgPath, req.signal, log);
      if (cloud!.gceTar) {
        const t = performance.now();
        await writeGceTar(inter, part, req.signal, (done) => report(first + ((100 - first) * done) / finalSize));
        log(`${GCE_MEMBER} archived as ${part}: ${((performance.now() - t) / 1000).toFixed(2)} s`);
      } else {
        argv = await runStage({ file: inter, fmt: 'raw', out: part, outFmt: req.targetFormat, o: tArgs.o, compress: tArgs.compress, from: first, to: 100 });
      }
    }
    report(100);

    // Step 5. qemu-img's own close-time flush error does not change its exit code (sources.md
    // B.1), so the file is synced here; it is checked before it gets the target's name.
    const t3 = performance.now();
    await fsyncPath(part, 'r+');
    const out = cloud?.gceTar ? undefined : await verifyOutput(part, req.targetFormat, finalSize, qemuImgPath, req.signal, log);
    const wrong = cloud ? await checkCloudOutput(cloud.id, part, finalSize, out, req.signal) : undefined;
    if (wrong) throw new ConvertError('failed', `The converted image does not meet ${cloud!.label}'s requirements: ${wrong}. It was removed; report this with the log.`, part);
    if (cloud) log(`${cloud.label}: requirements checked on the result (docs/targets.md)`);
    await fs.promises.rename(part, target);
    // The target is complete from here on; a failure to sync its folder must not be reported
    // as a removed partial file.
    await fsyncDir(targetDir).catch((e: unknown) => {
      throw new ConvertError(
        'failed',
        `${target} was written and checked, but syncing its folder failed (${errno(e) ?? (e as Error).message}): after a host crash the file may be missing under that name. Run sync, and check the disk.`,
        target,
      );
    });
    log(`fsync, check and rename: ${Math.round(performance.now() - t3)} ms`);
  } catch (e) {
    await fs.promises.rm(part, { force: true }).catch(() => undefined);
    if (e instanceof ConvertError) throw e;
    if (req.signal?.aborted) throw new ConvertError('cancelled', `Conversion of ${source} was cancelled; the partial file was removed and the source is unchanged.`, source);
    const code = errno(e);
    if (code === 'ENOSPC' || code === 'EDQUOT') throw new ConvertError('no-space', `The disk holding ${target} filled up while finishing; the partial file was removed.`, target);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw new ConvertError('permission', `Cannot finish writing ${target} (${code}); the partial file was removed.`, target);
    if (e instanceof QemuImgError) fromQemuImgError(e);
    throw new ConvertError('failed', `Finishing ${target} failed: ${(e as Error).message}. The partial file was removed.`, target);
  } finally {
    if (inter) await fs.promises.rm(inter, { force: true }).catch(() => undefined);
  }
  const tgtStat = await fs.promises.stat(target);
  const seconds = (performance.now() - started) / 1000;
  log(`done: ${target} in ${seconds.toFixed(2)} s: ${quoteArgv(argv)}`);
  return {
    target,
    sourceFormat: format,
    targetFormat: req.targetFormat,
    cloud: req.cloud,
    virtualSize: info.virtualSize,
    cacheMode: cache.mode,
    cacheReason: cache.reason,
    argv,
    seconds,
    sourceBytes: allocated(srcStat),
    targetBytes: allocated(tgtStat),
    compressionType,
    notes,
  };
}

/** The output must read back as the format asked for, with the source's virtual size; returns its qemu-img info. */
async function verifyOutput(
  part: string,
  format: TargetFormat,
  virtualSize: number,
  qemuImgPath: string,
  signal: AbortSignal | undefined,
  log: (l: string) => void,
): Promise<ImageInfo> {
  const inspected = await inspectImage(part, { declaredFormat: format });
  const bad = (why: string) => {
    throw new ConvertError('failed', `The converted image did not pass the final check (${why}); it was removed. Report this with the log.`, part);
  };
  if (inspected.refusals.length) bad(inspected.refusals.join('; '));
  if (inspected.qemuFormat !== format) bad(`its content is ${inspected.format}, not ${format}`);
  const out = await imageInfo(part, { format, qemuImgPath, signal, log });
  if (out.format !== format) bad(`qemu-img reads it as ${out.format}`);
  // With -t none on a disk with 4 KiB physical sectors qemu-img pads a raw target to a multiple
  // of 4 KiB (qemu-img.c sets BDRV_O_RESIZE with O_DIRECT; Red Hat bug 1994266): zeros at the end.
  const padded = format === 'raw' && out.virtualSize > virtualSize && out.virtualSize <= Math.ceil(virtualSize / 4096) * 4096;
  if (padded) log(`note: qemu-img padded the raw output from ${virtualSize} to ${out.virtualSize} bytes (O_DIRECT alignment)`);
  else if (out.virtualSize !== virtualSize) bad(`virtual size ${out.virtualSize} bytes instead of ${virtualSize}`);
  return out;
}
