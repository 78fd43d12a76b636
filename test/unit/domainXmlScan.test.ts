// The tolerant scanner under the domain XML rules: what it captures and the offsets it reports.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { attr, child, scanXml } from '../../src/core/lint/domainXml/xmlScan';

const disksUnderDevices = (path: readonly string[], name: string) => name === 'disk' && path.join('/') === 'domain/devices';

test('attribute offsets, quotes and the whitespace before each attribute', () => {
  const text = `<domain>\r\n<devices><disk type = "file"\r\n   device='disk'><driver/></disk></devices></domain>`;
  const [disk] = scanXml(text, disksUnderDevices).captured;
  const type = attr(disk, 'type')!;
  assert.equal(text.slice(type.valueStart, type.valueEnd), 'file');
  assert.equal(type.quote, '"');
  const device = attr(disk, 'device')!;
  assert.equal(text.slice(device.wsStart, device.end), "\r\n   device='disk'");
  assert.equal(device.quote, "'");
  assert.equal(text.slice(disk.start, disk.tagEnd), `<disk type = "file"\r\n   device='disk'>`);
  assert.equal(child(disk, 'driver')?.selfClosing, true);
});

test('comments, CDATA, processing instructions and a DOCTYPE with an internal subset hide what they hold', () => {
  const text =
    `<?xml version="1.0"?><!DOCTYPE domain [ <!ENTITY gt ">"> <!-- ] > --> ]>` +
    `<domain><devices><!-- <disk type='a'/> --><![CDATA[<disk type='b'/>]]><?pi <disk type='c'/> ?>` +
    `<disk type='d'/></devices></domain>`;
  const captured = scanXml(text, disksUnderDevices).captured;
  assert.deepEqual(captured.map((d) => attr(d, 'type')?.value), ['d']);
});

test('a start tag cut off while typing counts as empty, so what follows keeps its parent', () => {
  const text = `<domain><devices><disk type='file'><driver name='qemu' cache='none'\n<source file='/x'/></disk><disk type='block'/></devices></domain>`;
  const captured = scanXml(text, disksUnderDevices).captured;
  assert.deepEqual(captured.map((d) => attr(d, 'type')?.value), ['file', 'block']);
  const driver = child(captured[0], 'driver')!;
  assert.equal(driver.tagClosed, false);
  assert.equal(attr(driver, 'cache')?.complete, true);
  assert.ok(child(captured[0], 'source'));
});

test('a value without its closing quote is marked incomplete, also when it borrows the next quote', () => {
  const cut = `<domain><devices><disk type='file'><driver cache='unsa\n<source/></disk></devices></domain>`;
  const cache = attr(child(scanXml(cut, disksUnderDevices).captured[0], 'driver')!, 'cache')!;
  assert.deepEqual([cache.value, cache.complete], ['unsa', false]);
  const borrowed = `<domain><devices><disk type='file'><driver cache='unsa\n   io='native'/></disk></devices></domain>`;
  const driver = child(scanXml(borrowed, disksUnderDevices).captured[0], 'driver')!;
  assert.equal(attr(driver, 'cache')?.complete, false);
  assert.equal(driver.selfClosing, true);
});

test('an end tag closes the nearest open element of its name; a stray one is ignored', () => {
  const text = `<domain><devices><disk type='a'><source></disk></oops><disk type='b'/></devices><devices><disk type='c'/></devices></domain>`;
  const captured = scanXml(text, disksUnderDevices).captured;
  assert.deepEqual(captured.map((d) => attr(d, 'type')?.value), ['a', 'b', 'c']);
});

test('the root is the first top-level element, after the prolog', () => {
  const { root } = scanXml(`\uFEFF<?xml version="1.0"?>\n<!-- c -->\n<domain type='kvm'/>\n<other/>`, () => false);
  assert.equal(root?.name, 'domain');
  assert.equal(attr(root!, 'type')?.value, 'kvm');
});
