import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { blockingIssues, infoMarkdown, infoWarnings } from '../../src/vscode/imageInfoMarkdown';
import type { ImageInfo } from '../../src/core/image/qemuImg';

const base: ImageInfo = {
  path: '/images/web.qcow2',
  format: 'qcow2',
  virtualSize: 10 * 1024 ** 3,
  actualSize: 200 * 1024 ** 2,
  clusterSize: 65536,
  compat: '1.1',
  dirty: false,
  corrupt: false,
  encrypted: false,
  backingChain: [],
  snapshots: [],
};

test('a clean image: sizes, cluster size, compat, no warnings', () => {
  const md = infoMarkdown({ file: base.path, info: base, inspect: { path: base.path, format: 'qcow2', qemuFormat: 'qcow2', refusals: [], issues: [], formatsFound: ['qcow2'] } });
  assert.match(md, /^# web\.qcow2/);
  assert.match(md, /\| Virtual size \| 10 GiB \(10,737,418,240 bytes\) \|/);
  assert.match(md, /\| Allocated on the host \| 200 MiB/);
  assert.match(md, /\| Cluster size \| 64 KiB \|/);
  assert.match(md, /compat 1\.1 \(qcow2 v3\)/);
  assert.match(md, /\| Backing file \| none \|/);
  assert.match(md, /\| State \| clean \|/);
  assert.doesNotMatch(md, /⚠️/);
});

test('backing file, corrupt and dirty flags and snapshots are flagged', () => {
  const info: ImageInfo = {
    ...base,
    corrupt: true,
    dirty: true,
    backingFile: '../base|x.qcow2',
    backingFormat: 'qcow2',
    backingChain: ['../base|x.qcow2'],
    snapshots: [{ id: '1', name: 'before-upgrade', vmStateSize: 0, date: '2026-01-02T03:04:05.000Z' }],
  };
  const w = infoWarnings({ file: info.path, info });
  assert.equal(w.length, 3);
  const md = infoMarkdown({ file: info.path, info });
  assert.match(md, /> ⚠️ qemu-img marks this image \*\*corrupt\*\*/);
  assert.match(md, /\| Backing file \| ⚠️ `\.\.\/base\\\|x\.qcow2` \(qcow2\) \|/); // the | in the name does not break the table
  assert.match(md, /\| 1 \| before-upgrade \| disk only \| 2026-01-02T03:04:05\.000Z \|/);
});

test('an image the inspector refused shows why, and that qemu-img did not run', () => {
  const shadow = 'The VMDK descriptor names the host file /etc/shadow as an extent.';
  const md = infoMarkdown({
    file: '/tmp/evil.vmdk',
    inspect: {
      path: '/tmp/evil.vmdk',
      format: 'vmdk',
      qemuFormat: 'vmdk',
      refusals: [shadow],
      issues: [{ code: 'vmdk-extent-path', message: shadow }],
      formatsFound: ['vmdk'],
      virtualSize: 1024,
    },
    infoError: 'not run, because the inspector refused the image (see above).',
  });
  assert.match(md, /Refused by the inspector: The VMDK descriptor names the host file \/etc\/shadow as an extent\./);
  assert.match(md, /qemu-img was not run on this file/);
  assert.match(md, /Virtual size \(from the header\) \| 1\.0 KiB/);
  assert.match(md, /\*\*qemu-img info:\*\* not run/);
});

test('a backing file alone is flagged but does not stop qemu-img info', () => {
  const backing = { code: 'backing-file' as const, message: 'The image reads from the backing file base.qcow2.' };
  const inspect = { path: base.path, format: 'qcow2' as const, qemuFormat: 'qcow2', refusals: [backing.message], issues: [backing], formatsFound: ['qcow2' as const] };
  assert.deepEqual(blockingIssues(inspect), []);
  const md = infoMarkdown({ file: base.path, inspect, info: { ...base, backingFile: 'base.qcow2', backingChain: ['base.qcow2'] } });
  assert.doesNotMatch(md, /Refused/);
  assert.match(md, /depends on the backing file `base\.qcow2`/);
});

test("what qemu-img info shows against the image (core's verdict) is a warning at the top", () => {
  const md = infoMarkdown({ file: base.path, info: base, infoProblems: ["extent 'x.bin' is a separate file"] });
  assert.match(md, /^> ⚠️ Not safe: qemu-img info shows that extent 'x\.bin' is a separate file\.$/m);
});
