// One verdict on an image for every front: `inspect`, the editor's Show Disk Image Info and
// `convert`. An image is safe only when the in-process inspection and, where it runs,
// `qemu-img info` agree that it names no other file (backing file, data file, an extent other
// than itself, a parent). qemu-img reads the file that was opened once and inspected
// (/proc/self/fd/3 on Linux), never the path, so a file swapped in at the path is not what it reads.

import { rawReadsAsText } from './textContent';
import { remediesOf, type Remedy } from '../remedy';
import * as path from 'node:path';
import { inspectSource, type InspectOptions, type InspectResult, type Issue } from './imageInspector';
import { openImage, type OpenedImage } from './inspectRead';
import { shown } from './inspectTypes';
import { imageInfo, type ImageInfo } from './qemuImg';
import { QemuImgError } from './qemuImgErrors';

/** The VMDK createTypes whose data is in the image itself (everything else names extents). */
export const SINGLE_FILE_VMDK = ['monolithicSparse', 'streamOptimized'];

/** Inspector findings that keep qemu-img away from the file. A backing file alone does not: `qemu-img info` opens images with BDRV_O_NO_BACKING. */
export function blockingIssues(inspect: InspectResult): Issue[] {
  return inspect.issues.filter((i) => i.code !== 'backing-file');
}

/** What qemu-img is given as the image: the pinned descriptor where the OS can name it. */
export interface QemuSource {
  file: string;
  inheritFd?: number;
}

export function qemuSourceFor(source: string, pinned: OpenedImage): QemuSource {
  return process.platform === 'linux' ? { file: '/proc/self/fd/3', inheritFd: pinned.fd } : { file: source };
}

export type InfoProblemKind = 'backing-file' | 'data-file' | 'extent' | 'create-type' | 'disagrees';

export interface InfoProblem {
  kind: InfoProblemKind;
  /** A clause for an operator, without the image's name ("it names a data file (x)"). */
  text: string;
}

/** How a file qemu-img opened is named to people: relative to the pinned descriptor, as written. */
const asWritten = (name: string, pin: string): string => (name.startsWith(path.dirname(pin) + '/') && pin.startsWith('/proc/') ? name.slice(path.dirname(pin).length + 1) : name);

/**
 * What `qemu-img info` (run on `pin`) says that makes the image unsafe or disagrees with the
 * inspection: other files it names, and a different format or size.
 */
export function infoProblems(info: ImageInfo, inspected: InspectResult, pin: string): InfoProblem[] {
  const problems: InfoProblem[] = [];
  const format = inspected.qemuFormat;
  if (info.format !== format) problems.push({ kind: 'disagrees', text: `qemu-img reads it as ${info.format}, the inspector as ${format}` });
  if (info.backingFile) problems.push({ kind: 'backing-file', text: `it has a backing file (${shown(info.backingFile)}); qemu-img would read that file too` });
  if (info.dataFile) problems.push({ kind: 'data-file', text: `it names an external data file (${shown(info.dataFile)}), which would make qemu-img read another file` });
  for (const extent of info.extents ?? []) {
    if (extent !== pin) problems.push({ kind: 'extent', text: `extent '${shown(asWritten(extent, pin))}' is a separate file` });
  }
  if (info.format === 'vmdk' && !SINGLE_FILE_VMDK.includes(info.createType ?? '')) {
    problems.push({ kind: 'create-type', text: `VMDK create type "${shown(info.createType ?? 'unknown', 64)}" may reference other files; only ${SINGLE_FILE_VMDK.join(' and ')} are accepted` });
  }
  if (inspected.virtualSize !== undefined && format !== 'vpc' && format !== 'raw' && inspected.virtualSize !== info.virtualSize) {
    problems.push({ kind: 'disagrees', text: `its header says ${inspected.virtualSize} bytes but qemu-img reads ${info.virtualSize}` });
  }
  return problems;
}

/**
 * A `qemu-img info` failure to open a file other than the image means the image names that
 * file: said so, instead of "it may have been moved or deleted". Undefined for other failures.
 */
export function otherFileFailure(e: unknown, pin: string, image: string): string | undefined {
  if (!(e instanceof QemuImgError) || (e.kind !== 'not-found' && e.kind !== 'permission')) return undefined;
  const opened = [...(e.stderr ?? '').matchAll(/Could not open '([^']*)'/g)].map((m) => m[1]).filter((f) => f !== pin && f !== image);
  const other = opened.at(-1);
  return other === undefined ? undefined : `qemu-img tried to open '${shown(asWritten(other, pin))}', another file that the image names`;
}

export interface ImageVerdict {
  inspection: InspectResult;
  /** qemu-img info's view, with the image named by its path (not the pinned descriptor). */
  info?: ImageInfo;
  /** Why qemu-img info did not run or failed. */
  infoError?: string;
  /** What the user can do about that failure; each front words it (remedy.ts). */
  infoRemedies?: readonly Remedy[];
  /** What qemu-img info showed that makes the image unsafe (clauses, as in infoProblems). */
  infoProblems: string[];
  /** Inspection clean, and qemu-img info (when it ran) found nothing the inspector did not. */
  safe: boolean;
  /** A raw image whose start reads as text (convert refuses it unless asked; textContent.ts). */
  readsAsText: boolean;
}

export interface ExamineOptions extends InspectOptions {
  qemuImgPath?: string;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/**
 * Opens `file` once, inspects it through that descriptor and, when the inspector lets qemu-img
 * near it, runs `qemu-img info` (under limits) on the same open file. Throws ImageOpenError when
 * the file cannot be read at all.
 */
export async function examineImage(file: string, opts: ExamineOptions = {}): Promise<ImageVerdict> {
  const abs = path.resolve(file);
  const pinned = await openImage(abs);
  try {
    const inspection: InspectResult = { ...(await inspectSource(pinned, path.basename(abs), opts)), path: abs, fileKind: pinned.kind };
    const verdict: ImageVerdict = { inspection, infoProblems: [], safe: false, readsAsText: await rawReadsAsText(pinned, inspection.format) };
    const blocking = blockingIssues(inspection);
    if (blocking.length) {
      verdict.infoError = 'not run, because the inspector refused the image.';
      return verdict;
    }
    const pin = qemuSourceFor(abs, pinned);
    let notRun = false;
    try {
      const info = await imageInfo(pin.file, { format: inspection.qemuFormat, qemuImgPath: opts.qemuImgPath, signal: opts.signal, log: opts.log, inheritFd: pin.inheritFd, label: abs });
      verdict.infoProblems = infoProblems(info, inspection, pin.file).map((p) => p.text);
      verdict.info = { ...info, path: abs, extents: info.extents?.map((e) => (e === pin.file ? abs : e)) };
    } catch (e) {
      const other = otherFileFailure(e, pin.file, abs);
      if (other !== undefined) verdict.infoProblems.push(other);
      else {
        verdict.infoError = (e as Error).message;
        verdict.infoRemedies = remediesOf(e);
      }
      // Without qemu-img there is no second opinion to disagree: the inspection decides alone.
      notRun = e instanceof QemuImgError && e.kind === 'qemu-img-missing';
    }
    verdict.safe = inspection.issues.length === 0 && verdict.infoProblems.length === 0 && (verdict.info !== undefined || notRun);
    return verdict;
  } finally {
    await pinned.close();
  }
}
