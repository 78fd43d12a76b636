/// <reference types="mocha" />
// Quick fixes, "disable for this line" and source.fixAll.qemuDiskTools, asked for and applied
// the way the editor does; the resulting text is what rules.md promises.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { DOMAIN_XML, NOVA_CONF } from '../fixtures';
import {
  activateExtension, applyAction, closeAll, codeActionsAt, codeOf, openAndWait, rangeOfText, replaceNth, rows,
  valueRange, waitForDiagnostics, writeFixture,
} from '../support';

const FIX_ALL = 'source.fixAll.qemuDiskTools';

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
    assert.match(doc.lineAt(line).text, /^ {6}<!-- qdt-disable-next-line cache-writethrough\b.*-->$/);
    assert.equal(doc.lineAt(line + 1).text, "      <driver name='qemu' type='raw' cache='writethrough'/>");
    const ds = await waitForDiagnostics(uri, (d) => d.length === 11, 'cache-writethrough to be suppressed');
    assert.ok(!ds.some((x) => codeOf(x) === 'cache-writethrough'));
  });

  test('source.fixAll.qemuDiskTools applies every preferred fix of a domain XML in one edit', async () => {
    const uri = writeFixture('actions/fixall.xml', DOMAIN_XML);
    const { doc } = await openAndWait(uri, (ds) => ds.length === 12, '12 findings');
    const whole = new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length));
    const actions = await codeActionsAt(uri, whole, FIX_ALL);
    assert.equal(actions.length, 1, titles(actions).join(' | '));
    assert.equal(actions[0].kind?.value, FIX_ALL);
    await applyAction(actions[0]);

    // rules.md's preferred fixes, one by one.
    let want = DOMAIN_XML;
    for (const mode of ['unsafe', 'writethrough', 'directsync', 'Nonee']) want = want.replace(`cache='${mode}'`, "cache='none'");
    want = want.replace("type='raw' io='native'", "type='raw' cache='none' io='native'");
    want = want.replaceAll("cache='writeback'", "cache='none'"); // shareable, vhost-vdpa, migration
    const src = (s: string) => `/>\n      <source ${s}`;
    want = want.replace(` cache='none'${src("type='unix'")}`, src("type='unix'")); // vhost-user: remove
    want = want.replace(`cache='none'${src("protocol='rbd'")}`, `cache='writeback'${src("protocol='rbd'")}`); // rbd: writeback
    want = want.replace(` cache='none'${src("dev='/dev/sdz'")}`, src("dev='/dev/sdz'")); // lun: remove
    assert.equal(doc.getText(), want);

    const ds = await waitForDiagnostics(uri, (d) => d.length === 1, 'only the finding without a fix to remain');
    assert.deepEqual(rows(ds).map((r) => r.split(' ')[0]), ['shareable-format']);
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
      .replace('file=unsafe,block=writethrough,network=directsync,', '')
      .replace('disable_deep_image_inspection = True', 'disable_deep_image_inspection = False')
      .replace('streamOptimized,monolithicSparse,monolithicFlat', 'streamOptimized,monolithicSparse');
    assert.equal(doc.getText(), want);
    await waitForDiagnostics(uri, (d) => !d.some((x) => /unsafe|writethrough|directsync|force-raw|inspection|vmdk/.test(codeOf(x))), 'the fixed findings to go');
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
    } finally {
      await cfg.update('codeActionsOnSave', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
