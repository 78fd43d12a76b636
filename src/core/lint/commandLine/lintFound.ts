// The front door of a dialect that finds shell commands in a file (Makefile recipes, Dockerfile
// instructions): a file that names none of our programs costs one regular-expression scan.
import type { Finding } from '../../types';
import type { ShellWord } from './shellWords';
import { INVOCATION_HINT, lintCommands } from './shellScript';

/** Lints the commands `find` reads from the text. Never throws. */
export function lintFound(text: string, find: (text: string) => ShellWord[][]): Finding[] {
  try {
    if (!INVOCATION_HINT.test(text)) return [];
    return lintCommands(find(text));
  } catch {
    // Built not to throw; this only keeps a bug from crashing the editor.
    return [];
  }
}
