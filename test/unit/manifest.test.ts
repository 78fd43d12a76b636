// package.json's settings list every rule of the registry, so the Settings editor offers them all.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RULES } from '../../src/core/rules';

const root = path.resolve(__dirname, '..', '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

test('qemuDiskTools.rules lists each rule with its default severity and a description', () => {
  const props = pkg.contributes.configuration.properties['qemuDiskTools.rules'].properties;
  assert.deepEqual(Object.keys(props).sort(), RULES.map((r) => r.id).sort());
  for (const r of RULES) {
    assert.equal(props[r.id].default, r.severity, r.id);
    assert.deepEqual(props[r.id].enum, ['error', 'warning', 'info', 'hint', 'off'], r.id);
    assert.ok(props[r.id].markdownDescription.includes(r.title), r.id);
  }
});

test('every command the menus name is contributed, and qemuImgPath is restricted in untrusted workspaces', () => {
  const commands = new Set(pkg.contributes.commands.map((c: { command: string }) => c.command));
  for (const items of Object.values(pkg.contributes.menus) as { command: string }[][]) {
    for (const m of items) assert.ok(commands.has(m.command), m.command);
  }
  assert.equal(pkg.contributes.configuration.properties['qemuDiskTools.qemuImgPath'].scope, 'machine-overridable');
  assert.ok(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('qemuDiskTools.qemuImgPath'));
});
