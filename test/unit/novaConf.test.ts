import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { fixAll, lint, preferredFix } from '../../src/core/lint/engine';
import type { LintRequest } from '../../src/core/lint/engine';
import { applyEdits } from '../../src/core/text';
import type { Finding } from '../../src/core/types';

// Helpers: lint through the public front door, apply fixes as text.
export function lintNova(text: string, req: Partial<LintRequest> = {}): Finding[] {
  return lint(text, { fileName: '/etc/nova/nova.conf', ...req });
}

export function ofRule(text: string, rule: string, req: Partial<LintRequest> = {}): Finding[] {
  return lintNova(text, req).filter((f) => f.rule === rule);
}

/** The one finding of `rule`; fails the test when there is not exactly one. */
export function one(text: string, rule: string, req: Partial<LintRequest> = {}): Finding {
  const fs = ofRule(text, rule, req);
  assert.equal(fs.length, 1, `expected one ${rule}, got ${JSON.stringify(fs.map((f) => f.message))}`);
  return fs[0];
}

/** The text a finding points at. */
export function at(text: string, f: { start: number; end: number }): string {
  return text.slice(f.start, f.end);
}

/** The text after the finding's preferred fix. */
export function preferred(text: string, f: Finding): string {
  const fix = preferredFix(f);
  assert.ok(fix, `no preferred fix for ${f.rule}: ${f.message}`);
  return applyEdits(text, fix.edits);
}

/** The text after the fix whose title starts with `title`. */
export function withFix(text: string, f: Finding, title: string): string {
  const fix = f.fixes.find((x) => x.title.startsWith(title));
  assert.ok(fix, `no fix "${title}" in ${JSON.stringify(f.fixes.map((x) => x.title))}`);
  return applyEdits(text, fix.edits);
}

/** Every finding and related location lies inside the text. */
export function assertInside(text: string, fs: readonly Finding[]): void {
  for (const f of fs) {
    assert.ok(f.start >= 0 && f.start <= f.end && f.end <= text.length, `${f.rule} ${f.start}-${f.end} outside 0-${text.length}`);
    for (const r of f.related ?? []) assert.ok(r.start >= 0 && r.start <= r.end && r.end <= text.length);
    for (const fix of f.fixes) for (const e of fix.edits) assert.ok(e.start >= 0 && e.start <= e.end && e.end <= text.length);
  }
}

// ---- nova-conf-syntax ----

test('nova-conf-syntax: a stripped BOM is flagged at offset 0, with no text edit', () => {
  const text = '[libvirt]\ndisk_cachemodes = network=writeback\n';
  const f = one(text, 'nova-conf-syntax', { hadBom: true });
  assert.equal(f.start, 0);
  assert.equal(f.severity, 'error');
  assert.match(f.message, /byte-order mark.*refuses the whole file.*without BOM/);
  assert.deepEqual(f.fixes, []);
  assert.deepEqual(ofRule(text, 'nova-conf-syntax', { hadBom: false }), []);
});

test('nova-conf-syntax: a BOM still in the text is removed by the fix', () => {
  const text = '\ufeff[libvirt]\nimages_type = qcow2\n';
  const f = one(text, 'nova-conf-syntax');
  assert.equal(preferred(text, f), '[libvirt]\nimages_type = qcow2\n');
});

test('nova-conf-syntax: an indented key after a header; the fix removes the indentation', () => {
  const text = '[libvirt]\n  images_type = rbd\n';
  const f = one(text, 'nova-conf-syntax');
  assert.equal(at(text, f), 'images_type = rbd');
  assert.match(f.message, /indented.*refuses the whole file \("Unexpected continuation line"\)/);
  assert.equal(preferred(text, f), '[libvirt]\nimages_type = rbd\n');
});

test('nova-conf-syntax: a line without = and a comment after a header', () => {
  const text = '[DEFAULT]\ndebug true\n[libvirt] # compute\n';
  const fs = ofRule(text, 'nova-conf-syntax');
  assert.deepEqual(fs.map((f) => at(text, f)), ['debug true', '[libvirt] # compute']);
  assert.equal(withFix(text, fs[0], 'Comment out'), '[DEFAULT]\n# debug true\n[libvirt] # compute\n');
  assert.equal(withFix(text, fs[1], 'Move the comment'), '[DEFAULT]\ndebug true\n# compute\n[libvirt]\n');
  assert.equal(fs.some((f) => f.fixes.some((x) => x.preferred)), false);
});

test('nova-conf-syntax: an option before any section', () => {
  const text = 'debug = true\n[libvirt]\n';
  const f = one(text, 'nova-conf-syntax');
  assert.match(f.message, /before any section header/);
  assert.equal(withFix(text, f, 'Add [DEFAULT]'), '[DEFAULT]\ndebug = true\n[libvirt]\n');
});

test('nova-conf-syntax: not on a valid file with continuations, comments, quotes and CRLF', () => {
  const text = '# nova\r\n[DEFAULT]\r\ndebug = True\r\n; note\r\n[libvirt]\r\ndisk_cachemodes = "network=writeback"\r\nvirt_type: kvm\r\nx = a,\r\n   b\r\n';
  assert.deepEqual(ofRule(text, 'nova-conf-syntax'), []);
});

// ---- nova-cachemodes-section ----

