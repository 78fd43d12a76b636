// A fix of the domain XML dialect, said as the virt-xml command that makes the same change on a
// live host (virt-xml(1): `virt-xml --connect URI DOMAIN --edit target=vda --disk driver.cache=none`).
// The linter never changes a domain; the operator runs the command. The fix is applied to the
// dumped XML and the <driver> attributes of the disk it touched are compared before and after,
// so any fix that sets or removes driver attributes gets its command, and anything else gets none.
import type { Fix } from '../types';
import { applyEdits } from '../text';
import { attr, child, scanXml, type XmlElement } from '../lint/domainXml/xmlScan';

/**
 * The <driver> attributes virt-xml's --disk sets, each as `driver.NAME` (virtinst's ParserDisk);
 * an empty value unsets the attribute (`--disk cache=` in virt-xml --help).
 */
const DRIVER_OPTIONS: ReadonlySet<string> = new Set(['cache', 'io', 'name', 'type', 'discard', 'detect_zeroes', 'error_policy', 'iothread', 'queues', 'copy_on_read']);

/** The <disk> elements of /domain/devices, in order (virt-xml's `--edit N` counts them so). */
function disksOf(text: string): XmlElement[] {
  const scan = scanXml(text, (path, name, top) => name === 'disk' && top === 0 && path.length === 2 && path[0] === 'domain' && path[1] === 'devices', new Set(['driver', 'target']));
  return scan.captured;
}

function driverAttrs(disk: XmlElement): Map<string, string> {
  const driver = child(disk, 'driver');
  return new Map((driver?.attrs ?? []).map((a) => [a.name, a.value]));
}

/** A word as a POSIX shell reads it back unchanged: bare when safe, else in single quotes. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** virt-xml's two arguments for one fix: which <disk> to edit (`--edit`) and what to set (`--disk`). */
export interface VirtXmlEdit {
  select: string;
  disk: string;
}

/** The virt-xml edit that makes `fix` on the XML `text`; undefined when the fix is not a change of one disk's <driver> attributes. */
export function virtXmlEdit(text: string, fix: Fix): VirtXmlEdit | undefined {
  if (fix.edits.length === 0) return undefined;
  const before = disksOf(text);
  const after = disksOf(applyEdits(text, fix.edits));
  if (before.length !== after.length) return undefined;
  // The disk whose element holds every edit: the last one starting at or before each edit.
  const owner = (offset: number) => {
    let i = -1;
    while (i + 1 < before.length && before[i + 1].start <= offset) i++;
    return i;
  };
  const index = owner(fix.edits[0].start);
  if (index < 0 || fix.edits.some((e) => owner(e.start) !== index)) return undefined;
  const was = driverAttrs(before[index]);
  const now = driverAttrs(after[index]);
  const options: string[] = [];
  for (const name of new Set([...was.keys(), ...now.keys()])) {
    const value = now.get(name);
    if (value === was.get(name)) continue;
    if (!DRIVER_OPTIONS.has(name) || (value !== undefined && /[,\s&<>"']/.test(value))) return undefined;
    options.push(`driver.${name}=${value ?? ''}`);
  }
  if (options.length === 0) return undefined;
  // libvirt requires a unique <target dev> on every disk; the index is only a fallback.
  const target = child(before[index], 'target');
  const dev = target && attr(target, 'dev')?.value;
  return { select: dev && /^[\w.-]+$/.test(dev) ? `target=${dev}` : String(index + 1), disk: options.join(',') };
}

/** The virt-xml command that applies `fix` to domain `domain` of connection `uri`, whose XML (as dumped) is `text`. */
export function virtXmlCommand(uri: string, domain: string, text: string, fix: Fix): string | undefined {
  const e = virtXmlEdit(text, fix);
  return e && ['virt-xml', '--connect', uri, domain, '--edit', e.select, '--disk', e.disk].map(shellQuote).join(' ');
}

/**
 * Where a domain's findings are: the connection URI with the domain as one more path segment,
 * before a query string (`qemu:///system/web01`, `qemu+ssh://h/system/web01?keyfile=k`).
 * `encode` percent-encodes the name (for SARIF, whose locations are URIs).
 */
export function domainLocation(uri: string, domain: string, encode = false): string {
  const q = uri.indexOf('?');
  const base = (q < 0 ? uri : uri.slice(0, q)).replace(/\/+$/, '');
  const name = encode ? encodeURIComponent(domain) : domain;
  return `${base}/${name}${q < 0 ? '' : uri.slice(q)}`;
}
