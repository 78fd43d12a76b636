// The KubeVirt dialect: VirtualMachine, VirtualMachineInstance, VirtualMachinePool and
// VirtualMachineInstanceReplicaSet manifests (also inside an OpenShift Template's objects or a
// List's items), any number per file. Each item of a VMI spec's domain.devices.disks becomes a
// disk of the model, with its volume read from the spec's volumes to know whether it is a block
// device, a file on a filesystem, or unknown. Paths follow KubeVirt's API types
// (staging/src/kubevirt.io/api: core/v1 VirtualMachineSpec.Template, DataVolumeTemplates;
// VirtualMachineInstanceReplicaSetSpec.Template; pool VirtualMachinePoolSpec.VirtualMachineTemplate).
// The YAML is read with the `yaml` package, which keeps each node's source range and reads on
// past errors, so a Helm file that is not valid YAML is still read where it can be.
import { isMap, isScalar, isSeq, parseAllDocuments, type Node, type Pair, type YAMLMap } from 'yaml';
import type { Finding } from '../../types';
import { lintDisks } from '../disk';
import type { DefaultCache, Disk, DiskSyntax, Range, Setting } from '../disk/model';
import { diskEdits, scalarInner } from './edits';
import { maskTemplates, overlaps, type Span } from './templates';
import { odirectRequired } from './odirect';
import { shareableNeedsNone } from './shareable';

/** validateCacheMode and validateIOMode (pkg/storage/admitters/disks.go): nothing else is admitted. */
export const KUBEVIRT_CACHE_MODES = ['none', 'writethrough', 'writeback'] as const;
export const KUBEVIRT_IO_MODES = ['native', 'threads'] as const;

export const KUBEVIRT_SYNTAX: DiskSyntax = {
  show: (name, value) => `${name}: ${value}`,
  // virt-launcher turns the VMI into domain XML (converter.go) and libvirt judges it there.
  program: 'libvirt in virt-launcher',
  refuses: 'refuses the domain, so the VMI fails to start',
  shareableMark: 'shareable: true',
  refusal: { 'io-native-needs-direct': ` with "io='native' needs either no disk cache or directsync cache mode"` },
  cacheModes: KUBEVIRT_CACHE_MODES,
  ioModes: KUBEVIRT_IO_MODES,
  valueReader: { program: 'KubeVirt', refuses: 'is rejected by its admission webhook when applied (kubectl apply fails)' },
};

/** What the file says about a disk's volume: a block device, a file on some filesystem, or nothing. */
export type Backing = 'block' | 'file' | undefined;

export interface KubevirtDisk {
  disk: Disk;
  /** The volume source the disk reads (containerDisk, persistentVolumeClaim, …), when the file names it. */
  volume?: string;
  backing: Backing;
  /** The disk's mapping, from its first key to its last value (hover looks for it). */
  range: Range;
}

/** Volume sources that KubeVirt always serves as a file (the converter's convert_v1_*_To_api_Disk give type "file"). */
const FILE_SOURCES = new Set([
  'containerDisk', 'emptyDisk', 'ephemeral', 'hostDisk', 'cloudInitNoCloud', 'cloudInitConfigDrive', 'sysprep',
  'configMap', 'secret', 'serviceAccount', 'downwardAPI', 'downwardMetrics', 'containerPath',
]);
const CLAIM_SOURCES = ['persistentVolumeClaim', 'dataVolume', 'memoryDump'];
const VM_KINDS = new Set(['VirtualMachine', 'VirtualMachineInstance', 'VirtualMachineInstanceReplicaSet', 'VirtualMachinePool']);

type Get = (node: unknown, ...path: string[]) => Node | undefined;

/** A child of a mapping by key, through a path of keys; undefined where the path is not a mapping. */
const get: Get = (node, ...path) => {
  let cur: unknown = node;
  for (const key of path) {
    if (!isMap(cur)) return undefined;
    cur = pairOf(cur, key)?.value ?? undefined;
  }
  return (cur ?? undefined) as Node | undefined;
};

