// Shared vocabulary of the image inspector: formats, refusal codes, the probe contract.

/** Formats the inspector can recognise. `gpt` and `iso` are raw data to qemu-img. */
export type DetectedFormat = 'raw' | 'qcow2' | 'qcow' | 'qed' | 'vmdk' | 'vhd' | 'vhdx' | 'vdi' | 'iso' | 'gpt' | 'luks';

/** Why an image is refused, as a stable code (the message is for people, the code for programs). */
export type RefusalCode =
  | 'backing-file' // qcow2 names another file to read from
  | 'data-file' // qcow2 keeps its data in another file
  | 'unknown-features' // qcow2 incompatible feature bits nobody defined
  | 'unsupported-version' // qcow v1, qcow2 ≠ 2/3, LUKS ≠ 1, KDMV version ≠ 1-3
  | 'banned-format' // QED, VMDK3 COWD
  | 'vmdk-create-type' // VMDK whose data lives in other files
  | 'vmdk-extent-path' // VMDK descriptor naming an extent by path
  | 'vmdk-extent-file' // VMDK that QEMU reads as a descriptor file: its extents are other files
  | 'vmdk-descriptor' // VMDK descriptor missing, misplaced or unparseable
  | 'vmdk-footer' // streamOptimized footer/markers inconsistent
  | 'mbr-invalid' // boot-sector signature with an invalid partition table
  | 'truncated' // header recognised but cut short
  | 'unparseable' // a detector failed on the header (a bug or a crafted header): refused, not ignored
  | 'implausible-size' // virtual size beyond what can be represented
  | 'multiple-formats' // two formats' headers in one file
  | 'format-mismatch' // content disagrees with the declared format
  | 'unknown-declared-format'; // declared format is not one this tool converts from

export interface Issue {
  code: RefusalCode;
  /** One or two sentences for an operator: the file, the danger, what happens. */
  message: string;
}

/** Positioned, read-only access to the image bytes. */
export interface ByteSource {
  /** Total length in bytes, when known (block devices may not say). */
  readonly size: number | undefined;
  /** Up to `length` bytes from `offset`; shorter (possibly empty) at end of data. */
  read(offset: number, length: number): Promise<Buffer>;
}

export interface ProbeContext {
  src: ByteSource;
  /** The first HEAD_BYTES of the image (shorter if the image is). */
  head: Buffer;
  /** How the file is named in messages. */
  name: string;
}

export interface ProbeHit {
  format: DetectedFormat;
  virtualSize?: number;
  issues: Issue[];
}

/** One format's detector and safety checks. Returns undefined when the content is not this format. */
export type Probe = (ctx: ProbeContext) => Promise<ProbeHit | undefined>;

/** Bytes read from the head of every image: covers every header except VHDX regions and VMDK descriptors. */
export const HEAD_BYTES = 64 * 1024;

/**
 * A string taken from an image (or a file name), made safe to show: control characters escaped,
 * length capped, so a hostile header cannot inject terminal escapes or flood a log.
 */
export function shown(text: string, max = 200): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/** A u64 field as a JS number, or undefined when it cannot be represented exactly. */
export function safeNumber(v: bigint): number | undefined {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined;
}

/** Does `buf` hold `magic` (latin1) at `offset`? */
export function hasMagic(buf: Buffer, offset: number, magic: string): boolean {
  return buf.length >= offset + magic.length && buf.toString('latin1', offset, offset + magic.length) === magic;
}

/** How every refusal message ends, before any advice; true for convert, inspect and image info alike. */
export const REFUSE = 'qemu-img must not open it.';

export function truncatedIssue(name: string, what: string): Issue {
  return {
    code: 'truncated',
    message: `${name} starts like ${what} but its header is cut short: the file is damaged or was not copied completely. ${REFUSE}`,
  };
}

export function sizeIssue(name: string, what: string): Issue {
  return {
    code: 'implausible-size',
    message: `${name} claims a ${what} virtual size too large to be real (over 8 PiB): the header is damaged or crafted. ${REFUSE}`,
  };
}
