// Placeholder: the libvirt domain XML rules land here.
import type { Finding } from './types';

export function lintDomainXml(_text: string): Finding[] {
  return [];
}
