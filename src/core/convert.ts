// Placeholder: the convert pipeline (inspect, confirm with qemu-img info, choose the target
// cache, convert to .part, fsync, rename, re-inspect). The API below is the contract that the
// CLI and the editor use.

export type TargetFormat = 'raw' | 'qcow2' | 'vmdk' | 'vdi' | 'vhdx' | 'vpc';

export interface ConvertOptions {
  /** qcow2 (and streamOptimized vmdk) compression: -c. */
  compress?: boolean;
  /** -o preallocation=… (raw: off|falloc|full; qcow2: off|metadata|falloc|full). */
  preallocation?: string;
  /** VMDK subformat: monolithicSparse (default) or streamOptimized. */
  subformat?: string;
}

export interface ConvertProgress {
  /** 0..100, never decreasing. */
  percent: number;
  /** Source bytes per second so far, when known. */
  bytesPerSecond?: number;
  /** Estimated seconds left, when known. */
  secondsLeft?: number;
}

export interface ConvertRequest {
  source: string;
  target: string;
  /** What the user says the source is; checked against its content. Default: what the inspector finds. */
  sourceFormat?: string;
  targetFormat: TargetFormat;
  options?: ConvertOptions;
  /** Replace an existing target (the caller asked the user). */
  overwrite?: boolean;
  /** Allow a source with a backing file (setting; off by default). */
  allowBackingFile?: boolean;
  qemuImgPath?: string;
  signal?: AbortSignal;
  onProgress?: (p: ConvertProgress) => void;
  /** One line at a time, for the log channel / --verbose: argv, cache choice and why, timings, stderr. */
  log?: (line: string) => void;
}

export interface ConvertResult {
  target: string;
  sourceFormat: string;
  targetFormat: TargetFormat;
  cacheMode: 'none' | 'writeback';
  cacheReason: string;
  argv: string[];
  seconds: number;
  sourceBytes: number;
  targetBytes: number;
}

export type ConvertErrorKind =
  | 'refused' // the inspector or qemu-img info found something unsafe
  | 'format-mismatch'
  | 'not-found'
  | 'exists'
  | 'same-file'
  | 'qemu-img-missing'
  | 'in-use'
  | 'no-space'
  | 'permission'
  | 'cancelled'
  | 'failed';

export class ConvertError extends Error {
  constructor(
    readonly kind: ConvertErrorKind,
    message: string,
    readonly file?: string,
    readonly stderr?: string,
  ) {
    super(message);
    this.name = 'ConvertError';
  }
}

export async function convertImage(_req: ConvertRequest): Promise<ConvertResult> {
  throw new ConvertError('failed', 'not implemented');
}
