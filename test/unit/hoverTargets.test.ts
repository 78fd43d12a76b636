import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { modeTargetAt, novaDiskTypeSlotAt } from '../../src/core/lint/hoverTargets';

/** Offset of the n-th (0-based) occurrence of `needle` in `text`, plus `delta`. */
function at(text: string, needle: string, delta = 0, n = 0): number {
  let i = -1;
  for (let k = 0; k <= n; k++) {
    i = text.indexOf(needle, i + 1);
    assert.notEqual(i, -1, `fixture lacks ${needle}`);
  }
  return i + delta;
}

const DOMAIN = `<domain type='kvm'>
  <cpu><cache mode='passthrough'/></cpu>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' cache="writeback" io='native'/>
      <source file='/var/lib/libvirt/images/a.qcow2'/>
    </disk>
    <!-- <disk><driver cache='unsafe'/></disk> -->
    <filesystem type='mount'><driver type='virtiofs' queue='1024'/><binary><cache mode='always'/></binary></filesystem>
  </devices>
</domain>
`;

test('XML: the cache value under the cursor, with its range inside the quotes', () => {
  const off = at(DOMAIN, 'writeback', 3);
  const t = modeTargetAt(DOMAIN, 'domain-xml', off);
  assert.ok(t);
  assert.equal(t.attr, 'cache');
  assert.equal(t.value, 'writeback');
  assert.equal(DOMAIN.slice(t.start, t.end), 'writeback');
  assert.equal(t.hoverStart, t.start);
});

test('XML: io value, at both ends of the value', () => {
  const s = at(DOMAIN, "io='native'", 4);
  for (const off of [s, s + 'native'.length]) {
    const t = modeTargetAt(DOMAIN, 'domain-xml', off);
    assert.equal(t?.attr, 'io');
    assert.equal(t?.value, 'native');
  }
});

test('XML: nothing on other attributes, other elements, comments or outside <disk>', () => {
  assert.equal(modeTargetAt(DOMAIN, 'domain-xml', at(DOMAIN, 'qcow2', 2)), undefined); // type='qcow2'
  assert.equal(modeTargetAt(DOMAIN, 'domain-xml', at(DOMAIN, 'passthrough', 2)), undefined); // <cpu><cache mode>
  assert.equal(modeTargetAt(DOMAIN, 'domain-xml', at(DOMAIN, 'unsafe', 2)), undefined); // commented out
  assert.equal(modeTargetAt(DOMAIN, 'domain-xml', at(DOMAIN, 'always', 2)), undefined); // filesystem cache
  assert.equal(modeTargetAt(DOMAIN, 'domain-xml', at(DOMAIN, 'virtiofs', 2)), undefined); // filesystem driver
  assert.equal(modeTargetAt(DOMAIN, 'domain-xml', at(DOMAIN, 'cache="', 1)), undefined); // on the name
});

test('XML: a value still being typed (no closing quote yet) is a target with what is typed so far', () => {
  const text = "<disk type='file'>\n  <driver name='qemu' cache='wri\n</disk>";
  const t = modeTargetAt(text, 'domain-xml', at(text, 'wri', 3));
  assert.equal(t?.attr, 'cache');
  assert.equal(t?.value, 'wri');
  const empty = "<disk type='file'><driver name='qemu' io=''/></disk>";
  const e = modeTargetAt(empty, 'domain-xml', at(empty, "io='", 4));
  assert.deepEqual([e?.attr, e?.value, e?.start, e?.end], ['io', '', at(empty, "io='", 4), at(empty, "io='", 4)]);
});

test('XML: a disk snippet file (root <disk>) works; a driver after </disk> does not', () => {
  const snippet = "<disk type='block'><driver name='qemu' cache='none'/></disk>\n<interface><driver cache='none'/></interface>";
  assert.equal(modeTargetAt(snippet, 'domain-xml', at(snippet, 'none', 1))?.value, 'none');
  assert.equal(modeTargetAt(snippet, 'domain-xml', at(snippet, 'none', 1, 1)), undefined);
});

