// Fix-all over every real file in the shared corpus, read as what it is and as each dialect, and
// over seeded mutations of it: no exception, every preferred fix edits inside the text without
// overlapping itself, fix-all's edits give its text, and a second fix-all changes nothing.
// QDT_FIXALL_MUTANTS (mutants per file and dialect, default 2) and QDT_FIXALL_SEED make a longer
// or different run: `QDT_FIXALL_MUTANTS=200 node --test out/test/unit/fixAllCorpus.test.js`.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detectKind, fixAll, lint, type LintRequest } from '../../src/core/lint/engine';
import { applyEdits } from '../../src/core/text';
import type { FileKind } from '../../src/core/types';
import { CORPUS, CORPUS_MISSING } from '../helpers/corpus';
import { random } from '../helpers/random';

const MUTANTS = Number(process.env.QDT_FIXALL_MUTANTS ?? 2);
const SEED = Number(process.env.QDT_FIXALL_SEED ?? 20261130);

function listFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : e.isFile() ? [path.join(dir, e.name)] : []))
    .sort();
}

// Lines that bring the shapes the fixes deal with: misplaced and indented disk_cachemodes,
// modes fix-all must or must not touch, comments that cut a value, section headers, typos,
// template branches (which turn the file into a template).
const NOVA_LINES = [
  'disk_cachemodes = file=unsafe,block=writethrough',
  '  disk_cachemodes = network=writeback',
  'disk_cachemodes = "file=none" # fast',
  'Disk_Cachemodes = file=writeback',
  'libvirt_disk_cachemodes = block=none',
  '# a comment',
  '  network=directsync',
  '[libvirt]',
  '[ libvirt ]',
  '[DEFAULT]',
  'images_type = rbd',
  'force_raw_images = False',
  '{% if ceph %}',
  '{% else %}',
  '{% endif %}',
  '',
];
const XML_SNIPPETS = [
  "<driver name='qemu' type='raw' cache='writeback '/>",
  "<driver name='qemu' cache='unsafe' io='native'/>",
  "<driver name='qemu' cache='Writethrough'/>",
  '<shareable/>',
  '<readonly/>',
  "<disk type='file' device='disk'><source file='/x.img'/></disk>",
  "<disk type='vhostvdpa'><source dev='/dev/vhost-vdpa-0'/></disk>",
  "<os><type machine='pc-i440fx-2.11'>hvm</type></os>",
  '<!-- qdt-disable-next-line -->',
  '</disk>',
  '<',
];

/** One cheap change of a text, picked by the generator: lines dropped, repeated, indented, moved, or a known shape inserted. */
function mutate(text: string, kind: FileKind, rnd: () => number): string {
  const lines = text.split('\n');
  const at = () => Math.floor(rnd() * (lines.length + 1));
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const steps = 1 + Math.floor(rnd() * 4);
  for (let s = 0; s < steps; s++) {
    switch (Math.floor(rnd() * 6)) {
      case 0: lines.splice(at(), 1); break;
      case 1: { const i = at(); if (i < lines.length) lines.splice(i, 0, lines[i]); break; }
      case 2: { const i = at(); if (i < lines.length) lines[i] = pick(['  ', '\t', '    ']) + lines[i]; break; }
      case 3: { const i = at(); const j = at(); if (i < lines.length && j < lines.length) [lines[i], lines[j]] = [lines[j], lines[i]]; break; }
      default: lines.splice(at(), 0, kind === 'nova-conf' ? pick(NOVA_LINES) : pick(XML_SNIPPETS));
    }
  }
  const out = lines.join('\n');
  return rnd() < 0.2 ? out.replace(/\n/g, '\r\n') : out;
}

function check(text: string, req: LintRequest, label: string): void {
  let findings;
  let r;
  try {
    findings = lint(text, req);
    r = fixAll(text, req);
  } catch (e) {
    assert.fail(`${label}: ${(e as Error).message}`);
  }
  for (const f of findings) {
    for (const fix of f.fixes.filter((x) => x.preferred)) {
      const sorted = [...fix.edits].sort((a, b) => a.start - b.start || a.end - b.end);
      sorted.forEach((e, i) => {
        assert.ok(0 <= e.start && e.start <= e.end && e.end <= text.length, `${label}: ${f.rule} '${fix.title}' edit ${e.start}-${e.end} outside the text (${text.length})`);
        assert.ok(i === 0 || sorted[i - 1].end <= e.start, `${label}: ${f.rule} '${fix.title}' edits overlap`);
      });
    }
  }
  assert.equal(applyEdits(text, r.edits), r.text, `${label}: fix-all's edits do not give its text`);
  const again = fixAll(r.text, req);
  assert.equal(again.fixed, 0, `${label}: a second fix-all applied ${again.fixed} more fixes`);
  assert.equal(again.text, r.text, `${label}: a second fix-all changed the text`);
}

test('fix-all on the corpus and seeded mutations of it: no exception, edits inside the text, a fixed point in one call', (t) => {
  if (!CORPUS) return t.skip(CORPUS_MISSING);
  const rnd = random(SEED);
  let runs = 0;
  for (const file of listFiles(CORPUS)) {
    const text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
    const rel = path.relative(CORPUS, file);
    const detected = detectKind(file, text);
    // As detected (with its own name: templates are read as templates), and as each dialect
    // under a plain name, the way a user who renames or pastes it would have it read.
    const reqs: LintRequest[] = [
      ...(detected ? [{ fileName: file }] : []),
      { fileName: '/etc/nova/nova.conf', kind: 'nova-conf' },
      { fileName: 'vm.xml', kind: 'domain-xml' },
    ];
    for (const req of reqs) {
      const kind = req.kind ?? detected!;
      check(text, req, `${rel} as ${req.kind ?? 'detected'} (seed ${SEED})`);
      runs++;
      for (let m = 0; m < MUTANTS; m++) {
        check(mutate(text, kind, rnd), req, `${rel} as ${req.kind ?? 'detected'}, mutant ${m} (seed ${SEED})`);
        runs++;
      }
    }
  }
  assert.ok(runs > 300, `only ${runs} runs`);
});
