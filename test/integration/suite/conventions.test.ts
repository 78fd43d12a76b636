/// <reference types="mocha" />
// What VS Code users expect from a linter: "Fix all" in the Ctrl+. menu, completion in the order
// we advise, Lint Workspace (command and task) whose problems outlive closed editors and follow
// the disk, and the walkthrough's sample. Runs last in the trusted run: after Lint Workspace,
// closing a workspace file no longer clears its problems, which the other suites rely on.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DOMAIN_XML, NOVA_CONF } from '../fixtures';
import {
  activateExtension, applyAction, closeAll, codeActionsAt, codeOf, openAndWait, ours, valueRange,
  waitForDiagnostics, workspaceDir, writeFixture, rangeOfText,
} from '../support';

const FIX_ALL_TITLE = 'Fix all QEMU Disk Tools problems in this file';
const LINT_WORKSPACE = 'qemuDiskTools.lintWorkspace';
const ONE_FINDING = `<domain type='kvm'><devices>
  <disk type='file' device='disk'>
    <driver name='qemu' type='qcow2' cache='unsafe'/>
    <source file='/var/lib/libvirt/images/one.qcow2'/>
    <target dev='vda' bus='virtio'/>
  </disk>
</devices></domain>
`;

const label = (i: vscode.CompletionItem) => (typeof i.label === 'string' ? i.label : i.label.label);
const description = (i: vscode.CompletionItem) => (typeof i.label === 'string' ? undefined : i.label.description);

/** Our completion items in the order the suggest widget shows them (sortText, then label). */
async function suggestions(uri: vscode.Uri, pos: vscode.Position): Promise<vscode.CompletionItem[]> {
  const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, pos);
  const key = (i: vscode.CompletionItem) => i.sortText ?? label(i);
  return list.items.filter((i) => typeof i.detail === 'string' && i.detail.length > 0).sort((a, b) => key(a).localeCompare(key(b)));
}

/** Resolves when VS Code closes the text document of `uri` (after its editor closed). */
function closed(uri: vscode.Uri): Promise<void> {
  return new Promise((resolve) => {
    const sub = vscode.workspace.onDidCloseTextDocument((d) => {
      if (d.uri.toString() === uri.toString()) {
        sub.dispose();
        resolve();
      }
    });
  });
}

