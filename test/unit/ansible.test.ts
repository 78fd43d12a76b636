// QEMU and qemu-img command lines in Ansible tasks (command and shell modules, free-form, cmd:
// and argv:): which files are read, how YAML scalars are placed, what fixes write (the file
// still parses to the same tasks); python3's shlex (what the command module splits with) and
// QEMU are the oracles.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { detectKind, fixAll, lint } from '../../src/core/lint/engine';
import { ansibleCommands } from '../../src/core/lint/commandLine/ansible';
import { OPAQUE } from '../../src/core/lint/commandLine/shellWords';
import type { Finding } from '../../src/core/types';
import { assertQemuAgrees, hasQemu, QEMU, QEMU_BARE } from '../helpers/qemuOracle';

const FIXTURE = path.resolve(__dirname, '../../../test/fixtures/buildfiles/image-build.yml');
const run = (text: string, fileName = 'site.yml') => lint(text, { fileName });
const rules = (fs_: Finding[]) => fs_.map((f) => f.rule);
const lineOf = (text: string, f: Finding) => text.slice(0, f.start).split('\n').length;
const task = (body: string) => `- hosts: all\n  tasks:\n    - name: t\n${body}\n`;

test('an Ansible YAML file is read when a command or shell task may run one of the programs', () => {
  const body = task('      command: qemu-img convert -t writethrough a b');
  assert.equal(detectKind('playbooks/site.yml', body), 'ansible');
  assert.equal(detectKind('roles/img/tasks/main.yaml', body), 'ansible');
  assert.equal(detectKind('untitled', body, 'ansible'), 'ansible');
  assert.equal(detectKind('site.yml', task('      command: make image')), undefined);
  assert.equal(detectKind('vm.yaml', 'kind: VirtualMachine\nspec:\n  cache: none\n'), undefined);
});

test('the fixture: free-form command, argv, a literal shell block and a folded cmd; Jinja and debug messages left alone', () => {
  const text = fs.readFileSync(FIXTURE, 'utf8');
  const found = run(text, FIXTURE).map((f) => [lineOf(text, f), f.rule, text.slice(f.start, f.end)]);
  assert.deepEqual(found, [
    [9, 'qemu-img-convert-writethrough', 'writethrough'],
    [22, 'qemu-img-convert-writethrough', 'writethrough'],
    [32, 'cache-writethrough', 'writethrough'],
    [32, 'io-native-needs-direct', 'native'],
    [39, 'cache-unsafe', 'unsafe'],
  ]);
  const fixed = fixAll(text, { fileName: FIXTURE }).text;
  assert.deepEqual(run(fixed, FIXTURE), []);
  // The fixed file parses to the same tasks with only the values changed.
  const expected = JSON.stringify(parse(text)).replace(/-t writethrough/, '-t writeback').replace('"writethrough"', '"writeback"').replace(/cache=writethrough/, 'cache=none').replace(/cache=unsafe/, 'cache=none');
  assert.equal(JSON.stringify(parse(fixed)), expected);
});

test('YAML scalars: quotes, escapes, folding and blocks are placed as the parser reads them', () => {
  const cases: [string, string[]][] = [
    ['      shell: "qemu-img convert -t write\\x74hrough a b"', ['qemu-img-convert-writethrough']],
    ["      shell: 'qemu-img convert -t ''writethrough'' a b'", ['qemu-img-convert-writethrough']],
    ['      shell: qemu-img convert\n        -t writethrough a b', ['qemu-img-convert-writethrough']],
    ['      shell: >\n        qemu-img convert\n        -t writethrough a b', ['qemu-img-convert-writethrough']],
    ['      shell: |\n        qemu-img convert -t none a b\n        qemu-img convert -t writethrough c d', ['qemu-img-convert-writethrough']],
    ['      shell: qemu-img convert -t {{ mode }} a b', []],
    ['      shell: qemu-img convert -t "{{ mode | default(\'writethrough\') }}" a b', []],
    ['      shell: |2\n          qemu-img convert -t writethrough a b', []], // explicit indentation: not placed, not judged
    ['      command:\n        argv: [qemu-system-x86_64, -drive, "file=a.img,cache=unsafe"]', ['cache-unsafe']],
    ['      debug:\n        msg: qemu-img convert -t writethrough a b', []],
  ];
  for (const [body, want] of cases) assert.deepEqual(rules(run(task(body))), want, body);
  // An escape is never rewritten by a fix.
  const escaped = task('      shell: "qemu-img convert -t write\\x74hrough a b"');
  assert.deepEqual(run(escaped)[0].fixes, []);
});

