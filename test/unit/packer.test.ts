// Packer templates with the QEMU builder, in HCL2 (*.pkr.hcl), HCL2's JSON syntax (*.pkr.json)
// and the legacy JSON form: which files are read, disk_cache as a disk for the disk rules,
// qemuargs and qemu_img_args as command lines, Packer's own checks; `packer validate` (Debian's
// packer) is the oracle for what Packer refuses, QEMU for the drives it gets.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { detectKind, fixAll, lint } from '../../src/core/lint/engine';
import { PACKER_DISK_CACHE, PACKER_DISK_OPTIONS } from '../../src/core/lint/packer/template';
import type { Finding } from '../../src/core/types';
import { hasQemu, QEMU, qemuAccepts } from '../helpers/qemuOracle';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/buildfiles');
const read = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');
const run = (text: string, fileName: string) => lint(text, { fileName });
const rules = (fs_: Finding[]) => fs_.map((f) => f.rule);
const lineOf = (text: string, f: Finding) => text.slice(0, f.start).split('\n').length;
const found = (text: string, fileName: string) => run(text, fileName).map((f) => [lineOf(text, f), f.rule, text.slice(f.start, f.end)]);

/** A template with one qemu source holding `body` (HCL attribute lines). */
const hcl = (body: string) => `source "qemu" "vm" {\n  iso_url      = "file:///dev/null"\n  iso_checksum = "none"\n  communicator = "none"\n${body}\n}\n\nbuild {\n  sources = ["source.qemu.vm"]\n}\n`;
/** The same in legacy JSON: `props` are the builder's extra properties. */
const legacy = (props: Record<string, unknown>) =>
  JSON.stringify({ builders: [{ type: 'qemu', iso_url: 'file:///dev/null', iso_checksum: 'none', communicator: 'none', ...props }] }, null, 2) + '\n';

test('a Packer template is read when it has a qemu source or builder', () => {
  const src = hcl('  disk_cache = "unsafe"');
  assert.equal(detectKind('x/ubuntu.pkr.hcl', src), 'packer');
  assert.equal(detectKind('x/build.hcl', src, 'hcl'), 'packer');
  assert.equal(detectKind('x/aws.pkr.hcl', 'source "amazon-ebs" "x" {\n  ami_name = "x"\n}\n'), undefined);
  assert.equal(detectKind('x/template.json', legacy({ disk_cache: 'unsafe' })), 'packer');
  assert.equal(detectKind('x/template.json', '{"builders": [{"type": "virtualbox-iso"}]}'), undefined);
  assert.equal(detectKind('x/package.json', '{"name": "qemu", "type": "module"}'), undefined);
  assert.equal(detectKind('x/alpine.pkr.json', read('alpine.pkr.json')), 'packer');
});

test('HCL2 fixture: disk_cache as a disk, Packer\'s checks, qemuargs and qemu_img_args as command lines, a build\'s source override', () => {
  const text = read('ubuntu.pkr.hcl');
  assert.deepEqual(found(text, 'ubuntu.pkr.hcl'), [
    [22, 'cache-writethrough', 'writethrough'],
    [23, 'packer-disk-option-invalid', 'unmapp'],
    [27, 'qemu-img-convert-writethrough', 'writethrough'],
    [34, 'packer-disk-settings-ignored', 'disk_cache'],
    [38, 'io-native-needs-direct', 'native'],
    [39, 'cache-invalid', 'wrteback'],
    [48, 'cache-unsafe', 'unsafe'],
  ]);
  const [wt, discard] = run(text, 'ubuntu.pkr.hcl');
  assert.match(wt.message, /^disk_cache = "writethrough" makes every guest write wait/);
  assert.equal(discard.message, 'disk_discard = "unmapp" is not a value Packer\'s QEMU builder accepts, so it refuses the template ("unrecognized disk discard type"). Did you mean \'unmap\'?');
  const fixed = fixAll(text, { fileName: 'ubuntu.pkr.hcl' }).text;
  assert.match(fixed, /  disk_cache         = "none" \/\/ the default is writeback\n  disk_discard       = "unmap"\n/);
  assert.match(fixed, /convert = \["-t", "writeback", "-o", "compression_type=zstd"\]/);
  // The -drive split over two strings: the fix lands in the string that holds the value.
  assert.match(fixed, /\["-drive", "file=output-scratch\/scratch\.qcow2,if=virtio,", "cache=none,aio=native,discard=unmap"\]/);
  assert.match(fixed, /file=\{\{ \.OutputDir \}\}\/data\.raw,format=raw,cache=writeback"/);
  assert.match(fixed, /    disk_cache = "none"\n  \}\n\}/);
  assert.deepEqual(rules(run(fixed, 'ubuntu.pkr.hcl')), ['packer-disk-settings-ignored'], 'the ignored setting is only removed by hand');
});

