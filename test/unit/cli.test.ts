// The lint command as a user runs it: output formats, exit codes, --fix, --rule, config,
// directories and globs, and files that are not plain UTF-8 text.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lint, fixAll } from '../../src/core/lint/engine';
import { LineIndex } from '../../src/core/text';
import { RULES } from '../../src/core/lint/rules';
import { runCli, spawnCli, tempTree } from '../helpers/cliRun';

const domain = (driver: string, extra = '') => `<domain type='kvm'>
  <name>vm1</name>
  <devices>${extra}
    <disk type='file' device='disk'>
      ${driver}
      <source file='/var/lib/libvirt/images/vm1.img'/>
      <target dev='vda' bus='virtio'/>
    </disk>
  </devices>
</domain>
`;
/** Warning level only (cache-unsafe). */
const UNSAFE = domain(`<driver name='qemu' type='raw' cache='unsafe'/>`);
/** Error level (io='native' needs O_DIRECT). */
const NATIVE = domain(`<driver name='qemu' type='raw' cache='writeback' io='native'/>`);
const CLEAN = domain(`<driver name='qemu' type='raw' cache='none' io='native'/>`);

const rm = (dir: string) => fs.rmSync(dir, { recursive: true, force: true });

/** Where the core engine puts a rule's finding in a text: 1-based line and UTF-16 column. */
function expectedPosition(text: string, fileName: string, rule: string): { line: number; col: number } {
  const f = lint(text, { fileName }).find((x) => x.rule === rule);
  assert.ok(f, `fixture must trigger ${rule}`);
  const p = new LineIndex(text).positionAt(f.start);
  return { line: p.line + 1, col: p.character + 1 };
}

test('text output: file:line:col severity rule message, exit 0 when only warnings', async () => {
  const dir = tempTree({ 'vm1.xml': UNSAFE });
  try {
    const r = await runCli(['lint', 'vm1.xml'], dir);
    const { line, col } = expectedPosition(UNSAFE, 'vm1.xml', 'cache-unsafe');
    assert.equal(UNSAFE.split('\n')[line - 1].includes("cache='unsafe'"), true, 'reported on the driver line');
    assert.match(r.stdout, new RegExp(`^vm1\\.xml:${line}:${col} warning cache-unsafe \\S.*$`, 'm'));
    assert.equal(r.code, 0);
    assert.equal(r.stderr, '');
  } finally {
    rm(dir);
  }
});

test('exit 1 on an error-level finding, 0 on a clean file', async () => {
  const dir = tempTree({ 'bad.xml': NATIVE, 'good.xml': CLEAN });
  try {
    const bad = await runCli(['lint', 'bad.xml'], dir);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /^bad\.xml:\d+:\d+ error io-native-needs-direct /m);
    const good = await runCli(['lint', 'good.xml'], dir);
    assert.equal(lint(CLEAN, { fileName: 'good.xml' }).filter((f) => f.severity === 'error').length, 0);
    assert.equal(good.code, 0);
    assert.doesNotMatch(good.stdout, / error /);
  } finally {
    rm(dir);
  }
});

test('columns count UTF-16 code units, as VS Code does', async () => {
  // A comment with an astral character (2 UTF-16 units, 4 UTF-8 bytes) before the attribute.
  const text = domain(`<!-- 💾 disk --><driver name='qemu' type='raw' cache='unsafe'/>`);
  const dir = tempTree({ 'emoji.xml': text });
  try {
    const r = await runCli(['lint', 'emoji.xml'], dir);
    const { line, col } = expectedPosition(text, 'emoji.xml', 'cache-unsafe');
    const lineText = text.split('\n')[line - 1];
    assert.ok(col > lineText.indexOf('💾') + 2, 'the finding is after the emoji');
    assert.match(r.stdout, new RegExp(`^emoji\\.xml:${line}:${col} warning cache-unsafe `, 'm'));
  } finally {
    rm(dir);
  }
});

