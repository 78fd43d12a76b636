// Detectors and safety checks for every format except VMDK (inspectVmdk.ts).
// Byte layouts: /work/shared/reference/sources.md E.3 (oslo.utils format_inspector) and E.4 (QEMU).

import {
  hasMagic, REFUSE, safeNumber, shown, sizeIssue, truncatedIssue,
  type ByteSource, type Issue, type Probe, type ProbeHit,
} from './inspectTypes';

/** A NUL-free string of at most `max` bytes read from the image (latin1: bytes map 1:1). */
async function readName(src: ByteSource, offset: bigint, length: number, max = 1023): Promise<string | undefined> {
  const off = safeNumber(offset);
  if (off === undefined || length <= 0) return undefined;
  const bytes = await src.read(off, Math.min(length, max));
  if (bytes.length === 0) return undefined;
  const nul = bytes.indexOf(0);
  return bytes.toString('latin1', 0, nul < 0 ? bytes.length : nul);
}

const sectorFloor = (n: number): number => n - (n % 512);

// ─────────────────────────────────── qcow / qcow2 ───────────────────────────────────

const QCOW2_EXT_DATA_FILE = 0x44415441;
const QCOW2_INCOMPAT_DATA_FILE = 1n << 2n;
/** Bits 0-4 are defined (dirty, corrupt, external data file, compression type, extended L2). */
const QCOW2_INCOMPAT_KNOWN = 0x1fn;

/**
 * The external data-file name from the qcow2 header extensions, if one is present. QEMU
 * (qcow2_do_open) opens a data file only when incompatible bit 2 is set and ignores the
 * extension otherwise; both are refused here, so a chain of extensions running past the 64 KiB
 * read (qcow2_read_extensions reads to the end of the first cluster) cannot hide the data file:
 * the bit alone is refused.
 */
function qcow2DataFileName(head: Buffer, extStart: number): string | undefined {
  let off = extStart;
  for (let i = 0; i < 64 && off + 8 <= head.length; i++) {
    const type = head.readUInt32BE(off);
    const len = head.readUInt32BE(off + 4);
    if (type === 0) return undefined;
    if (type === QCOW2_EXT_DATA_FILE) return head.toString('latin1', off + 8, Math.min(off + 8 + Math.min(len, 1023), head.length));
    off += 8 + Math.ceil(len / 8) * 8;
  }
  return undefined;
}

function backingIssue(name: string, backing: string | undefined): Issue {
  const which = backing === undefined ? 'a backing file' : `a backing file (${shown(backing)})`;
  return {
    code: 'backing-file',
    message: `${name} names ${which}: qemu-img would read that host file into the converted image. ${REFUSE}`,
  };
}

/**
 * qcow2 as qcow2_do_open reads it: version 2 or 3; a backing file whenever backing_file_offset is
 * set (QEMU would read a name there; an empty one still counts here); incompatible feature bits
 * beyond the five QEMU 7.2 and later define (QCOW2_INCOMPAT_MASK: dirty, corrupt, data file,
 * compression type, extended L2) make QEMU refuse the image, and are refused here first.
 */
export const probeQcow: Probe = async ({ head, name, src }) => {
  if (!hasMagic(head, 0, 'QFI\xfb')) return undefined;
  if (head.length < 32) return { format: 'qcow2', issues: [truncatedIssue(name, 'a qcow2 image')] };
  const version = head.readUInt32BE(4);
  const issues: Issue[] = [];
  const rawSize = head.readBigUInt64BE(24);
  const size = safeNumber(rawSize);
  if (size === undefined) issues.push(sizeIssue(name, 'qcow2'));
  const backingOffset = head.readBigUInt64BE(8);
  const backing = backingOffset !== 0n ? await readName(src, backingOffset, head.readUInt32BE(16)) : undefined;

  if (version === 1) {
    issues.unshift({
      code: 'unsupported-version',
      message: `${name} is an old qcow version 1 image: the format is obsolete and its header cannot be checked the way qcow2 is. ${REFUSE}`,
    });
    if (backingOffset !== 0n) issues.push(backingIssue(name, backing));
    return { format: 'qcow', virtualSize: size, issues };
  }
  const hit: ProbeHit = { format: 'qcow2', virtualSize: size === undefined ? undefined : sectorFloor(size), issues };
  if (version !== 2 && version !== 3) {
    issues.unshift({
      code: 'unsupported-version',
      message: `${name} has a qcow2 header with version ${version}; only versions 2 and 3 exist, so it is damaged or crafted. ${REFUSE}`,
    });
    return hit;
  }
  if (backingOffset !== 0n) issues.push(backingIssue(name, backing));
  if (head.length < (version === 3 ? 104 : 72)) {
    issues.push(truncatedIssue(name, 'a qcow2 image'));
    return hit;
  }

  const incompatible = version === 3 ? head.readBigUInt64BE(72) : 0n;
  const dataFile = qcow2DataFileName(head, version === 3 ? head.readUInt32BE(100) : 72);
  if ((incompatible & QCOW2_INCOMPAT_DATA_FILE) !== 0n || dataFile !== undefined) {
    const which = dataFile === undefined ? 'an external data file' : `an external data file (${shown(dataFile)})`;
    issues.push({
      code: 'data-file',
      message: `${name} keeps its data in ${which}: qemu-img would read that host file as the disk contents. ${REFUSE}`,
    });
  }
  const unknown = incompatible & ~QCOW2_INCOMPAT_KNOWN;
  if (unknown !== 0n) {
    issues.push({
      code: 'unknown-features',
      message: `${name} sets qcow2 incompatible feature bits that no version of the format defines (0x${unknown.toString(16)}): the image is damaged or crafted and cannot be read safely. ${REFUSE}`,
    });
  }
  return hit;
};

