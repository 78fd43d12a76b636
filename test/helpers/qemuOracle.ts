// Real programs as the oracle for "QEMU starts" / "QEMU refuses": a refused start exits within
// milliseconds; an accepted one is still running after a short wait (then it is killed, with
// everything it started: make, the shell and QEMU are one process group).
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
