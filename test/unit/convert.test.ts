import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cliMessage } from '../../src/cli/remedies';
import { ConvertError, ConvertProgress, ConvertRequest, TargetFormat, convertImage } from '../../src/core/image/convert';
import {
  NO_QEMU_IMG, QEMU_IMG, rejectsWith, compareImages, holdImage, makeImage, qemuImg, recordingQemuImg, sha256, tmpDir,
} from '../helpers/qemuImgFixtures';

const FORMATS: TargetFormat[] = ['raw', 'qcow2', 'vmdk', 'vdi', 'vhdx', 'vpc'];

/** What `dd oflag=direct` says about a folder, independently of src/core/odirect.ts. */
function ddDirectWorks(dir: string): boolean {
  const f = path.join(dir, '.dd-direct-check');
  const ok = spawnSync('dd', ['if=/dev/zero', `of=${f}`, 'bs=4096', 'count=1', 'oflag=direct', 'status=none']).status === 0;
  fs.rmSync(f, { force: true });
  return ok;
}

test('every source format converts to every target format, identical by qemu-img compare', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const dir = tmpDir(t);
  const direct = ddDirectWorks(dir);
  for (const [i, from] of FORMATS.entries()) {
    const src = makeImage(dir, `src-${from}.img`, from, 2, i + 1);
    const before = sha256(src);
    for (const to of FORMATS) {
      const target = path.join(dir, `out-${from}-to-${to}.img`);
      const r = await convertImage({ source: src, target, targetFormat: to });
      assert.equal(r.sourceFormat, from);
      assert.equal(compareImages(src, from, target, to), 0, `${from} → ${to}: qemu-img compare says different`);
      assert.equal(r.cacheMode, direct ? 'none' : 'writeback', r.cacheReason);
      assert.ok(!fs.existsSync(`${target}.part`));
      fs.rmSync(target);
    }
    assert.equal(sha256(src), before, `${from} source changed`);
  }
});

test('the qemu-img command line: -f, -O, a durable -t, -p, absolute paths, no -U', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const dir = tmpDir(t);
  const src = makeImage(dir, 's.qcow2', 'qcow2', 2);
  const rec = recordingQemuImg(dir);
  const lines: string[] = [];
  const r = await convertImage({ source: src, target: path.join(dir, 'o.raw'), targetFormat: 'raw', qemuImgPath: rec.path, log: (l) => lines.push(l) });
  const convert = rec.calls().filter((c) => c.args[0] === 'convert');
  assert.equal(convert.length, 1);
  const args = convert[0].args;
  assert.deepEqual(r.argv.slice(1), args);
  const opt = (name: string) => args[args.indexOf(name) + 1];
  assert.equal(opt('-f'), 'qcow2');
  assert.equal(opt('-O'), 'raw');
  assert.ok(['none', 'writeback'].includes(opt('-t')));
  assert.equal(opt('-t'), r.cacheMode);
  assert.ok(args.includes('-p') && !args.includes('-U') && !args.includes('-q'));
  // The source is the descriptor that was opened once and inspected (see the swap test below).
  assert.deepEqual(args.slice(-2), ['/proc/self/fd/3', path.join(dir, 'o.raw.part')]);
  // qemu-img info ran first, on the same open file, with -f.
  const info = rec.calls().find((c) => c.args[0] === 'info');
  assert.deepEqual(info?.args, ['info', '-f', 'qcow2', '--output=json', '/proc/self/fd/3']);
  assert.ok(lines.some((l) => l.startsWith('target cache: ')), lines.join('\n'));
});

