// Lints open documents and publishes diagnostics: on open, on change (debounced per document,
// stale results dropped by version), on save, on close (cleared), on settings and trust change.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { FileKind, Finding, Severity, SeveritySetting } from '../core/types';
import { detectKind, fixAll, lint, type FixAllResult, type LintRequest } from '../core/lint/engine';
import { findStorageCfg } from '../core/lint/proxmox/storage';
import { readSettings, affectsLinting } from './settings';
import type { RepoConfig } from './repoConfig';
import { errorDetail } from './notify';
import { ruleDocsCommandUri } from './ruleDocs';

export const SOURCE = 'qemu-disk-tools';
const DEBOUNCE_MS = 250;
/** Larger documents are not linted: no domain XML or nova.conf is this big, and lint runs on the extension host. */
export const MAX_CHARS = 8 * 1024 * 1024;

// Schemes that show something other than a file being edited (diff bases, logs, our own info view).
const SKIPPED_SCHEME = /^(git|gitfs|gitlens.*|output|debug|search-editor|comment|chat-.*|merge-conflict.*|conflictResolution|walkThrough.*|qemu-disk-info|vscode-(?!vfs$|remote$).*)$/;

export function isLintable(doc: vscode.TextDocument): boolean {
  return !SKIPPED_SCHEME.test(doc.uri.scheme) && doc.getText().length <= MAX_CHARS;
}

const SEVERITY: Readonly<Record<Severity, vscode.DiagnosticSeverity>> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

export function rangeOf(doc: vscode.TextDocument, start: number, end: number): vscode.Range {
  return new vscode.Range(doc.positionAt(start), doc.positionAt(end));
}

/** The findings of one version of a document. */
export interface LintResult {
  version: number;
  kind: FileKind;
  findings: Finding[];
}