test('nova-cachemodes-section: [DEFAULT] disk_cachemodes moves into the existing [libvirt]', () => {
  const text = '[DEFAULT]\ndisk_cachemodes = file=none\ndebug = true\n\n[libvirt]\nvirt_type = kvm\n\n[vnc]\n';
  const f = one(text, 'nova-cachemodes-section');
  assert.equal(at(text, f), 'disk_cachemodes');
  assert.equal(f.severity, 'error');
  assert.match(f.message, /in \[DEFAULT\] is never read.*Move the line into \[libvirt\]/);
  assert.equal(text.slice(f.related![0].start, f.related![0].end), '[libvirt]');
  assert.equal(preferred(text, f), '[DEFAULT]\ndebug = true\n\n[libvirt]\nvirt_type = kvm\ndisk_cachemodes = file=none\n\n[vnc]\n');
});

test('nova-cachemodes-section: without [libvirt], the fix creates it at the end', () => {
  const text = '[DEFAULT]\ndisk_cachemodes = network=writeback\ndebug = true';
  const f = one(text, 'nova-cachemodes-section');
  assert.equal(preferred(text, f), '[DEFAULT]\ndebug = true\n\n[libvirt]\ndisk_cachemodes = network=writeback\n');
});

test('nova-cachemodes-section: [ libvirt ] is another section; the old name is moved and renamed', () => {
  const text = '[ libvirt ]\nlibvirt_disk_cachemodes = file=none\n[libvirt]\nimages_type = qcow2\n';
  const f = one(text, 'nova-cachemodes-section');
  assert.match(f.message, /^\[ libvirt \] is not \[libvirt\] for oslo.config .* never read/);
  assert.equal(preferred(text, f), '[ libvirt ]\n[libvirt]\nimages_type = qcow2\ndisk_cachemodes = file=none\n');
  assert.equal(withFix(text, f, 'Rename the section'), '[libvirt]\nlibvirt_disk_cachemodes = file=none\n[libvirt]\nimages_type = qcow2\n');
});

test('nova-cachemodes-section: other capitals in [libvirt] are renamed in place', () => {
  const text = '[libvirt]\nDisk_Cachemodes = file=none\n';
  const f = one(text, 'nova-cachemodes-section');
  assert.match(f.message, /case-sensitive/);
  assert.equal(preferred(text, f), '[libvirt]\ndisk_cachemodes = file=none\n');
});

test('nova-cachemodes-section: indented under another option', () => {
  const text = '[libvirt]\nvirt_type = kvm\n  disk_cachemodes = file=unsafe\n';
  const f = one(text, 'nova-cachemodes-section');
  assert.match(f.message, /value of virt_type /);
  assert.equal(text.slice(f.related![0].start, f.related![0].end).split('\n')[0], 'virt_type = kvm');
  assert.equal(preferred(text, f), '[libvirt]\nvirt_type = kvm\ndisk_cachemodes = file=unsafe\n');
});

test('nova-cachemodes-section: indented under disk_cachemodes itself, the indentation goes; the list is not rewritten around it', () => {
  const text = '[libvirt]\ndisk_cachemodes = file=none\n  disk_cachemodes = network=writeback\n';
  // The value is unreadable too, but that syntax finding is superseded: its rewrite would fold the line into the list.
  assert.deepEqual(lintNova(text).map((f) => f.rule), ['nova-cachemodes-section']);
  assert.equal(preferred(text, one(text, 'nova-cachemodes-section')), '[libvirt]\ndisk_cachemodes = file=none\ndisk_cachemodes = network=writeback\n');
  assert.doesNotMatch(fixAll(text, { fileName: '/etc/nova/nova.conf' }).text, /,disk_cachemodes=/);
  // With the section rule off, the syntax finding shows.
  assert.equal(one(text, 'nova-cachemodes-syntax', { severities: { 'nova-cachemodes-section': 'off' } }).rule, 'nova-cachemodes-syntax');
});

test('nova-cachemodes-section: moved above a [libvirt] line already in force, which keeps winning', () => {
  const text = '[DEFAULT]\ndisk_cachemodes = file=unsafe\n[libvirt]\ndisk_cachemodes = network=writeback\n';
  const once = preferred(text, one(text, 'nova-cachemodes-section'));
  assert.equal(once, '[DEFAULT]\n[libvirt]\ndisk_cachemodes = file=unsafe\ndisk_cachemodes = network=writeback\n');
  assert.equal(one(once, 'nova-cachemodes-duplicate').start, once.indexOf('disk_cachemodes = file'));
});

test('nova-cachemodes-section: not for [LIBVIRT], nor for a commented-out line', () => {
  assert.deepEqual(ofRule('[LIBVIRT]\ndisk_cachemodes = file=none\n', 'nova-cachemodes-section'), []);
  assert.deepEqual(lintNova('[DEFAULT]\n#disk_cachemodes = file=unsafe\n'), []);
});

// ---- nova-cachemodes-syntax ----

test('nova-cachemodes-syntax: a bracketed list is rewritten as a=b,c=d', () => {
  const text = '[libvirt]\ndisk_cachemodes = ["file=directsync","block=none"]\n';
  const f = one(text, 'nova-cachemodes-syntax');
  assert.equal(at(text, f), '["file=directsync","block=none"]');
  assert.match(f.message, /every item is invalid.*"file=directsync,block=none"/);
  assert.equal(preferred(text, f), '[libvirt]\ndisk_cachemodes = file=directsync,block=none\n');
});

