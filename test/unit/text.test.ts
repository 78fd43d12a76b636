import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { LineIndex, applyEdits, composeEdits, eolOf, nonOverlapping } from '../../src/core/text';
import type { TextEdit } from '../../src/core/types';
import { random } from '../helpers/random';

test('LineIndex maps offsets to lines with LF, CRLF and lone CR', () => {
  const idx = new LineIndex('ab\r\ncd\nef\rg');
  assert.deepEqual(idx.positionAt(0), { line: 0, character: 0 });
  assert.deepEqual(idx.positionAt(4), { line: 1, character: 0 });
  assert.deepEqual(idx.positionAt(7), { line: 2, character: 0 });
  assert.deepEqual(idx.positionAt(10), { line: 3, character: 0 });
  assert.equal(idx.lineEnd(0), 2);
  assert.equal(idx.lineCount, 4);
});

test('applyEdits applies in offset order and refuses overlaps', () => {
  assert.equal(applyEdits('abcdef', [{ start: 4, end: 5, newText: 'X' }, { start: 0, end: 1, newText: 'YY' }]), 'YYbcdXf');
  assert.throws(() => applyEdits('abcdef', [{ start: 0, end: 3, newText: '' }, { start: 2, end: 4, newText: '' }]));
});

test('eolOf reports the line break in use', () => {
  assert.equal(eolOf('a\r\nb\r\n'), '\r\n');
  assert.equal(eolOf('a\nb'), '\n');
});

/** Random non-overlapping edits on a text (insertions, deletions, replacements, some at one point). */
function randomEdits(text: string, rnd: () => number): TextEdit[] {
  const edits: TextEdit[] = [];
  let pos = 0;
  while (pos <= text.length && edits.length < 6) {
    const start = pos + Math.floor(rnd() * 4);
    if (start > text.length) break;
    const end = Math.min(text.length, start + Math.floor(rnd() * 3));
    edits.push({ start, end, newText: 'xyz'.slice(0, Math.floor(rnd() * 4)) });
    pos = rnd() < 0.2 ? end : end + 1; // sometimes a later edit starts where this one ends
  }
  return edits;
}

test('composeEdits: one list of edits on the original text does what two passes did', () => {
  const rnd = random(20261130);
  for (let i = 0; i < 2000; i++) {
    const text0 = 'abcdefghij'.slice(0, Math.floor(rnd() * 11));
    const first = randomEdits(text0, rnd);
    const text1 = applyEdits(text0, first);
    const second = randomEdits(text1, rnd);
    const text2 = applyEdits(text1, second);
    const composed = composeEdits(text0, first, second);
    const label = JSON.stringify({ text0, first, second, composed });
    assert.equal(applyEdits(text0, composed), text2, label);
    // Sorted, and none touching another: the order an editor applies them in cannot matter.
    for (let k = 1; k < composed.length; k++) assert.ok(composed[k - 1].end < composed[k].start, label);
  }
});

test('composeEdits merges insertions at one point into one edit, in the order given', () => {
  const edits = composeEdits('ab', [], [{ start: 1, end: 1, newText: 'X' }, { start: 1, end: 1, newText: 'Y' }]);
  assert.deepEqual(edits, [{ start: 1, end: 1, newText: 'XY' }]);
});

test('nonOverlapping takes every insertion at one point, skips overlapping groups and groups that overlap themselves', () => {
  const ins = (at: number, t: string): TextEdit => ({ start: at, end: at, newText: t });
  const groups = nonOverlapping([[ins(5, 'a')], [ins(5, 'b')], [{ start: 4, end: 6, newText: '' }], [{ start: 0, end: 3, newText: '' }, { start: 2, end: 2, newText: 'z' }]]);
  assert.deepEqual(groups, [[ins(5, 'a')], [ins(5, 'b')]]);
  assert.equal(applyEdits('0123456789', groups.flat()), '01234ab56789');
});
