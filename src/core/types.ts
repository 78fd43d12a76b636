// Shared shapes of the engine. Offsets are UTF-16 code-unit offsets into the text that was
// linted (the same units as JavaScript strings and VS Code's TextDocument.offsetAt), so the
// editor and the CLI place every finding identically.
import type { RuleId } from './lint/ruleIds';

/** Most severe first. */
export const SEVERITIES = ['error', 'warning', 'info', 'hint'] as const;
export type Severity = (typeof SEVERITIES)[number];
export type SeveritySetting = Severity | 'off';

/** Whether `s` is `level` or more severe. */
export function atLeast(s: Severity, level: Severity): boolean {
  return SEVERITIES.indexOf(s) <= SEVERITIES.indexOf(level);
}

/** What kind of file a text is. */
export type FileKind = 'domain-xml' | 'nova-conf' | 'shell-script' | 'systemd-unit' | 'proxmox-vm' | 'kubevirt-yaml' | 'makefile' | 'dockerfile' | 'packer' | 'python' | 'ansible';

/** Replace text[start, end) with newText. */
export interface TextEdit {
  start: number;
  end: number;
  newText: string;
}

export interface Fix {
  /** Imperative, shown as the quick-fix title: "Set cache='none'". */
  title: string;
  edits: TextEdit[];
  /** The fix that source.fixAll and `lint --fix` apply. At most one per finding. */
  preferred?: boolean;
}

export interface RelatedLocation {
  start: number;
  end: number;
  message: string;
}

export interface Finding {
  /** A registry id: a misspelt rule id does not compile. */
  rule: RuleId;
  severity: Severity;
  /** What is wrong, what happens because of it, what to do. */
  message: string;
  start: number;
  end: number;
  fixes: Fix[];
  related?: RelatedLocation[];
  /**
   * What the finding is about (a disk: the offset of its anchor). Rule precedence applies only
   * between findings of one subject.
   */
  subject?: number;
}

export interface LintOptions {
  /** Per-rule severity overrides; 'off' drops the rule. */
  severities?: Readonly<Record<string, SeveritySetting>>;
  /** The file started with a UTF-8 byte-order mark that was stripped before linting. */
  hadBom?: boolean;
  /** Proxmox VM configs: the text of the cluster's storage.cfg, when the front found one. */
  storageCfg?: string;
}
