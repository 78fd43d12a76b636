// The engine's remedies (core/remedy.ts) in editor words: settings by their place in the
// Settings editor, and buttons. No vscode import, so the wording is unit-tested under Node; the
// extension passes vscode.l10n as the translator.
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

/** The editor's translator: vscode.l10n in the extension, ENGLISH in unit tests. */
export interface Translator {
  t(message: string, ...args: (string | number | boolean)[]): string;
}

/** What vscode.l10n.t returns without a translation: the English, its {0} filled in. */
export const ENGLISH: Translator = { t: (m, ...args) => m.replace(/\{(\d+)\}/g, (whole, i: string) => (Number(i) < args.length ? String(args[Number(i)]) : whole)) };

/** One remedy in editor words (each string a literal l10n.t call, so scripts/generate.ts puts it in the bundle). */
function editorRemedy(r: Remedy, l10n: Translator): EditorRemedy {
  const openSettings = l10n.t('Open Settings');
  switch (r) {
    case 'install-qemu-img':
      return { text: l10n.t('Install qemu-img (on Debian and Ubuntu: the qemu-utils package).'), button: { label: l10n.t('How to Install qemu-img'), action: { kind: 'install-help' } } };
    case 'choose-qemu-img':
      return {
        text: l10n.t('A qemu-img elsewhere can be set in the setting {0} (user or remote settings).', SETTING_QEMU_IMG_PATH),
        button: { label: openSettings, action: { kind: 'setting', key: SETTING_QEMU_IMG_PATH } },
      };
    case 'replace-target':
      return { text: l10n.t('Run Convert again and choose Replace when asked, or pick another name.') };
    case 'allow-backing-file':
      return {
        text: l10n.t('If you built this image yourself, turn on the setting {0} (user or remote settings) to convert it with its backing file.', SETTING_ALLOW_BACKING_FILE),
        button: { label: openSettings, action: { kind: 'setting', key: SETTING_ALLOW_BACKING_FILE } },
      };
    case 'allow-text':
      // Asked in a modal dialog with a "Convert Anyway" button (convertCommand.ts), never as a sentence.
      return { text: '' };
  }
}

/** The message with the editor's remedies, and the buttons to offer (one per label). */
export function editorMessage(
  message: string,
  remedies: readonly Remedy[],
  l10n: Translator = ENGLISH,
): { text: string; buttons: { label: string; action: RemedyAction }[] } {
  const parts = [message];
  const buttons: { label: string; action: RemedyAction }[] = [];
  for (const r of remedies) {
    const e = editorRemedy(r, l10n);
    if (e.text) parts.push(e.text);
    if (e.button && !buttons.some((b) => b.label === e.button!.label)) buttons.push(e.button);
  }
  return { text: parts.join(' '), buttons };
}
