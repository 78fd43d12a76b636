// Every rule id, as a type: a finding, a setting or a test that names a rule that does not exist
// does not compile. The rules' data and checks live in their units (lint/disk/rules for the disk
// rules, lint/nova/rules for Nova's); the registry (rules.ts) checks that each id here has one.
/** Rules of the domain XML file itself, not of a disk. */
export const XML_RULE_IDS = ['xml-syntax'] as const;

export const DISK_RULE_IDS = [
  'cache-invalid',
  'io-native-needs-direct',
  'cache-unsafe',
  'cache-writethrough',
  'cache-directsync',
  'shareable-cache',
  'shareable-format',
  'vhostuser-cache',
  'vhostvdpa-cache',
  'migration-cache',
  'rbd-cache-none',
  'lun-cache-ignored',
] as const;

export const NOVA_RULE_IDS = [
  'nova-conf-syntax',
  'nova-cachemodes-section',
  'nova-cachemodes-syntax',
  'nova-cachemodes-invalid-mode',
  'nova-cachemodes-unknown-type',
  'nova-cachemodes-duplicate',
  'nova-cachemodes-unsafe',
  'nova-cachemodes-writethrough',
  'nova-cachemodes-directsync',
  'nova-rbd-cache',
  'nova-rbd-force-raw',
  'nova-images-type-invalid',
  'nova-image-inspection-off',
  'nova-vmdk-types',
] as const;

/** Rules of QEMU and qemu-img command lines that are not about a disk's cache or io. */
export const COMMAND_LINE_RULE_IDS = [
  'qemu-img-convert-writethrough',
  'qemu-img-convert-default-cache',
  'qemu-img-convert-source-nocache',
  'qemu-img-convert-zlib',
  'qemu-drive-default-cache',
] as const;

/** Rules of the Proxmox VE dialect alone (lint/proxmox). */
export const PROXMOX_RULE_IDS = ['proxmox-io-uring-storage', 'proxmox-btrfs-cache-direct'] as const;

/** Rules of the KubeVirt dialect alone (lint/kubevirt). */
export const KUBEVIRT_RULE_IDS = ['kubevirt-shareable-cache', 'kubevirt-odirect-required'] as const;

/** Rules of Packer's QEMU builder settings (lint/packer). */
export const PACKER_RULE_IDS = ['packer-disk-option-invalid', 'packer-disk-settings-ignored'] as const;

export type XmlRuleId = (typeof XML_RULE_IDS)[number];
export type DiskRuleId = (typeof DISK_RULE_IDS)[number];
export type ProxmoxRuleId = (typeof PROXMOX_RULE_IDS)[number];
export type NovaRuleId = (typeof NOVA_RULE_IDS)[number];
export type CommandLineRuleId = (typeof COMMAND_LINE_RULE_IDS)[number];
export type KubevirtRuleId = (typeof KUBEVIRT_RULE_IDS)[number];
export type PackerRuleId = (typeof PACKER_RULE_IDS)[number];
export type RuleId = XmlRuleId | DiskRuleId | NovaRuleId | CommandLineRuleId | ProxmoxRuleId | KubevirtRuleId | PackerRuleId;
