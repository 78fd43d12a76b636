// No rule silences another: over every combination of the disk settings the rules read, turning
// one rule off never hides a finding of another rule; where a rule declares that it supersedes
// another (registry `supersedes`), some disk shows the winner alone and, with the winner off,
// the other. Generated from the registry, so a new rule or a new precedence is covered.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { lint } from '../../src/core/lint/engine';
import { RULES, type RuleId } from '../../src/core/lint/rules';
import { COMMAND_LINE_RULE_IDS, DISK_RULE_IDS, NOVA_RULE_IDS, PACKER_RULE_IDS, PROXMOX_RULE_IDS, XML_RULE_IDS } from '../../src/core/lint/ruleIds';

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

const key = (f: { rule: string; start: number }) => `${f.rule}@${f.start}`;
const ALL = [...disks()];

test('the registry holds exactly the rule ids the types name, each once', () => {
  assert.deepEqual(RULES.map((r) => r.id).sort(), [...XML_RULE_IDS, ...DISK_RULE_IDS, ...NOVA_RULE_IDS, ...COMMAND_LINE_RULE_IDS, ...PROXMOX_RULE_IDS, ...PACKER_RULE_IDS].sort());
});

test(`turning one rule off never hides another rule's finding (${ALL.length} disks)`, () => {
  const diskRules = RULES.filter((r) => r.kinds.includes('domain-xml')).map((r) => r.id);
  for (const text of ALL) {
    const all = lint(text, { fileName: 'vm.xml' });
    for (const off of new Set(all.map((f) => f.rule))) {
      const without = new Set(lint(text, { fileName: 'vm.xml', severities: { [off]: 'off' } }).map(key));
      for (const f of all) if (f.rule !== off) assert.ok(without.has(key(f)), `${off}=off hid ${f.rule} on:\n${text}`);
    }
    assert.ok(all.every((f) => diskRules.includes(f.rule)));
  }
});

test('each declared precedence is real: the winner alone, and with the winner off, the other', () => {
  const pairs = RULES.flatMap((w) => (w.supersedes ?? []).map((l) => [w.id, l] as [RuleId, RuleId]));
  assert.ok(pairs.length > 0);
  for (const [winner, loser] of pairs) {
    const shown = ALL.find((text) => {
      const on = lint(text, { fileName: 'vm.xml' }).map((f) => f.rule);
      if (!on.includes(winner) || on.includes(loser)) return false;
      return lint(text, { fileName: 'vm.xml', severities: { [winner]: 'off' } }).some((f) => f.rule === loser);
    });
    assert.ok(shown, `no disk where ${winner} supersedes ${loser}: drop the declaration, or it hides nothing`);
  }
});

test('a suppression comment on the winner shows the superseded finding too', () => {
  const text = "<domain type='kvm'><os><type machine='pc-i440fx-2.11'>hvm</type></os><devices>\n<disk type='file'>\n<!-- qdt-disable-next-line cache-unsafe: scratch VM -->\n<driver name='qemu' type='raw' cache='unsafe'/><shareable/></disk>\n</devices></domain>\n";
  assert.deepEqual(lint(text, { fileName: 'vm.xml' }).map((f) => f.rule), ['shareable-cache']);
});
