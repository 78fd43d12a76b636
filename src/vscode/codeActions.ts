// Quick fixes for our diagnostics, "disable for this line", "show documentation", and
// source.fixAll.qemuDiskTools (the engine's fix-all, in one edit: one undo step, and a fixed
// point, so fix-on-save changes a file once).
import * as vscode from 'vscode';
import type { Finding, TextEdit } from '../core/types';
import { disableEdits, reasonSnippet } from './disableComment';
import { takesComments } from '../core/lint/suppress';
import { DiagnosticsController, rangeOf, ruleOf } from './diagnostics';
import { errorMessage, guarded, showFailure } from './notify';
import { isLiveDomain } from './liveDomains';

const FIX_ALL_KIND = vscode.CodeActionKind.SourceFixAll.append('qemuDiskTools');
import { SHOW_RULE_DOCS_COMMAND } from './ruleDocs';
export { SHOW_RULE_DOCS_COMMAND };
/** "Fix all" joins the quick fixes once there is more than the one fix already listed. */
const QUICK_FIX_ALL_MIN = 2;

function toWorkspaceEdit(doc: vscode.TextDocument, edits: readonly TextEdit[]): vscode.WorkspaceEdit {
  const we = new vscode.WorkspaceEdit();
  for (const e of edits) we.replace(doc.uri, rangeOf(doc, e.start, e.end), e.newText);
  return we;
}

/** The disable comment's edits; its reason is a snippet placeholder, selected once inserted. */
function disableWorkspaceEdit(doc: vscode.TextDocument, edits: readonly TextEdit[]): vscode.WorkspaceEdit {
  const we = new vscode.WorkspaceEdit();
  we.set(
    doc.uri,
    edits.map((e) => {
      const snippet = reasonSnippet(e.newText);
      const range = rangeOf(doc, e.start, e.end);
      if (snippet === undefined) return new vscode.TextEdit(range, e.newText);
      const edit = new vscode.SnippetTextEdit(range, new vscode.SnippetString(snippet));
      edit.keepWhitespace = true; // the comment has the element's indentation already
      return edit;
    }),
  );
  return we;
}

export class QemuCodeActionProvider implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = {
    providedCodeActionKinds: [vscode.CodeActionKind.QuickFix, FIX_ALL_KIND],
  };

  constructor(
    private readonly diagnostics: DiagnosticsController,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    return guarded(this.log, 'Code actions', () => this.actions(doc, context)) ?? [];
  }

  private actions(doc: vscode.TextDocument, context: vscode.CodeActionContext): vscode.CodeAction[] {
    // A live host's domain is read-only here: LiveDomains offers its fixes as virt-xml commands.
    if (isLiveDomain(doc)) return [];
    const only = context.only;
    if (only && FIX_ALL_KIND.intersects(only) && !vscode.CodeActionKind.QuickFix.intersects(only)) {
      return this.fixAllAction(doc);
    }
    const ours = context.diagnostics.filter((d) => ruleOf(d) !== undefined);
    if (ours.length === 0) return [];
    const result = this.diagnostics.current(doc);
    if (!result) return [];

    const text = doc.getText();
    const eol = doc.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
    const actions: vscode.CodeAction[] = [];
    const disabled = new Set<string>();
    const documented = new Set<string>();
    for (const diag of ours) {
      const rule = ruleOf(diag)!;
      const start = doc.offsetAt(diag.range.start);
      const end = doc.offsetAt(diag.range.end);
      const finding = result.findings.find((f) => f.rule === rule && f.start === start && f.end === end);
      if (finding) actions.push(...fixActions(doc, finding, diag));

      // A JSON Packer template has no comments to hold a suppression.
      const disable = takesComments(result.kind, text) ? disableEdits(text, result.kind, rule, start, eol) : undefined;
      const key = JSON.stringify(disable?.edits);
      if (disable && !disabled.has(key)) {
        disabled.add(key);
        const a = new vscode.CodeAction(disable.title, vscode.CodeActionKind.QuickFix);
        a.edit = disableWorkspaceEdit(doc, disable.edits);
        a.diagnostics = [diag];
        actions.push(a);
      }
      if (!documented.has(rule)) {
        documented.add(rule);
        const a = new vscode.CodeAction(`Show documentation for ${rule}`, vscode.CodeActionKind.QuickFix);
        a.command = { command: SHOW_RULE_DOCS_COMMAND, title: a.title, arguments: [rule] };
        a.diagnostics = [diag];
        actions.push(a);
      }
    }
    // The same edit as source.fixAll, in the Ctrl+. menu too, where people look for it.
    const all = this.fixAllAction(doc, vscode.CodeActionKind.QuickFix, QUICK_FIX_ALL_MIN);
    for (const a of all) a.diagnostics = ours;
    actions.push(...all);
    if (!only || FIX_ALL_KIND.intersects(only)) actions.push(...this.fixAllAction(doc));
    return actions;
  }

  private fixAllAction(doc: vscode.TextDocument, kind = FIX_ALL_KIND, minFixes = 1): vscode.CodeAction[] {
    const result = this.diagnostics.fixAll(doc);
    if (!result || result.edits.length === 0 || result.fixed < minFixes) return [];
    const title = kind === FIX_ALL_KIND ? vscode.l10n.t('Fix all auto-fixable cache-mode problems') : vscode.l10n.t('Fix all QEMU Disk Tools problems in this file');
    const a = new vscode.CodeAction(title, kind);
    a.edit = toWorkspaceEdit(doc, result.edits);
    return [a];
  }
}

