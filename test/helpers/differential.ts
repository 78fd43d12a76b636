// Differential testing of the inspector against qemu-img: real images of every format (made with
// qemu-img at run time) get their headers mutated from a seed; every mutant the inspector accepts
// is opened with `qemu-img info -f FMT --output=json` under the same limits the tool uses, with
// decoy files beside it, and must name no other file (backing file, data file, extent, parent).
// Shared by the bounded unit test and the long campaign in bench/inspector.

import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inspectImage } from '../../src/core/image/imageInspector';
import { INFO_ADDRESS_SPACE_BYTES, INFO_CPU_SECONDS } from '../../src/core/image/qemuImgErrors';
import * as img from './hostileImages';

export interface BaseImage {
  name: string;
  /** qemu-img's -f for it. */
  format: string;
  bytes: Buffer;
}

/** Files the mutations name; each exists beside the image, so a relative name reaches a real file. */
export const DECOYS = ['x.bin', 'decoy.qcow2', 'sub/x.bin', 'base.vmdk'];
const NAMES = ['x.bin', './x.bin', 'sub/x.bin', 'decoy.qcow2', 'base.vmdk', '/etc/hostname', 'nbd:127.0.0.1:1', 'json:{driver:file}'];

const run = (args: string[], cwd: string): void => {
  // qemu-img times its LUKS PBKDF and now and then fails to ("Unable to get accurate CPU usage").
  for (let tries = 1; ; tries++) {
    try {
      execFileSync('qemu-img', args, { cwd, stdio: 'pipe', env: { ...process.env, LC_ALL: 'C' } });
      return;
    } catch (e) {
      if (tries === 5 || !String((e as { stderr?: Buffer }).stderr).includes('accurate CPU usage')) throw e;
    }
  }
};

/** One image per format and layout qemu-img writes, plus hand-made VMDKs (a text descriptor). */
export function makeBaseImages(dir: string): BaseImage[] {
  fs.mkdirSync(dir, { recursive: true });
  const data = path.join(dir, 'data.raw');
  const raw = Buffer.alloc(img.MiB);
  for (let i = 0; i < raw.length; i += 4096) raw.write(`block ${i / 4096} of the differential test data\n`, i, 'latin1');
  fs.writeFileSync(data, raw);
  const made: [string, string, string[]][] = [
    ['v3.qcow2', 'qcow2', ['convert', '-f', 'raw', '-O', 'qcow2', data]],
    ['v2.qcow2', 'qcow2', ['convert', '-f', 'raw', '-O', 'qcow2', '-o', 'compat=0.10', data]],
    ['l2.qcow2', 'qcow2', ['create', '-f', 'qcow2', '-o', 'extended_l2=on,cluster_size=128k']],
    ['zstd.qcow2', 'qcow2', ['create', '-f', 'qcow2', '-o', 'compression_type=zstd']],
    ['backed.qcow2', 'qcow2', ['create', '-f', 'qcow2', '-b', 'decoy.qcow2', '-F', 'qcow2']],
    ['sparse.vmdk', 'vmdk', ['convert', '-f', 'raw', '-O', 'vmdk', data]],
    ['stream.vmdk', 'vmdk', ['convert', '-f', 'raw', '-O', 'vmdk', '-o', 'subformat=streamOptimized', data]],
    ['flat.vmdk', 'vmdk', ['create', '-f', 'vmdk', '-o', 'subformat=monolithicFlat']],
    ['dynamic.vhd', 'vpc', ['convert', '-f', 'raw', '-O', 'vpc', data]],
    ['fixed.vhd', 'vpc', ['create', '-f', 'vpc', '-o', 'subformat=fixed']],
    ['disk.vhdx', 'vhdx', ['convert', '-f', 'raw', '-O', 'vhdx', data]],
    ['dynamic.vdi', 'vdi', ['convert', '-f', 'raw', '-O', 'vdi', data]],
    ['static.vdi', 'vdi', ['create', '-f', 'vdi', '-o', 'static=on']],
    ['disk.qed', 'qed', ['create', '-f', 'qed']],
    ['v1.qcow', 'qcow', ['create', '-f', 'qcow']],
    ['disk.luks', 'luks', ['create', '--object', 'secret,id=s0,data=differential', '-f', 'luks', '-o', 'key-secret=s0,iter-time=100']],
  ];
  run(['create', '-q', '-f', 'qcow2', path.join(dir, 'decoy.qcow2'), '1M'], dir);
  const bases: BaseImage[] = [];
  for (const [name, format, args] of made) {
    const file = path.join(dir, name);
    run([args[0], '-q', ...args.slice(1), file, ...(args[0] === 'create' ? ['1M'] : [])], dir);
    bases.push({ name, format, bytes: fs.readFileSync(file) });
  }
  bases.push({ name: 'raw.img', format: 'raw', bytes: raw });
  bases.push({ name: 'text.vmdk', format: 'vmdk', bytes: img.vmdkTextDescriptor({ createType: 'monolithicFlat', extents: ['RW 2048 FLAT "x.bin" 0'] }) });
  bases.push({ name: 'notes.txt', format: 'raw', bytes: Buffer.from('createType="monolithicFlat"\nRW 8 FLAT "x.bin" 0\nversion=1\n') });
  return bases;
}

