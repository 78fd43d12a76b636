#!/usr/bin/env node
// `npm run try`: a browser VS Code on 127.0.0.1 with this extension and the examples/ workspace.
// On a fresh Debian/Ubuntu it installs what it needs (Debian packages, npm dependencies, Node 24
// and code-server in a cache folder), packages the extension, installs that .vsix into a fresh
// extensions folder, generates sample disk images with qemu-img, starts code-server and prints
// the URL. Ctrl+C stops code-server and every process it started.
//
//   npm run try                      any free port
//   QDT_TRY_PORT=8080 npm run try    a fixed port
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const say = (m) => process.stdout.write(`try: ${m}\n`);
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { cwd: repoRoot, stdio: 'inherit', ...opts });

// Our own dependencies first: codeServer.mjs loads playwright-core lazily, but npm ci is needed to build.
if (!fs.existsSync(path.join(repoRoot, 'node_modules/.bin/esbuild'))) {
  say('installing npm dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

const { setupEnv, freshProfile, installExtension, startCodeServer } = await import('../test/integration/codeServer.mjs');

say('checking Debian packages, Node 24 and code-server (first run: a few minutes)');
const env = setupEnv();

say('packaging the extension (npm run package)');
run('npm', ['run', '--silent', 'package'], { stdio: ['ignore', 'ignore', 'inherit'] });
const vsix = path.join(repoRoot, 'qemu-disk-tools.vsix');

const examples = path.join(repoRoot, 'examples');
makeSampleImages(path.join(examples, 'images'));

// User data persists between runs (.cache/try, ignored by git); extensions are installed afresh.
const profileRoot = path.join(repoRoot, '.cache/try');
fs.rmSync(path.join(profileRoot, 'extensions'), { recursive: true, force: true });
// The examples' README opens first and says what to try; the empty chat side bar stays closed.
const profile = freshProfile(profileRoot, {
  'workbench.colorTheme': 'Default Dark Modern',
  'workbench.startupEditor': 'readme',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
});
installExtension(env, profile, vsix);

const fixedPort = process.env.QDT_TRY_PORT ? Number(process.env.QDT_TRY_PORT) : undefined;
const server = await startCodeServer(env, profile, { trust: true, folder: examples, port: fixedPort });
let stopping = false;
const stop = async (code) => {
  if (stopping) return;
  stopping = true;
  say('stopping code-server');
  await server.stop();
  say('stopped; no process left behind');
  process.exit(code);
};
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
process.on('SIGHUP', () => void stop(0));
server.child.on('exit', (c, s) => {
  if (stopping) return;
  say(`code-server exited (${c ?? s}); its log: ${profile.log}`);
  void stop(1);
});

say('ready. Open this in your browser (Ctrl+C here to stop):');
process.stdout.write(`\n    ${server.url}/?folder=${encodeURIComponent(examples)}\n\n`);
say(`log: ${profile.log}`);
say('after changing the code, run `npm run try` again (it repackages), or "Developer: Reload Window".');

/**
 * Sample images for the explorer's "Convert Disk Image…" and "Show Disk Image Info": a small
 * qcow2 and raw (quick to convert), and a 1 GiB raw holding 1 GiB of data, which takes several
 * seconds to convert here (longer with compression): long enough to watch the progress
 * notification and press Cancel. Made once; examples/images/ is ignored by git.
 */
function makeSampleImages(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const qcow2 = path.join(dir, 'debian-sample.qcow2');
  if (!fs.existsSync(qcow2)) {
    say(`generating ${path.relative(repoRoot, qcow2)} with qemu-img`);
    const raw = path.join(dir, 'scratch.raw');
    writeData(raw, 64, 4);
    run('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'qcow2', raw, qcow2]);
    fs.renameSync(raw, path.join(dir, 'data-disk.raw'));
  }
  const large = path.join(dir, 'large-sample.raw');
  if (!fs.existsSync(large)) {
    say(`generating ${path.relative(repoRoot, large)} (1 GiB, to watch progress and Cancel)`);
    const part = `${large}.part`;
    writeData(part, 1024, 1);
    fs.renameSync(part, large);
  }
}

/** A raw file of `mib` MiB with data in every `every`-th MiB: half noise, half text, so compression has work to do. */
function writeData(file, mib, every) {
  const chunk = Buffer.alloc(1024 * 1024);
  let x = 12345;
  for (let i = 0; i < chunk.length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    chunk[i] = i % 4096 < 2048 ? (x >> 16) & 0xff : 0x41 + (i % 26);
  }
  const fd = fs.openSync(file, 'w');
  try {
    fs.ftruncateSync(fd, mib * 1024 * 1024);
    for (let m = 0; m < mib; m += every) fs.writeSync(fd, chunk, 0, chunk.length, m * 1024 * 1024);
  } finally {
    fs.closeSync(fd);
  }
}
