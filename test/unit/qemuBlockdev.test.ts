// QEMU's -blockdev in shell scripts: aio=native without cache.direct=on (own or inherited from an
// inline parent) and cache.no-flush=on, through the disk rules; QEMU itself is the oracle for
// what refuses to start, and for every fixed line.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fixAll, lint } from '../../src/core/lint/engine';
import { applyEdits } from '../../src/core/text';
import type { Finding } from '../../src/core/types';
import { assertQemuAgrees, hasQemu, QEMU } from '../helpers/qemuSystem';

const SCRIPT = 'start-vm.sh';
const run = (text: string) => lint(text, { fileName: SCRIPT });
const rules = (fs_: Finding[]) => fs_.map((f) => f.rule);
const at = (text: string, f: Finding) => text.slice(f.start, f.end);
const START = 'qemu-system-x86_64 -machine q35 -m 2048 \\\n';

test('-blockdev aio=native: judged on the node that has it, with cache.direct its own or its inline parent\'s', () => {
  const cases: [string, string[]][] = [
    ['driver=file,node-name=f0,filename=d.raw,aio=native', ['io-native-needs-direct']],
    ['driver=file,node-name=f0,filename=d.raw,aio=native,cache.direct=on', []],
    ['driver=file,node-name=f0,filename=d.raw,aio=native,cache.direct=on,cache.direct=off', ['io-native-needs-direct']], // the last wins
    ['driver=file,node-name=f0,filename=d.raw,aio=native,cache.direct=yes', []], // QAPI's boolean words
    ['driver=file,node-name=f0,filename=d.raw,aio=native,cache.direct=n', ['io-native-needs-direct']],
    ['driver=host_device,node-name=f0,filename=/dev/vg0/a,aio=native', ['io-native-needs-direct']],
    ['driver=raw,node-name=r0,file.driver=file,file.filename=d.raw,file.aio=native', ['io-native-needs-direct']],
    ['driver=raw,node-name=r0,file.driver=file,file.filename=d.raw,file.aio=native,cache.direct=on', []], // inherited
    ['driver=raw,node-name=r0,file.driver=file,file.filename=d.raw,file.aio=native,cache.direct=on,file.cache.direct=off', ['io-native-needs-direct']],
    ['driver=file,node-name=f0,filename=d.raw,aio=io_uring', []],
    ['driver=file,node-name=f0,filename=d.raw,aio=threads', []],
    ['driver=file,node-name=f0,filename=d.raw,aio=nativ,cache.direct=on', ['cache-invalid']],
    ['driver=file,node-name=f0,filename=d.raw,aio=native,cache.direct=1', []], // QEMU refuses the boolean: not judged
    ['driver=file,node-name=f0,filename=d.raw,aio=native,read-only=on', ['io-native-needs-direct']], // read-only changes nothing
    ['driver=file,node-name=f0,filename=d.raw,cache=none', ['cache-invalid']], // -drive's habit: QEMU wants an object
    ['driver=raw,node-name=r0,file.driver=file,file.filename=d.raw,file.cache=writeback', ['cache-invalid']],
    // The JSON form: nested objects are the dotted keys, booleans are JSON's.
    [`'{"driver":"file","node-name":"f0","filename":"d.raw","aio":"native"}'`, ['io-native-needs-direct']],
    [`'{"driver":"file","node-name":"f0","filename":"d.raw","aio":"native","cache":{"direct":true}}'`, []],
    [`'{"driver":"raw","node-name":"r0","file":{"driver":"file","filename":"d.raw","aio":"native"},"cache":{"direct":true}}'`, []],
    [`'{"driver":"raw","node-name":"r0","file":{"driver":"file","filename":"d.raw","aio":"native","cache":{"direct":false}},"cache":{"direct":true}}'`, ['io-native-needs-direct']],
    [`'{"driver":"file","node-name":"f0","filename":"d.raw","cache":{"no-flush":true}}'`, ['cache-unsafe']],
    [`'{"driver":"file","node-name":"f0","filename":"d.raw","aio":"native","cache":{"direct":"on"}}'`, []], // QEMU wants a boolean: not judged
    [`'{"driver":"file","node-name":"f0","filename":"d.raw","aio":"native","aio":"threads"}'`, []], // duplicate key: QEMU refuses to parse it
    [`'{"driver":"file","node-name":"f0","filename":"d.raw","aio":"native","cache.direct":true}'`, []], // dotted key in JSON: refused
    [`'{"driver":"file","filename":"'"$IMG"'","aio":"native"}'`, ['io-native-needs-direct']],
  ];
  for (const [b, want] of cases) assert.deepEqual(rules(run(`${START}  -blockdev ${b}\n`)), want, b);
});

