/// <reference types="mocha" />
// Helpers shared by the integration suites: the run's settings, waiting on diagnostics events
// instead of sleeping, fixture files in the run's own workspace copy, real qemu-img.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

export interface ItConfig {
  run: string;
  suites: string[];
  resultsFile: string;
  repoRoot: string;
  /** The shared corpus folder, when present. */
  corpus?: string;
  expectTrusted: boolean;
}

export const EXTENSION_ID = 'qemu-disk-tools.qemu-disk-tools';
export const SOURCE = 'qemu-disk-tools';

export function workspaceDir(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  if (!f) throw new Error('the integration run opened no workspace folder');
  return f.uri.fsPath;
}

let cached: ItConfig | undefined;
export function itConfig(): ItConfig {
  cached ??= JSON.parse(fs.readFileSync(path.join(workspaceDir(), '.qdt-it.json'), 'utf8')) as ItConfig;
  return cached;
}

/** Reasons for skipped tests, by full title: the launcher prints them. */
export const skipReasons = new Map<string, string>();

export function skip(ctx: Mocha.Context, reason: string): never {
  const t = ctx.test ?? ctx.currentTest;
  if (t) skipReasons.set(t.fullTitle(), reason);
  ctx.skip();
  throw new Error('unreachable');
}

export async function activateExtension(): Promise<vscode.Extension<unknown>> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not installed in this VS Code`);
  await ext.activate();
  return ext;
}

/** A file in the workspace copy of this run, written fresh. */
export function writeFixture(rel: string, text: string): vscode.Uri {
  const p = path.join(workspaceDir(), rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  return vscode.Uri.file(p);
}

export function ours(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === SOURCE);
}

export function codeOf(d: vscode.Diagnostic): string {
  const c = d.code;
  return typeof c === 'object' && c !== null ? String(c.value) : String(c);
}

/**
 * Resolves when `pred` holds for our diagnostics of `uri`, checked now and on every
 * onDidChangeDiagnostics event; rejects after `ms` with what was last seen.
 */
export function waitForDiagnostics(
  uri: vscode.Uri,
  pred: (ds: vscode.Diagnostic[]) => boolean,
  what: string,
  ms = 20_000,
): Promise<vscode.Diagnostic[]> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const ds = ours(uri);
      if (!pred(ds)) return false;
      cleanup();
      resolve(ds);
      return true;
    };
    const sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((u) => u.toString() === uri.toString())) check();
    });
    const timer = setTimeout(() => {
      cleanup();
      const seen = ours(uri).map((d) => `${codeOf(d)}@${d.range.start.line}:${d.range.start.character}`);
      reject(new Error(`timed out after ${ms} ms waiting for ${what} on ${path.basename(uri.fsPath)}; last seen: [${seen.join(', ')}]`));
    }, ms);
    const cleanup = (): void => {
      clearTimeout(timer);
      sub.dispose();
    };
    check();
  });
}

/** Diagnostics as compact comparable rows: code, severity name, range. */
export function rows(ds: readonly vscode.Diagnostic[]): string[] {
  return ds
    .map((d) => `${codeOf(d)} ${vscode.DiagnosticSeverity[d.severity]} ${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}`)
    .sort();
}

/** Range of the n-th (0-based) occurrence of `needle` in `doc`. */
export function rangeOfText(doc: vscode.TextDocument, needle: string, nth = 0): vscode.Range {
  const text = doc.getText();
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`"${needle}" (#${nth}) not found in ${path.basename(doc.fileName)}`);
  }
  return new vscode.Range(doc.positionAt(at), doc.positionAt(at + needle.length));
}

