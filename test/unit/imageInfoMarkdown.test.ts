import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { infoMarkdown, infoWarnings } from '../../src/vscode/imageInfoMarkdown';
import type { ImageInfo } from '../../src/core/qemuImg';

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
  const md = infoMarkdown({ file: base.path, info: base, inspect: { path: base.path, format: 'qcow2', qemuFormat: 'qcow2', refusals: [] } });
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
  const md = infoMarkdown({
    file: '/tmp/evil.vmdk',
    inspect: { path: '/tmp/evil.vmdk', format: 'vmdk', qemuFormat: 'vmdk', refusals: ['a VMDK descriptor naming the host file /etc/shadow'], virtualSize: 1024 },
    infoError: 'not run, because the inspector refused the image (see above).',
  });
  assert.match(md, /Refused by the inspector: a VMDK descriptor naming the host file \/etc\/shadow\. qemu-img was not run/);
  assert.match(md, /Virtual size \(from the header\) \| 1\.0 KiB/);
  assert.match(md, /\*\*qemu-img info:\*\* not run/);
});
