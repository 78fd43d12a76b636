/// <reference types="mocha" />
// Diagnostics in the real editor: every kind of finding with its code, severity and range; they
// follow edits and are cleared on close. Waits on onDidChangeDiagnostics, never on a sleep.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { DOMAIN_XML, NOVA_CONF, NOVA_CONF_DUPLICATES } from '../fixtures';
import {
  activateExtension, closeAll, codeActionsAt, codeOf, openAndWait, openInEditor, rangeOfText, revertAndClose, row, rows, sameRows, valueRange,
  waitForDiagnostics, writeFixture,
} from '../support';

function expectedDomainRows(doc: vscode.TextDocument): string[] {
  return [
    row('cache-unsafe', 'Warning', valueRange(doc, 'cache', 'unsafe')),
    row('cache-writethrough', 'Warning', valueRange(doc, 'cache', 'writethrough')),
    row('cache-directsync', 'Information', valueRange(doc, 'cache', 'directsync')),
    row('cache-invalid', 'Error', valueRange(doc, 'cache', 'Nonee')),
    row('io-native-needs-direct', 'Error', valueRange(doc, 'io', 'native')),
    row('shareable-format', 'Error', valueRange(doc, 'type', 'qcow2', 1)),
    row('shareable-cache', 'Warning', valueRange(doc, 'cache', 'writeback', 0)),
    row('vhostuser-cache', 'Error', valueRange(doc, 'cache', 'none', 0)),
    row('vhostvdpa-cache', 'Error', valueRange(doc, 'cache', 'writeback', 1)),
    row('rbd-cache-none', 'Hint', valueRange(doc, 'cache', 'none', 1)),
    row('lun-cache-ignored', 'Hint', valueRange(doc, 'cache', 'none', 2)),
    row('migration-cache', 'Hint', valueRange(doc, 'cache', 'writeback', 2)),
  ];
}