export function qemuImg(...args: string[]): string {
  return execFileSync('qemu-img', args, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
}

export async function closeAll(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/** Range of the value inside the n-th `attr='value'` of `doc` (quotes excluded). */
export function valueRange(doc: vscode.TextDocument, attr: string, value: string, nth = 0): vscode.Range {
  const whole = rangeOfText(doc, `${attr}='${value}'`, nth);
  const start = whole.start.translate(0, attr.length + 2);
  return new vscode.Range(start, start.translate(0, value.length));
}

/** Expected row for `rows()`. */
export function row(code: string, severity: keyof typeof vscode.DiagnosticSeverity, r: vscode.Range): string {
  return `${code} ${severity} ${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;
}

/** Opens a file in an editor and waits until our diagnostics for it satisfy `pred`. */
export async function openAndWait(
  uri: vscode.Uri,
  pred: (ds: vscode.Diagnostic[]) => boolean,
  what: string,
): Promise<{ doc: vscode.TextDocument; editor: vscode.TextEditor; diagnostics: vscode.Diagnostic[] }> {
  const waiting = waitForDiagnostics(uri, pred, what);
  const editor = await openInEditor(uri);
  return { doc: editor.document, editor, diagnostics: await waiting };
}

/**
 * Opens a file the way a click in the explorer does. Not workspace.openTextDocument: a document
 * an extension opened stays referenced for minutes after its editor closes, so it would not close.
 */
export async function openInEditor(uri: vscode.Uri): Promise<vscode.TextEditor> {
  await vscode.commands.executeCommand('vscode.open', uri);
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.uri.toString() !== uri.toString()) throw new Error(`${uri.fsPath} did not open in an editor`);
  return editor;
}

export const sameRows = (expected: string[]) => (ds: vscode.Diagnostic[]): boolean =>
  JSON.stringify(rows(ds)) === JSON.stringify([...expected].sort());

/** Closes the active editor without saving and waits for its diagnostics to be cleared. */
export async function revertAndClose(uri: vscode.Uri): Promise<void> {
  const cleared = waitForDiagnostics(uri, (ds) => ds.length === 0, 'diagnostics to be cleared on close');
  await openInEditor(uri);
  await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  await cleared;
}

/** Code actions VS Code offers at `range` (as the light bulb asks), optionally of one kind. */
export async function codeActionsAt(uri: vscode.Uri, range: vscode.Range, kind?: string): Promise<vscode.CodeAction[]> {
  const got = await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>(
    'vscode.executeCodeActionProvider',
    uri,
    range,
    kind,
  );
  return (got ?? []).filter((a): a is vscode.CodeAction => 'title' in a && !('command' in a && typeof a.command === 'string'));
}

export async function applyAction(a: vscode.CodeAction): Promise<void> {
  if (!a.edit) throw new Error(`code action "${a.title}" has no edit`);
  if (!(await vscode.workspace.applyEdit(a.edit))) throw new Error(`applying "${a.title}" failed`);
}

/** `text` with the n-th (0-based) occurrence of `from` replaced by `to`. */
export function replaceNth(text: string, from: string, to: string, nth = 0): string {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(from, at + 1);
    if (at < 0) throw new Error(`"${from}" (#${nth}) not in the text`);
  }
  return text.slice(0, at) + to + text.slice(at + from.length);
}

/**
 * A qemu-img that records each call, then runs the real one: set as qemuDiskTools.qemuImgPath
 * (machine-scoped, so a user setting) it shows whether qemu-img was run at all, and on what.
 */
export async function recordingQemuImg(): Promise<{ calls: () => string[]; restore: () => Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(workspaceDir(), '.qemu-img-'));
  const logFile = path.join(dir, 'calls.log');
  const real = execFileSync('sh', ['-c', 'command -v qemu-img'], { encoding: 'utf8' }).trim();
  const wrapper = path.join(dir, 'qemu-img');
  fs.writeFileSync(logFile, '');
  fs.writeFileSync(wrapper, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${logFile}'\nexec '${real}' "$@"\n`, { mode: 0o755 });
  const c = vscode.workspace.getConfiguration('qemuDiskTools');
  await c.update('qemuImgPath', wrapper, vscode.ConfigurationTarget.Global);
  return {
    calls: () => fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean),
    restore: () => Promise.resolve(c.update('qemuImgPath', undefined, vscode.ConfigurationTarget.Global)),
  };
}

/** A raw image of `mib` MiB with varied data written at a few places (not all zeros). */
export function makeRawImage(file: string, mib: number): void {
  qemuImg('create', '-q', '-f', 'raw', file, `${mib}M`);
  const fd = fs.openSync(file, 'r+');
  try {
    for (let i = 0; i < mib; i += 3) {
      const buf = Buffer.alloc(64 * 1024);
      for (let j = 0; j < buf.length; j++) buf[j] = (j * 31 + i * 7) & 0xff;
      fs.writeSync(fd, buf, 0, buf.length, i * 1024 * 1024 + 4096);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** A qcow2 whose backing file is /etc/passwd: converting it would copy a host file into the image. */
export function makeHostileImage(file: string): void {
  qemuImg('create', '-q', '-f', 'qcow2', '-u', '-b', '/etc/passwd', '-F', 'raw', file, '1M');
}

export const CONVERT_COMMAND = 'qemuDiskTools.convertImage';

/** In a suite: activates the extension and records qemu-img calls for the suite's duration. */
export function useRecordingQemuImg(): () => string[] {
  let rec: Awaited<ReturnType<typeof recordingQemuImg>> | undefined;
  suiteSetup(async () => {
    await activateExtension();
    rec = await recordingQemuImg();
  });
  suiteTeardown(() => rec?.restore());
  return () => rec?.calls() ?? [];
}
