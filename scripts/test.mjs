#!/usr/bin/env node
// `npm test`: everything from a fresh clone. Installs what is missing (npm packages with
// `npm ci`; Debian packages when run as root or with password-less sudo, else a message naming
// them; Node 24 + code-server in a cache folder, via the integration launcher), then compiles,
// builds and runs the unit tests and the integration tests in a real VS Code. Each long step
// says what it does and how long it took, so a cold first run is never silent.
//
//   npm test                       everything
//   QDT_SKIP_INTEGRATION=1 npm test   unit tests only (a quick loop while editing)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const started = Date.now();
const say = (m) => process.stdout.write(`test: ${m}\n`);

function step(title, cmd, args) {
  const t0 = Date.now();
  say(`${title}…`);
  const r = spawnSync(cmd, args, { cwd: repoRoot, stdio: 'inherit' });
  const secs = ((Date.now() - t0) / 1000).toFixed(0);
  if (r.status !== 0) {
    say(`${title} failed after ${secs} s (exit ${r.status ?? r.signal}).`);
    process.exit(r.status || 1);
  }
  say(`${title}: done in ${secs} s`);
}

// Debian packages first: the unit tests run the real qemu-img. The script names what is
// missing and how to install it when it cannot install it itself.
step('checking Debian packages (qemu-utils, libvirt-clients, …)', 'bash', ['scripts/install-system-deps.sh']);
if (!fs.existsSync(path.join(repoRoot, 'node_modules/.bin/tsc'))) {
  step('installing npm dependencies (npm ci, about a minute on a cold machine)', 'npm', ['ci', '--no-audit', '--no-fund']);
}
step('compiling (tsc)', 'npm', ['run', '--silent', 'compile']);
step('bundling (esbuild)', 'npm', ['run', '--silent', 'build']);
step('unit tests', 'npm', ['run', '--silent', 'test:unit']);
if (process.env.QDT_SKIP_INTEGRATION === '1') {
  say('integration tests skipped (QDT_SKIP_INTEGRATION=1): this run is NOT a full pass');
} else {
  step('integration tests in a real VS Code (first run installs code-server: several minutes)', 'npm', ['run', '--silent', 'test:integration']);
}
say(`all passed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
