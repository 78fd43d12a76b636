// Wires the editor adapters; the logic lives in src/vscode/ and src/core/.
import * as vscode from 'vscode';
import { DiagnosticsController } from './vscode/diagnostics';
import { RepoConfig } from './vscode/repoConfig';
import { FIX_ALL_COMMAND, QemuCodeActionProvider, SHOW_RULE_DOCS_COMMAND, fixAllCommand } from './vscode/codeActions';
import { ModeHoverProvider } from './vscode/hover';
import { COMPLETION_TRIGGERS, ModeCompletionProvider } from './vscode/completion';
import { CONVERT_COMMAND, ConvertCommand } from './vscode/convertCommand';
import { showRuleDocs } from './vscode/ruleDocs';
import { IMAGE_INFO_COMMAND, INFO_SCHEME, ImageInfoCommand } from './vscode/imageInfo';
import { createLog } from './vscode/notify';
import { LanguageStatus, SHOW_LOG_COMMAND } from './vscode/languageStatus';
import { LINT_WORKSPACE_COMMAND, LintTaskProvider, TASK_TYPE, WorkspaceLinter, lintWorkspaceCommand } from './vscode/workspaceLint';
import { CONVERT_SAMPLE_COMMAND, OPEN_SAMPLE_COMMAND, convertSample, openSample } from './vscode/walkthrough';
import { COPY_VIRT_XML_COMMAND, DOMAIN_SCHEME, LINT_DOMAINS_COMMAND, LiveDomains, REFRESH_DOMAIN_COMMAND } from './vscode/liveDomains';

export function activate(context: vscode.ExtensionContext): void {
  const log = createLog('QEMU Disk Tools');
  const repoConfig = new RepoConfig(log);
  const diagnostics = new DiagnosticsController(log, repoConfig);
  const convert = new ConvertCommand(log, context.extensionUri);
  const info = new ImageInfoCommand(log, context.extensionUri);
  const status = new LanguageStatus(diagnostics, repoConfig);
  const workspaceLinter = new WorkspaceLinter(diagnostics, repoConfig, log);
  const liveDomains = new LiveDomains(context.globalState, diagnostics, log);
  // Every document: Nova config and domain XML are recognised by name and content, whatever the language.
  const all: vscode.DocumentSelector = '*';

  context.subscriptions.push(
    log,
    repoConfig,
    diagnostics,
    vscode.languages.registerCodeActionsProvider(all, new QemuCodeActionProvider(diagnostics, log), QemuCodeActionProvider.metadata),
    vscode.languages.registerHoverProvider(all, new ModeHoverProvider(diagnostics, log)),
    vscode.languages.registerCompletionItemProvider(all, new ModeCompletionProvider(diagnostics, log), ...COMPLETION_TRIGGERS),
    vscode.commands.registerCommand(FIX_ALL_COMMAND, (uri?: vscode.Uri) => fixAllCommand(diagnostics, log, uri)),
    vscode.commands.registerCommand(SHOW_RULE_DOCS_COMMAND, (rule?: unknown) => showRuleDocs(context.extensionUri, log, rule)),
    convert,
    vscode.commands.registerCommand(CONVERT_COMMAND, (a?: unknown, b?: unknown) => convert.run(a, b)),
    info,
    vscode.workspace.registerTextDocumentContentProvider(INFO_SCHEME, info),
    vscode.commands.registerCommand(IMAGE_INFO_COMMAND, (a?: unknown, b?: unknown) => info.run(a, b)),
    status,
    vscode.commands.registerCommand(SHOW_LOG_COMMAND, () => log.show(true)),
    workspaceLinter,
    vscode.commands.registerCommand(LINT_WORKSPACE_COMMAND, () => status.busyWhile(lintWorkspaceCommand(workspaceLinter))),
    vscode.tasks.registerTaskProvider(TASK_TYPE, new LintTaskProvider(workspaceLinter)),
    vscode.commands.registerCommand(OPEN_SAMPLE_COMMAND, () => openSample(context.extensionUri)),
    vscode.commands.registerCommand(CONVERT_SAMPLE_COMMAND, () => convertSample()),
    liveDomains,
    vscode.workspace.registerTextDocumentContentProvider(DOMAIN_SCHEME, liveDomains),
    vscode.languages.registerCodeActionsProvider({ scheme: DOMAIN_SCHEME }, liveDomains, LiveDomains.metadata),
    vscode.commands.registerCommand(LINT_DOMAINS_COMMAND, (uri?: unknown, names?: unknown) => liveDomains.lintDomains(uri, names)),
    vscode.commands.registerCommand(COPY_VIRT_XML_COMMAND, (command?: unknown) => liveDomains.copyCommand(command)),
    vscode.commands.registerCommand(REFRESH_DOMAIN_COMMAND, (uri?: unknown) => liveDomains.refresh(uri)),
  );
}

export function deactivate(): void {}