test('--format json: findings with 0-based ranges and offsets that match the engine', async () => {
  const dir = tempTree({ 'sub/bad.xml': NATIVE });
  try {
    const r = await runCli(['lint', '--format', 'json', 'sub'], dir);
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout);
    assert.equal(out.tool.name, 'qemu-disk-tools');
    assert.deepEqual(out.files, [{ file: path.join('sub', 'bad.xml'), kind: 'domain-xml', findings: out.findings.length, fixed: 0 }]);
    const core = lint(NATIVE, { fileName: 'bad.xml' });
    assert.equal(out.findings.length, core.length);
    const index = new LineIndex(NATIVE);
    core.forEach((f, i) => {
      const j = out.findings[i];
      assert.equal(j.rule, f.rule);
      assert.equal(j.severity, f.severity);
      assert.equal(j.message, f.message);
      assert.equal(j.file, path.join('sub', 'bad.xml'));
      assert.match(j.docUrl, new RegExp(`/docs/rules/${f.rule}\\.md$`));
      assert.deepEqual(j.range.start, { ...index.positionAt(f.start), offset: f.start });
      assert.deepEqual(j.range.end, { ...index.positionAt(f.end), offset: f.end });
      assert.equal(j.fixes.length, f.fixes.length);
      assert.equal(j.fixes.filter((x: { preferred: boolean }) => x.preferred).length, f.fixes.filter((x) => x.preferred).length);
    });
    assert.equal(out.summary.error, core.filter((f) => f.severity === 'error').length);
    assert.deepEqual(out.errors, []);
  } finally {
    rm(dir);
  }
});

test('--format sarif: a SARIF 2.1.0 log GitHub code scanning accepts', async () => {
  const dir = tempTree({ 'a dir/bad.xml': NATIVE });
  try {
    const r = await runCli(['lint', '--format', 'sarif', 'a dir/bad.xml'], dir);
    assert.equal(r.code, 1);
    const log = JSON.parse(r.stdout);
    assert.equal(log.version, '2.1.0');
    assert.match(log.$schema, /sarif-2\.1\.0/);
    assert.equal(log.runs.length, 1);
    const run = log.runs[0];
    const driver = run.tool.driver;
    assert.equal(driver.name, 'qemu-disk-tools');
    assert.match(driver.version, /^\d+\.\d+\.\d+/);
    assert.match(driver.informationUri, /^https:\/\//);
    assert.deepEqual(driver.rules.map((x: { id: string }) => x.id), RULES.map((x) => x.id));
    for (const rule of driver.rules) {
      assert.ok(rule.shortDescription.text.length > 0);
      assert.match(rule.helpUri, new RegExp(`^https://.*/docs/rules/${rule.id}\\.md$`));
      assert.ok(['error', 'warning', 'note'].includes(rule.defaultConfiguration.level));
    }
    assert.match(run.originalUriBaseIds['%SRCROOT%'].uri, /^file:\/\/.*\/$/);
    const core = lint(NATIVE, { fileName: 'bad.xml' });
    assert.equal(run.results.length, core.length);
    const index = new LineIndex(NATIVE);
    run.results.forEach((res: any, i: number) => {
      assert.equal(res.ruleId, core[i].rule);
      assert.equal(driver.rules[res.ruleIndex].id, res.ruleId);
      assert.ok(['error', 'warning', 'note'].includes(res.level));
      assert.ok(res.message.text.length > 0);
      const loc = res.locations[0].physicalLocation;
      assert.deepEqual(loc.artifactLocation, { uri: 'a%20dir/bad.xml', uriBaseId: '%SRCROOT%' });
      const s = index.positionAt(core[i].start);
      const e = index.positionAt(core[i].end);
      assert.deepEqual(loc.region, { startLine: s.line + 1, startColumn: s.character + 1, endLine: e.line + 1, endColumn: e.character + 1 });
    });
    assert.equal(run.results.find((x: any) => x.ruleId === 'io-native-needs-direct').level, 'error');
  } finally {
    rm(dir);
  }
});

test('--fix writes the preferred fixes atomically, keeps the mode, leaves no temp file', async () => {
  const dir = tempTree({ 'vm.xml': NATIVE, 'other.txt': 'untouched' });
  const file = path.join(dir, 'vm.xml');
  fs.chmodSync(file, 0o640);
  try {
    const r = await runCli(['lint', '--fix', 'vm.xml'], dir);
    const written = fs.readFileSync(file, 'utf8');
    assert.equal(written, fixAll(NATIVE, { fileName: file }).text);
    assert.notEqual(written, NATIVE);
    assert.equal(fs.statSync(file).mode & 0o777, 0o640);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['other.txt', 'vm.xml']);
    const left = lint(written, { fileName: file });
    assert.equal(r.code, left.some((f) => f.severity === 'error') ? 1 : 0);
    assert.match(r.stdout, /\d+ fix(es)? written/);
    // What is left is what gets reported.
    assert.equal((r.stdout.match(/^vm\.xml:/gm) ?? []).length, left.length);
  } finally {
    rm(dir);
  }
});

