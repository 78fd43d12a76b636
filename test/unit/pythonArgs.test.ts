// Argument lists in Python code (Nova's own form of the seed bug): which files are read, which
// tuples, lists and calls are argument lists, how literals are decoded, what the fixes write;
// Python itself decodes the literals, and QEMU refuses or starts with the words read.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { detectKind, fixAll, lint } from '../../src/core/lint/engine';
import { pythonCommands } from '../../src/core/lint/commandLine/pythonArgs';
import { OPAQUE } from '../../src/core/lint/commandLine/shellWords';
import type { Finding } from '../../src/core/types';
import { assertQemuAgrees, hasQemu, QEMU, QEMU_BARE } from '../helpers/qemuOracle';

const FIXTURE = path.resolve(__dirname, '../../../test/fixtures/buildfiles/images.py');
const run = (text: string, fileName = 'images.py') => lint(text, { fileName });
const rules = (fs_: Finding[]) => fs_.map((f) => f.rule);
const lineOf = (text: string, f: Finding) => text.slice(0, f.start).split('\n').length;

test('Python code is read by name, #! line or the python language, when a string literal names one of the programs', () => {
  const body = "cmd = ('qemu-img', 'convert', '-t', 'writethrough', src, dst)\n";
  assert.equal(detectKind('nova/virt/images.py', body), 'python');
  assert.equal(detectKind('tools/convert', `#!/usr/bin/env python3\n${body}`), 'python');
  assert.equal(detectKind('untitled', body, 'python'), 'python');
  assert.equal(detectKind('x.py', '# run qemu-img convert by hand\nimport os\n'), undefined, 'no literal naming a program');
});

test('the fixture: Nova\'s tuple, a list passed to subprocess.run; names, keyword arguments and messages left alone', () => {
  const text = fs.readFileSync(FIXTURE, 'utf8');
  const found = run(text, FIXTURE).map((f) => [lineOf(text, f), f.rule, text.slice(f.start, f.end)]);
  assert.deepEqual(found, [
    [12, 'qemu-img-convert-writethrough', 'writethrough'],
    [29, 'cache-writethrough', 'writethrough'],
    [29, 'io-native-needs-direct', 'native'],
    [30, 'cache-unsafe', 'unsafe'],
  ]);
  const fixed = fixAll(text, { fileName: FIXTURE }).text;
  assert.match(fixed, /cmd = \('qemu-img', 'convert', '-t', 'writeback', '-O', out_format\)/);
  assert.match(fixed, /"-drive", f"file=\{image\},if=virtio,cache=none,aio=native",/);
  assert.match(fixed, /"-drive", "file=\/var\/tmp\/swap\.raw,format=raw," "cache=none",/);
  assert.deepEqual(run(fixed, FIXTURE), []);
});

test('what an argument list is, and how its elements are read', () => {
  const words = (src: string) => pythonCommands(src).map((c) => c.map((w) => w.value));
  assert.deepEqual(words("x = ['qemu-img', 'convert', '-t', mode, *extra, r'a\\b', 'c' 'd']\n"), [['qemu-img', 'convert', '-t', OPAQUE, OPAQUE, 'a\\b', 'cd']]);
  assert.deepEqual(words("execute('qemu-img', 'info', path, run_as_root=True, timeout=30)\n"), [['qemu-img', 'info', OPAQUE]]);
  assert.deepEqual(words("f'{x}' ; run([f'qemu-img', f'-t{mode}', f'{{x}}'])\n"), [['qemu-img', `-t${OPAQUE}`, '{x}']]);
  assert.deepEqual(words("log('qemu-img convert -t writethrough', x)\n"), [], 'the program name alone, not a message');
  assert.deepEqual(words("d = {'qemu-img': 1}\nt = ('echo', 'qemu-img')\n"), []);
  assert.deepEqual(words('"""\nqemu(\'qemu-img\', \'-t\')\n"""\n# (\'qemu-img\', \'convert\')\n'), []);
  const cases: [string, string[]][] = [
    ["cmd = ('qemu-img', 'convert', '-t', 'write\\x74hrough', a, b)\n", ['qemu-img-convert-writethrough']],
    ["cmd = ('qemu-img', 'convert', '-t', 'writethrough' if slow else 'none', a, b)\n", []],
    ["cmd = ['kvm', '-drive', 'file=a.img,cache=unsafe']\n", ['cache-unsafe']],
    ["cmd = ['kvm', '-drive', 'file=a.img,cache=' + mode]\n", []],
  ];
  for (const [src, want] of cases) assert.deepEqual(rules(run(src)), want, src);
});

test('a suppression comment (#) above the line of the value', () => {
  const text = "cmd = (\n    'qemu-img', 'convert',\n    # qdt-disable-next-line qemu-img-convert-writethrough -- measured on this host\n    '-t', 'writethrough',\n)\n";
  assert.deepEqual(run(text), []);
});

// --- Python and QEMU as the oracles -------------------------------------------------------------

const PYTHON = 'python3';
const hasPython = spawnSync(PYTHON, ['--version']).status === 0;

test('the words read are the values Python builds from the literals', { skip: !hasPython && 'python3 not installed' }, () => {
  const src = [
    "a = ('qemu-img', 'convert', '-t', 'write\\x74hrough', r'C:\\new', 'a' \"b\", '\\u00e9\\t|', '''x''')",
    'b = ["qemu-system-x86_64", "-drive", "file=\\\\srv\\\\a.img,cache=unsafe", f"{{literal}}"]',
  ].join('\n');
  const r = spawnSync(PYTHON, ['-c', `${src}\nimport json\nprint(json.dumps([list(a), list(b)]))`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(pythonCommands(src).map((c) => c.map((w) => w.value)), JSON.parse(r.stdout));
});

test('QEMU refuses the words of every list given an error, and starts with every fixed one', { skip: !hasQemu && `${QEMU} not installed (scripts/install-system-deps.sh)` }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qdt-python-'));
  try {
    const img = path.join(dir, 'd.raw');
    fs.writeFileSync(img, Buffer.alloc(1 << 20));
    for (const d of ['cache=writethrough,aio=native', 'aio=native', 'cache=wrteback', 'cache=none,aio=native']) {
      const text = `subprocess.run([${[QEMU, ...QEMU_BARE, '-drive'].map((w) => `'${w}'`).join(', ')}, '${`file=${img},format=raw,if=none,`}' '${d}'])\n`;
      await assertQemuAgrees(text, 'images.py', (t) => pythonCommands(t)[0].map((w) => w.value).slice(1 + QEMU_BARE.length));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
