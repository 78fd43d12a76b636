// A second, independent campaign on the Nova config rules: files shaped like what kolla-ansible,
// openstack-ansible, puppet-nova and the Nova charm write, and what operators paste into them.
// Expected values were checked against Debian's oslo.config 9.0 by hand; the tests do not need it.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { detectKind, fixAll, lint, preferredFix } from '../../src/core/lint/engine';
import { applyEdits } from '../../src/core/text';
import type { Finding } from '../../src/core/types';

// Own helpers: importing novaConf.test.ts would register (and run) its tests a second time.
const NOVA = '/etc/nova/nova.conf';
const lintNova = (text: string): Finding[] => lint(text, { fileName: NOVA });
const ofRule = (text: string, rule: string): Finding[] => lintNova(text).filter((f) => f.rule === rule);
const at = (text: string, f: { start: number; end: number }): string => text.slice(f.start, f.end);

function one(text: string, rule: string): Finding {
  const fs = ofRule(text, rule);
  assert.equal(fs.length, 1, `expected one ${rule}, got ${JSON.stringify(fs.map((f) => f.message))}`);
  return fs[0];
}

function preferred(text: string, f: Finding): string {
  const fix = preferredFix(f);
  assert.ok(fix, `no preferred fix for ${f.rule}: ${f.message}`);
  return applyEdits(text, fix.edits);
}

function assertInside(text: string, fs: readonly Finding[]): void {
  for (const f of fs) {
    assert.ok(f.start >= 0 && f.start <= f.end && f.end <= text.length, `${f.rule} ${f.start}-${f.end}`);
    for (const fix of f.fixes) for (const e of fix.edits) assert.ok(e.start >= 0 && e.start <= e.end && e.end <= text.length);
  }
}

/** key = value lines (first line of each option) of an INI text, in order. */
function optionLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/).filter((l) => /^[A-Za-z_][\w.-]*[ \t]*[=:]/.test(l));
}

/** Every element of `sub` appears in `all`, in the same order. */
function inOrder(sub: readonly string[], all: readonly string[]): boolean {
  let i = 0;
  for (const x of all) if (i < sub.length && x === sub[i]) i++;
  return i === sub.length;
}

// ---- detection ----

test('detect: kolla nova.conf.d snippet and a puppet-managed nova-compute.conf are Nova files', () => {
  const kolla = '[libvirt]\nimages_type = rbd\ndisk_cachemodes="network=writeback"\n';
  assert.equal(detectKind('/etc/kolla/nova-compute/nova.conf.d/libvirt.conf', kolla), 'nova-conf');
  assert.equal(detectKind('/etc/nova/nova-compute.conf', '[DEFAULT]\n'), 'nova-conf');
  // A snippet named for its content, outside any nova folder, is found by its [libvirt] options.
  assert.equal(detectKind('/srv/deploy/99-libvirt-cache.conf', '[LIBVIRT]\r\ndisk_cachemodes = file=none\r\n'), 'nova-conf');
});

test('detect: a cinder or ceph config is not claimed because another section holds rbd_* options', () => {
  // A combined all-in-one cinder.conf with an empty [libvirt] header left by a template, and
  // rbd_user / rbd_pool in its [ceph] backend section: nothing in [libvirt] is a Nova option.
  const cinder = '[DEFAULT]\nenabled_backends = ceph\n[libvirt]\n\n[ceph]\nvolume_driver = cinder.volume.drivers.rbd.RBDDriver\nrbd_pool = volumes\nrbd_user = cinder\n';
  assert.equal(detectKind('/etc/cinder/cinder.conf', cinder), undefined);
  assert.deepEqual(lint(cinder, { fileName: '/etc/cinder/cinder.conf' }), []);
  // ceph.conf uses [client.libvirt], which is not [libvirt].
  const ceph = '[global]\nfsid = 1\n[client.libvirt]\nrbd cache = true\nrbd_cache_writethrough_until_flush = true\n';
  assert.equal(detectKind('/etc/ceph/ceph.conf', ceph), undefined);
  // kolla-ansible's external Ceph guide copies ceph.conf into /etc/kolla/config/nova/; cephadm's
  // generate-minimal-conf writes its keys tab-indented, which oslo.config would refuse, librados not.
  const minimal = '# minimal ceph.conf for 1d89fec3\n[global]\n\tfsid = 1d89fec3-325a-4963-a950-c4afedd37fe3\n\tmon_host = [v2:10.0.0.1:3300/0,v1:10.0.0.1:6789/0]\n';
  assert.equal(detectKind('/etc/kolla/config/nova/ceph.conf', minimal), undefined);
  assert.deepEqual(lint(minimal, { fileName: '/etc/kolla/config/nova/ceph.conf' }), []);
  assert.equal(detectKind('/etc/kolla/config/nova/nova-compute.conf', '[DEFAULT]\n'), 'nova-conf');
  // The Nova option must sit in a [libvirt] section; the second [libvirt] here has one.
  const two = '[libvirt]\n# managed elsewhere\n[ceph]\nrbd_user = cinder\n[libvirt]\nimages_type = rbd\n';
  assert.equal(detectKind('/etc/x/compute.conf', two), 'nova-conf');
});

