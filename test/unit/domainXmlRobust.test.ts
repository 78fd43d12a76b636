// Untrusted and half-typed input: the domain XML engine never throws, never hangs, keeps every
// range inside the text, still finds what it can, and no fix makes a file less well-formed.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { XMLValidator } from 'fast-xml-parser';
import { lint } from '../../src/core/lint/engine';
import { lintDomainXml } from '../../src/core/lint/domainXml/domainXml';
import { applyEdits } from '../../src/core/text';
import type { Finding } from '../../src/core/types';

const SAMPLE = `<?xml version="1.0"?>
<!DOCTYPE domain>
<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>vm</name>
  <os><type arch='x86_64' machine='pc-i440fx-2.11'>hvm</type></os>
  <cpu><cache level='3' mode='emulate'/></cpu>
  <devices>
    <!-- the system disk -->
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' cache='unsafe' io='native'/>
      <source file='/var/lib/libvirt/images/a.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type="block" device="disk">
      <driver name="qemu" type="qcow2" cache="writeback"/>
      <source dev="/dev/vg/b"/>
      <target dev="vdb" bus="virtio"/>
      <shareable/>
    </disk>
    <disk type='file' device='disk'>
      <source file='/c.img'/>
      <target dev='vdc'/>
    </disk>
    <disk type='network' device='disk'>
      <driver name='qemu' type='raw' cache='none'/>
      <source protocol='rbd' name='pool/d'><host name='mon'/></source>
      <target dev='vdd'/>
    </disk>
    <disk type='vhostuser' device='disk'>
      <driver name='qemu' type='raw' cache='Writeback'/>
      <source type='unix' path='/s.sock'/>
      <target dev='vde'/>
    </disk>
    <disk type='block' device='lun'>
      <driver name='qemu' type='raw' cache='writethrough' io='threads'/>
      <source dev='/dev/sdz'/>
      <target dev='sda' bus='scsi'/>
    </disk>
  </devices>
</domain>
`;

const wellFormed = (text: string) => XMLValidator.validate(text) === true;

/** Asserts what holds for any finding on any text: ranges and edits inside the text, fixes apply. */
function checkFindings(text: string, findings: Finding[]): void {
  for (const f of findings) {
    assert.ok(f.start >= 0 && f.start <= f.end && f.end <= text.length, `${f.rule} range ${f.start}-${f.end} of ${text.length}`);
    for (const r of f.related ?? []) assert.ok(r.start >= 0 && r.start <= r.end && r.end <= text.length);
    assert.ok(f.fixes.filter((x) => x.preferred).length <= 1);
    for (const fix of f.fixes) applyEdits(text, fix.edits);
  }
}

test('the sample finds one of each kind it holds, and every fix leaves it well-formed', () => {
  assert.ok(wellFormed(SAMPLE));
  const fs = lint(SAMPLE, { fileName: 'vm.xml' });
  assert.deepEqual(fs.map((f) => f.rule), [
    'cache-unsafe',
    'io-native-needs-direct',
    'shareable-format',
    'shareable-cache',
    'migration-cache',
    'rbd-cache-none',
    'vhostuser-cache',
    'lun-cache-ignored',
  ]);
  checkFindings(SAMPLE, fs);
  for (const f of fs) for (const fix of f.fixes) assert.ok(wellFormed(applyEdits(SAMPLE, fix.edits)), `${f.rule}: ${fix.title}`);
});

test('every prefix of the sample (a file being typed) lints without throwing; fixes add no new XML error', () => {
  for (let n = 0; n <= SAMPLE.length; n++) {
    const text = SAMPLE.slice(0, n);
    const fs = lintDomainXml(text);
    checkFindings(text, fs);
    const before = XMLValidator.validate(text);
    for (const f of fs) {
      for (const fix of f.fixes) {
        const after = XMLValidator.validate(applyEdits(text, fix.edits));
        if (before === true) assert.equal(after, true, `prefix ${n}, ${f.rule}: ${fix.title}`);
        else assert.equal(after === true ? 'valid' : after.err.code, before.err.code, `prefix ${n}, ${f.rule}: ${fix.title}`);
      }
    }
  }
});

test('a file cut off after the first disk still gets that disk\'s findings, and xml-syntax for the cut', () => {
  const text = SAMPLE.slice(0, SAMPLE.indexOf('<disk type="block"'));
  assert.deepEqual(lint(text, { fileName: 'vm.xml' }).map((f) => f.rule), ['xml-syntax', 'cache-unsafe', 'io-native-needs-direct']);
});

test('a value still being typed is not judged; the disks around it are', () => {
  const typing = SAMPLE.replace("cache='unsafe' io='native'/>", "cache='unsa");
  const fs = lintDomainXml(typing);
  assert.ok(!fs.some((f) => f.rule === 'cache-invalid' && typing.slice(f.start, f.end).startsWith('unsa')));
  assert.ok(fs.some((f) => f.rule === 'shareable-format'));
  // A start tag not yet closed with its value complete is judged, and its fix applies.
  const open = SAMPLE.replace("cache='unsafe' io='native'/>", "cache='unsafe'");
  const f = lintDomainXml(open).find((x) => x.rule === 'cache-unsafe');
  assert.ok(f);
  assert.ok(applyEdits(open, f.fixes[0].edits).includes("cache='none'\n      <source"));
});

