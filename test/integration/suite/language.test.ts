/// <reference types="mocha" />
// Hover and completion on cache values, asked for the way the editor asks.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { DOMAIN_XML, NOVA_CONF } from '../fixtures';
import { activateExtension, closeAll, openAndWait, rangeOfText, valueRange, writeFixture } from '../support';

const MODES = ['default', 'none', 'writethrough', 'writeback', 'directsync', 'unsafe'];

function hoverText(hs: vscode.Hover[]): string {
  return hs
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))
    .join('\n');
}

async function hoverAt(uri: vscode.Uri, pos: vscode.Position): Promise<string> {
  return hoverText((await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, pos)) ?? []);
}

async function ourCompletions(uri: vscode.Uri, pos: vscode.Position): Promise<vscode.CompletionItem[]> {
  const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, pos);
  // Word-based suggestions have no detail; ours carry the one-line summary of the mode.
  return list.items.filter((i) => typeof i.detail === 'string' && i.detail.length > 0);
}

const label = (i: vscode.CompletionItem) => (typeof i.label === 'string' ? i.label : i.label.label);

suite('hover and completion', () => {
  suiteSetup(activateExtension);
  teardown(closeAll);

  test("hover on cache='unsafe' in domain XML shows the mode table", async () => {
    const uri = writeFixture('lang/domain.xml', DOMAIN_XML);
    const { doc } = await openAndWait(uri, (ds) => ds.length === 12, '12 findings');
    const text = await hoverAt(uri, valueRange(doc, 'cache', 'unsafe').start.translate(0, 2));
    assert.match(text, /unsafe/);
    for (const rowName of ['Host page cache', 'O_DIRECT', 'Guest write cache', 'Flushes', 'Host crash', 'Speed']) {
      assert.match(text, new RegExp(`^\\| ${rowName} \\|`, 'm'), `table row "${rowName}" in:\n${text}`);
    }
    // Nothing on a place that is not a cache value.
    assert.equal(await hoverAt(uri, rangeOfText(doc, '<name>').start.translate(0, 2)), '');
  });

  test('hover on a disk_cachemodes item in nova.conf explains the mode for that disk type', async () => {
    const uri = writeFixture('lang/nova.conf', NOVA_CONF);
    const { doc } = await openAndWait(uri, (ds) => ds.length > 0, 'Nova findings');
    const text = await hoverAt(uri, rangeOfText(doc, 'block=writethrough').start.translate(0, 8));
    assert.match(text, /block/);
    assert.match(text, /writethrough/);
    assert.match(text, /^\| Flushes \|/m);
  });

  test('completion inside a cache value offers the six modes with their summaries', async () => {
    const uri = writeFixture('lang/complete.xml', DOMAIN_XML);
    const { doc } = await openAndWait(uri, (ds) => ds.length === 12, '12 findings');
    const items = await ourCompletions(uri, valueRange(doc, 'cache', 'writethrough').start);
    assert.deepEqual(items.map(label).sort(), [...MODES].sort());
    for (const i of items) assert.ok((i.detail ?? '').length > 10, `${label(i)} has a summary`);
  });

  test("completion inside an io value offers threads, native, io_uring", async () => {
    const uri = writeFixture('lang/io.xml', DOMAIN_XML);
    const { doc } = await openAndWait(uri, (ds) => ds.length === 12, '12 findings');
    const items = await ourCompletions(uri, valueRange(doc, 'io', 'native').start);
    assert.deepEqual(items.map(label).sort(), ['io_uring', 'native', 'threads']);
  });

  test('completion after type= in disk_cachemodes offers the modes', async () => {
    const nova = writeFixture('lang/nova-compute.conf', NOVA_CONF);
    const { doc } = await openAndWait(nova, (ds) => ds.length > 0, 'Nova findings');
    const items = await ourCompletions(nova, rangeOfText(doc, 'file=unsafe').start.translate(0, 5));
    assert.deepEqual(items.map(label).sort(), [...MODES].sort());
  });
  test('Proxmox VM config: completion in cache= offers the five modes qemu-server accepts, in aio= the io modes; hover explains', async () => {
    const conf = 'boot: order=scsi0\nmemory: 4096\nscsi0: local-lvm:vm-100-disk-0,aio=native,cache=writethrough\n';
    const uri = writeFixture('lang/qemu-server/101.conf', conf);
    const { doc } = await openAndWait(uri, (ds) => ds.length === 2, 'the writethrough and aio=native findings');
    const cache = await ourCompletions(uri, rangeOfText(doc, 'writethrough').start);
    assert.deepEqual(cache.map(label).sort(), MODES.filter((m) => m !== 'default').sort());
    const io = await ourCompletions(uri, rangeOfText(doc, 'native').start);
    assert.deepEqual(io.map(label).sort(), ['io_uring', 'native', 'threads']);
    assert.match(await hoverAt(uri, rangeOfText(doc, 'writethrough').start.translate(0, 2)), /^\| Host page cache \|/m);
    assert.equal(await hoverAt(uri, rangeOfText(doc, 'vm-100').start), '');
  });

  test('shell script: completion in -drive cache= leaves out default (QEMU refuses it), virt-install keeps it; hover names the setting', async () => {
    const script = '#!/bin/sh\nqemu-system-x86_64 -drive file=a.img,cache=writethrough,aio=threads\nvirt-install --disk path=/b.img,driver.cache=unsafe,io=threads\n';
    const uri = writeFixture('lang/start-vm.sh', script);
    const { doc } = await openAndWait(uri, (ds) => ds.length === 2, 'the writethrough and unsafe findings');
    const drive = await ourCompletions(uri, rangeOfText(doc, 'writethrough').start);
    assert.deepEqual(drive.map(label).sort(), MODES.filter((m) => m !== 'default').sort());
    const disk = await ourCompletions(uri, rangeOfText(doc, 'unsafe').start);
    assert.deepEqual(disk.map(label).sort(), [...MODES].sort());
    const io = await ourCompletions(uri, rangeOfText(doc, 'threads').start);
    assert.deepEqual(io.map(label).sort(), ['io_uring', 'native', 'threads']);
    const hover = await hoverAt(uri, rangeOfText(doc, 'unsafe').start.translate(0, 2));
    assert.match(hover, /driver\.cache=unsafe/);
    assert.match(hover, /^\| Host page cache \|/m);
    assert.equal(await hoverAt(uri, rangeOfText(doc, 'a.img').start), '');
  });
});
