// Target filesystems that misbehave: full, without O_DIRECT, read-only. Each is a real mount
// (tests run as root in CI); where mounting is not allowed the test is skipped with the reason.
// Every mount is undone in an `after` hook, also when the test fails.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConvertError, convertImage } from '../../src/core/image/convert';
import { NO_QEMU_IMG, QEMU_IMG, rejectsWith, compareImages, makeImage, recordingQemuImg, sha256, tmpDir, tryMount } from '../helpers/qemuImgFixtures';

test('a full target filesystem: a no-space error and no partial file', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const m = tryMount(t, 'tmpfs', 'size=1m,mode=0755');
  if ('skip' in m) return t.skip(m.skip);
  const dir = tmpDir(t);
  const src = makeImage(dir, 's.qcow2', 'qcow2', 8);
  const before = sha256(src);
  // Measured first: refused before anything is written (freeSpace.test.ts has the details).
  for (const format of ['raw', 'qcow2'] as const) {
    const target = path.join(m.dir, `out.${format}`);
    const e = await rejectsWith(convertImage({ source: src, target, targetFormat: format }), ConvertError, 'no-space');
    assert.match(e.message, /needs .* free on /);
    assert.deepEqual(fs.readdirSync(m.dir), [], `left in the full filesystem: ${fs.readdirSync(m.dir).join(', ')}`);
  }
  // Compressed output cannot be measured, so it runs, and fills the disk (a quarter of the data is random).
  const e = await rejectsWith(convertImage({ source: src, target: path.join(m.dir, 'out.qcow2'), targetFormat: 'qcow2', options: { compress: true } }), ConvertError, 'no-space');
  assert.match(e.message, /full/);
  assert.deepEqual(fs.readdirSync(m.dir), [], `left in the full filesystem: ${fs.readdirSync(m.dir).join(', ')}`);
  assert.equal(sha256(src), before);
});

test('a filesystem without O_DIRECT (ramfs): writeback is chosen and the log says why', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const m = tryMount(t, 'ramfs', 'mode=0755');
  if ('skip' in m) return t.skip(m.skip);
  const dir = tmpDir(t);
  const src = makeImage(dir, 's.qcow2', 'qcow2', 2);
  const lines: string[] = [];
  const r = await convertImage({ source: src, target: path.join(m.dir, 'o.raw'), targetFormat: 'raw', log: (l) => lines.push(l) });
  assert.equal(r.cacheMode, 'writeback');
  assert.match(r.cacheReason, /refuses O_DIRECT.*"writeback"/);
  assert.ok(lines.some((l) => l.startsWith('target cache: writeback: ') && l.includes('O_DIRECT')), lines.join('\n'));
  assert.equal(r.argv[r.argv.indexOf('-t') + 1], 'writeback');
  assert.equal(compareImages(src, 'qcow2', path.join(m.dir, 'o.raw'), 'raw'), 0);
  assert.deepEqual(fs.readdirSync(m.dir), ['o.raw']);
});

test('tmpfs: O_DIRECT is used exactly when this kernel\'s tmpfs takes it', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const m = tryMount(t, 'tmpfs', 'size=16m,mode=0755');
  if ('skip' in m) return t.skip(m.skip);
  // Linux >= 6.6 supports O_DIRECT on tmpfs; older kernels refuse it (EINVAL at open).
  let takes = true;
  try {
    fs.closeSync(fs.openSync(path.join(m.dir, 'probe'), fs.constants.O_CREAT | fs.constants.O_WRONLY | fs.constants.O_DIRECT));
  } catch (e) {
    takes = (e as NodeJS.ErrnoException).code !== 'EINVAL';
  }
  fs.rmSync(path.join(m.dir, 'probe'), { force: true });
  const src = makeImage(tmpDir(t), 's.raw', 'raw', 2);
  const r = await convertImage({ source: src, target: path.join(m.dir, 'o.qcow2'), targetFormat: 'qcow2' });
  assert.equal(r.cacheMode, takes ? 'none' : 'writeback', r.cacheReason);
  assert.equal(compareImages(src, 'raw', path.join(m.dir, 'o.qcow2'), 'qcow2'), 0);
});

test('a read-only target folder: a permission error, nothing written, qemu-img convert not run', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  // Root ignores chmod, so the folder is a read-only mount.
  const m = tryMount(t, 'tmpfs', 'ro,size=1m');
  if ('skip' in m) return t.skip(m.skip);
  const dir = tmpDir(t);
  const src = makeImage(dir, 's.qcow2', 'qcow2', 1);
  const rec = recordingQemuImg(dir);
  const e = await rejectsWith(convertImage({ source: src, target: path.join(m.dir, 'o.raw'), targetFormat: 'raw', qemuImgPath: rec.path }), ConvertError, 'permission');
  assert.equal(e.file, m.dir);
  assert.match(e.message, /read-only/);
  assert.deepEqual(fs.readdirSync(m.dir), []);
  assert.deepEqual(rec.calls().filter((c) => c.args[0] === 'convert'), []);
});
