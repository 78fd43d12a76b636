// QEMU and qemu-img command lines in shell scripts: which files are read, what each -drive and
// qemu-img convert yields, where findings sit, what the fixes write; QEMU itself is the oracle
// for what refuses to start and for every fixed line.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { detectKind, fixAll, lint } from '../../src/core/lint/engine';
import { shellCommands } from '../../src/core/lint/commandLine/shellWords';
import { applyEdits } from '../../src/core/text';
import type { Finding } from '../../src/core/types';
import { hasQemu, QEMU, qemuAccepts } from '../helpers/qemuOracle';

const SCRIPT = 'build.sh';
const run = (text: string, fileName = SCRIPT) => lint(text, { fileName });
const at = (text: string, f: Finding) => text.slice(f.start, f.end);
const rules = (fs_: Finding[]) => fs_.map((f) => f.rule);
const preferred = (text: string, f: Finding) => applyEdits(text, f.fixes.find((x) => x.preferred)!.edits);

test('a shell script is read when it runs QEMU or qemu-img, by extension or #! line', () => {
  const body = 'qemu-img convert -t writethrough -O raw a.qcow2 b.raw\n';
  assert.equal(detectKind('x/build.sh', body), 'shell-script');
  assert.equal(detectKind('x/build.bash', body), 'shell-script');
  assert.equal(detectKind('x/build', `#!/bin/sh\n${body}`), 'shell-script');
  assert.equal(detectKind('x/build', `#!/usr/bin/env -S bash -e\n${body}`), 'shell-script');
  assert.equal(detectKind('x/start-vm', '#!/bin/bash\nexec /usr/libexec/qemu-kvm -drive file=a.img\n'), 'shell-script');
  // No invocation, or not a shell script: none of ours.
  assert.equal(detectKind('x/build.sh', 'echo hello\nmake kvmtool\n'), undefined);
  assert.equal(detectKind('x/build.py', body), undefined);
  assert.equal(detectKind('x/build', `#!/usr/bin/python3\n${body}`), undefined);
});

test('qemu-img convert -t writethrough: found in every form getopt reads, fixed in place', () => {
  const forms: [string, string][] = [
    ['qemu-img convert -t writethrough -O raw a b', 'qemu-img convert -t writeback -O raw a b'],
    ['qemu-img convert -p -twritethrough -O raw a b', 'qemu-img convert -p -twriteback -O raw a b'],
    ['qemu-img convert -pt writethrough -O raw a b', 'qemu-img convert -pt writeback -O raw a b'],
    ['qemu-img convert -O raw a b -t writethrough', 'qemu-img convert -O raw a b -t writeback'],
    ["qemu-img convert -t 'writethrough' -O raw a b", "qemu-img convert -t 'writeback' -O raw a b"],
    ['sudo -u nova /usr/bin/qemu-img convert -t writethrough a b', 'sudo -u nova /usr/bin/qemu-img convert -t writeback a b'],
    ['qemu-img -T trace-file convert -t writethrough a b', 'qemu-img -T trace-file convert -t writeback a b'],
    ['if qemu-img convert -t none -t writethrough a b; then :; fi', 'if qemu-img convert -t none -t writeback a b; then :; fi'],
    ['qemu-img convert \\\n    -t writethrough \\\n    -O raw a b', 'qemu-img convert \\\n    -t writeback \\\n    -O raw a b'],
  ];
  for (const [line, fixed] of forms) {
    const fs_ = run(line);
    assert.deepEqual(rules(fs_), ['qemu-img-convert-writethrough'], line);
    assert.equal(at(line, fs_[0]), 'writethrough', line);
    assert.equal(fs_[0].severity, 'warning');
    assert.match(fs_[0].message, /every write.*Use -t writeback/s);
    assert.equal(preferred(line, fs_[0]), fixed, line);
    assert.deepEqual(run(fixed), [], `${fixed}: fixed`);
    assert.equal(fs_[0].fixes[1].title, 'Use -t none (target filesystem supports O_DIRECT)');
  }
});

