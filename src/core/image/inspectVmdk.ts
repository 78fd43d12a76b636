// VMDK, read route by route the way QEMU's block/vmdk.c opens it (vmdk_open):
//
// - "KDMV" sparse header (vmdk_open_vmdk4). With a capacity of 0 and a descriptor offset, QEMU
//   reads the descriptor there as a descriptor FILE (vmdk_open_desc_file) and opens every extent
//   it names: that route is always refused. Otherwise the data is in this file; QEMU then ignores
//   the descriptor's createType and extent lines and reads only parentFileNameHint
//   (vmdk_parent_open). On top of that the embedded descriptor gets oslo.utils' checks (every
//   line understood, a single-file createType, no '/' in extent lines), stricter than QEMU.
// - "COWD" (vmdk_open_vmfs_sparse): refused in inspectFormats.ts.
// - Anything else qemu-img probes as VMDK (vmdk_probe: a "version=N" line first) is a
//   descriptor file: its data lives only in the files it names, so it is always refused. Text
//   that vmdk_probe does not take is raw data to qemu-img, whatever words it contains.
//
// The C helpers below work on latin1 strings (one char per byte) so offsets match QEMU's.

import { hasMagic, REFUSE, safeNumber, shown, sizeIssue, truncatedIssue, type ByteSource, type Issue, type Probe, type ProbeHit } from './inspectTypes';

const GD_AT_END = 0xffffffffffffffffn;
/** Where QEMU and oslo.utils expect the embedded descriptor. */
const DESC_OFFSET = 0x200;
/** vmdk_read_desc reads at most this much (1 MiB - 1). */
const DESC_READ_MAX = 1024 * 1024 - 1;
/** vmdk_parent_open and vmdk_read_cid read this window (20 sectors) at 0x200. */
const DESC_SIZE = 20 * 512;
/** vmdk_probe sees the first BLOCK_PROBE_BUF_SIZE bytes. */
const PROBE_BYTES = 2048;
const SAFE_CREATE_TYPES = new Set(['monolithicsparse', 'streamoptimized']);
/** vmdk_open_desc_file opens only these createTypes (case-sensitive); each keeps data in extents. */
const QEMU_DESCRIPTOR_TYPES = new Set(['monolithicFlat', 'vmfs', 'vmfsSparse', 'seSparse', 'twoGbMaxExtentSparse', 'twoGbMaxExtentFlat']);
/** vmdk_parse_extents opens extents of these types. */
const QEMU_EXTENT_TYPES = new Set(['FLAT', 'SPARSE', 'VMFS', 'VMFSSPARSE', 'SESPARSE']);
const EXTENT_ACCESS = new Set(['rw', 'rdonly', 'noaccess']);
const MARKER_EOS = 0;
const MARKER_FOOTER = 3;

interface SparseHeader {
  version: number;
  capacity: bigint;
  descSector: bigint;
  descSectors: bigint;
  gdOffset: bigint;
}

function parseSparseHeader(b: Buffer, at = 0): SparseHeader {
  return {
    version: b.readUInt32LE(at + 4),
    capacity: b.readBigUInt64LE(at + 12),
    descSector: b.readBigUInt64LE(at + 28),
    descSectors: b.readBigUInt64LE(at + 36),
    gdOffset: b.readBigUInt64LE(at + 56),
  };
}

// ───────────────────────────── QEMU's readers, byte for byte ─────────────────────────────

/** Bytes up to the first NUL, as C string functions see them. */
function cString(bytes: Buffer): string {
  const nul = bytes.indexOf(0);
  return bytes.toString('latin1', 0, nul < 0 ? bytes.length : nul);
}

/**
 * vmdk_read_desc: min(file length, 1 MiB - 1) bytes from `offset` (zeros past the end), as a C
 * string. Undefined when QEMU could not read it (file under 4 bytes, offset beyond 2^53).
 */
async function qemuReadDesc(src: ByteSource, offset: bigint): Promise<string | undefined> {
  const at = safeNumber(offset);
  if (at === undefined || (src.size !== undefined && src.size < 4)) return undefined;
  return cString(await src.read(at, Math.min(src.size ?? DESC_READ_MAX, DESC_READ_MAX)));
}

/**
 * vmdk_parse_description: the first occurrence of `key` anywhere (case-sensitive, comments
 * included), then two characters skipped unchecked (meant to be `="`), then the value up to the
 * next '"' wherever it is. Undefined where QEMU fails; `max` is its buffer size minus one.
 */
