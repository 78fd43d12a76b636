// Real nova.conf files and templates from /work/shared/corpus/nova, read in place (never copied).
// Skipped with a reason when the corpus is absent. The expectations below were checked by reading
// each file (line numbers are 1-based, as an editor shows them).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detectKind, lint, preferredFix } from '../../src/core/lint/engine';
import { LineIndex, applyEdits } from '../../src/core/text';
import type { Finding } from '../../src/core/types';

import { CORPUS as FOUND, CORPUS_MISSING } from '../helpers/corpus';

const CORPUS = path.join(FOUND ?? '', 'nova');
const present = !!FOUND && fs.existsSync(CORPUS);
const SKIP = CORPUS_MISSING;

function read(name: string): { file: string; text: string; hadBom: boolean } {
  const file = path.join(CORPUS, name);
  const raw = fs.readFileSync(file, 'utf8');
  const hadBom = raw.charCodeAt(0) === 0xfeff;
  return { file, text: hadBom ? raw.slice(1) : raw, hadBom };
}

function lineOf(text: string, offset: number): number {
  return new LineIndex(text).positionAt(offset).line + 1;
}

/** The file with one line (1-based) replaced, as an operator might edit it. */
function withLine(text: string, line: number, replacement: string | undefined): string {
  const lines = text.split('\n');
  if (replacement === undefined) lines.splice(line - 1, 1);
  else lines[line - 1] = replacement;
  return lines.join('\n');
}

function rulesAt(text: string, fs_: Finding[]): string[] {
  return fs_.map((f) => `${lineOf(text, f.start)} ${f.rule}`);
}

test('corpus: every file detected as nova-conf lints without throwing, all ranges inside the file', (t) => {
  if (!present) return t.skip(SKIP);
  const names = fs.readdirSync(CORPUS).sort();
  let linted = 0;
  for (const name of names) {
    const { file, text, hadBom } = read(name);
    if (detectKind(file, text) !== 'nova-conf') continue;
    linted++;
    const found = lint(text, { fileName: file, hadBom });
    for (const f of found) {
      assert.ok(f.start >= 0 && f.start <= f.end && f.end <= text.length, `${name}: ${f.rule} ${f.start}-${f.end}`);
      for (const fix of f.fixes) assert.doesNotThrow(() => applyEdits(text, fix.edits), `${name}: ${fix.title}`);
    }
    // None of these files holds a literal mistake: the cache-mode values are template expressions
    // or, in kolla's libvirt.conf.j2, the correct "network=writeback"; the samples are all comments.
    assert.deepEqual(rulesAt(text, found), [], name);
  }
  assert.equal(linted, 22);
});

test('corpus: detectKind takes the nova.conf files and templates, not the YAML or the notes', (t) => {
  if (!present) return t.skip(SKIP);
  const kind = (name: string) => detectKind(path.join(CORPUS, name), read(name).text);
  for (const name of ['nova__nova.conf.sample@2014-03-19.conf', 'kolla-ansible__nova-cell__libvirt.conf.j2', 'cookbook-openstack-compute__nova.conf.erb', 'gen-oslo-openstack-helm__nova.conf.sample.helmtpl', 'charm-nova-compute__wallaby__nova-compute.conf.j2']) {
    assert.equal(kind(name), 'nova-conf', name);
  }
  for (const name of ['openstack-helm__nova__values.yaml', 'openstack-ansible-os_nova__defaults-main.yml', 'charm-nova-compute__config.yaml', 'PROVENANCE.txt']) {
    assert.equal(kind(name), undefined, name);
  }
  // By content alone (a name that says nothing), kolla's snippet is recognised by its [libvirt] options.
  assert.equal(detectKind('/tmp/x/libvirt.conf', read('kolla-ansible__nova-cell__libvirt.conf.j2').text), 'nova-conf');
});