/** The last pair of a key (YAML forbids duplicates; the file may still hold them). */
function pairOf(map: YAMLMap, key: string): Pair | undefined {
  let found: Pair | undefined;
  for (const p of map.items as Pair[]) if (isScalar(p.key) && String(p.key.value) === key) found = p;
  return found;
}

function seqItems(node: Node | undefined): unknown[] {
  return isSeq(node) ? node.items : [];
}

/** The reading of one file: its text, where its templates were, and what it knows of volumes. */
interface Ctx {
  text: string;
  eol: string;
  /** Template tags and the places the YAML parser stumbled: a value touching one is not judged. */
  spans: Span[];
  /** Claim or DataVolume name → its volumeMode as written ('' = not given, Filesystem for a PVC). */
  modes: Map<string, string>;
  out: KubevirtDisk[];
}

/** The string of a scalar as written in the original text (a template stays its template text). */
function str(ctx: Ctx, node: unknown): string | undefined {
  if (!isScalar(node) || !node.range || node.value === null) return undefined;
  if (node.type === 'PLAIN' || overlaps(ctx.spans, node.range[0], node.range[1])) return ctx.text.slice(node.range[0], node.range[1]);
  return String(node.value);
}

/** The objects of a document: itself, or those of an OpenShift Template or a List. */
function objects(node: unknown, depth = 0): YAMLMap[] {
  if (!isMap(node) || depth > 4) return [];
  const kind = String((get(node, 'kind') as { value?: unknown } | undefined)?.value ?? '');
  if (kind === 'Template' || kind === 'List') {
    return seqItems(get(node, kind === 'Template' ? 'objects' : 'items')).flatMap((o) => objects(o, depth + 1));
  }
  return [node];
}

const kindOf = (ctx: Ctx, o: YAMLMap) => str(ctx, get(o, 'kind')) ?? '';

function volumeModeOf(ctx: Ctx, dvSpec: Node | undefined): string {
  return str(ctx, get(dvSpec, 'pvc', 'volumeMode')) ?? str(ctx, get(dvSpec, 'storage', 'volumeMode')) ?? (get(dvSpec, 'pvc') ? '' : '?');
}

/** PVCs and DataVolumes the file defines, with their volumeMode ('?' = CDI's storage profile decides). */
function collectModes(ctx: Ctx, o: YAMLMap): void {
  const kind = kindOf(ctx, o);
  const name = str(ctx, get(o, 'metadata', 'name'));
  if (kind === 'PersistentVolumeClaim' && name) ctx.modes.set(name, str(ctx, get(o, 'spec', 'volumeMode')) ?? '');
  if (kind === 'DataVolume' && name) ctx.modes.set(name, volumeModeOf(ctx, get(o, 'spec')));
  const vmSpec = kind === 'VirtualMachine' ? get(o, 'spec') : kind === 'VirtualMachinePool' ? get(o, 'spec', 'virtualMachineTemplate', 'spec') : undefined;
  for (const t of seqItems(get(vmSpec, 'dataVolumeTemplates'))) {
    const n = str(ctx, get(t, 'metadata', 'name'));
    if (n) ctx.modes.set(n, volumeModeOf(ctx, get(t, 'spec')));
  }
}

/** Other APIs have VirtualMachine kinds too (a Proxmox or vSphere operator): kubevirt.io's, or no apiVersion (a patch). */
function isKubevirtApi(ctx: Ctx, o: YAMLMap): boolean {
  const api = str(ctx, get(o, 'apiVersion'));
  return api === undefined || api.includes('kubevirt.io');
}

/** The VMI spec of an object of one of the four kinds. */
function vmiSpecOf(ctx: Ctx, o: YAMLMap): Node | undefined {
  switch (kindOf(ctx, o)) {
    case 'VirtualMachineInstance':
      return get(o, 'spec');
    case 'VirtualMachine':
    case 'VirtualMachineInstanceReplicaSet':
      return get(o, 'spec', 'template', 'spec');
    case 'VirtualMachinePool':
      return get(o, 'spec', 'virtualMachineTemplate', 'spec', 'template', 'spec');
  }
  return undefined;
}

