// Completion of the valid cache/io values inside a disk <driver>'s attributes and after `type=`
// in disk_cachemodes, each with its one-line summary.
import * as vscode from 'vscode';
import { CACHE_MODES, CACHE_MODE_FACTS, IO_MODES, IO_MODE_FACTS } from '../core/cacheModes';
import { modeTargetAt, novaDiskTypeSlotAt } from '../core/hoverTargets';
import { DiagnosticsController, rangeOf } from './diagnostics';
import { cacheModeMarkdown } from './hover';
import { guarded } from './notify';

export const COMPLETION_TRIGGERS = ["'", '"', '='];

export class ModeCompletionProvider implements vscode.CompletionItemProvider {
  constructor(
    private readonly diagnostics: DiagnosticsController,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  provideCompletionItems(doc: vscode.TextDocument, pos: vscode.Position): vscode.CompletionItem[] | undefined {
    return guarded(this.log, 'Completion', () => this.complete(doc, pos));
  }

  private complete(doc: vscode.TextDocument, pos: vscode.Position): vscode.CompletionItem[] | undefined {
    const kind = this.diagnostics.kindOf(doc);
    if (!kind) return undefined;
    const text = doc.getText();
    const offset = doc.offsetAt(pos);
    const t = modeTargetAt(text, kind, offset);
    if (!t) return kind === 'nova-conf' ? diskTypeItems(doc, text, offset) : undefined;
    const range = rangeOf(doc, t.start, t.end);
    if (t.attr === 'io') {
      return IO_MODES.map((m, i) => item(m, IO_MODE_FACTS[m], new vscode.MarkdownString(IO_MODE_FACTS[m]), range, i));
    }
    // Proxmox's schema has no 'default' (qemu-server's drive cache enum).
    const modes = kind === 'proxmox-vm' ? CACHE_MODES.filter((m) => m !== 'default') : CACHE_MODES;
    return modes.map((m, i) => item(m, CACHE_MODE_FACTS[m].summary, new vscode.MarkdownString(cacheModeMarkdown(m)), range, i));
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

// The disk types Nova matches (its disks' libvirt source type); sources.md D.1.
const DISK_TYPES: readonly [string, string][] = [
  ['file', 'Disks backed by a file: local qcow2/raw/ploop images; NFS, SMBFS, Quobyte, vzstorage, GPFS volumes.'],
  ['block', 'Host block devices: LVM images; iSCSI, FC, ScaleIO, StorPool volumes.'],
  ['network', 'Disks QEMU opens over the network: Ceph RBD images and volumes.'],
];

/** `file=`, `block=`, `network=` where a disk_cachemodes item starts; the mode list follows. */
function diskTypeItems(doc: vscode.TextDocument, text: string, offset: number): vscode.CompletionItem[] | undefined {
  const slot = novaDiskTypeSlotAt(text, offset);
  if (!slot) return undefined;
  const range = rangeOf(doc, slot.start, slot.end);
  return DISK_TYPES.map(([type, detail], i) => {
    const c = item(type, detail, new vscode.MarkdownString(detail), range, i);
    c.kind = vscode.CompletionItemKind.Property;
    if (!slot.hasEquals) {
      c.insertText = `${type}=`;
      c.command = { command: 'editor.action.triggerSuggest', title: 'Suggest cache modes' };
    }
    return c;
  });
}
