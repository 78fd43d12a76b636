// package.json's settings list every rule of the registry, so the Settings editor offers them all.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RULES } from '../../src/core/lint/rules';
import { lint } from '../../src/core/lint/engine';
import { formatText } from '../../src/cli/report';

const root = path.resolve(__dirname, '..', '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const nls: Record<string, string> = JSON.parse(fs.readFileSync(path.join(root, 'package.nls.json'), 'utf8'));
/** A package.json string as VS Code shows it: `%key%` looked up in package.nls.json. */
const shown = (s: string): string => s.replace(/^%(.+)%$/, (_m, key: string) => {
  assert.ok(key in nls, `package.nls.json has no "${key}"`);
  return nls[key];
});

test('qemuDiskTools.rules lists each rule with its default severity and a description', () => {
  const props = pkg.contributes.configuration.properties['qemuDiskTools.rules'].properties;
  assert.deepEqual(Object.keys(props).sort(), RULES.map((r) => r.id).sort());
  for (const r of RULES) {
    assert.equal(props[r.id].default, r.severity, r.id);
    assert.deepEqual(props[r.id].enum, ['error', 'warning', 'info', 'hint', 'off'], r.id);
    assert.ok(shown(props[r.id].markdownDescription).includes(r.title), r.id);
  }
});

test('every command the menus name is contributed, and qemuImgPath is restricted in untrusted workspaces', () => {
  const commands = new Set(pkg.contributes.commands.map((c: { command: string }) => c.command));
  for (const items of Object.values(pkg.contributes.menus) as { command: string }[][]) {
    for (const m of items) assert.ok(commands.has(m.command), m.command);
  }
});

// Settings that choose the program run on images, or lift a refusal: a workspace's
// .vscode/settings.json must not set them (machine scope), nor an untrusted folder (restricted).
const GUARDING_SETTINGS = ['qemuDiskTools.qemuImgPath', 'qemuDiskTools.convert.allowBackingFile'];

test('settings that change what runs on images or what is refused are machine-scoped and restricted', () => {
  const props = pkg.contributes.configuration.properties;
  const restricted: string[] = pkg.capabilities.untrustedWorkspaces.restrictedConfigurations;
  for (const key of GUARDING_SETTINGS) {
    assert.equal(props[key].scope, 'machine', key);
    assert.ok(restricted.includes(key), `${key} is not in restrictedConfigurations`);
  }
  // Everything else stays per folder; a new setting has to be placed in one list or the other.
  for (const key of Object.keys(props).filter((k) => !GUARDING_SETTINGS.includes(k))) {
    assert.equal(props[key].scope, 'resource', `${key}: add it to GUARDING_SETTINGS if it changes what runs or is refused`);
  }
});

test('names read "QEMU Disk Tools" and command titles are in Title Case', () => {
  assert.equal(shown(pkg.displayName), 'QEMU Disk Tools');
  assert.equal(shown(pkg.contributes.configuration.title), 'QEMU Disk Tools');
  const small = new Set(['a', 'an', 'the', 'and', 'or', 'in', 'of', 'to', 'for', 'on', 'at', 'by']);
  for (const c of pkg.contributes.commands as { title: string; category: string }[]) {
    assert.equal(shown(c.category), 'QEMU Disk Tools', c.title);
    const words = shown(c.title).replace(/…$/, '').split(/\s+/);
    words.forEach((w, i) => {
      const titled = /^[A-Z0-9]/.test(w) || (i > 0 && small.has(w)) || w === 'libvirt'; // spelt so by its authors
      assert.ok(titled, `"${c.title}": "${w}" is not in Title Case`);
    });
  }
  assert.doesNotMatch(JSON.stringify(pkg.contributes) + JSON.stringify(nls), /Qemu(?!DiskTools)/, 'a label reads "Qemu"');
});

test('the $qemu-disk-tools problem matcher reads every field of the CLI text output', () => {
  const matcher = pkg.contributes.problemMatchers.find((m: { name: string }) => m.name === 'qemu-disk-tools');
  const re = new RegExp(matcher.pattern.regexp);
  const text = "<domain type='kvm'><devices><disk type='file'>\n<driver name='qemu' cache='unsafe'/></disk></devices></domain>\n";
  const file = path.join(root, 'vm with space.xml');
  const findings = lint(text, { fileName: file });
  assert.ok(findings.length > 0, 'fixture must have findings');
  const out = formatText({ cwd: root, files: [{ file, kind: 'domain-xml', findings, text, fixed: 0 }], problems: [] });
  const lines = out.split('\n').filter((l) => re.test(l));
  assert.equal(lines.length, findings.length, out); // and the summary line is not read as a problem
  const m = re.exec(lines[0])!;
  const p = matcher.pattern;
  assert.equal(m[p.file], 'vm with space.xml');
  assert.equal(m[p.line], '2');
  assert.equal(m[p.code], findings[0].rule);
  assert.equal(m[p.severity], findings[0].severity);
  assert.equal(m[p.message], findings[0].message.replace(/\s*[\r\n]+\s*/g, ' '));
});

test('the walkthrough: every step has its media file and a button whose command is contributed; both ship in the .vsix', () => {
  const commands = new Set(pkg.contributes.commands.map((c: { command: string }) => c.command));
  const ignore = fs.readFileSync(path.join(root, '.vscodeignore'), 'utf8');
  const [walkthrough] = pkg.contributes.walkthroughs;
  assert.deepEqual(walkthrough.steps.map((s: { id: string }) => s.id), ['lint', 'fix', 'workspace', 'convert']);
  for (const step of walkthrough.steps) {
    assert.ok(fs.existsSync(path.join(root, step.media.markdown)), step.media.markdown);
    const buttons = [...shown(step.description).matchAll(/\]\(command:([\w.]+)/g)].map((m) => m[1]);
    assert.equal(buttons.length, 1, step.id);
    assert.ok(commands.has(buttons[0]), `${step.id}: ${buttons[0]} is not contributed`);
    for (const e of step.completionEvents) assert.ok(commands.has(e.replace(/^onCommand:/, '')), e);
  }
  assert.match(ignore, /^!media\/walkthrough\/\*\*$/m);
  assert.match(ignore, /^!package\.nls\.json$/m, 'the strings package.json names');
  assert.match(ignore, /^!l10n\/\*\*$/m, 'the runtime strings bundle');
  assert.match(ignore, /^!examples\/web01\.xml$/m, 'the sample domain the first step opens');
});

test('the lint task type is contributed and activates the extension', () => {
  assert.deepEqual(pkg.contributes.taskDefinitions.map((t: { type: string }) => t.type), ['qemu-disk-tools']);
  assert.ok(pkg.activationEvents.includes('onTaskType:qemu-disk-tools'));
});

test('the extension activates on the languages of the command-line dialects (hcl, and packer where an extension defines it)', () => {
  for (const language of ['shellscript', 'makefile', 'dockerfile', 'json', 'hcl', 'packer', 'python', 'yaml', 'ansible']) assert.ok(pkg.activationEvents.includes(`onLanguage:${language}`), language);
});

test('localisation: every user-facing string of package.json is a %key% of package.nls.json, and every key is used', () => {
  const text = fs.readFileSync(path.join(root, 'package.json'), 'utf8');
  const used = new Set([...text.matchAll(/"%([^%"]+)%"/g)].map((m) => m[1]));
  for (const key of used) assert.ok(key in nls, `package.nls.json has no "${key}"`);
  for (const key of Object.keys(nls)) assert.ok(used.has(key), `package.nls.json's "${key}" is not used`);
  const c = pkg.contributes;
  const strings = [
    pkg.displayName, pkg.description, c.configuration.title,
    ...c.commands.flatMap((x: { title: string; category: string }) => [x.title, x.category]),
    ...Object.values(c.configuration.properties).flatMap((p) => {
      const q = p as { description?: string; markdownDescription?: string; enumDescriptions?: string[] };
      return [q.description, q.markdownDescription, ...(q.enumDescriptions ?? [])].filter((x) => x !== undefined);
    }),
    ...c.walkthroughs.flatMap((w: { title: string; description: string; steps: { title: string; description: string }[] }) =>
      [w.title, w.description, ...w.steps.flatMap((st) => [st.title, st.description])]),
  ];
  for (const s of strings) assert.match(s, /^%[^%]+%$/, `not localisable: ${s}`);
  assert.equal(shown(pkg.displayName), 'QEMU Disk Tools');
});