/** What backs a volume: a block device, a file, or unknown (a claim whose volumeMode the file does not say). */
function backingOf(ctx: Ctx, volume: YAMLMap | undefined): { source?: string; backing: Backing } {
  if (!volume) return { backing: undefined };
  for (const p of volume.items as Pair[]) {
    const source = isScalar(p.key) ? String(p.key.value) : '';
    if (FILE_SOURCES.has(source)) return { source, backing: 'file' };
    if (CLAIM_SOURCES.includes(source)) {
      const claim = str(ctx, get(p.value, source === 'dataVolume' ? 'name' : 'claimName'));
      const mode = claim === undefined ? undefined : ctx.modes.get(claim);
      const backing = mode === 'Block' ? 'block' : mode === '' || mode === 'Filesystem' ? 'file' : undefined;
      return { source, backing };
    }
  }
  return { backing: undefined };
}

function defaultCacheOf(backing: Backing, shareable: boolean): DefaultCache {
  // SetDriverCacheMode (converter.go): none where the backing supports O_DIRECT, else writethrough;
  // a shareable disk gets none outright (converter/storage/disk.go).
  if (shareable) return { mode: 'none', shown: 'no cache (KubeVirt then sets none, as a shareable disk needs)' };
  if (backing === 'block') return { mode: 'none', shown: 'no cache (KubeVirt then picks none: a block volume supports O_DIRECT)' };
  return { mode: 'none', shown: 'no cache (KubeVirt then picks none where the volume supports O_DIRECT, else writethrough)' };
}

function readDisk(ctx: Ctx, item: YAMLMap, volumes: Map<string, YAMLMap>): void {
  const pair = (k: string) => pairOf(item, k);
  const setting = (k: string): Setting | undefined => {
    const p = pair(k);
    const v = p?.value;
    if (!p || !isScalar(p.key) || !p.key.range || !isScalar(v) || !v.range || v.value === null || v.value === '') return undefined;
    const inner = scalarInner(ctx.text, v);
    const literal = !!inner && !overlaps(ctx.spans, p.key.range[0], v.range[1]);
    const at = inner ?? { start: v.range[0], end: v.range[1] };
    return { name: k, value: str(ctx, v) ?? '', valueStart: at.start, valueEnd: at.end, start: p.key.range[0], end: v.range[1], literal };
  };
  const nameNode = pair('name')?.value;
  const name = str(ctx, nameNode);
  const first = (item.items as Pair[])[0];
  const anchorNode = isScalar(nameNode) && nameNode.range ? nameNode : isScalar(first?.key) ? first.key : undefined;
  if (!anchorNode?.range) return;
  const anchor = { start: anchorNode.range[0], end: anchorNode.range[1] };
  const device = get(item, 'lun') ? 'lun' : get(item, 'cdrom') ? 'cdrom' : 'disk';
  const flag = (node: Node | undefined) => isScalar(node) && node.value === true;
  const shareablePair = pair('shareable');
  const shareable = shareablePair && flag(shareablePair.value as Node) && isScalar(shareablePair.key) && shareablePair.key.range && isScalar(shareablePair.value) && shareablePair.value.range
    ? { start: shareablePair.key.range[0], end: shareablePair.value.range[1] }
    : undefined;
  const volume = backingOf(ctx, name === undefined ? undefined : volumes.get(name));
  const source = volume.source;
  // libvirt takes device='lun' only on a block source, so a lun that starts is a block device.
  const backing: Backing = volume.backing ?? (device === 'lun' ? 'block' : undefined);
  const cache = setting('cache');
  const io = setting('io');
  const disk: Disk = {
    anchor,
    cacheAnchor: anchor,
    // convert_v1_Volume_To_api_Disk: a block PVC or DataVolume is type "block", everything else "file".
    type: backing === 'block' ? 'block' : 'file',
    device,
    cache,
    io,
    readonly: flag(get(item, 'disk', 'readOnly')) || flag(get(item, 'lun', 'readonly')),
    ...(shareable ? { shareable } : {}),
    transient: false,
    hasMedia: true,
    defaultCache: defaultCacheOf(backing, !!shareable),
    // A file volume (or one the file cannot tell): KubeVirt's own default probes O_DIRECT.
    ...(backing !== 'block' && !shareable ? { preferDefaultCache: true } : {}),
    // SetOptimalIOMode (converter.go): no io, cache none and a block device give io native.
    ...(!io && backing === 'block' && (!cache || (cache.literal && cache.value === 'none')) ? { defaultIo: { mode: 'native', shown: "no io (KubeVirt then sets io: native on a block volume with cache none)" } } : {}),
    edits: diskEdits(ctx.text, ctx.eol, item, pair),
    syntax: KUBEVIRT_SYNTAX,
  };
  const last = (item.items as Pair[])[item.items.length - 1];
  const lastEnd = (last?.value as Node | undefined)?.range?.[1] ?? anchor.end;
  ctx.out.push({ disk, ...(source ? { volume: source } : {}), backing, range: { start: item.range?.[0] ?? anchor.start, end: lastEnd } });
}

