// The rule registry: every rule id, where it applies, its default severity and a one-line
// title. The disk rules are units in lint/disk/rules and Nova's in lint/nova/rules (each with its
// own data). Both fronts read this table.
import type { FileKind, Severity, SeveritySetting } from '../types';
import { DISK_RULES } from './disk';
import { NOVA_RULES } from './nova';
import type { CommandLineRuleId, DiskRuleId, KubevirtRuleId, PackerRuleId, ProxmoxRuleId, RuleId } from './ruleIds';

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
export const DISK_DIALECTS = ['domain-xml', 'shell-script', 'systemd-unit', 'proxmox-vm', 'kubevirt-yaml', 'makefile', 'dockerfile', 'packer', 'python', 'ansible'] as const satisfies readonly FileKind[];
const COMMAND_LINE_DIALECTS: readonly FileKind[] = ['shell-script', 'systemd-unit', 'makefile', 'dockerfile', 'packer', 'python', 'ansible'];

/**
 * The disk rules a Proxmox drive can trigger: its reader yields no shareable, vhost, LUN or RBD
 * disk and no machine type, so the others never fire there (test/unit/proxmox.test.ts checks it).
 */
export const PROXMOX_DISK_RULES: readonly DiskRuleId[] = ['cache-invalid', 'io-native-needs-direct', 'cache-unsafe', 'cache-writethrough', 'cache-directsync'];

/**
 * The disk rules a KubeVirt disk can trigger: KubeVirt admits only none, writethrough and
 * writeback, and its reader yields no vhost, RBD or machine type and no format (test/unit/kubevirt.test.ts checks it).
 */
export const KUBEVIRT_DISK_RULES: readonly DiskRuleId[] = ['cache-invalid', 'io-native-needs-direct', 'cache-writethrough', 'shareable-cache', 'lun-cache-ignored'];

const REACHED: Partial<Record<FileKind, readonly DiskRuleId[]>> = { 'proxmox-vm': PROXMOX_DISK_RULES, 'kubevirt-yaml': KUBEVIRT_DISK_RULES };
const kindsOf = (id: DiskRuleId): FileKind[] => DISK_DIALECTS.filter((k) => REACHED[k]?.includes(id) ?? true);

// qemu-img and QEMU command lines (qemuImgArgs.ts, qemuImgConvert.ts, driveDefaultCache.ts).
const COMMAND_LINE_RULES = [
  ['qemu-img-convert-writethrough', 'warning', 'qemu-img convert -t writethrough: one flush per write'],
  ['qemu-img-convert-default-cache', 'info', 'qemu-img convert without -t: the target is never flushed (cache=unsafe)'],
  ['qemu-img-convert-source-nocache', 'info', 'qemu-img convert -T none: the source is read past the page cache (O_DIRECT)'],
  ['qemu-img-convert-zlib', 'hint', 'qemu-img convert -c to qcow2 without compression_type=zstd: zlib is slower'],
  ['qemu-drive-default-cache', 'hint', "-drive without cache=: QEMU's default, writeback"],
] as const satisfies readonly (readonly [CommandLineRuleId, Severity, string])[];

const PROXMOX_RULES = [
  ['proxmox-io-uring-storage', 'warning', 'aio=io_uring on krbd, LVM or CIFS storage, where qemu-server never picks it'],
  ['proxmox-btrfs-cache-direct', 'warning', 'cache=none or directsync on btrfs storage without nocow: checksum errors'],
] as const satisfies readonly (readonly [ProxmoxRuleId, Severity, string])[];

// KubeVirt manifests (lint/kubevirt).
const KUBEVIRT_RULES: readonly (Omit<RuleInfo, 'kinds'> & { id: KubevirtRuleId })[] = [
  { id: 'kubevirt-shareable-cache', severity: 'error', title: 'shareable: true with a cache other than none: virt-launcher refuses the disk', supersedes: ['shareable-cache', 'cache-writethrough'] },
  { id: 'kubevirt-odirect-required', severity: 'info', title: 'cache: none or io: native on a file volume: the VMI fails to start where its filesystem lacks O_DIRECT' },
];

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
  ...NOVA_RULES.map(
    (r): RuleInfo => ({ id: r.id, kinds: ['nova-conf'], severity: r.severity, title: r.title, ...(r.supersedes ? { supersedes: r.supersedes } : {}) }),
  ),
  ...COMMAND_LINE_RULES.map(([id, severity, title]): RuleInfo => ({ id, kinds: COMMAND_LINE_DIALECTS, severity, title })),
  ...PROXMOX_RULES.map(([id, severity, title]): RuleInfo => ({ id, kinds: ['proxmox-vm'], severity, title })),
  ...KUBEVIRT_RULES.map((r): RuleInfo => ({ ...r, kinds: ['kubevirt-yaml'] })),
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