test('-blockdev: the finding sits on the aio value, messages in -blockdev\'s own keys, fixes in place', () => {
  const text = `${START}  -blockdev driver=raw,node-name=r0,file.driver=file,file.filename=d.raw,file.aio=native \\\n  -device virtio-blk-pci,drive=r0\n`;
  const [f] = run(text);
  assert.equal(at(text, f), 'native');
  assert.match(f.message, /^file\.aio=native needs O_DIRECT, but this disk has no file\.cache\.direct=on \(-blockdev leaves it off\): QEMU refuses to start \("aio=native was specified, but it requires cache\.direct=on, which was not specified\."\)/);
  assert.deepEqual(f.fixes.map((x) => x.title), ['Set file.cache.direct=on', 'Set file.aio=threads']);
  assert.match(applyEdits(text, f.fixes[0].edits), /file\.aio=native,file\.cache\.direct=on \\/);
  assert.match(applyEdits(text, f.fixes[1].edits), /file\.aio=threads \\/);
  const own = `${START}  -blockdev driver=file,node-name=f0,filename=d.raw,cache.direct=off,aio=native\n`;
  assert.match(fixAll(own, { fileName: SCRIPT }).text, /cache\.direct=on,aio=native\n/);
});

test('-blockdev cache.no-flush=on: cache-unsafe, fixed to cache.no-flush=off', () => {
  const text = `${START}  -blockdev driver=qcow2,node-name=q0,file.driver=file,file.filename=d.qcow2,cache.no-flush=on\n`;
  const [f] = run(text);
  assert.equal(f.rule, 'cache-unsafe');
  assert.equal(at(text, f), 'on');
  assert.match(f.message, /^cache\.no-flush=on ignores the guest's flushes: a host crash or power loss can leave this disk's image corrupt\. Use cache\.no-flush=off; keep unsafe only for throwaway guests\./);
  assert.deepEqual(f.fixes.map((x) => x.title), ['Set cache.no-flush=off']);
  assert.match(preferredText(text, f), /cache\.no-flush=off\n$/);
  assert.deepEqual(run(`${START}  -blockdev driver=file,node-name=f0,filename=d.raw,cache.no-flush=off\n`), []);
  // Read-only: no writes to lose.
  assert.deepEqual(run(`${START}  -blockdev driver=file,node-name=f0,filename=d.raw,read-only=on,cache.no-flush=on\n`), []);
  // With aio=native on cache.direct=on, only the no-flush finding.
  assert.deepEqual(rules(run(`${START}  -blockdev driver=file,node-name=f0,filename=d.raw,aio=native,cache.direct=on,cache.no-flush=on\n`)), ['cache-unsafe']);
});

const preferredText = (text: string, f: Finding) => applyEdits(text, f.fixes.find((x) => x.preferred)!.edits);

test('-blockdev cache=none (a -drive habit): cache-invalid in QEMU\'s words, no guess', () => {
  const text = `${START}  -blockdev driver=raw,node-name=r0,file.driver=file,file.filename=d.raw,file.cache=none\n`;
  const [f] = run(text);
  assert.equal(f.rule, 'cache-invalid');
  assert.equal(at(text, f), 'none');
  assert.match(f.message, /^file\.cache=none is not a disk cache mode QEMU knows, so it refuses to start \("Invalid parameter type for 'file\.cache', expected: object": .*\)\. Use one of file\.cache\.direct=on, file\.cache\.direct=off\./);
  assert.deepEqual(f.fixes, []);
});

test('-blockdev JSON: fixes add the member where QEMU reads it, in JSON', () => {
  const cases: [string, string][] = [
    ['{"driver":"file","filename":"d.raw","aio":"native"}', '{"driver":"file","filename":"d.raw","aio":"native","cache":{"direct":true}}'],
    ['{"driver":"file","filename":"d.raw","aio":"native","cache":{"no-flush":false}}', '{"driver":"file","filename":"d.raw","aio":"native","cache":{"direct":true,"no-flush":false}}'],
    ['{"driver":"file","filename":"d.raw","aio":"native","cache":{}}', '{"driver":"file","filename":"d.raw","aio":"native","cache":{"direct":true}}'],
    ['{"driver":"file","filename":"d.raw","aio":"native","cache":{"direct":false}}', '{"driver":"file","filename":"d.raw","aio":"native","cache":{"direct":true}}'],
    ['{"driver":"raw","file":{"driver":"file","filename":"d.raw","aio":"native"}}', '{"driver":"raw","file":{"driver":"file","filename":"d.raw","aio":"native","cache":{"direct":true}}}'],
    ['{ "driver": "file", "filename": "d.raw", "cache": { "no-flush": true } }', '{ "driver": "file", "filename": "d.raw", "cache": { "no-flush": false } }'],
  ];
  for (const [before, after] of cases) {
    const text = `${START}  -blockdev '${before}'\n`;
    assert.equal(fixAll(text, { fileName: SCRIPT }).text, `${START}  -blockdev '${after}'\n`, before);
  }
});

