// "Lint Workspace" (command and task): every domain XML and Nova config in the workspace, open or
// not. Files that are not open keep their problems here, in a collection of their own, so closing
// a file leaves its problems in the Problems panel (re-read from disk) and a change on disk
// updates them; open files stay with DiagnosticsController, which follows the editor's text.
// The files are the ones the CLI walks (same names, node_modules and .git skipped), minus the
// user's files.exclude; detectKind decides per file, as everywhere.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { detectKind, lint } from '../core/lint/engine';
import { LineIndex } from '../core/text';
import { CANDIDATE_GLOB, SKIP_DIRS, isCandidateName } from '../cli/files';
import { decodeBytes } from '../cli/decode';
import { countBySeverity, formatText, type FileReport, type LintReport } from '../cli/report';
import { DiagnosticsController, MAX_CHARS, isLintable } from './diagnostics';
import type { RepoConfig } from './repoConfig';
import { affectsLinting, readSettings } from './settings';
import { errorDetail } from './notify';

export const LINT_WORKSPACE_COMMAND = 'qemuDiskTools.lintWorkspace';
export const TASK_TYPE = 'qemu-disk-tools';

const RERUN_DELAY_MS = 500;
const FILE_DELAY_MS = 200;

const sameUri = (a: vscode.Uri, b: vscode.Uri) => a.toString() === b.toString();

function inSkippedDir(uri: vscode.Uri): boolean {
  return uri.path.split('/').some((seg) => SKIP_DIRS.has(seg));
}

