// What cache/io value sits at an offset, for hover and completion. Pure and tolerant: it works
// on half-typed text (an attribute whose closing quote is not there yet), which a parser would
// refuse. XML goes through the rules' own tolerant scanner (xmlScan.ts), so hover and the
// rules agree on which <driver> belongs to a disk.
import type { FileKind } from '../types';
import { scanXml } from './domainXml/xmlScan';
import { parseIni, type IniPiece } from './nova/ini';
import { commandLineTargetAt } from './commandLine/modeTargets';
import { shellCommands } from './commandLine/shellWords';
import { unitCommands } from './commandLine/systemdUnit';
import { makefileCommands } from './commandLine/makefile';
import { dockerfileCommands } from './commandLine/dockerfile';
import { pythonCommands } from './commandLine/pythonArgs';
import { ansibleCommands } from './commandLine/ansible';
import { KUBEVIRT_CACHE_MODES, KUBEVIRT_IO_MODES, readKubevirtDisks } from './kubevirt/reader';
import { packerTargetAt } from './packer/modeTargets';

export interface ModeTarget {
  /** Which list of values applies. */
  attr: 'cache' | 'io';
  /** The value as written (may be empty while typing). */
  value: string;
  /** The value's range, without quotes: what a completion replaces. */
  start: number;
  end: number;
  /** Nova only: the disk type of the disk_cachemodes item ('file', 'block', 'network'…). */
  diskType?: string;
  /** Range a hover covers: the value in XML, the whole `type=mode` item in Nova. */
  hoverStart: number;
  hoverEnd: number;
  /** The setting as written, where it is not XML (`cache=none`, `driver.io=native`). */
  label?: string;
  /** The program refuses libvirt's 'default' (QEMU's -drive): completion leaves it out. */
  noDefault?: boolean;
  /** The values the dialect accepts, when fewer than libvirt's (KubeVirt, Packer), and who accepts them. */
  valid?: readonly string[];
  validFor?: string;
  /** The file writes `cache: none` (YAML) rather than cache='none'. */
  yaml?: boolean;
}

/** The cache/io value at `offset` (inclusive of the value's end, where a cursor sits after typing). */
export function modeTargetAt(text: string, kind: FileKind, offset: number): ModeTarget | undefined {
  if (offset < 0 || offset > text.length) return undefined;
  if (kind === 'proxmox-vm') return proxmoxTargetAt(text, offset);
  if (kind === 'shell-script') return commandLineTargetAt(shellCommands(text).map((c) => c.words), offset);
  if (kind === 'systemd-unit') return commandLineTargetAt(unitCommands(text), offset);
  if (kind === 'makefile') return commandLineTargetAt(makefileCommands(text), offset);
  if (kind === 'dockerfile') return commandLineTargetAt(dockerfileCommands(text), offset);
  if (kind === 'python') return commandLineTargetAt(pythonCommands(text), offset);
  if (kind === 'ansible') return commandLineTargetAt(ansibleCommands(text), offset);
  if (kind === 'kubevirt-yaml') return kubevirtTargetAt(text, offset);
  if (kind === 'packer') return packerTargetAt(text, offset);
  return kind === 'domain-xml' ? xmlTargetAt(text, offset) : kind === 'nova-conf' ? novaTargetAt(text, offset) : undefined;
}

// --- domain XML: <disk> … <driver cache='…' io='…'/>, found with the rules' own scanner ---

/** Disks where the rules look: under /domain/devices, or top-level in a <disk> snippet file. */
const isDisk = (path: readonly string[], name: string, top: number) =>
  name === 'disk' && (path.length === 0 || (top === 0 && path.length === 2 && path[0] === 'domain' && path[1] === 'devices'));

const DRIVER_ONLY: ReadonlySet<string> = new Set(['driver']);

function xmlTargetAt(text: string, offset: number): ModeTarget | undefined {
  for (const disk of scanXml(text, isDisk, DRIVER_ONLY).captured) {
    for (const driver of disk.children) {
      if (driver.name !== 'driver' || offset < driver.start || offset > driver.tagEnd) continue;
      for (const name of ['cache', 'io'] as const) {
        const a = driver.attr(name);
        if (a?.quote && offset >= a.valueStart && offset <= a.valueEnd) {
          return { attr: name, value: a.value, start: a.valueStart, end: a.valueEnd, hoverStart: a.valueStart, hoverEnd: a.valueEnd };
        }
      }
    }
  }
  return undefined;
}

// --- Nova: [libvirt] disk_cachemodes = file=none,network=writeback ---

const CACHEMODES_KEY = /^(libvirt_)?disk_cachemodes$/i;

/**
 * The line of a disk_cachemodes value that holds `offset`, parsed as oslo.config reads the file
 * (continuation lines included). Any capitalisation and section: a misplaced option still gets
 * a hover, and the rules say why it is misplaced.
 */
