// convert --for azure|aws|gcp|openstack with the real qemu-img: each result read back as the
// cloud requires (qemu-img info/compare, the VHD footer, the tar read back by GNU tar), the
// source untouched, no intermediate left, and a result that fails its check never renamed.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConvertError, convertImage } from '../../src/core/image/convert';
import { CLOUD_TARGETS, CloudTarget } from '../../src/core/image/cloudTargets';
import { oldgnuHeader, readGceTar, writeGceTar } from '../../src/core/image/gceTar';
import { NO_QEMU_IMG, QEMU_IMG, compareImages, qemuImg, rejectsWith, sha256, tmpDir } from '../helpers/qemuImgFixtures';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** A qcow2 of `bytes` virtual size with a few MiB of patterned data (qemu-io writes it). */
function sourceImage(dir: string, bytes: number): string {
  const file = path.join(dir, 'src.qcow2');
  qemuImg('create', '-q', '-f', 'qcow2', file, String(bytes));
  execFileSync(path.join(path.dirname(QEMU_IMG!), 'qemu-io'), ['-f', 'qcow2', '-c', 'write -P 0x5a 0 1M', '-c', 'write -P 7 3M 2M', '-c', `write -P 9 ${bytes - 1024 * 1024} 1M`, file], { stdio: 'ignore' });
  return file;
}

const convertFor = (src: string, target: string, cloud: CloudTarget, log?: string[]) =>
  convertImage({ source: src, target, targetFormat: CLOUD_TARGETS[cloud].format, cloud, log: log ? (l) => log.push(l) : undefined });

const info = (file: string, fmt: string) => JSON.parse(qemuImg('info', '-f', fmt, '--output=json', file)) as { 'virtual-size': number; format: string; 'format-specific'?: { data?: { 'create-type'?: string } } };

test('--for azure: fixed VHD, size rounded up to a whole MiB on an intermediate, same content, source untouched', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const dir = tmpDir(t);
  const size = 65 * MiB + 512;
  const src = sourceImage(dir, size);
  const before = sha256(src);
  const out = path.join(dir, 'disk.vhd');
  const log: string[] = [];
  const r = await convertFor(src, out, 'azure', log);
  assert.equal(r.cloud, 'azure');
  assert.equal(info(out, 'vpc')['virtual-size'], 66 * MiB);
  // The footer, read here independently: "conectix", disk type 2 (fixed), current size; file = size + 512.
  const buf = fs.readFileSync(out);
  const footer = buf.subarray(buf.length - 512);
  assert.equal(footer.toString('latin1', 0, 8), 'conectix');
  assert.equal(footer.readUInt32BE(60), 2);
  assert.equal(Number(footer.readBigUInt64BE(48)), 66 * MiB);
  assert.equal(buf.length, 66 * MiB + 512);
  // Non-strict compare: the added tail must read as zeros.
  assert.equal(compareImages(src, 'qcow2', out, 'vpc'), 0);
  assert.equal(sha256(src), before, 'the source was changed');
  assert.ok(log.some((l) => /virtual size 68157952 rounded up to 69206016 bytes on the intermediate/.test(l)));
  assert.deepEqual(fs.readdirSync(dir).sort(), ['disk.vhd', 'src.qcow2'], 'no intermediate or .part left');

  // Already a whole MiB: no intermediate, one qemu-img convert.
  const aligned = path.join(dir, 'aligned');
  fs.mkdirSync(aligned);
  const src2 = sourceImage(aligned, 64 * MiB);
  const log2: string[] = [];
  await convertFor(src2, path.join(aligned, 'a.vhd'), 'azure', log2);
  assert.equal(log2.filter((l) => l.startsWith('run:') && l.includes(' convert ')).length, 1);
  assert.equal(compareImages(src2, 'qcow2', path.join(aligned, 'a.vhd'), 'vpc'), 0);
});

