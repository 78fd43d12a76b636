// Odd layouts of the same content, for the linear-time checks (issue: "linear time on any
// shape"): each shape is paired with the same bytes, or the same attributes, in ordinary layout.
// Used by test/unit/linearTime.test.ts (ratios) and bench/lint/scaling.ts (size → time table).

export interface ShapePair {
  name: string;
  fileName: string;
  odd: string;
  ordinary: string;
}

const CACHES = ['none', 'unsafe', 'writethrough', 'writeback'];

/** A domain with `disks` disks, one element per line. */
export function domainWithDisks(disks: number): string {
  let body = '';
  for (let i = 0; i < disks; i++) {
    body +=
      `    <disk type='file' device='disk'>\n      <driver name='qemu' type='qcow2' cache='${CACHES[i % CACHES.length]}'/>\n` +
      `      <source file='/var/lib/libvirt/images/v${i}.qcow2'/>\n      <target dev='vd${i}' bus='virtio'/>\n    </disk>\n`;
  }
  return `<domain type='kvm'>\n  <name>shape</name>\n  <devices>\n${body}  </devices>\n</domain>\n`;
}

const attrList = (count: number) => {
  let s = '';
  for (let i = 0; i < count; i++) s += ` a${i}='v${i}'`;
  return s;
};

const KV_CACHES = ['none', 'writethrough', 'writeback'];

/** A KubeVirt VM with `disks` disks, each written by `disk`, joined by `sep` between `open` and `close`. */
function kubevirtVm(disks: number, disk: (i: number) => string, sep: string, open: string, close: string): string {
  const items = Array.from({ length: disks }, (_, i) => disk(i)).join(sep);
  return `apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata:\n  name: shape\nspec:\n  template:\n    spec:\n      domain:\n        devices:\n          disks: ${open}${items}${close}\n`;
}

