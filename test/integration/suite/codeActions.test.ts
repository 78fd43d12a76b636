/// <reference types="mocha" />
// Quick fixes, "disable for this line", source.fixAll.qemuDiskTools and the Fix all command,
// asked for and applied the way the editor does; the resulting text is what rules.md promises:
// fix-all applies the preferred fixes of findings shown at warning or above, as one undo step,
// and a second run (or a second save) changes nothing.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { DOMAIN_XML, NOVA_CONF, NOVA_CONF_MISPLACED } from '../fixtures';
import {
  activateExtension, applyAction, closeAll, codeActionsAt, codeOf, openAndWait, rangeOfText, replaceNth, rows,
  valueRange, waitForDiagnostics, writeFixture,
} from '../support';

const FIX_ALL = 'source.fixAll.qemuDiskTools';
const FIX_ALL_COMMAND = 'qemuDiskTools.fixAll';

const quickFixes = (as: vscode.CodeAction[]) => as.filter((a) => a.kind?.value === 'quickfix');
const titles = (as: vscode.CodeAction[]) => as.map((a) => `${a.title}${a.isPreferred ? ' (preferred)' : ''}`);

suite('code actions', () => {
  suiteSetup(activateExtension);
  teardown(async () => {
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await closeAll();
  });

  test('cache-unsafe: the quick fixes are offered with cache=none preferred; applying it fixes the text and clears the finding', async () => {
    const uri = writeFixture('actions/unsafe.xml', DOMAIN_XML);
    const { doc } = await openAndWait(uri, (ds) => ds.length === 12, '12 findings');
    const at = valueRange(doc, 'cache', 'unsafe');
    const actions = quickFixes(await codeActionsAt(uri, at));
    const t = titles(actions);
    assert.ok(t.includes("Set cache='none' (preferred)"), t.join(' | '));
    assert.ok(t.includes("Set cache='writeback'"), t.join(' | '));
    assert.ok(t.includes('Disable cache-unsafe for this line'), t.join(' | '));
    assert.equal(actions.filter((a) => a.isPreferred).length, 1);

    await applyAction(actions.find((a) => a.isPreferred)!);
    assert.equal(doc.getText(), DOMAIN_XML.replace("cache='unsafe'", "cache='none'"));
    const ds = await waitForDiagnostics(uri, (d) => !d.some((x) => codeOf(x) === 'cache-unsafe'), 'cache-unsafe to go');
    assert.equal(ds.length, 11);
  });

  test("io='native' without a cache mode: cache='none' is added (preferred), io='threads' offered", async () => {
    const uri = writeFixture('actions/native.xml', DOMAIN_XML);
    const { doc } = await openAndWait(uri, (ds) => ds.length === 12, '12 findings');
    const actions = quickFixes(await codeActionsAt(uri, valueRange(doc, 'io', 'native')));
    const preferred = actions.find((a) => a.isPreferred)!;
    assert.equal(preferred.title, "Set cache='none'");
    assert.ok(actions.some((a) => a.title === "Set io='threads'"), titles(actions).join(' | '));
    await applyAction(preferred);
    assert.equal(doc.getText(), DOMAIN_XML.replace("type='raw' io='native'", "type='raw' cache='none' io='native'"));
    await waitForDiagnostics(uri, (d) => !d.some((x) => codeOf(x) === 'io-native-needs-direct'), 'io-native-needs-direct to go');
  });

  test('vhost-user disk: the preferred fix removes the cache attribute', async () => {
    const uri = writeFixture('actions/vhostuser.xml', DOMAIN_XML);
    const { doc } = await openAndWait(uri, (ds) => ds.length === 12, '12 findings');
    const actions = quickFixes(await codeActionsAt(uri, valueRange(doc, 'cache', 'none', 0)));
    const preferred = actions.find((a) => a.isPreferred && a.title === "Remove cache='none'")!;
    assert.ok(preferred, titles(actions).join(' | '));
    await applyAction(preferred);
    assert.equal(doc.getText(), replaceNth(DOMAIN_XML, " cache='none'", '', 0));
    await waitForDiagnostics(uri, (d) => !d.some((x) => codeOf(x) === 'vhostuser-cache'), 'vhostuser-cache to go');
  });

  test('shareable-format has no automatic fix (it would misread the data), but can be disabled', async () => {
    const uri = writeFixture('actions/shareable.xml', DOMAIN_XML);
    const { doc } = await openAndWait(uri, (ds) => ds.length === 12, '12 findings');
    const actions = quickFixes(await codeActionsAt(uri, valueRange(doc, 'type', 'qcow2', 1)));
    const t = titles(actions);
    // The file's other findings have fixes, so the file-wide "Fix all" is there; none for this one.
    assert.deepEqual(t.filter((x) => !/^(Disable|Show documentation|Fix all QEMU Disk Tools problems in this file$)/.test(x)), []);
    assert.ok(t.includes('Disable shareable-format for this line'), t.join(' | '));
  });

  test('the disable-comment action inserts qdt-disable-next-line above the line and the finding goes', async () => {
    const uri = writeFixture('actions/disable.xml', DOMAIN_XML);
    const { doc } = await openAndWait(uri, (ds) => ds.length === 12, '12 findings');
    const at = valueRange(doc, 'cache', 'writethrough');
    const line = at.start.line;
    const disable = (await codeActionsAt(uri, at)).find((a) => a.title === 'Disable cache-writethrough for this line');
    assert.ok(disable);
    await applyAction(disable);
    assert.equal(doc.lineAt(line).text, '      <!-- qdt-disable-next-line cache-writethrough: reason -->');
    // Inserted as a snippet: the reason placeholder is selected, so typing replaces it.
    const editor = vscode.window.activeTextEditor!;
    assert.equal(editor.document.uri.toString(), uri.toString());
    assert.equal(doc.getText(editor.selection), 'reason');
    await editor.edit((b) => b.replace(editor.selection, 'legacy guest without flushes'));
    assert.equal(doc.lineAt(line).text, '      <!-- qdt-disable-next-line cache-writethrough: legacy guest without flushes -->');
    assert.equal(doc.lineAt(line + 1).text, "      <driver name='qemu' type='raw' cache='writethrough'/>");
    const ds = await waitForDiagnostics(uri, (d) => !d.some((x) => codeOf(x) === 'cache-writethrough'), 'cache-writethrough to be suppressed');
    // The suppressed finding no longer supersedes the migration hint on the same disk (old machine type).
    assert.ok(ds.some((x) => codeOf(x) === 'migration-cache' && x.range.start.line === line + 1), ds.map((x) => `${codeOf(x)}@${x.range.start.line}`).join(', '));
    assert.equal(ds.length, 12);
  });

  /** DOMAIN_XML after fix-all: rules.md's preferred fixes of the findings at warning or above. */
  function domainFixed(): string {
    let want = DOMAIN_XML;
    for (const mode of ['unsafe', 'writethrough', 'Nonee']) want = want.replace(`cache='${mode}'`, "cache='none'");
    want = want.replace("type='raw' io='native'", "type='raw' cache='none' io='native'");
    want = replaceNth(want, "cache='writeback'", "cache='none'", 0); // shareable
    want = replaceNth(want, "cache='writeback'", "cache='none'", 0); // vhost-vdpa
    want = want.replace(" cache='none'/>\n      <source type='unix'", "/>\n      <source type='unix'"); // vhost-user: remove
    // Left as they are: directsync (information), rbd none, lun none and the migration writeback (hints).
    return want;
  }

  test('source.fixAll.qemuDiskTools applies the preferred fixes of warnings and errors in one edit, never a hint\'s', async () => {
    const uri = writeFixture('actions/fixall.xml', DOMAIN_XML);
    const { doc } = await openAndWait(uri, (ds) => ds.length === 12, '12 findings');
    const whole = new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length));
    const actions = await codeActionsAt(uri, whole, FIX_ALL);
    assert.equal(actions.length, 1, titles(actions).join(' | '));
    assert.equal(actions[0].kind?.value, FIX_ALL);
    await applyAction(actions[0]);
    assert.equal(doc.getText(), domainFixed());

    const ds = await waitForDiagnostics(uri, (d) => d.length === 5, 'the findings fix-all leaves to remain');
    assert.deepEqual(rows(ds).map((r) => r.split(' ').slice(0, 2).join(' ')).sort(), [
      'cache-directsync Information', 'lun-cache-ignored Hint', 'migration-cache Hint', 'rbd-cache-none Hint', 'shareable-format Error',
    ]);
    // Nothing left for a second fix-all.
    assert.deepEqual(await codeActionsAt(uri, whole, FIX_ALL), []);
  });

  test("migration-cache (a hint): cache='none' is offered in the lightbulb, not preferred", async () => {
    const uri = writeFixture('actions/migration.xml', DOMAIN_XML);
    const { doc } = await openAndWait(uri, (ds) => ds.length === 12, '12 findings');
    const actions = quickFixes(await codeActionsAt(uri, valueRange(doc, 'cache', 'writeback', 2)));
    const t = titles(actions);
    assert.ok(t.includes("Set cache='none'"), t.join(' | '));
    assert.ok(!t.some((x) => x.endsWith('(preferred)')), t.join(' | '));
  });

  test('the Fix all command is one undo step, reports the fixes the Problems panel showed, and a second run changes nothing', async () => {
    const uri = writeFixture('actions/command.xml', DOMAIN_XML);
    const { doc } = await openAndWait(uri, (ds) => ds.length === 12, '12 findings');
    const fixed = await vscode.commands.executeCommand<number>(FIX_ALL_COMMAND, uri);
    assert.equal(doc.getText(), domainFixed());
    // unsafe, writethrough, Nonee, io='native', shareable, vhost-vdpa, vhost-user: 7 of the 8
    // findings at warning or above (shareable-format has no automatic fix).
    assert.equal(fixed, 7);
    assert.equal(await vscode.commands.executeCommand<number>(FIX_ALL_COMMAND, uri), 0);
    assert.equal(doc.getText(), domainFixed());
    await vscode.commands.executeCommand('undo');
    assert.equal(doc.getText(), DOMAIN_XML, 'one undo takes the whole fix-all back');
  });

  test("a typo is fixed to the mode it resembles: cache='writeback ' becomes 'writeback', not 'none'", async () => {
    const text = replaceNth(DOMAIN_XML, "cache='writeback'", "cache='writeback '", 2);
    const uri = writeFixture('actions/typo.xml', text);
    const { doc } = await openAndWait(uri, (ds) => ds.filter((d) => codeOf(d) === 'cache-invalid').length === 2, 'the typo to be flagged');
    const whole = new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length));
    await applyAction((await codeActionsAt(uri, whole, FIX_ALL))[0]);
    assert.equal(doc.getText(), domainFixed());
    assert.ok(doc.getText().includes("<driver name='qemu' type='qcow2' cache='writeback'/>\n      <source file='/var/lib/libvirt/images/k.qcow2'/>"));
  });

  test('source.fixAll.qemuDiskTools on a nova.conf, and a quick fix on a disk_cachemodes item', async () => {
    const uri = writeFixture('actions/nova.conf', NOVA_CONF);
    const { doc } = await openAndWait(uri, (ds) => ds.length === 9, '9 Nova findings');
    const item = quickFixes(await codeActionsAt(uri, rangeOfText(doc, 'block=nonee')));
    assert.ok(item.some((a) => a.title === 'Change to none'), titles(item).join(' | '));

    const whole = new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length));
    const [fixAll] = await codeActionsAt(uri, whole, FIX_ALL);
    await applyAction(fixAll);
    const want = NOVA_CONF.replace('force_raw_images = False', 'force_raw_images = True')
      .replace('file=unsafe,block=writethrough,', '') // network=directsync is information: kept
      .replace('disable_deep_image_inspection = True', 'disable_deep_image_inspection = False')
      .replace('streamOptimized,monolithicSparse,monolithicFlat', 'streamOptimized,monolithicSparse');
    assert.equal(doc.getText(), want);
    await waitForDiagnostics(uri, (d) => !d.some((x) => /unsafe|writethrough|force-raw|inspection|vmdk/.test(codeOf(x))) && d.some((x) => codeOf(x) === 'nova-cachemodes-directsync'), 'the fixed findings to go, directsync to stay');
  });

  test('editor.codeActionsOnSave with source.fixAll.qemuDiskTools fixes the file when it is saved', async () => {
    const uri = writeFixture('actions/onsave.xml', DOMAIN_XML.replace("cache='writethrough'", "cache='none'"));
    const cfg = vscode.workspace.getConfiguration('editor', { uri, languageId: 'xml' });
    await cfg.update('codeActionsOnSave', { [FIX_ALL]: 'explicit' }, vscode.ConfigurationTarget.Workspace);
    try {
      const { doc, editor } = await openAndWait(uri, (ds) => ds.length === 11, '11 findings');
      await editor.edit((b) => b.insert(new vscode.Position(0, 0), '\n'));
      await doc.save();
      assert.ok(!doc.getText().includes("cache='unsafe'"), 'cache=unsafe fixed on save');
      assert.ok(doc.getText().includes("cache='none' io='native'"));
      assert.ok(doc.getText().includes("<driver name='qemu' type='qcow2' cache='writeback'/>\n      <source file='/var/lib/libvirt/images/k.qcow2'/>"), 'the migration hint is not applied on save');
    } finally {
      await cfg.update('codeActionsOnSave', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  test('fix-on-save twice changes the file once, even where fix-all needs two passes', async () => {
    const uri = writeFixture('actions/onsave.conf', NOVA_CONF_MISPLACED);
    const cfg = vscode.workspace.getConfiguration('editor', uri);
    await cfg.update('codeActionsOnSave', { [FIX_ALL]: 'explicit' }, vscode.ConfigurationTarget.Workspace);
    try {
      const { doc, editor } = await openAndWait(uri, (ds) => ds.length === 3, 'the three misplaced lines');
      const want = '[DEFAULT]\ndebug = true\n\n[libvirt]\nvirt_type = kvm\ndisk_cachemodes = network=writeback\n';
      await editor.edit((b) => b.insert(new vscode.Position(0, 0), '# edited\n'));
      await doc.save();
      assert.equal(doc.getText(), '# edited\n' + want, 'moved into [libvirt] and the overridden lines removed, in one save');
      // Dirty again without changing the text: the second save must not change it.
      await editor.edit((b) => b.insert(new vscode.Position(0, 0), 'x'));
      await editor.edit((b) => b.delete(new vscode.Range(0, 0, 0, 1)));
      await doc.save();
      assert.equal(doc.getText(), '# edited\n' + want);
    } finally {
      await cfg.update('codeActionsOnSave', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
