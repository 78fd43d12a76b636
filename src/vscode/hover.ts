// Hover on a cache/io value in domain XML or a disk_cachemodes item in nova.conf: what the mode
// does, as a small table from the shared mode facts.
import * as vscode from 'vscode';
import { CACHE_MODES, CACHE_MODE_FACTS, IO_MODES, IO_MODE_FACTS, isCacheMode, isIoMode, suggestValue } from '../core/cacheModes';
import { modeTargetAt, type ModeTarget } from '../core/hoverTargets';
import { DiagnosticsController, rangeOf } from './diagnostics';
import { guarded } from './notify';

const NOVA_DISK_TYPES = ['file', 'block', 'network'];

/** Markdown for one cache mode: its summary and the facts table. */
export function cacheModeMarkdown(mode: (typeof CACHE_MODES)[number]): string {
  const f = CACHE_MODE_FACTS[mode];
  const rows: [string, string][] = [
    ['Host page cache', f.hostPageCache],
    ['O_DIRECT', f.oDirect],
    ['Guest write cache', f.guestWriteCache],
    ['Flushes', f.flushes],
    ['Host crash', f.hostCrash],
    ['Speed', f.speed],
  ];
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  return `${f.summary}\n\n| | \`${mode}\` |\n|---|---|\n${rows.map(([k, v]) => `| ${k} | ${cell(v)} |`).join('\n')}\n`;
}

function unknownValue(value: string, valid: readonly string[]): string {
  const guess = suggestValue(value, valid);
  return `\`${value}\` is not a value libvirt or Nova accepts.${guess ? ` Did you mean \`${guess}\`?` : ''} Valid: ${valid.map((v) => `\`${v}\``).join(', ')}.`;
}

/** The hover text for a target, Markdown. */
function targetMarkdown(t: ModeTarget): string {
  if (t.attr === 'io') {
    const head = `**io='${t.value}'**\n\n`;
    return head + (isIoMode(t.value) ? IO_MODE_FACTS[t.value] : unknownValue(t.value, IO_MODES));
  }
  if (t.diskType !== undefined) {
    const head = `**disk_cachemodes \`${t.diskType}=${t.value}\`**: disks of type \`${t.diskType}\` get cache mode \`${t.value}\`.\n\n`;
    const typeNote = NOVA_DISK_TYPES.includes(t.diskType)
      ? ''
      : `\n\nNova only matches the disk types \`file\`, \`block\` and \`network\`; \`${t.diskType}\` never matches.`;
    return head + (isCacheMode(t.value) ? cacheModeMarkdown(t.value) : unknownValue(t.value, CACHE_MODES)) + typeNote;
  }
  return `**cache='${t.value}'**\n\n` + (isCacheMode(t.value) ? cacheModeMarkdown(t.value) : unknownValue(t.value, CACHE_MODES));
}

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
