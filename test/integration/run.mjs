#!/usr/bin/env node
// Runs the integration suites inside a real VS Code extension host: code-server (VS Code 1.139
// on Node 24) on 127.0.0.1, driven by headless Debian Chromium. Each run gets a fresh profile
// (user data, extensions, HOME) and a fresh copy of the fixture workspace; code-server's
// process group is killed at the end whatever happened. Exit 1 on any failing test, a run that
// did not report, or a timeout.
//
//   node test/integration/run.mjs                 all runs
//   node test/integration/run.mjs trusted vsix    only these runs
//
// Runs:
//   trusted    the extension from this folder (extensionDevelopmentPath), workspace trusted
//   untrusted  same, with workspace trust on: the folder opens in Restricted Mode
//   vsix       `npm run package`, then `code-server --install-extension` of that .vsix; the
//              extension under test is the installed one (a stub is the development extension)
//   ui         scripts/screenshots.mjs into a temp folder: Problems panel, quick-fix menu,
//              explorer menu, a conversion's progress notification and its Cancel, completion,
//              the language status and its Open Settings, Lint Workspace and its task, the walkthrough
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freshProfile, killGroup, launchChromium, repoRoot, setupEnv, startCodeServer, tail, tempRoot, installExtension } from './codeServer.mjs';

const RUN_TIMEOUT_MS = Number(process.env.QDT_IT_TIMEOUT_MS || 240_000);
const compiled = path.join(repoRoot, 'out/test/integration');

/** Servers running now, stopped on Ctrl+C / SIGTERM too. */
const active = new Set();

const RUNS = {
  trusted: { trust: true, suites: (process.env.QDT_IT_SUITES ?? 'diagnostics,codeActions,language,settings,convert,agreement,liveDomains,conventions').split(',') },
  untrusted: { trust: false, suites: ['untrusted'] },
  vsix: { trust: true, suites: ['vsix'], vsix: true },
  // A person's view through the browser: `npm run screenshots` into a temp folder.
  ui: { ui: true },
};

function log(msg) {
  process.stdout.write(`[integration] ${msg}\n`);
}

function copyDir(from, to) {
  fs.cpSync(from, to, { recursive: true });
}

/** The "ui" run: scripts/screenshots.mjs, each of its checks counted as a test. */
function runUi() {
  const started = Date.now();
  const out = tempRoot('qdt-it-ui-');
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts/screenshots.mjs'), '--out', out], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: RUN_TIMEOUT_MS,
  });
  fs.rmSync(out, { recursive: true, force: true });
  const tests = [];
  for (const line of (r.stdout ?? '').split('\n')) {
    const m = /^screenshots: (ok {5}|MISSING) (.*)$/.exec(line);
    if (m) tests.push({ title: `ui ${m[2]}`, state: m[1] === 'MISSING' ? 'failed' : 'passed' });
  }
  const failed = tests.filter((t) => t.state === 'failed').length + (r.status === 0 || tests.some((t) => t.state === 'failed') ? 0 : 1);
  if (r.status !== 0) log(`ui: screenshots.mjs exited ${r.status ?? r.signal}:\n${(r.stdout ?? '').split('\n').slice(-15).join('\n')}\n${r.stderr ?? ''}`);
  const results = { passed: tests.length - tests.filter((t) => t.state === 'failed').length, failed, skipped: 0, tests };
  return { name: 'ui', ok: r.status === 0 && failed === 0 && tests.length > 0, results, seconds: ((Date.now() - started) / 1000).toFixed(1) };
}

async function runOne(name, env) {
  const spec = RUNS[name];
  if (spec.ui) return runUi();
  const root = tempRoot(`qdt-it-${name}-`);
  try {
    return await runIn(name, spec, env, root);
  } finally {
    if (!process.env.QDT_IT_KEEP) fs.rmSync(root, { recursive: true, force: true });
    else log(`kept ${root}`);
  }
}