test('nova-cachemodes-syntax: an inline comment moves to its own line above', () => {
  const text = '[libvirt]\ndisk_cachemodes = file=none   # fast enough\n';
  const f = one(text, 'nova-cachemodes-syntax');
  assert.equal(at(text, f), '# fast enough');
  assert.equal(preferred(text, f), '[libvirt]\n# fast enough\ndisk_cachemodes = file=none\n');
  const semi = '[libvirt]\ndisk_cachemodes = file=none ; x\n';
  assert.equal(preferred(semi, one(semi, 'nova-cachemodes-syntax')), '[libvirt]\n; x\ndisk_cachemodes = file=none\n');
});

test('nova-cachemodes-syntax: quoted items, blanks around =, ":" and missing commas', () => {
  const cases: [string, string][] = [
    ['"file=none" , block=none', 'file=none,block=none'],
    ['file = none, block=writeback', 'file=none,block=writeback'],
    ['file:none', 'file=none'],
    ['file=none block=none', 'file=none,block=none'],
  ];
  for (const [value, fixed] of cases) {
    const text = `[libvirt]\ndisk_cachemodes = ${value}\n`;
    const fs = ofRule(text, 'nova-cachemodes-syntax');
    assert.equal(fs.length, 1, value);
    assert.equal(preferred(text, fs[0]), `[libvirt]\ndisk_cachemodes = ${fixed}\n`, value);
    // An item Nova cannot parse gets no mode or type finding of its own.
    assert.deepEqual(lintNova(text).filter((f) => f.rule !== 'nova-cachemodes-syntax'), [], value);
  }
  const lines = '[libvirt]\ndisk_cachemodes = file=none\n  block=none\n';
  assert.equal(preferred(lines, one(lines, 'nova-cachemodes-syntax')), '[libvirt]\ndisk_cachemodes = file=none,block=none\n');
});

test('nova-cachemodes-syntax: an item without "=" has no automatic rewrite', () => {
  const text = '[libvirt]\ndisk_cachemodes = writeback\n';
  const f = one(text, 'nova-cachemodes-syntax');
  assert.match(f.message, /"writeback" is not "type=mode"/);
  assert.deepEqual(f.fixes, []);
});

test('nova-cachemodes-syntax: not for what oslo.config and Nova read fine', () => {
  for (const value of ['"network=writeback"', "'file=none,block=none'", 'file=none, block=none', 'file=unsafe,,block=none,', 'file=none,\n    block=none', '']) {
    assert.deepEqual(ofRule(`[libvirt]\ndisk_cachemodes = ${value}\n`, 'nova-cachemodes-syntax'), [], value);
  }
  assert.deepEqual(ofRule('[libvirt]\ndisk_cachemodes: file=none\n', 'nova-cachemodes-syntax'), []);
});

// ---- nova-cachemodes-invalid-mode ----

test('nova-cachemodes-invalid-mode: a typo points at the mode, with the likely mode as a fix', () => {
  const text = '[libvirt]\ndisk_cachemodes = file=writebak,block=none\n';
  const f = one(text, 'nova-cachemodes-invalid-mode');
  assert.equal(at(text, f), 'writebak');
  assert.match(f.message, /"writebak" is not a cache mode.*ignores "file=writebak".*likely writeback\)/);
  assert.equal(f.fixes[0].preferred, undefined);
  assert.equal(withFix(text, f, 'Change to writeback'), '[libvirt]\ndisk_cachemodes = file=writeback,block=none\n');
});

test('nova-cachemodes-invalid-mode: case matters; an empty mode is flagged too', () => {
  const text = '[libvirt]\ndisk_cachemodes = file=Writeback\n';
  assert.match(one(text, 'nova-cachemodes-invalid-mode').message, /case-sensitive/);
  const empty = '[libvirt]\ndisk_cachemodes = file=\n';
  assert.equal(at(empty, one(empty, 'nova-cachemodes-invalid-mode')), 'file=');
});

test('nova-cachemodes-invalid-mode: not for the six modes', () => {
  const text = '[libvirt]\ndisk_cachemodes = file=default,block=none,network=writeback,x=writethrough,y=directsync,z=unsafe\n';
  assert.deepEqual(ofRule(text, 'nova-cachemodes-invalid-mode'), []);
});

// ---- nova-cachemodes-unknown-type ----

test('nova-cachemodes-unknown-type: rbd means network', () => {
  const text = '[libvirt]\ndisk_cachemodes = rbd=writeback\n';
  const f = one(text, 'nova-cachemodes-unknown-type');
  assert.equal(at(text, f), 'rbd');
  assert.equal(f.severity, 'warning');
  assert.equal(preferred(text, f), '[libvirt]\ndisk_cachemodes = network=writeback\n');
});

test('nova-cachemodes-unknown-type: other capitals, and a type that exists nowhere', () => {
  const text = '[libvirt]\ndisk_cachemodes = File=none,mount=none\n';
  const fs = ofRule(text, 'nova-cachemodes-unknown-type');
  assert.deepEqual(fs.map((f) => at(text, f)), ['File', 'mount']);
  assert.equal(withFix(text, fs[0], 'Change to file'), '[libvirt]\ndisk_cachemodes = file=none,mount=none\n');
  assert.equal(fs[0].fixes[0].preferred, undefined);
  assert.deepEqual(fs[1].fixes, []);
  assert.match(fs[1].message, /accepted but never applies/);
});

