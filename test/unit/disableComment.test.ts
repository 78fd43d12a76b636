import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { disableEdits, reasonSnippet } from '../../src/vscode/disableComment';
import { lint } from '../../src/core/lint/engine';
import { applyEdits } from '../../src/core/text';
import { parseIni } from '../../src/core/lint/nova/ini';
import { scanXml } from '../../src/core/lint/domainXml/xmlScan';
import type { FileKind } from '../../src/core/types';

/** Applies "Disable" to the first finding of `rule`; returns the new text and its findings. */
function disable(text: string, fileName: string, rule: string, eol = '\n') {
  const before = lint(text, { fileName });
  const f = before.find((x) => x.rule === rule);
  assert.ok(f, `fixture must trigger ${rule}; got ${before.map((x) => x.rule).join(', ')}`);
  const kind: FileKind = fileName.endsWith('.xml') ? 'domain-xml' : fileName.endsWith('.sh') ? 'shell-script' : fileName.endsWith('.yaml') ? 'kubevirt-yaml' : 'nova-conf';
  const action = disableEdits(text, kind, rule, f.start, eol);
  const after = applyEdits(text, action.edits);
  return { action, after, before: before.map((x) => x.rule), rules: lint(after, { fileName }).map((x) => x.rule) };
}

const xml = (driver: string) => `<domain type='kvm'>
  <devices>
    <disk type='file' device='disk'>
      ${driver}
      <source file='/var/lib/libvirt/images/a.img'/>
      <target dev='vda' bus='virtio'/>
    </disk>
  </devices>
</domain>
`;

test('XML, one-line tag: a next-line comment above it, with its indentation; only that rule goes', () => {
  const text = xml(`<driver name='qemu' type='raw' cache='unsafe' io='native'/>`);
  const r = disable(text, 'vm.xml', 'cache-unsafe');
  assert.equal(r.action.title, 'Disable cache-unsafe for this line');
  assert.match(r.after, /\n {6}<!-- qdt-disable-next-line cache-unsafe: reason -->\n {6}<driver /);
  assert.ok(!r.rules.includes('cache-unsafe'));
  assert.deepEqual(r.rules, r.before.filter((x) => x !== 'cache-unsafe'));
});

test('XML, start tag over several lines: the comments bracket the tag, which stays intact', () => {
  const text = xml(`<driver name='qemu' type='raw'\n              cache='unsafe'\n              io='threads'/>`);
  const r = disable(text, 'vm.xml', 'cache-unsafe');
  assert.equal(r.action.title, 'Disable cache-unsafe for this element');
  assert.ok(!r.rules.includes('cache-unsafe'));
  assert.match(r.after, /<!-- qdt-disable cache-unsafe: reason -->\n {6}<driver name='qemu' type='raw'\n {14}cache='unsafe'\n {14}io='threads'\/>\n {6}<!-- qdt-enable cache-unsafe -->\n/);
  // The tag still reads as one <driver> with both attributes.
  const disk = scanXml(r.after, (_path, name) => name === 'disk').captured[0];
  const driver = disk.children.find((c) => c.name === 'driver');
  assert.deepEqual(driver?.attrs.map((a) => [a.name, a.value, a.complete]), [['name', 'qemu', true], ['type', 'raw', true], ['cache', 'unsafe', true], ['io', 'threads', true]]);
});

test('XML with CRLF: the inserted line ends with CRLF', () => {
  const text = xml(`<driver name='qemu' cache='unsafe'/>`).replace(/\n/g, '\r\n');
  const r = disable(text, 'vm.xml', 'cache-unsafe', '\r\n');
  assert.match(r.after, /: reason -->\r\n {6}<driver/);
  assert.ok(!r.rules.includes('cache-unsafe'));
});

const novaValue = (text: string) => parseIni(text).entries.find((e) => e.key === 'disk_cachemodes')?.value;

