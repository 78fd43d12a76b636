// Placeholder: the Nova config rules land here.
import type { Finding } from './types';

export interface NovaLintOptions {
  hadBom: boolean;
  template: boolean;
}

export function lintNovaConf(_text: string, _opts: NovaLintOptions): Finding[] {
  return [];
}