test('a fix never appends a comma to a plain scalar in a flow list, where it would split the item', () => {
  // qemu-drive-default-cache (a hint: the -drive names no cache=) fires on each of these; the rest is the point.
  const judged = (text: string) => rules(run(text).filter((f) => f.rule !== 'qemu-drive-default-cache'));
  const plain = task('      command:\n        argv: [qemu-system-x86_64, -drive, file=a.img,aio=native]');
  assert.deepEqual(judged(plain), [], 'YAML splits file=a.img,aio=native at the comma: no -drive value holds aio');
  const quoted = task('      command:\n        argv: [qemu-system-x86_64, -drive, "file=a.img,aio=native"]');
  const [f] = run(quoted).filter((x) => x.rule !== 'qemu-drive-default-cache');
  assert.equal(f.rule, 'io-native-needs-direct');
  assert.ok(f.fixes.some((x) => x.preferred), 'inside quotes the comma is safe');
  const block = task('      command:\n        argv:\n          - qemu-system-x86_64\n          - -drive\n          - file=a.img,aio=native');
  const fixed = fixAll(block, { fileName: 'site.yml' }).text;
  assert.match(fixed, /- file=a\.img,aio=native,cache=none\n/);
  const flowAio = task('      command:\n        argv: [qemu-system-x86_64, -drive, "file=a.img", x]');
  assert.deepEqual(judged(flowAio), []);
  const inFlow = task('      command: {argv: [qemu-system-x86_64, -drive, aio=native]}');
  assert.deepEqual(judged(inFlow), ['io-native-needs-direct']);
  assert.deepEqual(run(inFlow).find((g) => g.rule === 'io-native-needs-direct')!.fixes.map((x) => x.title), ['Set aio=threads'], 'Set cache=none would append a comma');
  for (const g of run(inFlow)) assert.ok(!g.fixes.some((x) => x.edits.some((e) => e.newText.includes(','))), 'no comma into a flow scalar');
});

// --- python3's shlex and QEMU as the oracles ----------------------------------------------------

const hasPython = spawnSync('python3', ['--version']).status === 0;

test('free-form command: the words are those shlex.split gives (what the command module runs)', { skip: !hasPython && 'python3 not installed' }, () => {
  const lines = ["qemu-img convert -t writethrough 'a b.qcow2' \"c\\\"d.raw\"", 'qemu-img convert -O raw a\\ b c', "qemu-system-x86_64 -drive 'file=x,,y.img,cache=none' -m 1G"];
  for (const line of lines) {
    const text = task(`      command: ${JSON.stringify(line)}`);
    const r = spawnSync('python3', ['-c', 'import json,shlex,sys; print(json.dumps(shlex.split(sys.argv[1])))', line], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(ansibleCommands(text).map((c) => c.map((w) => w.value)), [JSON.parse(r.stdout)], line);
  }
  assert.deepEqual(ansibleCommands(task('      command: qemu-img info {{ img }}')).map((c) => c.map((w) => w.value)), [['qemu-img', 'info', OPAQUE]]);
});

test('QEMU refuses the words of every task given an error, and starts with every fixed one', { skip: !hasQemu && `${QEMU} not installed (scripts/install-system-deps.sh)` }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qdt-ansible-'));
  try {
    const img = path.join(dir, 'd.raw');
    fs.writeFileSync(img, Buffer.alloc(1 << 20));
    for (const d of ['cache=writethrough,aio=native', 'aio=native', 'cache=wrteback', 'cache=none,aio=native']) {
      const bodies = [
        `      shell: |\n        ${QEMU} ${QEMU_BARE.join(' ')} \\\n          -drive file=${img},format=raw,if=none,${d}`,
        `      command:\n        argv:\n${[QEMU, ...QEMU_BARE, '-drive', `file=${img},format=raw,if=none,${d}`].map((w) => `          - ${w}`).join('\n')}`,
      ];
      for (const body of bodies) await assertQemuAgrees(task(body), 'site.yml', (t) => ansibleCommands(t)[0].map((w) => w.value).slice(1 + QEMU_BARE.length));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
