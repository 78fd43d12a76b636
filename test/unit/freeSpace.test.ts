// Free space first: qemu-img measure against statfs of the target's filesystem, on a real small
// tmpfs: refused before anything is written there, accepted when it fits, compressed output warned.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConvertError, convertImage } from '../../src/core/image/convert';
import { freeSpaceOf, judgeSpace, margin } from '../../src/core/image/freeSpace';
import { NO_QEMU_IMG, QEMU_IMG, compareImages, qemuImg, recordingQemuImg, rejectsWith, tmpDir, tryMount } from '../helpers/qemuImgFixtures';

const MiB = 1024 * 1024;

/** A 64 MiB qcow2 holding `dataMiB` MiB written by qemu-io (a repeated byte: compresses to almost nothing). */
function qcow2With(dir: string, name: string, dataMiB: number): string {
  const file = path.join(dir, name);
  qemuImg('create', '-q', '-f', 'qcow2', file, '64M');
  execFileSync(path.join(path.dirname(QEMU_IMG!), 'qemu-io'), ['-f', 'qcow2', '-c', `write -P 0x6b 0 ${dataMiB}M`, file], { stdio: 'ignore' });
  return file;
}

test('a 20 MiB tmpfs: 24 MiB of data is refused before anything is written; 1 MiB converts; compressed only warns', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const m = tryMount(t, 'tmpfs', 'size=20m');
  if ('skip' in m) return t.skip(m.skip);
  const dir = tmpDir(t);
  const big = qcow2With(dir, 'big.qcow2', 24);
  const rec = recordingQemuImg(dir);
  const e = await rejectsWith(
    convertImage({ source: big, target: path.join(m.dir, 'big.raw'), targetFormat: 'raw', qemuImgPath: rec.path }),
    ConvertError,
    'no-space',
  );
  assert.match(e.message, new RegExp(`^Refused to convert .*big\\.qcow2 to .*big\\.raw: it needs [\\d.]+ MiB \\(the \\.part \\(raw\\) [\\d.]+ MiB, measured by qemu-img measure, plus a margin of [\\d.]+ MiB\\), [\\d.]+ MiB free on ${m.dir}\\. .*Nothing was written\\.$`));
  assert.deepEqual(fs.readdirSync(m.dir), [], 'nothing written on the full filesystem, not even the O_DIRECT probe');
  assert.ok(!rec.calls().some((c) => c.args[0] === 'convert'), 'qemu-img convert never ran');
  assert.ok(rec.calls().some((c) => c.args[0] === 'measure'));

  const small = qcow2With(dir, 'small.qcow2', 1);
  const ok = await convertImage({ source: small, target: path.join(m.dir, 'small.qcow2'), targetFormat: 'qcow2' });
  assert.deepEqual(ok.notes, []);
  assert.equal(compareImages(small, 'qcow2', path.join(m.dir, 'small.qcow2'), 'qcow2'), 0);

  // Compressed: measure can only give the uncompressed size, so it warns and lets it run.
  const packed = await convertImage({ source: big, target: path.join(m.dir, 'big.qcow2'), targetFormat: 'qcow2', options: { compress: true } });
  assert.equal(packed.notes.length, 1);
  assert.match(packed.notes[0], new RegExp(`may not fit: it needs up to .* free on ${m.dir}\\. Compression usually saves`));
  assert.equal(compareImages(big, 'qcow2', path.join(m.dir, 'big.qcow2'), 'qcow2'), 0);
});

test('judgeSpace: exact needs refuse, upper bounds warn, the margin counts; freeSpaceOf finds the mount', async () => {
  const space = { mount: '/mnt/x', free: 100 * MiB };
  assert.equal(margin(0), 4 * MiB);
  assert.deepEqual(judgeSpace([{ what: 'the .part (raw)', bytes: 80 * MiB, exact: true }], space), {});
  assert.match(judgeSpace([{ what: 'the .part (raw)', bytes: 96 * MiB, exact: true }], space).refuse ?? '', /needs 101 MiB .* 100 MiB free on \/mnt\/x/);
  const v = judgeSpace([{ what: 'the .part (qcow2)', bytes: 500 * MiB, exact: false }], space);
  assert.equal(v.refuse, undefined);
  assert.match(v.warn ?? '', /may not fit/);
  const both = judgeSpace([{ what: 'the raw intermediate', bytes: 97 * MiB, exact: true }, { what: 'the .part (tar.gz)', bytes: 90 * MiB, exact: false }], space);
  assert.match(both.refuse ?? '', /the raw intermediate 97 MiB/);
  const fsOf = await freeSpaceOf(process.cwd());
  assert.ok((fsOf.free ?? 0) > 0 && path.isAbsolute(fsOf.mount) && process.cwd().startsWith(fsOf.mount));
});

test('a qemu-img without measure (before 2.10): the conversion runs, with a note that the space was not checked', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const dir = tmpDir(t);
  const src = qcow2With(dir, 's.qcow2', 1);
  const old = path.join(dir, 'qemu-img-2.9');
  fs.writeFileSync(old, `#!/bin/sh\n[ "$1" = measure ] && { echo "qemu-img: Command not found: measure" >&2; exit 1; }\nexec '${QEMU_IMG}' "$@"\n`, { mode: 0o755 });
  const r = await convertImage({ source: src, target: path.join(dir, 'o.raw'), targetFormat: 'raw', qemuImgPath: old });
  assert.equal(r.notes.length, 1);
  assert.match(r.notes[0], /^The free space was not checked beforehand: /);
  assert.equal(compareImages(src, 'qcow2', path.join(dir, 'o.raw'), 'raw'), 0);
});
