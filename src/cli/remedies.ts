// The engine's remedies (core/remedy.ts) in command-line words: flags, never settings or buttons.
import { installHint, type Remedy } from '../core/remedy';

const CLI_REMEDY: Readonly<Record<Remedy, string>> = {
  'install-qemu-img': installHint(),
  'choose-qemu-img': 'A qemu-img elsewhere can be given with --qemu-img PATH.',
  'replace-target': 'Add --force to replace it, or choose another target name.',
  'allow-backing-file': 'If you built the image yourself, add --allow-backing-file to convert it with its backing file.',
  'allow-text': 'If it really is a raw disk image, add --allow-text to convert it anyway.',
};

/** The message, then what to do about it on the command line. */
export function cliMessage(message: string, remedies: readonly Remedy[]): string {
  return [message, ...remedies.map((r) => CLI_REMEDY[r])].join(' ');
}
