// QEMU and qemu-img command lines in Makefile recipes: which files are read, what make hands to
// the shell (checked against GNU make's own `make -n`), where findings sit and what fixes write;
// make running the recipe, and QEMU refusing or starting, is the oracle for every error and fix.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { detectKind, fixAll, lint } from '../../src/core/lint/engine';
import { makefileCommands } from '../../src/core/lint/commandLine/makefile';
import { shellCommands } from '../../src/core/lint/commandLine/shellWords';
import type { Finding } from '../../src/core/types';
import { hasQemu, QEMU, QEMU_BARE, stillRunning } from '../helpers/qemuOracle';

const FIXTURE = path.resolve(__dirname, '../../../test/fixtures/buildfiles/Makefile');
const run = (text: string, fileName = 'Makefile') => lint(text, { fileName });
const rules = (fs_: Finding[]) => fs_.map((f) => f.rule);
const lineOf = (text: string, f: Finding) => text.slice(0, f.start).split('\n').length;

test('a Makefile is read by name or the editor\'s makefile language, when a recipe may run QEMU or qemu-img', () => {
  const body = 'img:\n\tqemu-img convert -t writethrough -O raw a.qcow2 b.raw\n';
  for (const name of ['Makefile', 'makefile', 'GNUmakefile', 'x/images.mk', 'Makefile.images', 'build.make', 'Makefile.j2']) assert.equal(detectKind(name, body), 'makefile', name);
  assert.equal(detectKind('untitled-1', body, 'makefile'), 'makefile');
  assert.equal(detectKind('Makefile', 'all:\n\tgcc -o kvmtool main.c\n'), undefined, 'no invocation: none of ours');
  assert.equal(detectKind('notes.txt', body), undefined);
});

test('the fixture: findings where make runs them, none where a make variable or a variable definition stands', () => {
  const text = fs.readFileSync(FIXTURE, 'utf8');
  assert.equal(detectKind(FIXTURE, text), 'makefile');
  const found = run(text).map((f) => [lineOf(text, f), f.rule, text.slice(f.start, f.end)]);
  assert.deepEqual(found, [
    [15, 'qemu-img-convert-writethrough', 'writethrough'],
    [23, 'cache-writethrough', 'writethrough'],
    [23, 'io-native-needs-direct', 'native'],
    [26, 'io-native-needs-direct', 'native'],
    [29, 'cache-unsafe', 'unsafe'],
  ]);
  const fixed = fixAll(text, { fileName: FIXTURE }).text;
  assert.match(fixed, /\tqemu-img convert -p -t writeback \\\n\t\t-O raw \$< \$@\n/);
  assert.match(fixed, /-drive file=\$<,format=raw,if=virtio,cache=none,aio=native\n/);
  assert.match(fixed, /-drive "file=\$\$HOME\/runner\.raw,format=raw,aio=native,cache=none"/);
  assert.match(fixed, /\t\$\(QEMU\) \$\(QEMU_OPTS\) -drive file=\$<,format=raw,cache=unsafe\n/, 'a program named by a make variable is never guessed');
  assert.match(fixed, /define boot-scratch\nqemu-system-x86_64 -drive file=scratch\.qcow2,cache=none\nendef/);
  assert.deepEqual(run(fixed), []);
});

test('make\'s own syntax: prefixes, $$, references opaque even in quotes, inline recipes, variables are no recipes', () => {
  const cases: [string, string[]][] = [
    ['a:\n\t@-qemu-img convert -t writethrough x y\n', ['qemu-img-convert-writethrough']],
    ['a:\n\t+ @ qemu-img convert -t writethrough x y\n', ['qemu-img-convert-writethrough']],
    ['a:\n\tqemu-img convert -t writethrough $$HOME/x.raw "$$(pwd)/y"\n', ['qemu-img-convert-writethrough']],
    ["a:\n\tqemu-img convert -t '$(CACHE)' x y\n", []],
    ['a:\n\tqemu-img convert -t ${CACHE} x y\n', []],
    ['a:\n\tqemu-img convert -t write$(SUFFIX) x y\n', []],
    ['a:\n\t$(QEMU_IMG) convert -t writethrough x y\n', []],
    ['a:\n\tqemu-img convert -t $$CACHE x y\n', []],
    ['a: b ; qemu-img convert -t writethrough x y\n', ['qemu-img-convert-writethrough']],
    ['a: CACHE := writethrough\na:\n\tqemu-img convert -t $(CACHE) x y\n', []],
    ['OPTS = qemu-img convert \\\n\t-t writethrough a b\n', []],
    ['\tqemu-img convert -t writethrough a b\n', []], // before any rule: no recipe
    ['all:\nX = 1\n\tqemu-img convert -t writethrough a b\n', []], // an assignment ends the rule
    ['.RECIPEPREFIX = >\na:\n>qemu-img convert -t writethrough x y\n', ['qemu-img-convert-writethrough']],
    ['a:\n\techo qemu-img convert -t writethrough x y\n', []],
    ['a:\n\t# qemu-img convert -t writethrough x y\n', []],
    ['ifeq ($(X),1)\na:\n\tqemu-img convert -t writethrough x y\nendif\n', ['qemu-img-convert-writethrough']],
    ['define run\n\tqemu-system-x86_64 -drive file=a.img,cache=unsafe\nendef\n', ['cache-unsafe']],
  ];
  for (const [text, want] of cases) assert.deepEqual(rules(run(text)), want, JSON.stringify(text));
});

