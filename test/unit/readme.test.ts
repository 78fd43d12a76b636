// README.md must stay true: every rule with its default severity and page, every setting.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RULES, ruleDocPath } from '../../src/core/lint/rules';

const root = path.resolve(__dirname, '../../..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

test('README lists every rule with its default severity, and each rule has its page', () => {
  for (const r of RULES) {
    const row = readme.split('\n').find((l) => l.startsWith(`| [\`${r.id}\`](${ruleDocPath(r.id)})`));
    assert.ok(row, `README has no table row for ${r.id}`);
    assert.equal(row.split('|')[3].trim(), r.severity, `README's severity for ${r.id}`);
    assert.ok(fs.existsSync(path.join(root, ruleDocPath(r.id))), `missing ${ruleDocPath(r.id)}`);
  }
  const rows = readme.split('\n').filter((l) => /^\| \[`[a-z-]+`\]\(docs\/rules\//.test(l));
  assert.equal(rows.length, RULES.length, 'README lists a rule that is not in the registry');
});

test('README documents every setting the extension contributes', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  for (const key of Object.keys(pkg.contributes.configuration.properties)) {
    assert.ok(readme.includes(`\`${key}\``), `README does not mention setting ${key}`);
  }
});

test('README names the screenshots it shows, and they exist', () => {
  const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]);
  assert.ok(images.length >= 2);
  for (const img of images) assert.ok(fs.existsSync(path.join(root, img)), `missing ${img}`);
});
