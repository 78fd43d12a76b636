import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { explainQemuImgStderr, explainSignal } from '../../src/core/image/qemuImgErrors';
import { installHint } from '../../src/core/remedy';
import { INFO_ADDRESS_SPACE_BYTES, INFO_CPU_SECONDS } from '../../src/core/image/qemuImg';

// stderr texts as qemu-img 7.2 prints them under LC_ALL=C (captured on this project's Debian).
const ctx = { action: 'converting /v/src.qcow2 to /t/out.raw', source: '/v/src.qcow2', target: '/t/out.raw.part' };

test('a lock failure names the image and says a VM may be using it', () => {
  const e = explainQemuImgStderr(
    `qemu-img: Could not open '/v/src.qcow2': Failed to get shared "write" lock\nIs another process using the image [/v/src.qcow2]?\n`,
    ctx,
  );
  assert.equal(e.kind, 'in-use');
  assert.equal(e.file, '/v/src.qcow2');
  assert.match(e.message, /^\/v\/src\.qcow2 is in use .*VM/);
});

test('a full disk points at the target and says what to do', () => {
  const e = explainQemuImgStderr('qemu-img: error while writing at byte 0: No space left on device\n', ctx);
  assert.equal(e.kind, 'no-space');
  assert.equal(e.file, '/t/out.raw.part');
  assert.match(e.message, /full.*Free some space/);
});

test('O_DIRECT refusal, permission, read-only and missing file are told apart', () => {
  const od = explainQemuImgStderr(`qemu-img: Could not open '/t/out.raw.part': Could not open '/t/out.raw.part': filesystem does not support O_DIRECT\n`, ctx);
  assert.equal(od.kind, 'o-direct');
  const ro = explainQemuImgStderr(`qemu-img: /t/out.raw.part: error while converting raw: Could not create '/t/out.raw.part': Read-only file system\n`, ctx);
  assert.equal(ro.kind, 'permission');
  assert.equal(ro.file, '/t/out.raw.part');
  assert.match(ro.message, /may not write/);
  const rd = explainQemuImgStderr(`qemu-img: Could not open '/v/src.qcow2': Could not open '/v/src.qcow2': Permission denied\n`, ctx);
  assert.match(rd.message, /may not read \/v\/src\.qcow2/);
  const nf = explainQemuImgStderr(`qemu-img: Could not open '/v/src.qcow2': Could not open '/v/src.qcow2': No such file or directory\n`, ctx);
  assert.equal(nf.kind, 'not-found');
});

test('anything else keeps qemu-img\'s own last line', () => {
  const e = explainQemuImgStderr('qemu-img: Something new went wrong\n', ctx);
  assert.equal(e.kind, 'failed');
  assert.match(e.message, /while converting .*: Something new went wrong$/);
  assert.match(explainQemuImgStderr('', ctx).message, /printed no reason/);
});

test('a kill under limits reads as a hostile image, otherwise as a kill', () => {
  assert.equal(explainSignal('SIGXCPU', ctx, true).kind, 'limits');
  assert.equal(explainSignal('SIGKILL', ctx, false).kind, 'failed');
});

test('a kill under limits names the limits qemu-img info really runs under', () => {
  const msg = explainSignal('SIGXCPU', ctx, true).message;
  assert.match(msg, /over the 30 s CPU \/ 2 GiB memory limit/);
  assert.ok(msg.includes(`${INFO_CPU_SECONDS} s`) && msg.includes(`${INFO_ADDRESS_SPACE_BYTES / 2 ** 30} GiB`));
});

test('the install hint covers every platform, once each', () => {
  const h = installHint();
  for (const word of ['qemu-utils', 'dnf install qemu-img', 'brew install qemu', 'qemu.org/download']) {
    assert.equal(h.split(word).length - 1, 1, `${word} once in: ${h}`);
  }
});