test('a hostile image swapped in at the source path after inspection is not what gets converted', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const dir = tmpDir(t);
  const src = makeImage(dir, 'swap.qcow2', 'qcow2', 2, 7);
  const original = path.join(dir, 'original.qcow2');
  fs.copyFileSync(src, original);
  // A qcow2 whose backing file is /etc/passwd, renamed over the source after every check passed, as qemu-img convert starts.
  const hostile = path.join(dir, 'hostile.qcow2');
  qemuImg('create', '-q', '-f', 'qcow2', '-b', '/etc/passwd', '-F', 'raw', hostile);
  const wrapper = path.join(dir, 'swapping-qemu-img');
  fs.writeFileSync(
    wrapper,
    `#!/bin/sh\nif [ "$1" = convert ] && [ -e '${hostile}' ]; then mv '${hostile}' '${src}'; fi\nexec '${QEMU_IMG}' "$@"\n`,
    { mode: 0o755 },
  );
  const target = path.join(dir, 'out.raw');
  await convertImage({ source: src, target, targetFormat: 'raw', qemuImgPath: wrapper });
  assert.ok(!fs.existsSync(hostile), 'the swap happened');
  assert.equal(compareImages(original, 'qcow2', target, 'raw'), 0, 'the output is the inspected image');
  assert.ok(!fs.readFileSync(target).includes('root:'), 'no host file in the output');
});

test('progress reaches 100, never decreases, and reports speed', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const dir = tmpDir(t);
  const src = makeImage(dir, 'p.raw', 'raw', 8);
  const events: ConvertProgress[] = [];
  await convertImage({ source: src, target: path.join(dir, 'p.qcow2'), targetFormat: 'qcow2', onProgress: (e) => events.push(e) });
  assert.ok(events.length >= 2);
  assert.equal(events[events.length - 1].percent, 100);
  for (let i = 1; i < events.length; i++) assert.ok(events[i].percent > events[i - 1].percent, JSON.stringify(events));
  for (const e of events) if (e.bytesPerSecond !== undefined) assert.ok(e.bytesPerSecond > 0);
});

test('odd paths: spaces, unicode, a leading dash and colons are plain file names', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const dir = path.join(tmpDir(t), 'a dir ünïcødé');
  fs.mkdirSync(dir);
  const src = makeImage(dir, '-src nbd:localhost:10809 ü.qcow2', 'qcow2', 2);
  const target = path.join(dir, '-out json:{} file:x ✓.raw');
  await convertImage({ source: src, target, targetFormat: 'raw' });
  assert.equal(compareImages(src, 'qcow2', target, 'raw'), 0);
  // Relative names too: resolved against the working directory, never read as a protocol or option.
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    await convertImage({ source: '-src nbd:localhost:10809 ü.qcow2', target: 'nbd:relative:1', targetFormat: 'vmdk' });
  } finally {
    process.chdir(cwd);
  }
  assert.equal(compareImages(src, 'qcow2', path.join(dir, 'nbd:relative:1'), 'vmdk'), 0);
});

test('an existing target is kept unless overwrite is given', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const dir = tmpDir(t);
  const src = makeImage(dir, 's.qcow2', 'qcow2', 2);
  const target = path.join(dir, 'taken.raw');
  fs.writeFileSync(target, 'precious');
  const rec = recordingQemuImg(dir);
  const e = await rejectsWith(convertImage({ source: src, target, targetFormat: 'raw', qemuImgPath: rec.path }), ConvertError, 'exists');
  assert.equal(e.file, target);
  assert.equal(fs.readFileSync(target, 'utf8'), 'precious');
  assert.deepEqual(rec.calls(), []);
  await convertImage({ source: src, target, targetFormat: 'raw', overwrite: true });
  assert.equal(compareImages(src, 'qcow2', target, 'raw'), 0);
});