function cachemodesValueAt(text: string, offset: number): IniPiece | undefined {
  for (const e of parseIni(text).entries) {
    if (!CACHEMODES_KEY.test(e.key)) continue;
    for (const p of e.pieces) if (offset >= p.start && offset <= p.end) return p;
  }
  return undefined;
}

// An item stops at a comma, a quote, a bracket or a blank (the forms Nova does not parse still
// get a hover, so that the user sees what they meant).
const ITEM_STOP = /[,"'[\]\s]/;

/** The `type=mode` item of a disk_cachemodes value around `offset`: [start, end). */
function novaItemAt(text: string, offset: number): { start: number; end: number } | undefined {
  const value = cachemodesValueAt(text, offset);
  if (!value) return undefined;
  let start = offset;
  while (start > value.start && !ITEM_STOP.test(text[start - 1])) start--;
  let end = offset;
  while (end < value.end && !ITEM_STOP.test(text[end]) && text[end] !== '#' && text[end] !== ';') end++;
  return { start, end };
}

function novaTargetAt(text: string, offset: number): ModeTarget | undefined {
  const at = novaItemAt(text, offset);
  if (!at) return undefined;
  const { start: itemStart, end: itemEnd } = at;
  const item = text.slice(itemStart, itemEnd);
  const eq = item.indexOf('=');
  if (eq <= 0) return undefined;
  const start = itemStart + eq + 1;
  return {
    attr: 'cache',
    value: text.slice(start, itemEnd),
    start,
    end: itemEnd,
    diskType: item.slice(0, eq),
    hoverStart: itemStart,
    hoverEnd: itemEnd,
  };
}

export interface DiskTypeSlot {
  /** The disk type typed so far, and its range (what a completion replaces). */
  value: string;
  start: number;
  end: number;
  /** An '=' already follows the type. */
  hasEquals: boolean;
}

/** The disk-type half of a disk_cachemodes item at `offset` (before its '='), for completion. */
export function novaDiskTypeSlotAt(text: string, offset: number): DiskTypeSlot | undefined {
  if (offset < 0 || offset > text.length) return undefined;
  const at = novaItemAt(text, offset);
  if (!at) return undefined;
  const item = text.slice(at.start, at.end);
  const eq = item.indexOf('=');
  const end = eq === -1 ? at.end : at.start + eq;
  if (offset > end) return undefined;
  return { value: text.slice(at.start, end), start: at.start, end, hasEquals: eq !== -1 };
}

// --- Proxmox VE VM config: `scsi0: local-lvm:vm-100-disk-0,cache=writeback,aio=native` ---

const PROXMOX_DRIVE = /^(?:(?:ide|sata|scsi|virtio)\d+|efidisk0|tpmstate0):/;

/** The cache= or aio= value of a drive line at `offset` (aio is the io mode). */
function proxmoxTargetAt(text: string, offset: number): ModeTarget | undefined {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const nl = text.indexOf('\n', offset);
  const line = text.slice(lineStart, nl < 0 ? text.length : nl).replace(/\r$/, '');
  if (!PROXMOX_DRIVE.test(line)) return undefined;
  const itemStart = lineStart + line.lastIndexOf(',', offset - lineStart - 1) + 1;
  const comma = line.indexOf(',', offset - lineStart);
  const itemEnd = comma < 0 ? lineStart + line.trimEnd().length : lineStart + comma;
  const m = /^(cache|aio)=/.exec(text.slice(itemStart, itemEnd));
  if (!m || itemStart + m[0].length > offset) return undefined;
  const start = itemStart + m[0].length;
  return { attr: m[1] === 'aio' ? 'io' : 'cache', value: text.slice(start, itemEnd), start, end: itemEnd, hoverStart: start, hoverEnd: itemEnd };
}

// --- KubeVirt: `cache: none` / `io: native` keys of a disk in domain.devices.disks ---

const KUBEVIRT_KEY = /^([ \t]*(?:-[ \t]+)?)(cache|io):[ \t]*(["']?)([A-Za-z_-]*)/;

/** The cache or io value on the line at `offset`, when that line is a key of a disk the reader finds. */
function kubevirtTargetAt(text: string, offset: number): ModeTarget | undefined {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const m = KUBEVIRT_KEY.exec(text.slice(lineStart, lineStart + 200));
  if (!m) return undefined;
  const end = lineStart + m[0].length;
  const start = end - m[4].length;
  const key = lineStart + m[1].length;
  if (offset < start || offset > end) return undefined;
  if (!readKubevirtDisks(text).some((d) => d.range.start <= key && key <= d.range.end)) return undefined;
  const cache = m[2] === 'cache';
  return { attr: cache ? 'cache' : 'io', value: m[4], start, end, hoverStart: start, hoverEnd: end, valid: cache ? KUBEVIRT_CACHE_MODES : KUBEVIRT_IO_MODES, validFor: 'KubeVirt', yaml: true };
}