function fixActions(doc: vscode.TextDocument, finding: Finding, diag: vscode.Diagnostic): vscode.CodeAction[] {
  return finding.fixes.map((fix) => {
    const a = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
    a.edit = toWorkspaceEdit(doc, fix.edits);
    a.diagnostics = [diag];
    a.isPreferred = fix.preferred === true;
    return a;
  });
}

export const FIX_ALL_COMMAND = 'qemuDiskTools.fixAll';

/**
 * "Fix all cache-mode problems in this file": the engine's fix-all (every preferred fix of a
 * finding at warning or above, re-linted until none is left), applied as one edit so that one
 * undo takes it back. Takes the document's uri (tests, or a menu) or acts on the active editor.
 * Returns the number of fixes applied, or the error message.
 */
export async function fixAllCommand(diagnostics: DiagnosticsController, log: vscode.LogOutputChannel, uri?: vscode.Uri): Promise<number | string> {
  try {
    return await fixAllIn(diagnostics, uri);
  } catch (err) {
    return showFailure(log, vscode.l10n.t('Fix all failed: {0}', errorMessage(err)), err);
  }
}

async function fixAllIn(diagnostics: DiagnosticsController, uri?: vscode.Uri): Promise<number> {
  const doc = uri instanceof vscode.Uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
  if (!doc) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Open a file QEMU Disk Tools reads (a domain XML, nova.conf, a script, a Proxmox VM config, …) first, then run Fix all again.'));
    return 0;
  }
  if (!diagnostics.kindOf(doc)) {
    void vscode.window.showInformationMessage(vscode.l10n.t('{0} is not a kind of file QEMU Disk Tools reads (the README lists them): nothing to fix.', doc.fileName));
    return 0;
  }
  const result = diagnostics.fixAll(doc);
  let fixed = 0;
  let shown = 0;
  if (result && result.edits.length > 0 && (await vscode.workspace.applyEdit(toWorkspaceEdit(doc, result.edits)))) ({ fixed, shown } = result);
  await diagnostics.lintNow(doc);
  // What the Problems panel lists: hints only show as dots in the editor.
  const left = diagnostics.current(doc)?.findings.filter((f) => f.severity !== 'hint').length ?? 0;
  // Whole sentences per count, so that a translation never has to assemble English plurals.
  const tail = left === 0 ? '' : left === 1 ? vscode.l10n.t(' 1 problem left that needs a decision: see the Problems panel.') : vscode.l10n.t(' {0} problems left that need a decision: see the Problems panel.', left);
  const applied =
    fixed === 0
      ? vscode.l10n.t('No automatic fix to apply.')
      : fixed === shown
        ? fixed === 1 ? vscode.l10n.t('Applied 1 fix.') : vscode.l10n.t('Applied {0} fixes.', fixed)
        : vscode.l10n.t('Applied {0} fixes for the {1} problems shown.', fixed, shown);
  void vscode.window.showInformationMessage(applied + tail);
  return fixed;
}
