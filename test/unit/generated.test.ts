// Files generated from the rule registry must be regenerated when a rule changes
// (`npm run generate`): the settings schema, the README table and the config-file schema.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIG_SCHEMA_PATH, L10N_BUNDLE_PATH, configSchemaText, l10nBundleText, withReadmeTable, withRulesNls, withRulesSetting } from '../../scripts/generate';
import { parseConfig, ConfigError } from '../../src/core/lint/ruleConfig';

const root = path.resolve(__dirname, '../../..');
const read = (rel: string) => fs.readFileSync(path.join(root, rel), 'utf8');
const stale = (rel: string) => `${rel} is stale: run \`npm run generate\` and commit the result`;

test('package.json, README.md and the config schema are what the registry generates', () => {
  assert.equal(read('package.json'), withRulesSetting(read('package.json')), stale('package.json'));
  assert.equal(read('package.nls.json'), withRulesNls(read('package.nls.json')), stale('package.nls.json'));
  assert.equal(read('README.md'), withReadmeTable(read('README.md')), stale('README.md'));
  assert.equal(read(CONFIG_SCHEMA_PATH), configSchemaText(), stale(CONFIG_SCHEMA_PATH));
  assert.equal(read(L10N_BUNDLE_PATH), l10nBundleText(root), stale(L10N_BUNDLE_PATH));
});

test('the runtime strings bundle is declared and holds what the editor code asks vscode.l10n for', () => {
  const pkg = JSON.parse(read('package.json'));
  assert.equal(pkg.l10n, './l10n');
  const bundle = JSON.parse(read(L10N_BUNDLE_PATH));
  assert.equal(bundle['not crash-safe'], 'not crash-safe');
  assert.equal(bundle['{0} of {1} rules on'], '{0} of {1} rules on');
  // The bundle is read from single-quoted literals: any other first argument would be missed.
  const dir = path.join(root, 'src/vscode');
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    const calls = text.match(/l10n\.t\(/g)?.length ?? 0;
    const literal = text.match(/l10n\.t\(\s*'/g)?.length ?? 0;
    assert.equal(literal, calls, `${f}: pass vscode.l10n.t a single-quoted string literal first`);
  }
});

test('the editor validates .qemu-disk-tools.json with the generated schema, and the schema ships', () => {
  const pkg = JSON.parse(read('package.json'));
  const entry = pkg.contributes.jsonValidation.find((v: { fileMatch: string }) => v.fileMatch === '.qemu-disk-tools.json');
  assert.equal(path.normalize(entry.url), path.normalize(`./${CONFIG_SCHEMA_PATH}`));
  assert.match(read('.vscodeignore'), /^!schemas\/\*\*$/m, '.vscodeignore must ship the schema in the .vsix');
});

test('the schema and the config reader agree: a key the schema refuses is refused by the CLI too', () => {
  const schema = JSON.parse(read(CONFIG_SCHEMA_PATH));
  assert.equal(schema.additionalProperties, false);
  assert.throws(() => parseConfig('{"rule": {"cache-unsafe": "off"}}', 'x/.qemu-disk-tools.json'), (e: Error) =>
    e instanceof ConfigError && /x\/\.qemu-disk-tools\.json: unknown key 'rule'/.test(e.message));
  assert.deepEqual(parseConfig('{"$schema": "./s.json", "rules": {"cache-unsafe": "off"}}', 'f'), { 'cache-unsafe': 'off' });
});
