// Placeholder: the in-process image-format inspector (sources.md E.3) lands here.
// The API below is the contract the convert pipeline, the CLI and the editor use.

/** Formats the inspector can recognise. `gpt` and `iso` are raw data to qemu-img. */
export type DetectedFormat = 'raw' | 'qcow2' | 'qcow' | 'qed' | 'vmdk' | 'vhd' | 'vhdx' | 'vdi' | 'iso' | 'gpt' | 'luks';

export interface InspectResult {
  /** Absolute path that was read. */
  path: string;
  /** What the content is. */
  format: DetectedFormat;
  /** The `-f` value to give qemu-img for it (gpt and iso are `raw`). */
  qemuFormat: string;
  /** Virtual size in bytes where the header states it. */
  virtualSize?: number;
  /** Why this image must not be given to qemu-img; empty when it is safe. */
  refusals: string[];
}

export interface InspectOptions {
  /** The format the user says the image is in (qemu-img name: raw, qcow2, vmdk, vpc, vhdx, vdi…). */
  declaredFormat?: string;
}

export async function inspectImage(_path: string, _opts: InspectOptions = {}): Promise<InspectResult> {
  throw new Error('not implemented');
}