test('qemu-img: what is not a convert -t writethrough is left alone', () => {
  for (const line of [
    'qemu-img convert -t writethrough -t writeback a b', // the last -t counts
    'qemu-img convert -O raw -- -t writethrough b', // after --: file names
    'qemu-img convert -T writethrough a b', // the source cache
    'qemu-img convert -o writethrough a b', // -o takes an argument that is not -t's
    'qemu-img convert -t "$CACHE" a b', // a variable: never guessed
    'qemu-img convert -t "${CACHE:-writethrough}" a b',
    'qemu-img amend -t writethrough -o compat=1.1 a', // not convert
    'echo qemu-img convert -t writethrough a b', // not run
    '# qemu-img convert -t writethrough a b',
    'cat <<EOF\nqemu-img convert -t writethrough a b\nEOF',
    "qemu-img convert -t 'writethrough a b", // the shell refuses an unterminated quote
  ]) {
    assert.deepEqual(rules(run(line)), [], line);
  }
});

const START = 'qemu-system-x86_64 -enable-kvm -m 2048 \\\n';

test('-drive: the disk rules, with QEMU wording, QEMU\'s default named, ranges on the value', () => {
  const text = `${START}  -drive file=vm.qcow2,if=virtio,cache=writethrough,aio=native \\\n  -drive file=data.raw,format=raw,aio=native \\\n  -drive 'file=x.img,cache=fast'\n`;
  const fs_ = run(text);
  assert.deepEqual(rules(fs_), ['cache-writethrough', 'io-native-needs-direct', 'io-native-needs-direct', 'cache-invalid']);
  const [wt, native1, native2, invalid] = fs_;
  assert.equal(at(text, wt), 'writethrough');
  assert.equal(at(text, native1), 'native');
  assert.match(native1.message, /^aio=native needs O_DIRECT, but this disk has cache=writethrough: QEMU refuses to start \("aio=native was specified, but it requires cache\.direct=on, which was not specified\."\)\. Set cache=none/);
  assert.match(native2.message, /this disk has no cache mode \(QEMU's default, writeback\): QEMU refuses to start/);
  assert.equal(at(text, invalid), 'fast');
  assert.match(invalid.message, /^cache=fast is not a disk cache mode QEMU knows, so it refuses to start \("invalid cache option"\)/);
  // Fixes: the value in place, or ,cache=none appended inside the drive's own word.
  assert.match(preferred(text, native2), /-drive file=data\.raw,format=raw,aio=native,cache=none \\/);
  assert.deepEqual(native1.fixes.map((x) => x.title), ['Set cache=none', 'Set aio=threads']);
  const fixed = fixAll(text, { fileName: SCRIPT }).text;
  assert.match(fixed, /-drive file=vm\.qcow2,if=virtio,cache=none,aio=native \\/);
  assert.match(fixed, /-drive 'file=x\.img,cache=fast'/, 'no guess for an unknown value');
});

test('-drive: QEMU\'s own syntax (,, escapes, flags, last key wins, off = none, default refused)', () => {
  const cases: [string, string[]][] = [
    ['file=a,,cache=unsafe.img,aio=native', ['io-native-needs-direct']], // a file name with a comma: no cache set
    ['file=a.img,cache=unsafe,cache=none', []],
    ['file=a.img,cache=off,aio=native', []],
    ['file=a.img,cache=default', ['cache-invalid']],
    ['file=a.img,aio=bogus', ['cache-invalid']],
    ['file=a.img,cache=unsafe,readonly=on', []],
    ['file=a.img,cache=unsafe,readonly', []],
    ['file=a.iso,media=cdrom,cache=writethrough', []],
    ['file=a.img,cache=unsafe,snapshot=on', []],
    ['file=a.img,cache=unsafe', ['cache-unsafe']],
    ['file=a.img,cache=writeback,aio=native,cache.direct=on', []],
    ['file=a.img,aio=io_uring,cache=writeback', []],
  ];
  for (const [drive, want] of cases) assert.deepEqual(rules(run(`${START}  -drive ${drive}\n`)), want, drive);
});

test('-drive: words with variables are left alone, never guessed', () => {
  for (const drive of ['"file=$IMG,cache=$CACHE,aio=native"', 'file=a.img,$EXTRA,aio=native', 'file=a.img,cache=${C:-writethrough}', '"$DRIVE"', "file=a.img,cache=$(pick)"]) {
    assert.deepEqual(rules(run(`${START}  -drive ${drive}\n`)), [], drive);
  }
  // A variable only in the file name: the rest is judged.
  const text = `${START}  -drive "file=$IMG",cache=unsafe\n`;
  assert.deepEqual(rules(run(text)), ['cache-unsafe']);
  assert.equal(preferred(text, run(text)[0]), `${START}  -drive "file=$IMG",cache=none\n`);
  // A program named through a variable is not known to be QEMU.
  assert.deepEqual(run('$QEMU -drive file=a.img,cache=unsafe\n'), []);
  assert.deepEqual(rules(run('"$QEMU_DIR"/qemu-system-aarch64 -drive file=a.img,cache=unsafe\n')), ['cache-unsafe']);
});

test('suppression comments (#) reach the whole command continued over several lines', () => {
  const text = `# qdt-disable-next-line io-native-needs-direct -- negative test\n${START}  -drive file=d.raw,aio=native\nqemu-img convert -t writethrough a b\n`;
  assert.deepEqual(rules(run(text)), ['qemu-img-convert-writethrough']);
  const region = `# qdt-disable qemu-img-convert-writethrough\nqemu-img convert -t writethrough a b\n# qdt-enable qemu-img-convert-writethrough\nqemu-img convert -t writethrough c d\n`;
  assert.equal(run(region).length, 1);
});

// --- QEMU as the oracle ---------------------------------------------------------------------

test('QEMU refuses every drive given an error, and starts with every fixed one', { skip: !hasQemu && `${QEMU} not installed (scripts/install-system-deps.sh)` }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qdt-drive-'));
  try {
    const img = path.join(dir, 'd.raw');
    fs.writeFileSync(img, Buffer.alloc(1 << 20));
    const drives = [
      `file=${img},format=raw,if=none,cache=writethrough,aio=native`,
      `file=${img},format=raw,if=none,aio=native`,
      `file=${img},format=raw,if=none,cache=unsafe,aio=native`,
      `file=${img},format=raw,if=none,cache=writeback,aio=native`,
      `file=${img},format=raw,if=none,cache=wrteback`,
      `file=${img},format=raw,if=none,aio=nativ`,
      `file=${img},format=raw,if=none,cache=none,aio=native`,
      `file=${img},format=raw,if=none,cache=off,aio=native`,
      `file=${img},format=raw,if=none,cache=writeback,aio=native,cache.direct=on`,
      `file=${img},format=raw,if=none,cache=writeback`,
    ];
    for (const d of drives) {
      const text = `${QEMU} -machine none -drive ${d}\n`;
      const errors = run(text).filter((f) => f.severity === 'error');
      const before = await qemuAccepts(['-drive', d]);
      assert.equal(errors.length > 0, !before.ok, `${d}: findings ${rules(errors)}, QEMU ${before.ok ? 'started' : `refused: ${before.stderr}`}`);
      const fixed = fixAll(text, { fileName: SCRIPT }).text;
      if (fixed === text) continue;
      const words = shellCommands(fixed)[0].words.map((w) => w.value);
      const after = await qemuAccepts(words.slice(3));
      assert.ok(after.ok, `fixed ${words.at(-1)}: QEMU refused: ${after.stderr}`);
      assert.deepEqual(run(fixed).filter((f) => f.severity === 'error'), [], `fixed ${words.at(-1)}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
