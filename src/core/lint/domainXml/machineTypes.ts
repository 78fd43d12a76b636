// What a domain's machine type says about the hosts that can run it. QEMU adds one versioned
// machine type per release (hw/i386/pc_piix.c, pc_q35.c, hw/arm/virt.c, hw/ppc/spapr.c,
// hw/s390x/s390-virtio-ccw.c) and keeps the old ones so that guests can migrate between hosts of
// different versions: a guest whose machine type is `pc-i440fx-2.11` may run on a QEMU 2.11 host,
// one with `pc-q35-6.2` only on QEMU 6.2 or later. libvirt stores the versioned name: it replaces
// an alias such as `pc` or `q35` by the host's current machine type when the domain is defined
// (qemuDomainDefPostParse, qemuCanonicalizeMachine).

export interface Version {
  major: number;
  minor: number;
}

// Upstream versioned names: pc-X.Y (before 1.x i440fx naming), pc-i440fx-X.Y, pc-q35-X.Y,
// virt-X.Y (Arm), pseries-X.Y (POWER), s390-ccw-virtio-X.Y.
const UPSTREAM = /^(?:pc|pc-i440fx|pc-q35|virt|pseries|s390-ccw-virtio)-(\d+)\.(\d+)$/;
// Red Hat's builds name the RHEL release instead: pc-i440fx-rhel7.6.0, pc-q35-rhel8.2.0, ...
const RHEL = /^(?:pc-i440fx|pc-q35|virt|pseries|s390-ccw-virtio)-rhel(\d+)\.(\d+)\.\d+$/;

/**
 * The oldest RHEL release whose virt stack has libvirt >= 5.7 with QEMU >= 4.0: RHEL 8.2 moved
 * its virt module to libvirt 6.0 and qemu-kvm 4.2; RHEL 7 and 8.0-8.1 ship libvirt 4.5.
 */
const RHEL_WITH_DROP_CACHE: Version = { major: 8, minor: 2 };
/** QEMU_CAPS_MIGRATION_FILE_DROP_CACHE: file-posix drop-cache, first in QEMU 4.0.0. */
const QEMU_WITH_DROP_CACHE: Version = { major: 4, minor: 0 };

const before = (v: Version, w: Version) => v.major < w.major || (v.major === w.major && v.minor < w.minor);

/**
 * Whether a guest of this machine type can run on a host too old to migrate it with a host page
 * cache (QEMU < 4.0 or, on RHEL, libvirt < 5.7): true for versioned machine types older than
 * that; false for newer ones, aliases (`pc`, `q35`, `virt`: the version comes from the host that
 * defines the domain) and names we do not know.
 */
export function mayRunOnHostWithoutDropCache(machine: string): boolean {
  const up = UPSTREAM.exec(machine);
  if (up) return before({ major: Number(up[1]), minor: Number(up[2]) }, QEMU_WITH_DROP_CACHE);
  const rhel = RHEL.exec(machine);
  if (rhel) return before({ major: Number(rhel[1]), minor: Number(rhel[2]) }, RHEL_WITH_DROP_CACHE);
  return false;
}