// ─────────────────────────────────── QED, COWD ───────────────────────────────────

export const probeQed: Probe = async ({ head, name }) =>
  hasMagic(head, 0, 'QED\0')
    ? {
        format: 'qed',
        virtualSize: head.length >= 56 ? safeNumber(head.readBigUInt64LE(48)) : undefined,
        issues: [{
          code: 'banned-format',
          message: `${name} is a QED image: QED can name a backing file on the host and this tool does not convert it. ${REFUSE} Convert it to qcow2 by hand only if you trust where it came from.`,
        }],
      }
    : undefined;

export const probeCowd: Probe = async ({ head, name }) =>
  hasMagic(head, 0, 'COWD')
    ? {
        format: 'vmdk',
        virtualSize: head.length >= 16 ? head.readUInt32LE(12) * 512 : undefined,
        issues: [{
          code: 'banned-format',
          message: `${name} is an old VMware "COWD" sparse image: qemu-img opens it, but it can chain to a parent file and has no descriptor this tool can check. ${REFUSE}`,
        }],
      }
    : undefined;

// ─────────────────────────────────────── VHD ───────────────────────────────────────

/** Creators whose VHDs QEMU sizes from the footer's current size rather than CHS geometry. */
const VHD_SIZE_FROM_FOOTER = new Set(['win ', 'qem2', 'd2v ', 'CTXS', 'tap\0']);

/** Virtual size of a VHD footer as QEMU's vpc driver computes it. */
export function vhdVirtualSize(footer: Buffer): number | undefined {
  const cyls = footer.readUInt16BE(56);
  const heads = footer[58];
  const spt = footer[59];
  const chsSectors = cyls * heads * spt;
  const creator = footer.toString('latin1', 28, 32);
  if (VHD_SIZE_FROM_FOOTER.has(creator) || chsSectors === 65535 * 16 * 255) {
    const current = safeNumber(footer.readBigUInt64BE(48));
    return current === undefined ? undefined : sectorFloor(current);
  }
  return chsSectors * 512;
}

/** Differencing disks (VHD, VHDX, VDI) read unwritten blocks from a parent image elsewhere. */
function parentIssue(name: string, what: string): Issue {
  return {
    code: 'backing-file',
    message: `${name} is a differencing ${what} whose unwritten blocks come from a parent image in another file: converted alone it would be incomplete or wrong. ${REFUSE} Merge it into its parent first.`,
  };
}

/** QEMU's vpc_open reads a differencing disk without its parent (no parent locator is followed): stricter here. */
const VHD_DIFFERENCING = 4;

export const probeVhd: Probe = async ({ head, name }) => {
  if (!hasMagic(head, 0, 'conectix')) return undefined;
  if (head.length < 64) return { format: 'vhd', issues: [truncatedIssue(name, 'a VHD image')] };
  const virtualSize = vhdVirtualSize(head);
  const issues = virtualSize === undefined ? [sizeIssue(name, 'VHD')] : [];
  if (head.readUInt32BE(60) === VHD_DIFFERENCING) issues.push(parentIssue(name, 'VHD'));
  return { format: 'vhd', virtualSize, issues };
};

/**
 * A fixed VHD has its footer only in the last 512 bytes (QEMU does not probe it, so undeclared it
 * is raw data). Used when the user declares `vpc`.
 */