const NOVA = `[DEFAULT]
debug = False

[libvirt]
images_type = rbd
disk_cachemodes = file=none, network=writeback
libvirt_disk_cachemodes="block=unsafe"
`;

test('Nova: each disk_cachemodes item, with the disk type and the mode range', () => {
  const t = modeTargetAt(NOVA, 'nova-conf', at(NOVA, 'writeback', 2));
  assert.ok(t);
  assert.equal(t.attr, 'cache');
  assert.equal(t.value, 'writeback');
  assert.equal(t.diskType, 'network');
  assert.equal(NOVA.slice(t.start, t.end), 'writeback');
  assert.equal(NOVA.slice(t.hoverStart, t.hoverEnd), 'network=writeback');
  // Hovering the type half of the item shows the same item.
  assert.equal(modeTargetAt(NOVA, 'nova-conf', at(NOVA, 'file=', 1))?.value, 'none');
  // Quotes around the whole value (kolla style) are not part of the item.
  const q = modeTargetAt(NOVA, 'nova-conf', at(NOVA, 'unsafe', 1));
  assert.deepEqual([q?.diskType, q?.value], ['block', 'unsafe']);
});

test('Nova: nothing on other options or on the option name', () => {
  assert.equal(modeTargetAt(NOVA, 'nova-conf', at(NOVA, 'rbd', 1)), undefined);
  assert.equal(modeTargetAt(NOVA, 'nova-conf', at(NOVA, 'False', 1)), undefined);
  assert.equal(modeTargetAt(NOVA, 'nova-conf', at(NOVA, 'disk_cachemodes', 3)), undefined);
});

test('Nova: right after `type=` is a target with an empty value (completion)', () => {
  const text = '[libvirt]\ndisk_cachemodes = file=none,network=\n';
  const off = at(text, 'network=', 'network='.length);
  const t = modeTargetAt(text, 'nova-conf', off);
  assert.deepEqual([t?.diskType, t?.value, t?.start, t?.end], ['network', '', off, off]);
});

test('Nova: continuation lines of disk_cachemodes count; those of another option do not', () => {
  const text = '[libvirt]\ndisk_cachemodes = file=none,\n    block=writeback\nimages_type = qcow2\n    network=none\n';
  const t = modeTargetAt(text, 'nova-conf', at(text, 'writeback', 1));
  assert.deepEqual([t?.diskType, t?.value], ['block', 'writeback']);
  assert.equal(modeTargetAt(text, 'nova-conf', at(text, 'network=none', 9)), undefined);
});

test('CRLF text gives the same targets', () => {
  const crlf = NOVA.replace(/\n/g, '\r\n');
  assert.equal(modeTargetAt(crlf, 'nova-conf', at(crlf, 'writeback', 2))?.value, 'writeback');
  const xml = DOMAIN.replace(/\n/g, '\r\n');
  assert.equal(modeTargetAt(xml, 'domain-xml', at(xml, 'writeback', 2))?.value, 'writeback');
});

test('offsets outside the text are no target', () => {
  assert.equal(modeTargetAt(NOVA, 'nova-conf', -1), undefined);
  assert.equal(modeTargetAt(NOVA, 'nova-conf', NOVA.length + 1), undefined);
});

test('Nova: the disk-type half of an item, for completion of file/block/network', () => {
  const text = '[libvirt]\ndisk_cachemodes = file=none,net\n';
  const off = at(text, ',net', 4);
  assert.deepEqual(novaDiskTypeSlotAt(text, off), { value: 'net', start: off - 3, end: off, hasEquals: false });
  const both = '[libvirt]\ndisk_cachemodes = fi=none\n';
  assert.deepEqual(novaDiskTypeSlotAt(both, at(both, 'fi', 1)), { value: 'fi', start: at(both, 'fi'), end: at(both, 'fi', 2), hasEquals: true });
  // After the '=', it is the mode that is being typed, not the type.
  assert.equal(novaDiskTypeSlotAt(both, at(both, 'none', 1)), undefined);
  // Not in other options.
  const other = '[libvirt]\nimages_type = rb\n';
  assert.equal(novaDiskTypeSlotAt(other, at(other, 'rb', 2)), undefined);
});