export function qemuDescriptionValue(desc: string, key: string, max = 127): string | undefined {
  const at = desc.indexOf(key);
  if (at < 0) return undefined;
  const start = at + key.length + 2;
  if (start >= desc.length) return undefined;
  const end = desc.indexOf('"', start);
  if (end < 0 || end - start > max) return undefined;
  return desc.slice(start, end);
}

export interface QemuExtent {
  type: string;
  /** The name as written; QEMU prefixes the image's folder unless it starts with '/'. */
  file: string;
}

const isCSpace = (c: string | undefined): boolean => c !== undefined && ' \t\n\v\f\r'.includes(c);

/**
 * The C library's sscanf(p, "%10s %" SCNd64 " %10s \"%511[^\n\r\"]\" %" SCNd64) as QEMU calls it
 * in vmdk_parse_extents. Conversions skip any white space, newlines included, so one "line" may
 * take its fields from the following lines, exactly as in QEMU.
 */
function scanExtentLine(s: string, from: number): { matches: number; access: string; sectors: bigint; type: string; file: string; offset: bigint } {
  const r = { matches: 0, access: '', sectors: 0n, type: '', file: '', offset: -1n };
  let p = from;
  const skipSpace = () => { while (isCSpace(s[p])) p++; };
  const word = (): string | undefined => {
    skipSpace();
    const start = p;
    while (p < s.length && p - start < 10 && !isCSpace(s[p])) p++;
    return p > start ? s.slice(start, p) : undefined;
  };
  const int = (): bigint | undefined => {
    skipSpace();
    const m = /^[+-]?\d+/.exec(s.slice(p, p + 40));
    if (!m) return undefined;
    p += m[0].length;
    const v = BigInt(m[0]);
    const max = (1n << 63n) - 1n;
    return v > max ? max : v < -max - 1n ? -max - 1n : v; // strtol saturates
  };
  const access = word();
  if (access === undefined) return r;
  r.access = access;
  r.matches = 1;
  const sectors = int();
  if (sectors === undefined) return r;
  r.sectors = sectors;
  r.matches = 2;
  const type = word();
  if (type === undefined) return r;
  r.type = type;
  r.matches = 3;
  skipSpace();
  if (s[p] !== '"') return r;
  p++;
  const start = p;
  while (p < s.length && p - start < 511 && !'\n\r"'.includes(s[p])) p++;
  if (p === start) return r;
  r.file = s.slice(start, p);
  r.matches = 4;
  if (s[p] !== '"') return r;
  p++;
  const offset = int();
  if (offset === undefined) return r;
  r.offset = offset;
  r.matches = 5;
  return r;
}

/**
 * vmdk_parse_extents: the extents QEMU opens (access exactly "RW", a known type, sectors > 0),
 * in order, up to the first line it calls invalid (where it stops with an error).
 */
export function qemuExtents(desc: string): { extents: QemuExtent[]; invalid?: string } {
  const extents: QemuExtent[] = [];
  for (let p = 0; p < desc.length; ) {
    const next = desc.indexOf('\n', p);
    const line = desc.slice(p, next < 0 ? desc.length : next);
    const e = scanExtentLine(desc, p);
    p = next < 0 ? desc.length : next + 1;
    if (e.matches < 4 || e.access !== 'RW') continue;
    const invalid = e.type === 'FLAT' ? e.matches !== 5 || e.offset < 0n : e.type === 'VMFS' ? e.matches !== 4 : e.matches !== 4;
    if (invalid) return { extents, invalid: line };
    if (e.sectors <= 0n || !QEMU_EXTENT_TYPES.has(e.type)) continue;
    extents.push({ type: e.type, file: e.file });
  }
  return { extents };
}

/** vmdk_probe on text: comment lines and lines of blanks may come first, then "version=1|2|3" and a line end. */
export function qemuProbesTextAsVmdk(head: Buffer): boolean {
  const b = Buffer.alloc(PROBE_BYTES); // the probe buffer is zero-filled past the end of the file
  head.copy(b, 0, 0, PROBE_BYTES);
  const end = PROBE_BYTES;
  let p = 0;
  while (p < end) {
    if (b[p] === 0x23) { // '#': skip the comment line
      while (p < end && b[p] !== 0x0a) p++;
      p++;
      continue;
    }
    if (b[p] === 0x20) { // only blanks (and a CR) may precede the line end
      while (p < end && b[p] === 0x20) p++;
      if (p < end && b[p] === 0x0d) p++;
      if (p === end || b[p] !== 0x0a) return false;
      p++;
      continue;
    }
    return /^version=[123](\n|\r\n)/.test(b.toString('latin1', p, p + 11));
  }
  return false;
}