test('nova-cachemodes-unknown-type: not for file, block and network', () => {
  assert.deepEqual(ofRule('[libvirt]\ndisk_cachemodes = file=none,block=none,network=writeback\n', 'nova-cachemodes-unknown-type'), []);
});

// ---- nova-cachemodes-duplicate ----

test('nova-cachemodes-duplicate: the earlier item of a type is flagged and removed', () => {
  const text = '[libvirt]\ndisk_cachemodes = file=none, block=none, file=writeback\n';
  const f = one(text, 'nova-cachemodes-duplicate');
  assert.equal(at(text, f), 'file=none');
  assert.equal(text.slice(f.related![0].start, f.related![0].end), 'file=writeback');
  assert.equal(preferred(text, f), '[libvirt]\ndisk_cachemodes = block=none, file=writeback\n');
});

test('nova-cachemodes-duplicate: a line set again; remove it or merge', () => {
  const text = '[libvirt]\ndisk_cachemodes = file=none,block=none\nvirt_type = kvm\n[LIBVIRT]\ndisk_cachemodes = network=writeback\n';
  const f = one(text, 'nova-cachemodes-duplicate');
  assert.equal(at(text, f), 'disk_cachemodes = file=none,block=none');
  assert.match(f.message, /set again on line 5 .*its cache modes \("file=none,block=none"\) never apply\. Remove this line, or merge its items into line 5\./);
  assert.equal(preferred(text, f), '[libvirt]\nvirt_type = kvm\n[LIBVIRT]\ndisk_cachemodes = network=writeback\n');
  assert.equal(withFix(text, f, 'Merge'), '[libvirt]\nvirt_type = kvm\n[LIBVIRT]\ndisk_cachemodes = file=none,block=none,network=writeback\n');
});

test('nova-cachemodes-duplicate: not for distinct types, nor for an item Nova drops', () => {
  assert.deepEqual(ofRule('[libvirt]\ndisk_cachemodes = file=none,block=none,network=writeback\n', 'nova-cachemodes-duplicate'), []);
  // file=bogus is dropped by Nova, so it overrides nothing.
  assert.deepEqual(ofRule('[libvirt]\ndisk_cachemodes = file=none,file=bogus\n', 'nova-cachemodes-duplicate'), []);
});

// ---- nova-cachemodes-unsafe / writethrough / directsync ----

test('nova-cachemodes-unsafe: remove the item, or use none', () => {
  const text = '[libvirt]\ndisk_cachemodes = file=unsafe,block=none\n';
  const f = one(text, 'nova-cachemodes-unsafe');
  assert.equal(at(text, f), 'file=unsafe');
  assert.match(f.message, /^"file=unsafe" makes file-backed disks .* ignore guest flushes: a host crash or power loss can corrupt them\. Remove the item/);
  assert.equal(preferred(text, f), '[libvirt]\ndisk_cachemodes = block=none\n');
  assert.equal(withFix(text, f, 'Change to file=none'), '[libvirt]\ndisk_cachemodes = file=none,block=none\n');
});

test('nova-cachemodes-unsafe: the only item goes with its line', () => {
  const text = '[libvirt]\nvirt_type = kvm\ndisk_cachemodes = "file=unsafe"\nimages_type = qcow2\n';
  assert.equal(preferred(text, one(text, 'nova-cachemodes-unsafe')), '[libvirt]\nvirt_type = kvm\nimages_type = qcow2\n');
});

test('nova-cachemodes-unsafe: not where Nova does not apply it', () => {
  for (const text of [
    '[DEFAULT]\ndisk_cachemodes = file=unsafe\n', // never read
    '[libvirt]\ndisk_cachemodes = file=unsafe\ndisk_cachemodes = file=none\n', // overridden line
    '[libvirt]\ndisk_cachemodes = file=unsafe,file=none\n', // overridden item
    '[libvirt]\ndisk_cachemodes = rbd=unsafe\n', // never matches a disk
    '[libvirt]\ndisk_cachemodes = file = unsafe\n', // dropped by Nova
  ]) {
    assert.deepEqual(ofRule(text, 'nova-cachemodes-unsafe'), [], text);
  }
});

test('nova-cachemodes-writethrough: remove the item, or use writeback', () => {
  const text = '[libvirt]\ndisk_cachemodes = block=writethrough, network=writeback\n';
  const f = one(text, 'nova-cachemodes-writethrough');
  assert.equal(f.severity, 'warning');
  assert.equal(preferred(text, f), '[libvirt]\ndisk_cachemodes = network=writeback\n');
  assert.equal(withFix(text, f, 'Change to block=writeback'), '[libvirt]\ndisk_cachemodes = block=writeback, network=writeback\n');
  assert.deepEqual(ofRule('[libvirt]\ndisk_cachemodes = block=writeback\n', 'nova-cachemodes-writethrough'), []);
});

