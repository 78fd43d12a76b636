/// <reference types="mocha" />
// "Lint Domains of a libvirt Connection…" in the real editor, against a private libvirtd this
// suite starts (test/helpers/libvirtd.ts) with a domain it defines: the domain opens read-only
// with its diagnostics, and its fixes are virt-xml commands to copy, not edits.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, closeAll, codeActionsAt, codeOf, skip, waitForDiagnostics } from '../support';
import { imageFile, libvirtdMissing, startLibvirtd, type PrivateLibvirtd } from '../../helpers/libvirtd';

const COMMAND = 'qemuDiskTools.lintLibvirtDomains';
const REFRESH = 'qemuDiskTools.refreshLibvirtDomain';

suite('live libvirt domains', () => {
  let d: PrivateLibvirtd | undefined;

  suiteSetup(async function () {
    this.timeout(120_000);
    await activateExtension();
    if (libvirtdMissing()) return;
    d = await startLibvirtd();
    const xml = path.join(d.dir, 'web01.xml');
    fs.writeFileSync(
      xml,
      `<domain type='qemu'>
  <name>web01</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw' cache='unsafe'/>
      <source file='${imageFile(d, 'web01.raw')}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
  </devices>
</domain>
`,
    );
    d.virsh('define', xml);
  });

  suiteTeardown(async () => {
    await closeAll();
    await d?.stop();
  });

  test('a chosen domain opens read-only with its diagnostics; its fix is a virt-xml command to copy', async function () {
    if (!d) skip(this, libvirtdMissing() ?? 'no libvirtd');
    const opened = await vscode.commands.executeCommand<string[]>(COMMAND, d.uri, ['web01']);
    assert.equal(opened.length, 1);
    const uri = vscode.Uri.parse(opened[0]);
    assert.equal(uri.scheme, 'qemu-disk-domain');
    const ds = await waitForDiagnostics(uri, (x) => x.some((y) => codeOf(y) === 'cache-unsafe'), 'cache-unsafe on the live domain');
    const doc = vscode.workspace.textDocuments.find((t) => t.uri.toString() === uri.toString())!;
    assert.equal(doc.getText(), d.virsh('dumpxml', '--inactive', 'web01'), 'the persistent definition, as virsh dumps it');
    const diag = ds.find((y) => codeOf(y) === 'cache-unsafe')!;
    assert.equal(doc.getText(diag.range), 'unsafe');

    const actions = await codeActionsAt(uri, diag.range);
    assert.ok(actions.every((a) => !a.edit), `no edit is offered on a read-only domain: ${actions.map((a) => a.title).join(', ')}`);
    const copy = actions.find((a) => a.title === "Copy virt-xml Command: Set cache='none'");
    assert.ok(copy?.command, actions.map((a) => a.title).join(', '));
    const command = `virt-xml --connect '${d.uri}' web01 --edit target=vda --disk driver.cache=none`;
    assert.deepEqual(copy.command.arguments, [command]);
    await vscode.commands.executeCommand(copy.command.command, ...(copy.command.arguments ?? []));
    assert.equal(await vscode.env.clipboard.readText(), command);

    // Nothing was applied to the host: copying is all the editor does.
    assert.match(d.virsh('dumpxml', '--inactive', 'web01'), /cache='unsafe'/);
  });

  test('Refresh reads the domain from its host again: a fix applied there shows, and its diagnostic goes', async function () {
    if (!d) skip(this, libvirtdMissing() ?? 'no libvirtd');
    const [opened] = await vscode.commands.executeCommand<string[]>(COMMAND, d.uri, ['web01']);
    const uri = vscode.Uri.parse(opened);
    await waitForDiagnostics(uri, (x) => x.some((y) => codeOf(y) === 'cache-unsafe'), 'cache-unsafe before the change');
    // The change a copied virt-xml command makes, made on the host behind the editor's back.
    const file = path.join(d.dir, 'web01-fixed.xml');
    fs.writeFileSync(file, d.virsh('dumpxml', '--inactive', 'web01').replace("cache='unsafe'", "cache='none'"));
    d.virsh('define', file);
    const doc = vscode.workspace.textDocuments.find((t) => t.uri.toString() === uri.toString())!;
    assert.match(doc.getText(), /cache='unsafe'/, 'read once: the document does not follow the host by itself');
    // From the command palette: the active editor's domain (the title button passes its URI).
    await vscode.window.showTextDocument(doc);
    assert.equal(await vscode.commands.executeCommand<string>(REFRESH, undefined), uri.toString());
    await waitForDiagnostics(uri, (x) => !x.some((y) => codeOf(y) === 'cache-unsafe'), 'cache-unsafe gone after Refresh');
    assert.equal(doc.getText(), d.virsh('dumpxml', '--inactive', 'web01'));
    assert.match(doc.getText(), /cache='none'/);
  });

  test('an unreachable connection: the message names the URI and what to check', async function () {
    if (!d) skip(this, libvirtdMissing() ?? 'no libvirtd');
    const msg = await vscode.commands.executeCommand<string>(COMMAND, 'qemu+tcp://127.0.0.1:1/system', []);
    assert.match(msg, /^qemu\+tcp:\/\/127\.0\.0\.1:1\/system: cannot connect \(.*Connection refused\), so its domains were not checked\. Check the URI/);
  });
});
