import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { entriesOf, parseIni, valueOffsets } from '../../src/core/lint/nova/ini';
import type { IniDocument } from '../../src/core/lint/nova/ini';
import { listItems, parseCacheModes } from '../../src/core/lint/nova/novaCacheModes';
import { isCacheMode } from '../../src/core/lint/cacheModes';

/** What oslo.config hands the option: the value of the last entry, as measured.md's table calls it. */
function value(doc: IniDocument, group: string, key: string): string | undefined {
  const all = entriesOf(doc, group, key);
  return all.length ? all[all.length - 1].value : undefined;
}

/** The cache modes Nova keeps, as "type=mode" (LibvirtDriver.__init__: invalid modes dropped, last type wins). */
function novaGets(text: string): string[] {
  const doc = parseIni(text);
  const all = entriesOf(doc, 'libvirt', 'disk_cachemodes');
  if (all.length === 0) return [];
  const kept = new Map<string, string>();
  for (const it of listItems(all[all.length - 1])) {
    const eq = it.text.indexOf('=');
    const mode = eq < 0 ? '' : it.text.slice(eq + 1);
    if (isCacheMode(mode)) kept.set(eq < 0 ? it.text : it.text.slice(0, eq), mode);
  }
  return [...kept].map(([t, m]) => `${t}=${m}`);
}

// One test per row of measured.md's oslo.config table.

test('measured: double or single quotes around the whole value are removed', () => {
  assert.deepEqual(novaGets('[libvirt]\ndisk_cachemodes = "network=writeback"\n'), ['network=writeback']);
  assert.deepEqual(novaGets("[libvirt]\ndisk_cachemodes = 'network=writeback'\n"), ['network=writeback']);
});

test('measured: a bracketed list gives items with brackets and quotes, both dropped', () => {
  const doc = parseIni('[libvirt]\ndisk_cachemodes = ["file=directsync","block=none"]\n');
  assert.deepEqual(listItems(entriesOf(doc, 'libvirt', 'disk_cachemodes')[0]).map((i) => i.text), ['["file=directsync"', '"block=none"]']);
  assert.deepEqual(novaGets('[libvirt]\ndisk_cachemodes = ["file=directsync","block=none"]\n'), []);
});

test('measured: quotes are only removed around the whole value', () => {
  assert.equal(value(parseIni('[libvirt]\ndisk_cachemodes = "file=none" , block=none\n'), 'libvirt', 'disk_cachemodes'), '"file=none" , block=none');
  assert.deepEqual(novaGets('[libvirt]\ndisk_cachemodes = "file=none" , block=none\n'), ['block=none']);
});

test('measured: blanks around = are not stripped', () => {
  assert.deepEqual(novaGets('[libvirt]\ndisk_cachemodes = file = none, block=writeback\n'), ['block=writeback']);
});

test('measured: an inline comment stays part of the value', () => {
  assert.equal(value(parseIni('[libvirt]\ndisk_cachemodes = file=none   # comment\n'), 'libvirt', 'disk_cachemodes'), 'file=none   # comment');
  assert.equal(value(parseIni('[libvirt]\ndisk_cachemodes = file=none ; comment\n'), 'libvirt', 'disk_cachemodes'), 'file=none ; comment');
  assert.deepEqual(novaGets('[libvirt]\ndisk_cachemodes = file=none   # comment\n'), []);
});

test('measured: an indented line continues the value', () => {
  const text = '[libvirt]\ndisk_cachemodes = file=writethrough,\n    block=none\n';
  assert.equal(value(parseIni(text), 'libvirt', 'disk_cachemodes'), 'file=writethrough,\nblock=none');
  assert.deepEqual(novaGets(text), ['file=writethrough', 'block=none']);
});

test('measured: set twice, in one [libvirt] or in two, only the last line counts', () => {
  assert.deepEqual(novaGets('[libvirt]\ndisk_cachemodes = file=none\ndisk_cachemodes = block=none\n'), ['block=none']);
  assert.deepEqual(novaGets('[libvirt]\ndisk_cachemodes = file=none\n[DEFAULT]\n[libvirt]\ndisk_cachemodes = block=none\n'), ['block=none']);
});

test('measured: empty items dropped, trailing comma ignored', () => {
  assert.deepEqual(novaGets('[libvirt]\ndisk_cachemodes=file=unsafe,,block=none,\n'), ['file=unsafe', 'block=none']);
});

test('measured: ":" separates like "="', () => {
  assert.deepEqual(novaGets('[libvirt]\ndisk_cachemodes: file=none\n'), ['file=none']);
  // The first of "=" and ":" splits: here "=" comes first.
  const doc = parseIni('[DEFAULT]\nurl = http://x:1\n');
  assert.equal(value(doc, 'DEFAULT', 'url'), 'http://x:1');
});

test('measured: [LIBVIRT] is [libvirt]; [ libvirt ] is another section', () => {
  assert.deepEqual(novaGets('[LIBVIRT]\ndisk_cachemodes = file=none\n'), ['file=none']);
  assert.deepEqual(novaGets('[ libvirt ]\ndisk_cachemodes = file=none\n'), []);
  assert.equal(parseIni('[ libvirt ]\n').sections[0].name, ' libvirt ');
});

test('measured: option names are case-sensitive, and [DEFAULT] is not [libvirt]', () => {
  assert.deepEqual(novaGets('[libvirt]\nDisk_Cachemodes = file=none\n'), []);
  assert.deepEqual(novaGets('[DEFAULT]\ndisk_cachemodes = file=none\n'), []);
  // Only "[DEFAULT]" as written opens DEFAULT.
  assert.equal(parseIni('[default]\n').sections[0].group, 'default');
  assert.equal(parseIni('[DEFAULT]\n').sections[0].group, 'DEFAULT');
});