suite('diagnostics', () => {
  suiteSetup(activateExtension);
  teardown(closeAll);

  test('a domain XML gets every libvirt finding, at the attribute value, with its severity', async () => {
    const uri = writeFixture('diag/domain.xml', DOMAIN_XML);
    const doc = await vscode.workspace.openTextDocument(uri);
    const expected = expectedDomainRows(doc);
    const { diagnostics } = await openAndWait(uri, sameRows(expected), 'the 12 libvirt findings');
    assert.deepEqual(rows(diagnostics), [...expected].sort());
    // The clean disk (cache='none' on a plain file disk) gets nothing.
    const clean = rangeOfText(doc, 'clean.qcow2').start.line;
    assert.equal(diagnostics.filter((d) => Math.abs(d.range.start.line - clean) <= 1).length, 0);
    // Each diagnostic's code links to its rule page: a command URI (the Problems panel runs those)
    // that shows the rendered page, not the packaged Markdown as an editable file.
    for (const d of diagnostics) {
      const c = d.code as { value: string; target: vscode.Uri };
      assert.equal(c.target.scheme, 'command');
      assert.equal(c.target.path, 'qemuDiskTools.showRuleDocs');
      assert.deepEqual(JSON.parse(decodeURIComponent(c.target.query)), [c.value]);
      assert.ok(d.message.length > 40, `${c.value} has an operator-sized message`);
      assert.doesNotMatch(d.message, /`/, `${c.value}: plain text, no Markdown`);
    }
    // What the Problems panel does with the link: run the command with the query as arguments.
    const link = (diagnostics[0].code as { target: vscode.Uri }).target;
    const shown = await vscode.commands.executeCommand<string>(link.path, ...(JSON.parse(decodeURIComponent(link.query)) as unknown[]));
    assert.match(shown ?? '', /docs\/rules\/[a-z-]+\.md$/);
    const allTabs = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs);
    const findPreview = () => allTabs().find((t) => t.input instanceof vscode.TabInputWebview && /markdown\.preview/.test(t.input.viewType));
    // The preview's webview tab appears once the Markdown extension has rendered it.
    for (const deadline = Date.now() + 15_000; !findPreview() && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 200));
    const preview = findPreview();
    assert.ok(preview, `no Markdown preview tab: ${allTabs().map((t) => `${t.label} (${t.input?.constructor.name})`).join(', ')}`);
    assert.ok(!allTabs().some((t) => t.input instanceof vscode.TabInputText && /docs\/rules\//.test(t.input.uri.path)), 'the raw Markdown opened as text');
  });

  test('diagnostics follow edits of a domain XML, and are cleared on close', async () => {
    const uri = writeFixture('diag/edit.xml', DOMAIN_XML);
    const { doc, editor } = await openAndWait(uri, (ds) => ds.length === 12, '12 findings');

    // Fix one value by typing: its finding goes, the others stay where they are.
    const unsafe = valueRange(doc, 'cache', 'unsafe');
    await editor.edit((b) => b.replace(unsafe, 'none'));
    let ds = await waitForDiagnostics(uri, (d) => d.length === 11 && !d.some((x) => codeOf(x) === 'cache-unsafe'), 'cache-unsafe to go');
    assert.ok(ds.some((x) => codeOf(x) === 'cache-writethrough'));

    // Add a disk with cache='unsafe' at the end of <devices>: a new finding on the new line.
    const end = rangeOfText(doc, '</devices>').start;
    const disk = "    <disk type='file' device='disk'>\n      <driver name='qemu' type='raw' cache='unsafe'/>\n      <source file='/x.raw'/>\n    </disk>\n  ";
    await editor.edit((b) => b.insert(end, disk));
    ds = await waitForDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'cache-unsafe'), 'the new disk to be flagged');
    const added = ds.find((x) => codeOf(x) === 'cache-unsafe')!;
    assert.deepEqual(added.range, valueRange(doc, 'cache', 'unsafe'));
    assert.equal(added.range.start.line, end.line + 1);

    // Break the document half-way (typing in progress): no crash, findings before the break stay.
    await editor.edit((b) => b.insert(end, '<disk type=\'file\'><driver cache=\'unsafe'));
    ds = await waitForDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'cache-writethrough'), 'findings on a broken document');

    await revertAndClose(uri);
    assert.deepEqual(rows(vscode.languages.getDiagnostics(uri)), []);
  });

  test('a nova.conf gets the Nova findings, at the item, with their severity; they follow edits and clear on close', async () => {
    const uri = writeFixture('diag/nova.conf', NOVA_CONF);
    const doc = (await openInEditor(uri)).document;
    const r = (needle: string, nth = 0) => rangeOfText(doc, needle, nth);
    const expected = [
      row('nova-rbd-force-raw', 'Error', r('False')),
      row('nova-cachemodes-unsafe', 'Warning', r('file=unsafe')),
      row('nova-cachemodes-writethrough', 'Warning', r('block=writethrough')),
      row('nova-cachemodes-directsync', 'Information', r('network=directsync')),
      row('nova-rbd-cache', 'Hint', r('network=directsync')),
      row('nova-cachemodes-unknown-type', 'Warning', r('File')),
      row('nova-cachemodes-invalid-mode', 'Error', r('nonee')),
      row('nova-image-inspection-off', 'Warning', r('True')),
      row('nova-vmdk-types', 'Warning', r('monolithicFlat')),
    ];
    const { editor } = await openAndWait(uri, sameRows(expected), 'the Nova findings');

    await editor.edit((b) => b.replace(r('file=unsafe,'), ''));
    const ds = await waitForDiagnostics(uri, (d) => d.length === expected.length - 1, 'nova-cachemodes-unsafe to go');
    assert.ok(!ds.some((x) => codeOf(x) === 'nova-cachemodes-unsafe'));
    assert.deepEqual(ds.find((x) => codeOf(x) === 'nova-cachemodes-invalid-mode')!.range, r('nonee'));

    await revertAndClose(uri);
  });

  test('nova.conf: duplicate lines, list syntax and an option outside [libvirt]', async () => {
    const uri = writeFixture('diag/nova.conf.d/50-cache.conf', NOVA_CONF_DUPLICATES);
    const doc = await vscode.workspace.openTextDocument(uri);
    const expected = [
      row('nova-cachemodes-duplicate', 'Warning', rangeOfText(doc, 'disk_cachemodes = file=none', 0)),
      row('nova-cachemodes-syntax', 'Error', rangeOfText(doc, '["file=writeback", "block=none"]')),
      row('nova-cachemodes-section', 'Error', rangeOfText(doc, 'disk_cachemodes', 2)),
    ];
    await openAndWait(uri, sameRows(expected), 'duplicate, syntax and section findings');
  });

  test('a file that is neither domain XML nor Nova config gets nothing', async () => {
    const other = writeFixture('diag/pom.xml', "<project><driver cache='unsafe'/></project>\n");
    const marker = writeFixture('diag/marker.xml', DOMAIN_XML);
    // Open the unrelated file first, then a domain XML: once the latter is linted, the former has had its turn.
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(other));
    await openAndWait(marker, (ds) => ds.length === 12, 'the marker file');
    assert.deepEqual(rows(vscode.languages.getDiagnostics(other)), []);
  });
  test('Makefiles, Dockerfiles and Packer templates (HCL and JSON) get the command-line findings; a JSON template offers no disable comment', async () => {
    const cases: [string, string, string, string[]][] = [
      ['build/Makefile', 'makefile', 'img:\n\t@qemu-img convert -t writethrough -O raw a.qcow2 b.raw\n', ['qemu-img-convert-writethrough']],
      ['build/Dockerfile', 'dockerfile', 'FROM debian\nRUN ["qemu-system-x86_64", "-drive", "file=a.raw,aio=native"]\n', ['io-native-needs-direct']],
      ['build/vm.pkr.hcl', '', 'source "qemu" "vm" {\n  disk_cache   = "unsafe"\n  disk_discard = "unmapp"\n}\n', ['cache-unsafe', 'packer-disk-option-invalid']],
      ['build/template.json', 'json', '{\n  "builders": [{ "type": "qemu", "disk_cache": "writethrough" }]\n}\n', ['cache-writethrough']],
    ];
    for (const [rel, language, text, codes] of cases) {
      const uri = writeFixture(rel, text);
      const { doc, diagnostics } = await openAndWait(uri, (ds) => ds.length === codes.length, `${rel}: ${codes.join(', ')}`);
      if (language) assert.equal(doc.languageId, language, rel);
      assert.deepEqual(diagnostics.map(codeOf).sort(), codes, rel);
      const titles = (await codeActionsAt(uri, diagnostics[0].range)).map((a) => a.title);
      assert.equal(titles.some((t) => t.startsWith('Disable ')), !rel.endsWith('.json'), `${rel}: ${titles.join(' | ')}`);
    }
  });

  test('a Proxmox VM config gets the disk rules at the value, and the io_uring rule from the storage.cfg above it', async () => {
    writeFixture('pve/storage.cfg', 'lvmthin: local-lvm\n\tvgname pve\n\tthinpool data\n\nlvm: san-lvm\n\tvgname san\n');
    const conf = 'boot: order=scsi0\nmemory: 4096\nscsi0: local-lvm:vm-100-disk-0,aio=native,cache=writeback\nscsi1: san-lvm:vm-100-disk-1,aio=io_uring,cache=unsafe\n';
    const uri = writeFixture('pve/qemu-server/100.conf', conf);
    const { doc, diagnostics } = await openAndWait(uri, (ds) => ds.length === 3, 'the 3 Proxmox findings');
    const at = (text: string, nth = 0) => rangeOfText(doc, text, nth);
    assert.deepEqual(rows(diagnostics), [
      row('io-native-needs-direct', 'Error', at('native')),
      row('cache-unsafe', 'Warning', at('unsafe')),
      row('proxmox-io-uring-storage', 'Warning', at('io_uring')),
    ].sort());
  });
});
