/// <reference types="mocha" />
// Settings change what is reported, at once: per-rule severity and the lint switch.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { DOMAIN_XML } from '../fixtures';
import { activateExtension, closeAll, codeOf, openAndWait, waitForDiagnostics, writeFixture } from '../support';

const config = () => vscode.workspace.getConfiguration('qemuDiskTools');
const sev = (ds: vscode.Diagnostic[], code: string) => ds.find((d) => codeOf(d) === code)?.severity;

suite('settings', () => {
  suiteSetup(activateExtension);
  teardown(async () => {
    await config().update('rules', undefined, vscode.ConfigurationTarget.Workspace);
    await config().update('lint.enable', undefined, vscode.ConfigurationTarget.Workspace);
    await closeAll();
  });

  test('qemuDiskTools.rules: a severity override and "off" update the open file', async () => {
    const uri = writeFixture('settings/domain.xml', DOMAIN_XML);
    await openAndWait(uri, (ds) => ds.length === 12, '12 findings');

    await config().update('rules', { 'cache-unsafe': 'error', 'migration-cache': 'off' }, vscode.ConfigurationTarget.Workspace);
    const ds = await waitForDiagnostics(
      uri,
      (d) => sev(d, 'cache-unsafe') === vscode.DiagnosticSeverity.Error && !d.some((x) => codeOf(x) === 'migration-cache'),
      'cache-unsafe as Error and migration-cache off',
    );
    assert.equal(ds.length, 11);
    assert.equal(sev(ds, 'cache-writethrough'), vscode.DiagnosticSeverity.Warning, 'other rules keep their default');

    await config().update('rules', undefined, vscode.ConfigurationTarget.Workspace);
    await waitForDiagnostics(uri, (d) => d.length === 12 && sev(d, 'cache-unsafe') === vscode.DiagnosticSeverity.Warning, 'defaults back');
  });

  test('qemuDiskTools.lint.enable false clears the diagnostics; true brings them back', async () => {
    const uri = writeFixture('settings/enable.xml', DOMAIN_XML);
    await openAndWait(uri, (ds) => ds.length === 12, '12 findings');
    await config().update('lint.enable', false, vscode.ConfigurationTarget.Workspace);
    await waitForDiagnostics(uri, (d) => d.length === 0, 'diagnostics cleared');
    await config().update('lint.enable', true, vscode.ConfigurationTarget.Workspace);
    await waitForDiagnostics(uri, (d) => d.length === 12, 'diagnostics back');
  });
});