test('legacy JSON and HCL2 JSON fixtures: the same rules, fixes inside the JSON strings', () => {
  const text = read('legacy-qemu.json');
  assert.deepEqual(found(text, 'legacy-qemu.json'), [
    [12, 'cache-invalid', 'off'],
    [16, 'qemu-img-convert-writethrough', 'writethrough'],
    [21, 'packer-disk-settings-ignored', '"disk_cache"'],
    [24, 'cache-unsafe', 'unsafe'],
    [24, 'io-native-needs-direct', 'native'],
  ]);
  const invalid = run(text, 'legacy-qemu.json')[0];
  assert.match(invalid.message, /^"disk_cache": "off" is not a disk cache mode Packer knows, so it refuses the template \("unrecognized disk cache type"\)\. Did you mean 'none'\?/);
  const fixed = fixAll(text, { fileName: 'legacy-qemu.json' }).text;
  assert.doesNotThrow(() => JSON.parse(fixed));
  assert.match(fixed, /"disk_cache": "none",\n/);
  assert.match(fixed, /"file=output\/\{\{user `name`\}\}\.raw,cache=none,aio=native"/);
  const pkrJson = read('alpine.pkr.json');
  assert.deepEqual(found(pkrJson, 'alpine.pkr.json'), [
    [7, 'cache-directsync', 'directsync'],
    [8, 'packer-disk-option-invalid', 'yes'],
  ]);
  assert.match(run(pkrJson, 'alpine.pkr.json')[1].message, /Use one of unmap, on, off \(without it: off\)\.$/);
});

test('HCL syntax: comments, escapes, templates and expressions are read as Packer reads them, never guessed', () => {
  const cases: [string, string[]][] = [
    ['  disk_cache = "unsafe" # fast', ['cache-unsafe']],
    ['  /* disk_cache = "unsafe" */\n  // disk_cache = "unsafe"', []],
    ['  disk_cache = "un\\u0073afe"', ['cache-unsafe']],
    ['  disk_cache = var.cache', []],
    ['  disk_cache = "${var.cache}"', []],
    ['  disk_cache = var.fast ? "unsafe" : "none"', []],
    ['  disk_cache = "$${x}"', ['cache-invalid']],
    ['  disk_cache = "none"\n  disk_cache = "unsafe"', ['cache-unsafe']],
    ['  boot_command = [\n    "<wait>disk_cache = \\"unsafe\\"<enter>"\n  ]', []],
    ['  http_content = {\n    "/user-data" = <<EOF\ndisk_cache = "unsafe"\nEOF\n  }', []],
    ['  qemuargs = [["-drive", "file=a.img,cache=unsafe"]]', ['cache-unsafe']],
    ['  qemuargs = [["-drive", "file=a.img,cache=", var.cache]]', []],
    ['  qemuargs = concat(local.args, [["-drive", "file=a.img,cache=unsafe"]])', []],
    ['  qemuargs = [\n    ["-drive",\n     "file=a.img,",\n     "cache=unsafe"],\n  ]', ['cache-unsafe']],
    ['  qemu_img_args = {\n    convert = ["-t", "writethrough"]\n  }', ['qemu-img-convert-writethrough']],
    ['  qemu_img_args {\n    create = ["-t", "writethrough"]\n  }', []],
  ];
  for (const [body, want] of cases) assert.deepEqual(rules(run(hcl(body), 't.pkr.hcl')), want, body);
  // Not a qemu source: nothing is read from it.
  assert.deepEqual(run('source "qemu-lookalike" "x" {\n  disk_cache = "unsafe"\n}\nsource "qemu" "y" {}\n', 't.pkr.hcl'), []);
});

test('packer-disk-settings-ignored: its fix removes the setting, and the file stays valid', () => {
  const h = hcl('  disk_cache = "none"\n  qemuargs = [["-drive", "file=a.img,cache=none"]]');
  const [f] = run(h, 'a.pkr.hcl');
  assert.equal(f.rule, 'packer-disk-settings-ignored');
  assert.equal(h.slice(f.related![0].start, f.related![0].end), '"-drive", "file=a.img,cache=none"');
  assert.equal(require('../../src/core/text').applyEdits(h, f.fixes[0].edits), h.replace('  disk_cache = "none"\n', ''));
  const j = legacy({ disk_cache: 'none', qemuargs: [['-drive', 'file=a.img,cache=none']] });
  const [g] = run(j, 'a.json');
  const removed = require('../../src/core/text').applyEdits(j, g.fixes[0].edits);
  assert.equal(JSON.parse(removed).builders[0].disk_cache, undefined);
  assert.deepEqual(JSON.parse(removed).builders[0].qemuargs, [['-drive', 'file=a.img,cache=none']]);
});

