/// <reference types="mocha" />
// The editor and the CLI agree: for every file of the shared corpus, the diagnostics VS Code
// shows equal the findings of `node dist/cli.js lint --format json` (rule, severity, range,
// message). The corpus is read in place; without it the test is skipped with the reason.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DOMAIN_XML } from '../fixtures';
import { activateExtension, codeOf, itConfig, ours, skip, waitForDiagnostics, writeFixture } from '../support';

interface CliPos { line: number; character: number }
interface CliFinding {
  file: string;
  rule: string;
  severity: 'error' | 'warning' | 'info' | 'hint';
  message: string;
  range: { start: CliPos; end: CliPos };
}

const SEVERITY: Record<CliFinding['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

const key = (rule: string, sev: vscode.DiagnosticSeverity, s: CliPos, e: CliPos, message: string) =>
  `${rule} ${vscode.DiagnosticSeverity[sev]} ${s.line}:${s.character}-${e.line}:${e.character} ${message}`;

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? walk(p) : d.isFile() ? [p] : [];
  });
}

suite('editor and CLI agree', () => {
  suiteSetup(activateExtension);

  test('every corpus file: editor diagnostics = `lint --format json` findings', async function () {
    this.timeout(180_000);
    const { corpus, repoRoot } = itConfig();
    if (!corpus) skip(this, 'the shared corpus (../shared/corpus) is not present on this machine');
    const files = walk(corpus).sort();
    assert.ok(files.length > 50, `corpus has ${files.length} files`);

    // The CLI as CI runs it, on the project's Node (the extension host runs on code-server's).
    const cli = spawnSync('node', [path.join(repoRoot, 'dist/cli.js'), 'lint', '--format', 'json', ...files], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    assert.ok(cli.status === 0 || cli.status === 1, `CLI exit ${cli.status}: ${cli.stderr}`);
    const report = JSON.parse(cli.stdout) as { findings: CliFinding[] };
    const byFile = new Map<string, string[]>();
    for (const f of report.findings) {
      const abs = path.resolve(f.file);
      const list = byFile.get(abs) ?? [];
      list.push(key(f.rule, SEVERITY[f.severity], f.range.start, f.range.end, f.message));
      byFile.set(abs, list);
    }
    assert.ok(byFile.size > 10, `the CLI found something in ${byFile.size} files`);

    const mismatches: string[] = [];
    let compared = 0;
    for (const file of files) {
      const uri = vscode.Uri.file(file);
      const want = (byFile.get(file) ?? []).sort();
      const pending = want.length
        ? waitForDiagnostics(uri, (ds) => ds.length >= want.length, `${want.length} diagnostics`, 10_000).catch(() => undefined)
        : undefined;
      try {
        await vscode.workspace.openTextDocument(uri);
      } catch (e) {
        // VS Code does not open binary files as text; then the CLI must not report findings either.
        if (want.length) mismatches.push(`${file}: the editor cannot open it (${(e as Error).message}) but the CLI reports ${want.length} findings`);
        continue;
      }
      if (pending) await pending;
      compared++;
      if (!want.length) continue;
      const got = ours(uri)
        .map((d) => key(codeOf(d), d.severity, d.range.start, d.range.end, d.message))
        .sort();
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        mismatches.push(`${path.relative(corpus, file)}:\n  editor: ${got.join('\n          ')}\n  cli:    ${want.join('\n          ')}`);
      }
    }

    // Files where the CLI found nothing: a marker file opened last is linted after all of them
    // (each open schedules a lint in order), so by then any editor diagnostic would be there.
    const marker = writeFixture('agreement/marker.xml', DOMAIN_XML);
    await vscode.workspace.openTextDocument(marker);
    await waitForDiagnostics(marker, (ds) => ds.length === 12, 'the marker file');
    for (const file of files) {
      if (byFile.has(file)) continue;
      const got = ours(vscode.Uri.file(file));
      if (got.length) mismatches.push(`${path.relative(corpus, file)}: the CLI finds nothing, the editor shows ${got.map(codeOf).join(', ')}`);
    }
    assert.deepEqual(mismatches, []);
    assert.ok(compared >= files.length - 5, `compared ${compared} of ${files.length} files`);
  });
});