test('measured: CRLF line ends are fine', () => {
  const doc = parseIni('[libvirt]\r\ndisk_cachemodes = file=none,\r\n  block=none\r\n');
  assert.deepEqual(doc.errors, []);
  assert.equal(value(doc, 'libvirt', 'disk_cachemodes'), 'file=none,\nblock=none');
});

test('measured: a byte-order mark left in the text refuses the file', () => {
  const doc = parseIni('\ufeff[libvirt]\ndisk_cachemodes = file=none\n');
  assert.equal(doc.errors[0].kind, 'bom');
  assert.equal(doc.errors[0].osloMessage, "No ':' or '=' found in assignment");
  // Read on as if it were gone.
  assert.equal(doc.errors.length, 1);
  assert.equal(value(doc, 'libvirt', 'disk_cachemodes'), 'file=none');
});

test('measured: an indented key right after the section header refuses the file', () => {
  const doc = parseIni('[libvirt]\n  disk_cachemodes = file=none\n');
  assert.equal(doc.errors[0].kind, 'unexpected-continuation');
  assert.equal(doc.errors[0].osloMessage, 'Unexpected continuation line');
  // Parsing goes on as if the indentation were removed.
  assert.equal(value(doc, 'libvirt', 'disk_cachemodes'), 'file=none');
});

test('measured: an indented disk_cachemodes under virt_type becomes part of virt_type', () => {
  const doc = parseIni('[libvirt]\nvirt_type = kvm\n  disk_cachemodes = file=unsafe\n');
  assert.equal(value(doc, 'libvirt', 'virt_type'), 'kvm\ndisk_cachemodes = file=unsafe');
  assert.equal(value(doc, 'libvirt', 'disk_cachemodes'), undefined);
});

test('the other refusals of iniparser: no separator, empty key, bad headers, no section', () => {
  const kinds = (t: string) => parseIni(t).errors.map((e) => e.kind);
  assert.deepEqual(kinds('[DEFAULT]\njust words\n'), ['no-separator']);
  assert.deepEqual(kinds('[DEFAULT]\n= value\n'), ['empty-key']);
  assert.deepEqual(kinds('[libvirt] # compute\n'), ['section-end']);
  assert.deepEqual(kinds('[]\n'), ['empty-section']);
  assert.deepEqual(kinds('key = value\n[DEFAULT]\n'), ['no-section']);
  // A blank line or a comment closes the value: an indented line after it is refused.
  assert.deepEqual(kinds('[DEFAULT]\na = 1\n\n  b\n'), ['unexpected-continuation']);
  assert.deepEqual(kinds('[DEFAULT]\na = 1\n# c\n  b\n'), ['unexpected-continuation']);
  // An indented comment right under an option is more of its value, not a comment.
  assert.equal(value(parseIni('[DEFAULT]\na = 1\n  # c\n'), 'DEFAULT', 'a'), '1\n# c');
});

test('a header with a comment after it is read on as the section before the "]"', () => {
  const doc = parseIni('[libvirt] ; x\ndisk_cachemodes = file=none\n');
  assert.equal(entriesOf(doc, 'libvirt', 'disk_cachemodes').length, 1);
});

test('offsets point into the text, through quotes and continuation lines (UTF-16)', () => {
  const text = '[libvirt]\n# é😀\ndisk_cachemodes = "file=none, block=unsafe"\nimages_type:rbd\nx = a,\n\tb\n';
  const doc = parseIni(text);
  const e = entriesOf(doc, 'libvirt', 'disk_cachemodes')[0];
  assert.equal(text.slice(e.keyStart, e.keyEnd), 'disk_cachemodes');
  assert.equal(e.quote, '"');
  const items = parseCacheModes(e).items;
  assert.deepEqual(items.map((i) => text.slice(i.start, i.end)), ['file=none', 'block=unsafe']);
  assert.equal(text.slice(items[1].modeStart, items[1].modeEnd), 'unsafe');
  const x = entriesOf(doc, 'libvirt', 'x')[0];
  const at = valueOffsets(x);
  assert.equal(text[at(x.value.indexOf('b'))], 'b');
  assert.equal(text.slice(x.start, x.end), 'x = a,\n\tb');
  assert.equal(entriesOf(doc, 'libvirt', 'images_type')[0].sep, ':');
});

test('a value of one quote character is empty, as in Python', () => {
  assert.equal(value(parseIni('[DEFAULT]\na = "\n'), 'DEFAULT', 'a'), '');
  assert.equal(value(parseIni('[DEFAULT]\na = "x\'\n'), 'DEFAULT', 'a'), '"x\'');
});

test('Python whitespace, not JavaScript whitespace, is stripped', () => {
  // U+FEFF is not whitespace for Python: a key keeps it. U+001F is whitespace for Python.
  const doc = parseIni('[DEFAULT]\n\ufeffa = 1\nb = 2\u001f\n');
  assert.equal(doc.entries[0].key, '\ufeffa');
  assert.equal(value(doc, 'DEFAULT', 'b'), '2');
});

test('a lone CR ends a line, as Python universal newlines do', () => {
  const doc = parseIni('[libvirt]\rdisk_cachemodes = file=none\r');
  assert.equal(value(doc, 'libvirt', 'disk_cachemodes'), 'file=none');
});
