// nova-rbd-cache, nova-rbd-force-raw: what "[libvirt] images_type = rbd" needs beside it.
// RBD disks are network disks to disk_cachemodes; with none or directsync QEMU turns the librbd
// cache off whatever ceph.conf says. The RBD backend imports raw images only, so
// force_raw_images = False stops nova-compute (InvalidConfiguration, bug 1816686).
import type { Finding, RelatedLocation, TextEdit } from '../../../types';
import { isCacheMode } from '../../cacheModes';
import type { IniEntry } from '../ini';
import type { NovaModel } from '../model';
import { replaceValue } from '../novaEdits';
import { finding, novaRule, q, relatedEntry } from '../rule';

const FALSE_VALUES = ['false', '0', 'off', 'no'];
const SLOWER = 'RBD disks get Nova\'s default (none where O_DIRECT works), which turns the librbd cache off, so writes are slower than Ceph recommends';

/** The literal "images_type = rbd" lines in force. */
const rbdLines = (m: NovaModel) => m.effective('libvirt', 'images_type').filter((e) => m.literal(e) && e.value === 'rbd');
const rbdRelated = (x: IniEntry) => relatedEntry(x, '"images_type = rbd" is set here');

export const rbdCache = novaRule({
  id: 'nova-rbd-cache',
  severity: 'hint',
  title: 'RBD images without network=writeback: the librbd cache stays off',
  *check(m): Generator<Finding> {
    for (const x of rbdLines(m)) yield* rbdCacheOf(m, x, m.effective('libvirt', 'disk_cachemodes').filter((l) => !m.exclusive(l, x)), rbdRelated(x));
  },
});

/** `active`: the disk_cachemodes lines in force that can render together with images_type = rbd. */
function* rbdCacheOf(m: NovaModel, x: IniEntry, active: IniEntry[], rel: RelatedLocation): Generator<Finding> {
  if (active.some((l) => !m.literal(l))) return;
  if (active.length === 0) {
    yield finding(
      rbdCache,
      `"images_type = rbd" without "network=writeback" in disk_cachemodes: ${SLOWER}. Add "disk_cachemodes = network=writeback" to [libvirt].`,
      x.start,
      x.end,
      [{ title: 'Add disk_cachemodes = network=writeback', edits: [{ start: x.end, end: x.end, newText: m.eol + 'disk_cachemodes = network=writeback' }] }],
      { about: x },
    );
    return;
  }
  for (const l of active) {
    const cm = m.cacheModes(l);
    // A value with a syntax slip is rewritten first (nova-cachemodes-syntax, which supersedes this rule): no edit of its own.
    const readable = !cm.comment && !cm.items.some((i) => i.problem);
    const net = cm.items.filter((i) => i.type === 'network' && isCacheMode(i.mode!)).pop();
    if (!net) {
      const last = cm.items[cm.items.length - 1];
      // No item: inside the quotes of `""`, else in place of the empty value, keeping `key = value` spacing.
      const edit: TextEdit = last
        ? { start: last.end, end: last.end, newText: ',network=writeback' }
        : l.quote
          ? { start: l.pieces[0].start, end: l.pieces[0].start, newText: 'network=writeback' }
          : replaceValue(l, 'network=writeback', m.text);
      yield finding(
        rbdCache,
        `With "images_type = rbd", Nova reads no "network=writeback" from this disk_cachemodes: ${SLOWER}. Add "network=writeback": it is as crash-safe as none for guests that flush.`,
        l.keyStart,
        l.end,
        readable ? [{ title: 'Add network=writeback', edits: [edit] }] : [],
        { related: [rel], about: l },
      );
    } else if (net.mode === 'none' || net.mode === 'directsync') {
      yield finding(
        rbdCache,
        `${q(net.text)} turns the librbd cache off for RBD disks (QEMU overrides ceph.conf), so writes are slower than Ceph recommends. Use "network=writeback": it is as crash-safe as none for guests that flush.`,
        net.start,
        net.end,
        [{ title: 'Change to network=writeback', edits: [{ start: net.modeStart, end: net.modeEnd, newText: 'writeback' }] }],
        { related: [rel], about: l },
      );
    }
  }
}

export const rbdForceRaw = novaRule({
  id: 'nova-rbd-force-raw',
  severity: 'error',
  title: 'images_type = rbd with force_raw_images = False',
  *check(m): Generator<Finding> {
    for (const x of rbdLines(m)) {
      for (const f of m.effective('DEFAULT', 'force_raw_images')) {
        if (m.exclusive(f, x) || !m.literal(f) || !FALSE_VALUES.includes(f.value.toLowerCase())) continue;
        yield finding(
          this,
          `"force_raw_images = ${f.value}" with "[libvirt] images_type = rbd": nova-compute refuses to start (InvalidConfiguration, bug 1816686), since the RBD backend imports raw images only. Set it to True.`,
          f.rawValueStart,
          f.end,
          [{ title: 'Set force_raw_images = True', edits: [replaceValue(f, 'True', m.text)], preferred: true }],
          { related: [rbdRelated(x)], about: f },
        );
      }
    }
  },
});
