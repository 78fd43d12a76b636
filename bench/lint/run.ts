// Lint benchmark (not a test): the engine in-process, the CLI as a whole process, and
// virt-xml-validate, interleaved on the same files, several rounds, medians.
//   npm run compile && npm run build && node out/bench/lint/run.js [rounds]
// Writes bench/results/lint.json and prints a Markdown table for bench/README.md.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { lint } from '../../src/core/lint/engine';
import { writeBenchFiles, type BenchFile } from './generate';

const ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const OUT_DIR = path.join(ROOT, 'bench/results');
const rounds = Number(process.argv[2] ?? 9) || 9;
const ENGINE_REPS = 5; // engine runs per round (in-process timings are short; take their median)

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function timeProcess(cmd: string, args: string[], okCodes: number[]): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.error || !okCodes.includes(r.status ?? -1)) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.error?.message ?? r.stderr}`);
  return ms;
}

function timeEngine(text: string, fileName: string): number {
  const t0 = performance.now();
  lint(text, { fileName });
  return performance.now() - t0;
}

interface Heap {
  grownMiB: number;
  retainedMiB: number;
}

/**
 * Heap growth of one lint, median of 5: `grownMiB` = heap used right after lint() minus before
 * (what it allocated: measured in a child with a 64 MB young generation, so that no scavenge runs
 * during the lint and hides part of it), `retainedMiB` = what the findings hold after a full GC.
 * The timings above run with Node's default heap settings, as the extension host and CLI do.
 */
function heapGrowth(text: string, fileName: string): Heap {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('heap measurement needs --expose-gc');
  const grown: number[] = [];
  const retained: number[] = [];
  const used = () => process.memoryUsage().heapUsed;
  const fullGc = () => {
    gc();
    gc();
  };
  for (let i = 0; i < 5; i++) {
    fullGc();
    const before = used();
    let findings: unknown[] | undefined = lint(text, { fileName });
    const during = used();
    fullGc();
    const holding = used();
    if (findings.length < 0) throw new Error('unreachable'); // the findings are alive until here
    findings = undefined;
    fullGc();
    grown.push((during - before) / 1048576);
    retained.push((holding - used()) / 1048576);
  }
  return { grownMiB: median(grown), retainedMiB: median(retained) };
}

/** One lint in a fresh process: what the CLI pays, with nothing compiled or warmed up yet. */
function firstLintInChild(file: string): number {
  const r = spawnSync(process.execPath, [__filename, '--first', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`first-lint measurement failed: ${r.stderr}`);
  return Number(r.stdout);
}

function heapInChild(file: string): Heap {
  const r = spawnSync(process.execPath, ['--expose-gc', '--max-semi-space-size=64', __filename, '--heap', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`heap measurement failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Heap;
}

