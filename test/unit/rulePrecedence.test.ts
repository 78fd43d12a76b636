// No rule silences another: over every combination of the disk settings the rules read, and of
// the Nova options two Nova rules can both judge on one line or item, turning one rule off never
// hides a finding of another rule; where a rule declares that it supersedes another (registry
// `supersedes`), some text shows the winner alone and, with the winner off, the other. Generated
// from the registry, so a new rule or a new precedence is covered.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { lint } from '../../src/core/lint/engine';
import { RULES, type RuleId } from '../../src/core/lint/rules';
import { kubevirtCases } from '../helpers/kubevirtDisks';
import { COMMAND_LINE_RULE_IDS, DISK_RULE_IDS, KUBEVIRT_RULE_IDS, NOVA_RULE_IDS, PACKER_RULE_IDS, PROXMOX_RULE_IDS, XML_RULE_IDS } from '../../src/core/lint/ruleIds';

const SOURCES: Record<string, string> = {
  file: "<source file='/var/lib/libvirt/images/a.img'/>",
  block: "<source dev='/dev/vg0/a'/>",
  network: "<source protocol='rbd' name='pool/a'/>",
  vhostuser: "<source type='unix' path='/tmp/vhost.sock'/>",
  vhostvdpa: "<source dev='/dev/vhost-vdpa-0'/>",
};

function* disks(): Generator<string> {
  for (const type of Object.keys(SOURCES))
    for (const device of ['disk', 'cdrom', 'lun'])
      for (const cache of ['', 'none', 'writeback', 'writethrough', 'unsafe', 'directsync', 'bogus'])
        for (const io of ['', 'native', 'threads'])
          for (const shareable of [false, true])
            for (const format of ['raw', 'qcow2'])
              for (const machine of ['pc-i440fx-2.11', 'q35']) {
                const driver = `<driver name='qemu' type='${format}'${cache ? ` cache='${cache}'` : ''}${io ? ` io='${io}'` : ''}/>`;
                yield `<domain type='kvm'><os><type machine='${machine}'>hvm</type></os><devices>\n<disk type='${type}' device='${device}'>${driver}${SOURCES[type]}<target dev='vda'/>${shareable ? '<shareable/>' : ''}</disk>\n</devices></domain>\n`;
              }
}

// Nova: the options the Nova rules read, in the combinations where two rules can fire on one
// line or item (a disk_cachemodes value that is both misspelt and for RBD, a mode that is both
// risky and RBD's, a line both misplaced and overridden).
const CACHEMODES_VALUES = [
  '', 'network=directsync', 'network=none', 'network=writeback', 'file=unsafe,file=writethrough', 'rbd=wirteback', 'network=directsync # c',
  '["network=none"]', 'network = none', 'file=directsync,network=none,network=bogus', 'File=unsafe,block=writethrough',
];
const CACHEMODES_LINES = [
  (v: string) => `[libvirt]\nvirt_type = kvm\ndisk_cachemodes = ${v}\n`,
  (v: string) => `[libvirt]\nDisk_Cachemodes = ${v}\n`,
  (v: string) => `[DEFAULT]\ndisk_cachemodes = ${v}\n[libvirt]\n`,
  (v: string) => `[libvirt]\nvirt_type = kvm\n  disk_cachemodes = ${v}\n`,
  (v: string) => `[libvirt]\ndisk_cachemodes = file=none\n  disk_cachemodes = ${v}\n`,
  // Indented right under the header: oslo.config refuses the file, and reads on as if it were not.
  (v: string) => `[libvirt]\n  disk_cachemodes = ${v}\n`,
];

function* novaConfs(): Generator<string> {
  for (const images of ['', 'images_type = rbd\n', 'images_type = RBD\n'])
    for (const forceRaw of ['', 'force_raw_images = False\n'])
      for (const line of CACHEMODES_LINES)
        for (const value of CACHEMODES_VALUES)
          for (const later of ['', 'disk_cachemodes = block=unsafe\n'])
            for (const safety of ['', '[workarounds]\ndisable_deep_image_inspection = on\n[compute]\nvmdk_allowed_types = vmfs,streamOptimized\n'])
              yield `[DEFAULT]\n${forceRaw}${line(value)}${images}${later}${safety}`;
}

