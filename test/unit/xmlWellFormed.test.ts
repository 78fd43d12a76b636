// xml-syntax: a domain XML that is not well-formed gets one error where libvirt's parser
// (libxml2) stops. xmllint (libxml2-utils, the parser virt-xml-validate and libvirt use) is the
// oracle: it must refuse every broken sample, and our finding must sit on the line it names,
// covering its column (xmllint's column is where its reading stopped: at or after the token).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lint } from '../../src/core/lint/engine';
import { LineIndex } from '../../src/core/text';
import { firstWellFormednessError } from '../../src/core/lint/domainXml/xmlWellFormed';

const XMLLINT = spawnSync('sh', ['-c', 'command -v xmllint'], { encoding: 'utf8' }).stdout.trim() || undefined;
const NO_XMLLINT = 'xmllint is not installed (Debian: apt install libxml2-utils)';

const doc = (inner: string) => `<domain type='kvm'>\n  <name>vm</name>\n  <devices>\n${inner}\n  </devices>\n</domain>\n`;

/** Broken the ways files are broken by hand, by paste, by a template, by truncation. */
const BROKEN: Record<string, string> = {
  'unclosed element': doc("    <disk type='file'>\n      <driver name='qemu' cache='none'/>"),
  'start tag without >': doc("    <disk type='file'>\n      <driver name='qemu' cache='none'\n    </disk>"),
  'misspelled end tag': doc("    <disk type='file'>\n      <driver name='qemu' cache='none'/>\n    </disks>"),
  'unquoted value': doc('    <disk type=file>\n    </disk>'),
  '< in a value': doc("    <disk type='a<b'>\n    </disk>"),
  'missing closing quote': doc("    <disk type='file>\n      <driver name='qemu'/>\n    </disk>"),
  'bare & in a value': doc("    <disk type='file'>\n      <source file='/a&b'/>\n    </disk>"),
  'undefined entity': doc("    <disk type='file'>\n      <source file='/a&foo;b'/>\n    </disk>"),
  'bare & in text': doc('    <description>a & b</description>'),
  'attribute twice': doc("    <disk type='file' type='block'>\n    </disk>"),
  'no blank between attributes': doc("    <disk type='file'device='disk'>\n    </disk>"),
  'attribute without value': doc('    <disk readonly>\n    </disk>'),
  'bad element name': doc('    <1disk>\n    </1disk>'),
  'stray end tag': doc('    </disk>'),
  'second root': doc('') + '<domain/>\n',
  'text after the root': doc('') + 'junk\n',
  'text before the root': 'junk\n' + doc(''),
  'unterminated comment': doc('    <!-- comment\n    <disk/>'),
  '-- in a comment': doc('    <!-- a -- b -->'),
  ']]> in text': doc('    <description>a ]]> b</description>'),
  'bad character reference': doc('    <description>&#1;</description>'),
  'control character': doc('    <description>a\u0001b</description>'),
  'xml declaration not first': '\n<?xml version="1.0"?>\n' + doc(''),
  'truncated file': doc("    <disk type='file'>").slice(0, 60),
  'end tag without >': doc("    <disk type='file'>\n    </disk\n"),
};

const WELL_FORMED: Record<string, string> = {
  'plain': doc("    <disk type='file'>\n      <driver name='qemu' cache='none'/>\n    </disk>"),
  'declaration, comments, PI, CDATA, references, BOM': '\ufeff<?xml version="1.0" encoding="UTF-8"?>\n<!-- c -->\n<?pi x?>\n' +
    doc("    <description><![CDATA[a < b && c]]> &lt;&amp;&#65;&#x42;\u00e9\u{1F600}</description>\n    <disk type=\"file\" device='disk'/>") + '<!-- after -->\n',
  'DOCTYPE with an internal subset and its entity': '<!DOCTYPE domain [\n<!ENTITY img "/var/lib/a.qcow2">\n]>\n' + doc("    <disk><source file='&img;'/></disk>"),
  'snippet': "<disk type='file'>\n  <driver name='qemu' cache='none'/>\n</disk>\n",
};