/** vmdk_parent_open: parentFileNameHint found (case-sensitive, comments too) in the 20 sectors at 0x200. */
function qemuParentHint(window: string): string | undefined {
  const at = window.indexOf('parentFileNameHint');
  if (at < 0) return undefined;
  const start = at + 'parentFileNameHint'.length + 2;
  const end = window.indexOf('"', start);
  return end < 0 ? window.slice(start, start + 200) : window.slice(start, end);
}

// ───────────────────────────── messages ─────────────────────────────

/**
 * "extent 'x.bin' is a separate file". QEMU opens a name not starting with '/' in the image's
 * folder (vmdk_parse_extents), so nbd: or json: names are file names there too (qemu-img 7.2
 * opens "<folder>/nbd:…"; newer QEMU also passes parse_filename=false). A json: name cannot
 * even hold a '"'.
 */
function describeExtent(e: QemuExtent): string {
  const name = `'${shown(Buffer.from(e.file, 'latin1').toString('utf8'), 120)}'`; // qemu-img writes names in UTF-8
  if (e.file.startsWith('/')) return `extent ${name} is a host file named by absolute path`;
  if (e.file.includes('/')) return `extent ${name} is a file in another folder`;
  return `extent ${name} is a separate file`;
}

/**
 * The two descriptor-file routes. QEMU accepts only multi-file createTypes there, so the data is
 * always in other files: both are refused, and the message says what qemu-img would open.
 */
function descriptorFileIssues(name: string, desc: string, how: string): Issue[] {
  const createType = qemuDescriptionValue(desc, 'createType');
  if (createType === undefined || !QEMU_DESCRIPTOR_TYPES.has(createType)) {
    const typeText = createType === undefined ? 'no createType QEMU can read' : `createType "${shown(createType, 64)}"`;
    return [{
      code: 'vmdk-descriptor',
      message: `${name} ${how}, with ${typeText}: it holds no disk data of its own and qemu-img cannot open it as a single-file image. ${REFUSE}`,
    }];
  }
  const { extents, invalid } = qemuExtents(desc);
  if (extents.length === 0) {
    return [{
      code: 'vmdk-descriptor',
      message: `${name} ${how} (type ${shown(createType, 64)}) that names no extent QEMU could open${invalid ? ` (it stops at "${shown(invalid, 80)}")` : ''}: it is damaged or crafted. ${REFUSE}`,
    }];
  }
  return [{
    code: 'vmdk-extent-file',
    message: `${name} ${how} (type ${shown(createType, 64)}) whose data qemu-img would read from other files: ${extents.map(describeExtent).join('; ')}. ${REFUSE}`,
  }];
}

// ───────────────────────────── sparse route: oslo.utils' descriptor checks ─────────────────────────────

/** Printable ASCII or white space. */
const isTextByte = (c: number): boolean => (c >= 0x20 && c < 0x7f) || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c;

/**
 * Descriptor text may hold bytes above 0x7f: qemu-img writes file names, UTF-8 and all, into the
 * extent lines, and QEMU's parser takes any byte. Control bytes mark binary data.
 */
const isDescriptorByte = (c: number): boolean => isTextByte(c) || c > 0x7f;

/** The descriptor text up to its NUL padding; undefined if it holds bytes that are not text. */
function descriptorText(bytes: Buffer): string | undefined {
  const nul = bytes.indexOf(0);
  const text = bytes.subarray(0, nul < 0 ? bytes.length : nul);
  return text.every(isDescriptorByte) ? text.toString('utf8') : undefined;
}

/**
 * The createType value (original case), or undefined when the descriptor does not state one.
 * If several are stated (say one in a comment), an unsafe one wins.
 */
function createTypeOf(text: string): string | undefined {
  const all = [...text.matchAll(/createtype\s*=\s*"([^"\n]{0,63})"/gi)].map((m) => m[1]);
  return all.find((t) => !SAFE_CREATE_TYPES.has(t.toLowerCase())) ?? all[0];
}