export class WorkspaceLinter implements vscode.Disposable {
  /** Findings of workspace files that are not open in the editor. */
  readonly collection = vscode.languages.createDiagnosticCollection('qemu-disk-tools-workspace');
  /** After the first run: closed files keep their problems, and changes on disk update them. */
  private active = false;
  private running: Promise<LintReport> | undefined;
  private rerunTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly fileTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly diagnostics: DiagnosticsController,
    repoConfig: RepoConfig,
    private readonly log: vscode.LogOutputChannel,
  ) {
    const watcher = vscode.workspace.createFileSystemWatcher(CANDIDATE_GLOB);
    const w = vscode.workspace;
    this.subscriptions.push(
      this.collection,
      watcher,
      watcher.onDidCreate((u) => this.fileSoon(u)),
      watcher.onDidChange((u) => this.fileSoon(u)),
      watcher.onDidDelete((u) => this.collection.delete(u)),
      // An open file is DiagnosticsController's; a closed one comes back here, read from disk.
      w.onDidOpenTextDocument((d) => this.collection.delete(d.uri)),
      w.onDidCloseTextDocument((d) => this.fileSoon(d.uri)),
      w.onDidChangeConfiguration((e) => {
        if (affectsLinting(e) || e.affectsConfiguration('files.exclude')) this.rerunSoon();
      }),
      repoConfig.onDidChange(() => this.rerunSoon()),
      w.onDidChangeWorkspaceFolders(() => this.rerunSoon()),
    );
  }

  /** Lints the whole workspace; a call while a run is under way gets a fresh run after it (files may have changed since it listed them). */
  run(token?: vscode.CancellationToken): Promise<LintReport> {
    this.active = true;
    const next = (this.running ?? Promise.resolve()).catch(() => undefined).then(() => this.lintWorkspace(token));
    this.running = next;
    void next.finally(() => {
      if (this.running === next) this.running = undefined;
    }).catch(() => undefined);
    return next;
  }

  private async lintWorkspace(token?: vscode.CancellationToken): Promise<LintReport> {
    const started = Date.now();
    // No exclude argument: findFiles then applies files.exclude, the user's own choice.
    const found = await vscode.workspace.findFiles(CANDIDATE_GLOB, undefined, undefined, token);
    const uris = found.filter((u) => !inSkippedDir(u) && isCandidateName(path.posix.basename(u.path))).sort((a, b) => a.path.localeCompare(b.path));
    const files: FileReport[] = [];
    const seen = new Set<string>();
    for (const uri of uris) {
      if (token?.isCancellationRequested) break;
      seen.add(uri.toString());
      const r = await this.lintFile(uri);
      if (r) files.push(r);
    }
    if (!token?.isCancellationRequested) {
      // Files gone, or now excluded, since the last run.
      const stale: vscode.Uri[] = [];
      this.collection.forEach((u) => {
        if (!seen.has(u.toString())) stale.push(u);
      });
      for (const u of stale) this.collection.delete(u);
    }
    const n = countBySeverity({ cwd: '', files, problems: [] });
    this.log.info(
      `Linted the workspace: ${files.length} of ${uris.length} candidate files are of a kind QEMU Disk Tools reads; ` +
        `${n.error} errors, ${n.warning} warnings, ${n.info} info, ${n.hint} hints (${Date.now() - started} ms).`,
    );
    const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
    return { cwd, files, problems: [] };
  }

  /**
   * One file's findings. An open file: the editor's findings (its text may differ from the disk);
   * else the file read from disk, its diagnostics published here. Undefined: not ours, or off.
   */
  private async lintFile(uri: vscode.Uri): Promise<FileReport | undefined> {
    const isOpen = () => vscode.workspace.textDocuments.find((d) => sameUri(d.uri, uri) && isLintable(d));
    try {
      if (!readSettings(uri).lintEnable) {
        this.collection.delete(uri);
        return undefined;
      }
      const open = isOpen();
      if (open) {
        this.collection.delete(uri);
        const r = this.diagnostics.current(open);
        return r && { file: uri.fsPath, kind: r.kind, findings: r.findings, text: open.getText(), fixed: 0 };
      }
      const bytes = await vscode.workspace.fs.readFile(uri);
      // UTF-16 takes two bytes a character: a larger file cannot be under the editor's limit.
      const decoded = bytes.length > 2 * MAX_CHARS + 2 ? undefined : decodeBytes(bytes);
      const kind = decoded && decoded.text.length <= MAX_CHARS ? detectKind(uri.fsPath, decoded.text) : undefined;
      if (!decoded || !kind || isOpen()) {
        this.collection.delete(uri);
        return undefined;
      }
      const findings = lint(decoded.text, { fileName: uri.fsPath, kind, hadBom: decoded.hadBom, severities: this.diagnostics.severitiesFor(uri) });
      const index = new LineIndex(decoded.text);
      const rangeAt = (start: number, end: number) => {
        const a = index.positionAt(start);
        const b = index.positionAt(end);
        return new vscode.Range(a.line, a.character, b.line, b.character);
      };
      this.collection.set(uri, findings.map((f) => this.diagnostics.toDiagnostic(uri, f, rangeAt)));
      return { file: uri.fsPath, kind, findings, text: decoded.text, fixed: 0 };
    } catch (err) {
      // Gone since it was found, unreadable, or binary: nothing to show for it.
      this.log.debug(`Workspace lint skipped ${uri.fsPath}: ${errorDetail(err)}`);
      this.collection.delete(uri);
      return undefined;
    }
  }

  /** A file created, changed on disk or closed: lint it again if it belongs to the linted workspace. */
  private fileSoon(uri: vscode.Uri): void {
    if (!this.active || !vscode.workspace.getWorkspaceFolder(uri)) return;
    if (inSkippedDir(uri) || !isCandidateName(path.posix.basename(uri.path))) return;
    const key = uri.toString();
    clearTimeout(this.fileTimers.get(key));
    this.fileTimers.set(
      key,
      setTimeout(() => {
        this.fileTimers.delete(key);
        void this.fileIfIncluded(uri);
      }, FILE_DELAY_MS),
    );
  }

  private async fileIfIncluded(uri: vscode.Uri): Promise<void> {
    if (await this.excluded(uri)) {
      this.collection.delete(uri);
      return;
    }
    await this.lintFile(uri);
  }

  /** Whether files.exclude hides the file: findFiles for exactly its path applies the same excludes. */
  private async excluded(uri: vscode.Uri): Promise<boolean> {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (!folder) return true;
    const rel = path.posix.relative(folder.uri.path, uri.path);
    if (/[[\]{}*?!]/.test(rel)) return false; // not expressible as a literal glob; lint it
    const hits = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, rel), undefined, 1);
    return hits.length === 0;
  }

  private rerunSoon(): void {
    if (!this.active) return;
    clearTimeout(this.rerunTimer);
    this.rerunTimer = setTimeout(() => void this.run(), RERUN_DELAY_MS);
  }

  dispose(): void {
    clearTimeout(this.rerunTimer);
    for (const t of this.fileTimers.values()) clearTimeout(t);
    for (const s of this.subscriptions) s.dispose();
  }
}

