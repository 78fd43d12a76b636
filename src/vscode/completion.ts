// Completion of the valid cache/io values inside a disk <driver>'s attributes and after `type=`
// in disk_cachemodes, each with its one-line summary.
import * as vscode from 'vscode';
import { CACHE_MODES, CACHE_MODE_FACTS, IO_MODES, IO_MODE_FACTS } from '../core/cacheModes';
import { modeTargetAt } from '../core/hoverTargets';
import { DiagnosticsController, rangeOf } from './diagnostics';
import { cacheModeMarkdown } from './hover';

export const COMPLETION_TRIGGERS = ["'", '"', '='];

export class ModeCompletionProvider implements vscode.CompletionItemProvider {
  constructor(private readonly diagnostics: DiagnosticsController) {}

  provideCompletionItems(doc: vscode.TextDocument, pos: vscode.Position): vscode.CompletionItem[] | undefined {
    const kind = this.diagnostics.kindOf(doc);
    if (!kind) return undefined;
    const t = modeTargetAt(doc.getText(), kind, doc.offsetAt(pos));
    if (!t) return undefined;
    const range = rangeOf(doc, t.start, t.end);
    if (t.attr === 'io') {
      return IO_MODES.map((m, i) => item(m, IO_MODE_FACTS[m], new vscode.MarkdownString(IO_MODE_FACTS[m]), range, i));
    }
    return CACHE_MODES.map((m, i) => item(m, CACHE_MODE_FACTS[m].summary, new vscode.MarkdownString(cacheModeMarkdown(m)), range, i));
  }
}

function item(label: string, detail: string, doc: vscode.MarkdownString, range: vscode.Range, order: number): vscode.CompletionItem {
  const c = new vscode.CompletionItem(label, vscode.CompletionItemKind.EnumMember);
  c.detail = detail;
  c.documentation = doc;
  c.range = range;
  c.sortText = String(order).padStart(2, '0');
  return c;
}
