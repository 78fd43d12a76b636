/// <reference types="mocha" />
// What ships is what was tested: the extension installed from the .vsix that `npm run package`
// built (`code-server --install-extension`) activates and lints.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DOMAIN_XML } from '../fixtures';
import { EXTENSION_ID, itConfig, openAndWait, waitForDiagnostics, writeFixture } from '../support';

suite('packaged extension (.vsix)', () => {
  test('is installed from the .vsix, not loaded from the source folder', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is installed`);
    assert.notEqual(path.resolve(ext.extensionPath), path.resolve(itConfig().repoRoot));
    assert.match(ext.extensionPath, /[/\\]extensions[/\\]/);
    const pkg = JSON.parse(fs.readFileSync(path.join(itConfig().repoRoot, 'package.json'), 'utf8')) as { version: string };
    assert.equal((ext.packageJSON as { version: string }).version, pkg.version);
  });

  test('ships only what it needs: the bundle, the CLI, the manifest; no sources, tests or node_modules', () => {
    const dir = vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
    assert.ok(fs.existsSync(path.join(dir, 'dist/extension.js')));
    assert.ok(fs.existsSync(path.join(dir, 'dist/cli.js')));
    for (const absent of ['src', 'test', 'out', 'node_modules', 'tsconfig.json']) {
      assert.ok(!fs.existsSync(path.join(dir, absent)), `${absent} is not in the package`);
    }
  });

  test('lints a Makefile (language makefile), a Packer JSON template and an Ansible task with the bundled JSON and YAML parsers', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const mk = writeFixture('vsix/Makefile', 'img:\n\t@qemu-img convert -t writethrough -O raw a.qcow2 b.raw\n');
    const { doc } = await openAndWait(mk, (ds) => ds.length === 1, 'the Makefile finding');
    assert.equal(doc.languageId, 'makefile');
    assert.equal(ext.isActive, true);
    const json = writeFixture('vsix/template.json', '{\n  "builders": [{ "type": "qemu", "disk_cache": "off" }]\n}\n');
    await openAndWait(json, (ds) => ds.length === 1, 'the Packer finding');
    const yml = writeFixture('vsix/site.yml', '- hosts: all\n  tasks:\n    - ansible.builtin.command:\n        argv: [qemu-img, convert, -t, writethrough, a, b]\n');
    await openAndWait(yml, (ds) => ds.length === 1, 'the Ansible finding');
  });

  test('activates on a domain XML and publishes its diagnostics', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const uri = writeFixture('vsix/domain.xml', DOMAIN_XML);
    await openAndWait(uri, (ds) => ds.length === 12, '12 findings from the installed extension');
    assert.equal(ext.isActive, true);
  });

  test('lints a KubeVirt VirtualMachine: the bundled YAML parser is in the package', async () => {
    const vm =
      'apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata:\n  name: web01\nspec:\n  template:\n    spec:\n      domain:\n        devices:\n          disks:\n' +
      '          - name: root\n            cache: writeback\n            io: native\n          - name: data\n            cache: unsafe\n';
    const uri = writeFixture('vsix/web01-vm.yaml', vm);
    const { diagnostics: ds } = await openAndWait(uri, (d) => d.length === 2, 'io-native-needs-direct and cache-invalid from the installed extension');
    assert.deepEqual(ds.map((d) => (typeof d.code === 'object' ? d.code.value : d.code)).sort(), ['cache-invalid', 'io-native-needs-direct']);
  });

  test('ships the localised strings and the walkthrough: its sample domain opens, linted', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const pkg = ext.packageJSON as { displayName: string; contributes: { walkthroughs: { steps: { title: string }[] }[] } };
    assert.equal(pkg.displayName, 'QEMU Disk Tools', 'package.nls.json resolves %displayName%');
    assert.equal(pkg.contributes.walkthroughs[0].steps[0].title, 'Lint a libvirt domain');
    await vscode.commands.executeCommand('qemuDiskTools.openSample');
    const doc = vscode.window.activeTextEditor?.document;
    assert.ok(doc?.isUntitled && doc.getText().includes('<name>web01</name>'), 'examples/web01.xml is in the package');
    const ds = await waitForDiagnostics(doc.uri, (d) => d.length >= 5, 'the sample’s findings');
    assert.ok(ds.length >= 5);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});