export async function probeFixedVhdFooter(src: ByteSource): Promise<ProbeHit | undefined> {
  if (src.size === undefined || src.size < 1024) return undefined;
  const footer = await src.read(src.size - 512, 512);
  if (footer.length < 512 || !hasMagic(footer, 0, 'conectix') || footer.readUInt32BE(60) !== 2) return undefined;
  return { format: 'vhd', virtualSize: vhdVirtualSize(footer), issues: [] };
}

// ─────────────────────────────────────── VHDX ───────────────────────────────────────

const VHDX_METADATA_REGION = '8B7CA206-4790-4B9A-B8FE-575F050F886E';
const VHDX_VIRTUAL_DISK_SIZE = '2FA54224-CD1B-4876-B211-5DBED83BF4B8';
const VHDX_FILE_PARAMETERS = 'CAA16737-FA36-4D43-B3B6-33F0AA44E76B';
/** vhdx_parse_metadata refuses an image with this file-parameters bit (no parent support): refused here first. */
const VHDX_HAS_PARENT = 0x02;
const VHDX_MAX_ENTRIES = 2047;

/** On-disk GUID (first three fields little-endian) → canonical upper-case text. */
function guidText(b: Buffer, off: number): string {
  const hex = (from: number, to: number, reverse: boolean): string => {
    const part = Buffer.from(b.subarray(off + from, off + to));
    return (reverse ? part.reverse() : part).toString('hex');
  };
  return [hex(0, 4, true), hex(4, 6, true), hex(6, 8, true), hex(8, 10, false), hex(10, 16, false)].join('-').toUpperCase();
}

/** Finds the entry with `guid` in a table of 32-byte entries after a 16/32-byte header. */
function findEntry(table: Buffer, first: number, count: number, guid: string): number | undefined {
  for (let i = 0; i < count; i++) {
    const at = first + 32 * i;
    if (at + 32 > table.length) return undefined;
    if (guidText(table, at) === guid) return at;
  }
  return undefined;
}

interface VhdxMetadata { size?: bigint; hasParent: boolean }

/** VHDX metadata: region table (192 KiB, copy at 256 KiB) → metadata table → Virtual Disk Size and File Parameters items. */
async function vhdxMetadata(src: ByteSource): Promise<VhdxMetadata | undefined> {
  for (const tableOffset of [192 * 1024, 256 * 1024]) {
    const table = await src.read(tableOffset, 64 * 1024);
    if (table.length < 16 || table.readUInt32LE(0) !== 0x69676572) continue; // 'regi'
    const regions = table.readUInt32LE(8);
    if (regions > VHDX_MAX_ENTRIES) continue;
    const entry = findEntry(table, 16, regions, VHDX_METADATA_REGION);
    if (entry === undefined) continue;
    const metaOffset = safeNumber(table.readBigUInt64LE(entry + 16));
    if (metaOffset === undefined) continue;
    const meta = await src.read(metaOffset, 32 * (VHDX_MAX_ENTRIES + 1));
    if (meta.length < 32 || !hasMagic(meta, 0, 'metadata')) continue;
    const items = meta.readUInt16LE(10);
    if (items > VHDX_MAX_ENTRIES) continue;
    const itemValue = async (guid: string, length: number): Promise<Buffer | undefined> => {
      const item = findEntry(meta, 32, items, guid);
      if (item === undefined) return undefined;
      const value = await src.read(metaOffset + meta.readUInt32LE(item + 16), length);
      return value.length === length ? value : undefined;
    };
    const size = await itemValue(VHDX_VIRTUAL_DISK_SIZE, 8);
    const params = await itemValue(VHDX_FILE_PARAMETERS, 8);
    return { size: size?.readBigUInt64LE(0), hasParent: params !== undefined && (params.readUInt32LE(4) & VHDX_HAS_PARENT) !== 0 };
  }
  return undefined;
}

export const probeVhdx: Probe = async ({ head, name, src }) => {
  if (!hasMagic(head, 0, 'vhdxfile')) return undefined;
  const meta = await vhdxMetadata(src);
  if (meta?.size === undefined) {
    return {
      format: 'vhdx',
      issues: [{
        code: 'truncated',
        message: `${name} is a VHDX image whose region table or metadata is missing or damaged, so its size and layout cannot be checked. ${REFUSE}`,
      }],
    };
  }
  const virtualSize = safeNumber(meta.size);
  const issues = virtualSize === undefined ? [sizeIssue(name, 'VHDX')] : [];
  if (meta.hasParent) issues.push(parentIssue(name, 'VHDX'));
  return { format: 'vhdx', virtualSize, issues };
};

