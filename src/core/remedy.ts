// What an operator can do about a refusal or a failure, as a code. The engine decides which
// remedies apply; each front words them in its own terms (the CLI names flags, the editor names
// settings and offers buttons), so neither borrows the other's vocabulary.

export type Remedy =
  /** No usable qemu-img: install the distribution's package. */
  | 'install-qemu-img'
  /** Point the tools at a qemu-img executable (the configured one is missing or is not qemu-img). */
  | 'choose-qemu-img'
  /** The target exists: replace it on purpose, or pick another name. */
  | 'replace-target'
  /** The source names a backing file: allow it for an image the user built. */
  | 'allow-backing-file'
  /** The source's content looks like text, not a disk: convert it as raw only if that is meant. */
  | 'allow-text';

/** Where qemu-img comes from on each platform: facts, the same in every front. */
export const QEMU_IMG_PACKAGES: readonly { platform: string; install: string }[] = [
  { platform: 'Debian/Ubuntu', install: 'sudo apt install qemu-utils' },
  { platform: 'Fedora/RHEL', install: 'sudo dnf install qemu-img' },
  { platform: 'macOS', install: 'brew install qemu' },
  { platform: 'Windows', install: 'the QEMU installer linked from https://www.qemu.org/download/#windows' },
];

/** "Install it (Debian/Ubuntu: sudo apt install qemu-utils; …)." */
export function installHint(): string {
  return `Install it (${QEMU_IMG_PACKAGES.map((p) => `${p.platform}: ${p.install}`).join('; ')}).`;
}

/** An error that carries remedies (ConvertError, QemuImgError). */
export function remediesOf(err: unknown): readonly Remedy[] {
  const r = (err as { remedies?: unknown } | null | undefined)?.remedies;
  return Array.isArray(r) ? (r as Remedy[]) : [];
}