/** One run in its own folder `root` (profile, workspace copy, results, logs). */
async function runIn(name, spec, env, root) {
  const started = Date.now();
  const workspace = path.join(root, 'workspace');
  copyDir(path.join(repoRoot, 'test/integration/workspace'), workspace);
  const resultsFile = path.join(root, 'results.json');
  // The suites read their run's settings from here (the workspace is their only sure channel).
  fs.writeFileSync(
    path.join(workspace, '.qdt-it.json'),
    JSON.stringify({ run: name, suites: spec.suites, resultsFile, repoRoot, corpus: findCorpus(), expectTrusted: spec.trust }, null, 2),
  );
  const profile = freshProfile(root);

  let devPath = repoRoot;
  if (spec.vsix) {
    // Exactly what `npm run package` ships, built offline.
    const vsix = path.join(repoRoot, 'qemu-disk-tools.vsix');
    fs.rmSync(vsix, { force: true });
    log('vsix: npm run package');
    execFileSync('npm', ['run', '--silent', 'package'], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
    log(`vsix: code-server --install-extension ${path.basename(vsix)}`);
    installExtension(env, profile, vsix);
    // A development extension must be given for the test payload; a stub with another id keeps
    // the installed extension the one that runs.
    devPath = path.join(repoRoot, 'test/integration/stub-extension');
  }

  const server = await startCodeServer(env, profile, { trust: spec.trust, smokeTestDriver: true });
  active.add(server);
  let browser;
  try {
    browser = await launchChromium(env, { profile });
    const page = await browser.newPage();
    const logs = [];
    let resolveExit;
    const exited = new Promise((r) => (resolveExit = r));
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      logs.push(`${type}: ${Array.isArray(args) ? args.join(' ') : String(args)}`);
    });
    await page.exposeFunction('codeAutomationExit', (code) => resolveExit(code));
    page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
    const payload = [
      ['extensionDevelopmentPath', server.remote(devPath)],
      ['extensionTestsPath', server.remote(compiled)],
    ];
    const url = `${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    await page.goto(url);
    let timer;
    const timeout = new Promise((r) => (timer = setTimeout(() => r('timeout'), RUN_TIMEOUT_MS)));
    const code = await Promise.race([exited, timeout]);
    clearTimeout(timer);
    const results = readResults(resultsFile);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (code === 'timeout') {
      log(`${name}: TIMEOUT after ${RUN_TIMEOUT_MS / 1000} s`);
      dumpLogs(logs, profile);
      return { name, ok: false, results, seconds };
    }
    if (!results) {
      log(`${name}: the test run exited with ${code} and wrote no results`);
      dumpLogs(logs, profile);
      return { name, ok: false, results: { passed: 0, failed: 1, skipped: 0, tests: [] }, seconds };
    }
    const ok = code === 0 && results.failed === 0 && results.passed > 0;
    if (!ok) dumpLogs(logs, profile);
    return { name, ok, results, seconds };
  } finally {
    await browser?.close().catch(() => {});
    await server.stop();
    active.delete(server);
  }
}

/** The shared corpus of real-world files, read in place (never copied); undefined when absent. */
function findCorpus() {
  const candidates = [process.env.QDT_CORPUS, path.resolve(repoRoot, '../shared/corpus'), '/work/shared/corpus'];
  return candidates.find((d) => d && fs.existsSync(d));
}

function readResults(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function dumpLogs(logs, profile) {
  const interesting = logs
    .map((l) => l.split('\n')[0])
    .filter((l) => /error|fail|exception|qemu/i.test(l) && !/gallery|127\.0\.0\.1:9\b/i.test(l))
    .slice(-30);
  if (interesting.length) log(`workbench log (filtered):\n  ${interesting.join('\n  ')}`);
  log(`code-server log tail:\n${tail(profile.log, 30)}`);
}

function printResults(r) {
  for (const t of r.results?.tests ?? []) {
    const mark = t.state === 'passed' ? 'ok  ' : t.state === 'skipped' ? 'skip' : 'FAIL';
    log(`  ${mark} ${t.title}${t.state === 'skipped' && t.reason ? ` # SKIP ${t.reason}` : ''}${t.duration ? ` (${t.duration} ms)` : ''}`);
    if (t.error) log(`       ${t.error.split('\n').join('\n       ')}`);
  }
}

async function main() {
  const wanted = process.argv.slice(2);
  for (const w of wanted) if (!RUNS[w]) throw new Error(`unknown run "${w}"; runs: ${Object.keys(RUNS).join(', ')}`);
  const names = wanted.length ? wanted : Object.keys(RUNS);
  if (!fs.existsSync(path.join(compiled, 'index.js'))) throw new Error(`${compiled}/index.js is missing: run \`npm run compile\` first`);
  if (!fs.existsSync(path.join(repoRoot, 'dist/extension.js'))) throw new Error('dist/extension.js is missing: run `npm run build` first');

  const t0 = Date.now();
  const env = setupEnv();
  log(`environment ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (${env.dir})`);
  const outcomes = [];
  for (const name of names) {
    log(`run "${name}"`);
    let r;
    try {
      r = await runOne(name, env);
    } catch (e) {
      log(`${name}: ${e.stack || e}`);
      r = { name, ok: false, results: { passed: 0, failed: 1, skipped: 0, tests: [] }, seconds: '-' };
    }
    printResults(r);
    log(`run "${name}": ${r.ok ? 'ok' : 'FAILED'} in ${r.seconds} s`);
    outcomes.push(r);
  }
  const sum = (k) => outcomes.reduce((n, r) => n + (r.results?.[k] ?? 0), 0);
  const ok = outcomes.every((r) => r.ok);
  log(`total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  // The plain closing line that CI reads.
  process.stdout.write(`integration: ${sum('passed')} passed, ${sum('failed')} failed, ${sum('skipped')} skipped\n`);
  process.exitCode = ok ? 0 : 1;
}

// Ctrl+C / SIGTERM: stop every code-server process group before leaving.
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    void Promise.all([...active].map((s) => killGroup(s.child, 1000))).finally(() => process.exit(130));
  });
}

main().catch((e) => {
  log(e.stack || String(e));
  process.stdout.write('integration: 0 passed, 1 failed\n');
  process.exitCode = 1;
});
