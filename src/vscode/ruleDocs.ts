// "Show documentation for <rule>": the rule's page packaged with the extension, in the Markdown
// preview; the public page when the packaged one is missing.
import * as vscode from 'vscode';
import { RULES, ruleDocPath, ruleDocUrl, ruleInfo } from '../core/rules';
import { errorMessage } from './notify';

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
  const local = vscode.Uri.joinPath(extensionUri, ruleDocPath(id));
  try {
    await vscode.workspace.fs.stat(local);
    await vscode.commands.executeCommand('markdown.showPreview', local);
    return local.toString();
  } catch (err) {
    log.warn(`Rule page ${local.fsPath} could not be shown here (${errorMessage(err)}); opening the public page.`);
  }
  const remote = vscode.Uri.parse(ruleDocUrl(id));
  try {
    await vscode.env.openExternal(remote);
  } catch (err) {
    // The user declined the "open external website" prompt, or no browser: not an error of ours.
    log.info(`Public rule page ${remote.toString()} not opened: ${errorMessage(err)}`);
  }
  return remote.toString();
}
