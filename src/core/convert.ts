// The convert pipeline (sources.md H): inspect in process, confirm with `qemu-img info` under
// limits, choose the target cache, `qemu-img convert` into <target>.part, fsync, re-inspect,
// rename. The API below is the contract that the CLI and the editor use.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { targetArgs } from './convertOptions';
import { ImageOpenError, InspectResult, inspectImage, inspectSource as inspectOpenImage } from './imageInspector';
import { OpenedImage, openImage } from './inspectRead';
import { ProbeError, probeODirect } from './odirect';
import { ProgressParser, ProgressTracker } from './progress';
import { ImageInfo, checkQemuImg, imageInfo, locateQemuImg, quoteArgv, runQemuImg } from './qemuImg';
import { ExplainContext, QemuImgError, explainQemuImgStderr, explainSignal } from './qemuImgErrors';
import type { Remedy } from './remedy';
import { TEXT_SAMPLE_BYTES, looksLikeText } from './textContent';

export type TargetFormat = 'raw' | 'qcow2' | 'vmdk' | 'vdi' | 'vhdx' | 'vpc';

export interface ConvertOptions {
  /** qcow2 (and streamOptimized vmdk) compression: -c. */
  compress?: boolean;
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
const VMDK_CREATE_TYPES = ['monolithicSparse', 'streamOptimized'];

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
  if (inspected.format !== 'raw') return;
  if (!looksLikeText(await pinned.read(0, TEXT_SAMPLE_BYTES))) return;
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
    fromQemuImgError(e);
  }
  const refuse = (why: string, remedies: Remedy[] = []) => {
    throw new ConvertError('refused', `Refused to convert ${source}: ${why}. qemu-img convert was not run.`, source, undefined, remedies);
  };
  if (info.format !== format) refuse(`qemu-img reads it as ${info.format}, the inspector as ${format}`);
  if (info.dataFile) refuse(`it names an external data file (${info.dataFile}), which would make qemu-img read another file`);
  if (info.backingFile) {
    if (!req.allowBackingFile) refuse(`it has a backing file (${info.backingFile}); qemu-img would read that file too. Flatten it where it is trusted`, ['allow-backing-file']);
    // Even when allowed, a protocol or json: name could reach the network or any file.
    if (/^[a-z][\w+.-]*:/i.test(info.backingFile) && !/^[a-z]:[\\/]/i.test(info.backingFile)) {
      refuse(`its backing file name "${info.backingFile}" is a protocol or json: specification, not a file`);
    }
  }
  if (format === 'vmdk' && !VMDK_CREATE_TYPES.includes(info.createType ?? '')) {
    refuse(`VMDK create type "${info.createType ?? 'unknown'}" may reference other files; only ${VMDK_CREATE_TYPES.join(' and ')} are converted`);
  }
  if (info.encrypted) refuse('it is encrypted; encrypted images are not supported here');
  if (!(info.virtualSize > 0)) refuse(`qemu-img reports a virtual size of ${info.virtualSize} bytes`);
  if (inspected.virtualSize !== undefined && format !== 'vpc' && format !== 'raw' && inspected.virtualSize !== info.virtualSize) {
    refuse(`its header says ${inspected.virtualSize} bytes but qemu-img reads ${info.virtualSize}`);
  }
  if (info.corrupt) log(`warning: ${source} is marked corrupt; qemu-img may fail to read parts of it`);
  return info;
}

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
    tArgs = targetArgs(req.targetFormat, req.options ?? {});
  } catch (e) {
    throw new ConvertError('invalid-options', `Cannot convert ${source} to ${target}: ${(e as Error).message}`, target);
  }
  const srcStat = await checkPaths(source, target, part, req.overwrite === true, log);
  // Found now, run only once the inspector has passed the image: no qemu-img process starts
  // before that, not even `--version`.
  const qemuImgPath = await locateQemuImg(req.qemuImgPath).catch(fromQemuImgError);
  const pinned = await pinSource(source);
  try {
    return await convertPinned(req, { source, target, part, targetDir, srcStat, qemuImgPath, pinned, tArgs, started, log });
  } finally {
    await pinned.close().catch(() => undefined);
  }
}

/** What qemu-img is given as the source: the pinned descriptor where the OS can name it. */
interface QemuSource {
  file: string;
  inheritFd?: number;
}

function qemuSourceFor(source: string, pinned: OpenedImage): QemuSource {
  return process.platform === 'linux' ? { file: '/proc/self/fd/3', inheritFd: pinned.fd } : { file: source };
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
}

async function convertPinned(req: ConvertRequest, c: ConvertContext): Promise<ConvertResult> {
  const { source, target, part, targetDir, srcStat, qemuImgPath, pinned, tArgs, started, log } = c;
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

  let cache = await chooseCache(targetDir);
  log(`target cache: ${cache.mode}: ${cache.reason}`);

  const parser = new ProgressParser();
  const tracker = new ProgressTracker(info.actualSize ?? allocated(srcStat));
  const onStdout = (chunk: string) => {
    for (const p of parser.feed(chunk)) req.onProgress?.(tracker.event(p));
  };
  const argvFor = (mode: string) => [
    'convert', '-p', '-f', format, '-O', req.targetFormat, '-t', mode, '-T', SOURCE_CACHE,
    ...(tArgs.o.length ? ['-o', tArgs.o.join(',')] : []),
    ...(tArgs.compress ? ['-c'] : []),
    pin.file, part,
  ];
  const ctx: ExplainContext = { action: `converting ${source} to ${target}`, source, target: part };
  let argv: string[] = [];
  const t2 = performance.now();
  try {
    for (let attempt = 0; ; attempt++) {
      const r = await runQemuImg(argvFor(cache.mode), { qemuImgPath, signal: req.signal, onStdout, log, inheritFd: pin.inheritFd });
      argv = r.argv;
      if (r.aborted) {
        throw new ConvertError('cancelled', `Conversion of ${source} was cancelled; the partial ${path.basename(part)} was removed and the source is unchanged.`, source);
      }
      if (r.signal) {
        const e = explainSignal(r.signal, ctx, false);
        throw new ConvertError('failed', `${e.message} The partial ${path.basename(part)} was removed.`, source, r.stderr);
      }
      if (r.code === 0) break;
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
    log(`qemu-img convert: ${((performance.now() - t2) / 1000).toFixed(2)} s`);
    if (parser.percent < 100) req.onProgress?.(tracker.event(100));

    // Step 5. qemu-img's own close-time flush error does not change its exit code (sources.md
    // B.1), so the file is synced here; it is checked before it gets the target's name.
    const t3 = performance.now();
    await fsyncPath(part, 'r+');
    await verifyOutput(part, req.targetFormat, info.virtualSize, qemuImgPath, req.signal, log);
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
  }
  const tgtStat = await fs.promises.stat(target);
  const seconds = (performance.now() - started) / 1000;
  log(`done: ${target} in ${seconds.toFixed(2)} s: ${quoteArgv(argv)}`);
  return {
    target,
    sourceFormat: format,
    targetFormat: req.targetFormat,
    virtualSize: info.virtualSize,
    cacheMode: cache.mode,
    cacheReason: cache.reason,
    argv,
    seconds,
    sourceBytes: allocated(srcStat),
    targetBytes: allocated(tgtStat),
  };
}

/** The output must read back as the format asked for, with the source's virtual size. */
async function verifyOutput(
  part: string,
  format: TargetFormat,
  virtualSize: number,
  qemuImgPath: string,
  signal: AbortSignal | undefined,
  log: (l: string) => void,
): Promise<void> {
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
}