/** The command: lints with a cancellable progress notification, then says what it found. */
export async function lintWorkspaceCommand(linter: WorkspaceLinter): Promise<LintReport | undefined> {
  if (!vscode.workspace.workspaceFolders?.length) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Open a folder first: Lint Workspace lints the files of the open folders.'));
    return undefined;
  }
  const report = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Linting the workspace…'), cancellable: true },
    (_p, token) => linter.run(token),
  );
  const n = countBySeverity(report);
  const total = n.error + n.warning + n.info + n.hint;
  const withProblems = report.files.filter((f) => f.findings.length > 0).length;
  const message =
    total === 0
      ? vscode.l10n.t('No problems in {0} domain XML and Nova config files.', report.files.length)
      : vscode.l10n.t('{0} problems in {1} of {2} domain XML and Nova config files.', total, withProblems, report.files.length);
  const showProblems = vscode.l10n.t('Show Problems');
  void vscode.window.showInformationMessage(message, ...(total > 0 ? [showProblems] : [])).then((pick) => {
    if (pick === showProblems) void vscode.commands.executeCommand('workbench.actions.view.problems');
  });
  return report;
}

/** The task "QEMU Disk Tools: lint workspace": the same lint, its report printed as the CLI prints it. */
export class LintTaskProvider implements vscode.TaskProvider {
  constructor(private readonly linter: WorkspaceLinter) {}

  provideTasks(): vscode.Task[] {
    return [this.task({ type: TASK_TYPE })];
  }

  resolveTask(task: vscode.Task): vscode.Task | undefined {
    return task.definition.type === TASK_TYPE ? this.task(task.definition, task.scope) : undefined;
  }

  private task(definition: vscode.TaskDefinition, scope: vscode.Task['scope'] = vscode.TaskScope.Workspace): vscode.Task {
    const scopeArg = scope === undefined || scope === vscode.TaskScope.Global ? vscode.TaskScope.Workspace : scope;
    const execution = new vscode.CustomExecution(() => Promise.resolve(new LintTerminal(this.linter)));
    // No problem matcher (an empty list, so VS Code does not ask for one): the linter publishes the diagnostics itself.
    return new vscode.Task(definition, scopeArg, vscode.l10n.t('lint workspace'), 'QEMU Disk Tools', execution, []);
  }
}

/**
 * The task's terminal: `file:line:col severity rule message` lines (clickable) and a summary. It
 * ends with 0 once the lint ran, whatever it found: the findings are in the Problems panel, and VS
 * Code reports a non-zero exit this soon after the start as "failed to launch", which is untrue.
 */
class LintTerminal implements vscode.Pseudoterminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<number>();
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;
  private readonly cancel = new vscode.CancellationTokenSource();

  constructor(private readonly linter: WorkspaceLinter) {}

  open(): void {
    this.writeEmitter.fire(vscode.l10n.t('Linting the workspace…') + '\r\n');
    this.linter.run(this.cancel.token).then(
      (report) => {
        this.writeEmitter.fire(formatText(report).replace(/\n/g, '\r\n'));
        this.closeEmitter.fire(0);
      },
      (err: unknown) => {
        this.writeEmitter.fire(`${errorDetail(err)}\r\n`);
        this.closeEmitter.fire(2);
      },
    );
  }

  close(): void {
    this.cancel.cancel();
  }
}
