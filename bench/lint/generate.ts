// Benchmark inputs, generated so the benchmark needs nothing from outside the project:
// a domain XML with 5,000 disks (~1.8 MB), a typical ~50 KB domain, and a 4,000-line nova.conf.
// Both domains validate against libvirt's schema, so virt-xml-validate does its full work.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The n-th virtio disk name after vda: vda…vdz, vdaa…vdzz, vdaaa… */
function devName(n: number): string {
  let s = '';
  let x = n;
  do {
    s = String.fromCharCode(97 + (x % 26)) + s;
    x = Math.floor(x / 26) - 1;
  } while (x >= 0);
  return 'vd' + s;
}

// A mix that real fleets have: mostly none/writeback, some risky modes, read-only ISOs.
const DRIVERS = [
  "<driver name='qemu' type='qcow2' cache='none' io='native' discard='unmap'/>",
  "<driver name='qemu' type='raw' cache='writeback' io='threads'/>",
  "<driver name='qemu' type='qcow2' cache='none' io='io_uring'/>",
  "<driver name='qemu' type='qcow2' cache='writethrough'/>",
  "<driver name='qemu' type='raw' cache='none' io='native'/>",
  "<driver name='qemu' type='qcow2' cache='unsafe'/>",
  "<driver name='qemu' type='qcow2'/>",
  "<driver name='qemu' type='raw' cache='directsync' io='native'/>",
];

function disk(i: number): string {
  if (i % 50 === 49) {
    return `    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <source file='/var/lib/libvirt/isos/tools-${i}.iso'/>
      <target dev='sd${devName(i).slice(2)}' bus='sata'/>
      <readonly/>
    </disk>
`;
  }
  return `    <disk type='file' device='disk'>
      ${DRIVERS[i % DRIVERS.length]}
      <source file='/var/lib/libvirt/images/tenant-${String(i % 97).padStart(3, '0')}/volume-${String(i).padStart(5, '0')}.qcow2'/>
      <target dev='${devName(i)}' bus='virtio'/>
      <serial>vol-${String(i).padStart(8, '0')}-ffffffff</serial>
      <iotune>
        <total_iops_sec>${1000 + (i % 9) * 500}</total_iops_sec>
      </iotune>
    </disk>
`;
}

function domain(name: string, disks: number, extraDevices: string, metadata = ''): string {
  let out = `<domain type='kvm'>
  <name>${name}</name>
  <uuid>6f1e3c2a-0d5b-4f7e-9a41-${String(disks).padStart(12, '0')}</uuid>
${metadata}  <memory unit='KiB'>8388608</memory>
  <currentMemory unit='KiB'>8388608</currentMemory>
  <vcpu placement='static'>4</vcpu>
  <os>
    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>
    <boot dev='hd'/>
  </os>
  <features>
    <acpi/>
    <apic/>
  </features>
  <cpu mode='host-passthrough' check='none'>
    <cache mode='passthrough'/>
  </cpu>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
`;
  for (let i = 0; i < disks; i++) out += disk(i);
  return out + extraDevices + '  </devices>\n</domain>\n';
}

function typicalDevices(): string {
  let out = '';
  for (let i = 0; i < 16; i++) {
    out += `    <controller type='pci' index='${i + 1}' model='pcie-root-port'>
      <model name='pcie-root-port'/>
      <target chassis='${i + 1}' port='0x${(16 + i).toString(16)}'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x${(i % 8).toString(16)}'/>
    </controller>
`;
  }
  for (let i = 0; i < 24; i++) {
    out += `    <interface type='bridge'>
      <mac address='52:54:00:12:${(i >> 4).toString(16).padStart(2, '0')}:${(i & 15).toString(16).padStart(2, '0')}'/>
      <source bridge='br${i}'/>
      <model type='virtio'/>
      <driver name='vhost' queues='4'/>
      <mtu size='9000'/>
    </interface>
`;
  }
  out += `    <serial type='pty'>
      <target type='isa-serial' port='0'/>
    </serial>
    <console type='pty'>
      <target type='serial' port='0'/>
    </console>
    <channel type='unix'>
      <target type='virtio' name='org.qemu.guest_agent.0'/>
    </channel>
    <input type='tablet' bus='usb'/>
    <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>
    <video>
      <model type='virtio' heads='1' primary='yes'/>
    </video>
    <memballoon model='virtio'/>
    <rng model='virtio'>
      <backend model='random'>/dev/urandom</backend>
    </rng>
`;
  return out;
}

function typicalMetadata(): string {
  let out = '  <metadata>\n    <app:instance xmlns:app="http://example.org/cloud/instance/1.0">\n';
  for (let i = 0; i < 200; i++) out += `      <app:property name="property-${i}">value of the orchestration property number ${i}</app:property>\n`;
  return out + '    </app:instance>\n  </metadata>\n';
}

export function bigDomain(): string {
  return domain('bench-5000-disks', 5000, '');
}

export function typicalDomain(): string {
  return domain('bench-typical', 64, typicalDevices(), typicalMetadata());
}

/** A nova.conf in the style of Nova's generated sample: mostly commented help, real settings in between. */
export function novaConf(lines = 4000): string {
  const out: string[] = ['[DEFAULT]', 'debug = False', 'force_raw_images = True', ''];
  const sections = ['DEFAULT', 'api', 'cinder', 'compute', 'conductor', 'glance', 'keystone_authtoken', 'libvirt', 'neutron', 'oslo_messaging_rabbit', 'placement', 'scheduler', 'workarounds'];
  let n = 0;
  while (out.length < lines - 12) {
    const section = sections[n % sections.length];
    if (n % 40 === 0) out.push('', `[${section === 'libvirt' ? 'DEFAULT' : section}]`, '');
    out.push(
      '#',
      `# Help text for option_${n}: what it does, its default, and when an operator`,
      '# would want to change it (string value)',
      `#option_${n} = <None>`,
      n % 7 === 0 ? `option_${n} = value-${n}` : '',
    );
    n++;
  }
  out.push(
    '[libvirt]',
    'virt_type = kvm',
    'images_type = rbd',
    'images_rbd_pool = vms',
    '# file=writethrough is slow; network=writeback lets librbd cache',
    'disk_cachemodes = file=writethrough,network=writeback,block=none',
    'hw_disk_discard = unmap',
    '',
    '[workarounds]',
    'disable_deep_image_inspection = False',
    '',
  );
  return out.join('\n');
}

export interface BenchFile {
  label: string;
  file: string;
  xml: boolean;
}

export function writeBenchFiles(dir: string): BenchFile[] {
  fs.mkdirSync(dir, { recursive: true });
  const files: [string, string, string, boolean][] = [
    ['domain, 5,000 disks', 'domain-5000-disks.xml', bigDomain(), true],
    ['domain, typical', 'domain-typical.xml', typicalDomain(), true],
    ['nova.conf, 4,000 lines', 'nova.conf', novaConf(), false],
  ];
  return files.map(([label, name, text, xml]) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return { label, file, xml };
  });
}
