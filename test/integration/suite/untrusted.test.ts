/// <reference types="mocha" />
// Restricted Mode (an untrusted workspace): linting works in full, converting refuses.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DOMAIN_XML } from '../fixtures';
import {
  activateExtension, codeActionsAt, CONVERT_COMMAND, makeRawImage, openAndWait, recordingQemuImg, valueRange, workspaceDir,
  writeFixture,
} from '../support';

suite('untrusted workspace', () => {
  suiteSetup(activateExtension);

  test('the workspace really is untrusted (code-server started with workspace trust on)', () => {
    assert.equal(vscode.workspace.isTrusted, false);
  });

  test('linting and quick fixes work in Restricted Mode', async () => {
    const uri = writeFixture('untrusted/domain.xml', DOMAIN_XML);
    const { doc } = await openAndWait(uri, (ds) => ds.length === 12, '12 findings');
    const actions = await codeActionsAt(uri, valueRange(doc, 'cache', 'unsafe'));
    assert.ok(actions.some((a) => a.isPreferred && a.title === "Set cache='none'"));
  });

  test('convert refuses with a message that says to trust the workspace, and runs no qemu-img', async () => {
    const qemu = await recordingQemuImg();
    try {
      const dir = fs.mkdtempSync(path.join(workspaceDir(), 'images-'));
      const source = path.join(dir, 'a.img');
      const target = path.join(dir, 'a.qcow2');
      makeRawImage(source, 1);
      const out = await vscode.commands.executeCommand<unknown>(CONVERT_COMMAND, vscode.Uri.file(source), { target, targetFormat: 'qcow2' });
      assert.equal(typeof out, 'string', `expected a refusal, got ${JSON.stringify(out)}`);
      assert.match(out as string, /trust/i);
      assert.deepEqual(qemu.calls(), []);
      assert.ok(!fs.existsSync(target));
    } finally {
      await qemu.restore();
    }
  });
});
