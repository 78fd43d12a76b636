// Hover on a cache/io value in domain XML or a disk_cachemodes item in nova.conf: what the mode
// does, as a small table from the shared mode facts (hoverMarkdown.ts).
import * as vscode from 'vscode';
import { modeTargetAt } from '../core/lint/hoverTargets';
import { DiagnosticsController, rangeOf } from './diagnostics';
import { guarded } from './notify';
import { targetMarkdown } from './hoverMarkdown';

export class ModeHoverProvider implements vscode.HoverProvider {
  constructor(
    private readonly diagnostics: DiagnosticsController,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    return guarded(this.log, 'Hover', () => this.hover(doc, pos));
  }

  private hover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const kind = this.diagnostics.kindOf(doc);
    if (!kind) return undefined;
    const t = modeTargetAt(doc.getText(), kind, doc.offsetAt(pos));
    if (!t || t.value === '') return undefined;
    return new vscode.Hover(new vscode.MarkdownString(targetMarkdown(t)), rangeOf(doc, t.hoverStart, t.hoverEnd));
  }
}
