// Convert benchmark (not a test): this extension's convertImage against plain qemu-img convert
// with each target cache mode and against cp --sparse=always + sync, qcow2→raw and raw→qcow2,
// interleaved over several rounds on one generated image. Flush calls are counted with strace.
//
//   npm run compile && node out/bench/convert/bench.js [--dir D] [--virtual-gib 2] [--data-gib 1.1]
//       [--rounds 3] [--only name,name] [--keep]
//   node out/bench/convert/bench.js --compressed [--fill /usr/share] [--virtual-gib 2] [--rounds 3]
//       compressed qcow2 output: ours against plain `qemu-img convert -c` (zlib) and plain zstd,
//       on an ext4 image filled with real files (mkfs.ext4 -d FILL), time and output size.
//
// Prints a markdown table (medians, ratios, flush counts) and writes bench/results/convert-*.json.

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConvertOptions, convertImage } from '../../src/core/image/convert';

const MiB = 1024 * 1024;

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
}

const workDir = path.resolve(arg('dir', path.join(os.tmpdir(), 'qdt-convert-bench')));
const virtualGiB = Number(arg('virtual-gib', '2'));
const dataGiB = Number(arg('data-gib', '1.1'));
const rounds = Number(arg('rounds', '3'));
const only = arg('only', '').split(',').filter(Boolean);
const compressedMode = process.argv.includes('--compressed');
const fillDir = arg('fill', '/usr/share');
const QEMU_IMG = spawnSync('sh', ['-c', 'command -v qemu-img'], { encoding: 'utf8' }).stdout.trim() || 'qemu-img';

/**
 * A raw image of `virtualGiB` with `dataGiB` of data spread over it in 1 MiB pieces, the rest
 * holes: 5/8 of the pieces random bytes (incompressible), 3/8 text-like (compressible about 3:1,
 * not trivially), so both formats carry real allocated data and real sparse areas.
 */
