// `lint --connect URI` against a real libvirtd that the test starts (test/helpers/libvirtd.ts)
// with domains it defines: inactive, running and transient. virsh's own `dumpxml --inactive` is
// the oracle for what is linted, and the real virt-xml runs the printed fix commands.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lint } from '../../src/core/lint/engine';
import { LineIndex } from '../../src/core/text';
import { domainLocation } from '../../src/core/libvirt/virtXml';
import { readDomains, spawnVirsh } from '../../src/core/libvirt/virsh';
import { CLI_BUNDLE, runCli } from '../helpers/cliRun';
import { imageFile, libvirtdMissing, startLibvirtd, type PrivateLibvirtd } from '../helpers/libvirtd';

const missing = libvirtdMissing();
const hasVirtXml = spawnSync('virt-xml', ['--version'], { stdio: 'ignore' }).status === 0;

/** A QEMU (TCG) domain whose disks are `[target, driver attributes]`. */
const domainXml = (name: string, disks: [string, string][], files: string[]) => `<domain type='qemu'>
  <name>${name}</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
${disks
  .map(
    ([dev, driver], i) => `    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'${driver}/>
      <source file='${files[i]}'/>
      <target dev='${dev}' bus='virtio'/>
    </disk>`,
  )
  .join('\n')}
  </devices>
</domain>
`;

let d: PrivateLibvirtd;
let cwd: string;

/** Defines (or, transient, creates paused) a domain on the test daemon. */
function define(name: string, disks: [string, string][], how: 'define' | 'create' = 'define'): void {
  const file = path.join(cwd, `${name}.xml`);
  fs.writeFileSync(file, domainXml(name, disks, disks.map(([dev]) => imageFile(d, `${name.replace(/\W/g, '_')}-${dev}.raw`))));
  if (how === 'define') d.virsh('define', file);
  else d.virsh('create', file, '--paused');
}

before(async () => {
  if (missing) return;
  d = await startLibvirtd();
  cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'qdt-live-'));
  define('web01', [['vda', " cache='unsafe'"], ['vdb', " cache='writethrough'"]]);
  define('db02', [['vda', " cache='none' io='native'"], ['vdb', '']]);
  define('mail server', [['vda', " cache='writethrough'"]]);
  define('tr03', [['vda', " cache='unsafe'"]], 'create');
  d.virsh('start', '--paused', 'web01');
});

after(async () => {
  if (missing) return;
  await d.stop();
  fs.rmSync(cwd, { recursive: true, force: true });
});

/** What the CLI must print for one domain: the engine's findings on virsh's own `dumpxml --inactive`. */
function expectedLines(uri: string, name: string, level: 'hint' | 'info' = 'info'): string[] {
  const xml = d.virsh('dumpxml', '--inactive', name);
  const index = new LineIndex(xml);
  return lint(xml, { fileName: `${name}.xml`, kind: 'domain-xml' })
    .filter((f) => level === 'hint' || f.severity !== 'hint')
    .map((f) => {
      const p = index.positionAt(f.start);
      return `${domainLocation(uri, name)}:${p.line + 1}:${p.character + 1} ${f.severity} ${f.rule}`;
    });
}

const dumps = () => ['web01', 'db02', 'mail server', 'tr03'].map((n) => d.virsh('dumpxml', '--inactive', n) + d.virsh('dumpxml', n));

test('lint --connect: every domain, inactive, running and transient, as URI/domain:line:col, with the virt-xml command under each fix', { skip: missing }, async () => {
  const listed = d.virsh('list', '--all', '--name').split('\n').filter(Boolean).sort();
  assert.deepEqual(listed, ['db02', 'mail server', 'tr03', 'web01']);
  const before = dumps();
  const r = await runCli(['lint', '--connect', d.uri], cwd);
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0, 'warnings only');
  const findingLines = r.stdout.split('\n').flatMap((l) => /^(\S.*?:\d+:\d+ (?:error|warning|info|hint) [a-z0-9-]+) /.exec(l)?.[1] ?? []);
  const expected = listed.flatMap((n) => expectedLines(d.uri, n));
  assert.deepEqual(findingLines.sort(), expected.sort());
  assert.ok(expected.some((l) => l.startsWith(`${domainLocation(d.uri, 'web01')}:`) && l.endsWith('cache-unsafe')), 'the running domain is linted');
  assert.ok(expected.some((l) => l.startsWith(`${domainLocation(d.uri, 'tr03')}:`) && l.endsWith('cache-unsafe')), 'the transient domain is linted');
  // Under each finding of a defined domain: the command; a transient one has nothing to define.
  const lines = r.stdout.split('\n');
  const under = (name: string, rule: string) => lines[lines.findIndex((l) => l.startsWith(`${domainLocation(d.uri, name)}:`) && l.includes(` ${rule} `)) + 1];
  assert.equal(under('web01', 'cache-unsafe'), `    Set cache='none': virt-xml --connect '${d.uri}' web01 --edit target=vda --disk driver.cache=none`);
  assert.equal(under('mail server', 'cache-writethrough'), `    Set cache='none': virt-xml --connect '${d.uri}' 'mail server' --edit target=vda --disk driver.cache=none`);
  assert.equal(under('tr03', 'cache-unsafe'), "    (not fixed by a command: 'tr03' is transient; change the XML it is started from)");
  assert.match(r.stdout, /in 4 domains\.\n$/);
  assert.deepEqual(dumps(), before, 'linting changed no domain');
});

