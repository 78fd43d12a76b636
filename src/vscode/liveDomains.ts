// "Lint Domains of a libvirt Connection…": asks for a URI (the last one is remembered), lists
// the connection's domains with core's virsh reader (libvirt/virsh.ts, the same as `lint
// --connect`), and opens each chosen domain's persistent XML as a read-only virtual document.
// DiagnosticsController lints it like any domain XML (its path ends in .xml); instead of edits,
// which a read-only document cannot take, each fix is offered as its virt-xml command to copy.
import * as vscode from 'vscode';
import { LibvirtError, dumpDomainXml, listDomains, spawnVirsh, type DomainName, type VirshRunner } from '../core/libvirt/virsh';
import { virtXmlCommand } from '../core/libvirt/virtXml';
import { DiagnosticsController, ruleOf } from './diagnostics';
import { SHOW_LOG, errorMessage, guarded, showFailure } from './notify';

export const LINT_DOMAINS_COMMAND = 'qemuDiskTools.lintLibvirtDomains';
export const COPY_VIRT_XML_COMMAND = 'qemuDiskTools.copyVirtXmlCommand';
export const REFRESH_DOMAIN_COMMAND = 'qemuDiskTools.refreshLibvirtDomain';
export const DOMAIN_SCHEME = 'qemu-disk-domain';
const LAST_URI_KEY = 'qemuDiskTools.lastLibvirtUri';
const DEFAULT_URI = 'qemu:///system';

interface Opened {
  uri: string;
  domain: DomainName;
}

/** qemu-disk-domain:/web01.xml?uri=…&domain=…&persistent=1: enough to read the domain again after a reload. */
function documentUri(uri: string, d: DomainName): vscode.Uri {
  const query = new URLSearchParams({ uri, domain: d.name, persistent: d.persistent ? '1' : '0' }).toString();
  return vscode.Uri.from({ scheme: DOMAIN_SCHEME, path: `/${d.name}.xml`, query });
}

function parseDocumentUri(doc: vscode.Uri): Opened | undefined {
  const q = new URLSearchParams(doc.query);
  const uri = q.get('uri');
  const name = q.get('domain');
  return uri && name ? { uri, domain: { name, persistent: q.get('persistent') === '1' } } : undefined;
}

export class LiveDomains implements vscode.TextDocumentContentProvider, vscode.CodeActionProvider, vscode.Disposable {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  /** VS Code reads a document of ours again (provideTextDocumentContent) when it fires. */
  readonly onDidChange = this.changed.event;
  constructor(
    private readonly state: vscode.Memento,
    private readonly diagnostics: DiagnosticsController,
    private readonly log: vscode.LogOutputChannel,
    private readonly run: VirshRunner = spawnVirsh(),
  ) {}

  /** The domain's XML, read when the document opens (also when VS Code restores the tab) and on Refresh. */
  async provideTextDocumentContent(doc: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    const opened = parseDocumentUri(doc);
    if (!opened) return '';
    const abort = new AbortController();
    const sub = token.onCancellationRequested(() => abort.abort());
    try {
      return await dumpDomainXml(opened.uri, opened.domain.name, this.run, abort.signal);
    } catch (err) {
      const msg = err instanceof LibvirtError ? err.message : `${opened.uri}: reading domain '${opened.domain.name}' failed: ${errorMessage(err)}`;
      this.log.error(msg);
      // A comment, not XML: nothing to lint, and the reason stays in view.
      return `<!-- ${msg.replace(/--/g, '- -')} -->\n`;
    } finally {
      sub.dispose();
    }
  }

