// The KubeVirt dialect through the public lint() front door: which files are KubeVirt manifests,
// where each kind keeps its disks (KubeVirt's API types), multi-document files, Helm and Jinja
// templates, the rules and their fixes (only the scalar changes, quotes kept), hover targets and
// suppression comments. Facts: pkg/storage/admitters/disks.go (accepted values),
// pkg/virt-launcher/virtwrap/converter (defaults, shareable).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { detectKind, fixAll, lint } from '../../src/core/lint/engine';
import { modeTargetAt } from '../../src/core/lint/hoverTargets';
import { targetMarkdown } from '../../src/vscode/hoverMarkdown';
import { KUBEVIRT_DISK_RULES } from '../../src/core/lint/rules';
import { DISK_RULE_IDS } from '../../src/core/lint/ruleIds';
import { applyEdits } from '../../src/core/text';
import type { Finding } from '../../src/core/types';
import { kubevirtCases } from '../helpers/kubevirtDisks';

const FILE = 'vm.yaml';
const run = (text: string, fileName = FILE) => lint(text, { fileName });
const at = (text: string, f: { start: number; end: number }) => text.slice(f.start, f.end);
const rules = (text: string) => run(text).map((f) => `${f.rule} ${at(text, f)}`);
const only = (text: string, rule: string): Finding => {
  const fs = run(text).filter((f) => f.rule === rule);
  assert.equal(fs.length, 1, `expected one ${rule}, got ${JSON.stringify(rules(text))}`);
  return fs[0];
};
const fixed = (text: string, f: Finding, title?: string) => {
  const fix = title ? f.fixes.find((x) => x.title === title) : f.fixes.find((x) => x.preferred);
  assert.ok(fix, `no fix ${title ?? '(preferred)'} in ${JSON.stringify(f.fixes.map((x) => x.title))}`);
  return applyEdits(text, fix.edits);
};

/** A VirtualMachine whose disks list is `disks` (indented as under `disks:`) and volumes `volumes`. */
const vm = (disks: string, volumes = '      - name: root\n        containerDisk: {image: quay.io/containerdisks/fedora}\n', head = 'apiVersion: kubevirt.io/v1\nkind: VirtualMachine\n') =>
  `${head}metadata:\n  name: web01\nspec:\n  runStrategy: Always\n  template:\n    spec:\n      domain:\n        devices:\n          disks:\n${disks}        resources:\n          requests:\n            memory: 2Gi\n      volumes:\n${volumes}`;

test('detectKind: YAML naming kubevirt.io with a VM kind; any other YAML is left alone', () => {
  const text = vm('          - name: root\n            disk: {bus: virtio}\n');
  assert.equal(detectKind('vm.yaml', text), 'kubevirt-yaml');
  assert.equal(detectKind('deploy/vm.yml', text), 'kubevirt-yaml');
  assert.equal(detectKind('charts/vm/templates/vm.yaml', text.replace('web01', '{{ .Release.Name }}')), 'kubevirt-yaml');
  for (const kind of ['VirtualMachineInstance', 'VirtualMachinePool', 'VirtualMachineInstanceReplicaSet', '"VirtualMachine"']) {
    assert.equal(detectKind('x.yaml', `apiVersion: kubevirt.io/v1\nkind: ${kind}\n`), 'kubevirt-yaml', kind);
  }
  // A Deployment that mentions kubevirt.io, Ansible vars, a kind that merely starts the same way.
  assert.equal(detectKind('deploy.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  labels: {kubevirt.io: virt-api}\n'), undefined);
  assert.equal(detectKind('group_vars/all.yml', 'cache: none\nkubevirt_version: v1.3.0\n'), undefined);
  assert.equal(detectKind('x.yaml', 'apiVersion: kubevirt.io/v1\nkind: VirtualMachineSnapshot\n'), undefined);
  // The same text without a YAML name is not read as KubeVirt.
  assert.equal(detectKind('vm.txt', text), undefined);
});