test('nova-cachemodes-directsync: information, remove the item', () => {
  const text = '[libvirt]\ndisk_cachemodes = file=none,\n  block=directsync\n';
  const f = one(text, 'nova-cachemodes-directsync');
  assert.equal(f.severity, 'info');
  // Information: the fix is offered, not preferred, so fix-all keeps the mode the user chose.
  assert.equal(preferredFix(f), undefined);
  assert.equal(withFix(text, f, 'Remove the item'), '[libvirt]\ndisk_cachemodes = file=none\n');
  assert.equal(fixAll(text, { fileName: 'nova.conf' }).text, text);
  assert.equal(fixAll(text, { fileName: 'nova.conf', severities: { 'nova-cachemodes-directsync': 'warning' } }).text, '[libvirt]\ndisk_cachemodes = file=none\n');
  assert.deepEqual(ofRule('[libvirt]\ndisk_cachemodes = block=none\n', 'nova-cachemodes-directsync'), []);
});

// ---- nova-rbd-cache ----

test('nova-rbd-cache: images_type = rbd without disk_cachemodes gets a new line', () => {
  const text = '[libvirt]\nimages_type = rbd\nimages_rbd_pool = vms\n';
  const f = one(text, 'nova-rbd-cache');
  assert.equal(f.severity, 'hint');
  assert.equal(at(text, f), 'images_type = rbd');
  assert.equal(preferredFix(f), undefined, 'a hint: offered, never applied by fix-all');
  assert.equal(withFix(text, f, 'Add disk_cachemodes'), '[libvirt]\nimages_type = rbd\ndisk_cachemodes = network=writeback\nimages_rbd_pool = vms\n');
});

test('nova-rbd-cache: network=writeback is added to the value in force', () => {
  const text = '[libvirt]\ndisk_cachemodes = "file=none,"\nimages_type = rbd\n';
  const f = one(text, 'nova-rbd-cache');
  assert.equal(text.slice(f.related![0].start, f.related![0].end), 'images_type = rbd');
  assert.equal(withFix(text, f, 'Add network=writeback'), '[libvirt]\ndisk_cachemodes = "file=none,network=writeback,"\nimages_type = rbd\n');
  const empty = '[libvirt]\nimages_type = rbd\ndisk_cachemodes =\n';
  assert.equal(withFix(empty, one(empty, 'nova-rbd-cache'), 'Add network=writeback'), '[libvirt]\nimages_type = rbd\ndisk_cachemodes = network=writeback\n');
});

test('nova-rbd-cache: network=none becomes network=writeback', () => {
  const text = '[libvirt]\nimages_type = rbd\ndisk_cachemodes = file=none,network=none\n';
  const f = one(text, 'nova-rbd-cache');
  assert.equal(at(text, f), 'network=none');
  assert.equal(withFix(text, f, 'Change to network=writeback'), '[libvirt]\nimages_type = rbd\ndisk_cachemodes = file=none,network=writeback\n');
  // network=none is a valid choice: no fix-all changes it, whatever the rule's severity.
  assert.equal(fixAll(text, { fileName: 'nova.conf', severities: { 'nova-rbd-cache': 'error' } }).text, text);
});

test('nova-rbd-cache: not with network=writeback, nor without RBD', () => {
  assert.deepEqual(ofRule('[libvirt]\nimages_type = rbd\ndisk_cachemodes="network=writeback"\n', 'nova-rbd-cache'), []);
  assert.deepEqual(ofRule('[libvirt]\nimages_type = qcow2\n', 'nova-rbd-cache'), []);
  // images_type set in [DEFAULT] is not read by Nova.
  assert.deepEqual(ofRule('[DEFAULT]\nimages_type = rbd\n', 'nova-rbd-cache'), []);
});

// ---- nova-rbd-force-raw ----

test('nova-rbd-force-raw: force_raw_images = False with RBD images', () => {
  const text = '[DEFAULT]\nforce_raw_images = false\n[libvirt]\nimages_type = rbd\ndisk_cachemodes = network=writeback\n';
  const f = one(text, 'nova-rbd-force-raw');
  assert.equal(at(text, f), 'false');
  assert.match(f.message, /refuses to start/);
  assert.equal(text.slice(f.related![0].start, f.related![0].end), 'images_type = rbd');
  assert.equal(preferred(text, f), text.replace('= false', '= True'));
});

test('nova-rbd-force-raw: not without RBD, not when True, not outside [DEFAULT]', () => {
  assert.deepEqual(ofRule('[DEFAULT]\nforce_raw_images = False\n[libvirt]\nimages_type = qcow2\n', 'nova-rbd-force-raw'), []);
  assert.deepEqual(ofRule('[DEFAULT]\nforce_raw_images = True\n[libvirt]\nimages_type = rbd\n', 'nova-rbd-force-raw'), []);
  // Only "[DEFAULT]" as written is DEFAULT for oslo.config.
  assert.deepEqual(ofRule('[default]\nforce_raw_images = False\n[libvirt]\nimages_type = rbd\n', 'nova-rbd-force-raw'), []);
});

// ---- nova-image-inspection-off ----