/**
 * QEMU opens `parentFileNameHint` as a backing file for every VMDK, monolithicSparse included
 * (vmdk_parent_open, case-sensitive, comments too). Looked for here without regard to case, in
 * the whole descriptor as well as QEMU's window. oslo.utils does not check this.
 */
function parentHintIssue(text: string, window: string, name: string): Issue | undefined {
  const hint = qemuParentHint(window);
  const at = text.search(/parentfilenamehint/i);
  if (hint === undefined && at < 0) return undefined;
  const which = hint === undefined ? 'a parent image' : `a parent image (${shown(hint)})`;
  return {
    code: 'backing-file',
    message: `${name} is a VMDK whose descriptor names ${which}: qemu-img would open that host file as its backing file and read from it. ${REFUSE}`,
  };
}

/**
 * oslo.utils' descriptor checks (VMDKInspector.check_descriptor), kept although QEMU ignores
 * these lines in a sparse image: any line it does not understand is a refusal.
 */
function checkEmbeddedDescriptor(text: string, window: string, name: string): Issue[] {
  const issues: Issue[] = [];
  const createType = createTypeOf(text);
  if (createType === undefined) {
    issues.push({ code: 'vmdk-descriptor', message: `${name} is a VMDK whose descriptor states no createType, so its layout is unknown. ${REFUSE}` });
  } else if (!SAFE_CREATE_TYPES.has(createType.toLowerCase())) {
    issues.push({
      code: 'vmdk-create-type',
      message: `${name} is a VMDK of type ${shown(createType, 64)}, whose data lives in other files named by its descriptor: qemu-img would open those files. Only single-file monolithicSparse and streamOptimized VMDKs are converted. ${REFUSE}`,
    });
  }
  const extents: string[] = [];
  let badLine: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.toLowerCase().startsWith('ddb')) continue;
    const eq = line.indexOf('=');
    if (eq > 0 && !/\s/.test(line.slice(0, eq))) continue;
    if (EXTENT_ACCESS.has(line.split(/\s+/)[0].toLowerCase())) extents.push(line);
    else badLine ??= line;
  }
  if (badLine !== undefined) {
    issues.push({
      code: 'vmdk-descriptor',
      message: `${name} has a VMDK descriptor line this tool does not understand ("${shown(badLine, 80)}"): it is damaged or crafted. ${REFUSE}`,
    });
  }
  const withPath = extents.filter((e) => /[/\\]/.test(e)).map((e) => /"([^"]*)"/.exec(e)?.[1] ?? e);
  if (withPath.length > 0) {
    issues.push({
      code: 'vmdk-extent-path',
      message: `${name} is a VMDK whose descriptor names an extent by path (${withPath.map((p) => shown(p, 120)).join(', ')}): qemu-img would read that host file into the converted image. ${REFUSE}`,
    });
  }
  if (extents.length === 0) {
    issues.push({ code: 'vmdk-descriptor', message: `${name} is a VMDK whose descriptor lists no extents, so it has no data qemu-img could read safely. ${REFUSE}` });
  }
  const parent = parentHintIssue(text, window, name);
  if (parent) issues.push(parent);
  return issues;
}

/** True when a 512-byte stream marker has the given type, size 0 and a zero-filled body. */
function isMarker(b: Buffer, at: number, type: number, val?: bigint): boolean {
  if (val !== undefined && b.readBigUInt64LE(at) !== val) return false;
  if (b.readUInt32LE(at + 8) !== 0 || b.readUInt32LE(at + 12) !== type) return false;
  return b.subarray(at + 16, at + 512).every((c) => c === 0);
}

/** streamOptimized footer (last 1536 bytes: footer marker, footer header, end-of-stream marker). */
async function checkFooter(src: ByteSource, header: SparseHeader): Promise<{ problem?: string; footer?: SparseHeader }> {
  if (src.size === undefined || src.size < 1536 + 512) return { problem: 'the footer it announces is missing (the file is too short)' };
  const tail = await src.read(src.size - 1536, 1536);
  if (tail.length < 1536) return { problem: 'the footer it announces could not be read' };
  if (!hasMagic(tail, 512, 'KDMV')) return { problem: 'the footer signature is missing' };
  const footer = parseSparseHeader(tail, 512);
  if (footer.version !== header.version) return { problem: 'header and footer versions differ' };
  if (footer.descSector !== header.descSector || footer.descSectors !== header.descSectors) return { problem: 'the footer points to a different descriptor than the header' };
  if (footer.gdOffset === GD_AT_END) return { problem: 'the footer announces yet another footer' };
  if (!isMarker(tail, 0, MARKER_FOOTER)) return { problem: 'the footer marker is invalid' };
  if (!isMarker(tail, 1024, MARKER_EOS, 0n)) return { problem: 'the end-of-stream marker is invalid' };
  return { footer };
}