/** A domain whose machine type old hosts run: its writeback disks get the migration-cache hint. */
const OLD_HOSTS = (driver: string) => domain(driver).replace('  <name>vm1</name>\n', "  <name>vm1</name>\n  <os><type arch='x86_64' machine='pc-i440fx-rhel7.6.0'>hvm</type></os>\n");

test('--fix fixes a typo to the mode it resembles, leaves the hint, counts what it wrote; a second --fix writes nothing', async () => {
  const text = OLD_HOSTS("<driver name='qemu' type='raw' cache='writeback '/>");
  const dir = tempTree({ 'vm.xml': text });
  const file = path.join(dir, 'vm.xml');
  try {
    const first = await runCli(['lint', '--fix', 'vm.xml'], dir);
    assert.equal(fs.readFileSync(file, 'utf8'), text.replace("cache='writeback '", "cache='writeback'"));
    assert.equal(first.stdout, 'No problems in 1 file; 1 fix written; 1 hint not shown (--level hint shows them).\n');
    assert.equal(first.code, 0);
    const mtime = fs.statSync(file).mtimeMs;
    const second = await runCli(['lint', '--fix', '--level', 'hint', 'vm.xml'], dir);
    assert.match(second.stdout, /^vm\.xml:\d+:\d+ hint migration-cache .*machine type 'pc-i440fx-rhel7\.6\.0'/m);
    assert.match(second.stdout, /\n\n1 problem \(1 hint\) in 1 file\.\n$/);
    assert.equal(fs.statSync(file).mtimeMs, mtime, 'the second --fix did not write the file');
  } finally {
    rm(dir);
  }
});

test('--fix on a nova.conf whose comment cuts a value after an earlier comment block: fixed, not exit 2', async () => {
  const text = '# managed by hand\n\n[libvirt]\ndisk_cachemodes = file=none,\n# RBD\n  network=writeback\n';
  const dir = tempTree({ 'nova.conf': text });
  try {
    const r = await runCli(['lint', '--fix', 'nova.conf'], dir);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.equal(fs.readFileSync(path.join(dir, 'nova.conf'), 'utf8'), '# managed by hand\n\n[libvirt]\n# RBD\ndisk_cachemodes = file=none,\n  network=writeback\n');
  } finally {
    rm(dir);
  }
});