/** `size` is a rough scale: disks for the domain shapes, attributes for the attribute shapes. */
export function shapePairs(size: number): ShapePair[] {
  const domain = domainWithDisks(size);
  const head = "<domain type='kvm'><devices><disk type='file'>\n";
  const tail = '</disk></devices></domain>\n';
  const manyAttrs = attrList(size * 4);
  // Every item but the last of each type is overridden: one finding and one fix each.
  const overridden = Array.from({ length: size * 16 }, (_, i) => `file=${CACHES[i % 4]}`);
  const manyElements = Array.from({ length: size * 4 }, (_, i) => `<x a${i}='v${i}'/>`).join('\n');
  return [
    { name: 'domain written on one line', fileName: 'vm.xml', odd: domain.replace(/\n\s*/g, ''), ordinary: domain },
    {
      name: 'thousands of attributes on one <driver>',
      fileName: 'vm.xml',
      odd: `${head}<driver name='qemu'${manyAttrs} cache='unsafe'/>\n${tail}`,
      ordinary: `${head}<driver name='qemu' cache='unsafe'/>\n${manyElements}\n${tail}`,
    },
    {
      name: 'unterminated start tag with thousands of attributes',
      fileName: 'vm.xml',
      odd: `${head}<driver name='qemu' cache='unsafe'${manyAttrs}`,
      ordinary: `${head}<driver name='qemu' cache='unsafe'/>\n${manyElements}\n${tail}`,
    },
    {
      name: 'a cache value as long as the file',
      fileName: 'vm.xml',
      odd: `${head}<driver name='qemu' cache='${'w'.repeat(domain.length)}'/>\n${tail}`,
      ordinary: domain,
    },
    {
      name: 'KubeVirt disks as flow mappings on one line',
      fileName: 'vm.yaml',
      odd: kubevirtVm(size, (i) => `{name: d${i}, cache: ${KV_CACHES[i % 3]}, disk: {bus: virtio}}`, ', ', '[', ']'),
      ordinary: kubevirtVm(size, (i) => `\n          - name: d${i}\n            cache: ${KV_CACHES[i % 3]}\n            disk: {bus: virtio}`, '', '', ''),
    },
    {
      name: 'KubeVirt disks with a Helm tag in every value',
      fileName: 'vm.yaml',
      odd: kubevirtVm(size, (i) => `\n          - name: d{{ .Values.n${i} }}\n            cache: {{ .Values.c${i} | default "${KV_CACHES[i % 3]}" }}\n            disk: {bus: virtio}`, '', '', ''),
      ordinary: kubevirtVm(size, (i) => `\n          - name: d${i}-abcdefghijklmnopqr\n            cache: ${KV_CACHES[i % 3]}-abcdefghijklmnopqrstuvwxyz\n            disk: {bus: virtio}`, '', '', ''),
    },
    {
      name: 'disk_cachemodes items on one line',
      fileName: 'nova.conf',
      odd: `[libvirt]\ndisk_cachemodes = ${Array.from({ length: size * 4 }, (_, i) => `file=${CACHES[i % 4]}`).join(',')}\n`,
      // The same items as continuation lines of one value (oslo.config joins them).
      ordinary: `[libvirt]\ndisk_cachemodes = ${Array.from({ length: size * 4 }, (_, i) => `file=${CACHES[i % 4]}`).join(',\n  ')}\n`,
    },
    {
      name: 'tens of thousands of overridden disk_cachemodes items',
      fileName: 'nova.conf',
      odd: `[libvirt]\ndisk_cachemodes = ${overridden.join(',')}\n`,
      // The same items as options of their own, one a line: nothing overridden, nothing to fix.
      ordinary: `[libvirt]\n${overridden.map((it, i) => `opt${i} = ${it}`).join('\n')}\n`,
    },
    {
      name: '-blockdev with one node path thousands of levels deep',
      fileName: 'start.sh',
      odd: `qemu-system-x86_64 -blockdev driver=file,filename=d.raw,${'file.'.repeat(size * 4)}aio=native,aio=native\n`,
      ordinary: `qemu-system-x86_64 ${Array.from({ length: size }, (_, i) => `-blockdev driver=file,node-name=f${i},filename=d${i}.raw,file.driver=file,aio=native`).join(' \\\n  ')}\n`,
    },
    {
      name: 'virt-install --disk with thousands of items',
      fileName: 'provision.sh',
      odd: `virt-install --disk path=/a.img,${Array.from({ length: size * 4 }, (_, i) => (i % 2 ? `io=threads` : `driver.io=native`)).join(',')},cache=unsafe\n`,
      ordinary: `virt-install ${Array.from({ length: size }, (_, i) => `--disk path=/a${i}.img,bus=virtio,io=threads,cache=unsafe`).join(' \\\n  ')}\n`,
    },
    {
      name: 'a Makefile recipe continued over thousands of lines',
      fileName: 'Makefile',
      odd: `img:\n\tqemu-system-x86_64 \\\n${drives(size * 4, (d) => `\t\t-drive ${d} \\\n`)}\t\t-m 1\n`,
      ordinary: `img:\n${drives(size * 4, (d) => `\tqemu-system-x86_64 -drive ${d}\n`)}`,
    },
    {
      name: 'unclosed make references in one recipe line',
      fileName: 'Makefile',
      odd: `img:\n\tqemu-img convert -t writethrough a b ${'$('.repeat(size * 40)}\n`,
      ordinary: `img:\n\tqemu-img convert -t writethrough a b ${'$(X)'.repeat(size * 20)}\n`,
    },
    {
      name: 'a Dockerfile RUN continued over thousands of lines',
      fileName: 'Dockerfile',
      odd: `FROM debian\nRUN qemu-system-x86_64 \\\n${drives(size * 4, (d) => `    -drive ${d} \\\n`)}    -m 1\n`,
      ordinary: `FROM debian\n${drives(size * 4, (d) => `RUN qemu-system-x86_64 -drive ${d}\n`)}`,
    },
    {
      name: 'Packer qemuargs: thousands of drives on one line',
      fileName: 'vm.pkr.hcl',
      odd: `source "qemu" "vm" {\n  qemuargs = [${drives(size * 4, (d) => `["-drive", "${d}"], `)}]\n}\n`,
      ordinary: `source "qemu" "vm" {\n  qemuargs = [\n${drives(size * 4, (d) => `    ["-drive", "${d}"],\n`)}  ]\n}\n`,
    },
    {
      name: 'Packer HCL: unclosed templates in one string',
      fileName: 'vm.pkr.hcl',
      odd: `source "qemu" "vm" {\n  disk_cache = "${'${'.repeat(size * 40)}"\n}\n`,
      ordinary: `source "qemu" "vm" {\n  disk_cache = "${'${x}'.repeat(size * 20)}"\n}\n`,
    },
  ];
}

/** `count` -drive values, each written by `line`. */
function drives(count: number, line: (drive: string) => string): string {
  let s = '';
  for (let i = 0; i < count; i++) s += line(`file=d${i}.img,cache=${CACHES[i % CACHES.length]}`);
  return s;
}
