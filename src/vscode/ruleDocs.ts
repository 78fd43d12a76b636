// Documentation pages packaged with the extension (docs/rules/<id>.md, docs/qemu-img.md), shown
// rendered in the Markdown preview; the public page when the packaged one is missing.
import * as vscode from 'vscode';
import { DOCS_URL_BASE, RULES, ruleDocPath, ruleInfo } from '../core/lint/rules';

export const SHOW_RULE_DOCS_COMMAND = 'qemuDiskTools.showRuleDocs';

/** How to install qemu-img, per platform: what the "How to Install qemu-img" button opens. */
export const INSTALL_DOC = 'docs/qemu-img.md';

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * The diagnostic code link of a rule: a command URI, so that the Problems panel opens the rendered
 * page (its links run command URIs) rather than the packaged Markdown as an editable text file.
 */
export function ruleDocsCommandUri(rule: string): vscode.Uri {
  return vscode.Uri.parse(`command:${SHOW_RULE_DOCS_COMMAND}?${encodeURIComponent(JSON.stringify([rule]))}`);
}

/** Opens a packaged page (path relative to the extension) in the preview. Returns the uri shown. */
export async function showDoc(extensionUri: vscode.Uri, log: vscode.LogOutputChannel, relPath: string): Promise<string> {
  const local = vscode.Uri.joinPath(extensionUri, relPath);
  try {
    await vscode.workspace.fs.stat(local);
    await vscode.commands.executeCommand('markdown.showPreview', local);
    return local.toString();
  } catch (err) {
    log.warn(`Page ${local.fsPath} could not be shown here (${messageOf(err)}); opening the public page.`);
  }
  const remote = vscode.Uri.parse(DOCS_URL_BASE + relPath);
  try {
    await vscode.env.openExternal(remote);
  } catch (err) {
    // The user declined the "open external website" prompt, or no browser: not an error of ours.
    log.info(`Public page ${remote.toString()} not opened: ${messageOf(err)}`);
  }
  return remote.toString();
}

/** Opens a rule's page; asks which rule when none is given. Returns the uri shown, or undefined. */
export async function showRuleDocs(extensionUri: vscode.Uri, log: vscode.LogOutputChannel, rule?: unknown): Promise<string | undefined> {
  let id = typeof rule === 'string' ? rule : undefined;
  if (!id) {
    const pick = await vscode.window.showQuickPick(
      RULES.map((r) => ({ label: r.id, description: r.severity, detail: r.title })),
      { title: vscode.l10n.t('QEMU Disk Tools rules'), placeHolder: vscode.l10n.t('Rule to read about'), matchOnDetail: true },
    );
    id = pick?.label;
  }
  if (!id) return undefined;
  if (!ruleInfo(id)) {
    void vscode.window.showErrorMessage(vscode.l10n.t('There is no QEMU Disk Tools rule named "{0}".', id));
    return undefined;
  }
  return showDoc(extensionUri, log, ruleDocPath(id));
}