test('--level: text leaves hints out by default and counts them; json and sarif keep them; a bad level exits 2', async () => {
  // cache-directsync (info) on one disk, migration-cache (hint) on the other.
  const text = OLD_HOSTS("<driver name='qemu' type='raw' cache='directsync'/>").replace(
    '  </devices>',
    "    <disk type='block' device='disk'>\n      <source dev='/dev/sdb'/>\n      <target dev='vdb'/>\n    </disk>\n  </devices>",
  );
  const dir = tempTree({ 'vm.xml': text });
  const severities = (out: string) => [...out.matchAll(/^vm\.xml:\d+:\d+ (\w+) ([\w-]+) /gm)].map((m) => `${m[1]} ${m[2]}`);
  try {
    const plain = await runCli(['lint', 'vm.xml'], dir);
    assert.deepEqual(severities(plain.stdout), ['info cache-directsync']);
    assert.match(plain.stdout, /1 problem \(1 info\) in 1 file; 1 hint not shown \(--level hint shows them\)\.\n$/);
    const all = await runCli(['lint', '--level', 'hint', 'vm.xml'], dir);
    assert.deepEqual(severities(all.stdout), ['info cache-directsync', 'hint migration-cache']);
    const warn = await runCli(['lint', '--level', 'warning', 'vm.xml'], dir);
    assert.equal(warn.stdout, 'No problems in 1 file; 1 info, 1 hint not shown (--level hint shows them).\n');
    const json = JSON.parse((await runCli(['lint', '--format', 'json', 'vm.xml'], dir)).stdout);
    assert.deepEqual(json.findings.map((f: { severity: string }) => f.severity), ['info', 'hint']);
    assert.deepEqual(json.summary, { error: 0, warning: 0, info: 1, hint: 1 });
    const sarif = JSON.parse((await runCli(['lint', '--format', 'sarif', 'vm.xml'], dir)).stdout);
    assert.deepEqual(sarif.runs[0].results.map((x: { ruleId: string; level: string }) => `${x.level} ${x.ruleId}`), ['note cache-directsync', 'note migration-cache']);
    const jsonWarn = JSON.parse((await runCli(['lint', '--format', 'json', '--level', 'warning', 'vm.xml'], dir)).stdout);
    assert.deepEqual(jsonWarn.findings, []);
    const bad = await runCli(['lint', '--level', 'notice', 'vm.xml'], dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--level 'notice': expected one of error, warning, info, hint/);
  } finally {
    rm(dir);
  }
});

test('--rule overrides a severity; unknown rules and severities exit 2 listing the valid ones', async () => {
  const dir = tempTree({ 'vm.xml': UNSAFE });
  try {
    const up = await runCli(['lint', '--rule', 'cache-unsafe=error', 'vm.xml'], dir);
    assert.equal(up.code, 1);
    assert.match(up.stdout, /^vm\.xml:\d+:\d+ error cache-unsafe /m);
    const off = await runCli(['lint', '--rule=cache-unsafe=off', 'vm.xml'], dir);
    assert.doesNotMatch(off.stdout, /cache-unsafe/);
    const badRule = await runCli(['lint', '--rule', 'cache-unsafer=error', 'vm.xml'], dir);
    assert.equal(badRule.code, 2);
    assert.match(badRule.stderr, /unknown rule 'cache-unsafer'.*cache-unsafe,/);
    const badSev = await runCli(['lint', '--rule', 'cache-unsafe=fatal', 'vm.xml'], dir);
    assert.equal(badSev.code, 2);
    assert.match(badSev.stderr, /'fatal'.*error, warning, info, hint, off/);
  } finally {
    rm(dir);
  }
});

