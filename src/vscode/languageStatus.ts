// The language status items ({} in the status bar) for the files we may lint, as vscode-eslint
// and markdownlint show theirs: whether this file is linted, as which dialect, how many rules are
// on, with Open Settings; and the log, with Show Log.
import * as vscode from 'vscode';
import type { FileKind } from '../core/types';
import { activeRules, rulesOfKind } from '../core/lint/rules';
import type { DiagnosticsController } from './diagnostics';
import type { RepoConfig } from './repoConfig';
import { readSettings, affectsLinting } from './settings';

export const SHOW_LOG_COMMAND = 'qemuDiskTools.showLog';
const EXTENSION_ID = 'qemu-disk-tools.qemu-disk-tools';

/**
 * Where the items appear: the languages the extension activates on, and the file names detectKind
 * recognises whatever language a user gave them. detectKind decides what the item then says.
 */
export const LINTED_SELECTOR: vscode.DocumentSelector = [
  'xml',
  'ini',
  'properties',
  'plaintext',
  'jinja',
  'shellscript',
  'yaml',
  'makefile',
  'dockerfile',
  'python',
  { pattern: '**/*.{service,sh,bash,mk,pkr.hcl,pkr.json,dockerfile,containerfile}' },
  { pattern: '**/{Makefile,GNUmakefile,Dockerfile,Containerfile}' },
  { pattern: '**/qemu-server/*.conf' },
  { pattern: '**/*.{xml,conf,ini,cfg,sample,j2,jinja,jinja2,erb,tmpl,tpl}' },
];

const DIALECT: Readonly<Record<FileKind, () => string>> = {
  'domain-xml': () => vscode.l10n.t('libvirt domain XML'),
  'nova-conf': () => vscode.l10n.t('Nova config'),
  'shell-script': () => vscode.l10n.t('shell script (QEMU and qemu-img command lines)'),
  'systemd-unit': () => vscode.l10n.t('systemd unit (QEMU and qemu-img command lines)'),
  'proxmox-vm': () => vscode.l10n.t('Proxmox VE VM config'),
  'kubevirt-yaml': () => vscode.l10n.t('KubeVirt VirtualMachine YAML'),
  makefile: () => vscode.l10n.t('Makefile (QEMU and qemu-img command lines in recipes)'),
  dockerfile: () => vscode.l10n.t('Dockerfile (QEMU and qemu-img command lines in RUN, CMD, ENTRYPOINT)'),
  packer: () => vscode.l10n.t('Packer template (QEMU builder)'),
  python: () => vscode.l10n.t('Python (argument lists that run QEMU or qemu-img)'),
  ansible: () => vscode.l10n.t('Ansible tasks (command and shell)'),
};

export class LanguageStatus implements vscode.Disposable {
  private readonly lintItem = vscode.languages.createLanguageStatusItem('qemuDiskTools.lint', LINTED_SELECTOR);
  private readonly logItem = vscode.languages.createLanguageStatusItem('qemuDiskTools.log', LINTED_SELECTOR);
  private readonly subscriptions: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly diagnostics: DiagnosticsController,
    repoConfig: RepoConfig,
  ) {
    this.lintItem.name = vscode.l10n.t('QEMU Disk Tools linting');
    this.logItem.name = vscode.l10n.t('QEMU Disk Tools log');
    this.logItem.text = vscode.l10n.t('$(output) QEMU Disk Tools log');
    this.logItem.detail = vscode.l10n.t('errors, timings, qemu-img runs');
    this.logItem.command = { title: vscode.l10n.t('Show Log'), command: SHOW_LOG_COMMAND };
    const w = vscode.workspace;
    this.subscriptions.push(
      this.lintItem,
      this.logItem,
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
      w.onDidChangeTextDocument((e) => {
        // A file's kind follows its content (a plaintext file that becomes a <domain>): look again shortly.
        if (e.document === vscode.window.activeTextEditor?.document) this.updateSoon();
      }),
      w.onDidChangeConfiguration((e) => {
        if (affectsLinting(e)) this.update();
      }),
      repoConfig.onDidChange(() => this.update()),
      w.onDidGrantWorkspaceTrust(() => this.update()),
    );
    this.update();
  }

  /** Marks the item busy while `work` runs (the workspace lint). */
  async busyWhile<T>(work: Promise<T>): Promise<T> {
    this.lintItem.busy = true;
    try {
      return await work;
    } finally {
      this.lintItem.busy = false;
    }
  }

  private updateSoon(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.update(), 300);
  }

  private update(): void {
    const doc = vscode.window.activeTextEditor?.document;
    const item = this.lintItem;
    item.severity = vscode.LanguageStatusSeverity.Information;
    // The Settings editor filtered to this extension's settings.
    item.command = { title: vscode.l10n.t('Open Settings'), command: 'workbench.action.openSettings', arguments: [`@ext:${EXTENSION_ID}`] };
    if (!doc) return;
    const kind = this.diagnostics.kindOf(doc);
    if (!kind) {
      item.text = vscode.l10n.t('QEMU Disk Tools: not linted');
      item.detail = vscode.l10n.t('not a libvirt domain XML or Nova config');
      return;
    }
    if (!readSettings(doc.uri).lintEnable) {
      item.text = vscode.l10n.t('$(circle-slash) QEMU Disk Tools: linting off');
      item.detail = vscode.l10n.t('{0} (qemuDiskTools.lint.enable is off)', DIALECT[kind]());
      item.severity = vscode.LanguageStatusSeverity.Warning;
      return;
    }
    const on = activeRules(kind, this.diagnostics.severitiesFor(doc.uri)).length;
    item.text = vscode.l10n.t('$(check) QEMU Disk Tools: {0}', DIALECT[kind]());
    item.detail = vscode.l10n.t('{0} of {1} rules on', on, rulesOfKind(kind).length);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
  }
}