// ---- operator-written values, read as oslo.config and Nova read them ----

test('kolla/OSA style: quoted whole value, blanks after commas, trailing commas, tabs and CRLF are all fine', () => {
  const texts = [
    '[libvirt]\nimages_type = rbd\ndisk_cachemodes="network=writeback"\n',
    "[libvirt]\nimages_type = rbd\ndisk_cachemodes = 'network=writeback,'\n",
    '[libvirt]\r\nimages_type = rbd\r\ndisk_cachemodes\t=\tfile=none,\tnetwork=writeback,,\r\n',
    '[libvirt]\nimages_type = rbd\ndisk_cachemodes = file=none, block=none,\n    network=writeback\n',
  ];
  for (const t of texts) assert.deepEqual(lintNova(t), [], JSON.stringify(t));
});

test('puppet array pasted literally, single quotes: one finding on the value, rewritten as a list', () => {
  const text = "[libvirt]\ndisk_cachemodes = ['file=directsync', 'block=none']\n";
  const f = one(text, 'nova-cachemodes-syntax');
  assert.equal(at(text, f), "['file=directsync', 'block=none']");
  assert.match(f.message, /not a bracketed one.*Write it as "file=directsync,block=none"\.$/);
  assert.equal(preferred(text, f), '[libvirt]\ndisk_cachemodes = file=directsync,block=none\n');
  // Nothing else is reported on the broken value: Nova ignores every item, so no mode risk yet.
  assert.deepEqual(lintNova(text).map((x) => x.rule), ['nova-cachemodes-syntax']);
});

test('network = writeback with blanks, in a quoted value: pointed at inside the quotes', () => {
  const text = '[libvirt]\ndisk_cachemodes = "network = writeback"\nimages_type = rbd\n';
  const f = one(text, 'nova-cachemodes-syntax');
  // "[libvirt]\n" 10 + 'disk_cachemodes = "' 19 = 29; the item is 19 characters long.
  assert.deepEqual([f.start, f.end], [29, 48]);
  assert.equal(preferred(text, f), '[libvirt]\ndisk_cachemodes = network=writeback\nimages_type = rbd\n');
  // The RBD hint waits for the syntax to be fixed instead of adding a second network item.
  assert.deepEqual(ofRule(text, 'nova-rbd-cache'), []);
});

test('positions: hand-computed offsets of items on the key line and on a CRLF tab-indented continuation', () => {
  const text = '[libvirt]\r\ndisk_cachemodes = file=writeback,\r\n\tblock=unsafe, network=Writeback\r\n';
  // "[libvirt]\r\n" 11, "disk_cachemodes = " 18 -> 29; "file=writeback," 15 + "\r\n" 2 + "\t" 1 -> 47.
  const unsafe = one(text, 'nova-cachemodes-unsafe');
  assert.deepEqual([unsafe.start, unsafe.end], [47, 59]);
  // "block=unsafe, " 14 -> 61; "network=" 8 -> the mode at 69..78.
  const mode = one(text, 'nova-cachemodes-invalid-mode');
  assert.deepEqual([mode.start, mode.end], [69, 78]);
  assert.equal(at(text, mode), 'Writeback');
});

