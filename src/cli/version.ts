// The package version, read at run time from the nearest package.json of this package, so the
// bundle (dist/cli.js) and the compiled tests (out/src/cli/) report the same number.
import * as fs from 'node:fs';
import * as path from 'node:path';

export const TOOL_NAME = 'qemu-disk-tools';

let cached: string | undefined;

export function toolVersion(): string {
  if (cached) return cached;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === TOOL_NAME && pkg.version) return (cached = pkg.version);
    } catch {
      // no package.json here; keep walking up
    }
    if (path.dirname(dir) === dir) return (cached = '0.0.0-unknown');
  }
}
