// QEMU and qemu-img in the Exec*= lines of systemd units: systemd's own splitting (not a
// shell's), continuations, specifiers and environment variables left alone.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { detectKind, fixAll, lint } from '../../src/core/lint/engine';
import type { Finding } from '../../src/core/types';

const UNIT = 'qemu-vm@.service';
const run = (text: string, fileName = UNIT) => lint(text, { fileName });
const rules = (fs_: Finding[]) => fs_.map((f) => f.rule);

const unit = (exec: string) => `[Unit]\nDescription=VM %i\n\n[Service]\nType=simple\n${exec}\nRestart=on-failure\n\n[Install]\nWantedBy=multi-user.target\n`;

test('a unit or drop-in is read when an Exec*= line runs QEMU or qemu-img', () => {
  const text = unit('ExecStart=/usr/bin/qemu-system-x86_64 -drive file=/vm/%i.qcow2,aio=native');
  assert.equal(detectKind('/etc/systemd/system/qemu-vm@.service', text), 'systemd-unit');
  assert.equal(detectKind('/etc/systemd/system/vm.service.d/override.conf', '[Service]\nExecStart=\nExecStart=/usr/bin/qemu-kvm -drive file=a.img,cache=unsafe\n'), 'systemd-unit');
  assert.equal(detectKind('/etc/systemd/system/nginx.service', unit('ExecStart=/usr/sbin/nginx')), undefined);
  // A Description that names QEMU runs nothing.
  assert.equal(detectKind('x.service', '[Unit]\nDescription=starts qemu-img\n[Service]\nExecStart=/bin/true\n'), 'systemd-unit');
  assert.deepEqual(run('[Unit]\nDescription=starts qemu-img convert -t writethrough\n[Service]\nExecStart=/bin/true\n', 'x.service'), []);
});

test('ExecStart with continuations, prefixes and specifiers: findings on the value, fixes in place', () => {
  const text = unit(
    [
      'ExecStartPre=-/usr/bin/qemu-img convert -t writethrough -O raw /srv/%i.qcow2 /vm/%i.raw',
      'ExecStart=/usr/bin/qemu-system-x86_64 -machine q35 -m 4096 \\',
      '  -drive file=/vm/%i.raw,format=raw,if=virtio,aio=native \\',
      '# a comment line inside the continuation is skipped',
      '  -drive "file=/vm/%i-data.raw,cache=${CACHE}" \\',
      '  -drive file=/vm/scratch.raw,cache=unsafe',
    ].join('\n'),
  );
  const fs_ = run(text);
  assert.deepEqual(rules(fs_), ['qemu-img-convert-writethrough', 'io-native-needs-direct', 'cache-unsafe']);
  assert.deepEqual(fs_.map((f) => text.slice(f.start, f.end)), ['writethrough', 'native', 'unsafe']);
  assert.match(fs_[1].message, /no cache mode \(QEMU's default, writeback\): QEMU refuses to start/);
  const fixed = fixAll(text, { fileName: UNIT }).text;
  assert.match(fixed, /qemu-img convert -t writeback -O raw/);
  assert.match(fixed, /-drive file=\/vm\/%i\.raw,format=raw,if=virtio,aio=native,cache=none \\/);
  assert.match(fixed, /-drive file=\/vm\/scratch\.raw,cache=none\n/);
  assert.deepEqual(run(fixed), []);
});

test('systemd splitting: lone ; separates commands, $$ and %% are literal, $VAR, ${VAR}, %x and C escapes opaque', () => {
  const two = unit('ExecStartPre=/bin/echo x ; /usr/bin/qemu-img convert -t writethrough a b');
  assert.deepEqual(rules(run(two)), ['qemu-img-convert-writethrough']);
  // An escaped or quoted ; is an argument: the echo runs, no qemu-img.
  assert.deepEqual(run(unit('ExecStartPre=/bin/echo x \\; /usr/bin/qemu-img convert -t writethrough a b')), []);
  assert.deepEqual(run(unit('ExecStartPre=/bin/echo x ";" /usr/bin/qemu-img convert -t writethrough a b')), []);
  for (const v of ['$CACHE', '${CACHE}', '%I', 'write\\x74hrough']) {
    assert.deepEqual(run(unit(`ExecStart=/usr/bin/qemu-img convert -t ${v} a b`)), [], v);
    assert.deepEqual(run(unit(`ExecStart=/usr/bin/kvm -drive file=a.img,cache=${v}`)), [], v);
  }
  // Shell syntax means nothing here: a pipe is an argument, and the unit runs qemu-img itself.
  assert.deepEqual(rules(run(unit('ExecStart=/usr/bin/qemu-img convert -t writethrough a b | tee log'))), ['qemu-img-convert-writethrough']);
  // An unterminated quote: systemd refuses the line, nothing judged.
  assert.deepEqual(run(unit('ExecStart=/usr/bin/qemu-img convert -t writethrough "a b')), []);
});

test('suppression comments cover the whole continued Exec line', () => {
  const text = unit('# qdt-disable-next-line cache-unsafe -- scratch VM\nExecStart=/usr/bin/qemu-kvm \\\n  -drive file=s.img,cache=unsafe');
  assert.deepEqual(run(text), []);
});

test('linear time: many unclosed ${ on one Exec line', () => {
  const size = 200_000;
  const odd = unit(`ExecStart=/usr/bin/qemu-img convert ${'${'.repeat(size / 2)}`);
  const ordinary = unit(`ExecStart=/usr/bin/qemu-img convert ${'ab'.repeat(size / 2)}`);
  const time = (t: string) => {
    let best = Infinity;
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      run(t);
      best = Math.min(best, performance.now() - t0);
    }
    return best;
  };
  run(odd);
  const ratio = time(odd) / Math.max(time(ordinary), 20);
  assert.ok(ratio < 8, `ratio ${ratio.toFixed(1)}`);
});
