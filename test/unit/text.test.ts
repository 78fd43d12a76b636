import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { LineIndex, applyEdits, eolOf } from '../../src/core/text';

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
