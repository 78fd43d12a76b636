// The libvirt domain XML dialect (rules.md, "libvirt domain XML"): its reader turns each
// /domain/devices/disk of a QEMU domain (kvm, qemu, hvf), or each <disk> of a snippet, whose
// driver is qemu or unnamed, into the disk model; its edit writer sets and removes driver
// attributes. The rules themselves are the disk rules (lint/disk). Nothing else named "cache"
// (<cpu><cache>, <cputune><cachetune>, <filesystem><binary><cache>, NUMA <latency cache=…>) is
// ever read, because only <disk> elements at those two places are captured by the scanner.
import type { Finding, TextEdit } from '../../types';
import { eolOf } from '../../text';
import { attr, child, scanXml, type XmlAttr, type XmlElement } from './xmlScan';
import { insertAttr, insertFirstChild, quoteOf, removeAttr, replaceValue } from './xmlEdits';
import type { Disk, DiskEdits, DiskSyntax, Setting } from '../disk/model';
import { lintDisks } from '../disk';
import { firstWellFormednessError } from './xmlWellFormed';

const QEMU_DOMAIN_TYPES = new Set(['kvm', 'qemu', 'hvf']);
/** Where libvirt places cache among the driver attributes it writes. */
const CACHE_AFTER = ['type', 'name'];
/** Where libvirt places io: after cache. */
const IO_AFTER = ['cache', 'type', 'name'];
/** Source attributes that name media; <source startupPolicy='optional'/> alone names none. */
const SOURCE_ATTRS = ['file', 'dev', 'dir', 'name', 'volume', 'pool', 'protocol', 'path', 'socket', 'managed'];

/** The children the rules read: of <disk>, and <type> of /domain/os (the machine type). */
const CAPTURED_CHILDREN: ReadonlySet<string> = new Set(['driver', 'readonly', 'shareable', 'transient', 'source', 'type']);

/** Template placeholders and entity references: the real value is not in the file. */
const NOT_LITERAL = /[{}$&%]|@\w+@/;

/** An attribute whose value can be judged: present, quoted to the end, not a placeholder. */
function literal(a: XmlAttr | undefined): a is XmlAttr {
  return a !== undefined && a.complete && !NOT_LITERAL.test(a.value);
}

/** libvirt's own error texts (virDomainDiskDefParseXML, qemuValidateDomainDeviceDefDisk…); virt-install's disks get the same. */
export const LIBVIRT_REFUSALS: DiskSyntax['refusal'] = {
  'cache-invalid': ` ("Invalid value for attribute 'NAME'")`,
  'io-native-needs-direct': ` with "io='native' needs either no disk cache or directsync cache mode"`,
  'vhostuser-cache': ` ("NAME is not supported with vhostuser disk")`,
  'shareable-format': ' ("shared access for disk … requires use of supported storage format")',
};

const SYNTAX: DiskSyntax = {
  show: (name, value) => `${name}='${value}'`,
  program: 'libvirt',
  refuses: 'refuses the domain',
  shareableMark: '<shareable/>',
  refusal: LIBVIRT_REFUSALS,
};

function setting(a: XmlAttr | undefined): Setting | undefined {
  if (!a) return undefined;
  return { name: a.name, value: a.value, valueStart: a.valueStart, valueEnd: a.valueEnd, start: a.nameStart, end: a.end, literal: literal(a) };
}

/** The text, and its line break once a fix needs it (found once per file, not per disk). */
interface Doc {
  text: string;
  eol?: string;
}

const elementName = (el: XmlElement) => ({ start: el.start + 1, end: el.nameEnd });

/** Sets and removes <driver> attributes, keeping the file's quotes, order and indentation. */
function editsFor(doc: Doc, el: XmlElement, driver: XmlElement | undefined, cache: XmlAttr | undefined, io: XmlAttr | undefined): DiskEdits {
  const q = quoteOf(driver, quoteOf(el, "'"));
  const byRange = (s: Setting) => (cache && s.valueStart === cache.valueStart ? cache : io && s.valueStart === io.valueStart ? io : undefined);
  const set = (a: XmlAttr | undefined, name: string, value: string, after: string[]): TextEdit[] | undefined => {
    if (a) return a.complete ? [replaceValue(a, value)] : undefined;
    if (driver) return driver.tagClosed ? [insertAttr(driver, name, value, q, after)] : undefined;
    // No <driver> at all: an added <driver name='qemu' …/> changes nothing but this setting
    // (qemuDomainDeviceDiskDefPostParse fills in name='qemu' and format raw with or without it).
    doc.eol ??= eolOf(doc.text);
    const e = insertFirstChild(doc.text, el, `<driver name=${q}qemu${q} ${name}=${q}${value}${q}/>`, doc.eol);
    return e && [e];
  };
  return {
    setCache: (mode) => set(cache, 'cache', mode, CACHE_AFTER),
    setIo: (mode) => set(io, 'io', mode, IO_AFTER),
    remove: (s) => {
      const a = byRange(s);
      return a ? [removeAttr(a)] : undefined;
    },
    replace: (s, value) => {
      const a = byRange(s);
      return a?.complete ? [replaceValue(a, value)] : undefined;
    },
  };
}