test('the source itself as target is refused, also through a symlink or a hard link', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const dir = tmpDir(t);
  const src = makeImage(dir, 's.raw', 'raw', 2);
  const before = sha256(src);
  const sym = path.join(dir, 'sym.raw');
  const hard = path.join(dir, 'hard.raw');
  fs.symlinkSync(src, sym);
  fs.linkSync(src, hard);
  for (const target of [src, sym, hard, path.join(dir, 'sub', '..', 's.raw')]) {
    const e = await rejectsWith(convertImage({ source: src, target, targetFormat: 'raw', overwrite: true }), ConvertError, 'same-file');
    assert.match(e.message, /is the source image itself/);
  }
  // A target whose temporary name (<target>.part) is the source.
  const partSrc = makeImage(dir, 'x.raw.part', 'raw', 1);
  const partBefore = sha256(partSrc);
  await rejectsWith(convertImage({ source: partSrc, target: path.join(dir, 'x.raw'), targetFormat: 'raw' }), ConvertError, 'same-file');
  assert.equal(sha256(partSrc), partBefore);
  assert.equal(sha256(src), before);
});

test('a missing source or target folder is reported before qemu-img runs', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const dir = tmpDir(t);
  const rec = recordingQemuImg(dir);
  const e1 = await rejectsWith(convertImage({ source: path.join(dir, 'nope.qcow2'), target: path.join(dir, 'o.raw'), targetFormat: 'raw', qemuImgPath: rec.path }), ConvertError, 'not-found');
  assert.match(e1.message, /nope\.qcow2 does not exist/);
  const src = makeImage(dir, 's.raw', 'raw', 1);
  const e2 = await rejectsWith(convertImage({ source: src, target: path.join(dir, 'no-dir', 'o.raw'), targetFormat: 'raw', qemuImgPath: rec.path }), ConvertError, 'not-found');
  assert.match(e2.message, /folder .*no-dir does not exist/);
  assert.deepEqual(rec.calls(), []);
});

test('a missing qemu-img: the error carries the remedies each front words (the CLI: how to install it)', async (t) => {
  const dir = tmpDir(t);
  fs.writeFileSync(path.join(dir, 's.raw'), Buffer.alloc(65536, 1));
  const e = await rejectsWith(
    convertImage({ source: path.join(dir, 's.raw'), target: path.join(dir, 'o.qcow2'), targetFormat: 'qcow2', qemuImgPath: path.join(dir, 'bin', 'qemu-img') }),
    ConvertError,
    'qemu-img-missing',
  );
  assert.deepEqual(e.remedies, ['choose-qemu-img', 'install-qemu-img']);
  assert.match(cliMessage(e.message, e.remedies), /qemu-utils/);
});

test('target options: compression, preallocation, subformats; bad combinations refused before running', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const dir = tmpDir(t);
  const src = makeImage(dir, 's.raw', 'raw', 4);
  const conv = (target: string, targetFormat: TargetFormat, options: ConvertRequest['options'], qemuImgPath?: string) =>
    convertImage({ source: src, target: path.join(dir, target), targetFormat, options, qemuImgPath });
  const plain = await conv('plain.qcow2', 'qcow2', {});
  const packed = await conv('packed.qcow2', 'qcow2', { compress: true });
  assert.ok(packed.targetBytes < plain.targetBytes, `compressed ${packed.targetBytes} vs ${plain.targetBytes}`);
  assert.equal(compareImages(src, 'raw', path.join(dir, 'packed.qcow2'), 'qcow2'), 0);
  const full = await conv('full.raw', 'raw', { preallocation: 'full' });
  assert.ok(full.targetBytes >= 4 * 1024 * 1024);
  await conv('stream.vmdk', 'vmdk', { subformat: 'streamOptimized', compress: true });
  assert.match(qemuImg('info', '-f', 'vmdk', '--output=json', path.join(dir, 'stream.vmdk')), /"create-type": "streamOptimized"/);
  await conv('fixed.vhd', 'vpc', { subformat: 'fixed' });
  assert.equal(compareImages(src, 'raw', path.join(dir, 'fixed.vhd'), 'vpc'), 0);

  const rec = recordingQemuImg(dir);
  const bad: [TargetFormat, ConvertRequest['options'], RegExp][] = [
    ['qcow2', { compress: true, preallocation: 'metadata' }, /Compression and preallocation "metadata" cannot be combined/],
    ['raw', { compress: true }, /raw output cannot be compressed/],
    ['vmdk', { compress: true }, /streamOptimized/],
    ['vmdk', { subformat: 'monolithicFlat' }, /not offered for vmdk/],
    ['qcow2', { preallocation: 'everything' }, /does not exist for qcow2/],
    ['vdi', { preallocation: 'full' }, /only offered for raw and qcow2/],
  ];
  for (const [fmt, options, why] of bad) {
    const e = await rejectsWith(conv(`bad.${fmt}`, fmt, options, rec.path), ConvertError, 'invalid-options');
    assert.match(e.message, why);
  }
  assert.deepEqual(rec.calls(), []);
});

