// The truth test of the KubeVirt dialect: for every combination of the disk settings its rules
// read, the domain XML that KubeVirt would hand to libvirt is produced as virt-launcher does it,
// and the domain-XML rules are run on that XML. The KubeVirt findings must agree with them:
//   - KubeVirt's admission webhook (validateCacheMode / validateIOMode, pkg/storage/admitters/
//     disks.go) rejects the value                      ⇔ cache-invalid;
//   - virt-launcher's disk converter (convert_v1_Disk_To_api_Disk, converter/storage/disk.go)
//     refuses a shareable disk without cache none     ⇔ kubevirt-shareable-cache;
//   - where the volume supports O_DIRECT, the disk rules on the manifest are the disk rules on
//     the XML (SetDriverCacheMode then picks none for a disk without a cache, and
//     SetOptimalIOMode native for a block volume with cache none, converter.go);
//   - where a file volume lacks O_DIRECT, virt-launcher refuses cache none, or falls back to
//     writethrough, which libvirt refuses with io native  ⇔ kubevirt-odirect-required.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { lint } from '../../src/core/lint/engine';
import { DISK_RULE_IDS } from '../../src/core/lint/ruleIds';
import { kubevirtCases, type KubevirtCase } from '../helpers/kubevirtDisks';

/** The domain XML, and the driver attributes KubeVirt filled in itself (the manifest did not set them). */
type Launch = { refused: string } | { xml: string; added: string[] };

const ADMITTED_CACHE = ['', 'none', 'writethrough', 'writeback'];
const ADMITTED_IO = ['', 'native', 'threads'];
const backingOf = (c: KubevirtCase) => (c.volume.startsWith('dataVolume') ? 'block' : c.volume.startsWith('emptyDisk') ? 'file' : 'unknown');
const deviceOf = (c: KubevirtCase) => c.device.split(':')[0];

/** What virt-launcher does with the disk on a node where its volume does (or does not) support O_DIRECT. */
function launch(c: KubevirtCase, supportsDirectIo: boolean, block: boolean): Launch {
  let cache = c.cache;
  let io = c.io;
  // converter/storage/disk.go: a shareable disk gets none, and nothing else.
  if (c.shareable) {
    if (cache === '') cache = 'none';
    if (cache !== 'none') return { refused: 'a sharable disk requires cache = none' };
  }
  // SetDriverCacheMode (converter.go).
  if (cache === 'none' && !supportsDirectIo) return { refused: "Unable to use 'none' cache mode" };
  if (cache === '') cache = supportsDirectIo ? 'none' : 'writethrough';
  // SetOptimalIOMode (converter.go): native for a block device with cache none (a sparse emptyDisk is not preallocated).
  if (io === '' && cache === 'none' && block) io = 'native';
  const device = deviceOf(c);
  const source = block ? "<source dev='/dev/d'/>" : "<source file='/var/run/kubevirt-private/vmi-disks/d/disk.img'/>";
  const xml =
    `<domain type='kvm'><devices>\n<disk type='${block ? 'block' : 'file'}' device='${device}'>` +
    `<driver name='qemu' type='raw' cache='${cache}'${io ? ` io='${io}'` : ''}/>${source}<target dev='${device === 'cdrom' ? 'sda' : 'vda'}' bus='${device === 'disk' ? 'virtio' : 'scsi'}'/>` +
    `${device === 'cdrom' ? '<readonly/>' : ''}${c.shareable ? '<shareable/>' : ''}</disk>\n</devices></domain>\n`;
  const added = [...(c.cache === '' ? ['cache'] : []), ...(c.io === '' && io !== '' ? ['io'] : [])];
  return { xml, added };
}

/**
 * The domain-XML rules that judge what the manifest wrote: a finding on an attribute KubeVirt
 * filled in itself (cache='none' on a lun without a cache) is about KubeVirt's choice, not the user's.
 */
function xmlRules(out: { xml: string; added: string[] }): Set<string> {
  const inAdded = (start: number) => out.added.some((a) => {
    const at = out.xml.indexOf(` ${a}='`);
    return at >= 0 && start > at && start < out.xml.indexOf("'", at + a.length + 3) + 1;
  });
  return new Set(lint(out.xml, { fileName: 'vm.xml' }).filter((f) => !inAdded(f.start)).map((f) => f.rule));
}

const rules = (text: string, fileName: string) => new Set(lint(text, { fileName }).map((f) => f.rule));
const diskRules = (s: Set<string>) => [...s].filter((r) => (DISK_RULE_IDS as readonly string[]).includes(r)).sort();