test('positions: a surrogate pair before the value counts as two UTF-16 units', () => {
  const text = '# 💾 cache settings\n[libvirt]\ndisk_cachemodes = block=unsafe\n';
  const f = one(text, 'nova-cachemodes-unsafe');
  // "# " 2 + 2 (emoji) + " cache settings\n" 16 = 20; "[libvirt]\n" 10 -> 30; + 18 -> 48.
  assert.deepEqual([f.start, f.end], [48, 60]);
});

test('several [libvirt] sections: only the last disk_cachemodes counts, and RBD sees it', () => {
  const text = [
    '[libvirt]',
    'virt_type = kvm',
    'disk_cachemodes = file=unsafe',
    '',
    '[DEFAULT]',
    'debug = false',
    '',
    '[libvirt]',
    'images_type = rbd',
    'disk_cachemodes = network=writeback',
    '',
  ].join('\n');
  const fs = lintNova(text);
  assert.deepEqual(fs.map((f) => f.rule), ['nova-cachemodes-duplicate']);
  assert.match(fs[0].message, /set again on line 10 and Nova reads only the last line.*"file=unsafe"/);
  // The earlier line's unsafe mode is never applied, so it gets no unsafe finding of its own.
  assert.deepEqual(ofRule(text, 'nova-cachemodes-unsafe'), []);
});

test('an inline comment after the last item, kolla override style: the comment moves above', () => {
  const text = '[libvirt]\nimages_type = rbd\ndisk_cachemodes = network=writeback  # ceph recommends writeback\n';
  const f = one(text, 'nova-cachemodes-syntax');
  assert.equal(at(text, f), '# ceph recommends writeback');
  assert.equal(preferred(text, f), '[libvirt]\nimages_type = rbd\n# ceph recommends writeback\ndisk_cachemodes = network=writeback\n');
});

test('a quoted bare mode has no rewrite: stripping the quotes would change nothing Nova reads', () => {
  const text = '[libvirt]\ndisk_cachemodes = "writeback"\n';
  const f = one(text, 'nova-cachemodes-syntax');
  assert.equal(at(text, f), 'writeback');
  assert.deepEqual(f.fixes, []);
  // An item that does need rewriting still gets the rewrite, quotes and all.
  const blanks = '[libvirt]\ndisk_cachemodes = "file = none"\n';
  assert.equal(preferred(blanks, one(blanks, 'nova-cachemodes-syntax')), '[libvirt]\ndisk_cachemodes = file=none\n');
});

test('nova-rbd-cache: an empty value gets network=writeback with the line\'s own spacing', () => {
  for (const [line, want] of [
    ['disk_cachemodes =', 'disk_cachemodes = network=writeback'],
    ['disk_cachemodes=', 'disk_cachemodes=network=writeback'],
    ['disk_cachemodes = ,', 'disk_cachemodes = network=writeback'],
    ['disk_cachemodes = ""', 'disk_cachemodes = "network=writeback"'],
  ]) {
    const text = `[libvirt]\nimages_type = rbd\n${line}\n`;
    const f = one(text, 'nova-rbd-cache');
    const add = f.fixes.find((x) => x.title === 'Add network=writeback');
    assert.ok(add && !add.preferred, `${line}: offered, not preferred (a hint)`);
    assert.equal(applyEdits(text, add.edits), `[libvirt]\nimages_type = rbd\n${want}\n`, line);
  }
});

// ---- nova-conf-syntax: a block pasted with indentation ----