const key = (f: { rule: string; start: number }) => `${f.rule}@${f.start}`;
const ALL = [...disks()];
const KUBEVIRT = [...kubevirtCases()].map((c) => c.text);
const NOVA = [...novaConfs()];
/** Every generated text with the name that makes it its dialect. */
const EVERY: [string, string][] = [...ALL.map((t): [string, string] => [t, 'vm.xml']), ...KUBEVIRT.map((t): [string, string] => [t, 'vm.yaml'])];
/** The same, with the Nova configs (their own test below also checks that they reach every Nova rule). */
const TEXTS: [string, string][] = [...EVERY, ...NOVA.map((t): [string, string] => [t, 'nova.conf'])];

test('the registry holds exactly the rule ids the types name, each once', () => {
  assert.deepEqual(RULES.map((r) => r.id).sort(), [...XML_RULE_IDS, ...DISK_RULE_IDS, ...NOVA_RULE_IDS, ...COMMAND_LINE_RULE_IDS, ...PROXMOX_RULE_IDS, ...KUBEVIRT_RULE_IDS, ...PACKER_RULE_IDS].sort());
});

test(`turning one rule off never hides another rule's finding (${EVERY.length} disks)`, () => {
  for (const [text, fileName] of EVERY) {
    const kind = fileName.endsWith('.xml') ? 'domain-xml' : 'kubevirt-yaml';
    const rulesOfKind = RULES.filter((r) => r.kinds.includes(kind)).map((r) => r.id);
    const all = lint(text, { fileName });
    for (const off of new Set(all.map((f) => f.rule))) {
      const without = new Set(lint(text, { fileName, severities: { [off]: 'off' } }).map(key));
      for (const f of all) if (f.rule !== off) assert.ok(without.has(key(f)), `${off}=off hid ${f.rule} on:\n${text}`);
    }
    assert.ok(all.every((f) => rulesOfKind.includes(f.rule)), `a rule outside ${kind} fired on:\n${text}`);
  }
});

test(`Nova: turning one rule off never hides another rule's finding (${NOVA.length} configs)`, () => {
  const novaRules = RULES.filter((r) => r.kinds.includes('nova-conf')).map((r) => r.id);
  const seen = new Set<string>();
  for (const text of NOVA) {
    const all = lint(text, { fileName: 'nova.conf' });
    for (const off of new Set(all.map((f) => f.rule))) {
      const without = new Set(lint(text, { fileName: 'nova.conf', severities: { [off]: 'off' } }).map(key));
      for (const f of all) if (f.rule !== off) assert.ok(without.has(key(f)), `${off}=off hid ${f.rule} on:\n${text}`);
    }
    for (const f of all) seen.add(f.rule);
  }
  // The generated configs reach every Nova rule, so every pair that can meet is tried.
  assert.deepEqual([...seen].sort(), [...novaRules].sort());
});

test('each declared precedence is real: the winner alone, and with the winner off, the other', () => {
  const pairs = RULES.flatMap((w) => (w.supersedes ?? []).map((l) => [w.id, l] as [RuleId, RuleId]));
  assert.ok(pairs.length > 0);
  for (const [winner, loser] of pairs) {
    const shown = TEXTS.find(([text, fileName]) => {
      const on = lint(text, { fileName }).map((f) => f.rule);
      if (!on.includes(winner) || on.includes(loser)) return false;
      return lint(text, { fileName, severities: { [winner]: 'off' } }).some((f) => f.rule === loser);
    });
    assert.ok(shown, `no text where ${winner} supersedes ${loser}: drop the declaration, or it hides nothing`);
  }
});

test('a suppression comment on the winner shows the superseded finding too', () => {
  const text = "<domain type='kvm'><os><type machine='pc-i440fx-2.11'>hvm</type></os><devices>\n<disk type='file'>\n<!-- qdt-disable-next-line cache-unsafe: scratch VM -->\n<driver name='qemu' type='raw' cache='unsafe'/><shareable/></disk>\n</devices></domain>\n";
  assert.deepEqual(lint(text, { fileName: 'vm.xml' }).map((f) => f.rule), ['shareable-cache']);
});
