// The libvirt domain XML rules (rules.md, "libvirt domain XML"): only
// /domain/devices/disk/driver/@cache and @io, on QEMU domains (kvm, qemu, hvf) or a <disk>
// snippet, for disks whose driver is qemu or unnamed. Nothing else named "cache" (<cpu><cache>,
// <cputune><cachetune>, <filesystem><binary><cache>, NUMA <latency cache=…>) is ever read,
// because only <disk> elements at those two places are captured by the scanner.
import type { Finding, Fix, RelatedLocation, TextEdit } from './types';
import { CACHE_MODES, CACHE_MODE_FACTS, IO_MODES, isCacheMode, isIoMode, suggestValue } from './cacheModes';
import { ruleInfo } from './rules';
import { eolOf } from './text';
import { attr, child, scanXml, type XmlAttr, type XmlElement } from './xmlScan';
import { insertAttr, insertFirstChild, quoteOf, removeAttr, replaceValue } from './xmlEdits';
import { firstWellFormednessError } from './xmlWellFormed';

const QEMU_DOMAIN_TYPES = new Set(['kvm', 'qemu', 'hvf']);
/** Modes that open the image with O_DIRECT: what io='native', vhost-vdpa and shared disks need. */
const DIRECT_MODES: ReadonlySet<string> = new Set(CACHE_MODES.filter((m) => CACHE_MODE_FACTS[m].oDirect.startsWith('yes')));
/** Where libvirt places cache among the driver attributes it writes. */
const CACHE_AFTER = ['type', 'name'];
/** Source attributes that name media; <source startupPolicy='optional'/> alone names none. */
const SOURCE_ATTRS = ['file', 'dev', 'dir', 'name', 'volume', 'pool', 'protocol', 'path', 'socket', 'managed'];

/** The children of <disk> that the rules read. */
const DISK_CHILDREN: ReadonlySet<string> = new Set(['driver', 'readonly', 'shareable', 'transient', 'source']);

/** Template placeholders and entity references: the real value is not in the file. */
const NOT_LITERAL = /[{}$&%]|@\w+@/;

/** An attribute whose value can be judged: present, quoted to the end, not a placeholder. */
function literal(a: XmlAttr | undefined): a is XmlAttr {
  return a !== undefined && a.complete && !NOT_LITERAL.test(a.value);
}

interface Disk {
  el: XmlElement;
  driver?: XmlElement;
  type: string;
  device: string;
  cache?: XmlAttr;
  io?: XmlAttr;
  format?: XmlAttr;
  readonly?: XmlElement;
  shareable?: XmlElement;
  transient?: XmlElement;
  source?: XmlElement;
}

/** What the rules need of one <disk>, or undefined when a guard says "not ours". */
function readDisk(el: XmlElement): Disk | undefined {
  const typeAttr = attr(el, 'type');
  const deviceAttr = attr(el, 'device');
  // A disk whose type or device is still being typed or templated cannot be judged.
  if ((typeAttr && !literal(typeAttr)) || (deviceAttr && !literal(deviceAttr))) return undefined;
  const driver = child(el, 'driver');
  const name = driver && attr(driver, 'name');
  if (name && (!literal(name) || name.value !== 'qemu')) return undefined;
  return {
    el,
    driver,
    // libvirt's defaults when the attributes are absent.
    type: typeAttr?.value ?? 'file',
    device: deviceAttr?.value ?? 'disk',
    cache: driver && attr(driver, 'cache'),
    io: driver && attr(driver, 'io'),
    format: driver && attr(driver, 'type'),
    readonly: child(el, 'readonly'),
    shareable: child(el, 'shareable'),
    transient: child(el, 'transient'),
    source: child(el, 'source'),
  };
}

function hasMedia(d: Disk): boolean {
  const source = d.source;
  return !!source && SOURCE_ATTRS.some((name) => (attr(source, name)?.value.trim() ?? '') !== '');
}

/**
 * Writable = not <readonly/>, not a CD-ROM, not a floppy without media. rules.md counts a CD-ROM
 * with media as writable; libvirt forces every CD-ROM read-only (virDomainDiskDefPostParse).
 */