test('.qemu-disk-tools.json sets severities for the tree; --rule wins; a bad one exits 2 naming it', async () => {
  const dir = tempTree({ '.qemu-disk-tools.json': JSON.stringify({ rules: { 'cache-unsafe': 'error' } }), 'sub/vm.xml': UNSAFE });
  const sub = path.join(dir, 'sub');
  try {
    const fromConfig = await runCli(['lint', 'vm.xml'], sub);
    assert.equal(fromConfig.code, 1);
    assert.match(fromConfig.stdout, / error cache-unsafe /);
    const overridden = await runCli(['lint', '--rule', 'cache-unsafe=hint', 'vm.xml'], sub);
    assert.equal(overridden.code, 0);
    assert.equal(overridden.stdout, 'No problems in 1 file; 1 hint not shown (--level hint shows them).\n');
    const asked = await runCli(['lint', '--rule', 'cache-unsafe=hint', '--level', 'hint', 'vm.xml'], sub);
    assert.match(asked.stdout, / hint cache-unsafe /);
    const ignored = await runCli(['lint', '--no-config', 'vm.xml'], sub);
    assert.match(ignored.stdout, / warning cache-unsafe /);
    fs.writeFileSync(path.join(dir, '.qemu-disk-tools.json'), '{"rules": {"cache-unsafe": "loud"}}');
    const bad = await runCli(['lint', 'vm.xml'], sub);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /\.qemu-disk-tools\.json: 'loud' is not a severity/);
  } finally {
    rm(dir);
  }
});

test('directories recurse (skipping node_modules and .git); globs match; an empty glob exits 2', async () => {
  const dir = tempTree({
    'a/one.xml': UNSAFE,
    'a/b/two.xml': UNSAFE,
    'a/notes.txt': 'not ours',
    'a/node_modules/dep/x.xml': UNSAFE,
    '.git/x.xml': UNSAFE,
    'c/three.xml': UNSAFE,
  });
  try {
    const walked = await runCli(['lint', '--format', 'json', '.'], dir);
    const files = JSON.parse(walked.stdout).files.map((f: { file: string }) => f.file);
    assert.deepEqual(files, [path.join('a', 'b', 'two.xml'), path.join('a', 'one.xml'), path.join('c', 'three.xml')]);
    const globbed = await runCli(['lint', '--format', 'json', 'a/**/*.xml'], dir);
    assert.deepEqual(JSON.parse(globbed.stdout).files.map((f: { file: string }) => f.file), [path.join('a', 'b', 'two.xml'), path.join('a', 'one.xml')]);
    const none = await runCli(['lint', 'zzz/*.xml'], dir);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /zzz\/\*\.xml: no file matches/);
  } finally {
    rm(dir);
  }
});

test('lint of one missing file: one error naming it, exit 2, and no "No problems" summary', async () => {
  const dir = tempTree({});
  try {
    const r = await runCli(['lint', 'nonexist.xml'], dir);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'nonexist.xml: no such file or directory, so it was not checked\n');
    assert.equal(r.stdout, '', 'nothing was linted, so there is no summary to print');
  } finally {
    rm(dir);
  }
});

test('a binary file and a missing file exit 2 naming them, and the other files are still linted', async () => {
  const dir = tempTree({ 'disk.xml': Buffer.from([0x3c, 0x64, 0x00, 0x01, 0x02, 0xff]), 'vm.xml': NATIVE });
  try {
    const r = await runCli(['lint', 'disk.xml', 'gone.xml', 'vm.xml'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^disk\.xml: .*binary/m);
    assert.match(r.stderr, /^gone\.xml: no such file/m);
    assert.match(r.stdout, /^vm\.xml:\d+:\d+ error io-native-needs-direct /m);
    assert.match(r.stdout, /in 1 file; 2 paths not checked \(see the errors above\)\.$/m);
    const json = JSON.parse((await runCli(['lint', '-f', 'json', 'disk.xml', 'vm.xml'], dir)).stdout);
    assert.deepEqual(json.errors.map((e: { file: string }) => e.file), ['disk.xml']);
  } finally {
    rm(dir);
  }
});

test('UTF-16 (both byte orders) and UTF-8 with a BOM are linted at the right place and fixed in their encoding', async () => {
  const le = Buffer.from('\ufeff' + NATIVE, 'utf16le');
  const be = Buffer.from(le).swap16();
  const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(NATIVE)]);
  const dir = tempTree({ 'le.xml': le, 'be.xml': be, 'bom.xml': bom });
  try {
    const { line, col } = expectedPosition(NATIVE, 'x.xml', 'io-native-needs-direct');
    const r = await runCli(['lint', 'le.xml', 'be.xml', 'bom.xml'], dir);
    assert.equal(r.code, 1);
    for (const name of ['le.xml', 'be.xml', 'bom.xml']) {
      assert.match(r.stdout, new RegExp(`^${name.replace('.', '\\.')}:${line}:${col} error io-native-needs-direct `, 'm'));
    }
    await runCli(['lint', '--fix', 'le.xml', 'be.xml', 'bom.xml'], dir);
    const fixed = fixAll(NATIVE, { fileName: 'x.xml' }).text;
    assert.deepEqual(fs.readFileSync(path.join(dir, 'le.xml')), Buffer.from('\ufeff' + fixed, 'utf16le'));
    assert.deepEqual(fs.readFileSync(path.join(dir, 'be.xml')), Buffer.from('\ufeff' + fixed, 'utf16le').swap16());
    assert.deepEqual(fs.readFileSync(path.join(dir, 'bom.xml')), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(fixed)]));
  } finally {
    rm(dir);
  }
});