test('a recipe continued with \\: the finding is on its line, the fix writes only the value', () => {
  const text = 'img:\n\tqemu-system-x86_64 -m 1024 \\\n\t\t-drive file=a.img,if=virtio,cache=writethrough \\\n\t\t-nographic\n';
  const [f] = run(text);
  assert.equal(f.rule, 'cache-writethrough');
  assert.equal(lineOf(text, f), 3);
  assert.equal(fixAll(text, { fileName: 'Makefile' }).text, text.replace('cache=writethrough', 'cache=none'));
});

test('suppression comments (#) in a recipe reach the whole command', () => {
  const text = 'img:\n\t# qdt-disable-next-line qemu-img-convert-writethrough -- measured\n\tqemu-img convert \\\n\t\t-t writethrough a b\n\tqemu-img convert -t writethrough c d\n';
  assert.deepEqual(run(text).map((f) => lineOf(text, f)), [5]);
});

// --- GNU make and QEMU as the oracles ----------------------------------------------------------

const hasMake = spawnSync('make', ['--version']).status === 0;

test('the words read from each recipe line are those of the commands GNU make prints with -n', { skip: !hasMake && 'make not installed' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qdt-make-'));
  try {
    const text = [
      'all: one two',
      'one:',
      '\t@qemu-img convert -p -t writethrough \\',
      '\t\t-O raw "in put.qcow2" out.raw',
      "\t-qemu-system-x86_64 -drive 'file=$$HOME/a.img,cache=none' -m 512",
      'two: ; @qemu-img convert -t none  x\\ y z',
      '',
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'Makefile'), text);
    const r = spawnSync('make', ['-n', '-s'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const printed = shellCommands(r.stdout).map((c) => c.words.map((w) => w.value));
    const ours = makefileCommands(text).map((c) => c.map((w) => w.value));
    assert.deepEqual(ours, printed);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('make runs the recipe: QEMU refuses every drive given an error, and starts once fixed', { skip: (!hasQemu || !hasMake) && `${QEMU} or make not installed (scripts/install-system-deps.sh)` }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qdt-make-'));
  try {
    fs.writeFileSync(path.join(dir, 'd.raw'), Buffer.alloc(1 << 20));
    const drives = ['cache=writethrough,aio=native', 'aio=native', 'cache=unsafe,aio=native', 'cache=wrteback', 'aio=nativ', 'cache=none,aio=native', 'cache=writeback'];
    for (const d of drives) {
      const text = `IMG = d.raw\nboot:\n\t@${QEMU} ${QEMU_BARE.join(' ')} \\\n\t  -drive file=$(IMG),format=raw,if=none,${d}\n`;
      const errors = run(text).filter((f) => f.severity === 'error');
      fs.writeFileSync(path.join(dir, 'Makefile'), text);
      const before = await stillRunning('make', ['-s', 'boot'], dir);
      assert.equal(errors.length > 0, !before.ok, `${d}: findings ${rules(errors)}, QEMU ${before.ok ? 'started' : `refused: ${before.stderr}`}`);
      const fixed = fixAll(text, { fileName: 'Makefile' }).text;
      if (fixed === text) continue;
      fs.writeFileSync(path.join(dir, 'Makefile'), fixed);
      const after = await stillRunning('make', ['-s', 'boot'], dir);
      assert.ok(after.ok, `fixed ${d}: QEMU refused: ${after.stderr}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the README\'s Makefile, Dockerfile, Packer, Python and Ansible examples get the findings their comments name', () => {
  const readme = fs.readFileSync(path.resolve(__dirname, '../../../README.md'), 'utf8');
  const names: Record<string, string> = { make: 'Makefile', dockerfile: 'Dockerfile', hcl: 'example.pkr.hcl', python: 'images.py', yaml: 'site.yml' };
  const blocks = [...readme.matchAll(/```(make|dockerfile|hcl|python|yaml)\n([\s\S]*?)```/g)];
  assert.ok(blocks.length >= 5);
  for (const [, lang, body] of blocks) {
    const named = new Set([...body.matchAll(/# ([a-z-]+(?:-[a-z]+)+)/g)].map((m) => m[1]).filter((r) => r !== 'qdt-disable-next-line'));
    const got = new Set(rules(lint(body, { fileName: names[lang] })));
    if (body.includes('qdt-disable')) continue;
    assert.deepEqual([...got].sort(), [...named].sort(), body);
  }
});