test('nova-conf-syntax: an indented block pasted under [libvirt] is dedented whole, not only its first line', () => {
  // Removing only the first line's indentation would leave rbd_user and virt_type as continuation
  // lines of images_type: oslo.config would accept the file and give images_type a broken value.
  const text = '[libvirt]\n  images_type = rbd\n  images_rbd_pool = vms\n  rbd_user = nova\n      # deeper: stays part of rbd_user\n  virt_type = kvm\n\n[DEFAULT]\ndebug = true\n';
  const f = one(text, 'nova-conf-syntax');
  assert.equal(at(text, f), 'images_type = rbd');
  assert.equal(
    preferred(text, f),
    '[libvirt]\nimages_type = rbd\nimages_rbd_pool = vms\nrbd_user = nova\n    # deeper: stays part of rbd_user\nvirt_type = kvm\n\n[DEFAULT]\ndebug = true\n',
  );
  // After the fix, the RBD options are seen (they were swallowed before).
  const fixed = fixAll(text, { fileName: NOVA }).text;
  assert.match(fixed, /^images_type = rbd$/m);
  assert.match(fixed, /^virt_type = kvm$/m);
  // What is left is the RBD hint, which fix-all does not apply.
  assert.deepEqual(lintNova(fixed).map((x) => `${x.rule} ${x.severity}`), ['nova-rbd-cache hint']);
});

test('nova-conf-syntax: the dedent stops at a blank line and at a line indented differently', () => {
  const text = '[libvirt]\n\tvirt_type = kvm\n\tcpu_mode = host-model\n  hw_disk_discard = unmap\n';
  const f = one(text, 'nova-conf-syntax');
  // The tab-indented pair is one block; the space-indented line is not part of it.
  assert.equal(preferred(text, f), '[libvirt]\nvirt_type = kvm\ncpu_mode = host-model\n  hw_disk_discard = unmap\n');
});

// ---- suppression ----