function readVmiSpec(ctx: Ctx, spec: Node | undefined): void {
  const volumes = new Map<string, YAMLMap>();
  for (const v of seqItems(get(spec, 'volumes'))) {
    const n = str(ctx, get(v, 'name'));
    if (n !== undefined && isMap(v)) volumes.set(n, v);
  }
  for (const d of seqItems(get(spec, 'domain', 'devices', 'disks'))) if (isMap(d)) readDisk(ctx, d, volumes);
}

/** Sorted spans, overlapping ones joined (overlaps() wants them disjoint). */
function mergeSpans(sorted: Span[]): Span[] {
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else out.push({ ...s });
  }
  return out;
}

/** Whether a text may hold a KubeVirt VM object at all: the cheap test every YAML file gets. */
export const KUBEVIRT_HINT = /^[ \t-]*kind:[ \t]*["']?VirtualMachine(?:Instance|Pool|InstanceReplicaSet)?["']?[ \t]*(?:#.*)?\r?$/m;

export function isKubevirtText(text: string): boolean {
  return text.includes('kubevirt.io') && KUBEVIRT_HINT.test(text);
}

/** The disks of every KubeVirt VM object in a (multi-document) YAML text. */
export function readKubevirtDisks(text: string): KubevirtDisk[] {
  const masked = maskTemplates(text);
  const docs = parseAllDocuments(masked.text, { uniqueKeys: false, prettyErrors: false, strict: false, logLevel: 'silent' });
  if (!Array.isArray(docs)) return [];
  const errors = docs.flatMap((d) => d.errors.map((e) => ({ start: e.pos[0], end: Math.max(e.pos[1], e.pos[0] + 1) })));
  const spans = [...masked.spans, ...errors].sort((a, b) => a.start - b.start);
  const ctx: Ctx = { text, eol: text.includes('\r\n') ? '\r\n' : '\n', spans: mergeSpans(spans), modes: new Map(), out: [] };
  const all = docs.flatMap((d) => objects(d.contents));
  for (const o of all) collectModes(ctx, o);
  for (const o of all) if (VM_KINDS.has(kindOf(ctx, o)) && isKubevirtApi(ctx, o)) readVmiSpec(ctx, vmiSpecOf(ctx, o));
  return ctx.out;
}

/** Lints a KubeVirt manifest. Never throws. */
export function lintKubevirt(text: string): Finding[] {
  try {
    const disks = readKubevirtDisks(text);
    return [...lintDisks(disks.map((d) => d.disk)), ...disks.flatMap(odirectRequired), ...disks.flatMap(shareableNeedsNone)];
  } catch {
    // Guards only against a bug turning into a crash of the editor.
    return [];
  }
}