function main(): void {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const hasValidator = spawnSync('virt-xml-validate', ['--help']).error === undefined;
  const files = writeBenchFiles(path.join(os.tmpdir(), 'qdt-bench-lint'));
  const texts = new Map(files.map((f) => [f.file, fs.readFileSync(f.file, 'utf8')]));
  const engine = new Map<string, number[]>(files.map((f) => [f.file, []]));
  const first = new Map<string, number[]>(files.map((f) => [f.file, []]));
  const cli = new Map<string, number[]>(files.map((f) => [f.file, []]));
  const validator = new Map<string, number[]>(files.map((f) => [f.file, []]));
  const startup: number[] = [];
  const bareNode: number[] = [];

  // Warm-up: JIT for the engine, page cache for the processes.
  for (const f of files) {
    for (let i = 0; i < 3; i++) timeEngine(texts.get(f.file)!, f.file);
    timeProcess(process.execPath, [CLI, 'lint', '--no-config', f.file], [0, 1]);
    if (hasValidator && f.xml) timeProcess('virt-xml-validate', [f.file, 'domain'], [0]);
  }
  for (let r = 0; r < rounds; r++) {
    bareNode.push(timeProcess(process.execPath, ['-e', '0'], [0]));
    startup.push(timeProcess(process.execPath, [CLI, '--version'], [0]));
    // Rotate the order each round so no tool always runs right after another.
    const order = files.map((_, i) => files[(i + r) % files.length]);
    for (const f of order) {
      const reps = Array.from({ length: ENGINE_REPS }, () => timeEngine(texts.get(f.file)!, f.file));
      engine.get(f.file)!.push(median(reps));
      first.get(f.file)!.push(firstLintInChild(f.file));
      const pair: (() => void)[] = [() => cli.get(f.file)!.push(timeProcess(process.execPath, [CLI, 'lint', '--no-config', f.file], [0, 1]))];
      if (hasValidator && f.xml) pair.push(() => validator.get(f.file)!.push(timeProcess('virt-xml-validate', [f.file, 'domain'], [0])));
      (r % 2 ? pair.reverse() : pair).forEach((run) => run());
    }
  }

  const rows = files.map((f: BenchFile) => {
    const text = texts.get(f.file)!;
    const e = median(engine.get(f.file)!);
    const e1 = median(first.get(f.file)!);
    const c = median(cli.get(f.file)!);
    const v = f.xml && hasValidator ? median(validator.get(f.file)!) : undefined;
    return {
      file: f.label,
      bytes: Buffer.byteLength(text),
      lines: text.split('\n').length,
      findings: lint(text, { fileName: f.file }).length,
      engineMs: e,
      firstLintMs: e1,
      cliMs: c,
      validatorMs: v,
      cliToValidator: v ? c / v : undefined,
      heap: heapInChild(f.file),
    };
  });
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    loadavg: os.loadavg(),
    rounds,
    nodeStartupMs: median(bareNode),
    cliStartupMs: median(startup),
    rows,
  };
  fs.mkdirSync(OUT_DIR, { recursive: true });
  fs.writeFileSync(path.join(OUT_DIR, 'lint.json'), JSON.stringify(result, null, 2) + '\n');

  const f1 = (x: number | undefined, d = 1) => (x === undefined ? '—' : x.toFixed(d));
  console.log(`Node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}, ${rounds} rounds, medians.`);
  console.log(`Start-up alone: node -e 0 ${f1(result.nodeStartupMs)} ms; the CLI (--version) ${f1(result.cliStartupMs)} ms.\n`);
  console.log('| file | size | findings | engine, warm | engine, first lint in a fresh process | heap grown / retained | CLI process | virt-xml-validate | CLI / validate |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const size = r.bytes > 1048576 ? `${(r.bytes / 1048576).toFixed(2)} MB` : `${(r.bytes / 1024).toFixed(0)} KB`;
    const heap = `${f1(r.heap.grownMiB)} / ${f1(r.heap.retainedMiB, 2)} MiB`;
    console.log(`| ${r.file} | ${size}, ${r.lines} lines | ${r.findings} | ${f1(r.engineMs, 2)} ms | ${f1(r.firstLintMs)} ms | ${heap} | ${f1(r.cliMs)} ms | ${r.validatorMs === undefined ? '—' : f1(r.validatorMs) + ' ms'} | ${r.cliToValidator === undefined ? '—' : f1(r.cliToValidator, 2)} |`);
  }
  const big = rows[0];
  const typical = rows[1];
  console.log('');
  console.log(`engine, 5,000 disks < 150 ms: ${big.engineMs < 150 ? 'met' : 'MISSED'} (${f1(big.engineMs)} ms)`);
  console.log(`engine, typical < 5 ms: ${typical.engineMs < 5 ? 'met' : 'MISSED'} (${f1(typical.engineMs, 2)} ms)`);
  if (big.cliToValidator !== undefined) console.log(`CLI <= 0.5 x virt-xml-validate, 5,000 disks: ${big.cliToValidator <= 0.5 ? 'met' : 'MISSED'} (${f1(big.cliToValidator, 2)})`);
}

if (process.argv[2] === '--first') {
  const file = process.argv[3];
  process.stdout.write(String(timeEngine(fs.readFileSync(file, 'utf8'), file)));
} else if (process.argv[2] === '--heap') {
  const file = process.argv[3];
  process.stdout.write(JSON.stringify(heapGrowth(fs.readFileSync(file, 'utf8'), file)));
} else {
  main();
}
