// nova-image-inspection-off, nova-vmdk-types: options that let a crafted image make qemu-img read
// host files (OSSA-2024-001, OSSA-2023-002).
import type { Finding } from '../../../types';
import { listItems } from '../novaCacheModes';
import { replaceValue } from '../novaEdits';
import { finding, novaRule, q } from '../rule';

/** oslo.config Boolean (types.Boolean): these, in any case. */
const TRUE_VALUES = ['true', '1', 'on', 'yes'];
const SAFE_VMDK_TYPES = ['streamOptimized', 'monolithicSparse'];

export const imageInspectionOff = novaRule({
  id: 'nova-image-inspection-off',
  severity: 'warning',
  title: 'Deep image inspection disabled',
  *check(m): Generator<Finding> {
    for (const e of m.effective('workarounds', 'disable_deep_image_inspection')) {
      if (!m.literal(e) || !TRUE_VALUES.includes(e.value.toLowerCase())) continue;
      yield finding(
        this,
        `"disable_deep_image_inspection = ${e.value}" turns off Nova's checks of downloaded images for backing files, data files and unsafe features: a crafted image can make qemu-img read host files (OSSA-2024-001). Set it to False.`,
        e.rawValueStart,
        e.end,
        [{ title: 'Set disable_deep_image_inspection = False', edits: [replaceValue(e, 'False', m.text)], preferred: true }],
        { about: e },
      );
    }
  },
});

export const vmdkTypes = novaRule({
  id: 'nova-vmdk-types',
  severity: 'warning',
  title: 'vmdk_allowed_types allows VMDK subformats that can read host files',
  *check(m): Generator<Finding> {
    for (const e of m.effective('compute', 'vmdk_allowed_types')) {
      if (!m.literal(e)) continue;
      const items = listItems(e);
      const safe = items.filter((i) => SAFE_VMDK_TYPES.includes(i.text)).map((i) => i.text);
      const list = (safe.length > 0 ? [...new Set(safe)] : SAFE_VMDK_TYPES).join(',');
      for (const it of items) {
        if (SAFE_VMDK_TYPES.includes(it.text)) continue;
        yield finding(
          this,
          `${q(it.text)} in vmdk_allowed_types lets a VMDK image name other files as its extents, so a crafted image can expose host files (OSSA-2023-002). Allow only streamOptimized and monolithicSparse.`,
          it.start,
          it.end,
          [{ title: `Set vmdk_allowed_types = ${list}`, edits: [replaceValue(e, list, m.text)], preferred: true }],
          { about: e },
        );
      }
    }
  },
});
