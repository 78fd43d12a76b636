// nova-cachemodes-unsafe, nova-cachemodes-writethrough, nova-cachemodes-directsync: the modes that
// trade safety or speed away, on the item Nova applies for a disk type (the last valid one).
import type { Finding, Fix } from '../../../types';
import type { NovaModel, ReadItem, ReadLine } from '../model';
import { DISKS_OF_TYPE, type DISK_TYPES } from '../novaCacheModes';
import { deleteLines, removeItem } from '../novaEdits';
import { NOVA_DEFAULT, finding, novaRule, q, type NovaRule } from '../rule';

/** The items in force (valid mode, known type, not overridden) that set `mode`. */
function* inForce(m: NovaModel, mode: string): Generator<[ReadLine, ReadItem]> {
  for (const line of m.readLines) for (const r of line.items) if (r.validMode && r.knownType && !r.overriddenBy && r.item.mode === mode) yield [line, r];
}

const disksOf = (r: ReadItem) => DISKS_OF_TYPE[r.item.type as (typeof DISK_TYPES)[number]];

function removeItemFix(m: NovaModel, line: ReadLine, r: ReadItem): Fix {
  const edit = removeItem(line.value.items, r.item.index) ?? deleteLines(m.text, line.entry.start, line.entry.end);
  return { title: 'Remove the item', edits: [edit], preferred: true };
}

const setMode = (r: ReadItem, mode: string): Fix => ({ title: `Change to ${r.item.type}=${mode}`, edits: [{ start: r.item.modeStart, end: r.item.modeEnd, newText: mode }] });

/** A mode rule: `say` words the finding, `alternative` is the mode offered besides removing the item. */
function modeRule<Id extends 'nova-cachemodes-unsafe' | 'nova-cachemodes-writethrough' | 'nova-cachemodes-directsync'>(
  rule: Omit<NovaRule<Id>, 'check'>,
  mode: string,
  say: (item: string, disks: string) => string,
  alternative?: string,
): NovaRule<Id> {
  return novaRule({
    ...rule,
    *check(m): Generator<Finding> {
      for (const [line, r] of inForce(m, mode)) {
        const fixes = [removeItemFix(m, line, r), ...(alternative ? [setMode(r, alternative)] : [])];
        yield finding(rule, say(q(r.item.text), disksOf(r)), r.item.start, r.item.end, fixes, { about: line.entry });
      }
    },
  });
}

export const cachemodesUnsafe = modeRule(
  { id: 'nova-cachemodes-unsafe', severity: 'warning', title: 'disk_cachemodes sets unsafe: guest flushes are ignored' },
  'unsafe',
  (item, disks) => `${item} makes ${disks} ignore guest flushes: a host crash or power loss can corrupt them. Remove the item (${NOVA_DEFAULT}), or use none.`,
  'none',
);

export const cachemodesWritethrough = modeRule(
  { id: 'nova-cachemodes-writethrough', severity: 'warning', title: 'disk_cachemodes sets writethrough: slow, and no safer than none' },
  'writethrough',
  (item, disks) => `${item} makes every write to ${disks} synchronous (one flush per write): much slower, and no safer than none for guests that flush. Remove the item (${NOVA_DEFAULT}), or use writeback.`,
  'writeback',
);

export const cachemodesDirectsync = modeRule(
  { id: 'nova-cachemodes-directsync', severity: 'info', title: 'disk_cachemodes sets directsync: every write is synchronous' },
  'directsync',
  (item, disks) => `${item} makes every write to ${disks} synchronous and bypasses the host cache: the slowest mode, needed only for guests that never flush. Remove the item (${NOVA_DEFAULT}).`,
);
