// Runs the CLI for tests: in-process through main() (fast, no process per case) or as the
// built bundle `node dist/cli.js` when the process itself matters (exit code, signals).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(argv: string[], cwd: string, signal?: AbortSignal): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    cwd,
    signal,
  });
  return { code, stdout, stderr };
}

/** The bundle `npm test` builds before running the tests (out/test/helpers -> project root). */
export const CLI_BUNDLE = path.resolve(__dirname, '../../../dist/cli.js');

export function spawnCli(argv: string[], cwd: string): CliRun {
  const r = spawnSync(process.execPath, [CLI_BUNDLE, ...argv], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A fresh temp directory holding the given files (name -> content); removed by the caller. */
export function tempTree(files: Record<string, string | Uint8Array>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qdt-cli-'));
  for (const [name, content] of Object.entries(files)) {
    const full = path.join(dir, name);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, content);
  }
  return dir;
}