// A lun on an emptyDisk is refused by the converter for reasons of its own (not cache or io).
const CASES = [...kubevirtCases(['', 'none', 'writeback', 'writethrough', 'unsafe', 'default'])].filter((c) => !(deviceOf(c) === 'lun' && backingOf(c) === 'file'));

test(`the webhook rejects exactly what cache-invalid flags (${CASES.length} manifests)`, () => {
  for (const c of CASES) {
    const admitted = ADMITTED_CACHE.includes(c.cache) && ADMITTED_IO.includes(c.io);
    assert.equal(rules(c.text, 'vm.yaml').has('cache-invalid'), !admitted, c.text);
  }
});

test('virt-launcher refuses a shareable disk exactly where kubevirt-shareable-cache says so', () => {
  let refusals = 0;
  for (const c of CASES.filter((x) => ADMITTED_CACHE.includes(x.cache) && ADMITTED_IO.includes(x.io))) {
    const out = launch(c, true, backingOf(c) === 'block');
    const refused = 'refused' in out && out.refused.includes('sharable');
    refusals += refused ? 1 : 0;
    assert.equal(rules(c.text, 'vm.yaml').has('kubevirt-shareable-cache'), refused, c.text);
  }
  assert.ok(refusals > 0);
});

test('where the volume supports O_DIRECT, the disk rules on the manifest are the disk rules on the domain XML', () => {
  let compared = 0;
  for (const c of CASES.filter((x) => ADMITTED_CACHE.includes(x.cache) && ADMITTED_IO.includes(x.io))) {
    // A claim the file does not define may be either (a lun only a block device: libvirt takes device='lun' on nothing else).
    const unknown = backingOf(c) === 'unknown';
    for (const block of unknown && deviceOf(c) !== 'lun' ? [true, false] : [unknown || backingOf(c) === 'block']) {
      const out = launch(c, true, block);
      if (!('xml' in out)) continue;
      compared++;
      assert.deepEqual(diskRules(rules(c.text, 'vm.yaml')), diskRules(xmlRules(out)), `manifest:\n${c.text}\ndomain:\n${out.xml}`);
    }
  }
  assert.ok(compared > 100, `${compared} compared`);
});

test('where a file volume lacks O_DIRECT, virt-launcher or libvirt refuses exactly where kubevirt-odirect-required says so', () => {
  let failures = 0;
  for (const c of CASES.filter((x) => ADMITTED_CACHE.includes(x.cache) && ADMITTED_IO.includes(x.io) && backingOf(x) === 'file')) {
    const k = rules(c.text, 'vm.yaml');
    const out = launch(c, false, false);
    // A shareable disk is refused on such a node whatever it says (it must be none): no setting of the manifest to blame.
    if (c.shareable) continue;
    // What the user wrote already fails on every node (io native with a host cache): that is io-native-needs-direct.
    if (k.has('io-native-needs-direct')) continue;
    const fails = 'refused' in out || xmlRules(out).has('io-native-needs-direct');
    failures += fails ? 1 : 0;
    assert.equal(k.has('kubevirt-odirect-required'), fails, `manifest:\n${c.text}\n${'xml' in out ? out.xml : out.refused}`);
  }
  assert.ok(failures > 0);
});

test("what KubeVirt fills in is its own choice: the domain XML's findings on it are not the manifest's", () => {
  // The fallback to writethrough on a file volume without O_DIRECT.
  const c = CASES.find((x) => x.cache === '' && x.io === '' && !x.shareable && deviceOf(x) === 'disk' && backingOf(x) === 'file')!;
  const out = launch(c, false, false);
  assert.ok('xml' in out);
  assert.ok(rules(out.xml, 'vm.xml').has('cache-writethrough'));
  assert.deepEqual([...xmlRules(out)], []);
  assert.deepEqual([...rules(c.text, 'vm.yaml')], []);
  // cache='none' that KubeVirt writes on a lun without a cache: lun-cache-ignored on the XML only.
  const lun = CASES.find((x) => x.cache === '' && x.io === 'threads' && !x.shareable && deviceOf(x) === 'lun' && backingOf(x) === 'block')!;
  const lunOut = launch(lun, true, true);
  assert.ok('xml' in lunOut);
  assert.ok(rules(lunOut.xml, 'vm.xml').has('lun-cache-ignored'));
  assert.deepEqual([...rules(lun.text, 'vm.yaml')], []);
});
