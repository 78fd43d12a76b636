// The real qemu-system-x86_64 as the oracle for which -drive / -blockdev values QEMU refuses at
// start (qemuOracle.ts runs it), checked one option value at a time against the script rules.
import * as assert from 'node:assert/strict';
import { fixAll, lint } from '../../src/core/lint/engine';
import { shellCommands } from '../../src/core/lint/commandLine/shellWords';
import type { Finding } from '../../src/core/types';
import { QEMU, qemuAccepts } from './qemuOracle';

export { hasQemu, QEMU, qemuAccepts } from './qemuOracle';

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
