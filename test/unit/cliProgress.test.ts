// Convert progress as the operator sees it: a redrawn bar on a terminal, plain lines in a log.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatProgressLine, progressReporter } from '../../src/cli/progressBar';
import { humanRate } from '../../src/core/units';

function capture(tty: boolean, percents: number[]): string {
  let out = '';
  const p = progressReporter({ write: (s: string) => (out += s) }, tty, 'Converting');
  for (const percent of percents) p.update({ percent, bytesPerSecond: 3 * 1024 * 1024, secondsLeft: 75 });
  p.done();
  return out;
}

const every = Array.from({ length: 201 }, (_, i) => i / 2);

test('not a terminal: one plain line per 10%, no carriage returns or escape codes', () => {
  const lines = capture(false, every).split('\n').filter(Boolean);
  assert.equal(lines.length, 11);
  assert.equal(lines[0], 'Converting   0%  3.0 MiB/s  1:15 left');
  assert.match(lines[10], /^Converting 100%/);
  assert.doesNotMatch(capture(false, every), /[\r\x1b]/);
});

test('a terminal: the bar redraws in place and ends with one newline', () => {
  const out = capture(true, [0, 50, 100]);
  assert.equal(out.split('\r').length - 1, 3);
  assert.match(out, /\[#{15}\.{15}\]  50%/);
  assert.match(out, /\[#{30}\] 100%/);
  assert.ok(out.endsWith('\n') && !out.endsWith('\n\n'));
});

test('rates are shown in the unit that fits: a small file never reads "0.0 MiB/s"', () => {
  assert.equal(humanRate(420 * 1024), '420 KiB/s');
  assert.equal(humanRate(3.2 * 1024 * 1024), '3.2 MiB/s');
  assert.equal(humanRate(512.4), '512 bytes/s');
  assert.match(formatProgressLine({ percent: 100, bytesPerSecond: 40 * 1024 }), /40 KiB\/s/);
});
