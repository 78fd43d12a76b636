// The front door of a dialect that finds shell commands in a file (Makefile recipes, Dockerfile
// instructions): a file that names none of our programs costs one regular-expression scan.
import type { Finding } from '../../types';
import type { ShellWord } from './shellWords';
import { INVOCATION_HINT, lintCommands } from './shellScript';

/** Lints the commands `find` reads from the text; `mayRun` is the cheap test. Never throws. */
export function lintFound(text: string, find: (text: string) => ShellWord[][], mayRun = (t: string) => INVOCATION_HINT.test(t)): Finding[] {
  try {
    if (!mayRun(text)) return [];
    return lintCommands(find(text));
  } catch {
    // Built not to throw; this only keeps a bug from crashing the editor.
    return [];
  }
}
