// Disk images built byte by byte, for tests of the inspector and of the convert pipeline.
//
// Every builder is a pure function returning a Buffer (nothing touches the disk until you call
// `writeImage`). Offsets and field layouts follow the format specifications (qcow2.rst, VMDK 1.1,
// VHD/VHDX, VDI, ECMA-119, UEFI GPT, LUKS on-disk format); see /work/shared/reference/sources.md E.3/E.4.
//
// Two groups:
//  * hostile images, which the inspector must refuse (`hostileSamples()` lists them all with the
//    reason the inspector gives, as a `RefusalCode`);
//  * well-formed minimal images, which the inspector must detect with their virtual size
//    (`wellFormedSamples()` lists them all). qemu-img info opens the qcow2, VMDK, VHD and VDI
//    samples with the same virtual size, and qemu-img check passes the qcow2 and VDI ones
//    (test/unit/imageInspectorQemu.test.ts); VHDX, ISO, GPT and LUKS samples carry only the
//    headers an inspector reads.
//
// Index (all return a Buffer unless noted):
//   hostile   qcow2WithBackingFile, qcow2WithDataFile, qcow2WithUnknownIncompatibleBit, qcowV1,
//             qed, rawHoldingQcow2 (hostile when declared raw), qcow2WithMbr, vmdkWithIsoSignature,
//             vmdkDescriptorWithPathExtent, vmdkSparseWithPathExtent, vmdkSparseWithParentHint,
//             vmdkMonolithicFlat, vmdkCowd, luks2, vhd({ parent }), vhdx({ hasParent }), vdi(size, 4)
//   good      qcow2V2, qcow2V3, vmdkMonolithicSparse, vmdkStreamOptimized, vhd, vhdx, vdi, iso,
//             isoHybrid, mbrDisk, gptDisk, fatVbr (→ raw), luks1
//   building  qcow2(opts), vmdkSparse(opts), vmdkTextDescriptor(opts), mbrPartition, truncated
//   lists     hostileSamples() → { name, bytes, declaredFormat?, reason, description }[]
//             wellFormedSamples() → { name, bytes, format, qemuFormat, virtualSize }[]
//   files     makeTempDir, writeImage(dir, name, bytes) → absolute path, removeTempDir
//
// Typical use:
//   const dir = makeTempDir();
//   const src = writeImage(dir, 'disk.qcow2', qcow2WithBackingFile('/etc/passwd'));
//   await assert.rejects(convertImage({ source: src, ... }));

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RefusalCode } from '../../src/core/image/inspectTypes';

export const KiB = 1024;
export const MiB = 1024 * KiB;

// ───────────────────────────── small byte helpers ─────────────────────────────

function be32(b: Buffer, off: number, v: number): void { b.writeUInt32BE(v >>> 0, off); }
function be64(b: Buffer, off: number, v: number | bigint): void { b.writeBigUInt64BE(BigInt(v), off); }
function le16(b: Buffer, off: number, v: number): void { b.writeUInt16LE(v, off); }
function le32(b: Buffer, off: number, v: number): void { b.writeUInt32LE(v >>> 0, off); }
function le64(b: Buffer, off: number, v: number | bigint): void { b.writeBigUInt64LE(BigInt(v), off); }
function ascii(b: Buffer, off: number, s: string): void { b.write(s, off, 'latin1'); }
const roundUp = (n: number, to: number): number => Math.ceil(n / to) * to;

