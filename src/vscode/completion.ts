// Completion of the valid cache/io values inside a disk <driver>'s attributes and after `type=`
// in disk_cachemodes, each with its one-line summary. Cache modes come in the order we advise
// them, `none` first (preselected), `unsafe` last and labelled "not crash-safe".
import * as vscode from 'vscode';
import { CACHE_MODE_FACTS, IO_MODES, IO_MODE_FACTS, NOT_CRASH_SAFE, type CacheMode } from '../core/lint/cacheModes';
import { modeTargetAt, novaDiskTypeSlotAt } from '../core/lint/hoverTargets';
import { DiagnosticsController, rangeOf } from './diagnostics';
import { cacheModeMarkdown } from './hoverMarkdown';
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
    // Nova's `network=` is Ceph RBD, where writeback turns the librbd cache on (rule nova-rbd-cache).
    // Proxmox's schema has no 'default' (qemu-server's drive cache enum).
    // QEMU's -drive refuses it too.
    const order = (t.diskType === 'network' ? RBD_ORDER : CACHE_ORDER).filter((m) => (kind !== 'proxmox-vm' && !t.noDefault) || m !== 'default');
    return order.map((m, i) => cacheItem(m, range, i));
  }
}

/**
 * The order we advise: none (O_DIRECT, crash-safe for guests that flush), writeback (as safe,
 * where O_DIRECT is missing), default (= writeback), then the slow directsync and writethrough,
 * and unsafe last.
 */
const CACHE_ORDER: readonly CacheMode[] = ['none', 'writeback', 'default', 'directsync', 'writethrough', 'unsafe'];
const RBD_ORDER: readonly CacheMode[] = ['writeback', ...CACHE_ORDER.filter((m) => m !== 'writeback')];

/**
 * `unsafe` is valid and right for a throwaway VM, so it is not tagged Deprecated (the editor
 * would strike it through as if it were going away); its label says what it costs instead.
 */
function cacheItem(mode: CacheMode, range: vscode.Range, order: number): vscode.CompletionItem {
  const c = item(mode, CACHE_MODE_FACTS[mode].summary, new vscode.MarkdownString(cacheModeMarkdown(mode)), range, order);
  if (NOT_CRASH_SAFE.has(mode)) c.label = { label: mode, description: vscode.l10n.t('not crash-safe') };
  c.preselect = order === 0;
  return c;
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
      c.command = { command: 'editor.action.triggerSuggest', title: vscode.l10n.t('Suggest cache modes') };
    }
    return c;
  });
}
