// In-process disk-image format inspector: decides whether an untrusted image may be given to
// qemu-img at all, and with which -f. A TypeScript port of the checks in oslo.utils'
// format_inspector (sources.md E.3) plus the QEMU facts in E.4 and the plan in H.1.
//
// What it reads: the first 64 KiB; the VMDK descriptor (≤ 1 MiB at 0x200, or at 0 for a text
// descriptor); the VHDX region table (192/256 KiB) and metadata table; a qcow2 backing-file
// name; the last 1536 bytes of a streamOptimized VMDK (last 512 of a declared fixed VHD).
// All reads are positioned reads on a read-only descriptor (inspectRead.ts).
//
// Errors: a file that cannot be read at all (missing, permission, directory, FIFO, socket,
// character device, I/O error) throws ImageOpenError (kind + path). Everything about the
// content — however malformed or truncated — comes back as refusals, never as an exception.

import * as path from 'node:path';
import { bufferSource, ImageOpenError, openImage } from './inspectRead';
import {
  probeCowd, probeFixedVhdFooter, probeGpt, probeIso, probeLuks, probeQcow, probeQed, probeVdi, probeVhd, probeVhdx,
} from './inspectFormats';
import { probeVmdk } from './inspectVmdk';
import { HEAD_BYTES, REFUSE, shown, type ByteSource, type DetectedFormat, type Issue, type Probe, type ProbeContext, type ProbeHit } from './inspectTypes';

export { ImageOpenError, type ImageOpenErrorKind } from './inspectRead';
export type { ByteSource, DetectedFormat, Issue, RefusalCode } from './inspectTypes';

export interface InspectResult {
  /** Absolute path that was read. */
  path: string;
  /** What the content is. */
  format: DetectedFormat;
  /** The `-f` value to give qemu-img for it (gpt and iso are `raw`). */
  qemuFormat: string;
  /** Virtual size in bytes where the header states it (raw, gpt, iso: the file's length). */
  virtualSize?: number;
  /** Why this image must not be given to qemu-img; empty when it is safe. */
  refusals: string[];
  /** The same refusals with a stable code each, for programs and tests. */
  issues: Issue[];
  /** Every format whose header was found (more than one is itself a refusal). */
  formatsFound: DetectedFormat[];
  /** What `path` is on disk (inspectImage only): block devices are accepted like files. */
  fileKind?: 'file' | 'block-device';
}

export interface InspectOptions {
  /** The format the user says the image is in (qemu-img name: raw, qcow2, vmdk, vpc, vhdx, vdi, luks); blank = not declared. */
  declaredFormat?: string;
}

/** qemu-img's driver name for each detected format. */
export const QEMU_FORMAT: Record<DetectedFormat, string> = {
  raw: 'raw', gpt: 'raw', iso: 'raw', qcow2: 'qcow2', qcow: 'qcow', qed: 'qed', vmdk: 'vmdk', vhd: 'vpc', vhdx: 'vhdx', vdi: 'vdi', luks: 'luks',
};

/** Declared (qemu-img) format → the contents that agree with it. `vhd` is accepted as a synonym of `vpc`. */
const DECLARED: Record<string, readonly DetectedFormat[]> = {
  raw: ['raw', 'gpt', 'iso'], qcow2: ['qcow2'], vmdk: ['vmdk'], vpc: ['vhd'], vhd: ['vhd'], vhdx: ['vhdx'], vdi: ['vdi'], luks: ['luks'],
};

const DESCRIBE: Record<DetectedFormat, string> = {
  raw: 'raw data', gpt: 'a partitioned disk (MBR/GPT)', iso: 'an ISO 9660/UDF image', qcow2: 'a qcow2 image', qcow: 'a qcow (version 1) image',
  qed: 'a QED image', vmdk: 'a VMDK image', vhd: 'a VHD (vpc) image', vhdx: 'a VHDX image', vdi: 'a VDI image', luks: 'a LUKS encrypted volume',
};

/** Detector order; it is also the order of preference for `format` when several match. */
const PROBES: readonly Probe[] = [probeQcow, probeQed, probeVmdk, probeCowd, probeVhd, probeVhdx, probeVdi, probeLuks, probeIso, probeGpt];

function multipleFormats(name: string, hits: ProbeHit[]): Issue {
  const list = hits.map((h) => DESCRIBE[h.format]).join(' and ');
  return {
    code: 'multiple-formats',
    message: `${name} looks like ${list} at the same time: one format hidden inside another is a known way to smuggle a backing file or extent past a check. ${REFUSE}`,
  };
}