test('half-written attributes, stray and mismatched end tags, unterminated comments', () => {
  const cases = [
    SAMPLE.replace("cache='unsafe' io='native'/>", 'cache= io'),
    SAMPLE.replace("cache='unsafe' io='native'/>", "cache'unsafe' = /"),
    SAMPLE.replace('</devices>', '</devics>'),
    SAMPLE.replace('</disk>', '</disk></target></devices>'),
    SAMPLE.replace('</domain>', '<!-- unterminated'),
    SAMPLE.replace('<!-- the system disk -->', '<!-- unterminated'),
    SAMPLE.replace('<!DOCTYPE domain>', '<!DOCTYPE domain [ <!ENTITY x "y"'),
    SAMPLE.replace("<target dev='vda' bus='virtio'/>", "<target dev='vda' bus=\"virtio'/>"),
  ];
  for (const text of cases) checkFindings(text, lintDomainXml(text));
  // A misspelt end tag further up loses nothing below it.
  assert.ok(lintDomainXml(cases[2]).some((f) => f.rule === 'lun-cache-ignored'));
});

test('entities are never expanded: a billion-laughs DOCTYPE is harmless and an entity value is not judged', () => {
  const lol = Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join('');
  const text = `<?xml version="1.0"?>\n<!DOCTYPE domain [<!ENTITY lol0 "lol">${lol}]>\n<domain type='kvm'><devices><disk type='file'><driver name='qemu' cache='&lol9;'/><source file='/x'/></disk></devices></domain>\n`;
  assert.deepEqual(lintDomainXml(text), []);
  // The same disk with a literal value is judged.
  assert.deepEqual(lintDomainXml(text.replace('&lol9;', 'unsafe')).map((f) => f.rule), ['cache-unsafe']);
});

/** A deterministic byte stream (xorshift), heavy in the characters XML cares about. */
function garbage(length: number, seed: number): Buffer {
  const special = Buffer.from(`<>/="' \n!?-[]&disk driver cache unsafe domain devices`);
  const out = Buffer.alloc(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const r = x >>> 0;
    out[i] = r % 3 === 0 ? r & 0xff : special[(r >>> 8) % special.length];
  }
  return out;
}

test('binary garbage, decoded either way, never throws', { timeout: 60_000 }, () => {
  for (let seed = 1; seed <= 20; seed++) {
    const bytes = garbage(50_000, seed);
    for (const text of [bytes.toString('utf8'), bytes.toString('latin1'), `<domain type='kvm'><devices>${bytes.toString('latin1')}`]) {
      checkFindings(text, lintDomainXml(text));
      checkFindings(text, lint(text, { fileName: 'x.xml', kind: 'domain-xml' }));
    }
  }
});

test('UTF-16 text read as UTF-8 or Latin-1 yields no finding but xml-syntax, and no error', () => {
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(SAMPLE, 'utf16le')]);
  for (const text of [utf16.toString('utf8'), utf16.toString('latin1'), Buffer.from(SAMPLE, 'utf16le').toString('utf8')]) {
    assert.deepEqual(lintDomainXml(text).map((f) => f.rule), ['xml-syntax']);
  }
});

test('100,000-deep nesting, closed or not, inside and outside a disk', { timeout: 60_000 }, () => {
  const depth = 100_000;
  const deep = '<a>'.repeat(depth);
  const unsafeDisk = "<disk type='file'><driver name='qemu' cache='unsafe'/><source file='/x'/></disk>";
  const texts = [
    `<domain type='kvm'><devices>${unsafeDisk}<disk type='file'>${deep}</disk></devices></domain>`,
    `<domain type='kvm'><devices>${unsafeDisk}${deep}${'</a>'.repeat(depth)}</devices></domain>`,
    `<domain type='kvm'><devices>${unsafeDisk}${deep}`,
    `<domain type='kvm'><devices>${unsafeDisk}${'<disk>'.repeat(depth)}`,
    `<domain type='kvm'><devices>${unsafeDisk}${'</b>'.repeat(depth)}${'</a'.repeat(depth)}`,
  ];
  for (const text of texts) {
    const fs = lintDomainXml(text);
    checkFindings(text, fs);
    assert.ok(fs.some((f) => f.rule === 'cache-unsafe'));
  }
});

test('inputs built to make a naive scanner quadratic finish', { timeout: 60_000 }, () => {
  const n = 200_000;
  const texts = [
    "<domain type='kvm'>" + "<a b='".repeat(n),
    "<domain type='kvm'>" + '<a b="x\'<c d=\'y"'.repeat(n / 10),
    "<domain type='kvm'>" + '</a'.repeat(n),
    "<domain type='kvm'>" + '<!DOCTYPE ['.repeat(n),
    "<domain type='kvm'><devices><disk>" + "<driver cache='x".repeat(n),
    '<' + 'a'.repeat(n) + ' ' + "b='c' ".repeat(n),
  ];
  for (const text of texts) checkFindings(text, lintDomainXml(text));
});

test('a 50 MB domain XML is linted in one pass', { timeout: 120_000 }, () => {
  const one = "    <disk type='file' device='disk'>\n      <driver name='qemu' type='raw' cache='none'/>\n      <source file='/var/lib/libvirt/images/disk.img'/>\n      <target dev='vdx' bus='virtio'/>\n    </disk>\n";
  const count = Math.ceil((50 * 1024 * 1024) / one.length);
  const last = one.replace("cache='none'", "cache='unsafe'");
  const text = `<domain type='kvm'>\n  <devices>\n${one.repeat(count)}${last}  </devices>\n</domain>\n`;
  assert.ok(text.length > 50 * 1024 * 1024);
  const fs = lintDomainXml(text);
  assert.deepEqual(fs.map((f) => [f.rule, text.slice(f.start, f.end)]), [['cache-unsafe', 'unsafe']]);
  assert.equal(fs[0].start, text.lastIndexOf('unsafe'));
});
