// Hostile images (OSSA-2015-011, -2016-001, -2023-002, -2024-001/002) must be refused before
// any qemu-img process starts: qemuImgPath points at a wrapper that records every call.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConvertError, convertImage } from '../../src/core/image/convert';
import { hostileSamples, qcow2WithBackingFile, wellFormedSamples, writeImage } from '../helpers/hostileImages';
import { NO_QEMU_IMG, QEMU_IMG, qemuImg, recordingQemuImg, rejectsWith, tmpDir } from '../helpers/qemuImgFixtures';

for (const sample of hostileSamples()) {
  test(`refused before qemu-img runs: ${sample.description}${sample.declaredFormat ? ` (given as ${sample.declaredFormat})` : ''}`, async (t) => {
    if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
    const dir = tmpDir(t);
    const file = writeImage(dir, sample.name, sample.bytes);
    const declared = sample.declaredFormat;
    const before = fs.readFileSync(file);
    const rec = recordingQemuImg(dir);
    const target = path.join(dir, 'out.raw');
    const e = await rejectsWith(
      convertImage({ source: file, sourceFormat: declared, target, targetFormat: 'raw', qemuImgPath: rec.path }),
      ConvertError,
      'refused',
    );
    assert.equal(e.file, file);
    assert.ok(e.message.endsWith(`qemu-img was not run on ${file}.`), e.message);
    assert.ok(e.message.includes(sample.name), e.message);
    assert.deepEqual(rec.calls(), [], 'qemu-img was started');
    assert.ok(!fs.existsSync(target) && !fs.existsSync(`${target}.part`));
    assert.deepEqual(fs.readFileSync(file), before);
  });
}

test('a backing file allowed by the setting is still refused when it is a protocol', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const dir = tmpDir(t);
  const file = path.join(dir, 'nbd.qcow2');
  qemuImg('create', '-q', '-f', 'qcow2', '-u', '-b', 'nbd:localhost:10809', '-F', 'raw', file, '1M');
  const rec = recordingQemuImg(dir);
  const e = await rejectsWith(
    convertImage({ source: file, target: path.join(dir, 'o.raw'), targetFormat: 'raw', allowBackingFile: true, qemuImgPath: rec.path }),
    ConvertError,
    'refused',
  );
  assert.match(e.message, /protocol or json: specification/);
  assert.deepEqual(rec.calls().map((c) => c.args[0]).filter((a) => a === 'convert'), []);
});

test('refused before qemu-img runs: a qcow2 with backing file /etc/passwd given as raw', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const dir = tmpDir(t);
  const file = writeImage(dir, 'cloud.img', qcow2WithBackingFile('/etc/passwd'));
  const rec = recordingQemuImg(dir);
  await rejectsWith(convertImage({ source: file, sourceFormat: 'raw', target: path.join(dir, 'o.raw'), targetFormat: 'raw', qemuImgPath: rec.path }), ConvertError, 'refused');
  assert.deepEqual(rec.calls(), []);
});

test('an empty file is raw data with nothing to convert: refused before qemu-img runs, saying so', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const dir = tmpDir(t);
  const file = writeImage(dir, 'empty.img', Buffer.alloc(0));
  const rec = recordingQemuImg(dir);
  const e = await rejectsWith(convertImage({ source: file, target: path.join(dir, 'o.raw'), targetFormat: 'raw', qemuImgPath: rec.path }), ConvertError, 'refused');
  assert.equal(e.message, `${file} is empty (0 bytes): there is no disk in it to convert. qemu-img was not run on ${file}.`);
  assert.deepEqual(rec.calls(), []);
});

test('well-formed images qemu-img can open convert, with their virtual size', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const dir = tmpDir(t);
  // The builders make complete qcow2, VHD and VDI files; the others carry only headers.
  for (const sample of wellFormedSamples().filter((s) => ['qcow2', 'vpc', 'vdi', 'raw'].includes(s.qemuFormat) && s.format !== 'iso')) {
    const file = writeImage(dir, sample.name, sample.bytes);
    const target = path.join(dir, `${sample.name}.out.qcow2`);
    const r = await convertImage({ source: file, target, targetFormat: 'qcow2' });
    assert.equal(r.sourceFormat, sample.qemuFormat, sample.name);
    const info = JSON.parse(qemuImg('info', '-f', 'qcow2', '--output=json', target)) as { 'virtual-size': number };
    assert.equal(info['virtual-size'], sample.virtualSize, sample.name);
  }
});