test('nova-image-inspection-off: True in [workarounds]', () => {
  const text = '[workarounds]\ndisable_deep_image_inspection = yes\n';
  const f = one(text, 'nova-image-inspection-off');
  assert.equal(at(text, f), 'yes');
  assert.equal(preferred(text, f), '[workarounds]\ndisable_deep_image_inspection = False\n');
  assert.deepEqual(ofRule('[workarounds]\ndisable_deep_image_inspection = False\n', 'nova-image-inspection-off'), []);
  assert.deepEqual(ofRule('[DEFAULT]\ndisable_deep_image_inspection = True\n', 'nova-image-inspection-off'), []);
  // Group names are case-insensitive, boolean words too (checked with oslo.config 9.0).
  assert.equal(ofRule('[Workarounds]\ndisable_deep_image_inspection = YES\n', 'nova-image-inspection-off').length, 1);
  assert.equal(ofRule('[COMPUTE]\nvmdk_allowed_types = vmfs\n', 'nova-vmdk-types').length, 1);
});

// ---- nova-vmdk-types ----

test('nova-vmdk-types: a subformat that names extents', () => {
  const text = '[compute]\nvmdk_allowed_types = streamOptimized, monolithicFlat\n';
  const f = one(text, 'nova-vmdk-types');
  assert.equal(at(text, f), 'monolithicFlat');
  assert.equal(preferred(text, f), '[compute]\nvmdk_allowed_types = streamOptimized\n');
  const only = '[compute]\nvmdk_allowed_types = vmfs\n';
  assert.equal(preferred(only, one(only, 'nova-vmdk-types')), '[compute]\nvmdk_allowed_types = streamOptimized,monolithicSparse\n');
});

test('nova-vmdk-types: not for the safe list, nor for an empty one', () => {
  assert.deepEqual(ofRule('[compute]\nvmdk_allowed_types = streamOptimized,monolithicSparse\n', 'nova-vmdk-types'), []);
  assert.deepEqual(ofRule('[compute]\nvmdk_allowed_types =\n', 'nova-vmdk-types'), []);
});

// ---- all together ----

test('fixAll turns a broken nova.conf into one with no fixable finding left', () => {
  const text = [
    '[DEFAULT]',
    'force_raw_images = False',
    'disk_cachemodes = file=unsafe',
    '[libvirt]',
    'images_type = rbd',
    'disk_cachemodes = ["file=writethrough", "rbd=writeback"]',
    '',
  ].join('\n');
  const out = fixAll(text, { fileName: 'nova.conf' }).text;
  assert.equal(out, ['[DEFAULT]', 'force_raw_images = True', '[libvirt]', 'images_type = rbd', 'disk_cachemodes = network=writeback', ''].join('\n'));
  assert.deepEqual(lintNova(out), []);
});

test('fixes keep CRLF line ends', () => {
  const text = '[DEFAULT]\r\ndisk_cachemodes = file=none # x\r\n[libvirt]\r\nimages_type = rbd\r\n';
  assert.equal(fixAll(text, { fileName: 'nova.conf' }).text, '[DEFAULT]\r\n[libvirt]\r\nimages_type = rbd\r\n# x\r\ndisk_cachemodes = file=none\r\n');
});

test('an item after a comma inside an inline comment is still an item to Nova', () => {
  // oslo.config hands Nova "file=none # fast, block=unsafe": the items are "file=none # fast" (dropped) and "block=unsafe" (applied).
  const text = '[libvirt]\ndisk_cachemodes = file=none # fast, block=unsafe\n';
  assert.deepEqual(lintNova(text).map((f) => f.rule), ['nova-cachemodes-syntax', 'nova-cachemodes-unsafe']);
  assert.equal(preferred(text, one(text, 'nova-cachemodes-syntax')), '[libvirt]\n# fast, block=unsafe\ndisk_cachemodes = file=none\n');
});

test('suppression comments in INI silence a finding for the next line or a region', () => {
  const text = '[libvirt]\n# qdt-disable-next-line nova-cachemodes-unsafe -- throwaway CI host\ndisk_cachemodes = file=unsafe\n';
  assert.deepEqual(lintNova(text), []);
  const region = '[libvirt]\n; qdt-disable nova-rbd-cache\nimages_type = rbd\n; qdt-enable nova-rbd-cache\n[workarounds]\ndisable_deep_image_inspection = True\n';
  assert.deepEqual(lintNova(region).map((f) => f.rule), ['nova-image-inspection-off']);
});

test('severity settings apply to Nova rules', () => {
  const text = '[libvirt]\ndisk_cachemodes = file=unsafe\n';
  assert.equal(lintNova(text, { severities: { 'nova-cachemodes-unsafe': 'error' } })[0].severity, 'error');
  assert.deepEqual(lintNova(text, { severities: { 'nova-cachemodes-unsafe': 'off' } }), []);
});

// ---- templates ----

test('templates: expression values and directive lines are skipped; literal values are linted', () => {
  const text = [
    '[libvirt]',
    '{% if nova_backend == "rbd" %}',
    'images_type = rbd',
    'disk_cachemodes = {{ nova_disk_cachemodes }}',
    '{% endif %}',
    '{{ extra_options }}',
    '[DEFAULT]',
    'force_raw_images = {{ force_raw }}',
    '',
  ].join('\n');
  assert.deepEqual(lintNova(text, { fileName: 'templates/nova.conf.j2' }), []);
  const literal = '[libvirt]\n{% if x %}\ndisk_cachemodes = file=unsafe\n{% endif %}\n';
  assert.deepEqual(lintNova(literal, { fileName: 'nova.conf.j2' }).map((f) => f.rule), ['nova-cachemodes-unsafe']);
  // Content decides, not the name: the same text named nova.conf (kolla-ansible's override
  // files are Jinja named .conf) is read as a template, not refused for its {% … %} lines.
  assert.deepEqual(ofRule(literal, 'nova-conf-syntax').length, 0);
  assert.deepEqual(lintNova(literal, { fileName: '/etc/kolla/config/nova.conf' }).map((f) => f.rule), ['nova-cachemodes-unsafe']);
});

