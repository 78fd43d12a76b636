// The engine's remedies (core/remedy.ts) in editor words: settings by their place in the
// Settings editor, and buttons. No vscode import, so the wording is unit-tested under Node.
import type { Remedy } from '../core/remedy';

export const SETTING_QEMU_IMG_PATH = 'qemuDiskTools.qemuImgPath';
export const SETTING_ALLOW_BACKING_FILE = 'qemuDiskTools.convert.allowBackingFile';

/** What a button does: open a setting, or open the qemu-img install page. */
export type RemedyAction = { kind: 'setting'; key: string } | { kind: 'install-help' };

export interface EditorRemedy {
  /** A sentence added to the message. */
  text: string;
  /** A button offering it, when there is something to click. */
  button?: { label: string; action: RemedyAction };
}

export const OPEN_SETTINGS = 'Open Settings';
export const INSTALL_HELP = 'How to Install qemu-img';

const EDITOR_REMEDY: Readonly<Record<Remedy, EditorRemedy>> = {
  'install-qemu-img': {
    text: 'Install qemu-img (on Debian and Ubuntu: the qemu-utils package).',
    button: { label: INSTALL_HELP, action: { kind: 'install-help' } },
  },
  'choose-qemu-img': {
    text: `A qemu-img elsewhere can be set in the setting ${SETTING_QEMU_IMG_PATH} (user or remote settings).`,
    button: { label: OPEN_SETTINGS, action: { kind: 'setting', key: SETTING_QEMU_IMG_PATH } },
  },
  'replace-target': { text: 'Run Convert again and choose Replace when asked, or pick another name.' },
  'allow-backing-file': {
    text: `If you built this image yourself, turn on the setting ${SETTING_ALLOW_BACKING_FILE} (user or remote settings) to convert it with its backing file.`,
    button: { label: OPEN_SETTINGS, action: { kind: 'setting', key: SETTING_ALLOW_BACKING_FILE } },
  },
  // Asked in a modal dialog with a "Convert Anyway" button (convertCommand.ts), never as a sentence.
  'allow-text': { text: '' },
};

/** The message with the editor's remedies, and the buttons to offer (one per label). */
export function editorMessage(message: string, remedies: readonly Remedy[]): { text: string; buttons: { label: string; action: RemedyAction }[] } {
  const parts = [message];
  const buttons: { label: string; action: RemedyAction }[] = [];
  for (const r of remedies) {
    const e = EDITOR_REMEDY[r];
    if (e.text) parts.push(e.text);
    if (e.button && !buttons.some((b) => b.label === e.button!.label)) buttons.push(e.button);
  }
  return { text: parts.join(' '), buttons };
}
