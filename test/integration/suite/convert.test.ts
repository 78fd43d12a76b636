/// <reference types="mocha" />
// The convert command on real images with the real qemu-img, called with the arguments the
// explorer menu passes (the file's Uri) plus the non-interactive options object.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { vmdkCapacityZero } from '../../helpers/hostileImages';
import { CONVERT_COMMAND, activateExtension, makeHostileImage, makeRawImage, skip, useRecordingQemuImg, workspaceDir } from '../support';

interface ConvertResultShape {
  target: string;
  targetFormat: string;
  cacheMode: string;
  /** The notification the user was shown. */
  notification: string;
}

/** Resolves with the command's outcome, or fails when it waits for input (a quick pick, a box) instead. */
async function settles<T>(p: Thenable<T>, what: string, ms = 15_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not return within ${ms / 1000} s: it is waiting for input`)), ms);
  });
  try {
    return await Promise.race([Promise.resolve(p), timeout]);
  } finally {
    clearTimeout(timer);
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
  }
}

suite('convert', () => {
  const calls = useRecordingQemuImg();

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
    // The toast: target name first, virtual and on-disk size, time; the cache story is in the log.
    assert.match(result.notification, /^disk one\.qcow2: 8\.0 MiB virtual, [\d.]+ (KiB|MiB|bytes) on disk, converted in [\d.]+ s\.$/);
    assert.doesNotMatch(result.notification, /cache|O_DIRECT|\//);
    assert.ok(fs.existsSync(target), 'target exists');
    assert.ok(!fs.existsSync(`${target}.part`), 'no .part left');
    const cmp = spawnSync('qemu-img', ['compare', '-f', 'raw', '-F', 'qcow2', source, target], { encoding: 'utf8' });
    assert.equal(cmp.status, 0, `qemu-img compare: ${cmp.stdout}${cmp.stderr}`);
    assert.match(cmp.stdout, /identical/i);
    assert.ok(fs.readFileSync(source).equals(before), 'source unchanged');
    assert.ok(calls().some((c) => c.startsWith('convert ') && c.includes(' -t ')), `qemu-img convert ran with an explicit -t: ${calls().join(' | ')}`);
  });

  test('for Azure from the editor: a fixed VHD of a whole MiB, identical content, the source untouched', async () => {
    const dir = fs.mkdtempSync(path.join(workspaceDir(), 'images-'));
    const source = path.join(dir, 'odd.raw');
    const target = path.join(dir, 'odd.vhd');
    makeRawImage(source, 3);
    fs.appendFileSync(source, Buffer.alloc(512, 1)); // 3 MiB + 512 bytes: Azure needs it rounded up
    const before = fs.readFileSync(source);
    const out = await vscode.commands.executeCommand<(ConvertResultShape & { cloud?: string }) | string>(CONVERT_COMMAND, vscode.Uri.file(source), {
      target,
      targetFormat: 'vpc',
      cloud: 'azure',
    });
    assert.equal(typeof out, 'object', `convert returned a message instead of a result: ${String(out)}`);
    assert.equal((out as { cloud?: string }).cloud, 'azure');
    const info = JSON.parse(spawnSync('qemu-img', ['info', '-f', 'vpc', '--output=json', target], { encoding: 'utf8' }).stdout) as { 'virtual-size': number };
    assert.equal(info['virtual-size'], 4 * 1024 * 1024);
    const cmp = spawnSync('qemu-img', ['compare', '-f', 'raw', '-F', 'vpc', source, target], { encoding: 'utf8' });
    assert.equal(cmp.status, 0, `qemu-img compare: ${cmp.stdout}${cmp.stderr}`);
    assert.ok(fs.readFileSync(source).equals(before), 'source unchanged');
    assert.deepEqual(fs.readdirSync(dir).sort(), ['odd.raw', 'odd.vhd'], 'no intermediate or .part left');
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

  test('a text file named .img is not converted as raw without asking; with allowText it is', async () => {
    const dir = fs.mkdtempSync(path.join(workspaceDir(), 'images-'));
    const source = path.join(dir, 'notes.img');
    const target = path.join(dir, 'notes.qcow2');
    fs.writeFileSync(source, '# install notes\nroot password is in the vault\n'.repeat(40));
    const out = await vscode.commands.executeCommand<unknown>(CONVERT_COMMAND, vscode.Uri.file(source), { target, targetFormat: 'qcow2' });
    assert.equal(typeof out, 'string');
    assert.match(out as string, /notes\.img looks like a text file, not a disk image/);
    assert.ok(!fs.existsSync(target));
    const anyway = await vscode.commands.executeCommand<unknown>(CONVERT_COMMAND, vscode.Uri.file(source), { target, targetFormat: 'qcow2', allowText: true });
    assert.equal(typeof anyway, 'object', String(anyway));
    assert.ok(fs.existsSync(target));
  });

  test('a qcow2 whose backing file is /etc/passwd is refused with a message, and qemu-img is never run on it', async function () {
    const dir = fs.mkdtempSync(path.join(workspaceDir(), 'hostile-'));
    const source = path.join(dir, 'cloud.qcow2');
    const target = path.join(dir, 'cloud.raw');
    makeHostileImage(source);
    const callsBefore = calls().length;

    const out = await vscode.commands.executeCommand<unknown>(CONVERT_COMMAND, vscode.Uri.file(source), { target, targetFormat: 'raw' });
    if (typeof out === 'string' && /not implemented/.test(out)) skip(this, `the image inspector has not landed in this build: ${out}`);
    assert.equal(typeof out, 'string', `expected a refusal message, got ${JSON.stringify(out)}`);
    assert.match(out as string, /backing/i);
    assert.match(out as string, /cloud\.qcow2/);
    // Editor words: the setting that lifts it, never a command-line flag.
    assert.match(out as string, /qemuDiskTools\.convert\.allowBackingFile/);
    assert.doesNotMatch(out as string, /--allow-backing-file/);
    // (`qemu-img --version`, which reads no image, may run; nothing may name the image.)
    const onIt = calls().slice(callsBefore).filter((c) => c.includes('cloud.qcow2'));
    assert.deepEqual(onIt, [], 'qemu-img was run on the hostile image');
    assert.ok(!fs.existsSync(target) && !fs.existsSync(`${target}.part`), 'no target written');
  });
});

suite('convert: failures before any question, and settings a workspace cannot set', () => {
  const config = () => vscode.workspace.getConfiguration('qemuDiskTools');
  suiteSetup(activateExtension);
  teardown(() => config().update('qemuImgPath', undefined, vscode.ConfigurationTarget.Global));

  test('no usable qemu-img: Convert says so before the first picker, in editor words', async () => {
    const dir = fs.mkdtempSync(path.join(workspaceDir(), 'images-'));
    const source = path.join(dir, 'disk.img');
    makeRawImage(source, 1);
    await config().update('qemuImgPath', path.join(dir, 'no-such-qemu-img'), vscode.ConfigurationTarget.Global);
    // The explorer's call (the file, no options): interactive, so a picker would wait for the user.
    const out = await settles(vscode.commands.executeCommand<unknown>(CONVERT_COMMAND, vscode.Uri.file(source)), 'Convert with a missing qemu-img');
    assert.equal(typeof out, 'string', JSON.stringify(out));
    assert.match(out as string, /no-such-qemu-img" was not found/);
    assert.match(out as string, /qemuDiskTools\.qemuImgPath/);
    assert.match(out as string, /qemu-utils/);
    assert.doesNotMatch(out as string, /--qemu-img/);

    // A program that runs but is not qemu-img is refused the same way.
    const fake = path.join(dir, 'fake-qemu-img');
    fs.writeFileSync(fake, '#!/bin/sh\necho hello\n', { mode: 0o755 });
    await config().update('qemuImgPath', fake, vscode.ConfigurationTarget.Global);
    const fakeOut = await settles(vscode.commands.executeCommand<unknown>(CONVERT_COMMAND, vscode.Uri.file(source)), 'Convert with a fake qemu-img');
    assert.match(String(fakeOut), /did not report a qemu-img version/);
  });

  test("a workspace's .vscode/settings.json cannot turn on allowBackingFile (machine scope); a folder setting in the same file applies", async () => {
    const dir = path.join(workspaceDir(), '.vscode');
    const file = path.join(dir, 'settings.json');
    fs.mkdirSync(dir, { recursive: true });
    const before = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
    fs.writeFileSync(file, JSON.stringify({ 'qemuDiskTools.convert.allowBackingFile': true, 'qemuDiskTools.convert.defaultFormat': 'vmdk' }));
    try {
      const deadline = Date.now() + 15_000;
      while (config().get('convert.defaultFormat') !== 'vmdk' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      assert.equal(config().get('convert.defaultFormat'), 'vmdk', 'the workspace settings file was not read');
      assert.equal(config().get('convert.allowBackingFile'), false);
      await assert.rejects(Promise.resolve(config().update('convert.allowBackingFile', true, vscode.ConfigurationTarget.Workspace)));
    } finally {
      if (before === undefined) fs.rmSync(file);
      else fs.writeFileSync(file, before);
    }
  });
});

suite('Show Disk Image Info', () => {
  const calls = useRecordingQemuImg();

  test('two images selected in the explorer: one page each, with format and virtual size', async () => {
    const dir = fs.mkdtempSync(path.join(workspaceDir(), 'info-'));
    const raw = path.join(dir, 'data.raw');
    const qcow2 = path.join(dir, 'root.qcow2');
    makeRawImage(raw, 3);
    spawnSync('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'qcow2', raw, qcow2]);
    const uris = [vscode.Uri.file(qcow2), vscode.Uri.file(raw)];
    // The explorer passes the clicked file and the whole selection.
    const out = await vscode.commands.executeCommand<unknown>('qemuDiskTools.showImageInfo', uris[0], uris);
    assert.ok(Array.isArray(out) && out.length === 2, `two outcomes, got ${JSON.stringify(out)?.slice(0, 300)}`);
    const [q, r] = out as { markdown: string }[];
    assert.equal(typeof q, 'object', String(q));
    assert.match(q.markdown, /qcow2/);
    assert.match(q.markdown, /3(\.0)? MiB|3145728/);
    assert.equal(typeof r, 'object', String(r));
    assert.match(r.markdown, /raw/);
  });

  test('a qcow2 with a backing file → /etc/passwd: the page flags it, and the backing file is never opened', async () => {
    const dir = fs.mkdtempSync(path.join(workspaceDir(), 'info-hostile-'));
    const source = path.join(dir, 'evil.qcow2');
    makeHostileImage(source);
    const before = calls().length;
    const out = await vscode.commands.executeCommand<unknown>('qemuDiskTools.showImageInfo', vscode.Uri.file(source));
    const text = typeof out === 'string' ? out : (out as { markdown: string }).markdown;
    assert.match(text, /backing/i);
    assert.match(text, /\/etc\/passwd/);
    // Only `qemu-img info` on the file that was opened and inspected (/proc/self/fd/3, never the
    // path), which does not open a backing file unless asked to follow the chain; never a conversion.
    const made = calls().slice(before);
    assert.ok(made.length > 0, 'qemu-img info ran');
    for (const c of made) assert.match(c, /^info .*\/proc\/self\/fd\/3$/, c);
    assert.ok(!made.some((c) => c.includes('evil.qcow2') || c.includes('--backing-chain')), made.join(' | '));
  });

  test('a VMDK that QEMU reads as a descriptor naming x.bin beside it: the page says so, qemu-img never runs', async () => {
    const dir = fs.mkdtempSync(path.join(workspaceDir(), 'info-vmdk-'));
    fs.writeFileSync(path.join(dir, 'x.bin'), Buffer.alloc(4096, 'secret '));
    const source = path.join(dir, 'disk.vmdk');
    fs.writeFileSync(source, vmdkCapacityZero());
    const before = calls().length;
    const out = await vscode.commands.executeCommand<unknown>('qemuDiskTools.showImageInfo', vscode.Uri.file(source));
    const text = typeof out === 'string' ? out : (out as { markdown: string }).markdown;
    assert.match(text, /extent 'x\.bin' is a separate file/);
    assert.match(text, /qemu-img was not run on this file/);
    assert.deepEqual(calls().slice(before), []);
  });
});
