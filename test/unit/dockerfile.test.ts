// QEMU and qemu-img command lines in Dockerfiles: which files are read, RUN/CMD/ENTRYPOINT in
// shell, exec and heredoc forms as BuildKit's parser reads them, where findings sit and what
// fixes write; QEMU is the oracle for every error and every fixed command.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { detectKind, fixAll, lint } from '../../src/core/lint/engine';
import { dockerfileCommands } from '../../src/core/lint/commandLine/dockerfile';
import type { Finding } from '../../src/core/types';
import { assertQemuAgrees, hasQemu, QEMU, QEMU_BARE } from '../helpers/qemuOracle';

const FIXTURE = path.resolve(__dirname, '../../../test/fixtures/buildfiles/Dockerfile');
const run = (text: string, fileName = 'Dockerfile') => lint(text, { fileName });
const rules = (fs_: Finding[]) => fs_.map((f) => f.rule);
const lineOf = (text: string, f: Finding) => text.slice(0, f.start).split('\n').length;
const FROM = 'FROM debian:bookworm\n';

test('a Dockerfile or Containerfile is read by name or the editor\'s dockerfile language, when it may run QEMU or qemu-img', () => {
  const body = `${FROM}RUN qemu-img convert -t writethrough a b\n`;
  for (const name of ['Dockerfile', 'x/Containerfile', 'Dockerfile.build', 'images.dockerfile', 'base.Containerfile', 'Dockerfile.j2']) assert.equal(detectKind(name, body), 'dockerfile', name);
  assert.equal(detectKind('build-image', body, 'dockerfile'), 'dockerfile');
  assert.equal(detectKind('Dockerfile', `${FROM}RUN apt-get install -y qemu-utils\n`), undefined, 'no invocation: none of ours');
});

