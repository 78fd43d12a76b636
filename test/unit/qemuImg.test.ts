import { test } from 'node:test';
import { cliMessage } from '../../src/cli/remedies';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { imageInfo, locateQemuImg, findPrlimit, quoteArgv, runQemuImg } from '../../src/core/image/qemuImg';
import { QemuImgError } from '../../src/core/image/qemuImgErrors';
import { NO_QEMU_IMG, QEMU_IMG, rejectsWith, holdImage, makeImage, qemuImg, tmpDir } from '../helpers/qemuImgFixtures';

test('imageInfo reports format, sizes, cluster size, compat and snapshots of a qcow2', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const dir = tmpDir(t);
  const img = makeImage(dir, 'a.qcow2', 'qcow2', 3);
  qemuImg('snapshot', '-c', 'before-upgrade', img);
  const info = await imageInfo(img, { format: 'qcow2' });
  assert.equal(info.path, img);
  assert.equal(info.format, 'qcow2');
  assert.equal(info.virtualSize, 3 * 1024 * 1024);
  assert.equal(info.clusterSize, 65536);
  assert.equal(info.compat, '1.1');
  assert.ok(info.actualSize !== undefined && info.actualSize > 0);
  assert.equal(info.dirty, false);
  assert.equal(info.corrupt, false);
  assert.deepEqual(info.backingChain, []);
  assert.deepEqual(info.snapshots.map((s) => s.name), ['before-upgrade']);
  assert.match(info.snapshots[0].date ?? '', /^\d{4}-\d\d-\d\dT/);
});

test('imageInfo names a backing file without following it, and reads compat 0.10', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const dir = tmpDir(t);
  const img = path.join(dir, 'child.qcow2');
  qemuImg('create', '-q', '-f', 'qcow2', '-o', 'compat=0.10', '-b', '/etc/passwd', '-F', 'raw', img, '1M');
  const info = await imageInfo(img, { format: 'qcow2' });
  assert.equal(info.backingFile, '/etc/passwd');
  assert.equal(info.backingFormat, 'raw');
  assert.deepEqual(info.backingChain, ['/etc/passwd']);
  assert.equal(info.compat, '0.10');
});

test('imageInfo gives the vmdk create type', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const dir = tmpDir(t);
  const img = path.join(dir, 'disk.vmdk');
  qemuImg('create', '-q', '-f', 'vmdk', '-o', 'subformat=streamOptimized', img, '2M');
  const info = await imageInfo(img, { format: 'vmdk' });
  assert.equal(info.createType, 'streamOptimized');
  assert.equal(info.virtualSize, 2 * 1024 * 1024);
});

test('imageInfo runs qemu-img under the CPU and memory limits', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  if (!(await findPrlimit())) return t.skip('prlimit (util-linux) is not installed');
  const dir = tmpDir(t);
  const img = makeImage(dir, 'l.raw', 'raw', 1);
  const seen = path.join(dir, 'limits.txt');
  const wrapper = path.join(dir, 'qemu-img');
  fs.writeFileSync(wrapper, `#!/bin/sh\n{ ulimit -t; ulimit -v; echo "$LC_ALL"; } > '${seen}'\nexec '${QEMU_IMG}' "$@"\n`, { mode: 0o755 });
  const lines: string[] = [];
  await imageInfo(img, { format: 'raw', qemuImgPath: wrapper, log: (l) => lines.push(l) });
  assert.deepEqual(fs.readFileSync(seen, 'utf8').trim().split('\n'), ['30', String((2 * 1024 * 1024 * 1024) / 1024), 'C']);
  assert.ok(lines.some((l) => l.includes('prlimit') && l.includes(' info -f raw --output=json ')), lines.join('\n'));
});

test('a wrong -f, a missing file and a missing qemu-img each get their own error', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const dir = tmpDir(t);
  const img = makeImage(dir, 'r.raw', 'raw', 1);
  const e1 = await rejectsWith(imageInfo(img, { format: 'qcow2' }), QemuImgError, 'format-mismatch');
  assert.match(e1.message, /r\.raw/);
  const e2 = await rejectsWith(imageInfo(path.join(dir, 'gone.qcow2'), { format: 'qcow2' }), QemuImgError, 'not-found');
  assert.match(e2.message, /gone\.qcow2 does not exist/);
  const e3 = await rejectsWith(imageInfo(img, { format: 'raw', qemuImgPath: path.join(dir, 'no-such-qemu-img') }), QemuImgError, 'qemu-img-missing');
  assert.match(e3.message, /no-such-qemu-img" was not found/);
  // What to do is a remedy each front words: the CLI names --qemu-img and the install commands.
  assert.deepEqual(e3.remedies, ['choose-qemu-img', 'install-qemu-img']);
  const cli = cliMessage(e3.message, e3.remedies);
  assert.match(cli, /--qemu-img PATH/);
  assert.match(cli, /qemu-utils/);
  assert.match(cli, /brew install qemu/);
  await rejectsWith(locateQemuImg('definitely-not-qemu-img-here'), QemuImgError, 'qemu-img-missing');
});

test('an image a running process holds is reported in use, with its name', async (t) => {
  if (!QEMU_IMG) return t.skip(NO_QEMU_IMG);
  const dir = tmpDir(t);
  const img = makeImage(dir, 'busy.qcow2', 'qcow2', 1);
  await holdImage(t, img, 'qcow2');
  const e = await rejectsWith(imageInfo(img, { format: 'qcow2' }), QemuImgError, 'in-use');
  assert.equal(e.file, img);
  assert.match(e.message, /busy\.qcow2 is in use by another process/);
  const shared = await imageInfo(img, { format: 'qcow2', forceShare: true });
  assert.equal(shared.format, 'qcow2');
});

test('a log sink that throws does not leave a qemu-img run unfinished', async (t) => {
  const dir = tmpDir(t);
  const fake = path.join(dir, 'qemu-img');
  fs.writeFileSync(fake, '#!/bin/sh\necho "qemu-img: something went wrong" >&2\nexit 1\n', { mode: 0o755 });
  const log = (line: string) => {
    if (line.startsWith('qemu-img stderr')) throw new Error('Channel has been closed');
  };
  const r = await runQemuImg(['info'], { qemuImgPath: fake, log });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /something went wrong/);
});

test('log lines quote arguments a shell would split', () => {
  assert.equal(quoteArgv(['/usr/bin/qemu-img', 'info', '/tmp/a b/it\'s.raw']), `/usr/bin/qemu-img info '/tmp/a b/it'\\''s.raw'`);
});
