import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { fixAll, fixAllGroups, lint } from '../../src/core/lint';

// The editor's "Fix all" command and the CLI's --fix both report how many fixes they applied.
test('fix all counts a move as one fix, however many edits it takes', () => {
  const fileName = '/etc/nova/nova.conf';
  const text = '[DEFAULT]\ndisk_cachemodes = file=none\ndebug = true\n\n[libvirt]\nvirt_type = kvm\n';
  const groups = fixAllGroups(lint(text, { fileName }));
  assert.equal(groups.length, 1);
  assert.ok(groups[0].length > 1, 'the move is a deletion and an insertion');
  const r = fixAll(text, { fileName });
  assert.equal(r.fixed, 1);
  assert.equal(r.text, '[DEFAULT]\ndebug = true\n\n[libvirt]\nvirt_type = kvm\ndisk_cachemodes = file=none\n');
});