/** Deterministic PRNG (xorshift32), so a failing seed can be replayed. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>>= 0) / 2 ** 32;
  };
}

const INTERESTING = [0n, 1n, 2n, 3n, 4n, 5n, 7n, 0x10n, 0x1fn, 0x20n, 0x48n, 0x68n, 0x200n, 0x400n, 0x1000n, 0x10000n, 0x7fffffffn, 0xffffffffn, 1n << 32n, 0xffffffffffffffffn];

/** Lines that change what QEMU opens when put into a VMDK descriptor. */
function descriptorLine(r: () => number): string {
  const name = NAMES[Math.floor(r() * NAMES.length)];
  const lines = [
    `RW 8 FLAT "${name}" 0`, `RW 2048 SPARSE "${name}"`, `RW 8 VMFS "${name}"`, `RDONLY 8 FLAT "${name}" 0`,
    `parentFileNameHint="${name}"`, `# parentFileNameHint="${name}"`, '# createType: monolithicFlat"', 'createType= vmfs"',
    'createType="monolithicFlat"', 'createType="twoGbMaxExtentSparse"', 'CREATETYPE="vmfs"', 'RW', `8 FLAT "${name}" 0`, 'version=1',
  ];
  return lines[Math.floor(r() * lines.length)];
}

/** One mutant of `base`: 1-4 mutations (bytes, header fields, descriptor lines, a cut). */
export function mutate(base: BaseImage, r: () => number): Buffer {
  const b = Buffer.from(base.bytes);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const n = 1 + Math.floor(r() * 4);
  let out = b;
  for (let i = 0; i < n; i++) {
    const kind = r();
    if (kind < 0.3) {
      // A byte in the header region, weighted to the first 128 bytes.
      const limit = Math.min(out.length, r() < 0.6 ? 128 : 4096);
      if (limit > 0) out[Math.floor(r() * limit)] = Math.floor(r() * 256);
    } else if (kind < 0.6) {
      // A 4- or 8-byte field in the first 512 bytes set to an interesting value, either endianness.
      const wide = r() < 0.5;
      const at = Math.floor(r() * ((512 - 8) / 4)) * 4;
      const v = pick(INTERESTING);
      if (at + 8 > out.length) continue;
      if (wide) (r() < 0.5 ? out.writeBigUInt64LE(v, at) : out.writeBigUInt64BE(v, at));
      else (r() < 0.5 ? out.writeUInt32LE(Number(v & 0xffffffffn), at) : out.writeUInt32BE(Number(v & 0xffffffffn), at));
    } else if (kind < 0.85 && (base.format === 'vmdk' || r() < 0.2)) {
      // A descriptor line where the descriptor is (0x200 for a sparse VMDK, 0 for text), or anywhere early.
      const text = out.toString('latin1', 0, Math.min(out.length, 64 * 1024));
      const start = text.startsWith('KDMV') ? 0x200 : 0;
      const end = Math.max(start, text.indexOf('\0', start) < 0 ? Math.min(out.length, start + 1024) : text.indexOf('\0', start));
      const lineStarts = [start, ...[...text.slice(start, end).matchAll(/\n/g)].map((m) => start + (m.index ?? 0) + 1)];
      const at = pick(lineStarts);
      const line = `${descriptorLine(r)}\n`;
      const grown = Buffer.concat([out.subarray(0, at), Buffer.from(line, 'latin1'), out.subarray(at)]);
      // Keep the length where a header points past the descriptor (sparse VMDK): overwrite, not insert.
      out = start === 0x200 ? grown.subarray(0, out.length) : grown;
      if (start === 0x200 && out.length >= 20 && r() < 0.5) out.writeBigUInt64LE(0n, 12); // the capacity-0 route
    } else if (kind < 0.95) {
      out = out.subarray(0, Math.floor(r() * Math.min(out.length, 128 * 1024)));
    } else if (out.length >= 0x400 && r() < 0.5) {
      // A qcow2-style backing file name written at 0x300 and pointed to.
      out.write(pick(NAMES), 0x300, 'latin1');
      out.writeBigUInt64BE(0x300n, 8);
      out.writeUInt32BE(pick(NAMES).length, 16);
    } else if (out.length >= 0x400) {
      // A qcow2 data-file header extension where v3 extensions start (header_length), with or
      // without incompatible bit 2.
      const name = pick(NAMES);
      const at = out.length >= 104 ? Math.min(Math.max(out.readUInt32BE(100), 72), 0x300) : 104;
      out.writeUInt32BE(0x44415441, at);
      out.writeUInt32BE(name.length, at + 4);
      out.write(name, at + 8, 'latin1');
      out.fill(0, at + 8 + name.length, at + 8 + Math.ceil(name.length / 8) * 8 + 8);
      if (r() < 0.5) out[79] |= 0x04;
    }
  }
  return out;
}

