// Real programs as the oracle for "QEMU starts" / "QEMU refuses": a refused start exits within
// milliseconds; an accepted one is still running after a short wait (then it is killed, with
// everything it started: make, the shell and QEMU are one process group).
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';

export const QEMU = 'qemu-system-x86_64';
export const hasQemu = spawnSync(QEMU, ['--version']).status === 0;
/** QEMU without a machine, display or monitor: only the drives are opened. */
export const QEMU_BARE = ['-machine', 'none', '-S', '-display', 'none', '-nodefaults', '-monitor', 'none'];

/** Whether the program is still running after `waitMs`: ok; or it exited first (refused), with its stderr. */
export function stillRunning(program: string, args: readonly string[], cwd?: string, waitMs = 1500): Promise<{ ok: boolean; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(program, args, { cwd, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      try {
        process.kill(-p.pid!, 'SIGKILL');
      } catch {
        p.kill('SIGKILL');
      }
      resolve({ ok: true, stderr });
    }, waitMs);
    p.on('exit', () => {
      clearTimeout(timer);
      resolve({ ok: false, stderr });
    });
  });
}

/** Whether QEMU starts with these arguments (drive words). */
export function qemuAccepts(args: readonly string[]): Promise<{ ok: boolean; stderr: string }> {
  return stillRunning(QEMU, [...QEMU_BARE, ...args]);
}

/**
 * The truth check of a dialect on one text: it has an error finding exactly when QEMU refuses the
 * arguments read from it (`argsOf`: what follows QEMU_BARE), and QEMU starts with the arguments of
 * the fix-all result.
 */
export async function assertQemuAgrees(text: string, fileName: string, argsOf: (text: string) => string[]): Promise<void> {
  const { fixAll, lint } = await import('../../src/core/lint/engine');
  const errors = lint(text, { fileName }).filter((f) => f.severity === 'error');
  const before = await qemuAccepts(argsOf(text));
  assert.equal(errors.length > 0, !before.ok, `${text}\nfindings ${errors.map((f) => f.rule)}, QEMU ${before.ok ? 'started' : `refused: ${before.stderr}`}`);
  const fixed = fixAll(text, { fileName }).text;
  if (fixed === text) return;
  const after = await qemuAccepts(argsOf(fixed));
  assert.ok(after.ok, `fixed:\n${fixed}\nQEMU refused: ${after.stderr}`);
}
