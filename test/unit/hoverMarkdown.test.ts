// Hovers tell the truth about disk_cachemodes items, as Nova reads them (LibvirtDriver.__init__
// builds a type -> mode map; _set_cache_mode looks a disk up by its source type: file, block or
// network; RBD disks are network disks).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { modeTargetAt } from '../../src/core/lint/hoverTargets';
import { targetMarkdown } from '../../src/vscode/hoverMarkdown';

function hoverAt(text: string, needle: string): string {
  const t = modeTargetAt(text, 'nova-conf', text.indexOf(needle) + 1);
  assert.ok(t, `no hover target at ${needle}`);
  return targetMarkdown(t);
}

const NOVA = '[libvirt]\nimages_type = rbd\ndisk_cachemodes = rbd=writeback,network=writeback,File=none,mount=none\n';

test('rbd=writeback: applies to no disk, and the hover says to write network=writeback (never that rbd disks get writeback)', () => {
  const md = hoverAt(NOVA, 'rbd=writeback');
  assert.match(md, /applies to no disk/);
  assert.match(md, /`rbd` never matches/);
  assert.match(md, /RBD disks are `network` disks: write `network=writeback`/);
  assert.doesNotMatch(md, /get cache mode/);
});

test('network=writeback reaches RBD disks; File= and mount= reach none, with the likely meaning where there is one', () => {
  assert.match(hoverAt(NOVA, 'network=writeback'), /network disks \(RBD images and volumes\) get cache mode `writeback`/);
  const upper = hoverAt(NOVA, 'File=none');
  assert.match(upper, /applies to no disk.*Did you mean `file=none`\?/s);
  const mount = hoverAt(NOVA, 'mount=none');
  assert.match(mount, /applies to no disk/);
  assert.doesNotMatch(mount, /Did you mean/);
});