suite('conventions', () => {
  suiteSetup(activateExtension);
  teardown(async () => {
    if (vscode.window.activeTextEditor?.document.isDirty) await vscode.commands.executeCommand('workbench.action.files.revert');
    await closeAll();
  });

  test('Ctrl+. on a finding offers "Fix all … in this file", the same edit as source.fixAll', async () => {
    const uri = writeFixture('conv/fixall.xml', DOMAIN_XML);
    const { doc } = await openAndWait(uri, (ds) => ds.length === 12, '12 findings');
    const whole = new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length));
    const [sourceFixAll] = await codeActionsAt(uri, whole, 'source.fixAll.qemuDiskTools');
    assert.ok(sourceFixAll?.edit, 'source.fixAll is offered');

    const menu = await codeActionsAt(uri, valueRange(doc, 'cache', 'writethrough'));
    const all = menu.filter((a) => a.title === FIX_ALL_TITLE);
    assert.equal(all.length, 1, menu.map((a) => a.title).join(' | '));
    assert.equal(all[0].kind?.value, 'quickfix');
    assert.ok(!all[0].isPreferred, 'the finding’s own fix stays the preferred one');

    await applyAction(sourceFixAll);
    const bySource = doc.getText();
    await vscode.commands.executeCommand('undo');
    assert.equal(doc.getText(), DOMAIN_XML, 'one undo step takes source.fixAll back');
    await applyAction(all[0]);
    assert.equal(doc.getText(), bySource);
    assert.notEqual(bySource, DOMAIN_XML);
    // Fix-all settles what was shown at warning or above; hints and info stay, as with source.fixAll.
    await waitForDiagnostics(uri, (ds) => !ds.some((d) => codeOf(d) === 'cache-unsafe' || codeOf(d) === 'cache-writethrough'), 'the fixed findings to go');
  });

  test('with a single fixable finding the menu has its fix but no "Fix all"', async () => {
    const uri = writeFixture('conv/one.xml', ONE_FINDING);
    const { doc } = await openAndWait(uri, (ds) => ds.length === 1, '1 finding');
    const titles = (await codeActionsAt(uri, valueRange(doc, 'cache', 'unsafe'))).map((a) => a.title);
    assert.ok(titles.includes("Set cache='none'"), titles.join(' | '));
    assert.ok(!titles.includes(FIX_ALL_TITLE), titles.join(' | '));
  });

  test("cache completion: none first and preselected, unsafe last and labelled 'not crash-safe'", async () => {
    const uri = writeFixture('conv/complete.xml', DOMAIN_XML);
    const { doc } = await openAndWait(uri, (ds) => ds.length === 12, '12 findings');
    const items = await suggestions(uri, valueRange(doc, 'cache', 'writethrough').start);
    assert.deepEqual(items.map(label), ['none', 'writeback', 'default', 'directsync', 'writethrough', 'unsafe']);
    assert.equal(items[0].preselect, true);
    assert.equal(items.filter((i) => i.preselect).length, 1);
    assert.equal(description(items[5]), 'not crash-safe');
    assert.deepEqual(items.slice(0, 5).map(description), [undefined, undefined, undefined, undefined, undefined]);
    assert.ok(!items.some((i) => i.tags?.includes(vscode.CompletionItemTag.Deprecated)), 'unsafe is valid, not deprecated');
  });

  test('disk_cachemodes completion after network= puts writeback first (Ceph RBD)', async () => {
    const uri = writeFixture('conv/nova.conf', NOVA_CONF);
    const { doc } = await openAndWait(uri, (ds) => ds.length > 0, 'Nova findings');
    const network = await suggestions(uri, rangeOfText(doc, 'network=directsync').start.translate(0, 'network='.length));
    assert.equal(label(network[0]), 'writeback');
    const file = await suggestions(uri, rangeOfText(doc, 'file=unsafe').start.translate(0, 'file='.length));
    assert.equal(label(file[0]), 'none');
    assert.equal(description(file[file.length - 1]), 'not crash-safe');
  });

  test('Lint Workspace: problems of files never opened, skipping node_modules, files.exclude and other XML', async () => {
    const domain = writeFixture('lintws/vms/web.xml', DOMAIN_XML);
    const nova = writeFixture('lintws/nova/nova.conf', NOVA_CONF);
    const vendored = writeFixture('lintws/node_modules/pkg/vm.xml', DOMAIN_XML);
    const hidden = writeFixture('lintws/hidden/vm.xml', DOMAIN_XML);
    const pom = writeFixture('lintws/pom.xml', '<project><modelVersion>4.0.0</modelVersion></project>\n');
    // Command lines too, in files no XML/INI glob would find.
    const script = writeFixture('lintws/scripts/build.sh', '#!/bin/sh\nqemu-img convert -t writethrough -O qcow2 a.raw b.qcow2\n');
    const makefile = writeFixture('lintws/images/Makefile', 'img:\n\tqemu-system-x86_64 -drive file=a.img,cache=unsafe\n');
    const files = vscode.workspace.getConfiguration('files');
    await files.update('exclude', { '**/hidden': true }, vscode.ConfigurationTarget.Workspace);
    try {
      assert.equal(ours(domain).length, 0, 'not linted before the command: never opened');
      const report = await vscode.commands.executeCommand<{ files: { file: string; findings: unknown[] }[] }>(LINT_WORKSPACE);
      const linted = report.files.map((f) => path.relative(workspaceDir(), f.file));
      assert.ok(linted.includes(path.join('lintws', 'vms', 'web.xml')), linted.join(', '));
      assert.ok(linted.includes(path.join('lintws', 'nova', 'nova.conf')), linted.join(', '));
      assert.ok(linted.includes(path.join('lintws', 'scripts', 'build.sh')), linted.join(', '));
      assert.ok(linted.includes(path.join('lintws', 'images', 'Makefile')), linted.join(', '));
      assert.deepEqual(ours(script).map(codeOf), ['qemu-img-convert-writethrough']);
      assert.ok(ours(makefile).some((d) => codeOf(d) === 'cache-unsafe'), 'the Makefile recipe is linted');
      for (const skipped of ['node_modules', 'hidden', 'pom.xml']) {
        assert.ok(!linted.some((f) => f.includes(skipped)), `${skipped} must not be linted: ${linted.join(', ')}`);
      }
      assert.equal(ours(domain).length, 12);
      assert.equal(ours(nova).length, 9);
      for (const u of [vendored, hidden, pom]) assert.equal(ours(u).length, 0, u.fsPath);
      const unsafe = ours(domain).find((d) => codeOf(d) === 'cache-unsafe');
      const unsafeLine = DOMAIN_XML.split('\n').findIndex((l) => l.includes("cache='unsafe'"));
      assert.equal(unsafe?.range.start.line, unsafeLine, 'positions are those of the file');
    } finally {
      await files.update('exclude', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  test('Lint Workspace respects qemuDiskTools.lint.enable: off, a file not open gets no problems', async () => {
    const uri = writeFixture('lintws/enable/web.xml', DOMAIN_XML);
    const lint = vscode.workspace.getConfiguration('qemuDiskTools');
    await lint.update('lint.enable', false, vscode.ConfigurationTarget.Workspace);
    try {
      const report = await vscode.commands.executeCommand<{ files: unknown[] }>(LINT_WORKSPACE);
      assert.equal(report.files.length, 0);
      assert.equal(ours(uri).length, 0);
    } finally {
      await lint.update('lint.enable', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await vscode.commands.executeCommand(LINT_WORKSPACE);
    assert.equal(ours(uri).length, 12, 'on again: linted');
  });

  test('after Lint Workspace, closing a file keeps its problems (from the disk, not the unsaved edit)', async () => {
    const uri = writeFixture('lintws/close/web.xml', DOMAIN_XML);
    await vscode.commands.executeCommand(LINT_WORKSPACE);
    const { editor } = await openAndWait(uri, (ds) => ds.length === 12, '12 findings');
    const unsafe = valueRange(editor.document, 'cache', 'unsafe');
    await editor.edit((b) => b.replace(unsafe, 'none'));
    await waitForDiagnostics(uri, (ds) => ds.length === 11, 'the unsaved fix to count');
    const gone = closed(uri);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await gone;
    const ds = await waitForDiagnostics(uri, (d) => d.length === 12, 'the file’s problems back from disk after close');
    assert.ok(ds.some((d) => codeOf(d) === 'cache-unsafe'));
  });

  test('after Lint Workspace, a closed file changed or deleted on disk updates the Problems panel', async () => {
    const uri = writeFixture('lintws/watch/web.xml', DOMAIN_XML);
    await vscode.commands.executeCommand(LINT_WORKSPACE);
    assert.equal(ours(uri).length, 12);
    fs.writeFileSync(uri.fsPath, DOMAIN_XML.replace("cache='unsafe'", "cache='none'"));
    await waitForDiagnostics(uri, (ds) => ds.length === 11 && !ds.some((d) => codeOf(d) === 'cache-unsafe'), 'the change on disk');
    const added = writeFixture('lintws/watch/new.xml', DOMAIN_XML);
    await waitForDiagnostics(added, (ds) => ds.length === 12, 'a new file to be linted');
    fs.rmSync(uri.fsPath);
    await waitForDiagnostics(uri, (ds) => ds.length === 0, 'the deleted file’s problems to go');
  });

  // Running it, its terminal output and exit status are checked in the UI run (scripts/screenshots.mjs),
  // where a person runs it from Terminal > Run Task: in this harness the end-of-task event of a
  // custom execution does not reliably arrive.
  test('the task "QEMU Disk Tools: lint workspace" is provided, with no problem matcher to ask for', async () => {
    const tasks = await vscode.tasks.fetchTasks({ type: 'qemu-disk-tools' });
    assert.deepEqual(tasks.map((t) => `${t.source}: ${t.name}`), ['QEMU Disk Tools: lint workspace']);
    assert.ok(tasks[0].execution instanceof vscode.CustomExecution, 'runs in the extension: no Node or CLI on PATH needed');
    assert.deepEqual(tasks[0].problemMatchers, [], 'the linter publishes the diagnostics itself');
  });

  test('the walkthrough opens and its first step opens the sample domain, linted', async () => {
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', 'qemu-disk-tools.qemu-disk-tools#gettingStarted', false);
    await vscode.commands.executeCommand('qemuDiskTools.openSample');
    const doc = vscode.window.activeTextEditor?.document;
    assert.ok(doc && doc.isUntitled, 'an untitled copy: fixing it changes no file');
    assert.match(doc.getText(), /<name>web01<\/name>/);
    const ds = await waitForDiagnostics(doc.uri, (d) => d.length >= 5, 'the sample’s findings');
    assert.ok(ds.some((d) => codeOf(d) === 'cache-unsafe'));
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});
