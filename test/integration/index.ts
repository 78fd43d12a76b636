/// <reference types="mocha" />
// The extensionTestsPath module: VS Code calls run() inside the extension host. It runs the
// mocha (tdd) suites that the launcher named in the workspace's .qdt-it.json and writes each
// test's outcome to the results file that the launcher reads.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import { itConfig, skipReasons } from './support';

interface TestOutcome {
  title: string;
  state: 'passed' | 'failed' | 'skipped';
  duration?: number;
  error?: string;
  reason?: string;
}

export function run(): Promise<void> {
  const cfg = itConfig();
  const mocha = new Mocha({ ui: 'tdd', timeout: 60_000, color: false, reporter: 'spec' });
  for (const s of cfg.suites) mocha.addFile(path.join(__dirname, 'suite', `${s}.test.js`));
  const tests: TestOutcome[] = [];
  const write = (): void => {
    const count = (s: TestOutcome['state']): number => tests.filter((t) => t.state === s).length;
    const summary = { run: cfg.run, passed: count('passed'), failed: count('failed'), skipped: count('skipped'), tests };
    fs.writeFileSync(cfg.resultsFile, JSON.stringify(summary, null, 2));
  };
  return new Promise((resolve, reject) => {
    let runner: Mocha.Runner;
    try {
      runner = mocha.run((failures) => {
        write();
        if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
        else resolve();
      });
    } catch (e) {
      tests.push({ title: 'loading the suites', state: 'failed', error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      write();
      reject(e);
      return;
    }
    runner.on('pass', (t) => tests.push({ title: t.fullTitle(), state: 'passed', duration: t.duration }));
    runner.on('fail', (t, err: Error) => tests.push({ title: t.fullTitle(), state: 'failed', error: err.stack ?? err.message }));
    runner.on('pending', (t) => tests.push({ title: t.fullTitle(), state: 'skipped', reason: skipReasons.get(t.fullTitle()) }));
  });
}