test('a JSON template takes no suppression comment; an HCL one takes # and //', () => {
  const { takesComments } = require('../../src/core/lint/suppress');
  assert.equal(takesComments('packer', legacy({})), false);
  assert.equal(takesComments('packer', hcl('')), true);
  const text = hcl('  // qdt-disable-next-line cache-unsafe -- throwaway build VM\n  disk_cache = "unsafe"');
  assert.deepEqual(run(text, 'a.pkr.hcl'), []);
});

// --- packer validate and QEMU as the oracles ----------------------------------------------------

const hasPacker = spawnSync('packer', ['version']).status === 0;

function packerValidate(text: string, name: string): { ok: boolean; out: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qdt-packer-'));
  try {
    fs.writeFileSync(path.join(dir, name), text);
    const r = spawnSync('packer', ['validate', name], { cwd: dir, encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1', PACKER_CACHE_DIR: dir } });
    return { ok: r.status === 0, out: r.stdout + r.stderr };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('packer validate refuses every value given an error, accepts every other value and every fix', { skip: !hasPacker && 'packer not installed (Debian package packer)' }, () => {
  const values: [string, string][] = [
    ...[...PACKER_DISK_CACHE, 'off', 'default', 'writeback ', ''].map((v): [string, string] => ['disk_cache', v]),
    ...Object.entries(PACKER_DISK_OPTIONS).flatMap(([k, o]) => [...o.values, 'yes', 'Unmap', ''].map((v): [string, string] => [k, v])),
  ];
  for (const [key, value] of values) {
    for (const [text, name] of [
      [hcl(`  ${key} = ${JSON.stringify(value)}`), 't.pkr.hcl'],
      [legacy({ [key]: value }), 't.json'],
    ]) {
      const errors = run(text, name).filter((f) => f.severity === 'error');
      const v = packerValidate(text, name);
      // An empty value is Packer's default (config.go fills it in before checking).
      assert.equal(errors.length > 0, !v.ok, `${name} ${key}=${JSON.stringify(value)}: findings ${rules(errors)}; packer: ${v.out}`);
      if (errors.length === 0) continue;
      assert.match(v.out, /unrecognized disk/);
      const fixed = fixAll(text, { fileName: name }).text;
      if (fixed !== text) assert.ok(packerValidate(fixed, name).ok, `fixed ${key}=${value}`);
    }
  }
});

test('QEMU starts with the drive Packer builds from every value it accepts, and refuses each qemuargs drive given an error', { skip: !hasQemu && `${QEMU} not installed (scripts/install-system-deps.sh)` }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qdt-packer-'));
  try {
    const img = path.join(dir, 'd.raw');
    fs.writeFileSync(img, Buffer.alloc(1 << 20));
    // step_run.go getDeviceAndDriveArgs (if=none here: -machine none has no bus for virtio).
    for (const cache of PACKER_DISK_CACHE) {
      for (const discard of PACKER_DISK_OPTIONS.disk_discard.values) {
        for (const dz of PACKER_DISK_OPTIONS.disk_detect_zeroes.values) {
          const drive = `file=${img},if=none,cache=${cache},discard=${discard},format=raw${dz === 'off' ? '' : `,detect-zeroes=${dz}`}`;
          const r = await qemuAccepts(['-drive', drive]);
          assert.ok(r.ok, `${drive}: ${r.stderr}`);
        }
      }
    }
    for (const d of ['cache=writethrough,aio=native', 'aio=native', 'cache=wrteback', 'cache=none,aio=native']) {
      const text = hcl(`  qemuargs = [\n    ["-drive", "file=${img},format=raw,if=none,", "${d}"],\n  ]`);
      const errors = run(text, 't.pkr.hcl').filter((f) => f.severity === 'error');
      const before = await qemuAccepts(['-drive', `file=${img},format=raw,if=none,${d}`]);
      assert.equal(errors.length > 0, !before.ok, `${d}: findings ${rules(errors)}, QEMU ${before.ok ? 'started' : `refused: ${before.stderr}`}`);
      const fixed = fixAll(text, { fileName: 't.pkr.hcl' }).text;
      if (fixed === text) continue;
      const drive = /\["-drive", "([^"]*)", "([^"]*)"\]/.exec(fixed)!;
      const after = await qemuAccepts(['-drive', drive[1] + drive[2]]);
      assert.ok(after.ok, `fixed ${drive[2]}: QEMU refused: ${after.stderr}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
