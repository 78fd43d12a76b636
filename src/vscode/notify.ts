// Failures: logged in full, shown in one sentence with a "Show log" button.
import * as vscode from 'vscode';
import type { Remedy } from '../core/remedy';
import { editorMessage, type RemedyAction } from './remedyText';
import { INSTALL_DOC, showDoc } from './ruleDocs';

export const SHOW_LOG = vscode.l10n.t('Show Log');

/**
 * The extension's log channel. Once disposed (the extension stopped) further calls are dropped:
 * the channel would throw "Channel has been closed", and a conversion or lint finishing late
 * must not fail for its log line (in a child process's event handler that would be uncaught).
 */
export function createLog(name: string): vscode.LogOutputChannel {
  const channel = vscode.window.createOutputChannel(name, { log: true });
  let disposed = false;
  return new Proxy(channel, {
    get(target, prop) {
      if (prop === 'dispose') {
        return () => {
          disposed = true;
          target.dispose();
        };
      }
      const value: unknown = Reflect.get(target, prop);
      if (typeof prop !== 'string' || !CHANNEL_OUTPUT.has(prop) || typeof value !== 'function') return value;
      return (...args: unknown[]) => (disposed ? undefined : value.apply(target, args));
    },
  });
}
const CHANNEL_OUTPUT = new Set(['trace', 'debug', 'info', 'warn', 'error', 'append', 'appendLine', 'replace', 'clear', 'show', 'hide']);

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** For the log: the stack of an Error (it starts with the message), else the value. */
export function errorDetail(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

/** The stderr of qemu-img that a ConvertError or QemuImgError carries, for the log. */
export function stderrOf(err: unknown): string | undefined {
  const stderr = (err as { stderr?: unknown } | null | undefined)?.stderr;
  return typeof stderr === 'string' && stderr.trim() !== '' ? stderr.trimEnd() : undefined;
}

/** Logs (with the stack of an unexpected error) and shows `message`; returns it for the command's caller. */
export function showFailure(log: vscode.LogOutputChannel, message: string, err?: unknown): string {
  log.error(err instanceof Error && err.stack ? `${message}\n${err.stack}` : message);
  void vscode.window.showErrorMessage(message, SHOW_LOG).then((pick) => pick && log.show(true));
  return message;
}

/**
 * Shows an engine error with what to do about it in editor words: the remedies' sentences, and
 * their buttons (Open Settings, How to Install qemu-img) next to Show Log. Returns the text shown.
 */
export function showRemedied(log: vscode.LogOutputChannel, extensionUri: vscode.Uri, message: string, remedies: readonly Remedy[]): string {
  const { text, buttons } = editorMessage(message, remedies, vscode.l10n);
  log.error(text);
  void vscode.window.showErrorMessage(text, ...buttons.map((b) => b.label), SHOW_LOG).then((pick) => {
    if (pick === SHOW_LOG) log.show(true);
    const chosen = buttons.find((b) => b.label === pick);
    if (chosen) void runRemedy(extensionUri, log, chosen.action);
  });
  return text;
}

/** Opens what a remedy button points at. */
export async function runRemedy(extensionUri: vscode.Uri, log: vscode.LogOutputChannel, action: RemedyAction): Promise<void> {
  if (action.kind === 'install-help') {
    await showDoc(extensionUri, log, INSTALL_DOC);
    return;
  }
  // Machine-scoped settings live in the user settings, or the remote machine's in a remote window
  // (code-server, SSH, WSL, containers): open the tab where the setting can be changed.
  const command = vscode.env.remoteName ? 'workbench.action.openRemoteSettings' : 'workbench.action.openSettings';
  await vscode.commands.executeCommand(command, { query: `@id:${action.key}` });
}

/** Runs a provider's body; a bug in it is logged instead of surfacing as an extension-host error. */
export function guarded<T>(log: vscode.LogOutputChannel, what: string, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    log.error(`${what} failed: ${errorDetail(err)}`);
    return undefined;
  }
}
