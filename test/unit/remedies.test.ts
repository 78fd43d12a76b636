// One decision in the engine, two wordings: the CLI speaks flags, the editor settings and
// buttons. Checked on what each front prints or shows for real failures.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { runCli, tempTree } from '../helpers/cliRun';
import { checkQemuImg, locateQemuImg } from '../../src/core/image/qemuImg';
import { QemuImgError } from '../../src/core/image/qemuImgErrors';
import type { Remedy } from '../../src/core/remedy';
import { cliMessage } from '../../src/cli/remedies';
import { editorMessage } from '../../src/vscode/remedyText';
import { qcow2 } from '../helpers/hostileImages';

const rm = (dir: string) => fs.rmSync(dir, { recursive: true, force: true });
const ALL: Remedy[] = ['install-qemu-img', 'choose-qemu-img', 'replace-target', 'allow-backing-file', 'allow-text'];

test('CLI wording names flags and never settings or buttons; editor wording never names a flag', () => {
  for (const r of ALL) {
    const cli = cliMessage('X.', [r]);
    assert.doesNotMatch(cli, /setting|button|confirm|qemuDiskTools\./i, `${r}: ${cli}`);
    const ed = editorMessage('X.', [r]).text;
    assert.doesNotMatch(ed, /(^|\s)--[a-z]/, `${r}: ${ed}`);
  }
  assert.match(cliMessage('X.', ['replace-target']), /--force/);
  assert.match(cliMessage('X.', ['allow-backing-file']), /--allow-backing-file/);
  assert.match(cliMessage('X.', ['allow-text']), /--allow-text/);
  assert.match(cliMessage('X.', ['choose-qemu-img']), /--qemu-img PATH/);
  assert.match(cliMessage('X.', ['install-qemu-img']), /apt install qemu-utils/);
});

test('the editor offers Open Settings and the install page for a missing qemu-img, each button once', () => {
  const { text, buttons } = editorMessage('qemu-img is not installed.', ['install-qemu-img', 'choose-qemu-img']);
  assert.deepEqual(buttons.map((b) => b.label), ['How to Install qemu-img', 'Open Settings']);
  assert.deepEqual(buttons[1].action, { kind: 'setting', key: 'qemuDiskTools.qemuImgPath' });
  assert.match(text, /qemu-utils/);
  const backing = editorMessage('Refused.', ['allow-backing-file']);
  assert.deepEqual(backing.buttons.map((b) => b.action), [{ kind: 'setting', key: 'qemuDiskTools.convert.allowBackingFile' }]);
});

test('checkQemuImg: the real qemu-img reports its version; a program that is not qemu-img is refused before anything else', async (t) => {
  const dir = tempTree({});
  t.after(() => rm(dir));
  const real = await checkQemuImg();
  const printed = execFileSync(real.path, ['--version'], { encoding: 'utf8' });
  assert.ok(printed.includes(`version ${real.version.join('.')}`), `${real.version.join('.')} vs ${printed}`);

  const fake = path.join(dir, 'not-qemu-img');
  fs.writeFileSync(fake, '#!/bin/sh\necho hello\n', { mode: 0o755 });
  await assert.rejects(checkQemuImg(fake), (e: unknown) => {
    assert.ok(e instanceof QemuImgError && e.kind === 'qemu-img-missing', String(e));
    assert.match(e.message, /did not report a qemu-img version/);
    assert.deepEqual(e.remedies, ['choose-qemu-img', 'install-qemu-img']);
    return true;
  });
  await assert.rejects(locateQemuImg(path.join(dir, 'nope')), (e: unknown) => e instanceof QemuImgError && e.remedies.includes('choose-qemu-img'));
});

test('convert: an existing target says --force; a missing --qemu-img says --qemu-img and how to install', async () => {
  const dir = tempTree({});
  try {
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', path.join(dir, 'a.qcow2'), '1M']);
    fs.writeFileSync(path.join(dir, 'a.raw'), 'keep');
    const exists = await runCli(['convert', 'a.qcow2', 'a.raw'], dir);
    assert.equal(exists.code, 1);
    assert.match(exists.stderr, /^Refused: .*a\.raw already exists and was left untouched\. Add --force to replace it/m);
    assert.doesNotMatch(exists.stderr, /confirm/);

    const missing = await runCli(['convert', '--qemu-img', path.join(dir, 'no-qemu-img'), 'a.qcow2', 'b.raw'], dir);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /--qemu-img PATH/);
    assert.match(missing.stderr, /apt install qemu-utils/);
    assert.doesNotMatch(missing.stderr, /setting/i);
    assert.ok(!fs.existsSync(path.join(dir, 'b.raw')));
  } finally {
    rm(dir);
  }
});

test('inspect and convert of an image with a backing file: inspect does not talk about converting, convert names --allow-backing-file', async () => {
  const dir = tempTree({});
  try {
    fs.writeFileSync(path.join(dir, 'evil.qcow2'), qcow2({ backingFile: '/etc/passwd', backingFormat: 'raw' }));
    const inspect = await runCli(['inspect', 'evil.qcow2'], dir);
    assert.equal(inspect.code, 1);
    assert.match(inspect.stdout, /safe to open: +NO/);
    assert.doesNotMatch(inspect.stdout + inspect.stderr, /Refusing to convert/);
    const convert = await runCli(['convert', 'evil.qcow2', 'out.raw'], dir);
    assert.equal(convert.code, 1);
    assert.match(convert.stderr, /--allow-backing-file/);
    assert.doesNotMatch(convert.stderr, /qemuDiskTools|setting/);
  } finally {
    rm(dir);
  }
});

test('the editor words go through the translator it is given (vscode.l10n in the extension), arguments filled in', () => {
  const seen: string[] = [];
  const fake = { t: (m: string, ...args: (string | number | boolean)[]) => (seen.push(m), `«${m.replace('{0}', String(args[0]))}»`) };
  const { text, buttons } = editorMessage('Refused.', ['allow-backing-file', 'install-qemu-img'], fake);
  assert.match(text, /^Refused\. «If you built this image yourself, turn on the setting qemuDiskTools\.convert\.allowBackingFile \(user or remote settings\)/);
  assert.deepEqual(buttons.map((b) => b.label), ['«Open Settings»', '«How to Install qemu-img»']);
  // Every sentence is in the l10n bundle that scripts/generate.ts writes from the literal l10n.t calls.
  const bundle = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../l10n/bundle.l10n.json'), 'utf8')) as Record<string, string>;
  for (const m of seen) assert.ok(m in bundle, `${m} is not in l10n/bundle.l10n.json`);
});
