/// <reference types="mocha" />
// The convert command on real images with the real qemu-img, called with the arguments the
// explorer menu passes (the file's Uri) plus the non-interactive options object.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { vmdkCapacityZero } from '../../helpers/hostileImages';
import { CONVERT_COMMAND, makeHostileImage, makeRawImage, skip, useRecordingQemuImg, workspaceDir } from '../support';

interface ConvertResultShape {
  target: string;
  targetFormat: string;
  cacheMode: string;
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
    // (`qemu-img --version`, which reads no image, may run; nothing may name the image.)
    const onIt = calls().slice(callsBefore).filter((c) => c.includes('cloud.qcow2'));
    assert.deepEqual(onIt, [], 'qemu-img was run on the hostile image');
    assert.ok(!fs.existsSync(target) && !fs.existsSync(`${target}.part`), 'no target written');
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