test('templates: a templated value in the wrong section is still in the wrong section', () => {
  const text = '[DEFAULT]\n{% if disk_cachemodes -%}\ndisk_cachemodes = {{ disk_cachemodes }}\n{% endif -%}\n[libvirt]\nvirt_type = kvm\n';
  const f = one(text, 'nova-cachemodes-section', { fileName: 'nova.conf.j2' });
  // The move takes the line out of its {% if %}: offered, never applied by fix-all.
  assert.equal(preferredFix(f), undefined);
  assert.equal(withFix(text, f, 'Move the line into [libvirt]'), '[DEFAULT]\n{% if disk_cachemodes -%}\n{% endif -%}\n[libvirt]\nvirt_type = kvm\ndisk_cachemodes = {{ disk_cachemodes }}\n');
  assert.equal(fixAll(text, { fileName: 'nova.conf.j2' }).text, text);
  // Inside the same branch as a [libvirt] section, the move is preferred.
  const same = '{% if ceph %}\n[DEFAULT]\ndisk_cachemodes = network=writeback\n[libvirt]\nimages_type = rbd\n{% endif %}\n';
  assert.equal(fixAll(same, { fileName: 'nova.conf.j2' }).text, '{% if ceph %}\n[DEFAULT]\n[libvirt]\nimages_type = rbd\ndisk_cachemodes = network=writeback\n{% endif %}\n');
});

test('templates: no fix moves a line into or out of a template branch, or deletes one that a conditional line overrides', () => {
  const req = { fileName: 'nova.conf.j2' };
  // Into a branch: the line would apply only when ceph is set.
  const into = '{% if ceph %}\n[libvirt]\nimages_type = rbd\n{% endif %}\n[DEFAULT]\ndisk_cachemodes = file=none\n';
  assert.equal(preferredFix(one(into, 'nova-cachemodes-section', req)), undefined);
  assert.equal(fixAll(into, req).text, into);
  // An unconditional line overridden only where the branch renders: in force elsewhere, so no fix deletes or merges it.
  const dup = '[libvirt]\ndisk_cachemodes = file=writeback\n{% if ceph %}\ndisk_cachemodes = network=writeback\n{% endif %}\n';
  const d = one(dup, 'nova-cachemodes-duplicate', req);
  assert.deepEqual(d.fixes, []);
  assert.match(d.message, /ignored wherever line 4 renders \(it is inside a template condition\).*; elsewhere this line is in force\./);
  assert.equal(fixAll(dup, req).text, dup);
  // A conditional line overridden by a later unconditional one is never in force: removed as before.
  const inner = '[libvirt]\n{% if ceph %}\ndisk_cachemodes = network=writeback\n{% endif %}\ndisk_cachemodes = file=none\n';
  assert.equal(fixAll(inner, req).text, '[libvirt]\n{% if ceph %}\n{% endif %}\ndisk_cachemodes = file=none\n');
});

test('templates: nova-conf-syntax does not apply', () => {
  const text = '{{ banner }}\n[DEFAULT]\n\n    {{ indented }}\nkey_only\n';
  assert.deepEqual(lintNova(text, { fileName: 'nova.conf.tmpl' }), []);
  assert.deepEqual(lintNova(text, { fileName: 'nova.conf.j2', hadBom: true }), []);
});

test('templates: lines in different branches of one if/else are not duplicates', () => {
  const text = [
    '[libvirt]',
    '{% if ceph %}',
    'images_type = rbd',
    'disk_cachemodes = network=writeback',
    '{% elif lvm %}',
    'disk_cachemodes = block=none',
    '{% else %}',
    'disk_cachemodes = file=none',
    '{% endif %}',
    'disk_cachemodes_extra = 1',
    '',
  ].join('\n');
  assert.deepEqual(lintNova(text, { fileName: 'nova.conf.j2' }), []);
  // Outside the if, a later line overrides all three.
  const after = text.replace('disk_cachemodes_extra = 1', 'disk_cachemodes = file=none');
  assert.equal(ofRule(after, 'nova-cachemodes-duplicate', { fileName: 'nova.conf.j2' }).length, 3);
});

test('templates: ERB and Go/Helm directives', () => {
  const erb = '[libvirt]\n<% if node["rbd"] -%>\nimages_type=rbd\ndisk_cachemodes=<%= node["cachemodes"] %>\n<% end -%>\n';
  assert.deepEqual(lintNova(erb, { fileName: 'nova.conf.erb' }), []);
  const helm = [
    '[DEFAULT]',
    '{{ if not .Values.conf.nova.conf.force_raw_images }}#{{ end }}force_raw_images = {{ .Values.conf.nova.conf.force_raw_images | default "true" }}',
    '{{- if .Values.rbd }}',
    '[libvirt]',
    '{{ if not .Values.conf.nova.conf.disk_cachemodes }}#{{ end }}disk_cachemodes = {{ .Values.conf.nova.conf.disk_cachemodes | default "" }}',
    '{{- end }}',
    '',
  ].join('\n');
  assert.deepEqual(lintNova(helm, { fileName: 'nova.conf.sample.helmtpl' }), []);
});