test('files and connections in one run: both reported, the summary counts each', { skip: missing }, async () => {
  fs.writeFileSync(path.join(cwd, 'local.xml'), domainXml('local', [['vda', " cache='unsafe'"]], ['/var/lib/libvirt/images/local.img']));
  const r = await runCli(['lint', 'local.xml', '--connect', d.uri], cwd);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^local\.xml:\d+:\d+ warning cache-unsafe /m);
  assert.ok(r.stdout.includes(`${domainLocation(d.uri, 'web01')}:`));
  assert.match(r.stdout, /in 1 file and 4 domains\.\n$/);
});

test('--fix with --connect is refused before anything is read; the connection the linter opens is read-only', { skip: missing }, async () => {
  const before = dumps();
  const r = await runCli(['lint', '--fix', '--connect', d.uri], cwd);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--fix does not change the domains of a libvirt host \(--connect is read-only\); each finding there shows the virt-xml command/);
  assert.equal(r.stdout, '');
  assert.deepEqual(dumps(), before);
  // virsh --readonly, as the linter runs it: the daemon itself refuses a change.
  const file = path.join(cwd, 'web01.xml');
  const refused = await spawnVirsh()(['--readonly', '--connect', d.uri, 'define', file]);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /read only access prevents virDomainDefineXML/);
});

test('--format json and sarif: the domain as location, the command with each fix, URIs that parse', { skip: missing }, async () => {
  const json = JSON.parse((await runCli(['lint', '--format', 'json', '--connect', d.uri], cwd)).stdout);
  const byDomain = Object.fromEntries(json.files.map((f: { domain: string }) => [f.domain, f]));
  assert.deepEqual(Object.keys(byDomain).sort(), ['db02', 'mail server', 'tr03', 'web01']);
  assert.equal(byDomain.tr03.persistent, false);
  assert.equal(byDomain.web01.persistent, true);
  assert.equal(byDomain.web01.connection, d.uri);
  assert.equal(byDomain.web01.file, domainLocation(d.uri, 'web01'));
  const unsafe = json.findings.find((f: { file: string; rule: string }) => f.file === domainLocation(d.uri, 'web01') && f.rule === 'cache-unsafe');
  assert.equal(unsafe.fixes.find((x: { preferred: boolean }) => x.preferred).command, `virt-xml --connect '${d.uri}' web01 --edit target=vda --disk driver.cache=none`);
  const transient = json.findings.filter((f: { file: string }) => f.file === domainLocation(d.uri, 'tr03'));
  assert.ok(transient.length > 0 && transient.every((f: { fixes: { command?: string }[] }) => f.fixes.every((x) => x.command === undefined)));

  const sarif = JSON.parse((await runCli(['lint', '--format', 'sarif', '--connect', d.uri], cwd)).stdout);
  assert.equal(sarif.version, '2.1.0');
  const run = sarif.runs[0];
  assert.equal(run.results.length, json.findings.length);
  for (const res of run.results) {
    const loc = res.locations[0].physicalLocation;
    const url = new URL(loc.artifactLocation.uri);
    assert.equal(url.protocol, 'qemu:');
    assert.equal(loc.artifactLocation.uriBaseId, undefined);
    assert.ok(loc.region.startLine >= 1 && loc.region.startColumn >= 1);
    assert.equal(run.tool.driver.rules[res.ruleIndex].id, res.ruleId);
  }
  const mail = run.results.find((x: any) => x.locations[0].physicalLocation.artifactLocation.uri.includes('/mail%20server?'));
  assert.equal(decodeURIComponent(new URL(mail.locations[0].physicalLocation.artifactLocation.uri).pathname), '/session/mail server');
  assert.equal(mail.locations[0].physicalLocation.artifactLocation.description.text, `libvirt domain 'mail server' on ${d.uri}`);
  assert.equal(mail.properties.command, `virt-xml --connect '${d.uri}' 'mail server' --edit target=vda --disk driver.cache=none`);
});

