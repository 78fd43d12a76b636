// The rule count the editor's language status shows: rules of the file's kind that are not off.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { RULES, activeRules, rulesOfKind } from '../../src/core/lint/rules';

test('every rule of a kind is on by default; "off" in the settings or the config file turns one off', () => {
  const xml = rulesOfKind('domain-xml');
  const nova = rulesOfKind('nova-conf');
  // Every rule reads at least one kind, and Nova's rules read nova.conf alone.
  assert.ok(RULES.every((r) => r.kinds.length > 0));
  assert.ok(nova.every((r) => r.kinds.length === 1));
  assert.equal(new Set([...xml, ...nova, ...rulesOfKind('shell-script'), ...rulesOfKind('systemd-unit'), ...rulesOfKind('proxmox-vm'), ...rulesOfKind('kubevirt-yaml'), ...rulesOfKind('packer')]).size, RULES.length);
  assert.equal(activeRules('domain-xml').length, xml.length);
  assert.equal(activeRules('nova-conf').length, nova.length);
  const fewer = activeRules('domain-xml', { 'migration-cache': 'off', 'cache-unsafe': 'error', 'nova-rbd-cache': 'off' });
  assert.equal(fewer.length, xml.length - 1, 'a Nova rule set off does not count against domain XML');
  assert.ok(!fewer.some((r) => r.id === 'migration-cache'));
});
