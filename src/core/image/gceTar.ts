// The Google Compute Engine import archive: one member named disk.raw in a tar of GNU tar's
// "oldgnu" format, gzip-compressed (GCE's manual import page; rancher/elemental-toolkit#406,
// coreos/coreos-assembler#1088: archives written in other tar dialects are refused as
// "The tar archive is not a valid image").
//
// Written here rather than by running tar: one regular member needs one 512-byte header, and
// Node's zlib does the gzip. GNU tar's `-S` (sparse member) only saves reading the holes; the
// gzip of a hole is a few bytes per MiB. The header layout follows GNU tar's src/create.c
// (start_header, to_chars: octal with leading zeros and a NUL, base-256 when the octal does not
// fit the field, as for members of 8 GiB and more); the record padding follows its default
// blocking factor 20 (10240-byte records).

import * as fs from 'node:fs';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';

export const GCE_MEMBER = 'disk.raw';
const BLOCK = 512;
const RECORD = 20 * BLOCK;
/** "ustar" + space, version " \0": the oldgnu magic (GNU tar's OLDGNU_MAGIC). */
const OLDGNU_MAGIC = Buffer.from('ustar  \0', 'latin1');

function octal(buf: Buffer, off: number, len: number, value: number): void {
  const digits = value.toString(8);
  if (digits.length <= len - 1) {
    buf.write(digits.padStart(len - 1, '0'), off, 'latin1');
    buf[off + len - 1] = 0;
    return;
  }
  // Base-256: the top bit of the first byte set, the value big-endian in the rest.
  buf.fill(0, off, off + len);
  let v = BigInt(value);
  for (let i = off + len - 1; i > off; i--) {
    buf[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  buf[off] = 0x80;
}

function readNumber(buf: Buffer, off: number, len: number): number {
  if (buf[off] & 0x80) {
    let v = 0n;
    for (let i = off + 1; i < off + len; i++) v = (v << 8n) | BigInt(buf[i]);
    return Number(v);
  }
  const text = buf.toString('latin1', off, off + len).replace(/[\0 ]+$/, '').trim();
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : NaN;
}

const checksum = (h: Buffer) => h.reduce((a, b, i) => a + (i >= 148 && i < 156 ? 0x20 : b), 0);

/** The 512-byte oldgnu header of a regular file `name` of `size` bytes. */
export function oldgnuHeader(name: string, size: number, mtimeSeconds: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'latin1');
  octal(h, 100, 8, 0o644);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  octal(h, 124, 12, size);
  octal(h, 136, 12, mtimeSeconds);
  h.write('0', 156, 'latin1'); // regular file
  OLDGNU_MAGIC.copy(h, 257);
  h.write('root', 265, 'latin1');
  h.write('root', 297, 'latin1');
  // The checksum field: six octal digits, NUL, space (GNU tar's own layout).
  h.write(`${checksum(h).toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

/** Bytes after the member's data: its padding to 512, two zero blocks, then up to a whole record. */
function trailerLength(size: number): number {
  const used = BLOCK + Math.ceil(size / BLOCK) * BLOCK + 2 * BLOCK;
  return Math.ceil(used / RECORD) * RECORD - BLOCK - size;
}

export interface TarProgress {
  (bytesDone: number): void;
}

const CHUNK = 1024 * 1024;
const ZEROS = Buffer.alloc(CHUNK);
/** gzip member header: magic, deflate, no flags, no mtime, no extra flags, OS unix (RFC 1952). */
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);

/**
 * One MiB of zeros as raw deflate blocks that stand alone: compressed by a fresh deflater and
 * ended with a full flush (byte-aligned, no reference to anything before or after). A disk's
 * holes are spliced in as copies of it instead of being compressed again, about 4 s of CPU per
 * GiB of holes saved (what GNU tar's -S saves by not storing them).
 */
let zeroBlock: Buffer | undefined;
function zeroMiBDeflated(): Buffer {
  zeroBlock ??= zlib.deflateRawSync(ZEROS, { level: 6, finishFlush: zlib.constants.Z_FULL_FLUSH });
  return zeroBlock;
}

/** Writes `raw` as the only member disk.raw of a gzip'd oldgnu tar at `out` (created, not replaced). */
export async function writeGceTar(raw: string, out: string, signal?: AbortSignal, onBytes?: TarProgress): Promise<void> {
  const crc32 = (zlib as unknown as { crc32?: (data: Buffer, value?: number) => number }).crc32;
  if (!crc32) return writeGceTarStreamed(raw, out, signal, onBytes);
  const src = await fs.promises.open(raw, 'r');
  const dst = await fs.promises.open(out, 'wx');
  const deflater = zlib.createDeflateRaw({ level: 6 });
  try {
    const st = await src.stat();
    const size = st.size;
    const compressed: Buffer[] = [];
    deflater.on('data', (b: Buffer) => compressed.push(b));
    const failed = new Promise<never>((_, reject) => deflater.once('error', reject));
    // Output emitted by the deflater for what it was given is in `compressed` once the event
    // loop has turned; written in order, before anything spliced after it.
    const drain = async () => {
      await new Promise((r) => setImmediate(r));
      while (compressed.length) await dst.write(compressed.shift()!);
    };
    let crc = 0;
    let length = 0;
    const feed = async (b: Buffer) => {
      crc = crc32(b, crc);
      length += b.length;
      if (!deflater.write(b)) await Promise.race([new Promise((r) => deflater.once('drain', r)), failed]);
      await drain();
    };
    await dst.write(GZIP_HEADER);
    await feed(oldgnuHeader(GCE_MEMBER, size, Math.floor(st.mtimeMs / 1000)));
    const buf = Buffer.alloc(CHUNK);
    let zerosPending = false;
    // Spliced zero blocks are written in batches: one small write per MiB costs more than the rest.
    let zeroRun = 0;
    const writeZeros = async () => {
      if (zeroRun) await dst.write(Buffer.concat(Array<Buffer>(zeroRun).fill(zeroMiBDeflated())));
      zeroRun = 0;
    };
    for (let pos = 0; pos < size; ) {
      if (signal?.aborted) throw new Error('archiving was cancelled');
      const { bytesRead } = await src.read(buf, 0, Math.min(CHUNK, size - pos), pos);
      if (bytesRead === 0) throw new Error(`${raw} changed size while it was archived (${pos} of ${size} bytes read)`);
      const chunk = buf.subarray(0, bytesRead);
      if (bytesRead === CHUNK && chunk.equals(ZEROS)) {
        if (!zerosPending) {
          // Everything fed so far is written out and the history reset, so the spliced blocks depend on nothing.
          await Promise.race([new Promise((r) => deflater.flush(zlib.constants.Z_FULL_FLUSH, () => r(undefined))), failed]);
          await drain();
          zerosPending = true;
        }
        crc = crc32(chunk, crc);
        length += CHUNK;
        if (++zeroRun === 256) await writeZeros();
      } else {
        await writeZeros();
        zerosPending = false;
        await feed(Buffer.from(chunk));
      }
      pos += bytesRead;
      onBytes?.(pos);
    }
    await writeZeros();
    await feed(Buffer.alloc(trailerLength(size)));
    const ended = new Promise((r) => deflater.once('end', r));
    deflater.end();
    await Promise.race([ended, failed]);
    await drain();
    const tail = Buffer.alloc(8);
    tail.writeUInt32LE(crc >>> 0, 0);
    tail.writeUInt32LE(length % 2 ** 32, 4);
    await dst.write(tail);
  } finally {
    deflater.destroy();
    await src.close();
    await dst.close();
  }
}

/** The same archive through Node's gzip stream, where zlib.crc32 is missing (Node before 20.15). */
async function writeGceTarStreamed(raw: string, out: string, signal?: AbortSignal, onBytes?: TarProgress): Promise<void> {
  const st = await fs.promises.stat(raw);
  const size = st.size;
  let done = 0;
  let headerSent = false;
  const framer = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (!headerSent) {
        this.push(oldgnuHeader(GCE_MEMBER, size, Math.floor(st.mtimeMs / 1000)));
        headerSent = true;
      }
      done += chunk.length;
      onBytes?.(done);
      cb(null, chunk);
    },
    flush(cb) {
      if (!headerSent) this.push(oldgnuHeader(GCE_MEMBER, size, Math.floor(st.mtimeMs / 1000)));
      if (done !== size) return cb(new Error(`${raw} changed size while it was archived (${done} of ${size} bytes read)`));
      cb(null, Buffer.alloc(trailerLength(size)));
    },
  });
  await pipeline(
    fs.createReadStream(raw, { highWaterMark: 1024 * 1024 }),
    framer,
    zlib.createGzip({ level: 6 }),
    fs.createWriteStream(out, { flags: 'wx' }),
    { signal },
  );
}

export interface TarMember {
  name: string;
  size: number;
  /** The magic and version bytes: "ustar  \0" for oldgnu. */
  magic: string;
  typeflag: string;
  checksumOk: boolean;
  /** Members found (GCE wants exactly one). */
  members: number;
  /** Decompressed bytes in all. */
  totalBytes: number;
}

/**
 * Reads a gzip'd tar back in full (gunzip checks the CRC and length): the first member's header,
 * that the data is as long as the header says, and that only zero blocks follow.
 */
export async function readGceTar(file: string, signal?: AbortSignal): Promise<TarMember> {
  let header: Buffer | undefined;
  let pending = Buffer.alloc(0);
  let total = 0;
  let members = 0;
  let nonZeroAfter = false;
  let dataEnd = Infinity;
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (!header) {
        pending = Buffer.concat([pending, chunk]);
        if (pending.length < BLOCK) return cb();
        header = pending.subarray(0, BLOCK);
        members = 1;
        const size = readNumber(header, 124, 12);
        dataEnd = BLOCK + Math.ceil(size / BLOCK) * BLOCK;
        chunk = pending;
        pending = Buffer.alloc(0);
      }
      // Bytes past the member's data (and its padding) must all be zero.
      const start = total;
      total += chunk.length;
      if (total > dataEnd) {
        const from = Math.max(0, dataEnd - start);
        if (chunk.subarray(from).some((b) => b !== 0)) nonZeroAfter = true;
      }
      cb();
    },
  });
  await pipeline(fs.createReadStream(file, { highWaterMark: 1024 * 1024 }), zlib.createGunzip({ chunkSize: 1024 * 1024 }), sink, { signal });
  if (!header) throw new Error(`${file} holds no tar header`);
  const size = readNumber(header, 124, 12);
  return {
    name: header.toString('latin1', 0, 100).replace(/\0.*$/s, ''),
    size,
    magic: header.toString('latin1', 257, 265),
    typeflag: header.toString('latin1', 156, 157),
    checksumOk: readNumber(header, 148, 8) === checksum(header),
    members: members + (nonZeroAfter ? 1 : 0),
    totalBytes: total,
  };
}