function isWritable(d: Disk): boolean {
  if (d.readonly || d.device === 'cdrom') return false;
  return !(d.device === 'floppy' && !hasMedia(d));
}

/** A value as quoted in a message: long garbage is cut short. */
const shortValue = (v: string) => (v.length > 40 ? `${v.slice(0, 37)}…` : v);

const elementName = (el: XmlElement) => ({ start: el.start + 1, end: el.nameEnd });

class DiskLinter {
  readonly out: Finding[] = [];
  private eol: string | undefined;

  constructor(private readonly text: string) {}

  /** Where a finding about the cache goes: its value, else the <driver> name, else the <disk> name. */
  cacheRange(d: Disk): { start: number; end: number } {
    if (d.cache) return { start: d.cache.valueStart, end: d.cache.valueEnd };
    return elementName(d.driver ?? d.el);
  }

  /** Edits that make the disk's cache `mode`: replace the value, add the attribute, or add a <driver>. */
  setCache(d: Disk, mode: string): TextEdit[] | undefined {
    if (d.cache) return d.cache.complete ? [replaceValue(d.cache, mode)] : undefined;
    const q = quoteOf(d.driver, quoteOf(d.el, "'"));
    if (d.driver) return d.driver.tagClosed ? [insertAttr(d.driver, 'cache', mode, q, CACHE_AFTER)] : undefined;
    // No <driver> at all: an added <driver name='qemu' cache=…/> changes nothing but the cache
    // (qemuDomainDeviceDiskDefPostParse fills in name='qemu' and format raw with or without it).
    this.eol ??= eolOf(this.text);
    const e = insertFirstChild(this.text, d.el, `<driver name=${q}qemu${q} cache=${q}${mode}${q}/>`, this.eol);
    return e && [e];
  }

  fix(title: string, edits: TextEdit[] | undefined, preferred = false): Fix[] {
    if (!edits) return [];
    return [preferred ? { title, edits, preferred } : { title, edits }];
  }

  setCacheFix(d: Disk, mode: string, preferred: boolean): Fix[] {
    return this.fix(`Set cache='${mode}'`, this.setCache(d, mode), preferred);
  }

  add(rule: string, message: string, range: { start: number; end: number }, fixes: Fix[], related?: RelatedLocation[]): void {
    const f: Finding = { rule, severity: ruleInfo(rule)?.severity ?? 'warning', message, start: range.start, end: range.end, fixes };
    if (related && related.length > 0) f.related = related;
    this.out.push(f);
  }