/** The disk model of one <disk>, or undefined when a guard says "not ours". */
function readDisk(doc: Doc, el: XmlElement, machine: string | undefined): Disk | undefined {
  const typeAttr = attr(el, 'type');
  const deviceAttr = attr(el, 'device');
  // A disk whose type or device is still being typed or templated cannot be judged.
  if ((typeAttr && !literal(typeAttr)) || (deviceAttr && !literal(deviceAttr))) return undefined;
  const driver = child(el, 'driver');
  const name = driver && attr(driver, 'name');
  if (name && (!literal(name) || name.value !== 'qemu')) return undefined;
  const cache = driver && attr(driver, 'cache');
  const io = driver && attr(driver, 'io');
  const source = child(el, 'source');
  const shareable = child(el, 'shareable');
  return {
    anchor: elementName(el),
    cacheAnchor: elementName(driver ?? el),
    // libvirt's defaults when the attributes are absent.
    type: typeAttr?.value ?? 'file',
    device: deviceAttr?.value ?? 'disk',
    format: setting(driver && attr(driver, 'type')),
    cache: setting(cache),
    io: setting(io),
    readonly: !!child(el, 'readonly'),
    shareable: shareable && { start: shareable.start, end: shareable.tagEnd },
    transient: !!child(el, 'transient'),
    protocol: source && attr(source, 'protocol')?.value,
    hasMedia: !!source && SOURCE_ATTRS.some((n) => (attr(source, n)?.value.trim() ?? '') !== ''),
    machine,
    edits: editsFor(doc, el, driver, cache, io),
    syntax: SYNTAX,
  };
}

/** The <disk> elements to lint and the domain's machine type (see disksOf). */
interface Domain {
  disks: XmlElement[];
  machine?: string;
}

/**
 * The <disk> elements to lint: those under /domain/devices of a QEMU domain, or the top-level
 * <disk> elements of a snippet file (one disk as attach-device takes, or a rootless list).
 */
function disksOf(text: string): Domain {
  const scan = scanXml(
    text,
    (path, name, top) =>
      (name === 'disk' && (path.length === 0 || (top === 0 && path.length === 2 && path[0] === 'domain' && path[1] === 'devices'))) ||
      (name === 'os' && top === 0 && path.length === 1 && path[0] === 'domain'),
    CAPTURED_CHILDREN,
  );
  const root = scan.root;
  if (root?.name === 'disk') return { disks: scan.captured.filter((el) => el.name === 'disk' && el.depth === 0) };
  if (root?.name !== 'domain') return { disks: [] };
  const type = attr(root, 'type');
  if (!literal(type) || !QEMU_DOMAIN_TYPES.has(type.value)) return { disks: [] };
  const os = scan.captured.find((el) => el.name === 'os');
  const osType = os && child(os, 'type');
  const machine = osType && attr(osType, 'machine');
  return { disks: scan.captured.filter((el) => el.name === 'disk' && el.depth === 2), machine: literal(machine) ? machine.value : undefined };
}

/** Lints a libvirt domain XML (or <disk> snippet) text. Never throws. */
export function lintDomainXml(text: string, opts: { template?: boolean } = {}): Finding[] {
  try {
    const domain = disksOf(text);
    const disks: Disk[] = [];
    const doc: Doc = { text };
    // First where libvirt's parser stops; the tolerant scanner still reads every disk it can.
    const broken = opts.template ? undefined : firstWellFormednessError(text);
    for (const el of domain.disks) {
      const d = readDisk(doc, el, domain.machine);
      if (d) disks.push(d);
    }
    const out = lintDisks(disks);
    if (broken) {
      const f: Finding = { rule: 'xml-syntax', severity: 'error', message: broken.message, start: broken.start, end: broken.end, fixes: [] };
      if (broken.related) f.related = [broken.related];
      out.unshift(f);
    }
    return out;
  } catch {
    // The scanner is built not to throw; this only guards against a bug turning into a crash of the editor.
    return [];
  }
}
