// Cancelling and killing qemu-img mid-way. To be sure qemu-img is really mid-way (a small image
// converts in milliseconds), the test stops it with SIGSTOP at its first update above 0 %, checks
// in /proc that it is stopped (not finished), then cancels or kills it. If it had already
// finished, the attempt is repeated with a larger image.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConvertError, ConvertResult, convertImage } from '../../src/core/image/convert';
import { Ctx, NO_QEMU_IMG, QEMU_IMG, alive, makeImage, procState, recordingQemuImg, sha256, tmpDir } from '../helpers/qemuImgFixtures';

interface Interrupted {
  dir: string;
  src: string;
  srcHash: string;
  target: string;
  pid: number;
  outcome: Promise<ConvertResult>;
  abort: AbortController;
}

/** Starts a conversion and returns once qemu-img is stopped (SIGSTOP) part-way through. */
async function stoppedMidway(t: Ctx): Promise<Interrupted | undefined> {
  if (process.platform !== 'linux') return undefined; // reads process states from /proc
  const dir = tmpDir(t);
  const rec = recordingQemuImg(dir);
  for (const mib of [24, 96]) {
    const src = makeImage(dir, `s${mib}.qcow2`, 'qcow2', mib);
    const srcHash = sha256(src);
    const target = path.join(dir, `o${mib}.raw`);
    const abort = new AbortController();
    let pid: number | undefined;
    const outcome = convertImage({
      source: src,
      target,
      targetFormat: 'raw',
      qemuImgPath: rec.path,
      signal: abort.signal,
      onProgress: (e) => {
        // Above 0 %: qemu-img prints 0 % before it creates the target; above 0 it is copying.
        if (pid !== undefined || e.percent <= 0 || e.percent >= 100) return;
        pid = rec.calls().filter((c) => c.args[0] === 'convert').pop()?.pid;
        try {
          if (pid) process.kill(pid, 'SIGSTOP');
        } catch {
          // already gone: this attempt finished first
        }
      },
    });
    outcome.catch(() => undefined); // observed by the caller
    const deadline = Date.now() + 30000;
    while (Date.now() < deadline) {
      const state = pid === undefined ? undefined : procState(pid);
      if (state === 'T') return { dir, src, srcHash, target, pid: pid!, outcome, abort };
      if (pid !== undefined && (state === undefined || state === 'Z')) break; // finished before the stop
      await new Promise((r) => setTimeout(r, 5));
    }
    await outcome.catch(() => undefined);
    fs.rmSync(target, { force: true });
  }
  throw new Error('qemu-img finished every attempt before it could be stopped');
}

async function assertCleanFailure(run: Interrupted, kind: string): Promise<ConvertError> {
  let err: unknown;
  await run.outcome.then(
    () => assert.fail('the conversion should not succeed'),
    (e) => (err = e),
  );
  assert.ok(err instanceof ConvertError, String(err));
  assert.equal(err.kind, kind, err.message);
  assert.ok(!alive(run.pid), `qemu-img ${run.pid} still running`);
  assert.ok(!fs.existsSync(`${run.target}.part`), 'a .part was left behind');
  assert.ok(!fs.existsSync(run.target), 'a target was created');
  assert.deepEqual(fs.readdirSync(run.dir).filter((f) => f.startsWith('o')), []);
  assert.equal(sha256(run.src), run.srcHash, 'the source changed');
  return err;
}

test('cancel mid-way: qemu-img stops, no .part is left, the source is byte-identical', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const run = await stoppedMidway(t);
  if (!run) return t.skip('needs Linux /proc to see that qemu-img is stopped mid-way');
  assert.ok(fs.existsSync(`${run.target}.part`), 'qemu-img had created the .part');
  run.abort.abort();
  await new Promise((r) => setTimeout(r, 50));
  process.kill(run.pid, 'SIGCONT'); // let the pending SIGTERM act
  const e = await assertCleanFailure(run, 'cancelled');
  assert.match(e.message, /cancelled.*removed.*source is unchanged/);
});

test('cancel when qemu-img ignores SIGTERM: SIGKILL after the grace period', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const run = await stoppedMidway(t);
  if (!run) return t.skip('needs Linux /proc to see that qemu-img is stopped mid-way');
  run.abort.abort(); // SIGTERM stays pending while it is stopped; only SIGKILL ends it
  await assertCleanFailure(run, 'cancelled');
});

test('qemu-img killed (SIGKILL) mid-way: an error naming the kill, no .part, source intact', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const run = await stoppedMidway(t);
  if (!run) return t.skip('needs Linux /proc to see that qemu-img is stopped mid-way');
  process.kill(run.pid, 'SIGKILL');
  const e = await assertCleanFailure(run, 'failed');
  assert.match(e.message, /killed by SIGKILL/);
});