  lint(d: Disk): void {
    if (d.type === 'vhostuser') return this.vhostUser(d);

    const cacheKnown = !d.cache || literal(d.cache);
    const ioKnown = !d.io || literal(d.io);
    let mode: string | undefined = cacheKnown ? (d.cache?.value ?? 'default') : undefined;
    let io: string | undefined = ioKnown ? d.io?.value : undefined;
    if (d.cache && mode !== undefined && !isCacheMode(mode)) {
      this.invalid(d.cache, 'cache mode', CACHE_MODES);
      mode = undefined;
    }
    if (d.io && io !== undefined && !isIoMode(io)) {
      this.invalid(d.io, 'I/O mode', IO_MODES);
      io = undefined;
    }
    // A cache mode that is wrong, templated or still being typed, or an io value templated or
    // still being typed, leaves nothing else to judge on this disk.
    if (mode === undefined || !ioKnown) return;
    const direct = DIRECT_MODES.has(mode);
    const writable = isWritable(d);
    const shown = mode !== 'default' ? `cache='${mode}'` : `${d.cache ? "cache='default'" : 'no cache mode'} (QEMU's default, writeback)`;
    const cacheRelated: RelatedLocation[] = d.cache ? [{ start: d.cache.nameStart, end: d.cache.end, message: 'The cache mode is set here.' }] : [];
    let cacheFlagged = false;

    if (io === 'native' && !direct && d.io) {
      this.add(
        'io-native-needs-direct',
        `io='native' needs O_DIRECT, but this disk has ${shown}: libvirt refuses the domain with "io='native' needs either no disk cache or directsync cache mode". Set cache='none' (or 'directsync'), or use io='threads'.`,
        { start: d.io.valueStart, end: d.io.valueEnd },
        [...this.setCacheFix(d, 'none', true), ...this.fix("Set io='threads'", [replaceValue(d.io, 'threads')])],
        cacheRelated,
      );
      cacheFlagged = true;
    }

    if (d.type === 'vhostvdpa') {
      if (!direct && !cacheFlagged) {
        this.add(
          'vhostvdpa-cache',
          `A vhost-vdpa disk needs cache='none' or 'directsync', but this one has ${shown}: libvirt refuses the domain. Set cache='none'.`,
          this.cacheRange(d),
          this.setCacheFix(d, 'none', true),
        );
      }
      return;
    }

    if (d.device === 'lun') {
      // scsi-block passes the guest's SCSI commands through: libvirt sets no write cache on it.
      // Kept when io='native' needs the cache mode for libvirt's own check.
      if (d.cache && mode !== 'default' && io !== 'native') {
        this.add(
          'lun-cache-ignored',
          `cache='${mode}' does not reach the guest of a device='lun' disk: its SCSI commands go straight to the device and libvirt sets no write cache on it. Remove the attribute.`,
          { start: d.cache.valueStart, end: d.cache.valueEnd },
          this.fix(`Remove cache='${mode}'`, [removeAttr(d.cache)], true),
        );
      }
      return;
    }

    if (!writable) return;
    const rbd = d.type === 'network' && d.source !== undefined && attr(d.source, 'protocol')?.value === 'rbd';

    // writeback is the alternative to none, except where io='native' needs O_DIRECT.
    const writebackFix = io === 'native' ? [] : this.setCacheFix(d, 'writeback', false);
    const ioRelated: RelatedLocation[] =
      io === 'native' && d.io ? [{ start: d.io.nameStart, end: d.io.end, message: "io='native' needs O_DIRECT: keep cache='none' or 'directsync'." }] : [];
    if (mode === 'unsafe' && !d.transient) {
      this.add(
        'cache-unsafe',
        "cache='unsafe' ignores the guest's flushes: a host crash or power loss can leave this disk's image corrupt. Use cache='none' (or 'writeback' where the filesystem lacks O_DIRECT); keep unsafe only for throwaway guests.",
        this.cacheRange(d),
        [...this.setCacheFix(d, 'none', true), ...writebackFix],
        ioRelated,
      );
      cacheFlagged = true;
    } else if (mode === 'writethrough') {
      this.add(
        'cache-writethrough',
        "cache='writethrough' makes every guest write wait for a host flush, so writes are slow, and it is no safer than 'none' for a guest that flushes. Use cache='none' (or 'writeback').",
        this.cacheRange(d),
        [...this.setCacheFix(d, 'none', true), ...writebackFix],
        ioRelated,
      );
      cacheFlagged = true;
    } else if (mode === 'directsync' && !(rbd && !d.shareable && io !== 'native')) {
      this.add(
        'cache-directsync',
        "cache='directsync' makes every guest write wait for the device, the slowest mode; 'none' is as crash-safe for a guest that flushes. Use cache='none' unless the guest cannot flush its write cache.",
        this.cacheRange(d),
        this.setCacheFix(d, 'none', true),
        ioRelated,
      );
    }

    if (d.shareable) {
      const shareRelated: RelatedLocation = { start: d.shareable.start, end: d.shareable.tagEnd, message: 'The disk is shared between guests here.' };
      if (!direct && !cacheFlagged) {
        this.add(
          'shareable-cache',
          `This <shareable/> disk has ${shown}: the host page cache is not coherent between the guests that share the disk, so they can read stale data. Set cache='none'.`,
          this.cacheRange(d),
          this.setCacheFix(d, 'none', true),
          [shareRelated, ...cacheRelated],
        );
        cacheFlagged = true;
      }
      if (literal(d.format) && d.format.value !== 'raw') {
        this.add(
          'shareable-format',
          `This <shareable/> disk is in format '${shortValue(d.format.value)}': libvirt refuses it ("shared access for disk … requires use of supported storage format"), since only raw images can be written by several guests. Convert the image to raw, or remove <shareable/>.`,
          { start: d.format.valueStart, end: d.format.valueEnd },
          [],
          [shareRelated],
        );
      }
      return;
    }

    if (rbd) {
      if (direct && io !== 'native') {
        this.add(
          'rbd-cache-none',
          `cache='${mode}' turns the librbd cache off for this RBD disk, overriding 'rbd cache' in ceph.conf, so writes are slower. Ceph recommends cache='writeback', which is crash-safe for a guest that flushes.`,
          this.cacheRange(d),
          this.setCacheFix(d, 'writeback', true),
        );
      }
      return;
    }

    if ((d.type === 'file' || d.type === 'block') && !direct && !cacheFlagged && !d.transient) {
      this.add(
        'migration-cache',
        `This disk has ${shown}: live migration with a host cache is only allowed with libvirt >= 5.7 and QEMU >= 4.0, older versions refuse it as unsafe. Set cache='none' if hosts this old take part in migration.`,
        this.cacheRange(d),
        this.setCacheFix(d, 'none', true),
      );
    }
  }

