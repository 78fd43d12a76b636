// The disk model: what the disk rules read, whatever file the disk was written in. A dialect
// supplies a reader (its text → Disk, with the source range of each setting) and an edit writer
// (set or remove cache/io in its own syntax); the rules in ./rules are written once against this.
import type { Finding, Fix, RelatedLocation, TextEdit } from '../../types';
import type { RuleId } from '../ruleIds';
import { CACHE_MODES, CACHE_MODE_FACTS } from '../cacheModes';

export interface Range {
  start: number;
  end: number;
}

/** One setting as written: its value, where the value sits and where the whole setting sits. */
export interface Setting {
  name: string;
  value: string;
  /** The value's range (what a diagnostic underlines and a fix replaces). */
  valueStart: number;
  valueEnd: number;
  /** The whole setting, name included (what a related location points at). */
  start: number;
  end: number;
  /** False when the file does not hold the real value (a template, a variable, still being typed). */
  literal: boolean;
}

/** Writes cache and io settings in the dialect's own syntax; undefined where it cannot. */
export interface DiskEdits {
  setCache(mode: string): TextEdit[] | undefined;
  setIo(mode: string): TextEdit[] | undefined;
  remove(setting: Setting): TextEdit[] | undefined;
  replace(setting: Setting, value: string): TextEdit[] | undefined;
}

/** How the dialect writes things, for messages that read as the user's own file. */
export interface DiskSyntax {
  /** A setting as the user would write it: cache='none' in XML, cache=none elsewhere. */
  show(name: string, value: string): string;
  /** The program that reads the file and refuses what cannot start: "libvirt". */
  program: string;
  /** What it does then: "refuses the domain". */
  refuses: string;
  /** How the file marks a disk as shared: "<shareable/>". */
  shareableMark: string;
  /** The quoted error the refusing program prints, when known, keyed by rule id. */
  refusal?: Partial<Record<string, string>>;
  /** The cache values the program accepts, when they are not libvirt's (CACHE_MODES). */
  cacheModes?: readonly string[];
  /** The io values the program accepts, when they are not libvirt's (IO_MODES). */
  ioModes?: readonly string[];
  /** Other names the program accepts for a cache mode (QEMU: off = none). */
  cacheAliases?: Readonly<Record<string, string>>;
  /** Who checks the values before `program` sees them, and what it does with one it does not know (cache-invalid). */
  valueReader?: { program: string; refuses: string };
}

/** What the dialect puts in force when the file sets no cache (libvirt leaves QEMU's writeback), or no io. */
export interface DefaultCache {
  mode: string;
  /** How a message names it: "no cache option (qemu-server then passes cache=none)". */
  shown: string;
}

export interface Disk {
  /** Where findings about the disk as a whole go (the <disk> name, the drive key). */
  anchor: Range;
  /** Where findings about the cache go when it is not set (the <driver> name, the drive key). */
  cacheAnchor: Range;
  /** libvirt's disk type: file, block, network, volume, dir, nvme, vhostuser, vhostvdpa. */
  type: string;
  /** disk, cdrom, floppy, lun. */
  device: string;
  format?: Setting;
  cache?: Setting;
  io?: Setting;
  readonly: boolean;
  /** Where the disk is marked shared, if it is. */
  shareable?: Range;
  transient: boolean;
  /** Network protocol of the source (rbd, nbd, iscsi, …). */
  protocol?: string;
  /** The source names media (a CD-ROM or floppy with nothing inserted names none). */
  hasMedia: boolean;
  /** The guest's versioned machine type, when the file says it (domain XML <os><type machine>). */
  machine?: string;
  /** The mode in force without a cache setting, when the dialect picks one (else QEMU's writeback). */
  defaultCache?: DefaultCache;
  /**
   * The io mode in force without an io setting, when the dialect's program adds one (virt-install:
   * native on a block device; KubeVirt: native on a block volume with cache none).
   */
  defaultIo?: DefaultCache;
  /**
   * The io setting reaches no driver that reads it, so no io mode is refused: Proxmox storage
   * that QEMU opens with its own network driver (librbd, libiscsi), where qemu-server's
   * generate_file_blockdev sets aio only for the file, host_device and host_cdrom drivers.
   */
  ioUnread?: boolean;
  /**
   * Removing the cache setting is surer than setting none: the dialect's default probes O_DIRECT
   * and falls back to a mode that works (KubeVirt on a file volume: SetDriverCacheMode).
   */
  preferDefaultCache?: boolean;
  /** Why a direct cache (O_DIRECT) is wrong for this disk, when the storage says so (btrfs without nocow). */
  directHarmful?: string;
  /** Appended to every finding's message about this disk (" (in snapshot 'before-upgrade')"). */
  note?: string;
  edits: DiskEdits;
  syntax: DiskSyntax;
}