  /**
   * Asks for the URI and the domains (or takes them from the arguments: tests, keybindings) and
   * opens each domain. Returns the opened documents' URIs, or the error message shown.
   */
  async lintDomains(uriArg?: unknown, namesArg?: unknown): Promise<string[] | string | undefined> {
    try {
      const uri = typeof uriArg === 'string' ? uriArg : await this.askUri();
      if (!uri) return undefined;
      await this.state.update(LAST_URI_KEY, uri);
      const domains = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Listing the domains of {0}', uri), cancellable: true },
        (_p, token) => {
          const abort = new AbortController();
          token.onCancellationRequested(() => abort.abort());
          return listDomains(uri, this.run, abort.signal);
        },
      );
      if (domains.length === 0) {
        void vscode.window.showInformationMessage(vscode.l10n.t('No domain is defined on {0}.', uri));
        return [];
      }
      const chosen = Array.isArray(namesArg) ? domains.filter((d) => namesArg.includes(d.name)) : await this.pickDomains(uri, domains);
      const opened: string[] = [];
      for (const d of chosen ?? []) {
        const doc = await vscode.workspace.openTextDocument(documentUri(uri, d));
        await vscode.window.showTextDocument(doc, { preview: false, preserveFocus: opened.length > 0 });
        opened.push(doc.uri.toString());
      }
      return opened;
    } catch (err) {
      if (err instanceof Error && err.name === 'AbortError') return undefined; // Cancel on the progress notification
      if (err instanceof LibvirtError) {
        this.log.error(`${err.message}${err.detail ? `\nvirsh: ${err.detail}` : ''}`);
        void vscode.window.showErrorMessage(err.message, SHOW_LOG).then((pick) => pick && this.log.show(true));
        return err.message;
      }
      return showFailure(this.log, `Listing libvirt domains failed unexpectedly: ${errorMessage(err)}`, err);
    }
  }

  private askUri(): Thenable<string | undefined> {
    return vscode.window.showInputBox({
      title: vscode.l10n.t('Lint Domains of a libvirt Connection'),
      prompt: vscode.l10n.t('libvirt connection URI, as virsh --connect takes it (read-only: nothing is changed)'),
      placeHolder: 'qemu:///system, qemu+ssh://root@host/system',
      value: this.state.get<string>(LAST_URI_KEY) ?? DEFAULT_URI,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() === '' ? vscode.l10n.t('Enter a libvirt URI, e.g. qemu:///system') : undefined),
    }).then((v) => v?.trim());
  }

  private async pickDomains(uri: string, domains: DomainName[]): Promise<DomainName[] | undefined> {
    const items = domains.map((d) => ({ label: d.name, description: d.persistent ? undefined : vscode.l10n.t('transient'), domain: d }));
    const picked = await vscode.window.showQuickPick(items, {
      title: vscode.l10n.t('Domains of {0}', uri),
      placeHolder: vscode.l10n.t('Domains to open read-only with their diagnostics'),
      canPickMany: true,
      ignoreFocusOut: true,
    });
    return picked?.map((p) => p.domain);
  }

  /** Each fix of our diagnostics as "Copy virt-xml Command": the document cannot be edited, the host can. */
  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    return guarded(this.log, 'Domain code actions', () => this.actions(doc, context)) ?? [];
  }

  private actions(doc: vscode.TextDocument, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const opened = parseDocumentUri(doc.uri);
    const result = this.diagnostics.current(doc);
    if (!opened?.domain.persistent || !result) return [];
    const actions: vscode.CodeAction[] = [];
    for (const diag of context.diagnostics) {
      const rule = ruleOf(diag);
      const start = doc.offsetAt(diag.range.start);
      const end = doc.offsetAt(diag.range.end);
      const finding = result.findings.find((f) => f.rule === rule && f.start === start && f.end === end);
      for (const fix of finding?.fixes ?? []) {
        const command = virtXmlCommand(opened.uri, opened.domain.name, doc.getText(), fix);
        if (!command) continue;
        const a = new vscode.CodeAction(vscode.l10n.t('Copy virt-xml Command: {0}', fix.title), vscode.CodeActionKind.QuickFix);
        a.command = { command: COPY_VIRT_XML_COMMAND, title: a.title, arguments: [command] };
        a.diagnostics = [diag];
        a.isPreferred = fix.preferred === true;
        actions.push(a);
      }
    }
    return actions;
  }

  /**
   * Refresh: reads the domain's XML from its host again (after a virt-xml fix, say), so the
   * document and its diagnostics show the definition as it is now. Takes the document from the
   * editor title button's argument, else the active editor. Returns the refreshed document's URI.
   */
  refresh(arg?: unknown): string | undefined {
    const doc = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
    if (doc?.scheme !== DOMAIN_SCHEME || !parseDocumentUri(doc)) return undefined;
    this.changed.fire(doc);
    return doc.toString();
  }

  dispose(): void {
    this.changed.dispose();
  }

  async copyCommand(command: unknown): Promise<void> {
    if (typeof command !== 'string') return;
    await vscode.env.clipboard.writeText(command);
    void vscode.window.showInformationMessage(vscode.l10n.t('Copied: {0}. Run it where virt-xml can reach the host; a running domain takes the change when it is next powered off and started.', command));
  }
}

/** Documents of our scheme are read-only views of a live host: the usual edit fixes do not apply. */
export const isLiveDomain = (doc: vscode.TextDocument): boolean => doc.uri.scheme === DOMAIN_SCHEME;