test('a named file that is neither domain XML nor Nova config is reported as not checked', async () => {
  const dir = tempTree({ 'network.xml': '<network><name>default</name></network>\n' });
  try {
    const r = await runCli(['lint', 'network.xml'], dir);
    assert.equal(r.code, 0);
    assert.match(r.stderr, /^network\.xml: not a libvirt domain XML, Nova config or Proxmox VE VM config file/m);
  } finally {
    rm(dir);
  }
});

test('the built bundle: --version, --help, usage errors exit 2, findings exit 1', () => {
  const dir = tempTree({ 'vm.xml': NATIVE });
  try {
    const version = spawnCli(['--version'], dir);
    assert.equal(version.code, 0);
    assert.equal(version.stdout.trim(), JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')).version);
    const help = spawnCli(['lint', '--help'], dir);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Exit status:/);
    const unknown = spawnCli(['lint', '--frobnicate', 'vm.xml'], dir);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown option '--frobnicate'/);
    assert.equal(spawnCli(['lint'], dir).code, 2);
    assert.equal(spawnCli(['lint', '--format', 'xml', 'vm.xml'], dir).code, 2);
    const found = spawnCli(['lint', 'vm.xml'], dir);
    assert.equal(found.code, 1);
    assert.equal(found.stderr, '', 'no experimental-feature warning or other noise on stderr');
  } finally {
    rm(dir);
  }
});

test('nova.conf with a UTF-8 BOM: reported at 1:1; --fix saves it without the BOM unless the rule is off', async () => {
  const body = '[libvirt]\nvirt_type = kvm\ndisk_cachemodes = file=unsafe,block=none\n';
  const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)]);
  const dir = tempTree({ 'a/nova.conf': withBom, 'b/nova.conf': withBom });
  try {
    const r = await runCli(['lint', 'a/nova.conf'], dir);
    assert.equal(r.code, 1);
    assert.match(r.stdout, new RegExp(`^${path.join('a', 'nova.conf')}:1:1 error nova-conf-syntax .*byte-order mark`, 'm'));
    await runCli(['lint', '--fix', 'a/nova.conf'], dir);
    const fixed = fs.readFileSync(path.join(dir, 'a/nova.conf'));
    assert.equal(fixed.subarray(0, 9).toString(), '[libvirt]', 'the BOM is gone and the section header is the first bytes');
    assert.equal(fixed.toString(), fixAll(body, { fileName: 'nova.conf' }).text);
    await runCli(['lint', '--fix', '--rule', 'nova-conf-syntax=off', 'b/nova.conf'], dir);
    assert.deepEqual([...fs.readFileSync(path.join(dir, 'b/nova.conf')).subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  } finally {
    rm(dir);
  }
});