test('suppress: # qdt-disable-next-line above an option also covers its continuation lines', () => {
  // No comment can stand right above a continuation line: it would end the value and make the
  // indented line a syntax error, so the comment above the option is the only place for it.
  const text = '[libvirt]\n# qdt-disable-next-line nova-cachemodes-unsafe -- scratch CI hypervisor\ndisk_cachemodes = file=writeback,\n  block=unsafe,\n  network=writeback\n';
  assert.deepEqual(ofRule(text, 'nova-cachemodes-unsafe'), []);
  // Without the comment the item on the continuation line is reported.
  const bare = text.replace(/^# qdt.*\n/m, '');
  assert.equal(at(bare, one(bare, 'nova-cachemodes-unsafe')), 'block=unsafe');
  // It names one rule: another rule on a continuation line is still reported.
  const other = text.replace('network=writeback', 'network=writethrough');
  assert.equal(at(other, one(other, 'nova-cachemodes-writethrough')), 'network=writethrough');
});

test('suppress: the next-line comment does not reach past the option into the next one', () => {
  const text = '[libvirt]\n# qdt-disable-next-line\ndisk_cachemodes = file=unsafe\n[libvirt]\n  images_type = rbd\n';
  // The indented line after the next header is a syntax error, not part of the suppressed option.
  assert.equal(one(text, 'nova-conf-syntax').rule, 'nova-conf-syntax');
});

test('suppress: ; qdt-disable / ; qdt-enable regions with several rules and a reason', () => {
  const text = [
    '[libvirt]',
    '; qdt-disable nova-cachemodes-unsafe, nova-cachemodes-directsync -- ephemeral CI cloud',
    'disk_cachemodes = file=unsafe,block=directsync,network=writethrough',
    '; qdt-enable nova-cachemodes-unsafe',
    '[workarounds]',
    'disable_deep_image_inspection = True',
    '',
  ].join('\r\n');
  assert.deepEqual(lintNova(text).map((f) => f.rule), ['nova-cachemodes-writethrough', 'nova-image-inspection-off']);
});

// ---- fixAll on a whole, realistic file ----

const REALISTIC = [
  '# nova.conf for compute nodes, rendered by puppet',
  '[DEFAULT]',
  'transport_url = rabbit://nova:secret@ctl1:5672,nova:secret@ctl2:5672/',
  'my_ip = 10.0.0.21',
  'force_raw_images = false',
  'disk_cachemodes = file=writeback',
  'instances_path = /var/lib/nova/instances',
  '',
  '[database]',
  'connection = mysql+pymysql://nova:p%40ss@db/nova?charset=utf8',
  '',
  '[libvirt]',
  'virt_type = kvm',
  'images_type = rbd',
  'images_rbd_pool = vms',
  'images_rbd_ceph_conf = /etc/ceph/ceph.conf',
  'rbd_user = nova',
  'rbd_secret_uuid = 457eb676-33da-42ec-9a8c-9293d545c337',
  'disk_cachemodes = ["network=writeback", "file=unsafe"]   # from the puppet docs',
  'hw_disk_discard = unmap',
  '',
  '[workarounds]',
  'disable_deep_image_inspection = true',
  '',
  '[compute]',
  'vmdk_allowed_types = streamOptimized,monolithicFlat',
  'cpu_shared_set = 2-7',
  '',
].join('\n');

function fixedTwice(text: string): { once: string; twice: string; findings: Finding[] } {
  const once = fixAll(text, { fileName: NOVA }).text;
  const twice = fixAll(once, { fileName: NOVA }).text;
  return { once, twice, findings: lintNova(once) };
}

test('fixAll on a realistic file: fixed point, fewer errors, and every untouched option kept byte for byte', () => {
  const before = lintNova(REALISTIC);
  assertInside(REALISTIC, before);
  const { once, twice, findings } = fixedTwice(REALISTIC);
  assert.equal(twice, once, 'a second fixAll changes nothing');
  assert.ok(findings.every((f) => !f.fixes.some((x) => x.preferred)), 'no preferred fix left');
  assert.ok(findings.filter((f) => f.severity === 'error').length < before.filter((f) => f.severity === 'error').length);
  // Options that no finding was about survive unchanged, in order.
  const lineOf = (off: number) => REALISTIC.slice(REALISTIC.lastIndexOf('\n', off - 1) + 1).split('\n')[0];
  const subjects = new Set(before.map((f) => lineOf(f.start)));
  const untouched = optionLines(REALISTIC).filter((l) => !subjects.has(l));
  assert.ok(untouched.length >= 12);
  assert.ok(inOrder(untouched, optionLines(once)), `lost or reordered:\n${once}`);
  // What the fixes did, as an operator would check it.
  assert.match(once, /^force_raw_images = True$/m);
  assert.match(once, /^disable_deep_image_inspection = False$/m);
  assert.match(once, /^vmdk_allowed_types = streamOptimized$/m);
  assert.match(once, /^# from the puppet docs$/m);
  const libvirt = once.slice(once.indexOf('[libvirt]'), once.indexOf('[workarounds]'));
  assert.equal((libvirt.match(/^disk_cachemodes/gm) ?? []).length, 1, libvirt);
  assert.match(libvirt, /^disk_cachemodes = network=writeback$/m);
  assert.doesNotMatch(once.slice(0, once.indexOf('[database]')), /disk_cachemodes/);
});

test('fixAll keeps CRLF and a file without a final line break intact around its edits', () => {
  const text = '[DEFAULT]\r\ndisk_cachemodes = network=writeback\r\n[libvirt]\r\nimages_type = rbd';
  const { once, twice } = fixedTwice(text);
  assert.equal(twice, once);
  assert.doesNotMatch(once.replace(/\r\n/g, ''), /[\r\n]/, 'only CRLF line ends');
  assert.equal(once, '[DEFAULT]\r\n[libvirt]\r\nimages_type = rbd\r\ndisk_cachemodes = network=writeback');
});

// ---- messages ----

test('messages read well: no undefined, no double blanks, no Markdown, no empty quote, a full stop, one line', () => {
  const values = ['file=unsafe', 'block=writethrough', 'network=directsync', 'file=Writeback', 'rbd=writeback', 'File=none', 'mount=none', '=none', 'file=', 'file = none', 'file:none', '"file=none" , block=none', 'writeback', 'file=none block=none', 'file=none # c', 'network=none', 'file=none,file=unsafe', '["file=none","block=none"]', 'netwrk=none'];
  let count = 0;
  for (const v of values) {
    for (const text of [
      `[libvirt]\nimages_type = rbd\ndisk_cachemodes = ${v}\n[DEFAULT]\nforce_raw_images = Off\n`,
      `[DEFAULT]\ndisk_cachemodes = ${v}\n`,
      `[libvirt]\nvirt_type = kvm\n  libvirt_disk_cachemodes = ${v}\n`,
      `[libvirt]\ndisk_cachemodes = ${v}\n[libvirt]\ndisk_cachemodes = ${v}\n`,
      `[ libvirt ]\nDisk_Cachemodes = ${v}\n[workarounds]\ndisable_deep_image_inspection = 1\n[compute]\nvmdk_allowed_types = vmfs\n`,
      `  [libvirt]\ndisk_cachemodes = ${v}\nnot an option\n= x\n[]\n[a] b\n`,
    ]) {
      for (const f of lintNova(text)) {
        count++;
        const m = f.message;
        const where = `${f.rule} on ${JSON.stringify(text)}: ${m}`;
        assert.doesNotMatch(m, /undefined|null|NaN|\[object /, where);
        assert.doesNotMatch(m, / {2}|\n/, where);
        assert.doesNotMatch(m, /`/, where); // plain text: no Markdown
        assert.doesNotMatch(m, /(^|[\s(])(""|'')([\s.,:)]|$)/, where); // an empty quote says nothing
        assert.match(m, /[.)]$/, where);
        assert.ok(m.length <= 420, where);
        for (const fix of f.fixes) assert.doesNotMatch(fix.title, /undefined|`/, where);
      }
    }
  }
  assert.ok(count > 100);
});

test('messages name the value as written, in double quotes, and say what to do', () => {
  const text = '[libvirt]\ndisk_cachemodes = file=wirteback,rbd=writeback\n';
  const mode = one(text, 'nova-cachemodes-invalid-mode');
  assert.equal(mode.message, '"wirteback" is not a cache mode, so Nova logs "Invalid cachemode" and ignores "file=wirteback". Use one of default, none, writethrough, writeback, directsync, unsafe (likely writeback).');
  const type = one(text, 'nova-cachemodes-unknown-type');
  assert.match(type.message, /^"rbd" is not a disk type Nova matches .* so "rbd=writeback" is accepted but never applies to any disk\. RBD disks are network disks: use network\.$/);
});

test('messages: an empty earlier line and an empty bracketed list are described, never as ""', () => {
  const dup = '[libvirt]\ndisk_cachemodes =\n[libvirt]\ndisk_cachemodes = network=writeback\n';
  const f = one(dup, 'nova-cachemodes-duplicate');
  assert.equal(f.message, 'disk_cachemodes is set again on line 4 and Nova reads only the last line, so this empty setting is ignored. Remove this line.');
  assert.equal(preferred(dup, f), '[libvirt]\n[libvirt]\ndisk_cachemodes = network=writeback\n');
  // Ansible renders an empty list variable as `[]`; Nova reads it as one item, `[]`.
  const empty = '[libvirt]\ndisk_cachemodes = []\n';
  const s = one(empty, 'nova-cachemodes-syntax');
  assert.match(s.message, /Write it as an empty value \(Nova's defaults\)\.$/);
  assert.doesNotMatch(s.message, /""/);
});

test('docs: the nova-rbd-cache suppression example silences the explicit network=none it is about', () => {
  const text = '[libvirt]\nimages_type = rbd\n# qdt-disable-next-line nova-rbd-cache -- multi-attach GFS2 volumes, cache must stay off\ndisk_cachemodes = network=none\n';
  assert.deepEqual(lintNova(text), []);
  // Above images_type it would not reach the finding on the disk_cachemodes line.
  const above = '[libvirt]\n# qdt-disable-next-line nova-rbd-cache\nimages_type = rbd\ndisk_cachemodes = network=none\n';
  assert.equal(at(above, one(above, 'nova-rbd-cache')), 'network=none');
});

test('nova-cachemodes-section: an indented disk_cachemodes moves with its own deeper continuation lines', () => {
  const text = '[DEFAULT]\nmy_ip = 10.0.0.21\n  disk_cachemodes = file=none,\n      block=writeback\n[libvirt]\nvirt_type = kvm\n';
  const f = one(text, 'nova-cachemodes-section');
  assert.match(f.message, /more of the value of my_ip above.*Move the line into \[libvirt\], without indentation\.$/);
  // Moving only the first line would leave block=writeback as part of my_ip's value.
  assert.equal(preferred(text, f), '[DEFAULT]\nmy_ip = 10.0.0.21\n[libvirt]\nvirt_type = kvm\ndisk_cachemodes = file=none,\n      block=writeback\n');
  // Inside [libvirt] only the indentation goes; the deeper line stays a continuation of it.
  const inLibvirt = '[libvirt]\nvirt_type = kvm\n  disk_cachemodes = file=none,\n      block=writeback\n';
  const g = one(inLibvirt, 'nova-cachemodes-section');
  assert.match(g.message, /Remove the indentation\.$/);
  const fixed = preferred(inLibvirt, g);
  assert.equal(fixed, '[libvirt]\nvirt_type = kvm\ndisk_cachemodes = file=none,\n      block=writeback\n');
  assert.deepEqual(lintNova(fixed), []);
});

test('nova-cachemodes-syntax: a section header indented by one blank is part of the value, not a bracketed list', () => {
  // oslo.config 9.0: disk_cachemodes = ["network=writeback\n[workarounds]"], and the next option lands in [libvirt].
  const text = '[libvirt]\nimages_type = rbd\ndisk_cachemodes = network=writeback\n [workarounds]\ndisable_deep_image_inspection = True\n';
  const f = one(text, 'nova-cachemodes-syntax');
  assert.equal(at(text, f), '[workarounds]');
  assert.doesNotMatch(f.message, /bracketed/);
  assert.match(f.message, /indented.*not as a section header.*stay in \[libvirt\]\. Remove the indentation\.$/);
  // The fix restores the header; a rewrite of the list would have folded it into the value.
  assert.equal(preferred(text, f), '[libvirt]\nimages_type = rbd\ndisk_cachemodes = network=writeback\n[workarounds]\ndisable_deep_image_inspection = True\n');
  const fixed = fixAll(text, { fileName: NOVA }).text;
  assert.match(fixed, /^\[workarounds\]$/m);
  assert.match(fixed, /^disable_deep_image_inspection = False$/m);
  // A real bracketed list spread over lines is still one.
  const list = '[libvirt]\ndisk_cachemodes = ["file=none",\n  "block=none"]\n';
  assert.match(one(list, 'nova-cachemodes-syntax').message, /not a bracketed one/);
});

test('messages: oslo.config\'s own words are quoted so that its inner quotes stay readable', () => {
  const f = one('[DEFAULT]\ndebug true\n', 'nova-conf-syntax');
  assert.match(f.message, /refuses the whole file \("No ':' or '=' found in assignment"\), so nova-compute does not start\./);
});

test('nova-conf-syntax: a comment between an option and its continuation lines moves above the option', () => {
  const text = '[libvirt]\ndisk_cachemodes = file=none,\n# ceph wants writeback for RBD\n  network=writeback,\n  block=none\nvirt_type = kvm\n';
  const f = one(text, 'nova-conf-syntax');
  assert.equal(at(text, f), 'network=writeback,');
  assert.match(f.message, /^This indented line continues disk_cachemodes, but the comment above it ends that value: oslo\.config refuses the whole file .* Move the comment above disk_cachemodes\.$/);
  // Dedenting instead would make `network` an option of its own: the item would be lost silently.
  const fixed = preferred(text, f);
  assert.equal(fixed, '[libvirt]\n# ceph wants writeback for RBD\ndisk_cachemodes = file=none,\n  network=writeback,\n  block=none\nvirt_type = kvm\n');
  assert.deepEqual(lintNova(fixed), []);
  assert.ok(f.fixes.some((x) => x.title === 'Remove the indentation' && !x.preferred));
  // After a blank line or a section header there is no value to continue: dedent as before.
  const blank = '[libvirt]\ndisk_cachemodes = file=none,\n\n  network=writeback\n';
  assert.match(one(blank, 'nova-conf-syntax').message, /no option line comes right before it/);
});
