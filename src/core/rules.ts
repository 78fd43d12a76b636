// The rule registry: every rule id, where it applies, its default severity and a one-line
// title. The rule logic lives in domainXml.ts and novaConf.ts; both fronts read this table.
import type { FileKind, Severity, SeveritySetting } from './types';

export interface RuleInfo {
  id: string;
  kind: FileKind;
  severity: Severity;
  /** One line, for rule lists, SARIF and settings descriptions. */
  title: string;
}

const xml = (id: string, severity: Severity, title: string): RuleInfo => ({ id, kind: 'domain-xml', severity, title });
const nova = (id: string, severity: Severity, title: string): RuleInfo => ({ id, kind: 'nova-conf', severity, title });

export const RULES: readonly RuleInfo[] = [
  xml('cache-invalid', 'error', 'Disk cache or io value that libvirt does not know'),
  xml('io-native-needs-direct', 'error', "io='native' without cache='none' or 'directsync'"),
  xml('cache-unsafe', 'warning', "cache='unsafe' on a writable disk: guest flushes are ignored"),
  xml('cache-writethrough', 'warning', "cache='writethrough' on a writable disk: slow, and no safer than 'none'"),
  xml('cache-directsync', 'info', "cache='directsync' on a writable disk: every write is synchronous"),
  xml('shareable-cache', 'warning', 'Shareable writable disk with host caching'),
  xml('shareable-format', 'error', 'Shareable writable disk in a format other than raw'),
  xml('vhostuser-cache', 'error', 'vhost-user disk with a cache or io attribute'),
  xml('vhostvdpa-cache', 'error', "vhost-vdpa disk without cache='none' or 'directsync'"),
  xml('migration-cache', 'hint', 'Live migration of this disk needs libvirt >= 5.7 with QEMU >= 4.0'),
  xml('rbd-cache-none', 'hint', "RBD disk with cache='none' turns the librbd cache off"),
  xml('lun-cache-ignored', 'hint', "cache on a device='lun' disk has no effect"),
  nova('nova-conf-syntax', 'error', 'oslo.config refuses the whole file'),
  nova('nova-cachemodes-section', 'error', 'disk_cachemodes where Nova never reads it'),
  nova('nova-cachemodes-syntax', 'error', 'disk_cachemodes written in a form Nova does not parse'),
  nova('nova-cachemodes-invalid-mode', 'error', 'disk_cachemodes item with an unknown cache mode'),
  nova('nova-cachemodes-unknown-type', 'warning', 'disk_cachemodes item for a disk type that never matches'),
  nova('nova-cachemodes-duplicate', 'warning', 'disk_cachemodes item or line that a later one overrides'),
  nova('nova-cachemodes-unsafe', 'warning', 'disk_cachemodes sets unsafe: guest flushes are ignored'),
  nova('nova-cachemodes-writethrough', 'warning', 'disk_cachemodes sets writethrough: slow, and no safer than none'),
  nova('nova-cachemodes-directsync', 'info', 'disk_cachemodes sets directsync: every write is synchronous'),
  nova('nova-rbd-cache', 'hint', 'RBD images without network=writeback: the librbd cache stays off'),
  nova('nova-rbd-force-raw', 'error', 'images_type = rbd with force_raw_images = False'),
  nova('nova-image-inspection-off', 'warning', 'Deep image inspection disabled'),
  nova('nova-vmdk-types', 'warning', 'vmdk_allowed_types allows VMDK subformats that can read host files'),
];

const byId = new Map(RULES.map((r) => [r.id, r]));

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
  return RULES.filter((r) => r.kind === kind && (severities[r.id] ?? r.severity) !== 'off');
}

export function rulesOfKind(kind: FileKind): RuleInfo[] {
  return RULES.filter((r) => r.kind === kind);
}