function generate(file: string): void {
  const totalMiB = Math.round(virtualGiB * 1024);
  const dataMiB = Math.round(dataGiB * 1024);
  const words = 'qemu disk image cluster refcount snapshot backing guest virtio block flush cache none writeback kernel page sector'.split(' ');
  const pool = Buffer.from(Array.from({ length: 400000 }, (_, i) => words[(i * 7919 + (i >> 3)) % words.length] + (i % 13 === 0 ? '\n' : ' ')).join(''));
  const fd = fs.openSync(file, 'w');
  try {
    fs.ftruncateSync(fd, totalMiB * MiB);
    const stride = totalMiB / dataMiB;
    for (let i = 0; i < dataMiB; i++) {
      const at = Math.floor(i * stride);
      let piece: Buffer;
      if (i % 8 < 5) piece = randomBytes(MiB);
      else {
        const start = (i * 104729) % (pool.length - MiB);
        piece = Buffer.from(pool.subarray(start, start + MiB));
        piece.writeUInt32LE(i, 0);
      }
      fs.writeSync(fd, piece, 0, MiB, at * MiB);
    }
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** A raw ext4 image of `virtualGiB` holding the files under `fillDir` (real, mixed data). */
function generateFilled(file: string): void {
  fs.rmSync(file, { force: true });
  runArgv([['mkfs.ext4', '-q', '-F', '-d', fillDir, '-E', 'root_owner=0:0', file, `${Math.round(virtualGiB * 1024)}M`]]);
}

interface PathDef {
  name: string;
  /** Shell-free argv of the command to time (undefined: the in-process convertImage). */
  argv?: (src: string, dst: string, srcFmt: string, dstFmt: string) => string[][];
  durable: boolean;
  /** convertImage options for the in-process path. */
  options?: ConvertOptions;
}

const qi = (...opts: string[]) => (src: string, dst: string, f: string, o: string) => [[QEMU_IMG, 'convert', ...opts, '-f', f, '-O', o, src, dst]];

const PATHS: PathDef[] = [
  { name: 'extension convertImage', durable: true },
  { name: 'qemu-img -t none', argv: qi('-t', 'none'), durable: true },
  { name: 'qemu-img -t writeback', argv: qi('-t', 'writeback'), durable: true },
  { name: 'qemu-img -t writethrough', argv: qi('-t', 'writethrough'), durable: true },
  { name: 'qemu-img (default unsafe) + sync', argv: (s, d, f, o) => [[QEMU_IMG, 'convert', '-f', f, '-O', o, s, d], ['sync', d]], durable: true },
  { name: 'qemu-img -t none -T none', argv: qi('-t', 'none', '-T', 'none'), durable: true },
  { name: 'qemu-img -t none -m 16', argv: qi('-t', 'none', '-m', '16'), durable: true },
  { name: 'qemu-img -t writeback -m 16 -W', argv: qi('-t', 'writeback', '-m', '16', '-W'), durable: true },
];
const COMPRESSED_PATHS: PathDef[] = [
  { name: 'extension convertImage --compress (zstd)', durable: true, options: { compress: true } },
  { name: 'extension convertImage --compression zlib', durable: true, options: { compress: true, compressionType: 'zlib' } },
  { name: 'qemu-img -c (zlib, default unsafe) + sync', argv: (s, d, f, o) => [[QEMU_IMG, 'convert', '-c', '-f', f, '-O', o, s, d], ['sync', d]], durable: true },
  { name: 'qemu-img -c (zlib, default unsafe)', argv: qi('-c'), durable: false },
  { name: 'qemu-img -c -o compression_type=zstd + sync', argv: (s, d, f, o) => [[QEMU_IMG, 'convert', '-c', '-o', 'compression_type=zstd', '-f', f, '-O', o, s, d], ['sync', d]], durable: true },
  { name: 'qemu-img -c zstd -t none (the old cache choice)', argv: qi('-c', '-o', 'compression_type=zstd', '-t', 'none'), durable: true },
];
const CP: PathDef = { name: 'cp --sparse=always + sync (raw)', argv: (s, d) => [['cp', '--sparse=always', s, d], ['sync', d]], durable: true };

function runArgv(cmds: string[][]): void {
  for (const c of cmds) {
    const r = spawnSync(c[0], c.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    if (r.status !== 0) throw new Error(`${c.join(' ')} failed: ${r.stderr}`);
  }
}

/** Output size (bytes of the file) of each path's last run. */
const sizes = new Map<string, number>();

async function timeOnce(p: PathDef, src: string, dst: string, f: string, o: string): Promise<number> {
  fs.rmSync(dst, { force: true });
  const t0 = performance.now();
  if (p.argv) runArgv(p.argv(src, dst, f, o));
  else await convertImage({ source: src, target: dst, targetFormat: o as 'raw' | 'qcow2', sourceFormat: f, options: p.options });
  const s = (performance.now() - t0) / 1000;
  sizes.set(p.name, fs.statSync(dst).size);
  fs.rmSync(dst, { force: true });
  return s;
}

/** fsync + fdatasync (+ sync_file_range, syncfs) calls of a path's whole run, counted by strace -f. */
function flushes(p: PathDef, src: string, dst: string, f: string, o: string): number | undefined {
  if (spawnSync('strace', ['-V']).status !== 0) return undefined;
  fs.rmSync(dst, { force: true });
  const out = path.join(workDir, 'strace.txt');
  const traced = p.argv
    ? p.argv(src, dst, f, o)
    : [[process.execPath, __filename, '--one', src, dst, f, o, JSON.stringify(p.options ?? {})]];
  let total = 0;
  for (const c of traced) {
    spawnSync('strace', ['-f', '-qq', '-c', '-o', out, '-e', 'trace=fsync,fdatasync,sync_file_range,syncfs', ...c], { stdio: 'ignore' });
    for (const line of fs.readFileSync(out, 'utf8').split('\n')) {
      const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(fsync|fdatasync|sync_file_range|syncfs)$/.exec(line);
      if (m) total += Number(m[1]);
    }
  }
  fs.rmSync(dst, { force: true });
  return total;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  if (process.argv[2] === '--one') {
    const [src, dst, f, o, opts] = process.argv.slice(3);
    await convertImage({ source: src, target: dst, targetFormat: o as 'raw' | 'qcow2', sourceFormat: f, options: JSON.parse(opts ?? '{}') as ConvertOptions });
    return;
  }
  if (compressedMode) return compressedBench();
  fs.mkdirSync(workDir, { recursive: true });
  const raw = path.join(workDir, 'source.raw');
  const qcow2 = path.join(workDir, 'source.qcow2');
  const t0 = performance.now();
  if (!fs.existsSync(raw) || fs.statSync(raw).size !== Math.round(virtualGiB * 1024) * MiB) generate(raw);
  if (!fs.existsSync(qcow2)) runArgv([[QEMU_IMG, 'convert', '-f', 'raw', '-O', 'qcow2', raw, qcow2]]);
  const du = (f: string) => (fs.statSync(f).blocks * 512) / MiB;
  console.error(`images ready in ${((performance.now() - t0) / 1000).toFixed(1)} s: raw ${du(raw).toFixed(0)} MiB allocated of ${virtualGiB} GiB, qcow2 ${du(qcow2).toFixed(0)} MiB`);

  const paths = PATHS.filter((p) => !only.length || only.some((o) => p.name.includes(o)));
  const directions = [
    { name: 'qcow2→raw', src: qcow2, f: 'qcow2', o: 'raw', dst: path.join(workDir, 'out.raw') },
    { name: 'raw→qcow2', src: raw, f: 'raw', o: 'qcow2', dst: path.join(workDir, 'out.qcow2') },
  ];
  const times = new Map<string, number[]>();
  const key = (d: string, p: string) => `${d}|${p}`;
  // Warm the page cache once, so every path reads the sources the same way.
  runArgv([['cat', raw, qcow2]]);
  for (let r = 0; r < rounds; r++) {
    for (const d of directions) {
      const order = [...paths.slice(r % paths.length), ...paths.slice(0, r % paths.length)];
      for (const p of order) {
        const s = await timeOnce(p, d.src, d.dst, d.f, d.o);
        times.set(key(d.name, p.name), [...(times.get(key(d.name, p.name)) ?? []), s]);
        console.error(`round ${r + 1} ${d.name} ${p.name}: ${s.toFixed(2)} s`);
      }
    }
    const s = await timeOnce(CP, raw, path.join(workDir, 'out.raw'), 'raw', 'raw');
    times.set(key('cp', CP.name), [...(times.get(key('cp', CP.name)) ?? []), s]);
    console.error(`round ${r + 1} ${CP.name}: ${s.toFixed(2)} s`);
  }
  const flushCount = new Map<string, number | undefined>();
  for (const d of directions) for (const p of paths) flushCount.set(key(d.name, p.name), flushes(p, d.src, d.dst, d.f, d.o));
  flushCount.set(key('cp', CP.name), flushes(CP, raw, path.join(workDir, 'out.raw'), 'raw', 'raw'));

  const cpMedian = median(times.get(key('cp', CP.name)) ?? [NaN]);
  const lines: string[] = [];
  for (const d of directions) {
    const med = (p: string) => median(times.get(key(d.name, p)) ?? [NaN]);
    const plainDurable = paths.filter((p) => p.argv && p.durable);
    const best = plainDurable.reduce((a, p) => (med(p.name) < med(a.name) ? p : a), plainDurable[0]);
    lines.push(`\n**${d.name}** (best durable plain invocation: ${best?.name ?? 'n/a'}, ${best ? med(best.name).toFixed(2) : '-'} s)\n`);
    lines.push('| path | median s | runs | × best durable plain | × cp+sync | flush calls |', '|---|---|---|---|---|---|');
    for (const p of paths) {
      const m = med(p.name);
      lines.push(
        `| ${p.name} | ${m.toFixed(2)} | ${(times.get(key(d.name, p.name)) ?? []).map((x) => x.toFixed(2)).join(', ')} | ${best ? (m / med(best.name)).toFixed(2) : '-'} | ${(m / cpMedian).toFixed(2)} | ${flushCount.get(key(d.name, p.name)) ?? 'n/a'} |`,
      );
    }
  }
  lines.push(
    `\n| reference | median s | runs | flush calls |\n|---|---|---|---|\n| ${CP.name} | ${cpMedian.toFixed(2)} | ${(times.get(key('cp', CP.name)) ?? []).map((x) => x.toFixed(2)).join(', ')} | ${flushCount.get(key('cp', CP.name)) ?? 'n/a'} |`,
  );
  const table = lines.join('\n');
  console.log(table);
  const results = path.join(__dirname, '..', '..', '..', 'bench', 'results');
  fs.mkdirSync(results, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  fs.writeFileSync(
    path.join(results, `convert-${stamp}.json`),
    JSON.stringify({ date: new Date().toISOString(), host: { cpus: os.cpus().length, load: os.loadavg(), kernel: os.release() }, virtualGiB, dataGiB, rounds, times: Object.fromEntries(times), flushes: Object.fromEntries(flushCount) }, null, 1),
  );
  if (!process.argv.includes('--keep')) fs.rmSync(workDir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

/** --compressed: raw ext4 image with real files → compressed qcow2, every path interleaved. */
async function compressedBench(): Promise<void> {
  fs.mkdirSync(workDir, { recursive: true });
  const raw = path.join(workDir, 'filled.raw');
  const t0 = performance.now();
  if (!fs.existsSync(raw) || fs.statSync(raw).size !== Math.round(virtualGiB * 1024) * MiB) generateFilled(raw);
  const dataMiB = (fs.statSync(raw).blocks * 512) / MiB;
  console.error(`image ready in ${((performance.now() - t0) / 1000).toFixed(1)} s: ext4 of ${virtualGiB} GiB, ${dataMiB.toFixed(0)} MiB allocated (files from ${fillDir})`);
  const paths = COMPRESSED_PATHS.filter((p) => !only.length || only.some((o) => p.name.includes(o)));
  const dst = path.join(workDir, 'out.qcow2');
  const times = new Map<string, number[]>();
  runArgv([['cat', raw]]);
  for (let r = 0; r < rounds; r++) {
    const order = [...paths.slice(r % paths.length), ...paths.slice(0, r % paths.length)];
    for (const p of order) {
      const s = await timeOnce(p, raw, dst, 'raw', 'qcow2');
      times.set(p.name, [...(times.get(p.name) ?? []), s]);
      console.error(`round ${r + 1} ${p.name}: ${s.toFixed(2)} s, ${(sizes.get(p.name)! / MiB).toFixed(1)} MiB`);
    }
  }
  const flushCount = new Map(paths.map((p) => [p.name, flushes(p, raw, dst, 'raw', 'qcow2')]));
  const med = (n: string) => median(times.get(n) ?? [NaN]);
  const base = 'qemu-img -c (zlib, default unsafe) + sync';
  const lines = [
    `\n**raw→qcow2 compressed**, ${virtualGiB} GiB ext4 with ${dataMiB.toFixed(0)} MiB of files (× = time / \`${base}\`)\n`,
    '| path | median s | runs | × plain -c + sync | output MiB | flush calls |',
    '|---|---|---|---|---|---|',
    ...paths.map((p) => `| ${p.name} | ${med(p.name).toFixed(2)} | ${(times.get(p.name) ?? []).map((x) => x.toFixed(2)).join(', ')} | ${(med(p.name) / med(base)).toFixed(2)} | ${(sizes.get(p.name)! / MiB).toFixed(1)} | ${flushCount.get(p.name) ?? 'n/a'} |`),
  ];
  console.log(lines.join('\n'));
  const results = path.join(__dirname, '..', '..', '..', 'bench', 'results');
  fs.mkdirSync(results, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  fs.writeFileSync(
    path.join(results, `convert-compressed-${stamp}.json`),
    JSON.stringify({ date: new Date().toISOString(), host: { cpus: os.cpus().length, load: os.loadavg(), kernel: os.release() }, virtualGiB, dataMiB, fillDir, rounds, times: Object.fromEntries(times), sizes: Object.fromEntries(sizes), flushes: Object.fromEntries(flushCount) }, null, 1),
  );
  if (!process.argv.includes('--keep')) fs.rmSync(workDir, { recursive: true, force: true });
}
