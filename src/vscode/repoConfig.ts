// The repository's `.qemu-disk-tools.json`, the rule severities the CLI reads in CI: the editor
// reads the same file, found the same way, so the Problems panel and CI agree. The `qemuDiskTools.rules` setting
// then overrides it, as `--rule` does on the command line.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SeveritySetting } from '../core/types';
import { CONFIG_FILE_NAME, findConfig, loadConfig } from '../core/lint/ruleConfig';
import { errorMessage } from './notify';

export class RepoConfig implements vscode.Disposable {
  /**
   * config path → its severities, or the reason it could not be read, as of its modification
   * time: the watcher only sees workspace folders, and the file may sit above them.
   */
  private readonly loaded = new Map<string, { mtimeMs: number; entry: Record<string, SeveritySetting> | Error }>();
  /** Problems already shown, so each broken file is reported once per content. */
  private readonly reported = new Set<string>();
  private readonly watcher: vscode.FileSystemWatcher;
  private readonly changedEmitter = new vscode.EventEmitter<void>();
  /** Fires when a config file appears, changes or goes away. */
  readonly onDidChange = this.changedEmitter.event;

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.watcher = vscode.workspace.createFileSystemWatcher(`**/${CONFIG_FILE_NAME}`);
    const changed = () => {
      this.loaded.clear();
      this.changedEmitter.fire();
    };
    this.watcher.onDidCreate(changed);
    this.watcher.onDidChange(changed);
    this.watcher.onDidDelete(changed);
  }

  /**
   * Severities for a document on disk; {} when there is no config file or it is broken. The file
   * is looked up as the CLI does when CI runs it at the repository's root: from the workspace
   * folder upwards (from the file's own folder when it is outside every workspace folder).
   */
  severitiesFor(uri: vscode.Uri): Record<string, SeveritySetting> {
    if (uri.scheme !== 'file') return {};
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    const from = folder?.uri.scheme === 'file' ? folder.uri.fsPath : path.dirname(uri.fsPath);
    let file: string | undefined;
    try {
      file = findConfig(from);
    } catch {
      return {};
    }
    if (!file) return {};
    let mtimeMs = -1;
    try {
      mtimeMs = fs.statSync(file).mtimeMs;
    } catch {
      // Gone or unreadable since findConfig: loadConfig says why.
    }
    let cached = this.loaded.get(file);
    if (!cached || cached.mtimeMs !== mtimeMs) {
      let entry: Record<string, SeveritySetting> | Error;
      try {
        entry = loadConfig(file);
      } catch (err) {
        entry = err instanceof Error ? err : new Error(String(err));
      }
      cached = { mtimeMs, entry };
      this.loaded.set(file, cached);
    }
    const entry = cached.entry;
    if (entry instanceof Error) {
      this.report(file, entry);
      return {};
    }
    return entry;
  }

  private report(file: string, err: Error): void {
    const key = `${file}\n${err.message}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    const msg = vscode.l10n.t('{0} Until it is fixed, the editor uses the default rule severities (the CLI stops with this error).', errorMessage(err));
    this.log.warn(msg);
    void vscode.window.showWarningMessage(msg, vscode.l10n.t('Open file')).then((pick) => {
      if (pick) void vscode.window.showTextDocument(vscode.Uri.file(file));
    });
  }

  dispose(): void {
    this.watcher.dispose();
    this.changedEmitter.dispose();
  }
}