test('--for aws: streamOptimized VMDK; --for openstack: qcow2; both identical in content', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const dir = tmpDir(t);
  const src = sourceImage(dir, 64 * MiB);
  const vmdk = path.join(dir, 'disk.vmdk');
  await convertFor(src, vmdk, 'aws');
  assert.equal(info(vmdk, 'vmdk')['format-specific']?.data?.['create-type'], 'streamOptimized');
  assert.equal(compareImages(src, 'qcow2', vmdk, 'vmdk'), 0);
  const qcow2 = path.join(dir, 'disk.qcow2');
  await convertFor(src, qcow2, 'openstack');
  assert.equal(info(qcow2, 'qcow2').format, 'qcow2');
  assert.equal(compareImages(src, 'qcow2', qcow2, 'qcow2'), 0);
});

test('--for gcp: disk.raw of a whole GiB in a gzip oldgnu tar that GNU tar reads back; content identical', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const dir = tmpDir(t);
  const src = sourceImage(dir, 64 * MiB);
  const out = path.join(dir, 'image.tar.gz');
  await convertFor(src, out, 'gcp');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['image.tar.gz', 'src.qcow2']);
  const header = execFileSync('sh', ['-c', `gzip -dc '${out}' | head -c 512`]);
  assert.equal(header.toString('latin1', 257, 265), 'ustar  \0', 'oldgnu magic');
  // One pass of GNU tar, unpacking to a pipe (not 1 GiB of disk): its listing on stderr, and the
  // member's bytes: the source's 64 MiB (as qemu-img converts it to raw), then zeros up to 1 GiB.
  const expectedRaw = path.join(dir, 'expected.raw');
  qemuImg('convert', '-f', 'qcow2', '-O', 'raw', src, expectedRaw);
  const expected = fs.readFileSync(expectedRaw);
  const tar = spawn('tar', ['-xzvvOf', out]);
  let listing = '';
  tar.stderr.on('data', (d: Buffer) => (listing += d.toString()));
  let at = 0;
  let firstDiff = -1;
  const zeros = Buffer.alloc(MiB);
  for await (const chunk of tar.stdout as AsyncIterable<Buffer>) {
    const split = Math.max(0, Math.min(chunk.length, expected.length - at));
    const same =
      chunk.subarray(0, split).equals(expected.subarray(at, at + split)) &&
      chunk.subarray(split).equals(zeros.subarray(0, chunk.length - split));
    if (!same && firstDiff < 0) firstDiff = at;
    at += chunk.length;
  }
  const code = await new Promise((r) => tar.on('close', r));
  assert.equal(code, 0, listing);
  const lines = listing.trim().split('\n');
  assert.equal(lines.length, 1, listing);
  assert.match(lines[0], new RegExp(`^-rw-r--r-- .* ${GiB} .* disk\\.raw$`));
  assert.equal(at, GiB);
  assert.equal(firstDiff, -1, `disk.raw differs from the source in the piece starting at byte ${firstDiff}`);
});


test('the oldgnu header is byte for byte what GNU tar --format=oldgnu writes (small and > 8 GiB members)', (t) => {
  if (spawnSync('tar', ['--version']).stdout?.toString().includes('GNU tar') !== true) return t.skip('GNU tar is not installed');
  const dir = tmpDir(t);
  for (const size of [3000, 9 * GiB]) {
    const f = path.join(dir, 'disk.raw');
    fs.rmSync(f, { force: true });
    fs.writeFileSync(f, '');
    fs.truncateSync(f, size);
    const gnu = execFileSync('sh', ['-c', `tar --format=oldgnu --owner=root:0 --group=root:0 --mode=644 --mtime=@1700000000 -C '${dir}' -cf - disk.raw | head -c 512`], { maxBuffer: 1024 * 1024 });
    assert.deepEqual(oldgnuHeader('disk.raw', size, 1700000000), gnu, `header for ${size} bytes`);
  }
});