/** Modes that open the image with O_DIRECT: what io='native', vhost-vdpa and shared disks need. */
export const DIRECT_MODES: ReadonlySet<string> = new Set(CACHE_MODES.filter((m) => CACHE_MODE_FACTS[m].oDirect.startsWith('yes')));

/** A value as quoted in a message: long garbage is cut short. */
export const shortValue = (v: string) => (v.length > 40 ? `${v.slice(0, 37)}…` : v);

/**
 * Writable = not read-only, not a CD-ROM, not a floppy without media. libvirt forces every
 * CD-ROM read-only (virDomainDiskDefPostParse).
 */
export function isWritable(d: Disk): boolean {
  if (d.readonly || d.device === 'cdrom') return false;
  return !(d.device === 'floppy' && !d.hasMedia);
}

/**
 * What the rules derive once per disk: the cache mode in force ('default' when unset), the io
 * mode, and whether either can be judged at all (undefined = not literal or not a valid mode).
 */
export interface DiskFacts {
  disk: Disk;
  /** The cache mode in force, 'default' when none is set; undefined when it cannot be judged. */
  mode: string | undefined;
  /** The io mode as set (or the dialect's default io); undefined when unset or not judgeable. */
  io: string | undefined;
  /** The io setting is absent or literal (a templated io leaves the disk unjudged). */
  ioKnown: boolean;
  direct: boolean;
  writable: boolean;
  rbd: boolean;
  /** The cache as a message names it: "cache='unsafe'" or "no cache mode (QEMU's default, writeback)". */
  shown: string;
}

/** A finding about one disk; `subject` groups the findings of one disk for rule precedence. */
export function finding(d: Disk, rule: RuleId, severity: Finding['severity'], message: string, range: Range, fixes: Fix[], related?: RelatedLocation[]): Finding {
  const f: Finding = { rule, severity, message, start: range.start, end: range.end, fixes, subject: d.anchor.start };
  if (related && related.length > 0) f.related = related;
  return f;
}

/** A fix, or none when the dialect cannot write it; `preferred` marks what fix-all applies. */
export function fix(title: string, edits: TextEdit[] | undefined, preferred = false): Fix[] {
  if (!edits) return [];
  return [preferred ? { title, edits, preferred } : { title, edits }];
}

/** Where a finding about the cache goes: its value, else the dialect's cache anchor. */
export function cacheRange(d: Disk): Range {
  return d.cache ? { start: d.cache.valueStart, end: d.cache.valueEnd } : d.cacheAnchor;
}

/** Whether advice may name 'directsync' (KubeVirt does not accept it). */
export function hasDirectsync(s: DiskSyntax): boolean {
  return !s.cacheModes || s.cacheModes.includes('directsync');
}

export function valueRange(s: Setting): Range {
  return { start: s.valueStart, end: s.valueEnd };
}

/** "The cache mode is set here", pointing at the whole cache setting, when it is written. */
export function cacheRelated(d: Disk): RelatedLocation[] {
  return d.cache ? [{ start: d.cache.start, end: d.cache.end, message: 'The cache mode is set here.' }] : [];
}

/**
 * The disks the cache-mode rules judge: writable, cache and io readable, and not a kind with its
 * own rule (vhost-user, vhost-vdpa) or one whose cache never reaches the guest (device='lun').
 */
export function cacheJudged(f: DiskFacts): boolean {
  const d = f.disk;
  return f.mode !== undefined && f.ioKnown && f.writable && d.type !== 'vhostuser' && d.type !== 'vhostvdpa' && d.device !== 'lun';
}
