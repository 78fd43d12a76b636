// Size → time of lint and fix-all, up to 20 MB, for the ordinary layout and the odd shapes of
// bench/lint/shapes.ts (the same content): linear time shows as time growing with size alone.
//   npm run compile && node out/bench/lint/scaling.js [--only TEXT] [--mb 1,2,5,10,20]
// (--only: the shapes whose name holds TEXT; --mb: the target sizes)
// Prints a Markdown table for bench/README.md (medians of 3 in-process runs, after one warm-up).
import { performance } from 'node:perf_hooks';
import { fixAll, lint } from '../../src/core/lint/engine';
import { shapePairs } from './shapes';

const median3 = (fn: () => void) => {
  const t: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  return t.sort((a, b) => a - b)[1];
};

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const only = arg('--only');
const TARGET_MB = (arg('--mb') ?? '1,2,5,10,20').split(',').map(Number);
const rows: string[] = ['| shape | MB | lint ms | fix-all ms | ms per MB (lint) |', '|---|---|---|---|---|'];
for (const [index, name] of shapePairs(10).map((p, i) => [i, p.name] as const)) {
  if (only && !name.includes(only)) continue;
  for (const layout of ['ordinary', 'odd'] as const) {
    if (layout === 'ordinary' && index > 0 && shapePairs(10)[index].ordinary === shapePairs(10)[0].ordinary) continue;
    for (const mb of TARGET_MB) {
      // Scale the shape until its text reaches the target size.
      const perUnit = shapePairs(100)[index][layout].length / 100;
      const pair = shapePairs(Math.max(1, Math.round((mb * 1e6) / perUnit)))[index];
      const text = pair[layout];
      const req = { fileName: pair.fileName };
      lint(text, req);
      const l = median3(() => lint(text, req));
      const f = median3(() => fixAll(text, req));
      const sizeMb = text.length / 1e6;
      rows.push(`| ${name} (${layout}) | ${sizeMb.toFixed(1)} | ${l.toFixed(0)} | ${f.toFixed(0)} | ${(l / sizeMb).toFixed(0)} |`);
    }
  }
}
process.stdout.write(`${rows.join('\n')}\n`);