export class DiagnosticsController implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection(SOURCE);
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** uri → whether the file on disk starts with a UTF-8 BOM (VS Code strips it from the text). */
  private readonly bom = new Map<string, boolean>();
  private readonly results = new Map<string, LintResult>();
  /** Fix-all of a document version, until its diagnostics are published again (settings may have changed). */
  private readonly fixes = new Map<string, { version: number; result: FixAllResult | undefined }>();
  private readonly kinds = new Map<string, { version: number; kind: FileKind | undefined }>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private disposed = false;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly repoConfig: RepoConfig,
  ) {
    const w = vscode.workspace;
    this.subscriptions.push(
      this.collection,
      repoConfig.onDidChange(() => this.lintAll()),
      w.onDidOpenTextDocument((d) => this.lintSoon(d, 0)),
      w.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0) this.lintSoon(e.document, DEBOUNCE_MS);
      }),
      w.onDidSaveTextDocument((d) => {
        this.bom.delete(d.uri.toString());
        this.lintSoon(d, 0);
      }),
      w.onDidCloseTextDocument((d) => this.forget(d.uri)),
      w.onDidChangeConfiguration((e) => {
        if (affectsLinting(e)) this.lintAll();
      }),
      w.onDidGrantWorkspaceTrust(() => this.lintAll()),
    );
    this.lintAll();
  }

  /** The kind of a document we lint, or undefined (cached per version: hover and completion ask often). */
  kindOf(doc: vscode.TextDocument): FileKind | undefined {
    const key = doc.uri.toString();
    const known = this.kinds.get(key);
    if (known && known.version === doc.version) return known.kind;
    const kind = isLintable(doc) ? detectKind(doc.fileName, doc.getText(), doc.languageId) : undefined;
    this.kinds.set(key, { version: doc.version, kind });
    return kind;
  }

  /**
   * Findings for the document as it is now: the published ones when they are current, else
   * linted again synchronously (code actions must never act on offsets of an older version).
   */
  current(doc: vscode.TextDocument): LintResult | undefined {
    const cached = this.results.get(doc.uri.toString());
    if (cached && cached.version === doc.version) return cached;
    if (!readSettings(doc.uri).lintEnable) return undefined;
    return this.compute(doc, this.bom.get(doc.uri.toString()) ?? false);
  }

  /** The repository's config file, then the editor setting on top (as --rule on the command line). */
  severitiesFor(uri: vscode.Uri): Record<string, SeveritySetting> {
    return { ...this.repoConfig.severitiesFor(uri), ...readSettings(uri).rules };
  }

  /** Every open document again; lintNow clears the ones whose folder turned linting off (the setting is per resource). */
  lintAll(): void {
    for (const d of vscode.workspace.textDocuments) this.lintSoon(d, 0);
  }

  /** Lints now and resolves when the diagnostics are published (or dropped as stale). */
  async lintNow(doc: vscode.TextDocument): Promise<LintResult | undefined> {
    const key = doc.uri.toString();
    try {
      if (doc.isClosed || !isLintable(doc) || !readSettings(doc.uri).lintEnable) {
        this.forget(doc.uri);
        return undefined;
      }
      const version = doc.version;
      const kind = this.kindOf(doc);
      const hadBom = kind === 'nova-conf' ? await this.fileHasBom(doc) : false;
      // While the BOM was read: a newer lint is on its way, or linting was turned off or shut down.
      if (this.disposed || doc.isClosed || doc.version !== version || !readSettings(doc.uri).lintEnable) return undefined;
      const result = this.compute(doc, hadBom);
      this.fixes.delete(key);
      if (!result) {
        this.results.delete(key);
        this.collection.delete(doc.uri);
        return undefined;
      }
      this.results.set(key, result);
      this.collection.set(doc.uri, result.findings.map((f) => this.toDiagnostic(doc.uri, f, (a, b) => rangeOf(doc, a, b))));
      return result;
    } catch (err) {
      this.log.error(`Linting ${doc.uri.fsPath || doc.uri.toString()} failed: ${errorDetail(err)}`);
      return undefined;
    }
  }

  private lintSoon(doc: vscode.TextDocument, delayMs: number): void {
    if (SKIPPED_SCHEME.test(doc.uri.scheme)) return; // output channels change all the time
    const key = doc.uri.toString();
    const pending = this.timers.get(key);
    if (pending) clearTimeout(pending);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.lintNow(doc);
      }, delayMs),
    );
  }

  /** What the engine needs to lint or fix a document as it is now, or undefined when it is not ours. */
  private request(doc: vscode.TextDocument, fileBom: boolean): LintRequest | undefined {
    if (!isLintable(doc)) return undefined;
    const kind = this.kindOf(doc);
    if (!kind) return undefined;
    // If the text still holds the BOM, the engine sees it itself.
    const hadBom = fileBom && !doc.getText().startsWith('\uFEFF');
    // The repository's config file, then the editor setting on top (as --rule on the command line).
    // A Proxmox VM config on disk: the cluster's storage.cfg beside it or above it, if there is one.
    const storageCfg = kind === 'proxmox-vm' && doc.uri.scheme === 'file' ? findStorageCfg(doc.fileName, (p) => fs.readFileSync(p, 'utf8')) : undefined;
    return { fileName: doc.fileName, kind, hadBom, severities: this.severitiesFor(doc.uri), storageCfg };
  }

  private compute(doc: vscode.TextDocument, fileBom: boolean): LintResult | undefined {
    const req = this.request(doc, fileBom);
    if (!req?.kind) return undefined;
    const text = doc.getText();
    const started = Date.now();
    const findings = lint(text, req);
    const ms = Date.now() - started;
    if (ms > 100) this.log.warn(`Linting ${doc.fileName} took ${ms} ms (${text.length} characters).`);
    return { version: doc.version, kind: req.kind, findings };
  }

  /**
   * Fix-all on the document as it is now, with the same settings as its diagnostics (the engine's
   * one fix-all loop, as `lint --fix` runs it); undefined when linting is off or it is not ours.
   */
  fixAll(doc: vscode.TextDocument): FixAllResult | undefined {
    if (!readSettings(doc.uri).lintEnable) return undefined;
    const key = doc.uri.toString();
    // The lightbulb asks on every cursor move over a finding: fix once per version and settings.
    const cached = this.fixes.get(key);
    if (cached && cached.version === doc.version) return cached.result;
    const req = this.request(doc, this.bom.get(key) ?? false);
    const result = req && fixAll(doc.getText(), req);
    this.fixes.set(key, { version: doc.version, result });
    return result;
  }

  private async fileHasBom(doc: vscode.TextDocument): Promise<boolean> {
    if (doc.uri.scheme !== 'file') return false;
    const key = doc.uri.toString();
    const known = this.bom.get(key);
    if (known !== undefined) return known;
    let has = false;
    try {
      const bytes = await vscode.workspace.fs.readFile(doc.uri);
      has = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
    } catch {
      // Not on disk (deleted, or not saved yet): no BOM to report.
    }
    this.bom.set(key, has);
    return has;
  }

  /** A finding as a diagnostic of `uri`; `rangeAt` turns offsets into a range (of an open document, or of a file's text). */
  toDiagnostic(uri: vscode.Uri, f: Finding, rangeAt: (start: number, end: number) => vscode.Range): vscode.Diagnostic {
    const d = new vscode.Diagnostic(rangeAt(f.start, f.end), f.message, SEVERITY[f.severity]);
    d.source = SOURCE;
    d.code = { value: f.rule, target: ruleDocsCommandUri(f.rule) };
    if (f.related?.length) {
      d.relatedInformation = f.related.map(
        (r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, rangeAt(r.start, r.end)), r.message),
      );
    }
    return d;
  }

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    const pending = this.timers.get(key);
    if (pending) clearTimeout(pending);
    this.timers.delete(key);
    this.results.delete(key);
    this.fixes.delete(key);
    this.kinds.delete(key);
    this.bom.delete(key);
    this.collection.delete(uri);
  }

  dispose(): void {
    this.disposed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const s of this.subscriptions) s.dispose();
  }
}

/** The rule id of one of our diagnostics, else undefined. */
export function ruleOf(d: vscode.Diagnostic): string | undefined {
  if (d.source !== SOURCE) return undefined;
  const c = d.code;
  return typeof c === 'object' && c !== null ? String(c.value) : c === undefined ? undefined : String(c);
}