test('--fix leaves a file that is not valid UTF-8 untouched and says why (exit 2)', async () => {
  // "vm1" written as Latin-1 "vmé": one byte 0xE9 that is not UTF-8.
  const cut = NATIVE.indexOf('1</name>');
  const bytes = Buffer.concat([Buffer.from(NATIVE.slice(0, cut)), Buffer.from([0xe9]), Buffer.from(NATIVE.slice(cut + 1))]);
  const dir = tempTree({ 'latin1.xml': bytes });
  try {
    const r = await runCli(['lint', '--fix', 'latin1.xml'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^latin1\.xml: not fixed: the file is not valid UTF-8/m);
    assert.match(r.stdout, /^latin1\.xml:\d+:\d+ error io-native-needs-direct /m, 'the findings are still reported');
    assert.deepEqual(fs.readFileSync(path.join(dir, 'latin1.xml')), bytes);
  } finally {
    rm(dir);
  }
});

test('--config FILE and --output FILE are taken relative to the working directory', async () => {
  const dir = tempTree({ 'ci/rules.json': JSON.stringify({ rules: { 'cache-unsafe': 'off' } }), 'vm.xml': UNSAFE });
  try {
    const r = await runCli(['lint', '--config', 'ci/rules.json', '--format', 'sarif', '-o', 'ci/out.sarif', 'vm.xml'], dir);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, '', 'the report goes to the file, not to standard output');
    const log = JSON.parse(fs.readFileSync(path.join(dir, 'ci/out.sarif'), 'utf8'));
    assert.equal(log.version, '2.1.0');
    assert.equal(log.runs[0].results.some((x: { ruleId: string }) => x.ruleId === 'cache-unsafe'), false);
    const missing = await runCli(['lint', '--config', 'nope.json', 'vm.xml'], dir);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.json: cannot read the config file/);
  } finally {
    rm(dir);
  }
});

test('shell scripts: a directory walk picks up *.sh, --fix rewrites the value, a script without an invocation is not ours', async () => {
  const script = '#!/bin/sh\nqemu-img convert -p -t writethrough -O raw "$1" out.raw\n';
  const dir = tempTree({ 'tools/build-image.sh': script, 'tools/hello.sh': 'echo hello\n' });
  try {
    const r = await runCli(['lint', '.'], dir);
    assert.match(r.stdout, /^tools\/build-image\.sh:2:24 warning qemu-img-convert-writethrough /m);
    assert.doesNotMatch(r.stdout, /hello\.sh/);
    assert.equal(r.code, 0);
    await runCli(['lint', '--fix', '.'], dir);
    assert.equal(fs.readFileSync(path.join(dir, 'tools/build-image.sh'), 'utf8'), script.replace('-t writethrough', '-t writeback'));
  } finally {
    rm(dir);
  }
});

test('lint reads /etc/pve/storage.cfg for a Proxmox VM config in qemu-server/', async () => {
  const conf = 'boot: order=scsi0\nmemory: 2048\nscsi0: san-lvm:vm-100-disk-0,aio=io_uring,cache=none\n';
  const dir = tempTree({ 'pve/qemu-server/100.conf': conf, 'pve/storage.cfg': 'lvm: san-lvm\n\tvgname san\n' });
  try {
    const r = await runCli(['lint', '--format', 'json', 'pve'], dir);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.files.map((f: { kind: string }) => f.kind), ['proxmox-vm']);
    assert.deepEqual(out.findings.map((f: { rule: string }) => f.rule), ['proxmox-io-uring-storage']);
  } finally {
    rm(dir);
  }
  // Without storage.cfg the storage type is unknown and nothing is said.
  const bare = tempTree({ 'pve/qemu-server/100.conf': conf });
  try {
    const r = await runCli(['lint', 'pve'], bare);
    assert.equal(r.code, 0);
    assert.doesNotMatch(r.stdout, /proxmox-io-uring-storage/);
  } finally {
    rm(bare);
  }
});
