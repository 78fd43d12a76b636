/// <reference types="mocha" />
// The convert command on real images with the real qemu-img, called with the arguments the
// explorer menu passes (the file's Uri) plus the non-interactive options object.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, CONVERT_COMMAND, makeHostileImage, makeRawImage, recordingQemuImg, skip, workspaceDir } from '../support';

interface ConvertResultShape {
  target: string;
  targetFormat: string;
  cacheMode: string;
}

suite('convert', () => {
  let qemu: Awaited<ReturnType<typeof recordingQemuImg>>;
  suiteSetup(async () => {
    await activateExtension();
    qemu = await recordingQemuImg();
  });
  suiteTeardown(() => qemu.restore());

  test('raw → qcow2 from the explorer: the target appears and qemu-img compare says identical', async function () {
    const dir = fs.mkdtempSync(path.join(workspaceDir(), 'images-'));
    const source = path.join(dir, 'disk one.img');
    const target = path.join(dir, 'disk one.qcow2');
    makeRawImage(source, 8);
    const before = fs.readFileSync(source);

    const out = await vscode.commands.executeCommand<ConvertResultShape | string>(CONVERT_COMMAND, vscode.Uri.file(source), {
      target,
      targetFormat: 'qcow2',
    });
    if (typeof out === 'string' && /not implemented/.test(out)) skip(this, `the image inspector has not landed in this build: ${out}`);
    assert.equal(typeof out, 'object', `convert returned a message instead of a result: ${String(out)}`);
    const result = out as ConvertResultShape;
    assert.equal(result.target, target);
    assert.ok(['none', 'writeback'].includes(result.cacheMode), `durable cache mode, got ${result.cacheMode}`);
    assert.ok(fs.existsSync(target), 'target exists');
    assert.ok(!fs.existsSync(`${target}.part`), 'no .part left');
    const cmp = spawnSync('qemu-img', ['compare', '-f', 'raw', '-F', 'qcow2', source, target], { encoding: 'utf8' });
    assert.equal(cmp.status, 0, `qemu-img compare: ${cmp.stdout}${cmp.stderr}`);
    assert.match(cmp.stdout, /identical/i);
    assert.ok(fs.readFileSync(source).equals(before), 'source unchanged');
    assert.ok(qemu.calls().some((c) => c.startsWith('convert ') && c.includes(' -t ')), `qemu-img convert ran with an explicit -t: ${qemu.calls().join(' | ')}`);
  });

  test('an existing target is not replaced without overwrite', async () => {
    const dir = fs.mkdtempSync(path.join(workspaceDir(), 'images-'));
    const source = path.join(dir, 'a.raw');
    const target = path.join(dir, 'a.qcow2');
    makeRawImage(source, 2);
    fs.writeFileSync(target, 'keep me');
    const out = await vscode.commands.executeCommand<unknown>(CONVERT_COMMAND, vscode.Uri.file(source), { target, targetFormat: 'qcow2' });
    assert.equal(typeof out, 'string');
    assert.match(out as string, /exists/i);
    assert.equal(fs.readFileSync(target, 'utf8'), 'keep me');
  });

  test('a qcow2 whose backing file is /etc/passwd is refused with a message, and qemu-img is never run on it', async function () {
    const dir = fs.mkdtempSync(path.join(workspaceDir(), 'hostile-'));
    const source = path.join(dir, 'cloud.qcow2');
    const target = path.join(dir, 'cloud.raw');
    makeHostileImage(source);
    const callsBefore = qemu.calls().length;

    const out = await vscode.commands.executeCommand<unknown>(CONVERT_COMMAND, vscode.Uri.file(source), { target, targetFormat: 'raw' });
    if (typeof out === 'string' && /not implemented/.test(out)) skip(this, `the image inspector has not landed in this build: ${out}`);
    assert.equal(typeof out, 'string', `expected a refusal message, got ${JSON.stringify(out)}`);
    assert.match(out as string, /backing/i);
    assert.match(out as string, /cloud\.qcow2/);
    // (`qemu-img --version`, which reads no image, may run; nothing may name the image.)
    const onIt = qemu.calls().slice(callsBefore).filter((c) => c.includes('cloud.qcow2'));
    assert.deepEqual(onIt, [], 'qemu-img was run on the hostile image');
    assert.ok(!fs.existsSync(target) && !fs.existsSync(`${target}.part`), 'no target written');
  });
});