export interface OracleResult {
  /** qemu-img info succeeded. */
  opened: boolean;
  /** Other files qemu-img says (or shows by failing to open) the image names. Empty = agrees. */
  others: string[];
  format?: string;
  virtualSize?: number;
}

/**
 * `prlimit qemu-img info -f FMT --output=json IMAGE`, run in the image's folder so relative names
 * reach the decoys. Independent of the code under test: it reads qemu-img's JSON and stderr only.
 */
export function qemuOracle(file: string, format: string): OracleResult {
  const r = spawnSync('prlimit', [`--cpu=${INFO_CPU_SECONDS}`, `--as=${INFO_ADDRESS_SPACE_BYTES}`, '--', 'qemu-img', 'info', '-f', format, '--output=json', file], {
    encoding: 'utf8', cwd: path.dirname(file), env: { ...process.env, LC_ALL: 'C' }, timeout: 60_000,
  });
  if (r.status !== 0) {
    // Failing to open something other than the image means it named that thing.
    const others = [...(r.stderr ?? '').matchAll(/Could not open '([^']*)'/g)].map((m) => m[1]).filter((f) => f !== file);
    return { opened: false, others };
  }
  const j = JSON.parse(r.stdout) as Record<string, unknown>;
  const data = ((j['format-specific'] as { data?: Record<string, unknown> } | undefined)?.data ?? {}) as { 'data-file'?: string; extents?: { filename: string }[] };
  const others = [
    ...(typeof j['backing-filename'] === 'string' ? [`backing ${j['backing-filename']}`] : []),
    ...(typeof j['full-backing-filename'] === 'string' ? [`backing ${j['full-backing-filename']}`] : []),
    ...(data['data-file'] ? [`data-file ${data['data-file']}`] : []),
    ...(data.extents ?? []).map((e) => e.filename).filter((f) => f !== file).map((f) => `extent ${f}`),
  ];
  return { opened: true, others, format: j['format'] as string, virtualSize: j['virtual-size'] as number };
}

export interface CampaignResult {
  seed: number;
  count: number;
  accepted: number;
  /** Accepted by the inspector, yet qemu-img names another file: the bugs this hunts. */
  mismatches: { seed: number; base: string; others: string[] }[];
  /** Accepted and opened, but format or virtual size differ (convert refuses these; reported, not failed). */
  disagreements: number;
  /** Their seeds and what differs, for replay. */
  disagreementCases: string[];
  /** Accepted, but qemu-img could not open it (refused by qemu-img itself: no harm). */
  qemuRefused: number;
  perFormat: Record<string, { count: number; accepted: number }>;
}

/** Runs `count` mutants from `seed` in `dir` (a fresh folder holding the decoys). */
export async function runCampaign(dir: string, bases: BaseImage[], seed: number, count: number, onMismatch?: (m: CampaignResult['mismatches'][number], bytes: Buffer) => void): Promise<CampaignResult> {
  const work = path.join(dir, 'work');
  fs.mkdirSync(path.join(work, 'sub'), { recursive: true });
  for (const d of DECOYS) fs.copyFileSync(path.join(dir, d === 'decoy.qcow2' ? 'decoy.qcow2' : 'data.raw'), path.join(work, d));
  const result: CampaignResult = { seed, count, accepted: 0, mismatches: [], disagreements: 0, disagreementCases: [], qemuRefused: 0, perFormat: {} };
  for (let i = 0; i < count; i++) {
    const caseSeed = (seed + i * 0x9e3779b1) >>> 0;
    const r = rng(caseSeed);
    const base = bases[Math.floor(r() * bases.length)];
    const bytes = mutate(base, r);
    const file = path.join(work, `mutant${path.extname(base.name)}`);
    fs.writeFileSync(file, bytes);
    const stats = (result.perFormat[base.format] ??= { count: 0, accepted: 0 });
    stats.count++;
    const inspected = await inspectImage(file);
    if (inspected.issues.length > 0) continue;
    result.accepted++;
    stats.accepted++;
    const oracle = qemuOracle(file, inspected.qemuFormat);
    if (oracle.others.length > 0) {
      const m = { seed: caseSeed, base: base.name, others: oracle.others };
      result.mismatches.push(m);
      onMismatch?.(m, bytes);
    } else if (!oracle.opened) {
      result.qemuRefused++;
    } else if (oracle.format !== inspected.qemuFormat || (inspected.virtualSize !== undefined && !['raw', 'vpc'].includes(inspected.qemuFormat) && oracle.virtualSize !== inspected.virtualSize)) {
      result.disagreements++;
      result.disagreementCases.push(`seed ${caseSeed} base ${base.name}: inspector ${inspected.qemuFormat} ${inspected.virtualSize}, qemu-img ${oracle.format} ${oracle.virtualSize}`);
    }
  }
  return result;
}