test('corpus: kolla libvirt.conf.j2 quotes "network=writeback" (no finding); without that line, nova-rbd-cache', (t) => {
  if (!present) return t.skip(SKIP);
  const { file, text } = read('kolla-ansible__nova-cell__libvirt.conf.j2');
  assert.equal(text.split('\n')[14], 'disk_cachemodes="network=writeback"');
  assert.deepEqual(lint(text, { fileName: file }), []);
  const without = withLine(text, 15, undefined);
  const found = lint(without, { fileName: file });
  assert.deepEqual(rulesAt(without, found), ['11 nova-rbd-cache']);
  // A hint: its fix is offered, never preferred (fix-all leaves the file as it is).
  assert.equal(preferredFix(found[0]), undefined);
  const fixed = applyEdits(without, found[0].fixes[0].edits);
  assert.deepEqual(fixed.split('\n').slice(10, 12), ['images_type = rbd', 'disk_cachemodes = network=writeback']);
});

test('corpus: openstack-ansible sets images_type = rbd literally and disk_cachemodes by a variable: no hint', (t) => {
  if (!present) return t.skip(SKIP);
  const { file, text } = read('openstack-ansible-os_nova__nova.conf.j2');
  assert.equal(text.split('\n')[278], 'images_type = rbd');
  assert.equal(text.split('\n')[293], 'disk_cachemodes = {{ nova_libvirt_disk_cachemodes }}');
  assert.deepEqual(lint(text, { fileName: file }), []);
  const without = withLine(text, 294, undefined);
  assert.deepEqual(rulesAt(without, lint(without, { fileName: file })), ['279 nova-rbd-cache']);
});

test('corpus: the 2013 sample comments disk_cachemodes out in [DEFAULT]; uncommented it is never read', (t) => {
  if (!present) return t.skip(SKIP);
  const { file, text } = read('nova__nova.conf.sample@2013-05-31.conf');
  assert.equal(text.split('\n')[2048], '#disk_cachemodes=');
  assert.deepEqual(lint(text, { fileName: file }), []);
  const edited = withLine(text, 2049, 'disk_cachemodes=file=writethrough');
  const found = lint(edited, { fileName: file });
  assert.deepEqual(rulesAt(edited, found), ['2049 nova-cachemodes-section']);
  assert.equal(preferredFix(found[0])!.title, 'Move the line into a new [libvirt] section');
  // Its help text's example, pasted as a value into [libvirt], is a bracketed list Nova drops whole.
  const pasted = edited + '\n[libvirt]\ndisk_cachemodes=["file=directsync","block=none"]\n';
  assert.ok(rulesAt(pasted, lint(pasted, { fileName: file })).includes(`${pasted.split('\n').length - 1} nova-cachemodes-syntax`));
});

test('corpus: the 2014 sample has disk_cachemodes in [libvirt]; uncommented with writethrough it is flagged', (t) => {
  if (!present) return t.skip(SKIP);
  const { file, text } = read('nova__nova.conf.sample@2014-03-19.conf');
  assert.equal(text.split('\n')[2892], '#disk_cachemodes=');
  const edited = withLine(text, 2893, 'disk_cachemodes=file=writethrough');
  assert.deepEqual(rulesAt(edited, lint(edited, { fileName: file })), ['2893 nova-cachemodes-writethrough']);
});

test('corpus: the icehouse charm template sets disk_cachemodes inside [libvirt], not [DEFAULT]', (t) => {
  if (!present) return t.skip(SKIP);
  const { file, text } = read('charm-nova-compute__icehouse__nova.conf.j2');
  const lines = text.split('\n');
  assert.equal(lines[157], '[libvirt]');
  assert.equal(lines[177], 'disk_cachemodes = {{ disk_cachemodes }}');
  assert.deepEqual(lint(text, { fileName: file }), []);
  // Rendered with a literal value, the line is read from [libvirt]: the mode rule fires, not the section rule.
  const rendered = withLine(text, 178, 'disk_cachemodes = file=unsafe');
  assert.deepEqual(rulesAt(rendered, lint(rendered, { fileName: file })), ['178 nova-cachemodes-unsafe']);
});

test('corpus: the Helm template with {{ if }}#{{ end }} before each option gives nothing', (t) => {
  if (!present) return t.skip(SKIP);
  const { file, text } = read('gen-oslo-openstack-helm__nova.conf.sample.helmtpl');
  const line = text.split('\n')[6785];
  assert.match(line, /^\{\{ if not \.Values\.conf\.nova\.conf\.disk_cachemodes \}\}#\{\{ end \}\}disk_cachemodes = \{\{/);
  assert.deepEqual(lint(text, { fileName: file }), []);
});