function capacityBytes(sectors: bigint, name: string, issues: Issue[]): number | undefined {
  const bytes = safeNumber(sectors * 512n);
  if (bytes === undefined) issues.push(sizeIssue(name, 'VMDK'));
  return bytes;
}

async function probeSparse(src: ByteSource, head: Buffer, name: string): Promise<ProbeHit> {
  if (head.length < 64) return { format: 'vmdk', issues: [truncatedIssue(name, 'a VMDK image')] };
  const header = parseSparseHeader(head);
  // vmdk_open_vmdk4: capacity 0 with a descriptor offset turns the image into a descriptor file.
  if (header.capacity === 0n && header.descSector !== 0n) {
    const desc = await qemuReadDesc(src, header.descSector * 512n);
    const how = `is a VMDK whose sparse header has capacity 0 and a descriptor at sector ${header.descSector}, which QEMU reads as a descriptor file`;
    if (desc === undefined) return { format: 'vmdk', issues: [{ code: 'vmdk-descriptor', message: `${name} ${how}, which it cannot even read: it is damaged or crafted. ${REFUSE}` }] };
    return { format: 'vmdk', virtualSize: 0, issues: descriptorFileIssues(name, desc, how) };
  }
  const issues: Issue[] = [];
  if (header.version < 1 || header.version > 3) {
    issues.push({ code: 'unsupported-version', message: `${name} is a VMDK sparse extent with unknown version ${header.version}. ${REFUSE}` });
    return { format: 'vmdk', issues };
  }
  if (header.descSector * 512n !== BigInt(DESC_OFFSET)) {
    issues.push({
      code: 'vmdk-descriptor',
      message: `${name} is a VMDK whose descriptor is not at offset 0x200 where it belongs (sector ${header.descSector}): it is damaged or crafted. ${REFUSE}`,
    });
    return { format: 'vmdk', virtualSize: capacityBytes(header.capacity, name, issues), issues };
  }
  const descLength = header.descSectors * 512n > BigInt(DESC_READ_MAX) ? DESC_READ_MAX : Math.max(Number(header.descSectors) * 512, DESC_SIZE);
  const bytes = await src.read(DESC_OFFSET, descLength);
  const text = descriptorText(bytes);
  if (text === undefined || text.trim() === '') {
    issues.push({ code: 'vmdk-descriptor', message: `${name} is a VMDK whose embedded descriptor is missing or not text, so its layout cannot be checked. ${REFUSE}` });
  } else {
    issues.push(...checkEmbeddedDescriptor(text, cString(bytes.subarray(0, DESC_SIZE)), name));
  }
  let capacity = header.capacity;
  if (header.gdOffset === GD_AT_END) {
    // QEMU reads the real header from the footer in this case, so its values are what count.
    const { problem, footer } = await checkFooter(src, header);
    if (problem !== undefined) {
      issues.push({ code: 'vmdk-footer', message: `${name} is a streamOptimized VMDK but ${problem}: it is damaged or crafted. ${REFUSE}` });
    }
    if (footer) capacity = footer.capacity;
  }
  return { format: 'vmdk', virtualSize: capacityBytes(capacity, name, issues), issues };
}

/** A file qemu-img probes as a VMDK descriptor (vmdk_probe), read as vmdk_open_desc_file reads it. */
async function probeTextDescriptor(src: ByteSource, head: Buffer, name: string): Promise<ProbeHit | undefined> {
  if (!qemuProbesTextAsVmdk(head)) return undefined; // raw data to qemu-img, whatever words it holds
  const desc = (await qemuReadDesc(src, 0n)) ?? '';
  return { format: 'vmdk', issues: descriptorFileIssues(name, desc, 'is a VMDK descriptor file') };
}

export const probeVmdk: Probe = async ({ head, name, src }) => {
  if (hasMagic(head, 0, 'KDMV')) return probeSparse(src, head, name);
  return probeTextDescriptor(src, head, name);
};
