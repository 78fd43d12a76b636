// Lint and fix-all take time in proportion to the input on any layout: each odd shape is
// compared with the same content in ordinary layout, measured side by side (a ratio, not a
// time limit). A quadratic scan shows as a ratio in the tens at these sizes (one-line domain:
// 46× at 300 KB before the fix), a linear one stays near 1.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { fixAll, lint } from '../../src/core/lint/engine';
import { shapePairs } from '../../bench/lint/shapes';

const MAX_RATIO = 8;

// The fastest of several runs: a pause of the machine (GC, another process on a shared core)
// only ever adds time, so the minimum is the steadiest figure of what the code costs.
function fastestMs(fn: () => void, runs: number): number {
  let best = Infinity;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

for (const pair of shapePairs(2500)) {
  test(`linear time: ${pair.name} (${(pair.odd.length / 1024).toFixed(0)} KiB)`, () => {
    const req = { fileName: pair.fileName };
    // Both run once first, so that neither pays for the JIT alone.
    lint(pair.odd, req);
    lint(pair.ordinary, req);
    // The floor (20 ms) keeps a few-ms ordinary run from turning noise into a large ratio; a
    // quadratic scan costs seconds at these sizes.
    const lintOdd = fastestMs(() => lint(pair.odd, req), 5);
    const lintOrdinary = Math.max(fastestMs(() => lint(pair.ordinary, req), 5), 20);
    assert.ok(lintOdd / lintOrdinary < MAX_RATIO, `lint: ${lintOdd.toFixed(0)} ms odd vs ${lintOrdinary.toFixed(0)} ms ordinary`);
    const fixOdd = fastestMs(() => fixAll(pair.odd, req), 3);
    const fixOrdinary = Math.max(fastestMs(() => fixAll(pair.ordinary, req), 3), 20);
    assert.ok(fixOdd / fixOrdinary < MAX_RATIO, `fix-all: ${fixOdd.toFixed(0)} ms odd vs ${fixOrdinary.toFixed(0)} ms ordinary`);
  });
}

test('a start tag of tens of megabytes is read to its end: its finding is not lost', () => {
  // The scanner's former regex overflowed its stack at ~30 MB of attributes, and the domain
  // then linted as if it had no disk.
  const attrs = Array.from({ length: 3_500_000 }, (_, i) => ` a${i.toString(36)}='v'`).join('');
  const text = `<domain type='kvm'><devices><disk type='file'>\n<driver name='qemu'${attrs} cache='unsafe'/></disk></devices></domain>`;
  assert.ok(text.length > 30_000_000);
  assert.deepEqual(lint(text, { fileName: 'vm.xml' }).map((f) => f.rule), ['cache-unsafe']);
});