test('a fleet: an unreachable host and one that refuses us are named with what to do; the good host is still reported (exit 2)', { skip: missing }, async () => {
  const refusing = await startLibvirtd('auth_unix_rw = "sasl"\nauth_unix_ro = "sasl"\n');
  try {
    const down = 'qemu+tcp://127.0.0.1:1/system';
    const r = await runCli(['lint', '--connect', down, '--connect', d.uri, '--connect', refusing.uri], cwd);
    assert.equal(r.code, 2);
    const err = r.stderr.split('\n').filter(Boolean);
    assert.equal(err.length, 2, r.stderr);
    assert.match(err[0], new RegExp(`^${down.replace(/[+.]/g, '\\$&')}: cannot connect \\(unable to connect to server at '127\\.0\\.0\\.1:1': Connection refused\\), so its domains were not checked\\. Check the URI`));
    assert.ok(err[1].startsWith(`${refusing.uri}: libvirt refused the connection (authentication failed`), err[1]);
    assert.match(err[1], /run as a user the daemon lets in/);
    assert.ok(r.stdout.includes(`${domainLocation(d.uri, 'web01')}:`), 'the reachable host is reported');
    assert.match(r.stdout, /in 4 domains; 2 connections not checked \(see the errors above\)\.\n$/);
  } finally {
    await refusing.stop();
  }
});

test('a user the daemon does not let in (its socket says Permission denied): told to run as one it does', { skip: missing ?? (process.getuid?.() !== 0 ? 'needs root to run the CLI as another user' : undefined) }, () => {
  // The built CLI as uid 4242, which may not open the daemon's socket (its directory is 0700).
  const r = spawnSync('setpriv', ['--reuid=4242', '--regid=4242', '--clear-groups', process.execPath, CLI_BUNDLE, 'lint', '--connect', d.uri], { encoding: 'utf8', cwd: '/', timeout: 60_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, new RegExp(`^${d.uri.replace(/[?.+]/g, '\\$&')}: libvirt refused the connection \\(Failed to connect socket to '[^']+': Permission denied\\), so its domains were not checked\\. Reading needs only read-only access: run as a user the daemon lets in`));
});

test('virsh not installed: the URI, what is missing and how to install it; exit 2', { skip: missing }, async () => {
  const saved = process.env.PATH;
  process.env.PATH = cwd; // no virsh here
  try {
    const r = await runCli(['lint', '--connect', 'qemu:///system'], cwd);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'qemu:///system: virsh is not installed (not on PATH), and it is how domains are read. Install virsh (Debian/Ubuntu: sudo apt install libvirt-clients; Fedora/RHEL: sudo dnf install libvirt-client), then run this again.\n');
    assert.equal(r.stdout, '');
  } finally {
    process.env.PATH = saved;
  }
});

test('a domain undefined between list and dump is reported alone; the others are read', { skip: missing }, async () => {
  const run = spawnVirsh();
  // Lists a domain that is not there, as if it had been undefined since `list` ran.
  const racing = async (args: readonly string[]) => {
    const r = await run(args);
    return args.includes('--all') ? { ...r, stdout: r.stdout + 'gone01\n' } : r;
  };
  const domains = await readDomains(d.uri, racing);
  const gone = domains.find((x) => x.name === 'gone01');
  assert.equal(gone?.error?.problem, 'domain-gone');
  assert.match(gone!.error!.message, /domain 'gone01' was undefined while the domains were read/);
  assert.ok(domains.find((x) => x.name === 'web01')?.xml?.includes('<name>web01</name>'));
});

test('the printed virt-xml commands, run by the real virt-xml, make the change they claim; a running domain keeps its old mode until powered off', { skip: missing || !hasVirtXml }, async () => {
  const json = JSON.parse((await runCli(['lint', '--format', 'json', '--connect', d.uri], cwd)).stdout);
  const commands = json.findings
    .filter((f: { file: string }) => f.file === domainLocation(d.uri, 'web01') || f.file === domainLocation(d.uri, 'mail server'))
    .map((f: { fixes: { preferred: boolean; command?: string }[] }) => f.fixes.find((x) => x.preferred)?.command)
    .filter(Boolean);
  assert.equal(commands.length, 3, 'web01 vda, web01 vdb, mail server vda');
  for (const c of commands) {
    const r = spawnSync('sh', ['-c', c], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, `${c}\n${r.stderr}`);
  }
  const driverOf = (xml: string, dev: string) => xml.split('<disk ').find((disk) => disk.includes(`<target dev='${dev}'`))?.match(/<driver [^>]*>/)?.[0];
  const web = d.virsh('dumpxml', '--inactive', 'web01');
  assert.match(driverOf(web, 'vda')!, /cache='none'/);
  assert.match(driverOf(web, 'vdb')!, /cache='none'/);
  assert.match(d.virsh('dumpxml', '--inactive', 'mail server'), /<driver name='qemu' type='raw' cache='none'\/>/);
  // The running web01 still runs with unsafe: the live XML says so, the next start will not.
  assert.match(d.virsh('dumpxml', 'web01'), /cache='unsafe'/);
  const after = await runCli(['lint', '--connect', d.uri], cwd);
  assert.ok(!after.stdout.includes(`${domainLocation(d.uri, 'web01')}:`), after.stdout);
  assert.ok(!after.stdout.includes(`${domainLocation(d.uri, 'mail server')}:`), after.stdout);
});