test('each kind keeps its disks where KubeVirt\'s API types put them; Template objects and List items too', () => {
  const disk = '- name: d\n  cache: writethrough\n  disk: {}\n';
  const indent = (s: string, n: number) => s.split('\n').map((l) => (l ? ' '.repeat(n) + l : l)).join('\n');
  const docs = [
    `apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstance\nspec:\n  domain:\n    devices:\n      disks:\n${indent(disk, 6)}`,
    `apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstanceReplicaSet\nspec:\n  replicas: 2\n  template:\n    spec:\n      domain:\n        devices:\n          disks:\n${indent(disk, 10)}`,
    `apiVersion: pool.kubevirt.io/v1beta1\nkind: VirtualMachinePool\nspec:\n  virtualMachineTemplate:\n    spec:\n      template:\n        spec:\n          domain:\n            devices:\n              disks:\n${indent(disk, 14)}`,
    `apiVersion: template.openshift.io/v1\nkind: Template\nobjects:\n- apiVersion: kubevirt.io/v1\n  kind: VirtualMachine\n  spec:\n    template:\n      spec:\n        domain:\n          devices:\n            disks:\n${indent(disk, 12)}`,
    `apiVersion: v1\nkind: List\nitems:\n- apiVersion: kubevirt.io/v1\n  kind: VirtualMachineInstance\n  spec:\n    domain:\n      devices:\n        disks:\n${indent(disk, 8)}`,
  ];
  for (const d of docs) assert.deepEqual(rules(d), ['cache-writethrough writethrough'], d);
  // All of them in one multi-document file: one finding each, in order.
  const all = docs.join('---\n');
  assert.deepEqual(rules(all), docs.map(() => 'cache-writethrough writethrough'));
  // Another API's VirtualMachine in the same file is not KubeVirt's.
  assert.deepEqual(rules(`${docs[0]}---\napiVersion: proxmox.example.com/v1alpha1\nkind: VirtualMachine\nspec:\n  template:\n    spec:\n      domain:\n        devices:\n          disks:\n${indent(disk, 10)}`), ['cache-writethrough writethrough']);
  // Disks elsewhere (a CRD's schema, a VM's status, a pool's selector) are not disks.
  assert.deepEqual(rules(`apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nstatus:\n  domain:\n    devices:\n      disks:\n${indent(disk, 6)}`), []);
});

test('cache-invalid: what the admission webhook rejects, with KubeVirt\'s own value lists', () => {
  const text = vm("          - name: root\n            cache: write-back\n            io: io_uring\n            disk: {bus: virtio}\n");
  const found = run(text).filter((f) => f.rule === 'cache-invalid');
  assert.deepEqual(found.map((f) => at(text, f)), ['write-back', 'io_uring']);
  assert.match(found[0].message, /^cache: write-back is not a disk cache mode KubeVirt knows, so it is rejected by its admission webhook when applied \(kubectl apply fails\)\. Did you mean 'writeback'\?$/);
  assert.match(found[1].message, /Use one of native, threads\.$/);
  assert.equal(fixed(text, found[0]), text.replace('cache: write-back', 'cache: writeback'));
  // libvirt's other modes are not KubeVirt's: unsafe and directsync are rejected, and so is 'default'.
  assert.match(only(vm('          - {name: root, cache: unsafe}\n'), 'cache-invalid').message, /Use one of none, writethrough, writeback\.$/);
  assert.match(only(vm('          - {name: root, cache: directsync}\n'), 'cache-invalid').message, /cache: directsync is not a disk cache mode KubeVirt knows/);
  const def = vm('          - name: root\n            cache: default\n            disk: {}\n');
  const d = only(def, 'cache-invalid');
  assert.match(d.message, /Remove it for the default \(no cache \(KubeVirt then picks none where the volume supports O_DIRECT, else writethrough\)\)/);
  assert.equal(fixed(def, d), def.replace('            cache: default\n', ''));
});