test('a source a running VM holds is reported in use, naming it', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const dir = tmpDir(t);
  const src = makeImage(dir, 'running.qcow2', 'qcow2', 1);
  await holdImage(t, src, 'qcow2');
  const e = await rejectsWith(convertImage({ source: src, target: path.join(dir, 'o.raw'), targetFormat: 'raw' }), ConvertError, 'in-use');
  assert.equal(e.file, src);
  assert.match(e.message, /running\.qcow2 is in use by another process/);
  assert.ok(!fs.existsSync(path.join(dir, 'o.raw.part')));
});

test('qemu-img refusing O_DIRECT although the probe passed: one retry with writeback', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const dir = tmpDir(t);
  if (!ddDirectWorks(dir)) return t.skip(`${dir} has no O_DIRECT, so the probe cannot pass here`);
  const src = makeImage(dir, 's.qcow2', 'qcow2', 1);
  // A qemu-img that fails like QEMU's own open check when asked for -t none (a filesystem whose
  // O_DIRECT support changed between probe and run), and is the real one otherwise.
  const calls = path.join(dir, 'calls');
  const fake = path.join(dir, 'qemu-img-no-odirect');
  fs.writeFileSync(
    fake,
    `#!/bin/sh\necho "$*" >> '${calls}'\nfor a in "$@"; do last="$a"; done\n` +
      `if [ "$1" = convert ]; then for a in "$@"; do if [ "$a" = none ]; then echo "qemu-img: Could not open '$last': filesystem does not support O_DIRECT" >&2; exit 1; fi; done; fi\n` +
      `exec '${QEMU_IMG}' "$@"\n`,
    { mode: 0o755 },
  );
  const target = path.join(dir, 'o.raw');
  const r = await convertImage({ source: src, target, targetFormat: 'raw', qemuImgPath: fake });
  assert.equal(r.cacheMode, 'writeback');
  assert.match(r.cacheReason, /does not support O_DIRECT.*retried/);
  const converts = fs.readFileSync(calls, 'utf8').split('\n').filter((l) => l.startsWith('convert'));
  assert.equal(converts.length, 2);
  assert.match(converts[0], / -t none /);
  assert.match(converts[1], / -t writeback /);
  assert.equal(compareImages(src, 'qcow2', target, 'raw'), 0);
});

test('the source is only read: an immutable source (chattr +i) converts and stays unchanged', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  let src = '';
  t.after(() => void spawnSync('chattr', ['-i', src])); // hooks run in order: before tmpDir's removal
  const dir = tmpDir(t);
  src = makeImage(dir, 'ro.qcow2', 'qcow2', 2);
  const before = sha256(src);
  const set = spawnSync('chattr', ['+i', src], { encoding: 'utf8' });
  if (set.status !== 0) return t.skip(`chattr +i is not possible here (${(set.stderr || set.error?.message || '').trim()}); needs root on ext4/xfs/btrfs`);
  assert.throws(() => fs.appendFileSync(src, 'x'), /EPERM/); // even root cannot open it for writing now
  const r = await convertImage({ source: src, target: path.join(dir, 'o.vdi'), targetFormat: 'vdi' });
  assert.equal(r.sourceFormat, 'qcow2');
  assert.equal(sha256(src), before);
});
