// Real KubeVirt manifests (test/fixtures/kubevirt, provenance and licenses beside them), linted
// as the CLI and the editor lint them: each is recognised, none throws, the disks the reader
// finds are the ones the file declares, and every finding is the one reviewed here.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detectKind, fixAll, lint } from '../../src/core/lint/engine';
import { readKubevirtDisks } from '../../src/core/lint/kubevirt/reader';
import { applyEdits } from '../../src/core/text';
import { random } from '../helpers/random';

const DIR = path.resolve(__dirname, '../../../test/fixtures/kubevirt');

/** Per file: the disks (name, volume source, what backs it) and the findings (rule, underlined text). */
const EXPECTED: Record<string, { disks: string[]; findings: string[] }> = {
  // Jinja-templated OpenShift Templates: the VM inside objects[] is read; the root disk is a DataVolume from a template's source, its mode not in the file.
  'common-templates-fedora.tpl.yaml': { disks: ['rootdisk dataVolume ?', 'cloudinitdisk cloudInitNoCloud file'], findings: [] },
  'common-templates-windows2k22.tpl.yaml': { disks: ['rootdisk dataVolume ?'], findings: [] },
  // The API round-trip fixtures fill every field with a placeholder: the webhook would reject both.
  'kubevirt-apitesting-VirtualMachine.yaml': { disks: ['nameValue cloudInitConfigDrive file'], findings: ['cache-invalid cacheValue', 'cache-invalid ioValue'] },
  'kubevirt-apitesting-VirtualMachineInstance.yaml': { disks: ['nameValue cloudInitConfigDrive file'], findings: ['cache-invalid cacheValue', 'cache-invalid ioValue'] },
  // A DataVolume template with pvc: and no volumeMode: Kubernetes' default, Filesystem.
  'kubevirt-examples-vm-alpine-datavolume.yaml': { disks: ['datavolumedisk1 dataVolume file'], findings: [] },
  'kubevirt-examples-vm-alpine-multipvc.yaml': { disks: ['pvcdisk1 persistentVolumeClaim ?', 'pvcdisk2 persistentVolumeClaim ?'], findings: [] },
  'kubevirt-examples-vm-cirros.yaml': { disks: ['containerdisk containerDisk file', 'cloudinitdisk cloudInitNoCloud file'], findings: [] },
  'kubevirt-examples-vm-pool-cirros.yaml': { disks: ['containerdisk containerDisk file'], findings: [] },
  'kubevirt-examples-vmi-ephemeral.yaml': { disks: ['containerdisk containerDisk file'], findings: [] },
  'kubevirt-examples-vmi-host-disk.yaml': { disks: ['host-disk hostDisk file'], findings: [] },
  'kubevirt-examples-vmi-nocloud.yaml': { disks: ['containerdisk containerDisk file', 'cloudinitdisk cloudInitNoCloud file', 'emptydisk emptyDisk file'], findings: [] },
  'kubevirt-examples-vmi-pvc.yaml': { disks: ['pvcdisk persistentVolumeClaim ?'], findings: [] },
  'kubevirt-examples-vmi-replicaset-cirros.yaml': { disks: ['containerdisk containerDisk file'], findings: [] },
  // Volumes without disks: KubeVirt adds default disks (no cache, no io), nothing to read.
  'kubevirt-examples-vmi-sata.yaml': { disks: [], findings: [] },
  'kubevirt-examples-vmi-windows.yaml': { disks: [], findings: [] },
  // The user guide's own example of forcing writethrough.
  'user-guide-cache-writethrough.yaml': { disks: ['pvcdisk persistentVolumeClaim ?'], findings: ['cache-writethrough writethrough'] },
  // Two VMs sharing a Block PVC defined in the same file: shareable with no cache is what KubeVirt wants.
  'user-guide-disk-sharing.yaml': {
    disks: ['containerdisk containerDisk file', 'cloudinitdisk cloudInitNoCloud file', 'block-disk persistentVolumeClaim block', 'containerdisk containerDisk file', 'cloudinitdisk cloudInitNoCloud file', 'block-disk persistentVolumeClaim block'],
    findings: [],
  },
};

const files = fs.readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).sort();

test('every fixture is listed here with its reviewed findings', () => {
  assert.deepEqual(files, Object.keys(EXPECTED).sort());
});

for (const file of files) {
  test(`corpus ${file}: recognised, read and linted as reviewed`, () => {
    const fileName = path.join(DIR, file);
    const text = fs.readFileSync(fileName, 'utf8');
    assert.equal(detectKind(fileName, text), 'kubevirt-yaml');
    const disks = readKubevirtDisks(text).map((d) => `${text.slice(d.disk.anchor.start, d.disk.anchor.end)} ${d.volume ?? '-'} ${d.backing ?? '?'}`);
    assert.deepEqual(disks, EXPECTED[file].disks);
    const findings = lint(text, { fileName });
    assert.deepEqual(findings.map((f) => `${f.rule} ${text.slice(f.start, f.end)}`), EXPECTED[file].findings);
    // Fix-all reaches a fixed point and leaves only what it cannot fix (the placeholders have no near value).
    const fixed = fixAll(text, { fileName });
    assert.equal(fixAll(fixed.text, { fileName }).fixed, 0);
    assert.ok(lint(fixed.text, { fileName }).every((f) => f.fixes.every((x) => !x.preferred)));
  });
}

test('corpus: the user guide\'s writethrough example loses its cache line (KubeVirt then picks none where O_DIRECT works), the rest of the file untouched', () => {
  const fileName = path.join(DIR, 'user-guide-cache-writethrough.yaml');
  const text = fs.readFileSync(fileName, 'utf8');
  const r = fixAll(text, { fileName });
  assert.equal(r.fixed, 1);
  // Its PVC's volumeMode is not in the file, so whether O_DIRECT works there is not known.
  assert.equal(r.text, text.replace(/\n[ ]*cache: writethrough(?=\n)/, ''));
  assert.deepEqual(lint(r.text, { fileName }), []);
});

test('corpus, mutated: the reader itself (not only lint\'s guard) never throws, and every finding and fix stays inside the text', () => {
  // Deletions, duplications and stray YAML/Helm characters at random places, as a half-edited file has them.
  const STRAYS = ['{{', '}}', '{%', ':', '- ', '"', "'", '\t', '\n', '[', '{', '&a ', '*a', '|', '#'];
  for (const file of files) {
    const text = fs.readFileSync(path.join(DIR, file), 'utf8');
    const rnd = random(file.length * 7919);
    for (let round = 0; round < 20; round++) {
      let t = text;
      for (let k = 0; k < 3; k++) {
        const at = Math.floor(rnd() * t.length);
        const what = rnd();
        t = what < 0.4 ? t.slice(0, at) + t.slice(at + 1 + Math.floor(rnd() * 20)) : what < 0.7 ? t.slice(0, at) + STRAYS[Math.floor(rnd() * STRAYS.length)] + t.slice(at) : t.slice(0, at) + t.slice(at - 30, at) + t.slice(at);
      }
      assert.doesNotThrow(() => readKubevirtDisks(t), `${file} round ${round}`);
      for (const f of lint(t, { fileName: file })) {
        assert.ok(f.start >= 0 && f.end <= t.length && f.start <= f.end, `${file} round ${round}: ${f.rule} at ${f.start}-${f.end}`);
        for (const x of f.fixes) assert.doesNotThrow(() => applyEdits(t, x.edits), `${file} round ${round}: ${x.title}`);
      }
    }
  }
});
