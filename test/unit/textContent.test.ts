// A text file under an image name is not converted as raw without asking (both fronts).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { looksLikeText, TEXT_SAMPLE_BYTES } from '../../src/core/image/textContent';
import { convertImage, ConvertError } from '../../src/core/image/convert';
import { runCli, tempTree } from '../helpers/cliRun';
import { recordingQemuImg } from '../helpers/qemuImgFixtures';
import { gptDisk, iso, mbrDisk } from '../helpers/hostileImages';

const rm = (dir: string) => fs.rmSync(dir, { recursive: true, force: true });
const NOTES = '# my VM notes\nroot password is in the vault\n\tdisk: 20G, qcow2\r\nÉté 2024 – résumé ✓\n';

test('looksLikeText: notes, scripts and HTML are text; disks, zeros, partition tables and ISOs are not', () => {
  assert.equal(looksLikeText(Buffer.from(NOTES)), true);
  assert.equal(looksLikeText(Buffer.from('<!DOCTYPE html><html><body>404 Not Found</body></html>\n')), true);
  assert.equal(looksLikeText(Buffer.from('#!/bin/sh\nexec qemu-system-x86_64 "$@"\n')), true);
  assert.equal(looksLikeText(Buffer.alloc(4096)), false, 'a fresh raw disk is zeros');
  assert.equal(looksLikeText(Buffer.alloc(0)), false, 'empty: nothing to call text');
  assert.equal(looksLikeText(mbrDisk().subarray(0, TEXT_SAMPLE_BYTES)), false);
  assert.equal(looksLikeText(gptDisk().subarray(0, TEXT_SAMPLE_BYTES)), false);
  assert.equal(looksLikeText(iso().subarray(0, TEXT_SAMPLE_BYTES)), false);
  assert.equal(looksLikeText(Buffer.from([0x41, 0x42, 0xff, 0xfe, 0x43])), false, 'not UTF-8');
  assert.equal(looksLikeText(Buffer.from('abc\x1b[31mred')), false, 'terminal escapes are not plain text');
  // A sample that ends inside a multi-byte character is still text.
  const cut = Buffer.from('a'.repeat(10) + '✓');
  assert.equal(looksLikeText(cut.subarray(0, cut.length - 1)), true);
});

test('convert: a text file named .img is refused before qemu-img opens it, and converted as raw with allowText', async (t) => {
  const dir = tempTree({ 'notes.img': NOTES.repeat(50) });
  t.after(() => rm(dir));
  const rec = recordingQemuImg(dir);
  const source = path.join(dir, 'notes.img');
  await assert.rejects(convertImage({ source, target: path.join(dir, 'notes.qcow2'), targetFormat: 'qcow2', qemuImgPath: rec.path }), (e: unknown) => {
    assert.ok(e instanceof ConvertError && e.kind === 'looks-like-text', String(e));
    assert.match(e.message, /notes\.img looks like a text file, not a disk image/);
    assert.deepEqual(e.remedies, ['allow-text']);
    return true;
  });
  assert.deepEqual(rec.calls().filter((c) => c.args.some((a) => a.includes('notes') || a.startsWith('/proc/self/fd'))), [], 'qemu-img ran on the text file');
  assert.ok(!fs.existsSync(path.join(dir, 'notes.qcow2')));

  const r = await convertImage({ source, target: path.join(dir, 'notes.qcow2'), targetFormat: 'qcow2', qemuImgPath: rec.path, allowText: true });
  assert.equal(r.sourceFormat, 'raw');
  assert.equal(r.virtualSize, Math.ceil(fs.statSync(source).size / 512) * 512, 'qemu-img reads a raw file in whole sectors');
});

test('CLI convert: text is refused naming --allow-text (exit 1); with --allow-text it converts; a real raw disk is not asked about', async () => {
  const dir = tempTree({ 'notes.img': NOTES });
  try {
    const refused = await runCli(['convert', 'notes.img', 'notes.qcow2'], dir);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^Refused: .*notes\.img looks like a text file.*--allow-text/m);
    const forced = await runCli(['convert', '--allow-text', 'notes.img', 'notes.qcow2'], dir);
    assert.equal(forced.code, 0, forced.stderr);
    execFileSync('qemu-img', ['create', '-q', '-f', 'raw', path.join(dir, 'disk.img'), '1M']);
    const disk = await runCli(['convert', 'disk.img', 'disk.qcow2'], dir);
    assert.equal(disk.code, 0, disk.stderr);
  } finally {
    rm(dir);
  }
});
