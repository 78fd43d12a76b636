// What a command may touch of its process, passed in so tests can run the CLI in-process.

export interface Out {
  write(s: string): unknown;
}

export interface CliIO {
  stdout: Out;
  stderr: Out;
  cwd: string;
  /** stderr is a terminal: draw a live progress bar instead of plain lines. */
  stderrIsTTY?: boolean;
  /** Aborted on SIGINT/SIGTERM; commands stop like the editor's Cancel button. */
  signal?: AbortSignal;
}

/** A usage mistake: the command line itself is wrong. Exit 2. */
export class UsageError extends Error {}

export const EXIT = {
  ok: 0,
  findings: 1,
  failed: 1,
  usage: 2,
  sigint: 130,
  sigterm: 143,
} as const;

/** The exit code of a run cancelled by a signal: 128 + the signal's number, as shells report it. */
export function cancelledExit(signal: AbortSignal | undefined): number {
  return signal?.reason === 'SIGTERM' ? EXIT.sigterm : EXIT.sigint;
}