function xmllint(text: string): { line: number; col: number; message: string } | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qdt-xmllint-'));
  try {
    const file = path.join(dir, 'd.xml');
    fs.writeFileSync(file, text);
    const r = spawnSync(XMLLINT!, ['--noout', file], { encoding: 'utf8' });
    if (r.status === 0) return undefined;
    const lines = r.stderr.split('\n');
    const m = /:(\d+): (?:parser|namespace) error : (.*)/.exec(lines[0]);
    assert.ok(m, r.stderr);
    // libxml2 shows the line around the error with a caret under the column it stopped at.
    return { line: Number(m[1]), col: lines[2].indexOf('^') + 1, message: m[2] };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

for (const [name, text] of Object.entries(BROKEN)) {
  test(`xml-syntax, ${name}: one error, on the line xmllint names, covering its column`, (t) => {
    if (!XMLLINT) return t.skip(NO_XMLLINT);
    const oracle = xmllint(text);
    assert.ok(oracle, 'xmllint accepts it: the sample is not broken');
    const findings = lint(text, { fileName: 'vm.xml' }).filter((f) => f.rule === 'xml-syntax');
    assert.equal(findings.length, 1, JSON.stringify(findings));
    const f = findings[0];
    assert.equal(f.severity, 'error');
    assert.match(f.message, /libvirt's XML parser/);
    assert.ok(f.message.length <= 400 && !/ {2}/.test(f.message) && /[.)]$/.test(f.message), f.message);
    const index = new LineIndex(text);
    const stop = index.lineStart(oracle.line - 1) + oracle.col - 1;
    const at = index.positionAt(f.start);
    // A file cut off inside an element: xmllint stops at the end; we point at what is left open.
    if (oracle.message.startsWith('Premature end of data') || oracle.message.startsWith("Couldn't find end of Start Tag")) {
      assert.ok(f.related?.some((r) => r.start === text.length) || f.end <= text.length, JSON.stringify(f));
      return;
    }
    if (oracle.message.startsWith('Comment not terminated')) {
      assert.equal(text.slice(f.start, f.end), '<!--');
      return;
    }
    // "]]>" in text: libxml2 reports the start of the text run holding it (xmlParseCharData).
    const sameRun = stop < f.start && !text.slice(stop, f.start).includes('<');
    if (sameRun) assert.match(oracle.message, /Sequence '\]\]>' not allowed/);
    assert.equal(at.line + 1, oracle.line, `xmllint: ${oracle.line}:${oracle.col} ${oracle.message}; ours ${at.line + 1}:${at.character + 1} "${text.slice(f.start, f.end)}" ${f.message}`);
    assert.ok((sameRun || f.start <= stop) && stop <= Math.max(f.end, f.start + 1), `xmllint stops at column ${oracle.col} (${oracle.message}); ours covers ${at.character + 1}-${index.positionAt(f.end).character + 1}: "${text.slice(f.start, f.end)}"`);
  });
}

for (const [name, text] of Object.entries(WELL_FORMED)) {
  test(`xml-syntax, well-formed (${name}): no finding, and xmllint agrees`, (t) => {
    if (XMLLINT) assert.equal(xmllint(text), undefined);
    else t.diagnostic(NO_XMLLINT);
    assert.equal(firstWellFormednessError(text), undefined, JSON.stringify(firstWellFormednessError(text)));
  });
}

test('a broken file keeps its other findings: the disks that can be read are still checked', () => {
  const text = doc("    <disk type='file'>\n      <driver name='qemu' cache='unsafe'/>\n    </disk>\n    <disk type='file'>\n      <driver name='qemu' cache='writethrough'/>");
  const rules = lint(text, { fileName: 'vm.xml' }).map((f) => f.rule);
  assert.ok(rules.includes('xml-syntax'));
  assert.ok(rules.includes('cache-unsafe') && rules.includes('cache-writethrough'), rules.join(', '));
});

test('templates are not judged: a .xml.j2 is not what libvirt reads', () => {
  const text = "<domain type='kvm'>\n{% if disks %}\n  <devices>{% for d in disks %}<disk/>{% endfor %}</devices>\n{% endif %}\n<!-- {{ a -- b }} -->\n</domain>\n";
  assert.ok(firstWellFormednessError(text), 'the raw template is not well-formed');
  assert.deepEqual(lint(text, { fileName: 'domain.xml.j2' }).filter((f) => f.rule === 'xml-syntax'), []);
});

test('every well-formed corpus domain gets no xml-syntax finding; the three xmllint refuses each get one', () => {
  const corpus = ['/work/shared/corpus', path.resolve(__dirname, '../../../../shared/corpus'), process.env.QDT_CORPUS ?? ''].find((d) => d && fs.existsSync(d));
  if (!corpus || !XMLLINT) return;
  let checked = 0;
  for (const dir of ['libvirt', 'libvirt-other']) {
    for (const name of fs.readdirSync(path.join(corpus, dir)).filter((n) => n.endsWith('.xml'))) {
      const text: string = fs.readFileSync(path.join(corpus, dir, name), 'utf8');
      const refused: boolean = xmllint(text) !== undefined;
      assert.equal(firstWellFormednessError(text) !== undefined, refused, `${dir}/${name}: xmllint ${refused ? 'refuses' : 'accepts'} it`);
      checked++;
    }
  }
  assert.ok(checked > 90);
});

test('differential against xmllint: 300 corpus domains damaged at random refuse alike, on the same line', (t) => {
  const corpus = ['/work/shared/corpus', path.resolve(__dirname, '../../../../shared/corpus'), process.env.QDT_CORPUS ?? ''].find((d) => d && fs.existsSync(d));
  if (!XMLLINT) return t.skip(NO_XMLLINT);
  if (!corpus) return t.skip('the shared corpus is not present');
  const dir = path.join(corpus, 'libvirt');
  const files = fs.readdirSync(dir).filter((n) => n.endsWith('.xml')).map((n) => fs.readFileSync(path.join(dir, n), 'utf8'));
  let seed = 20261130;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
  const pieces = ['<', '>', '&', "'", '"', '/', '</x>', '<!--', '-->', '=', ' ', ']]>', '\n', '<a', 'b'];
  let refusedByBoth = 0;
  for (let k = 0; k < 300; k++) {
    let text = files[rnd(files.length)];
    for (let ops = 1 + rnd(2); ops > 0; ops--) {
      const at = rnd(text.length);
      const kind = rnd(3);
      text = kind === 0 ? text.slice(0, at) + text.slice(at + 1 + rnd(3)) : kind === 1 ? text.slice(0, at) + pieces[rnd(pieces.length)] + text.slice(at) : text.slice(0, at);
    }
    const oracle = xmllint(text);
    const ours = firstWellFormednessError(text);
    assert.equal(ours !== undefined, oracle !== undefined, `sample ${k}: xmllint ${oracle ? `refuses (${oracle.message})` : 'accepts'}, we ${ours ? `refuse (${ours.message})` : 'accept'}`);
    if (!oracle || !ours) continue;
    refusedByBoth++;
    if (/Premature end|Couldn't find end|not terminated|EndTag: '<\/' not found/.test(oracle.message)) continue; // at the end of the file: we point at what is open
    const line = new LineIndex(text).positionAt(ours.start).line + 1;
    // A name cut by a line break: libxml2 stops at the next line, where ">" or "=" was due.
    const split = line + 1 === oracle.line && /expected '>'|Specification mandates value/.test(oracle.message);
    assert.ok(line === oracle.line || split, `sample ${k}: xmllint ${oracle.line}:${oracle.col} ${oracle.message}; ours line ${line}: ${ours.message}`);
  }
  assert.ok(refusedByBoth > 150, `only ${refusedByBoth} samples were broken`);
});

test('suppression comments: the ":" form libvirt accepts; the old "--" form still suppresses, and xml-syntax says libvirt refuses it', (t) => {
  const body = (comment: string) => `<domain type='kvm'>\n  <devices>\n    <disk type='file'>\n      ${comment}\n      <driver name='qemu' cache='unsafe'/>\n    </disk>\n  </devices>\n</domain>\n`;
  const colon = body('<!-- qdt-disable-next-line cache-unsafe: throwaway CI VM -->');
  assert.deepEqual(lint(colon, { fileName: 'vm.xml' }).map((f) => f.rule), []);
  const dashes = body('<!-- qdt-disable-next-line cache-unsafe -- throwaway CI VM -->');
  assert.deepEqual(lint(dashes, { fileName: 'vm.xml' }).map((f) => f.rule), ['xml-syntax']);
  if (!XMLLINT) return t.skip(NO_XMLLINT);
  assert.equal(xmllint(colon), undefined);
  assert.match(xmllint(dashes)?.message ?? '', /Double hyphen within comment/);
});