/** Microsoft GUID text → its on-disk bytes (first three fields little-endian). */
export function guidBytes(guid: string): Buffer {
  const h = guid.replace(/-/g, '');
  const raw = Buffer.from(h, 'hex');
  return Buffer.concat([
    Buffer.from(raw.subarray(0, 4)).reverse(),
    Buffer.from(raw.subarray(4, 6)).reverse(),
    Buffer.from(raw.subarray(6, 8)).reverse(),
    raw.subarray(8, 16),
  ]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One's-complement byte sum, as VHD footers and dynamic headers use. */
function vhdChecksum(buf: Buffer): number {
  let sum = 0;
  for (const byte of buf) sum += byte;
  return ~sum >>> 0;
}

// ──────────────────────────────────── qcow2 ────────────────────────────────────

export interface Qcow2Options {
  /** 2 (compat=0.10) or 3 (compat=1.1); other values build an unsupported header. Default 3. */
  version?: number;
  /** Default 64 MiB. */
  virtualSize?: number;
  /** Backing file name, written after the header extensions and pointed to by bytes 8-19. */
  backingFile?: string;
  /** Backing format header extension (0xe2792aca), e.g. 'raw'. */
  backingFormat?: string;
  /** Extra incompatible feature bits (v3, BE u64 at 72). */
  incompatibleFeatures?: bigint;
  /** External data file name: sets incompatible bit 2 and adds extension 0x44415441. */
  dataFile?: string;
  /** Default 16 (64 KiB clusters). */
  clusterBits?: number;
}

/**
 * A complete, consistent qcow2 image: header cluster, refcount table, one refcount block, an
 * empty L1 table. `qemu-img check` accepts it (without backing/data file).
 */
export function qcow2(opts: Qcow2Options = {}): Buffer {
  const version = opts.version ?? 3;
  const size = opts.virtualSize ?? 64 * MiB;
  const cb = opts.clusterBits ?? 16;
  const cs = 2 ** cb;
  const img = Buffer.alloc(4 * cs);
  const l1Entries = Math.max(1, Math.ceil(size / (cs * (cs / 8))));

  ascii(img, 0, 'QFI\xfb');
  be32(img, 4, version);
  be32(img, 20, cb);
  be64(img, 24, size);
  be32(img, 32, 0); // no encryption
  be32(img, 36, l1Entries);
  be64(img, 40, 3 * cs); // L1 table in cluster 3
  be64(img, 48, 1 * cs); // refcount table in cluster 1
  be32(img, 56, 1);

  let incompatible = opts.incompatibleFeatures ?? 0n;
  if (opts.dataFile !== undefined) incompatible |= 1n << 2n;
  let off = 72;
  if (version >= 3) {
    be64(img, 72, incompatible);
    be32(img, 96, 4); // refcount_order: 16-bit refcounts
    be32(img, 100, 112);
    off = 112; // byte 104 is compression_type (0 = zlib); 105-111 padding
  }
  const ext = (type: number, data: Buffer): void => {
    be32(img, off, type);
    be32(img, off + 4, data.length);
    data.copy(img, off + 8);
    off += 8 + roundUp(data.length, 8);
  };
  if (opts.backingFormat !== undefined) ext(0xe2792aca, Buffer.from(opts.backingFormat));
  if (opts.dataFile !== undefined) ext(0x44415441, Buffer.from(opts.dataFile));
  ext(0, Buffer.alloc(0)); // end of extensions
  if (opts.backingFile !== undefined) {
    const name = Buffer.from(opts.backingFile);
    be64(img, 8, off);
    be32(img, 16, name.length);
    name.copy(img, off);
  }
  be64(img, cs, 2 * cs); // refcount table → refcount block in cluster 2
  for (let c = 0; c < 4; c++) img.writeUInt16BE(1, 2 * cs + 2 * c); // clusters 0-3 in use
  return img;
}

/** Well-formed qcow2 v3 (compat=1.1). */
export const qcow2V3 = (virtualSize = 64 * MiB): Buffer => qcow2({ version: 3, virtualSize });
/** Well-formed qcow2 v2 (compat=0.10). */
export const qcow2V2 = (virtualSize = 64 * MiB): Buffer => qcow2({ version: 2, virtualSize });
/** HOSTILE: qcow2 v3 whose backing file is a host file; qemu-img would read it into the output. */
export const qcow2WithBackingFile = (file = '/etc/passwd', version = 3): Buffer =>
  qcow2({ version, backingFile: file, backingFormat: 'raw' });
/** HOSTILE: qcow2 v3 with the external data-file incompatible bit and a data-file name extension. */
export const qcow2WithDataFile = (file = '/etc/passwd'): Buffer => qcow2({ dataFile: file });
/** HOSTILE: qcow2 v3 with an incompatible feature bit no specification defines (default bit 40). */
export const qcow2WithUnknownIncompatibleBit = (bit = 40): Buffer =>
  qcow2({ incompatibleFeatures: 1n << BigInt(bit) });
/** HOSTILE when declared raw: a "raw" file that is really a qcow2 (e.g. a cloud image named .img). */
export const rawHoldingQcow2 = (): Buffer => qcow2V3();

/** HOSTILE: a qcow2 v3 header that also carries an MBR boot signature and a valid partition. */
export function qcow2WithMbr(): Buffer {
  const img = qcow2V3();
  mbrPartition(img, 0, { type: 0x83, startLba: 2048, sectors: 4096 });
  img[510] = 0x55;
  img[511] = 0xaa;
  return img;
}

/** HOSTILE: qcow version 1 (the old format QEMU still opens; no safety checks are defined for it). */
export function qcowV1(virtualSize = 64 * MiB, backingFile?: string): Buffer {
  const img = Buffer.alloc(4096);
  ascii(img, 0, 'QFI\xfb');
  be32(img, 4, 1);
  be64(img, 24, virtualSize);
  img[32] = 12; // cluster_bits
  img[33] = 9; // l2_bits
  be64(img, 40, 1024);
  if (backingFile) {
    be64(img, 8, 512);
    be32(img, 16, Buffer.byteLength(backingFile));
    ascii(img, 512, backingFile);
  }
  return img;
}

/** HOSTILE: QED (always refused; may name a backing file). */
export function qed(virtualSize = 64 * MiB, backingFile = '/etc/passwd'): Buffer {
  const img = Buffer.alloc(4096);
  ascii(img, 0, 'QED\0');
  le32(img, 4, 64 * KiB); // cluster size
  le32(img, 8, 4); // table size (clusters)
  le32(img, 12, 1); // header size (clusters)
  le64(img, 16, 1); // features: has backing file
  le64(img, 40, 64 * KiB);
  le64(img, 48, virtualSize);
  le32(img, 56, 512);
  le32(img, 60, Buffer.byteLength(backingFile));
  ascii(img, 512, backingFile);
  return img;
}

// ───────────────────────────────────── VMDK ─────────────────────────────────────

export interface VmdkDescriptorOptions {
  /** Default monolithicSparse. */
  createType?: string;
  /** Extent lines, verbatim. Default: one sparse extent naming the file itself. */
  extents?: string[];
  /** Sectors, for the default extent line and ddb geometry. Default 64 MiB / 512. */
  sectors?: number;
}

/** The text of a VMDK descriptor. */
export function vmdkDescriptorText(opts: VmdkDescriptorOptions = {}): string {
  const sectors = opts.sectors ?? (64 * MiB) / 512;
  const createType = opts.createType ?? 'monolithicSparse';
  const extents = opts.extents ?? [`RW ${sectors} SPARSE "disk.vmdk"`];
  return [
    '# Disk DescriptorFile',
    'version=1',
    'CID=12345678',
    'parentCID=ffffffff',
    `createType="${createType}"`,
    '',
    '# Extent description',
    ...extents,
    '',
    '# The Disk Data Base',
    '#DDB',
    '',
    'ddb.virtualHWVersion = "4"',
    `ddb.geometry.cylinders = "${Math.ceil(sectors / (16 * 63))}"`,
    'ddb.geometry.heads = "16"',
    'ddb.geometry.sectors = "63"',
    'ddb.adapterType = "ide"',
    '',
  ].join('\n');
}

/** A text-only VMDK descriptor file (no binary header). */
export const vmdkTextDescriptor = (opts: VmdkDescriptorOptions = {}): Buffer =>
  Buffer.from(vmdkDescriptorText(opts), 'latin1');

/** HOSTILE: a text descriptor whose flat extent is a host file. */
export const vmdkDescriptorWithPathExtent = (file = '/etc/passwd'): Buffer =>
  vmdkTextDescriptor({ createType: 'monolithicFlat', extents: [`RW 8 FLAT "${file}" 0`], sectors: 8 });

/** HOSTILE: createType monolithicFlat with a relative extent (data lives in another file). */
export const vmdkMonolithicFlat = (extent = 'disk-flat.vmdk'): Buffer =>
  vmdkTextDescriptor({ createType: 'monolithicFlat', extents: [`RW 131072 FLAT "${extent}" 0`], sectors: 131072 });

export interface VmdkSparseOptions {
  /** Default 64 MiB. */
  virtualSize?: number;
  descriptor?: VmdkDescriptorOptions;
  /** Sector of the embedded descriptor; the inspector requires 1 (0x200). */
  descriptorSector?: number;
  /** streamOptimized: grain directory at end, footer + end-of-stream marker in the last 1536 bytes. */
  streamOptimized?: boolean;
  /** Total file length (padding), default just past the metadata. */
  length?: number;
}

/** The 512-byte KDMV sparse extent header. */
function vmdkSparseHeader(sectors: number, descSector: number, gdOffset: bigint, stream: boolean): Buffer {
  const h = Buffer.alloc(512);
  ascii(h, 0, 'KDMV');
  le32(h, 4, stream ? 3 : 1);
  le32(h, 8, stream ? 0x30001 : 0x3); // newline test (+ compressed grains and markers)
  le64(h, 12, sectors);
  le64(h, 20, 128); // grain: 64 KiB
  le64(h, 28, descSector);
  le64(h, 36, 20); // descriptor sectors
  le32(h, 44, 512); // grain table entries
  le64(h, 48, stream ? 0 : 21);
  le64(h, 56, gdOffset);
  le64(h, 64, 128); // overhead
  ascii(h, 73, '\n \r\n');
  le16(h, 77, stream ? 1 : 0); // deflate
  return h;
}

/**
 * A KDMV sparse VMDK: header, embedded descriptor at sector 1. Grain directory and tables are not
 * written, so qemu-img info opens it but reading its data would fail.
 */
export function vmdkSparse(opts: VmdkSparseOptions = {}): Buffer {
  const size = opts.virtualSize ?? 64 * MiB;
  const sectors = Math.ceil(size / 512);
  const stream = opts.streamOptimized ?? false;
  const descSector = opts.descriptorSector ?? 1;
  const desc = vmdkDescriptorText({
    createType: stream ? 'streamOptimized' : 'monolithicSparse',
    sectors,
    ...opts.descriptor,
  });
  const gdAtEnd = 0xffffffffffffffffn;
  const header = vmdkSparseHeader(sectors, descSector, stream ? gdAtEnd : 22n, stream);
  const body = Buffer.alloc(Math.max(opts.length ?? 0, (descSector + 20) * 512 + 64 * KiB));
  header.copy(body, 0);
  ascii(body, descSector * 512, desc);
  if (!stream) return body;
  // Footer marker, footer (header copy with the real GD offset), end-of-stream marker.
  const tail = Buffer.alloc(1536);
  le64(tail, 0, 1);
  le32(tail, 12, 3); // MARKER_FOOTER
  vmdkSparseHeader(sectors, descSector, BigInt(body.length / 512 - 8), true).copy(tail, 512);
  return Buffer.concat([body, tail]);
}

/** Well-formed monolithicSparse VMDK header + descriptor. */
export const vmdkMonolithicSparse = (virtualSize = 64 * MiB): Buffer => vmdkSparse({ virtualSize });
/** Well-formed streamOptimized VMDK header + descriptor + footer. */
export const vmdkStreamOptimized = (virtualSize = 64 * MiB): Buffer => vmdkSparse({ virtualSize, streamOptimized: true });

/** HOSTILE: a KDMV sparse VMDK whose embedded descriptor (at 0x200) names an extent by path. */
export const vmdkSparseWithPathExtent = (file = '/etc/passwd'): Buffer =>
  vmdkSparse({ descriptor: { extents: [`RW 131072 SPARSE "${file}"`] } });

/**
 * HOSTILE: a monolithicSparse VMDK whose descriptor carries `parentFileNameHint`: QEMU opens the
 * named file as a backing file (even when the line is a comment, as with `inComment`).
 */
export const vmdkSparseWithParentHint = (file = '/etc/passwd', inComment = false): Buffer =>
  vmdkSparse({ descriptor: { extents: ['RW 131072 SPARSE "disk.vmdk"', `${inComment ? '# ' : ''}parentFileNameHint="${file}"`] } });

/** HOSTILE: VMDK3 / ESX "COWD" sparse header (QEMU probes it, the descriptor checks cannot apply). */
export function vmdkCowd(virtualSize = 64 * MiB): Buffer {
  const img = Buffer.alloc(2048);
  ascii(img, 0, 'COWD');
  le32(img, 4, 1);
  le32(img, 8, 3);
  le32(img, 12, virtualSize / 512);
  le32(img, 16, 128);
  return img;
}

/** HOSTILE: a VMDK sparse header that also carries an ISO 9660 signature at 32769. */
export function vmdkWithIsoSignature(): Buffer {
  const img = vmdkSparse({ length: 40 * KiB });
  isoPrimaryDescriptor(img, img.length / 2048);
  return img;
}

// ───────────────────────────────────── VHD ─────────────────────────────────────

export interface VhdOptions {
  /** Default 64 MiB. */
  virtualSize?: number;
  /** 'qem2' (size from the footer's current size; default) or e.g. 'vpc ' (size from CHS geometry). */
  creatorApp?: string;
  /** Fixed VHD: raw data followed by a footer only (not detected, as in QEMU). */
  fixed?: boolean;
  /** Differencing VHD (disk type 4) whose parent locator names this file. */
  parent?: string;
}

/** CHS geometry as the VHD specification computes it. */
export function vhdGeometry(totalSectors: number): { cyls: number; heads: number; spt: number } {
  let spt: number, heads: number, cth: number;
  const max = 65535 * 16 * 255;
  if (totalSectors > max) totalSectors = max;
  if (totalSectors >= 65535 * 16 * 63) {
    spt = 255; heads = 16; cth = Math.floor(totalSectors / spt);
  } else {
    spt = 17; cth = Math.floor(totalSectors / spt);
    heads = Math.max(4, Math.floor((cth + 1023) / 1024));
    if (cth >= heads * 1024 || heads > 16) { spt = 31; heads = 16; cth = Math.floor(totalSectors / spt); }
    if (cth >= heads * 1024) { spt = 63; heads = 16; cth = Math.floor(totalSectors / spt); }
  }
  return { cyls: Math.floor(cth / heads), heads, spt };
}

function vhdFooter(size: number, creator: string, fixed: boolean, differencing = false): Buffer {
  const f = Buffer.alloc(512);
  ascii(f, 0, 'conectix');
  be32(f, 8, 2);
  be32(f, 12, 0x00010000);
  be64(f, 16, fixed ? 0xffffffffffffffffn : 512n);
  ascii(f, 28, creator.padEnd(4, ' ').slice(0, 4));
  be32(f, 32, 0x00050003);
  ascii(f, 36, 'Wi2k');
  be64(f, 40, size);
  be64(f, 48, size);
  const g = vhdGeometry(Math.floor(size / 512));
  f.writeUInt16BE(g.cyls, 56);
  f[58] = g.heads;
  f[59] = g.spt;
  be32(f, 60, fixed ? 2 : differencing ? 4 : 3);
  f.fill(0x5a, 68, 84); // unique id
  be32(f, 64, vhdChecksum(f));
  return f;
}

/** Well-formed dynamic VHD (qemu-img's `vpc`): footer copy, dynamic header, empty BAT, footer. */
export function vhd(opts: VhdOptions = {}): Buffer {
  const size = opts.virtualSize ?? 64 * MiB;
  const footer = vhdFooter(size, opts.creatorApp ?? 'qem2', opts.fixed ?? false, opts.parent !== undefined);
  if (opts.fixed) return Buffer.concat([Buffer.alloc(size), footer]);
  const blockSize = 2 * MiB;
  const entries = Math.ceil(size / blockSize);
  const dyn = Buffer.alloc(1024);
  ascii(dyn, 0, 'cxsparse');
  be64(dyn, 8, 0xffffffffffffffffn);
  be64(dyn, 16, 1536); // BAT
  be32(dyn, 24, 0x00010000);
  be32(dyn, 28, entries);
  be32(dyn, 32, blockSize);
  if (opts.parent !== undefined) dyn.write(opts.parent, 64, 'utf16le'); // parent name (spec: UTF-16BE)
  be32(dyn, 36, vhdChecksum(dyn));
  const bat = Buffer.alloc(roundUp(entries * 4, 512), 0xff);
  return Buffer.concat([footer, dyn, bat, footer]);
}

/** Virtual size qemu-img reports for a VHD footer from a CHS-based creator ('vpc ', 'qemu'). */
export function vhdChsSize(size: number): number {
  const g = vhdGeometry(Math.floor(size / 512));
  return g.cyls * g.heads * g.spt * 512;
}

// ───────────────────────────────────── VHDX ─────────────────────────────────────

export const VHDX_METADATA_REGION = '8B7CA206-4790-4B9A-B8FE-575F050F886E';
export const VHDX_BAT_REGION = '2DC27766-F623-4200-9D64-115E9BFD4A08';
export const VHDX_VIRTUAL_DISK_SIZE = '2FA54224-CD1B-4876-B211-5DBED83BF4B8';
export const VHDX_FILE_PARAMETERS = 'CAA16737-FA36-4D43-B3B6-33F0AA44E76B';

export interface VhdxOptions {
  /** Default 64 MiB. */
  virtualSize?: number;
  /** Where the metadata region lives (qemu-img puts it at 2 MiB). */
  metadataOffset?: number;
  /** Differencing VHDX: sets the has-parent file parameter bit. */
  hasParent?: boolean;
}

/** VHDX file identifier, region table at 192 KiB (and its copy at 256 KiB), metadata region. */
export function vhdx(opts: VhdxOptions = {}): Buffer {
  const size = opts.virtualSize ?? 64 * MiB;
  const metaOff = opts.metadataOffset ?? 2 * MiB;
  const img = Buffer.alloc(metaOff + MiB);
  ascii(img, 0, 'vhdxfile');
  Buffer.from('QEMU Disk Tools test', 'utf16le').copy(img, 8);
  for (const base of [192 * KiB, 256 * KiB]) {
    const rt = Buffer.alloc(64 * KiB);
    le32(rt, 0, 0x69676572); // 'regi'
    le32(rt, 8, 2);
    guidBytes(VHDX_BAT_REGION).copy(rt, 16);
    le64(rt, 32, 3 * MiB);
    le32(rt, 40, MiB);
    le32(rt, 44, 1);
    guidBytes(VHDX_METADATA_REGION).copy(rt, 48);
    le64(rt, 64, metaOff);
    le32(rt, 72, MiB);
    le32(rt, 76, 1);
    const crcLe = crc32(rt); // CRC-32 stand-in: the inspector does not verify region checksums
    le32(rt, 4, crcLe);
    rt.copy(img, base);
  }
  const md = img.subarray(metaOff);
  ascii(md, 0, 'metadata');
  le16(md, 10, 2);
  guidBytes(VHDX_FILE_PARAMETERS).copy(md, 32);
  le32(md, 48, 64 * KiB);
  le32(md, 52, 8);
  guidBytes(VHDX_VIRTUAL_DISK_SIZE).copy(md, 64);
  le32(md, 80, 64 * KiB + 8);
  le32(md, 84, 8);
  le32(md, 64 * KiB, 32 * MiB); // block size
  le32(md, 64 * KiB + 4, opts.hasParent ? 2 : 0);
  le64(md, 64 * KiB + 8, size);
  return img;
}

// ───────────────────────────────────── VDI ─────────────────────────────────────

/** Dynamic VDI (VirtualBox 1.1 header, empty block map); qemu-img opens it. imageType 4 = differencing (hostile). */
export function vdi(virtualSize = 64 * MiB, imageType = 1): Buffer {
  const blockSize = MiB;
  const blocks = Math.ceil(virtualSize / blockSize);
  const mapBytes = roundUp(blocks * 4, 512);
  const img = Buffer.alloc(512 + mapBytes);
  ascii(img, 0, '<<< QEMU VM Virtual Disk Image >>>\n');
  le32(img, 0x40, 0xbeda107f);
  le32(img, 0x44, 0x00010001);
  le32(img, 0x48, 0x190);
  le32(img, 0x4c, imageType); // 1 dynamic, 2 fixed, 3 undo, 4 differencing
  le32(img, 0x154, 512); // block map offset
  le32(img, 0x158, 512 + mapBytes); // data offset
  le32(img, 0x168, 512); // sector size
  le64(img, 0x170, virtualSize);
  le32(img, 0x178, blockSize);
  le32(img, 0x180, blocks);
  img.fill(0x11, 0x188, 0x198); // image uuid
  img.fill(0x22, 0x198, 0x1a8); // modification uuid
  img.fill(0xff, 512, 512 + blocks * 4); // all blocks unallocated
  return img;
}

// ───────────────────────────── ISO, MBR, GPT, FAT ─────────────────────────────

/** Writes an ISO 9660 primary volume descriptor at 32768 and a terminator at 34816. */
function isoPrimaryDescriptor(img: Buffer, blocks: number): void {
  const pvd = 32 * KiB;
  img[pvd] = 1;
  ascii(img, pvd + 1, 'CD001');
  img[pvd + 6] = 1;
  ascii(img, pvd + 40, 'QEMU_DISK_TOOLS'.padEnd(32, ' '));
  le32(img, pvd + 80, blocks);
  be32(img, pvd + 84, blocks);
  le16(img, pvd + 128, 2048);
  img.writeUInt16BE(2048, pvd + 130);
  const term = pvd + 2048;
  img[term] = 255;
  ascii(img, term + 1, 'CD001');
  img[term + 6] = 1;
}

/** Well-formed minimal ISO 9660 image (default 36 KiB = 18 blocks of 2048). */
export function iso(blocks = 18): Buffer {
  const img = Buffer.alloc(Math.max(18, blocks) * 2048);
  isoPrimaryDescriptor(img, img.length / 2048);
  return img;
}

/** Well-formed bootable "isohybrid" ISO: ISO 9660 plus an MBR partition table (→ iso, not two formats). */
export function isoHybrid(blocks = 18): Buffer {
  const img = iso(blocks);
  mbrPartition(img, 0, { boot: 0x80, type: 0x17, startLba: 0, sectors: img.length / 512 });
  img[510] = 0x55;
  img[511] = 0xaa;
  return img;
}

export interface PartitionEntry { boot?: number; type: number; startLba: number; sectors: number; startChs?: [number, number, number] }

/** Writes MBR partition entry `index` (0-3) into `img` (does not add the 0x55AA signature). */
export function mbrPartition(img: Buffer, index: number, p: PartitionEntry): void {
  const off = 446 + 16 * index;
  img[off] = p.boot ?? 0;
  const [h, s, c] = p.startChs ?? [0, 1, 0];
  img[off + 1] = h;
  img[off + 2] = s;
  img[off + 3] = c;
  img[off + 4] = p.type;
  img[off + 5] = 0xfe;
  img[off + 6] = 0xff;
  img[off + 7] = 0xff;
  le32(img, off + 8, p.startLba);
  le32(img, off + 12, p.sectors);
}

/** Well-formed MBR disk: one Linux partition. Raw data to qemu-img. Default 4 MiB. */
export function mbrDisk(size = 4 * MiB): Buffer {
  const img = Buffer.alloc(size);
  mbrPartition(img, 0, { boot: 0x80, type: 0x83, startLba: 2048, sectors: size / 512 - 2048 });
  img[510] = 0x55;
  img[511] = 0xaa;
  return img;
}

/** Well-formed GPT disk: protective MBR plus a primary GPT header (no partitions). Default 4 MiB. */
export function gptDisk(size = 4 * MiB): Buffer {
  const img = Buffer.alloc(size);
  const sectors = size / 512;
  mbrPartition(img, 0, { type: 0xee, startLba: 1, sectors: Math.min(sectors - 1, 0xffffffff), startChs: [0, 2, 0] });
  img[510] = 0x55;
  img[511] = 0xaa;
  const h = img.subarray(512, 1024);
  ascii(h, 0, 'EFI PART');
  le32(h, 8, 0x00010000);
  le32(h, 12, 92);
  le64(h, 24, 1);
  le64(h, 32, sectors - 1);
  le64(h, 40, 34);
  le64(h, 48, sectors - 34);
  h.fill(0x33, 56, 72); // disk GUID
  le64(h, 72, 2);
  le32(h, 80, 128);
  le32(h, 84, 128);
  le32(h, 88, crc32(img.subarray(1024, 1024 + 128 * 128)));
  le32(h, 16, crc32(h.subarray(0, 92)));
  return img;
}

/** A FAT16 volume boot record: has 0x55AA at 510 but is not a partition table (→ raw). */
export function fatVbr(size = 1 * MiB): Buffer {
  const img = Buffer.alloc(size);
  img.set([0xeb, 0x3c, 0x90], 0);
  ascii(img, 3, 'MSDOS5.0');
  le16(img, 11, 512);
  img[13] = 4;
  le16(img, 14, 1);
  img[16] = 2; // two FATs
  le16(img, 17, 512);
  le16(img, 19, size / 512);
  img[21] = 0xf8; // fixed disk media descriptor
  img[510] = 0x55;
  img[511] = 0xaa;
  return img;
}

// ───────────────────────────────────── LUKS ─────────────────────────────────────

/** LUKS v1 header (592 bytes + key material area), payload at `payloadSectors`. */
export function luks1(virtualSize = 1 * MiB, payloadSectors = 8): Buffer {
  const img = Buffer.alloc(payloadSectors * 512 + virtualSize);
  ascii(img, 0, 'LUKS\xba\xbe');
  img.writeUInt16BE(1, 6);
  ascii(img, 8, 'aes');
  ascii(img, 40, 'xts-plain64');
  ascii(img, 72, 'sha256');
  be32(img, 104, payloadSectors);
  be32(img, 108, 64);
  be32(img, 164, 1000);
  ascii(img, 168, '6e6f7420-6120-7265-616c-2075756964');
  for (let i = 0; i < 8; i++) be32(img, 208 + 48 * i, 0x0000dead); // key slots disabled
  return img;
}

/** HOSTILE (unsupported): a LUKS2 binary header. */
export function luks2(): Buffer {
  const img = Buffer.alloc(32 * KiB);
  ascii(img, 0, 'LUKS\xba\xbe');
  img.writeUInt16BE(2, 6);
  be64(img, 8, 16 * KiB); // header size
  be64(img, 16, 1); // seqid
  ascii(img, 56, 'sha256');
  ascii(img, 168, '6e6f7420-6120-7265-616c-2075756964');
  ascii(img, 4096, '{"keyslots":{},"segments":{},"digests":{},"config":{}}');
  return img;
}

// ───────────────────────────────── catalogues ─────────────────────────────────

/** Why the inspector refuses an image: its `RefusalCode`. */
export type HostileReason = RefusalCode;

export interface HostileSample {
  /** File name to write it under. */
  name: string;
  bytes: Buffer;
  /** What the user says it is, when the danger is the disagreement. */
  declaredFormat?: string;
  /** The refusal the inspector must give. */
  reason: HostileReason;
  /** What is wrong, in words. */
  description: string;
}

/** Every hostile image above, with the refusal expected. */
export function hostileSamples(): HostileSample[] {
  return [
    { name: 'backing.qcow2', bytes: qcow2WithBackingFile(), reason: 'backing-file', description: 'qcow2 v3 backing file /etc/passwd' },
    { name: 'backing-v2.qcow2', bytes: qcow2WithBackingFile('/etc/passwd', 2), reason: 'backing-file', description: 'qcow2 v2 backing file /etc/passwd' },
    { name: 'datafile.qcow2', bytes: qcow2WithDataFile(), reason: 'data-file', description: 'qcow2 external data file /etc/passwd' },
    { name: 'unknown-bit.qcow2', bytes: qcow2WithUnknownIncompatibleBit(), reason: 'unknown-features', description: 'qcow2 unknown incompatible bit 40' },
    { name: 'qcow-v1.img', bytes: qcowV1(), reason: 'unsupported-version', description: 'qcow version 1' },
    { name: 'qcow2-v4.qcow2', bytes: qcow2({ version: 4 }), reason: 'unsupported-version', description: 'qcow2 version 4' },
    { name: 'disk.qed', bytes: qed(), reason: 'banned-format', description: 'QED image' },
    { name: 'cowd.vmdk', bytes: vmdkCowd(), reason: 'banned-format', description: 'VMDK3 COWD image' },
    { name: 'luks2.img', bytes: luks2(), reason: 'unsupported-version', description: 'LUKS version 2' },
    { name: 'passwd-extent.vmdk', bytes: vmdkDescriptorWithPathExtent(), reason: 'vmdk-extent-file', description: 'VMDK text descriptor with extent /etc/passwd' },
    { name: 'sparse-passwd-extent.vmdk', bytes: vmdkSparseWithPathExtent(), reason: 'vmdk-extent-path', description: 'VMDK sparse with embedded descriptor naming /etc/passwd' },
    { name: 'parent-hint.vmdk', bytes: vmdkSparseWithParentHint(), reason: 'backing-file', description: 'VMDK sparse with parentFileNameHint /etc/passwd' },
    { name: 'parent-hint-comment.vmdk', bytes: vmdkSparseWithParentHint('/etc/passwd', true), reason: 'backing-file', description: 'VMDK sparse with parentFileNameHint in a comment' },
    { name: 'flat.vmdk', bytes: vmdkMonolithicFlat(), reason: 'vmdk-extent-file', description: 'VMDK createType monolithicFlat' },
    { name: 'sparse-split-type.vmdk', bytes: vmdkSparse({ descriptor: { createType: 'twoGbMaxExtentSparse' } }), reason: 'vmdk-create-type', description: 'VMDK sparse whose descriptor says twoGbMaxExtentSparse' },
    { name: 'capacity0.vmdk', bytes: vmdkCapacityZero(), reason: 'vmdk-extent-file', description: 'VMDK sparse header of capacity 0: QEMU reads its descriptor as a descriptor file naming x.bin' },
    { name: 'capacity0-field.vmdk', bytes: vmdkCapacityZero({ first: ['createType= monolithicFlat"'] }), reason: 'vmdk-extent-file', description: 'VMDK capacity 0, createType that only QEMU\'s lookup finds, in a field line' },
    { name: 'capacity0-abs.vmdk', bytes: vmdkCapacityZero({ extents: ['RW 8 FLAT "/etc/passwd" 0'] }), reason: 'vmdk-extent-file', description: 'VMDK capacity 0 with extent /etc/passwd' },
    { name: 'capacity0-split.vmdk', bytes: vmdkCapacityZero({ extents: ['RW', '8 VMFS "x.bin"'] }), reason: 'vmdk-extent-file', description: 'VMDK capacity 0 with an extent line QEMU reads across two lines' },
    { name: 'desc-at-0x400.vmdk', bytes: vmdkSparse({ descriptorSector: 2 }), reason: 'vmdk-descriptor', description: 'VMDK sparse descriptor not at 0x200' },
    { name: 'parent.vhd', bytes: vhd({ parent: 'C:\\Windows\\base.vhd' }), reason: 'backing-file', description: 'differencing VHD' },
    { name: 'parent.vhdx', bytes: vhdx({ hasParent: true }), reason: 'backing-file', description: 'differencing VHDX' },
    { name: 'diff.vdi', bytes: vdi(64 * MiB, 4), reason: 'backing-file', description: 'differencing VDI' },
    { name: 'cloud.img', bytes: rawHoldingQcow2(), declaredFormat: 'raw', reason: 'format-mismatch', description: 'qcow2 content declared raw' },
    { name: 'qcow2-mbr.img', bytes: qcow2WithMbr(), reason: 'multiple-formats', description: 'qcow2 header and MBR partition table' },
    { name: 'vmdk-iso.vmdk', bytes: vmdkWithIsoSignature(), reason: 'multiple-formats', description: 'VMDK sparse with ISO 9660 signature' },
  ];
}

export interface WellFormedSample {
  name: string;
  bytes: Buffer;
  /** The inspector's `format`. */
  format: string;
  /** The `-f` value for qemu-img. */
  qemuFormat: string;
  /** The virtual size qemu-img reports. */
  virtualSize: number;
}

/** Every well-formed sample above, with its format and virtual size. */
export function wellFormedSamples(): WellFormedSample[] {
  const s = (name: string, bytes: Buffer, format: string, qemuFormat: string, virtualSize: number): WellFormedSample =>
    ({ name, bytes, format, qemuFormat, virtualSize });
  const luks = luks1();
  return [
    s('v3.qcow2', qcow2V3(96 * MiB), 'qcow2', 'qcow2', 96 * MiB),
    s('v2.qcow2', qcow2V2(10 * MiB), 'qcow2', 'qcow2', 10 * MiB),
    s('sparse.vmdk', vmdkMonolithicSparse(32 * MiB), 'vmdk', 'vmdk', 32 * MiB),
    s('stream.vmdk', vmdkStreamOptimized(48 * MiB), 'vmdk', 'vmdk', 48 * MiB),
    s('disk.vhd', vhd({ virtualSize: 64 * MiB }), 'vhd', 'vpc', 64 * MiB),
    s('vpc-chs.vhd', vhd({ virtualSize: 64 * MiB, creatorApp: 'vpc ' }), 'vhd', 'vpc', vhdChsSize(64 * MiB)),
    s('disk.vhdx', vhdx({ virtualSize: 5 * 1024 * MiB }), 'vhdx', 'vhdx', 5 * 1024 * MiB),
    s('disk.vdi', vdi(16 * MiB), 'vdi', 'vdi', 16 * MiB),
    s('disk.iso', iso(18), 'iso', 'raw', 18 * 2048),
    s('hybrid.iso', isoHybrid(20), 'iso', 'raw', 20 * 2048),
    s('mbr.img', mbrDisk(), 'gpt', 'raw', 4 * MiB),
    s('gpt.img', gptDisk(), 'gpt', 'raw', 4 * MiB),
    s('fat.img', fatVbr(), 'raw', 'raw', 1 * MiB),
    s('luks1.img', luks, 'luks', 'luks', luks.length - 8 * 512),
    s('plain.raw', Buffer.alloc(3 * MiB, 0xa5), 'raw', 'raw', 3 * MiB), // binary: text would be asked about first
  ];
}

// ───────────────────────────────────── files ─────────────────────────────────────

/** A fresh temp directory under os.tmpdir(); remove it with `removeTempDir`. */
export function makeTempDir(prefix = 'qdt-images-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeTempDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Writes `bytes` to `dir/name` and returns the absolute path. */
export function writeImage(dir: string, name: string, bytes: Buffer): string {
  const p = path.resolve(dir, name);
  fs.writeFileSync(p, bytes);
  return p;
}

/** The first `length` bytes of an image: a header cut mid-way. */
export const truncated = (bytes: Buffer, length: number): Buffer => Buffer.from(bytes.subarray(0, length));

// ─────────────────────── VMDK read by QEMU as a descriptor file (issue 8) ───────────────────────

export interface CapacityZeroOptions {
  /** Extent lines, verbatim. Default: a flat extent naming x.bin beside the image. */
  extents?: string[];
  /**
   * Lines put before everything else in the descriptor. The default hides a createType from a
   * lookup that wants `createType="…"` but not from QEMU's, which finds the first occurrence and
   * skips two characters unchecked (vmdk_parse_description).
   */
  first?: string[];
  /** The descriptor's own createType line. */
  createType?: string;
}

/**
 * HOSTILE: a sparse header of capacity 0 with an embedded descriptor. QEMU (vmdk_open_vmdk4) then
 * reads the descriptor as a descriptor file and opens the extents it names; the file still looks
 * like a well-formed monolithicSparse image to a reader that does not know that route.
 */
export function vmdkCapacityZero(opts: CapacityZeroOptions = {}): Buffer {
  const bytes = vmdkSparse({
    descriptor: { createType: opts.createType ?? 'monolithicSparse', extents: opts.extents ?? ['RW 8 FLAT "x.bin" 0'] },
  });
  const first = (opts.first ?? ['# createType: monolithicFlat"']).join('\n');
  const text = bytes.toString('latin1', 512, bytes.indexOf(0, 512));
  bytes.fill(0, 512, 512 + 20 * 512);
  ascii(bytes, 512, `${first}\n${text}`);
  le64(bytes, 12, 0); // capacity
  return bytes;
}
