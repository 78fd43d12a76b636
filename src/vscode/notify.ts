// Failures: logged in full, shown in one sentence with a "Show log" button.
import * as vscode from 'vscode';

export const SHOW_LOG = 'Show log';

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

/** Runs a provider's body; a bug in it is logged instead of surfacing as an extension-host error. */
export function guarded<T>(log: vscode.LogOutputChannel, what: string, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    log.error(`${what} failed: ${errorDetail(err)}`);
    return undefined;
  }
}