test('templates: after an include or a templated header the section is unknown', () => {
  const include = "[DEFAULT]\n{% include 'nova.conf.d/libvirt.conf.j2' %}\ndisk_cachemodes = file=none\n";
  assert.deepEqual(lintNova(include, { fileName: 'nova.conf.j2' }), []);
  const header = '[neutron_physnets_{{ key }}]\ndisk_cachemodes = file=none\n';
  assert.deepEqual(lintNova(header, { fileName: 'nova.conf.j2' }), []);
  // A literal header after the include is known again.
  const known = include + '[DEFAULT]\ndisk_cachemodes = block=none\n';
  assert.equal(ofRule(known, 'nova-cachemodes-section', { fileName: 'nova.conf.j2' }).length, 1);
});

// ---- bad input ----

test('bad input: an INI file with no section at all', () => {
  const text = 'disk_cachemodes = file=unsafe\nimages_type = rbd\n';
  const fs = lintNova(text);
  assert.deepEqual(fs.map((f) => f.rule).sort(), ['nova-cachemodes-section', 'nova-conf-syntax']);
  const section = fs.find((f) => f.rule === 'nova-cachemodes-section')!;
  assert.match(section.message, /before any section header/);
  assert.equal(preferred(text, section), 'images_type = rbd\n\n[libvirt]\ndisk_cachemodes = file=unsafe\n');
});

test('bad input: binary garbage lints without throwing, ranges inside, syntax findings capped', () => {
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  let text = '';
  for (let i = 0; i < 200_000; i++) text += String.fromCharCode(rnd() < 0.05 ? 10 : Math.floor(rnd() * 0xd7ff));
  const fs = lintNova(text, { kind: 'nova-conf' });
  assertInside(text, fs);
  assert.ok(fs.filter((f) => f.rule === 'nova-conf-syntax').length <= 100 + 1); // and one that stands for the rest
  for (const s of ['\u0000\u0000\u0000', '[', ']', '=', ':', '"', '\r', '\r\n\r\n  x', '[libvirt]\ndisk_cachemodes="', '[libvirt]\ndisk_cachemodes = ,,,\n', '[libvirt]\ndisk_cachemodes = =\n']) {
    assertInside(s, lintNova(s, { kind: 'nova-conf' }));
  }
});

test('bad input: a 50 MB file and a 5 MB line finish, with findings listed up to a cap per rule', () => {
  const block = '[libvirt]\ndisk_cachemodes = file=none,block=writethrough # c\n  network=rbd\n';
  const big = block.repeat(Math.ceil((50 * 1024 * 1024) / block.length));
  const fs = lintNova(big);
  assert.ok(fs.length > 0 && fs.length <= 13 * 1000);
  assertInside(big, fs.slice(0, 50));
  const line = '[libvirt]\ndisk_cachemodes = ' + 'file=unsafe,'.repeat(400_000) + 'file=bogus\n';
  const lf = lintNova(line);
  // 1,000 listed one by one; the other 398,999 overridden items are one finding whose fix removes them all.
  const dups = lf.filter((f) => f.rule === 'nova-cachemodes-duplicate');
  assert.equal(dups.length, 1001);
  assert.match(dups[1000].message, /also stands for 398,998 more like it, up to line 2/);
  assert.equal(lf.filter((f) => f.rule === 'nova-cachemodes-unsafe').length, 1);
});

test('property: random mixes of real mistakes lint without throwing, and fixAll leaves no preferred fix', () => {
  const fragments = [
    '[libvirt]', '[DEFAULT]', '[ libvirt ]', '[workarounds]', '[compute]', '', '# c', '  x', 'junk', '= v', '[x] ; c',
    'disk_cachemodes = file=unsafe,block=writethrough', 'disk_cachemodes = ["file=none","block=none"]', 'disk_cachemodes=file = none # c',
    'Disk_Cachemodes = file=none', 'libvirt_disk_cachemodes=network=none', '  disk_cachemodes = rbd=writeback', 'images_type = rbd',
    'force_raw_images = no', 'disable_deep_image_inspection = on', 'vmdk_allowed_types = vmfs, streamOptimized', 'virt_type = kvm',
    '{% if a %}', '{% else %}', '{% endif %}', 'disk_cachemodes = {{ x }}', 'file=none,', 'disk_cachemodes = network=directsync,network=none,,',
    'disk_cachemodes: File=Writeback',
  ];
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let n = 0; n < 400; n++) {
    const lines = Array.from({ length: 1 + Math.floor(rnd() * 10) }, () => fragments[Math.floor(rnd() * fragments.length)]);
    const text = lines.join(rnd() < 0.3 ? '\r\n' : '\n') + '\n';
    const fileName = rnd() < 0.3 ? 'nova.conf.j2' : 'nova.conf';
    const found = lintNova(text, { fileName });
    assertInside(text, found);
    for (const f of found) for (const fix of f.fixes) applyEdits(text, fix.edits);
    const fixed = fixAll(text, { fileName }).text;
    assert.deepEqual(lintNova(fixed, { fileName }).filter((f) => preferredFix(f)), [], JSON.stringify(text));
  }
});
