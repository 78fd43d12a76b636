// Fixes said as virt-xml commands (core/libvirt/virtXml.ts). The real virt-xml is the oracle: in
// its stdin mode (XML in, edited XML out, nothing defined) it must turn each domain of the corpus
// and of the fixtures below into exactly the <driver> our own fix writes.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lint } from '../../src/core/lint/engine';
import { applyEdits } from '../../src/core/text';
import { scanXml, child } from '../../src/core/lint/domainXml/xmlScan';
import { domainLocation, shellQuote, virtXmlCommand, virtXmlEdit } from '../../src/core/libvirt/virtXml';
import { CORPUS, CORPUS_MISSING } from '../helpers/corpus';

const hasVirtXml = spawnSync('virt-xml', ['--version'], { stdio: 'ignore' }).status === 0;

const domain = (disks: string) => `<domain type='kvm'>
  <name>vm1</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
${disks}
  </devices>
</domain>
`;
const FIXTURES: Record<string, string> = {
  // vhostuser-cache: its fix removes the attribute (virt-xml: an empty value unsets it).
  vhostuser: domain(`    <disk type='vhostuser' device='disk'>
      <driver name='qemu' type='raw' io='native'/>
      <source type='unix' path='/run/vhost.sock'/>
      <target dev='vda' bus='virtio'/>
    </disk>`),
  // No <driver> at all, and no <target>: the fix inserts one, virt-xml selects by number.
  noDriver: domain(`    <disk type='file' device='disk'>
      <source file='/var/lib/libvirt/images/a.img'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <source file='/var/lib/libvirt/images/b.img'/>
      <shareable/>
    </disk>`),
  two: domain(`    <disk type='file' device='disk'>
      <driver name='qemu' type='raw' cache='none' io='native'/>
      <source file='/var/lib/libvirt/images/a.img'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw' cache='writeback' io='native'/>
      <source file='/var/lib/libvirt/images/b.img'/>
      <target dev='vdb' bus='virtio'/>
    </disk>`),
};

/** <driver> attributes of each /domain/devices/disk, whatever the quotes. */
function drivers(xml: string): Record<string, string>[] {
  const scan = scanXml(xml, (p, name, top) => name === 'disk' && top === 0 && p.length === 2 && p[0] === 'domain' && p[1] === 'devices', new Set(['driver']));
  return scan.captured.map((disk) => Object.fromEntries((child(disk, 'driver')?.attrs ?? []).map((a) => [a.name, a.value])));
}

test('a fix as a command: the disk by its target, options as virt-xml names them, removal as an empty value', () => {
  const text = FIXTURES.two;
  const f = lint(text, { fileName: 'vm1.xml' }).find((x) => x.rule === 'io-native-needs-direct')!;
  const [setNone, setThreads] = f.fixes;
  assert.equal(virtXmlCommand('qemu:///system', 'vm1', text, setNone), 'virt-xml --connect qemu:///system vm1 --edit target=vdb --disk driver.cache=none');
  assert.equal(virtXmlCommand('qemu+ssh://root@kvm1/system', 'mail server', text, setThreads), "virt-xml --connect qemu+ssh://root@kvm1/system 'mail server' --edit target=vdb --disk driver.io=threads");
  const vhost = lint(FIXTURES.vhostuser, { fileName: 'vm1.xml' }).find((x) => x.rule === 'vhostuser-cache')!;
  assert.deepEqual(virtXmlEdit(FIXTURES.vhostuser, vhost.fixes[0]), { select: 'target=vda', disk: 'driver.io=' });
  // A fix that changes nothing a virt-xml --disk option sets has no command.
  assert.equal(virtXmlEdit(text, { title: 'rename', edits: [{ start: text.indexOf('vm1'), end: text.indexOf('vm1') + 3, newText: 'vm2' }] }), undefined);
});

test('shell quoting and domain locations', () => {
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
  assert.equal(shellQuote('qemu:///session?socket=/run/s'), `'qemu:///session?socket=/run/s'`);
  assert.equal(shellQuote('qemu+ssh://root@host:2222/system'), 'qemu+ssh://root@host:2222/system');
  assert.equal(domainLocation('qemu:///system', 'web01'), 'qemu:///system/web01');
  assert.equal(domainLocation('qemu:///system/', 'web01'), 'qemu:///system/web01');
  assert.equal(domainLocation('qemu+ssh://h/system?keyfile=/k', 'mail server', true), 'qemu+ssh://h/system/mail%20server?keyfile=/k');
});

test('virt-xml, given each command on the same XML, writes the <driver> our fix writes (corpus and fixtures, every fix)', (t) => {
  if (!hasVirtXml) return t.skip('virt-xml is not installed (Debian: virtinst)');
  const texts: [string, string][] = Object.entries(FIXTURES);
  if (CORPUS) {
    for (const dir of ['libvirt', 'libvirt-other']) {
      for (const name of fs.readdirSync(path.join(CORPUS, dir)).filter((n) => n.endsWith('.xml'))) texts.push([`${dir}/${name}`, fs.readFileSync(path.join(CORPUS, dir, name), 'utf8')]);
    }
  } else {
    t.diagnostic(`corpus: ${CORPUS_MISSING}; fixtures only`);
  }
  // One run per distinct (rule, fix, command) keeps virt-xml (0.6 s a start) to a few dozen runs.
  const seen = new Set<string>();
  let runs = 0;
  for (const [name, text] of texts) {
    if (!/^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<domain\b/.test(text)) continue;
    for (const f of lint(text, { fileName: `${name}` })) {
      for (const fix of f.fixes) {
        const e = virtXmlEdit(text, fix);
        if (!e) continue;
        const key = `${f.rule}|${fix.title}|${e.select.startsWith('target=') ? 'target' : e.select}|${e.disk}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const r = spawnSync('virt-xml', ['--connect', 'test:///default', '--edit', e.select, '--disk', e.disk], { input: text, encoding: 'utf8', timeout: 60_000 });
        assert.equal(r.status, 0, `${name} ${f.rule} ${e.select} ${e.disk}: ${r.stderr}`);
        assert.deepEqual(drivers(r.stdout), drivers(applyEdits(text, fix.edits)), `${name}: ${f.rule} "${fix.title}" as --edit ${e.select} --disk ${e.disk}`);
        runs++;
      }
    }
  }
  t.diagnostic(`${runs} virt-xml runs: ${[...seen].join('; ')}`);
  assert.ok(runs >= 6, `only ${runs} distinct fixes were checked`);
});
