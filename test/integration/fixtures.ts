// Fixture texts the suites write into their workspace copy: one finding of every kind.

/**
 * A KVM domain with one disk for each libvirt rule, and one clean disk. Its machine type is one a
 * RHEL 7 host runs, so migration-cache applies to the writeback disk.
 */
export const DOMAIN_XML = `<domain type='kvm'>
  <name>integration</name>
  <os>
    <type arch='x86_64' machine='pc-i440fx-rhel7.6.0'>hvm</type>
  </os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' cache='unsafe'/>
      <source file='/var/lib/libvirt/images/a.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw' cache='writethrough'/>
      <source file='/var/lib/libvirt/images/b.raw'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw' cache='directsync'/>
      <source file='/var/lib/libvirt/images/c.raw'/>
      <target dev='vdc' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw' cache='Nonee'/>
      <source file='/var/lib/libvirt/images/d.raw'/>
      <target dev='vdd' bus='virtio'/>
    </disk>
    <disk type='block' device='disk'>
      <driver name='qemu' type='raw' io='native'/>
      <source dev='/dev/vg0/e'/>
      <target dev='vde' bus='virtio'/>
    </disk>
    <disk type='block' device='disk'>
      <driver name='qemu' type='qcow2' cache='writeback'/>
      <source dev='/dev/vg0/shared'/>
      <target dev='vdf' bus='virtio'/>
      <shareable/>
    </disk>
    <disk type='vhostuser' device='disk'>
      <driver name='qemu' type='raw' cache='none'/>
      <source type='unix' path='/tmp/vhost-blk.sock'/>
      <target dev='vdg' bus='virtio'/>
    </disk>
    <disk type='vhostvdpa' device='disk'>
      <driver name='qemu' type='raw' cache='writeback'/>
      <source dev='/dev/vhost-vdpa-0'/>
      <target dev='vdh' bus='virtio'/>
    </disk>
    <disk type='network' device='disk'>
      <driver name='qemu' type='raw' cache='none'/>
      <source protocol='rbd' name='pool/image'>
        <host name='192.0.2.10' port='6789'/>
      </source>
      <target dev='vdi' bus='virtio'/>
    </disk>
    <disk type='block' device='lun'>
      <driver name='qemu' type='raw' cache='none'/>
      <source dev='/dev/sdz'/>
      <target dev='sda' bus='scsi'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' cache='writeback'/>
      <source file='/var/lib/libvirt/images/k.qcow2'/>
      <target dev='vdk' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' cache='none'/>
      <source file='/var/lib/libvirt/images/clean.qcow2'/>
      <target dev='vdl' bus='virtio'/>
    </disk>
  </devices>
</domain>
`;

/** A nova.conf with most Nova rules, each once. */
export const NOVA_CONF = `[DEFAULT]
force_raw_images = False

[libvirt]
virt_type = kvm
images_type = rbd
disk_cachemodes = file=unsafe,block=writethrough,network=directsync,File=none,block=nonee

[workarounds]
disable_deep_image_inspection = True

[compute]
vmdk_allowed_types = streamOptimized,monolithicSparse,monolithicFlat
`;

/** disk_cachemodes set twice, in list syntax, and outside [libvirt]. */
export const NOVA_CONF_DUPLICATES = `[libvirt]
disk_cachemodes = file=none
disk_cachemodes = ["file=writeback", "block=none"]

[DEFAULT]
disk_cachemodes = file=none
`;

/** Three disk_cachemodes lines outside [libvirt]: moved in, then all but the last removed as duplicates (two passes). */
export const NOVA_CONF_MISPLACED = `[DEFAULT]
disk_cachemodes = file=writeback
debug = true
disk_cachemodes = block=none
disk_cachemodes = network=writeback

[libvirt]
virt_type = kvm
`;
