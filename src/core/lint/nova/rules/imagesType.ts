// nova-images-type-invalid: images_type is a StrOpt with choices (nova/conf/libvirt.py), compared
// case-sensitively by oslo.config: 'RBD' raises ConfigFileValueError when Nova reads the option,
// and nova-compute does not start.
import type { Finding } from '../../../types';
import { replaceValue } from '../novaEdits';
import { finding, novaRule } from '../rule';

/** The choices of [libvirt] images_type (nova/conf/libvirt.py). */
export const IMAGES_TYPES = ['raw', 'flat', 'qcow2', 'lvm', 'rbd', 'ploop', 'default'];

export const imagesTypeInvalid = novaRule({
  id: 'nova-images-type-invalid',
  severity: 'error',
  title: 'images_type that oslo.config refuses (choices are case-sensitive)',
  *check(m): Generator<Finding> {
    for (const e of m.effective('libvirt', 'images_type')) {
      if (!m.literal(e) || IMAGES_TYPES.includes(e.value)) continue;
      const near = IMAGES_TYPES.find((c) => c === e.value.trim().toLowerCase());
      yield finding(
        this,
        `images_type = ${e.value} is not one of ${IMAGES_TYPES.join(', ')} (oslo.config compares them case-sensitively): nova-compute refuses to start with "Valid values are [...], but found '${e.value}'". ${near ? `Write ${near}.` : 'Use one of the valid values.'}`,
        e.rawValueStart,
        e.end,
        near ? [{ title: `Set images_type = ${near}`, edits: [replaceValue(e, near, m.text)], preferred: true }] : [],
        { about: e },
      );
    }
  },
});
