// The domain XML rules on real-world files, read in place from the shared corpus (never copied
// into the project). Skipped, with the reason, where the corpus is absent.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lint } from '../../src/core/lint/engine';
import { LineIndex } from '../../src/core/text';
import type { Finding } from '../../src/core/types';

import { CORPUS as FOUND, CORPUS_MISSING } from '../helpers/corpus';

const CORPUS = FOUND ?? '';
const present = !!FOUND && fs.existsSync(path.join(CORPUS, 'libvirt'));
const SKIP = CORPUS_MISSING;

function read(rel: string): string {
  return fs.readFileSync(path.join(CORPUS, rel), 'utf8');
}

function lintFile(rel: string): { text: string; findings: Finding[]; lines: LineIndex } {
  const text = read(rel);
  return { text, findings: lint(text, { fileName: path.join(CORPUS, rel) }), lines: new LineIndex(text) };
}

const lineOf = (lines: LineIndex, offset: number) => lines.positionAt(offset).line;
const linesWith = (text: string, re: RegExp) => text.split('\n').flatMap((l, i) => (re.test(l) ? [i] : []));

test('virt-install-many-devices: io="native" without a cache mode is refused; NUMA and CPU cache lines are left alone', (t) => {
  if (!present) return t.skip(SKIP);
  const { text, findings, lines } = lintFile('libvirt-other/virt-manager__virt-install-many-devices.xml');
  const nativeNoCache = linesWith(text, /io="native"/).filter((l) => !/cache=/.test(text.split('\n')[l]));
  assert.equal(nativeNoCache.length, 1);
  const io = findings.filter((f) => f.rule === 'io-native-needs-direct');
  assert.deepEqual(io.map((f) => [lineOf(lines, f.start), text.slice(f.start, f.end)]), [[nativeNoCache[0], 'native']]);
  const cacheLines = new Set([...linesWith(text, /<latency|<bandwidth|<cache\b|<cachetune/)]);
  assert.ok(cacheLines.size >= 4);
  for (const f of findings) assert.ok(!cacheLines.has(lineOf(lines, f.start)), `${f.rule} on line ${lineOf(lines, f.start) + 1}`);
});

test('change-disk-out (a Xen domain) gets no finding', (t) => {
  if (!present) return t.skip(SKIP);
  const { text, findings } = lintFile('libvirt-other/virt-manager__change-disk-out.xml');
  assert.match(text, /<domain type="xen">/);
  assert.match(text, /cache=/);
  assert.deepEqual(findings, []);
});

test('libvirt disk-cache.xml: unsafe, writethrough and directsync flagged; writeback and none at most a hint', (t) => {
  if (!present) return t.skip(SKIP);
  const { text, findings, lines } = lintFile('libvirt/disk-cache.xml');
  const lineOfMode = (mode: string) => linesWith(text, new RegExp(`cache='${mode}'`))[0];
  const on = (mode: string) => findings.filter((f) => lineOf(lines, f.start) === lineOfMode(mode));
  assert.ok(on('unsafe').some((f) => f.rule === 'cache-unsafe' && text.slice(f.start, f.end) === 'unsafe'));
  assert.ok(on('writethrough').some((f) => f.rule === 'cache-writethrough'));
  assert.ok(on('directsync').some((f) => f.rule === 'cache-directsync'));
  for (const mode of ['writeback', 'none']) {
    for (const f of on(mode)) assert.equal(f.severity, 'hint', `${f.rule} on the ${mode} disk`);
  }
});

test('libvirt disk-shared-qcow.xml, which libvirt refuses to parse, gets shareable-format on its qcow2 format', (t) => {
  if (!present) return t.skip(SKIP);
  assert.match(read('libvirt/EXPECTED-FAILURES.txt'), /^disk-shared-qcow\tDO_TEST_CAPS_LATEST_PARSE_ERROR/m);
  const { text, findings } = lintFile('libvirt/disk-shared-qcow.xml');
  const f = findings.filter((x) => x.rule === 'shareable-format');
  assert.deepEqual(f.map((x) => [x.severity, text.slice(x.start, x.end)]), [['error', 'qcow2']]);
});

test('vdsm disk_devices.xml, a rootless list of <disk> elements, is linted disk by disk', (t) => {
  if (!present) return t.skip(SKIP);
  const { text, findings, lines } = lintFile('libvirt-other/vdsm__virt__data__disk_devices.xml');
  const rbdDisks = (text.match(/protocol="rbd"/g) ?? []).length;
  assert.ok(rbdDisks > 0);
  assert.equal(findings.filter((f) => f.rule === 'rbd-cache-none').length, rbdDisks);
  const wt = findings.filter((f) => f.rule === 'cache-writethrough');
  assert.deepEqual(wt.map((f) => lineOf(lines, f.start)), linesWith(text, /cache="writethrough"/));
});

test('every XML in the corpus lints without throwing, with every range inside its file', (t) => {
  if (!present) return t.skip(SKIP);
  let files = 0;
  for (const dir of ['libvirt', 'libvirt-other']) {
    for (const name of fs.readdirSync(path.join(CORPUS, dir)).filter((n) => n.endsWith('.xml'))) {
      const text = read(path.join(dir, name));
      // Detected kind, and forced (diffs and rootless disk lists are not detected as domain XML).
      for (const kind of [undefined, 'domain-xml'] as const) {
        for (const f of lint(text, { fileName: name, kind })) {
          assert.ok(f.start >= 0 && f.start <= f.end && f.end <= text.length, `${name}: ${f.rule} ${f.start}-${f.end}`);
          for (const fix of f.fixes) for (const e of fix.edits) assert.ok(e.start >= 0 && e.end <= text.length, `${name}: ${fix.title}`);
          for (const r of f.related ?? []) assert.ok(r.end <= text.length);
        }
      }
      files++;
    }
  }
  assert.ok(files >= 90, `only ${files} XML files found`);
});
