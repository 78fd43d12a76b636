import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ProgressParser, ProgressTracker } from '../../src/core/image/progress';
import { NO_QEMU_IMG, QEMU_IMG, makeImage, tmpDir } from '../helpers/qemuImgFixtures';

test('progress updates split anywhere across chunks are all read, once each', () => {
  const stream = '    (0.00/100%)\r    (1.01/100%)\r    (2.02/100%)\r    (50.00/100%)\r    (100.00/100%)\r    (100.00/100%)\r\n';
  for (let cut = 1; cut < stream.length; cut++) {
    const p = new ProgressParser();
    const got = [...p.feed(stream.slice(0, cut)), ...p.feed(stream.slice(cut))];
    assert.deepEqual(got, [0, 1.01, 2.02, 50, 100], `cut at ${cut}`);
  }
});

test('progress never goes back and never passes 100', () => {
  const p = new ProgressParser();
  assert.deepEqual(p.feed('(10.00/100%)\r(5.00/100%)\r(10.00/100%)\r(12.5/100%)\r(130/100%)\r(99/100%)\r'), [10, 12.5, 100]);
  assert.equal(p.percent, 100);
});

test('the SIGUSR1 form (newline-terminated) and stray text are handled', () => {
  const p = new ProgressParser();
  assert.deepEqual(p.feed('qemu-img: warning\n    (42.00/100%)\nnoise (x/100%)\n'), [42]);
});

test('speed and time left come from percent, work size and the clock', () => {
  let now = 0;
  const tr = new ProgressTracker(1000 * 1000 * 1000, () => now);
  assert.deepEqual(tr.event(0), { percent: 0 });
  now = 2000;
  const e = tr.event(25);
  assert.equal(e.percent, 25);
  assert.equal(e.bytesPerSecond, 125 * 1000 * 1000);
  assert.equal(e.secondsLeft, 6);
  now = 8000;
  assert.equal(tr.event(100).secondsLeft, 0);
});

test('the parser reads what the real qemu-img convert -p prints through a pipe', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const dir = tmpDir(t);
  const src = makeImage(dir, 'p.qcow2', 'qcow2', 4);
  const child = spawn(QEMU_IMG, ['convert', '-p', '-f', 'qcow2', '-O', 'raw', src, path.join(dir, 'p.raw')], {
    env: { ...process.env, LC_ALL: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const parser = new ProgressParser();
  const seen: number[] = [];
  child.stdout.setEncoding('utf8').on('data', (c: string) => seen.push(...parser.feed(c)));
  const code = await new Promise<number | null>((r) => child.on('close', r));
  assert.equal(code, 0);
  assert.ok(fs.existsSync(path.join(dir, 'p.raw')));
  assert.equal(seen[0], 0);
  assert.equal(seen[seen.length - 1], 100);
  assert.ok(seen.length >= 3, `updates: ${seen.join(', ')}`);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i] > seen[i - 1]);
});