test('-blockdev: variables, unparsable JSON and keys without values are not judged', () => {
  for (const b of ['"driver=file,node-name=f0,filename=d.raw,$OPTS"', 'driver=file,node-name=f0,filename=d.raw,aio=$AIO', 'driver=file,filename=d.raw,aio=native,cache.direct', `'{"driver":"file","filename":"d.raw","aio":"native"'`, `'{"driver":"file",$EXTRA,"aio":"native"}'`, `"$JSON"`]) {
    assert.deepEqual(run(`${START}  -blockdev ${b}\n`), [], b);
  }
});

test('QEMU refuses every -blockdev given an error, and starts with every fixed one', { skip: !hasQemu && `${QEMU} not installed (scripts/install-system-deps.sh)` }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qdt-blockdev-'));
  try {
    const img = path.join(dir, 'd.raw');
    fs.writeFileSync(img, Buffer.alloc(1 << 20));
    const blockdevs = [
      `driver=file,node-name=f0,filename=${img},aio=native`,
      `driver=file,node-name=f0,filename=${img},aio=native,cache.direct=on`,
      `driver=file,node-name=f0,filename=${img},aio=native,cache.direct=on,cache.direct=off`,
      `driver=file,node-name=f0,filename=${img},aio=native,cache.direct=y`,
      `driver=file,node-name=f0,filename=${img},aio=native,cache.direct=false`,
      `driver=raw,node-name=r0,file.driver=file,file.filename=${img},file.aio=native`,
      `driver=raw,node-name=r0,file.driver=file,file.filename=${img},file.aio=native,cache.direct=on`,
      `driver=raw,node-name=r0,file.driver=file,file.filename=${img},file.aio=native,cache.direct=on,file.cache.direct=off`,
      `driver=file,node-name=f0,filename=${img},aio=nativ,cache.direct=on`,
      `driver=file,node-name=f0,filename=${img},aio=io_uring`,
      `driver=file,node-name=f0,filename=${img},aio=native,read-only=on`,
      `driver=file,node-name=f0,filename=${img},cache.no-flush=on`,
      `driver=raw,node-name=r0,file.driver=file,file.filename=${img},cache.no-flush=on,file.aio=threads`,
      `{"driver":"file","node-name":"f0","filename":"${img}","aio":"native"}`,
      `{"driver":"file","node-name":"f0","filename":"${img}","aio":"native","cache":{"direct":true}}`,
      `{"driver":"file","node-name":"f0","filename":"${img}","aio":"native","cache":{"direct":false,"no-flush":false}}`,
      `{"driver":"raw","node-name":"r0","file":{"driver":"file","filename":"${img}","aio":"native"},"cache":{"direct":true}}`,
      `{"driver":"raw","node-name":"r0","file":{"driver":"file","filename":"${img}","aio":"native"}}`,
      `{"driver":"file","node-name":"f0","filename":"${img}","aio":"nativ","cache":{"direct":true}}`,
      `{"driver":"file","node-name":"f0","filename":"${img}","cache":{"no-flush":true}}`,
      `driver=file,node-name=f0,filename=${img},cache=none`,
      `driver=raw,node-name=r0,file.driver=file,file.filename=${img},file.cache=writeback`,
      `{"driver":"file","node-name":"f0","filename":"${img}","cache":"none"}`,
    ];
    await assertQemuAgrees('-blockdev', blockdevs, SCRIPT, (f) => f.severity === 'error' || f.rule === 'cache-unsafe');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('-blockdev JSON: hostile nesting and arrays are read without recursion', () => {
  const deep = `${START}  -blockdev '${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}'\n`;
  assert.deepEqual(run(deep), []);
  const arrays = `${START}  -blockdev '{"driver":"file","filename":"d.raw","x":[[{"aio":"native"}],[]],"aio":"native"}'\n`;
  assert.deepEqual(rules(run(arrays)), ['io-native-needs-direct']);
});
