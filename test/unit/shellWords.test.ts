// The shell word splitter: what bash would pass as argv words, each character traced back to
// where it was written, expansions opaque.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { OPAQUE, shellCommands, type ShellWord } from '../../src/core/lint/commandLine/shellWords';

const argv = (text: string) => shellCommands(text).map((c) => c.words.map((w) => w.value));
const src = (text: string, w: ShellWord, from: number, to: number) => text.slice(w.starts[from], w.ends[to - 1]);

test('quotes, escapes and line continuations are removed as bash removes them', () => {
  assert.deepEqual(argv(`qemu-img convert -t 'write''through' "a b" c\\ d \\\n  -O raw`), [['qemu-img', 'convert', '-t', 'writethrough', 'a b', 'c d', '-O', 'raw']]);
  assert.deepEqual(argv('a "x\\"y\\$z\\q"'), [['a', 'x"y$z\\q']]);
  assert.deepEqual(argv("a 'x\\'"), [['a', 'x\\']]);
  // A continuation inside double quotes joins too; inside single quotes it stays.
  assert.deepEqual(argv('a "x\\\ny"'), [['a', 'xy']]);
  assert.deepEqual(argv("a 'x\\\ny'"), [['a', 'x\\\ny']]);
  assert.deepEqual(argv('a \\\r\n b'), [['a', 'b']]);
});

test('commands end at newlines and operators; comments, redirections and here-documents are not arguments', () => {
  const text = [
    '# qemu-img convert -t writethrough a b',
    'x=1; qemu-img info a.img 2>&1 >/dev/null | grep x && echo ok # note',
    'cat <<-EOF > out.txt',
    '\tqemu-img convert -t writethrough a b',
    '\tEOF',
    'echo done&>log',
  ].join('\n');
  assert.deepEqual(argv(text), [['x=1'], ['qemu-img', 'info', 'a.img'], ['grep', 'x'], ['echo', 'ok'], ['cat'], ['echo', 'done']]);
  assert.deepEqual(argv("cat <<'E'\nrm -rf /\nE\nls"), [['cat'], ['ls']]);
  assert.deepEqual(argv('a 3<in b'), [['a', 'b']]);
  // A `#` inside a word is not a comment.
  assert.deepEqual(argv('a b#c'), [['a', 'b#c']]);
});

test('expansions are opaque, one character each, never guessed', () => {
  const text = 'qemu -drive "file=$IMG,cache=${CACHE:-none}",if=$(echo "a)b" `x`)x $\'q\\\'\' $1 $ ';
  const [cmd] = shellCommands(text);
  assert.ok(cmd.complete);
  assert.deepEqual(
    cmd.words.map((w) => w.value),
    ['qemu', '-drive', `file=${OPAQUE},cache=${OPAQUE},if=${OPAQUE}x`, OPAQUE, OPAQUE, '$'],
  );
  const drive = cmd.words[2];
  const at = drive.value.indexOf(OPAQUE);
  assert.equal(src(text, drive, at, at + 1), '$IMG');
  const cache = drive.value.indexOf(OPAQUE, at + 1);
  assert.equal(src(text, drive, cache, cache + 1), '${CACHE:-none}');
  assert.equal(src(text, drive, cache + 2, cache + 5), 'if=');
});

test('each character maps back to its source, so a value can be replaced in place', () => {
  const text = `qemu-system-x86_64 \\\n  -drive 'file=a.img,cache=writethrough' -drive file=b,ca\\che=none`;
  const [cmd] = shellCommands(text);
  const d1 = cmd.words[2];
  const v = d1.value.indexOf('writethrough');
  assert.equal(text.slice(d1.starts[v], d1.ends[v + 11]), 'writethrough');
  assert.equal(text.slice(d1.start, d1.end), "'file=a.img,cache=writethrough'");
  const d2 = cmd.words[4];
  assert.equal(d2.value, 'file=b,cache=none');
  assert.equal(text.slice(d2.starts[9], d2.ends[9]), '\\c');
});

test('hostile input: unterminated quotes and expansions mark the command incomplete, never throw', () => {
  for (const text of ["a 'b", 'a "b', 'a $(b', 'a ${b', 'a `b', "a $'b", 'a "$(b"', '\\', '$', "'", '<<', 'a <<E\nb']) {
    const cmds = shellCommands(text);
    assert.ok(Array.isArray(cmds), text);
  }
  assert.equal(shellCommands("qemu-img convert -t 'writethrough").at(-1)?.complete, false);
  assert.equal(shellCommands('qemu-img convert -t "$(x').at(-1)?.complete, false);
  assert.equal(shellCommands('qemu-img convert -t none').at(-1)?.complete, true);
});

function fastestMs(fn: () => void): number {
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

test('linear time on long lines, deep nesting and unterminated quotes (ratio to an ordinary script of the same size)', () => {
  const size = 400_000;
  const ordinary = 'qemu-img convert -t none a.qcow2 b.raw\n'.repeat(size / 40);
  const shapes = {
    'one long line': 'x '.repeat(size / 2),
    'deep $( nesting': '$('.repeat(size / 2),
    'unterminated quote': `a '${'b '.repeat(size / 2)}`,
    'many unterminated ${': '${'.repeat(size / 2),
    'backslashes': '\\'.repeat(size),
    'quotes in a row': '""'.repeat(size / 2),
  };
  shellCommands(ordinary);
  const base = Math.max(fastestMs(() => shellCommands(ordinary)), 20);
  for (const [name, text] of Object.entries(shapes)) {
    shellCommands(text);
    const t = fastestMs(() => shellCommands(text));
    assert.ok(t / base < 8, `${name}: ${t.toFixed(0)} ms vs ${base.toFixed(0)} ms ordinary`);
  }
});
