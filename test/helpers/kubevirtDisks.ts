// KubeVirt manifests with one disk each, over every combination of the settings the KubeVirt
// reader and rules read: the volume (a file, a block DataVolume, a claim the file does not
// define), the device, cache, io and shareable.
export const KUBEVIRT_VOLUMES = ['emptyDisk: {}', 'dataVolume: {name: blockdv}', 'persistentVolumeClaim: {claimName: elsewhere}'] as const;
export const KUBEVIRT_DEVICES = ['disk: {}', 'cdrom: {}', 'lun: {}'] as const;

export interface KubevirtCase {
  volume: string;
  device: string;
  cache: string;
  io: string;
  shareable: boolean;
  text: string;
}

export function kubevirtManifest(c: Omit<KubevirtCase, 'text'>): string {
  const opts = `${c.cache ? `, cache: ${c.cache}` : ''}${c.io ? `, io: ${c.io}` : ''}${c.shareable ? ', shareable: true' : ''}`;
  return `apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nspec:\n  dataVolumeTemplates:\n  - metadata: {name: blockdv}\n    spec: {pvc: {volumeMode: Block}}\n  template:\n    spec:\n      domain:\n        devices:\n          disks:\n          - {name: d, ${c.device}${opts}}\n      volumes:\n      - {name: d, ${c.volume}}\n`;
}

export function* kubevirtCases(caches: readonly string[] = ['', 'none', 'writeback', 'writethrough', 'unsafe']): Generator<KubevirtCase> {
  for (const volume of KUBEVIRT_VOLUMES)
    for (const device of KUBEVIRT_DEVICES)
      for (const cache of caches)
        for (const io of ['', 'native', 'threads'])
          for (const shareable of [false, true]) {
            const c = { volume, device, cache, io, shareable };
            yield { ...c, text: kubevirtManifest(c) };
          }
}