function declaredIssue(name: string, declared: string, format: DetectedFormat): Issue | undefined {
  const key = declared.trim().toLowerCase();
  const accepted = DECLARED[key];
  if (accepted === undefined) {
    return {
      code: 'unknown-declared-format',
      message: `${name} was declared as format "${shown(declared, 40)}", which this tool does not convert from (it takes raw, qcow2, vmdk, vpc, vhdx, vdi and luks). ${REFUSE}`,
    };
  }
  if (accepted.includes(format)) return undefined;
  if (key === 'raw') {
    return {
      code: 'format-mismatch',
      message: `${name} was declared raw but its content is ${DESCRIBE[format]} (a name says little: cloud images named .img are often qcow2). Treating it as raw would copy the container instead of the disk inside, and anything that later probes the copy could follow the references in its header. ${REFUSE} Declare the format the content really has, if you trust the file.`,
    };
  }
  return {
    code: 'format-mismatch',
    message: `${name} was declared ${key} but its content is ${DESCRIBE[format]}: the declaration and the bytes disagree, so the file is mislabelled or not what it claims. ${REFUSE} Check where it came from and declare the right format.`,
  };
}

/**
 * Runs one detector. One that throws on odd bytes must not let the image through as raw (oslo.utils
 * skips such a detector silently): the failure becomes a refusal. Read errors still propagate.
 */
async function runProbe(probe: Probe, ctx: ProbeContext, failures: Issue[]): Promise<ProbeHit | undefined> {
  try {
    return await probe(ctx);
  } catch (err) {
    if (err instanceof ImageOpenError) throw err;
    failures.push({
      code: 'unparseable',
      message: `${ctx.name} has a header this tool could not parse (${shown(String(err), 120)}): it is damaged or crafted. ${REFUSE}`,
    });
    return undefined;
  }
}

/** Runs every detector over the head of the image and decides. */
async function decide(src: ByteSource, name: string, opts: InspectOptions): Promise<Omit<InspectResult, 'path'>> {
  const head = await src.read(0, HEAD_BYTES);
  // An empty file is raw data of size 0: no driver's probe takes it (vmdk_read_desc even fails on
  // files under 4 bytes), qemu-img opens it as raw without reading anything else, and
  // oslo.utils calls it raw too. It is safe to open; convert refuses it for having no data.
  const ctx = { src, head, name };
  let hits: ProbeHit[] = [];
  const failures: Issue[] = [];
  for (const probe of PROBES) {
    const hit = await runProbe(probe, ctx, failures);
    if (hit) hits.push(hit);
  }
  // A bootable ISO carries a partition table for USB sticks (isohybrid): that pair is one image.
  if (hits.length === 2 && hits.some((h) => h.format === 'iso') && hits.some((h) => h.format === 'gpt')) {
    hits = hits.filter((h) => h.format === 'iso');
  }
  const declared = opts.declaredFormat?.trim().toLowerCase();
  if ((declared === 'vpc' || declared === 'vhd') && hits.every((h) => h.format === 'gpt' || h.format === 'iso')) {
    // Fixed VHD: raw data with a footer at the end; qemu-img reads it only when told -f vpc.
    const fixed = await probeFixedVhdFooter(src);
    if (fixed) hits = [fixed];
  }
  const chosen: ProbeHit = hits[0] ?? { format: 'raw', virtualSize: src.size, issues: [] };
  const issues: Issue[] = hits.length > 1 ? [multipleFormats(name, hits), ...failures] : failures;
  for (const hit of hits) issues.push(...hit.issues);
  if (declared) {
    const mismatch = declaredIssue(name, opts.declaredFormat ?? '', chosen.format);
    if (mismatch) issues.push(mismatch);
  }
  return {
    format: chosen.format,
    qemuFormat: QEMU_FORMAT[chosen.format],
    virtualSize: chosen.virtualSize,
    refusals: issues.map((i) => i.message),
    issues,
    formatsFound: hits.map((h) => h.format),
  };
}

/**
 * Inspects the image at `file` (read-only) and says what it is and whether it may be given to
 * qemu-img. Throws ImageOpenError when the file cannot be read at all.
 */
export async function inspectImage(file: string, opts: InspectOptions = {}): Promise<InspectResult> {
  const abs = path.resolve(file);
  const image = await openImage(abs);
  try {
    return { path: abs, fileKind: image.kind, ...(await decide(image, shown(path.basename(abs)), opts)) };
  } finally {
    await image.close();
  }
}

/** The same decision over any positioned byte source; `name` is how messages call the image. */
export async function inspectSource(src: ByteSource, name: string, opts: InspectOptions = {}): Promise<InspectResult> {
  return { path: name, ...(await decide(src, shown(name), opts)) };
}

/** The same decision over bytes in memory. */
export const inspectBytes = (bytes: Buffer, name = 'image', opts: InspectOptions = {}): Promise<InspectResult> =>
  inspectSource(bufferSource(bytes), name, opts);