test('nova.conf: the comment goes above the option, at column 0', () => {
  const text = '[libvirt]\ndisk_cachemodes = file=unsafe\n';
  const r = disable(text, 'nova.conf', 'nova-cachemodes-unsafe');
  assert.equal(r.after, '[libvirt]\n# qdt-disable-next-line nova-cachemodes-unsafe -- reason\ndisk_cachemodes = file=unsafe\n');
  assert.deepEqual(r.rules, []);
});

test('nova.conf, finding on a continuation line: the option is bracketed, its value unchanged, the file still parses', () => {
  const text = '[libvirt]\ndisk_cachemodes = file=none,\n    block=unsafe\nimages_type = qcow2\n';
  const r = disable(text, 'nova.conf', 'nova-cachemodes-unsafe');
  assert.equal(r.action.title, 'Disable nova-cachemodes-unsafe for this option');
  assert.equal(r.after, '[libvirt]\n# qdt-disable nova-cachemodes-unsafe -- reason\ndisk_cachemodes = file=none,\n    block=unsafe\n# qdt-enable nova-cachemodes-unsafe\nimages_type = qcow2\n');
  assert.ok(!r.rules.includes('nova-cachemodes-unsafe'));
  assert.deepEqual(parseIni(r.after).errors, []);
  assert.equal(novaValue(r.after), novaValue(text));
});

test('the reason is a snippet placeholder: everything else is literal, even $ and } in the text', () => {
  const xml = disableEdits('<domain>\n  <disk/>\n</domain>\n', 'domain-xml', 'cache-unsafe', 11, '\n').edits[0].newText;
  assert.equal(reasonSnippet(xml), '  <!-- qdt-disable-next-line cache-unsafe: ${1:reason} -->\n');
  assert.equal(reasonSnippet('# qdt-disable a -- reason $x}\n'), '# qdt-disable a -- ${1:reason} \\$x\\}\n');
  assert.equal(reasonSnippet('# qdt-enable a\n'), undefined, 'the enable comment has no reason');
});

test('shell, a command continued over several lines: a disable/enable pair around the whole command, which still runs', () => {
  const text = 'set -e\n  qemu-system-x86_64 -m 2048 \\\n    -drive file=a.img,cache=unsafe \\\n    -drive file=b.raw,aio=native\necho done\n';
  const r = disable(text, 'start.sh', 'cache-unsafe');
  assert.equal(r.action.title, 'Disable cache-unsafe for this command');
  assert.equal(
    r.after,
    'set -e\n  # qdt-disable cache-unsafe -- reason\n  qemu-system-x86_64 -m 2048 \\\n    -drive file=a.img,cache=unsafe \\\n    -drive file=b.raw,aio=native\n  # qdt-enable cache-unsafe\necho done\n',
  );
  assert.deepEqual(r.rules, r.before.filter((x) => x !== 'cache-unsafe'));
  // On the command's first line a next-line comment is enough.
  const one = disable('qemu-img convert -t writethrough a b\n', 'conv.sh', 'qemu-img-convert-writethrough');
  assert.equal(one.after, '# qdt-disable-next-line qemu-img-convert-writethrough -- reason\nqemu-img convert -t writethrough a b\n');
  assert.deepEqual(one.rules, []);
});

test('KubeVirt YAML: a next-line comment above the setting, at its indentation; the disk still reads', () => {
  const text =
    'apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nspec:\n  template:\n    spec:\n      domain:\n        devices:\n          disks:\n' +
    '          - name: root\n            cache: writethrough\n            io: native\n          - cache: writeback\n            io: native\n            name: data\n';
  const { action, after, before, rules } = disable(text, 'vm.yaml', 'io-native-needs-direct');
  assert.equal(action.title, 'Disable io-native-needs-direct for this line');
  assert.ok(after.includes('            cache: writethrough\n            # qdt-disable-next-line io-native-needs-direct -- reason\n            io: native\n'));
  // Only that one finding goes; the other disk, and the other rule on this disk, stay.
  assert.deepEqual(before, ['cache-writethrough', 'io-native-needs-direct', 'io-native-needs-direct']);
  assert.deepEqual(rules, ['cache-writethrough', 'io-native-needs-direct']);
});
