// Folding findings past a cap (lint/fold.ts): the one fix that stands for many applies whole fixes
// only (never half a move), the same text as applying those fixes one by one, and all of them
// when none overlaps another. Seeded random fixes on a short text, so overlaps are common.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { FoldedFindings, combineFixes } from '../../src/core/lint/fold';
import { LineIndex, applyEdits } from '../../src/core/text';
import type { Finding, TextEdit } from '../../src/core/types';
import { random } from '../helpers/random';

const TEXT = 'abcdefghij\nklmnopqrst\nuvwxyz0123\n';

function randomFix(rnd: () => number): TextEdit[] {
  const edits: TextEdit[] = [];
  for (let n = 1 + Math.floor(rnd() * 3); n > 0; n--) {
    const start = Math.floor(rnd() * TEXT.length);
    const end = rnd() < 0.3 ? start : Math.min(TEXT.length, start + Math.floor(rnd() * 4));
    edits.push({ start, end, newText: rnd() < 0.5 ? '' : String.fromCharCode(65 + Math.floor(rnd() * 26)) });
  }
  return edits;
}

test('combineFixes: sorted edits that never overlap, the text of the fixes it takes applied one by one', () => {
  const rnd = random(7);
  for (let round = 0; round < 2000; round++) {
    const groups = Array.from({ length: 1 + Math.floor(rnd() * 6) }, () => randomFix(rnd));
    const { edits, taken } = combineFixes(groups);
    edits.forEach((e, i) => assert.ok(e.start <= e.end && (i === 0 || edits[i - 1].end < e.start), JSON.stringify(edits)));
    // Whole fixes only: the combined edits give the text of the taken fixes' edits together.
    const together = taken.flatMap((i) => groups[i]);
    assert.equal(applyEdits(TEXT, edits), applyEdits(TEXT, together), JSON.stringify({ groups, taken }));
    // The first fix is never left out unless it overlaps itself.
    const ownOverlap = (g: TextEdit[]) => {
      const s = [...g].sort((a, b) => a.start - b.start || a.end - b.end);
      return s.some((e, i) => i > 0 && s[i - 1].end > e.start);
    };
    if (!ownOverlap(groups[0])) assert.ok(taken.includes(0));
  }
});

test('combineFixes: fixes that do not overlap are all taken, touching edits merged into one', () => {
  const groups = [[{ start: 0, end: 2, newText: '' }], [{ start: 2, end: 4, newText: 'X' }], [{ start: 8, end: 8, newText: 'Y' }, { start: 20, end: 22, newText: '' }], [{ start: 8, end: 8, newText: 'Z' }]];
  const { edits, taken } = combineFixes(groups);
  assert.deepEqual(taken, [0, 1, 2, 3]);
  assert.deepEqual(edits, [{ start: 0, end: 4, newText: 'X' }, { start: 8, end: 8, newText: 'YZ' }, { start: 20, end: 22, newText: '' }]);
  assert.equal(applyEdits(TEXT, edits), applyEdits(TEXT, groups.flat()));
});

test('FoldedFindings: one finding, at the first, saying how many; its fix applies every preferred fix', () => {
  const fold = new FoldedFindings(2);
  const lines = TEXT.split('\n');
  for (let i = 0; i < 3; i++) {
    const start = TEXT.indexOf(lines[i]);
    const f: Finding = { rule: 'nova-cachemodes-duplicate', severity: 'warning', message: `line ${i + 1} is wrong.`, start, end: start + 1, fixes: [{ title: 'Drop the first letter', edits: [{ start, end: start + 1, newText: '' }], preferred: true }, { title: 'Other', edits: [] }] };
    fold.add(f);
  }
  const f = fold.finding(() => new LineIndex(TEXT))!;
  assert.equal(f.start, 0);
  assert.equal(f.message, 'line 1 is wrong. This finding also stands for 2 more like it, up to line 3: past 2 findings, a rule\'s findings are not listed one by one. Its fix applies to all of them.');
  assert.deepEqual(f.fixes.map((x) => [x.title, !!x.preferred]), [['Drop the first letter (all 3)', true], ['Other', false]]);
  assert.equal(applyEdits(TEXT, f.fixes[0].edits), 'bcdefghij\nlmnopqrst\nvwxyz0123\n');
  assert.equal(new FoldedFindings(2).finding(() => new LineIndex(TEXT)), undefined);
  // Fixes of different kinds (a line removed, an item removed) are named as what they are.
  const mixed = new FoldedFindings(0);
  for (const title of ['Remove this line', 'Remove the earlier item']) mixed.add({ ...f, fixes: [{ title, edits: [], preferred: true }] });
  mixed.add({ ...f, start: 11, fixes: [{ title: 'Remove this line', edits: [{ start: 11, end: 12, newText: '' }], preferred: true }] });
  assert.equal(mixed.finding(() => new LineIndex(TEXT))!.fixes[0].title, "Apply each finding's own fix (all 3)");
});
