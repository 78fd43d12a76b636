// Nova settings in files that are not a plain nova.conf: DevStack's local.conf (meta-sections
// for several files and a shell block), Jinja overrides named .conf (kolla-ansible), and the
// other configs that live in a folder named nova.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { detectKind, fixAll, lint } from '../../src/core/lint/engine';
import { metaSections } from '../../src/core/lint/nova/devstackLocalConf';

const LOCAL_CONF = `[[local|localrc]]
ADMIN_PASSWORD=secret
enable_service n-cpu
if [[ -n "$X" ]]; then echo [x]; fi

[[post-config|$NOVA_CONF]]
[libvirt]
disk_cachemodes = file=writethrough

[[post-config|$NEUTRON_CONF]]
[DEFAULT]
this line is not ini at all

[[post-config|$NOVA_CPU_CONF]]
[libvirt]
disk_cachemodes = file=none
images_type = rbd
`;

test('local.conf: meta-sections are read as DevStack reads them', () => {
  assert.deepEqual(
    metaSections(LOCAL_CONF).map((s) => `${s.phase}|${s.file}`),
    ['local|localrc', 'post-config|$NOVA_CONF', 'post-config|$NEUTRON_CONF', 'post-config|$NOVA_CPU_CONF'],
  );
});

test('local.conf: each Nova block is its own config; shell and other files are not read as nova.conf', () => {
  assert.equal(detectKind('/home/stack/devstack/local.conf', LOCAL_CONF), 'nova-conf');
  const findings = lint(LOCAL_CONF, { fileName: 'local.conf' });
  const where = findings.map((f) => `${f.rule}@${LOCAL_CONF.slice(0, f.start).split('\n').length}`);
  // writethrough in the $NOVA_CONF block (line 8), and the RBD findings of the $NOVA_CPU_CONF
  // block (lines 16-17); no syntax error for the shell or neutron lines, and the two
  // disk_cachemodes lines are not duplicates of each other (different files).
  assert.ok(where.includes('nova-cachemodes-writethrough@8'), where.join(', '));
  assert.ok(!findings.some((f) => f.rule === 'nova-conf-syntax'), where.join(', '));
  assert.ok(!findings.some((f) => f.rule === 'nova-cachemodes-duplicate'), where.join(', '));
  assert.ok(findings.every((f) => LOCAL_CONF.slice(0, f.start).split('\n').length >= 7), where.join(', '));
});

/** The lines of `after` are those of `before`, but for the 1-based `lines` (changed or removed). */
function onlyLinesChanged(before: string, after: string, lines: number[]): void {
  const keep = (t: string, drop: boolean) => t.split('\n').filter((_, i) => !drop || !lines.includes(i + 1));
  const b = keep(before, true);
  const a = after.split('\n');
  // Every kept line is still there, in order, and nothing else was added but at the fixed lines.
  let j = 0;
  for (const line of a) if (j < b.length && line === b[j]) j++;
  assert.equal(j, b.length, `a line outside ${lines} changed:\n${after}`);
  assert.ok(a.length <= before.split('\n').length, 'no line added');
}

test('local.conf: fix-all edits only the lines of the findings it fixes', () => {
  const { text } = fixAll(LOCAL_CONF, { fileName: 'local.conf' });
  assert.notEqual(text, LOCAL_CONF);
  onlyLinesChanged(LOCAL_CONF, text, [8, 16]); // 16: the RBD hint, where fix-all applies hints
  assert.doesNotMatch(text, /writethrough/);
});

const KOLLA_OVERRIDE = `[libvirt]
{% if nova_backend == 'rbd' %}
disk_cachemodes = network=writeback
{% else %}
disk_cachemodes = file=unsafe
{% endif %}
cpu_mode = {{ cpu_mode }}
`;

test('a Jinja override named nova.conf is read as a template: branches are not duplicates, findings stay on their line', () => {
  for (const name of ['/etc/kolla/config/nova.conf', '/etc/kolla/config/nova/nova-compute.conf']) {
    const findings = lint(KOLLA_OVERRIDE, { fileName: name });
    const rules = findings.map((f) => `${f.rule}@${KOLLA_OVERRIDE.slice(0, f.start).split('\n').length}`);
    assert.deepEqual(rules, ['nova-cachemodes-unsafe@5'], name);
    const { text } = fixAll(KOLLA_OVERRIDE, { fileName: name });
    onlyLinesChanged(KOLLA_OVERRIDE, text, [5]);
    assert.doesNotMatch(text, /unsafe/);
  }
});

test('configs in a folder named nova that oslo.config does not read are not linted as nova.conf', () => {
  const logging = '[loggers]\nkeys = root, nova\n\n[handlers]\nkeys = stderr\n\n[formatters]\nkeys = context\n';
  const rootwrap = '[DEFAULT]\nfilters_path=/etc/nova/rootwrap.d,/usr/share/nova/rootwrap\nexec_dirs=/sbin,/usr/sbin\n';
  assert.equal(detectKind('/etc/nova/logging.conf', logging), undefined);
  assert.equal(detectKind('/etc/nova/rootwrap.conf', rootwrap), undefined);
  assert.equal(detectKind('/etc/nova/nova-compute.conf', '[libvirt]\nvirt_type = kvm\n'), 'nova-conf');
  assert.equal(detectKind('/etc/nova/nova.conf.d/50-cache.conf', '[libvirt]\ndisk_cachemodes = file=none\n'), 'nova-conf');
});

test('images_type is checked as oslo.config checks choices: case-sensitive, nova-compute refuses RBD', () => {
  const text = '[libvirt]\nimages_type = RBD\n';
  const findings = lint(text, { fileName: 'nova.conf' });
  assert.deepEqual(findings.map((f) => f.rule), ['nova-images-type-invalid']);
  assert.equal(text.slice(findings[0].start, findings[0].end), 'RBD');
  assert.match(findings[0].message, /but found 'RBD'/);
  assert.equal(fixAll(text, { fileName: 'nova.conf' }).text, '[libvirt]\nimages_type = rbd\n');
  for (const ok of ['rbd', 'qcow2', 'default', '{{ nova_backend }}']) {
    assert.deepEqual(lint(`[libvirt]\nimages_type = ${ok}\n`, { fileName: 'nova.conf.j2' }).filter((f) => f.rule === 'nova-images-type-invalid'), [], ok);
  }
});

test('local.conf: precedence stays inside its block (a syntax finding in one block hides no hint of another)', () => {
  // Both blocks put disk_cachemodes at the same offset of their own text; only the first has a syntax slip.
  const block = (value: string) => `[libvirt]\nimages_type = rbd\ndisk_cachemodes = ${value}\n`;
  const text = `[[post-config|$NOVA_CONF]]\n${block('network=none # c')}\n[[post-config|$NOVA_CPU_CONF]]\n${block('network=none')}`;
  const fs = lint(text, { fileName: 'local.conf' });
  const second = text.lastIndexOf('network=none');
  assert.deepEqual(fs.filter((f) => f.rule === 'nova-rbd-cache').map((f) => text.slice(f.start, f.end)), ['network=none']);
  assert.equal(fs.find((f) => f.rule === 'nova-rbd-cache')!.start, second);
  // In the first block the syntax finding supersedes the hint; turned off, the hint shows there too.
  const off = lint(text, { fileName: 'local.conf', severities: { 'nova-cachemodes-syntax': 'off' } });
  assert.equal(off.filter((f) => f.rule === 'nova-rbd-cache').length, 2);
});