test('a result that fails its cloud check is never renamed: no target, no .part, no intermediate', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const dir = tmpDir(t);
  const src = sourceImage(dir, 64 * MiB);
  // A qemu-img that ignores the asked subformat (writes monolithicSparse), as a broken build might.
  const fake = path.join(dir, 'qemu-img-ignores-subformat');
  fs.writeFileSync(fake, `#!/bin/sh\nfor a in "$@"; do shift; [ "$a" = subformat=streamOptimized ] && a=subformat=monolithicSparse; set -- "$@" "$a"; done\nexec '${QEMU_IMG}' "$@"\n`, { mode: 0o755 });
  const out = path.join(dir, 'disk.vmdk');
  const e = await rejectsWith(convertImage({ source: src, target: out, targetFormat: 'vmdk', cloud: 'aws', qemuImgPath: fake }), ConvertError, 'failed');
  assert.match(e.message, /does not meet AWS.*create type is monolithicSparse, not streamOptimized/);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['qemu-img-ignores-subformat', 'src.qcow2']);
});

test('cloud targets refuse a conflicting format or subformat before running', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const dir = tmpDir(t);
  const src = sourceImage(dir, 8 * MiB);
  const bad = [
    convertImage({ source: src, target: path.join(dir, 'a'), targetFormat: 'qcow2', cloud: 'azure' }),
    convertImage({ source: src, target: path.join(dir, 'b'), targetFormat: 'vpc', cloud: 'azure', options: { subformat: 'dynamic' } }),
  ];
  assert.match((await rejectsWith(bad[0], ConvertError, 'invalid-options')).message, /written as vpc, not qcow2/);
  assert.match((await rejectsWith(bad[1], ConvertError, 'invalid-options')).message, /needs subformat fixed, not dynamic/);
});

test('the GCE archive, decompressed, is byte for byte GNU tar --format=oldgnu of disk.raw (zero-splicing writer and plain gzip fallback)', async (t) => {
  if (spawnSync('tar', ['--version']).stdout?.toString().includes('GNU tar') !== true) return t.skip('GNU tar is not installed');
  const dir = tmpDir(t);
  const disk = path.join(dir, 'disk.raw');
  // Data, a run of whole zero MiBs (spliced), data again, and a tail that is not a whole MiB.
  const fd = fs.openSync(disk, 'w');
  fs.writeSync(fd, Buffer.alloc(3 * MiB + 1000, 'qemu '), 0, 3 * MiB + 1000, 0);
  fs.writeSync(fd, Buffer.from('middle'), 0, 6, 9 * MiB + 7);
  fs.ftruncateSync(fd, 12 * MiB + 4096);
  fs.closeSync(fd);
  fs.utimesSync(disk, 1700000000, 1700000000);
  const gnu = execFileSync('tar', ['--format=oldgnu', '--owner=root:0', '--group=root:0', '--mode=644', '-C', dir, '-cf', '-', 'disk.raw'], { maxBuffer: 64 * MiB });
  const zlibModule = require('node:zlib') as { crc32?: unknown };
  const crc32 = zlibModule.crc32;
  for (const variant of ['spliced', 'streamed']) {
    const out = path.join(dir, `${variant}.tar.gz`);
    if (variant === 'streamed') zlibModule.crc32 = undefined;
    try {
      await writeGceTar(disk, out);
    } finally {
      zlibModule.crc32 = crc32;
    }
    assert.equal(spawnSync('gzip', ['-t', out]).status, 0, `${variant}: gzip -t`);
    assert.ok(execFileSync('gzip', ['-dc', out], { maxBuffer: 64 * MiB }).equals(gnu), `${variant}: differs from GNU tar's archive`);
    const back = await readGceTar(out);
    assert.deepEqual([back.name, back.size, back.members, back.checksumOk], ['disk.raw', 12 * MiB + 4096, 1, true]);
  }
});