test('the fixture: RUN in shell, exec and heredoc form, CMD and ENTRYPOINT; a COPY heredoc and a variable are left alone', () => {
  const text = fs.readFileSync(FIXTURE, 'utf8');
  assert.equal(detectKind(FIXTURE, text), 'dockerfile');
  const found = run(text).map((f) => [lineOf(text, f), f.rule, text.slice(f.start, f.end)]);
  assert.deepEqual(found, [
    [10, 'qemu-img-convert-writethrough', 'writethrough'],
    [11, 'qemu-img-convert-writethrough', 'writethrough'],
    [11, 'qemu-img-convert-zlib', '"-c"'],
    [15, 'qemu-img-convert-source-nocache', 'none'],
    [15, 'qemu-img-convert-writethrough', 'writethrough'],
    [21, 'cache-writethrough', 'writethrough'],
    [21, 'io-native-needs-direct', 'native'],
    [22, 'io-native-needs-direct', 'native'],
  ]);
  const fixed = fixAll(text, { fileName: FIXTURE }).text;
  assert.match(fixed, /RUN \["qemu-img", "convert", "-t", "writeback", "-O"/);
  assert.match(fixed, /CMD qemu-system-x86_64 -nographic -drive file=\/out\/base\.raw,format=raw,cache=none,aio=native\n/);
  assert.match(fixed, /-drive file=\/out\/base\.raw,format=raw,aio=native,cache=none \\"\$@\\"", "--"\]/);
  assert.match(fixed, /Not run: qemu-img convert -t writethrough a b/);
  // Advice (info, hint) is never applied by fix-all: the valid choices -c with zlib and -T none stay.
  assert.deepEqual(run(fixed).map((f) => f.rule), ['qemu-img-convert-zlib', 'qemu-img-convert-source-nocache']);
});

test('BuildKit\'s syntax: continuations past comments and blank lines, escape directive, flags, exec form only when it is JSON', () => {
  const cases: [string, string[]][] = [
    [`${FROM}run qemu-img convert \\\n  # a comment\n\n  -t writethrough a b\n`, ['qemu-img-convert-writethrough']],
    [`${FROM}RUN qemu-img convert \\   \n  -t writethrough a b\n`, ['qemu-img-convert-writethrough']],
    [`# escape=\`\n${FROM}RUN qemu-img convert \`\n  -t writethrough a b\n`, ['qemu-img-convert-writethrough']],
    [`${FROM}RUN --mount=type=bind,source=.,target=/src --network=none qemu-img convert -t writethrough a b\n`, ['qemu-img-convert-writethrough']],
    [`${FROM}RUN [ -e /src/a ] && qemu-img convert -t writethrough a b\n`, ['qemu-img-convert-writethrough']],
    [`${FROM}RUN ["qemu-img", "convert", "-t", "$CACHE", "a", "b"]\n`, []],
    [`${FROM}RUN ["sh", "-c", "qemu-img convert -t \\"$CACHE\\" a b"]\n`, []],
    [`${FROM}RUN ["bash", "-c", "qemu-img convert -t writethrough a b"]\n`, ['qemu-img-convert-writethrough']],
    [`${FROM}RUN <<-EOT\n\tqemu-img convert -t writethrough a b\n\tEOT\n`, ['qemu-img-convert-writethrough']],
    [`${FROM}RUN cat <<EOF > /usr/local/bin/convert\nqemu-img convert -t writethrough a b\nEOF\n`, []],
    [`${FROM}ENV QEMU_OPTS="-drive file=a.img,cache=unsafe"\nLABEL run="qemu-img convert -t writethrough a b"\n`, []],
    [`${FROM}RUN echo qemu-img convert -t writethrough a b\n`, []],
  ];
  for (const [text, want] of cases) assert.deepEqual(rules(run(text)), want, JSON.stringify(text));
});

test('exec form: JSON escapes are decoded; a fix rewrites only a value written without one', () => {
  const escaped = `${FROM}ENTRYPOINT ["qemu-system-x86_64", "-drive", "file=a.img,cache=write\\u0074hrough"]\n`;
  const [f] = run(escaped);
  assert.equal(f.rule, 'cache-writethrough');
  assert.equal(escaped.slice(f.start, f.end), 'write\\u0074hrough');
  assert.deepEqual(f.fixes, [], 'no fix through an escape');
  const plain = `${FROM}ENTRYPOINT ["qemu-system-x86_64", "-drive", "file=C:\\\\vm\\\\a.img,cache=unsafe"]\n`;
  assert.equal(fixAll(plain, { fileName: 'Dockerfile' }).text, plain.replace('cache=unsafe', 'cache=none'));
});

test('suppression comments (#) reach the whole instruction', () => {
  const text = `${FROM}# qdt-disable-next-line qemu-img-convert-writethrough -- one-off\nRUN qemu-img convert \\\n    -t writethrough a b\nRUN qemu-img convert -t writethrough c d\n`;
  assert.deepEqual(run(text).map((f) => lineOf(text, f)), [5]);
});

// --- QEMU as the oracle ---------------------------------------------------------------------

test('QEMU refuses the words of every instruction given an error, and starts with every fixed one', { skip: !hasQemu && `${QEMU} not installed (scripts/install-system-deps.sh)` }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qdt-docker-'));
  try {
    const img = path.join(dir, 'd.raw');
    fs.writeFileSync(img, Buffer.alloc(1 << 20));
    const bare = QEMU_BARE.join(' ');
    const json = (words: string[]) => `[${words.map((w) => JSON.stringify(w)).join(', ')}]`;
    const lines = (d: string) => [
      `RUN ${QEMU} ${bare} \\\n    -drive file=${img},format=raw,if=none,${d}`,
      `CMD ${json([QEMU, ...QEMU_BARE, '-drive', `file=${img},format=raw,if=none,${d}`])}`,
      `RUN <<EOF\nexec ${QEMU} ${bare} -drive "file=${img},format=raw,if=none,${d}"\nEOF`,
    ];
    for (const d of ['cache=writethrough,aio=native', 'aio=native', 'cache=directsync,aio=native', 'cache=writeback,aio=nativ', 'cache=none,aio=native']) {
      for (const line of lines(d)) {
        const argsOf = (t: string) => dockerfileCommands(t)[0].map((w) => w.value).filter((v) => v !== 'exec').slice(1 + QEMU_BARE.length);
        await assertQemuAgrees(`${FROM}${line}\n`, 'Dockerfile', argsOf);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
