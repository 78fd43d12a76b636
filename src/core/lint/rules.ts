// The rule registry: every rule id, where it applies, its default severity and a one-line
// title. The disk rules are units in lint/disk/rules (each with its own data); Nova's rules live
// in novaConf.ts. Both fronts read this table.
import type { FileKind, Severity, SeveritySetting } from '../types';
import { DISK_RULES } from './disk';
import type { CommandLineRuleId, DiskRuleId, NovaRuleId, PackerRuleId, ProxmoxRuleId, RuleId } from './ruleIds';

export type { RuleId } from './ruleIds';

export interface RuleInfo {
  id: RuleId;
  /** Every kind of file the rule reads (the disk rules read every dialect that yields disks). */
  kinds: readonly FileKind[];
  severity: Severity;
  /** One line, for rule lists, SARIF and settings descriptions. */
  title: string;
  /** Rules whose finding on the same subject this one's makes redundant (see DiskRule.supersedes). */
  supersedes?: readonly RuleId[];
}

// The disk rules are units (lint/disk/rules); they read every dialect that yields disks.
export const DISK_DIALECTS = ['domain-xml', 'shell-script', 'systemd-unit', 'proxmox-vm', 'makefile', 'dockerfile', 'packer', 'python', 'ansible'] as const satisfies readonly FileKind[];
const COMMAND_LINE_DIALECTS: readonly FileKind[] = ['shell-script', 'systemd-unit', 'makefile', 'dockerfile', 'packer', 'python', 'ansible'];

/**
 * The disk rules a Proxmox drive can trigger: its reader yields no shareable, vhost, LUN or RBD
 * disk and no machine type, so the others never fire there (test/unit/proxmox.test.ts checks it).
 */
export const PROXMOX_DISK_RULES: readonly DiskRuleId[] = ['cache-invalid', 'io-native-needs-direct', 'cache-unsafe', 'cache-writethrough', 'cache-directsync'];

const kindsOf = (id: DiskRuleId): FileKind[] => DISK_DIALECTS.filter((k) => k !== 'proxmox-vm' || PROXMOX_DISK_RULES.includes(id));

const NOVA_RULES = [
  ['nova-conf-syntax', 'error', 'oslo.config refuses the whole file'],
  ['nova-cachemodes-section', 'error', 'disk_cachemodes where Nova never reads it'],
  ['nova-cachemodes-syntax', 'error', 'disk_cachemodes written in a form Nova does not parse'],
  ['nova-cachemodes-invalid-mode', 'error', 'disk_cachemodes item with an unknown cache mode'],
  ['nova-cachemodes-unknown-type', 'warning', 'disk_cachemodes item for a disk type that never matches'],
  ['nova-cachemodes-duplicate', 'warning', 'disk_cachemodes item or line that a later one overrides'],
  ['nova-cachemodes-unsafe', 'warning', 'disk_cachemodes sets unsafe: guest flushes are ignored'],
  ['nova-cachemodes-writethrough', 'warning', 'disk_cachemodes sets writethrough: slow, and no safer than none'],
  ['nova-cachemodes-directsync', 'info', 'disk_cachemodes sets directsync: every write is synchronous'],
  ['nova-rbd-cache', 'hint', 'RBD images without network=writeback: the librbd cache stays off'],
  ['nova-rbd-force-raw', 'error', 'images_type = rbd with force_raw_images = False'],
  ['nova-images-type-invalid', 'error', 'images_type that oslo.config refuses (choices are case-sensitive)'],
  ['nova-image-inspection-off', 'warning', 'Deep image inspection disabled'],
  ['nova-vmdk-types', 'warning', 'vmdk_allowed_types allows VMDK subformats that can read host files'],
] as const satisfies readonly (readonly [NovaRuleId, Severity, string])[];

// qemu-img and QEMU command lines (qemuImgArgs.ts).
const COMMAND_LINE_RULES = [
  ['qemu-img-convert-writethrough', 'warning', 'qemu-img convert -t writethrough: one flush per write'],
] as const satisfies readonly (readonly [CommandLineRuleId, Severity, string])[];

const PROXMOX_RULES = [
  ['proxmox-io-uring-storage', 'warning', 'aio=io_uring on krbd, LVM or CIFS storage, where qemu-server never picks it'],
] as const satisfies readonly (readonly [ProxmoxRuleId, Severity, string])[];

// Packer's QEMU builder (lint/packer/template.ts).
const PACKER_RULES = [
  ['packer-disk-option-invalid', 'error', 'disk_discard or disk_detect_zeroes value that Packer refuses'],
  ['packer-disk-settings-ignored', 'warning', 'disk_cache, disk_discard or disk_detect_zeroes beside a qemuargs -drive, which replaces the drives they configure'],
] as const satisfies readonly (readonly [PackerRuleId, Severity, string])[];

export const RULES: readonly RuleInfo[] = [
  { id: 'xml-syntax', kinds: ['domain-xml'], severity: 'error', title: 'Domain XML that is not well-formed: libvirt refuses the whole file' },
  ...DISK_RULES.map(
    (r): RuleInfo => ({ id: r.id, kinds: kindsOf(r.id), severity: r.severity, title: r.title, ...(r.supersedes ? { supersedes: r.supersedes } : {}) }),
  ),
  ...NOVA_RULES.map(([id, severity, title]): RuleInfo => ({ id, kinds: ['nova-conf'], severity, title })),
  ...COMMAND_LINE_RULES.map(([id, severity, title]): RuleInfo => ({ id, kinds: COMMAND_LINE_DIALECTS, severity, title })),
  ...PROXMOX_RULES.map(([id, severity, title]): RuleInfo => ({ id, kinds: ['proxmox-vm'], severity, title })),
  ...PACKER_RULES.map(([id, severity, title]): RuleInfo => ({ id, kinds: ['packer'], severity, title })),
];

const byId = new Map<string, RuleInfo>(RULES.map((r) => [r.id, r]));

export function ruleInfo(id: string): RuleInfo | undefined {
  return byId.get(id);
}

/** Path of a rule's documentation page, relative to the project (and the packaged extension). */
export function ruleDocPath(id: string): string {
  return `docs/rules/${id}.md`;
}

/** Public address of a rule's documentation page, for SARIF and the CLI. */
export const DOCS_URL_BASE = 'https://github.com/qemu-disk-tools/qemu-disk-tools/blob/main/';

export function ruleDocUrl(id: string): string {
  return DOCS_URL_BASE + ruleDocPath(id);
}

/** The rules of a file kind that a severity setting leaves on (the registry's default, else the override). */
export function activeRules(kind: FileKind, severities: Readonly<Record<string, SeveritySetting>> = {}): RuleInfo[] {
  return RULES.filter((r) => r.kinds.includes(kind) && (severities[r.id] ?? r.severity) !== 'off');
}

export function rulesOfKind(kind: FileKind): RuleInfo[] {
  return RULES.filter((r) => r.kinds.includes(kind));
}
