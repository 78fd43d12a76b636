// Compressed qcow2 output: zstd where qemu-img has it, zlib on request or as a fallback, the
// content identical to the source (qemu-img compare), and the compressed write path.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConvertError, convertImage } from '../../src/core/image/convert';
import { chooseCompression } from '../../src/core/image/compression';
import { NO_QEMU_IMG, QEMU_IMG, compareImages, makeImage, qemuImg, recordingQemuImg, rejectsWith, tmpDir } from '../helpers/qemuImgFixtures';

const compressionOf = (file: string) =>
  (JSON.parse(qemuImg('info', '-f', 'qcow2', '--output=json', file)) as { 'format-specific': { data: { 'compression-type': string } } })['format-specific'].data['compression-type'];

/**
 * A qemu-img that behaves like a build without zstd: `create -o compression_type=zstd` fails as
 * qemu's QAPI enum visitor words it (the zstd value only exists with CONFIG_ZSTD); with
 * `old`, `-o help` lacks compression_type too, as before QEMU 5.1. Everything else is the real one.
 */
function qemuImgWithoutZstd(dir: string, old = false): string {
  const file = path.join(dir, old ? 'qemu-img-5.0' : 'qemu-img-nozstd');
  fs.writeFileSync(
    file,
    `#!/bin/sh
case "$*" in
  *compression_type=zstd*) echo "qemu-img: $7: Parameter 'compression-type' does not accept value 'zstd'" >&2; exit 1 ;;
  *"-o help"*) '${QEMU_IMG}' "$@" ${old ? '| grep -v compression_type' : ''}; exit 0 ;;
esac
exec '${QEMU_IMG}' "$@"
`,
    { mode: 0o755 },
  );
  return file;
}

test('compress: zstd by default where qemu-img has it, identical content, written with cache writeback', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const dir = tmpDir(t);
  const src = makeImage(dir, 's.qcow2', 'qcow2', 8, 3);
  const rec = recordingQemuImg(dir);
  const out = path.join(dir, 'z.qcow2');
  const r = await convertImage({ source: src, target: out, targetFormat: 'qcow2', options: { compress: true }, qemuImgPath: rec.path });
  assert.equal(r.compressionType, 'zstd');
  assert.deepEqual(r.notes, []);
  assert.equal(compressionOf(out), 'zstd');
  assert.equal(compareImages(src, 'qcow2', out, 'qcow2'), 0, 'qemu-img compare: compressed output differs from its source');
  const convert = rec.calls().find((c) => c.args[0] === 'convert')!.args;
  assert.ok(convert.includes('-c'));
  assert.equal(convert[convert.indexOf('-t') + 1], 'writeback', 'compressed clusters are not written with O_DIRECT');
  assert.equal(r.cacheMode, 'writeback');
  assert.match(r.cacheReason, /compressed/);

  const zlib = path.join(dir, 'l.qcow2');
  const rl = await convertImage({ source: src, target: zlib, targetFormat: 'qcow2', options: { compress: true, compressionType: 'zlib' } });
  assert.equal(rl.compressionType, 'zlib');
  assert.equal(compressionOf(zlib), 'zlib');
  assert.equal(compareImages(src, 'qcow2', zlib, 'qcow2'), 0);
});

test('a qemu-img without zstd: the default falls back to zlib with a note; asking for zstd is refused, nothing written', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const dir = tmpDir(t);
  const src = makeImage(dir, 's.raw', 'raw', 4, 5);
  const fake = qemuImgWithoutZstd(dir);
  const out = path.join(dir, 'o.qcow2');
  const r = await convertImage({ source: src, target: out, targetFormat: 'qcow2', options: { compress: true }, qemuImgPath: fake });
  assert.equal(r.compressionType, 'zlib');
  assert.equal(compressionOf(out), 'zlib');
  assert.equal(compareImages(src, 'raw', out, 'qcow2'), 0);
  assert.equal(r.notes.length, 1);
  assert.match(r.notes[0], /zlib.*slower than zstd.*built without zstd.*does not accept value 'zstd'/);

  const e = await rejectsWith(
    convertImage({ source: src, target: path.join(dir, 'z.qcow2'), targetFormat: 'qcow2', options: { compress: true, compressionType: 'zstd' }, qemuImgPath: fake }),
    ConvertError,
    'refused',
  );
  assert.match(e.message, /zstd compression was asked for.*built without zstd.*Choose zlib/);
  assert.ok(!fs.existsSync(path.join(dir, 'z.qcow2')) && !fs.existsSync(path.join(dir, 'z.qcow2.part')));

  const old = qemuImgWithoutZstd(dir, true);
  const r2 = await convertImage({ source: src, target: path.join(dir, 'old.qcow2'), targetFormat: 'qcow2', options: { compress: true }, qemuImgPath: old });
  assert.equal(r2.compressionType, 'zlib');
  assert.match(r2.notes[0], /predates QEMU 5\.1/);
});

test('chooseCompression and option checks', async (t) => {
  const yes = { supported: true, reason: '' };
  const no = { supported: false, reason: 'X was built without zstd.' };
  assert.deepEqual(chooseCompression(undefined, yes), { type: 'zstd' });
  assert.deepEqual(chooseCompression('zlib', yes), { type: 'zlib' });
  assert.equal(chooseCompression(undefined, no).type, 'zlib');
  assert.throws(() => chooseCompression('zstd', no), /asked for/);
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const dir = tmpDir(t);
  const src = makeImage(dir, 's.raw', 'raw', 1);
  for (const [fmt, options, why] of [
    ['qcow2', { compressionType: 'zstd' }, /compression is off/],
    ['vmdk', { compress: true, subformat: 'streamOptimized', compressionType: 'zstd' }, /qcow2 output only/],
    ['qcow2', { compress: true, compressionType: 'lz4' }, /"lz4" does not exist/],
  ] as const) {
    const e = await rejectsWith(convertImage({ source: src, target: path.join(dir, 'o.img'), targetFormat: fmt, options: options as never }), ConvertError, 'invalid-options');
    assert.match(e.message, why);
  }
});