test('io-native-needs-direct: io native with a host cache; libvirt in virt-launcher refuses it; no directsync advice', () => {
  const text = vm('          - name: root\n            cache: writeback\n            io: native\n            disk: {bus: virtio}\n');
  const f = only(text, 'io-native-needs-direct');
  assert.equal(at(text, f), 'native');
  assert.match(f.message, /^io: native needs O_DIRECT, but this disk has cache: writeback: libvirt in virt-launcher refuses the domain, so the VMI fails to start/);
  assert.match(f.message, /Set cache: none, or use io: threads\.$/);
  assert.doesNotMatch(f.message, /directsync'\)/);
  assert.equal(fixed(text, f), text.replace('cache: writeback', 'cache: none'));
  assert.equal(fixed(text, f, 'Set io: threads'), text.replace('io: native', 'io: threads'));
  // No cache on a Block volume: KubeVirt picks none (O_DIRECT always works on a block device).
  const block = vm('          - name: root\n            io: native\n            disk: {}\n', '      - name: root\n        persistentVolumeClaim: {claimName: fast}\n') + '---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: fast\nspec:\n  volumeMode: Block\n';
  assert.deepEqual(rules(block), []);
});

test('fixes edit only the scalar and keep its quotes; a missing cache goes on a line of its own, or into a flow mapping', () => {
  const single = vm("          - name: root\n            cache: 'writethrough'\n            disk: {}\n");
  assert.ok(fixed(single, only(single, 'cache-writethrough'), 'Set cache: none').includes("cache: 'none'\n"));
  const double = vm('          - name: root\n            cache: "writethrough" # measured\n            disk: {}\n');
  assert.ok(fixed(double, only(double, 'cache-writethrough'), 'Set cache: none').includes('cache: "none" # measured\n'));
  // The preferred fix removes the line: the volume may lack O_DIRECT, and KubeVirt's own default
  // then falls back to writethrough where cache: none would make the VMI fail to start.
  assert.deepEqual(only(double, 'cache-writethrough').fixes.map((x) => [x.title, !!x.preferred]), [['Remove cache: writethrough', true], ['Set cache: none', false], ['Set cache: writeback', false]]);
  assert.equal(fixed(double, only(double, 'cache-writethrough')), double.replace('            cache: "writethrough" # measured\n', ''));
  // Beside io: native (which needs O_DIRECT either way) it sets none, which fails clearly.
  const native = vm('          - name: root\n            io: native\n            cache: writethrough\n            disk: {}\n');
  assert.equal(only(native, 'cache-writethrough').fixes.find((x) => x.preferred)?.title, 'Set cache: none');
  const flow = vm('          - {name: root, io: native, cache: writeback}\n');
  assert.ok(fixed(flow, only(flow, 'io-native-needs-direct')).includes('- {name: root, io: native, cache: none}\n'));
  // Removing the key that opens a sequence item moves the next key up after the dash.
  const first = vm('          - cache: none\n            name: scratch\n            disk: {}\n', '      - name: scratch\n        emptyDisk: {capacity: 1Gi}\n');
  assert.ok(fixed(first, only(first, 'kubevirt-odirect-required'), 'Remove cache: none').includes('          - name: scratch\n            disk: {}\n'));
});

test('kubevirt-odirect-required: cache none, or io native without a cache, on a volume the file shows to be a file', () => {
  const empty = '      - name: scratch\n        emptyDisk: {capacity: 2Gi}\n';
  const none = vm('          - name: scratch\n            cache: none\n            disk: {bus: virtio}\n', empty);
  const f = only(none, 'kubevirt-odirect-required');
  assert.equal(f.severity, 'info');
  assert.equal(at(none, f), 'none');
  assert.match(f.message, /^cache: none makes the VMI fail to start where its filesystem lacks O_DIRECT/);
  assert.match(f.message, /this emptyDisk volume/);
  assert.ok(f.fixes.every((x) => !x.preferred), 'info: never applied by fix-all');
  assert.equal(fixed(none, f, 'Remove cache: none'), none.replace('            cache: none\n', ''));
  // io native beside it: both go.
  const both = vm('          - name: scratch\n            cache: none\n            io: native\n            disk: {}\n', empty);
  assert.equal(fixed(both, only(both, 'kubevirt-odirect-required'), 'Remove cache: none and io: native'), both.replace('            cache: none\n            io: native\n', ''));
  // io native without a cache: remove it, or set cache none on a line of its own after name.
  const io = vm('          - name: scratch # data\n            io: native\n            disk: {}\n', empty);
  const g = only(io, 'kubevirt-odirect-required');
  assert.equal(at(io, g), 'native');
  assert.equal(fixed(io, g, 'Remove io: native'), io.replace('            io: native\n', ''));
  assert.equal(fixed(io, g, 'Set cache: none'), io.replace('- name: scratch # data\n', '- name: scratch # data\n            cache: none\n'));
  // Not where the file shows a block volume, nor where it does not say (a claim defined elsewhere), nor for shareable disks.
  const dv = 'spec:\n  dataVolumeTemplates:\n  - metadata: {name: root-dv}\n    spec:\n      storage: {volumeMode: Block}\n';
  assert.deepEqual(rules(vm('          - {name: root, cache: none}\n', '      - {name: root, dataVolume: {name: root-dv}}\n').replace('spec:\n', dv)), []);
  assert.deepEqual(rules(vm('          - {name: root, cache: none}\n', '      - {name: root, persistentVolumeClaim: {claimName: elsewhere}}\n')), []);
  assert.deepEqual(rules(vm('          - {name: scratch, cache: none, shareable: true}\n', empty)), []);
});

test('kubevirt-shareable-cache: virt-launcher refuses a shareable disk without cache none; it takes precedence', () => {
  const text = vm('          - name: quorum\n            shareable: true\n            cache: writethrough\n            disk: {}\n');
  assert.deepEqual(rules(text), ['kubevirt-shareable-cache writethrough']);
  const f = only(text, 'kubevirt-shareable-cache');
  assert.equal(f.severity, 'error');
  assert.match(f.message, /"a sharable disk requires cache = none"/);
  assert.deepEqual(f.related?.map((r) => at(text, r)), ['shareable: true']);
  assert.equal(fixed(text, f), text.replace('cache: writethrough', 'cache: none'));
  // Turned off, the disk rules it supersedes show again.
  assert.deepEqual(lint(text, { fileName: FILE, severities: { 'kubevirt-shareable-cache': 'off' } }).map((x) => x.rule), ['cache-writethrough']);
});

test('Helm and Jinja: templated values are never judged; the YAML around them still is; broken YAML never throws', () => {
  const helm =
    '{{- if .Values.vm.enabled }}\napiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata:\n  name: {{ include "vm.fullname" . }}\n  labels:\n    {{- include "vm.labels" . | nindent 4 }}\nspec:\n  template:\n    spec:\n      domain:\n        devices:\n          disks:\n          - name: root\n            cache: {{ .Values.cache | default "none" }}\n            io: "{{ .Values.io }}"\n            disk: {}\n          - name: data\n            cache: writethrough\n            disk: {}\n          {{- range .Values.extraDisks }}\n          - name: {{ .name }}\n            cache: {{ .cache }}\n          {{- end }}\n{{- end }}\n';
  assert.equal(detectKind('templates/vm.yaml', helm), 'kubevirt-yaml');
  assert.deepEqual(rules(helm), ['cache-writethrough writethrough']);
  const jinja = vm('          - name: root\n            cache: "{{ vm_cache }}"\n{% if fast %}\n            io: native\n{% endif %}\n            disk: {}\n          - name: d2\n            cache: unsafe\n');
  assert.deepEqual(rules(jinja), ['cache-invalid unsafe']);
  // Not YAML at all in places: a tab, an unclosed quote, a stray '{{': the rest is still read, nothing throws.
  const broken = `${vm('          - name: root\n            cache: writethrough\n')}---\nkind: VirtualMachine\napiVersion: kubevirt.io/v1\nspec: {template: {spec: {domain: {devices: {disks: [{name: x, cache: "none}]}}}}}\n---\n\tkey: {{ oops\n`;
  assert.doesNotThrow(() => run(broken));
  assert.deepEqual(rules(broken), ['cache-writethrough writethrough']);
  for (let cut = 0; cut < broken.length; cut += 7) assert.doesNotThrow(() => run(broken.slice(0, cut)));
});

test('suppression comments in YAML, and hover targets only on a disk\'s cache or io', () => {
  const text = vm('          - name: root\n            # qdt-disable-next-line cache-writethrough -- measured on this array\n            cache: writethrough\n            disk: {}\n');
  assert.deepEqual(rules(text), []);
  const plain = vm('          - name: root\n            cache: writeback\n            io: threads\n            disk: {}\n', '      - name: root\n        containerDisk: {image: x}\n').replace('  name: web01\n', '  name: web01\n  labels:\n    cache: none\n');
  const c = modeTargetAt(plain, 'kubevirt-yaml', plain.indexOf('cache: writeback') + 8);
  assert.deepEqual(c && { attr: c.attr, value: c.value, valid: c.valid }, { attr: 'cache', value: 'writeback', valid: ['none', 'writethrough', 'writeback'] });
  const i = modeTargetAt(plain, 'kubevirt-yaml', plain.indexOf('io: threads') + 5);
  assert.deepEqual(i && { attr: i.attr, valid: i.valid }, { attr: 'io', valid: ['native', 'threads'] });
  // The hover speaks YAML, and names a value KubeVirt rejects even where libvirt would take it.
  assert.match(targetMarkdown(c!), /^\*\*cache: writeback\*\*\n\n/);
  const unsafe = plain.replace('cache: writeback', 'cache: unsafe');
  assert.match(targetMarkdown(modeTargetAt(unsafe, 'kubevirt-yaml', unsafe.indexOf('cache: unsafe') + 8)!), /`unsafe` is not a value KubeVirt accepts\. .*Valid: `none`, `writethrough`, `writeback`\./);
  // A label called cache is not a disk's.
  assert.equal(modeTargetAt(plain, 'kubevirt-yaml', plain.indexOf('cache: none') + 8), undefined);
  // While typing: `cache: ` with nothing yet.
  const typing = plain.replace('cache: writeback', 'cache: ');
  assert.equal(modeTargetAt(typing, 'kubevirt-yaml', typing.indexOf('cache: \n') + 7)?.value, '');
});

test('fix-all reaches a fixed point; CRLF line ends are kept in inserted lines', () => {
  const text = vm('          - name: a\n            cache: writeback\n            io: native\n            disk: {}\n          - {name: b, cache: writethrough}\n').replace(/\n/g, '\r\n');
  const r = fixAll(text, { fileName: FILE });
  assert.equal(r.fixed, 2);
  assert.ok(r.text.includes('cache: none\r\n            io: native'));
  assert.ok(r.text.includes('- {name: b}\r\n'), 'writethrough on a volume of unknown type: the cache goes, KubeVirt picks');
  assert.deepEqual(run(r.text), []);
  const insert = vm('          - name: a\n            io: native\n            cache: writethrough\n            disk: {}\n').replace(/\n/g, '\r\n');
  assert.ok(!fixAll(insert, { fileName: FILE }).text.replace(/\r\n/g, '').includes('\n'));
});

test('the disk rules a KubeVirt disk can trigger are exactly KUBEVIRT_DISK_RULES', () => {
  const seen = new Set<string>();
  for (const c of kubevirtCases(['', 'none', 'writeback', 'writethrough', 'unsafe', 'directsync', 'bogus'])) {
    // With KubeVirt's own rules off too: a rule they supersede can still fire.
    const off = lint(c.text, { fileName: FILE, severities: { 'kubevirt-shareable-cache': 'off', 'kubevirt-odirect-required': 'off' } });
    for (const f of [...run(c.text), ...off]) if ((DISK_RULE_IDS as readonly string[]).includes(f.rule)) seen.add(f.rule);
  }
  assert.deepEqual([...seen].sort(), [...KUBEVIRT_DISK_RULES].sort());
});