  invalid(a: XmlAttr, what: string, valid: readonly string[]): void {
    const suggestion = suggestValue(a.value, valid);
    const hint = suggestion ? `Did you mean '${suggestion}'?` : `Use one of ${valid.join(', ')}.`;
    this.add(
      'cache-invalid',
      `${a.name}='${shortValue(a.value)}' is not a disk ${what} libvirt knows, so it refuses the domain ("Invalid value for attribute '${a.name}'"). ${hint}`,
      { start: a.valueStart, end: a.valueEnd },
      suggestion ? this.fix(`Change to ${a.name}='${suggestion}'`, [replaceValue(a, suggestion)], true) : [],
    );
  }

  vhostUser(d: Disk): void {
    for (const a of [d.cache, d.io]) {
      if (!literal(a) || (a.name === 'cache' && a.value === 'default')) continue;
      this.add(
        'vhostuser-cache',
        `A vhost-user disk takes no ${a.name} attribute: libvirt refuses the domain ("${a.name} is not supported with vhostuser disk"); the vhost-user backend does its own I/O. Remove the attribute.`,
        { start: a.valueStart, end: a.valueEnd },
        this.fix(`Remove ${a.name}='${shortValue(a.value)}'`, [removeAttr(a)], true),
      );
    }
  }
}

/**
 * The <disk> elements to lint: those under /domain/devices of a QEMU domain, or the top-level
 * <disk> elements of a snippet file (one disk as attach-device takes, or a rootless list).
 */
function disksOf(text: string): XmlElement[] {
  const scan = scanXml(
    text,
    (path, name, top) => name === 'disk' && (path.length === 0 || (top === 0 && path.length === 2 && path[0] === 'domain' && path[1] === 'devices')),
    DISK_CHILDREN,
  );
  const root = scan.root;
  if (root?.name === 'disk') return scan.captured.filter((el) => el.depth === 0);
  if (root?.name !== 'domain') return [];
  const type = attr(root, 'type');
  if (!literal(type) || !QEMU_DOMAIN_TYPES.has(type.value)) return [];
  return scan.captured.filter((el) => el.depth === 2);
}

/** Lints a libvirt domain XML (or <disk> snippet) text. Never throws. */
export function lintDomainXml(text: string, opts: { template?: boolean } = {}): Finding[] {
  try {
    const linter = new DiskLinter(text);
    // First where libvirt's parser stops; the tolerant scanner still reads every disk it can.
    const broken = opts.template ? undefined : firstWellFormednessError(text);
    if (broken) linter.add('xml-syntax', broken.message, broken, [], broken.related ? [broken.related] : undefined);
    for (const el of disksOf(text)) {
      const d = readDisk(el);
      if (d) linter.lint(d);
    }
    return linter.out;
  } catch {
    // The scanner is built not to throw; this only guards against a bug turning into a crash of the editor.
    return [];
  }
}
