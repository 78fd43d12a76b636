// "Show Disk Image Info": core's verdict (imageVerdict.ts, the same as `inspect` and `convert`):
// the in-process inspector first, then `qemu-img info` on the same open file (under limits, never
// following a backing chain) only when the inspector lets it; a read-only Markdown page.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ImageOpenError } from '../core/image/imageInspector';
import { examineImage } from '../core/image/imageVerdict';
import { blockingIssues, infoMarkdown, type InfoPage } from './imageInfoMarkdown';
import { localFileProblem, pickImageFiles, refuseUntrusted, selectedFiles } from './convertCommand';
import { readSettings } from './settings';
import { SHOW_LOG, errorMessage, runRemedy, showFailure, stderrOf } from './notify';
import { editorMessage, type RemedyAction } from './remedyText';

export { IMAGE_INFO_COMMAND } from './commandIds';
export const INFO_SCHEME = 'qemu-disk-info';

/** What the command returns per file (tests read it): the page, or the error message. */
export type InfoOutcome = { uri: string; markdown: string; page: InfoPage } | string;


export class ImageInfoCommand implements vscode.TextDocumentContentProvider {
  private readonly pages = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  /** qemu-img info runs under way: stopped when the extension stops. */
  private readonly running = new Set<AbortController>();

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly extensionUri: vscode.Uri,
  ) {}

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.pages.get(uri.toString()) ?? vscode.l10n.t('This page is gone: run "Show Disk Image Info" again.');
  }

  /** (uri, uris[]) from the explorer, one uri from a test, or nothing (active editor / open dialog). */
  async run(arg0?: unknown, arg1?: unknown): Promise<InfoOutcome | InfoOutcome[] | undefined> {
    try {
      const refused = await refuseUntrusted(vscode.l10n.t('Reading a disk image with qemu-img'));
      if (refused) return refused;
      let files = selectedFiles(arg0, arg1);
      if (files.length === 0) files = await pickImageFiles(vscode.l10n.t('Disk images to describe'), true);
      if (files.length === 0) return undefined;
      const outcomes: InfoOutcome[] = [];
      for (const f of files) outcomes.push(await this.showOne(f));
      return files.length === 1 ? outcomes[0] : outcomes;
    } catch (err) {
      return this.fail(`Showing disk image info failed unexpectedly: ${errorMessage(err)}`, err);
    }
  }

  private async showOne(file: vscode.Uri): Promise<InfoOutcome> {
    const problem = localFileProblem(file, 'read');
    if (problem) return this.fail(problem);
    const buttons: { label: string; action: RemedyAction }[] = [];
    const page = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Reading {0}', path.basename(file.fsPath)), cancellable: true },
      (_progress, token) => this.describe(file.fsPath, token, buttons),
    );
    const markdown = infoMarkdown(page);
    const uri = vscode.Uri.from({ scheme: INFO_SCHEME, path: `/${path.basename(file.fsPath)}.md`, query: `for=${encodeURIComponent(file.fsPath)}` });
    this.pages.set(uri.toString(), markdown);
    this.changed.fire(uri);
    try {
      await vscode.commands.executeCommand('markdown.showPreview', uri);
    } catch {
      // No Markdown preview (extension disabled): show the Markdown source instead.
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc, { preview: true });
    }
    const name = path.basename(file.fsPath);
    if (page.infoProblems?.length) {
      void vscode.window.showWarningMessage(vscode.l10n.t('{0} is not safe to open: qemu-img info shows that {1}. The page says more.', name, page.infoProblems.join('; ')), SHOW_LOG).then((p) => p && this.log.show(true));
    } else if (!page.info) {
      // The page lists the inspector's reasons; the notification only says where to look.
      const refused = page.inspect !== undefined && blockingIssues(page.inspect).length > 0;
      const msg = refused
        ? vscode.l10n.t('Only part of the info for {0} is shown: the inspector refused the image, so qemu-img was not run on it. The page says why.', name)
        : vscode.l10n.t('Only part of the info for {0} could be read: {1}', name, page.infoError ?? page.inspectError ?? vscode.l10n.t('no details'));
      void vscode.window.showWarningMessage(msg, ...buttons.map((b) => b.label), SHOW_LOG).then((pick) => {
        if (pick === SHOW_LOG) this.log.show(true);
        const chosen = buttons.find((b) => b.label === pick);
        if (chosen) void runRemedy(this.extensionUri, this.log, chosen.action);
      });
    }
    return { uri: uri.toString(), markdown, page };
  }

  /** Core's verdict (inspector, then qemu-img info on the same open file). Never throws. */
  private async describe(file: string, token: vscode.CancellationToken, buttons: { label: string; action: RemedyAction }[]): Promise<InfoPage> {
    const page: InfoPage = { file };
    const abort = new AbortController();
    this.running.add(abort);
    const sub = token.onCancellationRequested(() => abort.abort());
    try {
      const verdict = await examineImage(file, {
        qemuImgPath: readSettings(vscode.Uri.file(file)).qemuImgPath,
        signal: abort.signal,
        log: (line) => this.log.info(line),
      });
      page.inspect = verdict.inspection;
      page.info = verdict.info;
      page.infoProblems = verdict.infoProblems;
      const blocking = blockingIssues(verdict.inspection);
      if (blocking.length) {
        page.infoError = 'not run, because the inspector refused the image (see above).';
        this.log.warn(`${file}: refused by the inspector: ${blocking.map((i) => i.message).join(' ')}`);
      } else if (verdict.infoError) {
        // qemu-img missing or unusable: the page and the notification say what to do, in editor words.
        const said = editorMessage(verdict.infoError, verdict.infoRemedies ?? [], vscode.l10n);
        page.infoError = said.text;
        buttons.push(...said.buttons);
        this.log.error(page.infoError);
      }
      if (verdict.infoProblems.length) this.log.warn(`${file}: not safe: ${verdict.infoProblems.join('; ')}`);
    } catch (err) {
      // An ImageOpenError already names the file and says what to do.
      page.inspectError = err instanceof ImageOpenError ? err.message : `${file} could not be inspected: ${errorMessage(err)}`;
      const stderr = stderrOf(err);
      this.log.error(stderr ? `${page.inspectError}\nqemu-img stderr:\n${stderr}` : page.inspectError);
    } finally {
      sub.dispose();
      this.running.delete(abort);
    }
    return page;
  }

  private fail(msg: string, err?: unknown): string {
    return showFailure(this.log, msg, err);
  }

  dispose(): void {
    for (const abort of this.running) abort.abort();
    this.changed.dispose();
  }
}
