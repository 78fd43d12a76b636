// The real qemu-system-x86_64 as the oracle for which command-line options QEMU refuses at start.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fixAll, lint } from '../../src/core/lint/engine';
import { shellCommands } from '../../src/core/lint/commandLine/shellWords';
import type { Finding } from '../../src/core/types';

export const QEMU = 'qemu-system-x86_64';
export const hasQemu = spawnSync(QEMU, ['--version']).status === 0;

/** Whether QEMU starts with these option words: refused = exits with an error; accepted = still running after 1.5 s. */
export function qemuAccepts(args: string[]): Promise<{ ok: boolean; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(QEMU, ['-machine', 'none', '-S', '-display', 'none', '-nodefaults', '-monitor', 'none', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      resolve({ ok: true, stderr });
    }, 1500);
    p.on('exit', () => {
      clearTimeout(timer);
      resolve({ ok: false, stderr });
    });
  });
}

/**
 * For each value of `option` (-drive, -blockdev): QEMU refuses it exactly when the script line
 * gets an error finding, and starts with the line fix-all leaves, which has no finding that
 * `stillWrong` picks (by default: no error).
 */
export async function assertQemuAgrees(
  option: string,
  values: readonly string[],
  fileName: string,
  stillWrong: (f: Finding) => boolean = (f) => f.severity === 'error',
): Promise<void> {
  for (const v of values) {
    // Single-quoted as a script would write a JSON -blockdev.
    const text = `${QEMU} -machine none ${option} '${v}'\n`;
    const errors = lint(text, { fileName }).filter((f) => f.severity === 'error');
    const before = await qemuAccepts([option, v]);
    assert.equal(errors.length > 0, !before.ok, `${v}: findings ${errors.map((f) => f.rule)}, QEMU ${before.ok ? 'started' : `refused: ${before.stderr}`}`);
    const fixed = fixAll(text, { fileName }).text;
    if (fixed === text) continue;
    const words = shellCommands(fixed)[0].words.map((w) => w.value);
    const after = await qemuAccepts(words.slice(3));
    assert.ok(after.ok, `fixed ${words.at(-1)}: QEMU refused: ${after.stderr}`);
    assert.deepEqual(lint(fixed, { fileName }).filter(stillWrong), [], `fixed ${words.at(-1)}`);
  }
}
