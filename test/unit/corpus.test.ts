// Every real-world file in the shared corpus through the CLI's JSON output and through the core
// engine directly: no exception, the same findings, every range inside its file.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detectKind, fixAll, lint } from '../../src/core/lint/engine';
import type { Finding } from '../../src/core/types';
import type { JsonFinding, JsonReport } from '../../src/cli/report';
import { runCli } from '../helpers/cliRun';

import { CORPUS as FOUND, CORPUS_MISSING } from '../helpers/corpus';

const CORPUS = FOUND ?? '';

function listFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : e.isFile() ? [path.join(dir, e.name)] : []))
    .sort();
}

/** What a finding is, in comparable form: from the engine (offsets) or the CLI (JSON). */
const fromCore = (f: Finding) => ({
  rule: f.rule,
  severity: f.severity,
  message: f.message,
  start: f.start,
  end: f.end,
  fixes: f.fixes.map((x) => ({ title: x.title, preferred: x.preferred === true, edits: x.edits.map((e) => [e.start, e.end, e.newText]) })),
});
const fromCli = (f: JsonFinding) => ({
  rule: f.rule,
  severity: f.severity,
  message: f.message,
  start: f.range.start.offset,
  end: f.range.end.offset,
  fixes: f.fixes.map((x) => ({ title: x.title, preferred: x.preferred, edits: x.edits.map((e) => [e.range.start.offset, e.range.end.offset, e.newText]) })),
});

test('corpus: the CLI and the engine agree on every file, and every range is inside its file', async (t) => {
  if (!FOUND) {
    t.skip(CORPUS_MISSING);
    return;
  }
  const files = listFiles(CORPUS);
  const rel = files.map((f) => path.relative(CORPUS, f));
  const r = await runCli(['lint', '--no-config', '--format', 'json', ...rel], CORPUS);
  assert.notEqual(r.code, 2, `the CLI could not read every corpus file:\n${r.stderr}`);
  const report = JSON.parse(r.stdout) as JsonReport;
  assert.deepEqual(report.errors, []);

  for (const [i, file] of files.entries()) {
    await t.test(rel[i], () => {
      const text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
      const kind = detectKind(file, text);
      const core = lint(text, { fileName: file });
      const cli = report.findings.filter((f) => f.file === rel[i]);
      assert.equal(report.files.some((f) => f.file === rel[i]), kind !== undefined, 'linted exactly when the engine knows the kind');
      assert.deepEqual(cli.map(fromCli), core.map(fromCore));
      for (const f of core) {
        const inside = (s: number, e: number) => 0 <= s && s <= e && e <= text.length;
        assert.ok(inside(f.start, f.end), `${f.rule} range ${f.start}-${f.end} outside the text (${text.length})`);
        for (const x of f.fixes) for (const e of x.edits) assert.ok(inside(e.start, e.end), `${f.rule} fix '${x.title}' edit outside the text`);
        for (const rel of f.related ?? []) assert.ok(inside(rel.start, rel.end), `${f.rule} related location outside the text`);
      }
      // Fix-all must not throw (overlapping edits are a rule bug) and its result must lint again.
      if (kind) lint(fixAll(text, { fileName: file }).text, { fileName: file });
    });
  }
});