// ─────────────────────────────────────── VDI ───────────────────────────────────────

/** VDI image types 3 (undo) and 4 (differencing) depend on a parent image; vdi_open accepts only types 1 and 2. */
const VDI_WITH_PARENT = new Set([3, 4]);

export const probeVdi: Probe = async ({ head, name }) => {
  if (head.length < 0x44 || head.readUInt32LE(0x40) !== 0xbeda107f) return undefined;
  if (head.length < 0x178) return { format: 'vdi', issues: [truncatedIssue(name, 'a VDI image')] };
  const size = safeNumber(head.readBigUInt64LE(0x170));
  const issues = size === undefined ? [sizeIssue(name, 'VDI')] : [];
  if (VDI_WITH_PARENT.has(head.readUInt32LE(0x4c))) issues.push(parentIssue(name, 'VDI'));
  // vdi_open rounds an odd disk size up to whole sectors (VBoxManage convertfromraw writes such sizes).
  return { format: 'vdi', virtualSize: size === undefined ? undefined : Math.ceil(size / 512) * 512, issues };
};

// ─────────────────────────────────── ISO, MBR/GPT ───────────────────────────────────

const ISO_SIGNATURES = new Set(['CD001', 'NSR02', 'NSR03']);

/** ISO 9660 / UDF: raw data to qemu-img, so its virtual size is the file's length. */
export const probeIso: Probe = async ({ head, src }) =>
  head.length >= 32774 && ISO_SIGNATURES.has(head.toString('latin1', 32769, 32774))
    ? { format: 'iso', virtualSize: src.size, issues: [] }
    : undefined;

/** A FAT volume boot record carries 0x55AA too; two FATs and fixed-disk media mark it as one. */
const isFatVbr = (head: Buffer): boolean => head[0x10] === 2 && head[0x15] === 0xf8;

/** Checks the four MBR partition entries the way oslo.utils does (sources.md E.3). */
function mbrProblem(head: Buffer): string | undefined {
  const used: number[] = [];
  let protective = false;
  for (let i = 0; i < 4; i++) {
    const at = 446 + 16 * i;
    const boot = head[at];
    const type = head[at + 4];
    if (boot !== 0x00 && boot !== 0x80) return `partition ${i + 1} has an invalid boot flag (0x${boot.toString(16)})`;
    if (type !== 0) used.push(i);
    if (type === 0xee) {
      protective = true;
      if (head[at + 1] !== 0 || head[at + 2] !== 2 || head[at + 3] !== 0) return 'the protective GPT partition has an invalid start CHS';
      if (head.readUInt32LE(at + 8) !== 1) return 'the protective GPT partition does not start at sector 1';
    }
  }
  if (protective && (used.length !== 1 || used[0] !== 0)) return 'the protective GPT entry is not the only partition';
  if (used.length === 0) return 'it defines no partitions';
  return undefined;
}

/** MBR or GPT partitioned disk: raw data to qemu-img. */
export const probeGpt: Probe = async ({ head, name, src }) => {
  if (head.length < 512 || head.readUInt16LE(510) !== 0xaa55 || isFatVbr(head)) return undefined;
  const problem = mbrProblem(head);
  const issues: Issue[] = problem === undefined ? [] : [{
    code: 'mbr-invalid',
    message: `${name} has a partition-table signature but ${problem}: the first sector is damaged or crafted to look like something else. ${REFUSE}`,
  }];
  return { format: 'gpt', virtualSize: src.size, issues };
};

// ─────────────────────────────────────── LUKS ───────────────────────────────────────

/** LUKS v1 names no other file (a detached header is an open option, never in the image); QEMU 7.2 reads v1 only. */
export const probeLuks: Probe = async ({ head, name, src }) => {
  if (!hasMagic(head, 0, 'LUKS\xba\xbe')) return undefined;
  if (head.length < 108) return { format: 'luks', issues: [truncatedIssue(name, 'a LUKS volume')] };
  const version = head.readUInt16BE(6);
  if (version !== 1) {
    return {
      format: 'luks',
      issues: [{
        code: 'unsupported-version',
        message: `${name} is a LUKS version ${version} volume; qemu-img reads only LUKS version 1. ${REFUSE} Open it with cryptsetup and convert the decrypted device instead.`,
      }],
    };
  }
  const payload = head.readUInt32BE(104) * 512;
  const virtualSize = src.size !== undefined && src.size >= payload ? src.size - payload : undefined;
  return { format: 'luks', virtualSize, issues: [] };
};
