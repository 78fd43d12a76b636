// VMDK detection and checks: KDMV sparse extents with an embedded descriptor, text-only
// descriptor files, and the streamOptimized footer (sources.md E.3, E.4).
//
// Only single-file VMDKs are safe to hand to qemu-img: monolithicSparse and streamOptimized.
// Any other createType keeps its data in files the descriptor names, and a descriptor can name
// any host path.

import { hasMagic, REFUSE, safeNumber, shown, sizeIssue, truncatedIssue, type ByteSource, type Issue, type Probe, type ProbeHit } from './inspectTypes';

const GD_AT_END = 0xffffffffffffffffn;
/** QEMU and oslo both expect the embedded descriptor at sector 1 and cap it at 1 MiB - 1. */
const DESC_OFFSET = 0x200;
const DESC_MAX = 1024 * 1024 - 1;
const SAFE_CREATE_TYPES = new Set(['monolithicsparse', 'streamoptimized']);
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

/** Printable ASCII or whitespace only: what a text descriptor file starts with. */
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
 * If several are stated (say one in a comment), an unsafe one wins: QEMU takes the first
 * occurrence anywhere in the text, comments included.
 */
function createTypeOf(text: string): string | undefined {
  const all = [...text.matchAll(/createtype\s*=\s*"([^"\n]{0,63})"/gi)].map((m) => m[1]);
  return all.find((t) => !SAFE_CREATE_TYPES.has(t.toLowerCase())) ?? all[0];
}

/**
 * QEMU opens `parentFileNameHint` as a backing file for every VMDK, monolithicSparse included,
 * wherever the word appears in the descriptor (it searches the raw text, comments too).
 * oslo.utils does not check this.
 */
function parentHintIssue(text: string, name: string): Issue | undefined {
  const at = text.search(/parentfilenamehint/i);
  if (at < 0) return undefined;
  const hint = /^parentfilenamehint\s*=\s*"([^"\n]*)"/i.exec(text.slice(at))?.[1];
  const which = hint === undefined ? 'a parent image' : `a parent image (${shown(hint)})`;
  return {
    code: 'backing-file',
    message: `${name} is a VMDK whose descriptor names ${which}: qemu-img would open that host file as its backing file and read from it. ${REFUSE}`,
  };
}

/** Checks a descriptor line by line; any line it does not understand is a refusal (as oslo.utils does). */
function checkDescriptor(text: string, name: string, createType: string | undefined): Issue[] {
  const issues: Issue[] = [];
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
  const parent = parentHintIssue(text, name);
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
  // QEMU looks for a parent hint in the first 20 sectors whatever size the header states.
  const descLength = header.descSectors * 512n > BigInt(DESC_MAX) ? DESC_MAX : Math.max(Number(header.descSectors), 20) * 512;
  const text = descriptorText(await src.read(DESC_OFFSET, descLength));
  if (text === undefined || text.trim() === '') {
    issues.push({ code: 'vmdk-descriptor', message: `${name} is a VMDK whose embedded descriptor is missing or not text, so its layout cannot be checked. ${REFUSE}` });
  } else {
    issues.push(...checkDescriptor(text, name, createTypeOf(text)));
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

async function probeTextDescriptor(src: ByteSource, head: Buffer, name: string): Promise<ProbeHit | undefined> {
  const start = head.subarray(0, 512);
  if (start.length < 64 || !start.every(isDescriptorByte)) return undefined;
  const text = descriptorText(await src.read(0, DESC_MAX)) ?? descriptorText(start);
  const createType = text === undefined ? undefined : createTypeOf(text);
  if (text === undefined || createType === undefined) return undefined; // plain text: raw data
  const issues = checkDescriptor(text, name, createType);
  if (SAFE_CREATE_TYPES.has(createType.toLowerCase())) {
    // QEMU accepts text descriptors only for multi-file types; a "monolithicSparse" one is bogus.
    issues.push({
      code: 'vmdk-descriptor',
      message: `${name} is a VMDK descriptor file without disk data; its data would come from the files its extents name. ${REFUSE} Convert the data file(s) instead.`,
    });
  }
  return { format: 'vmdk', issues };
}

export const probeVmdk: Probe = async ({ head, name, src }) => {
  if (hasMagic(head, 0, 'KDMV')) return probeSparse(src, head, name);
  return probeTextDescriptor(src, head, name);
};
