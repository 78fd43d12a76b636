// Failures: logged in full, shown in one sentence with a "Show log" button.
import * as vscode from 'vscode';

export const SHOW_LOG = 'Show log';

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

/** Runs a provider's body; a bug in it is logged instead of surfacing as an extension-host error. */
export function guarded<T>(log: vscode.LogOutputChannel, what: string, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    log.error(`${what} failed: ${errorDetail(err)}`);
    return undefined;
  }
}
