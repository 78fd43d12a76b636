// `lint --connect URI`: the domains defined on libvirt connections, read with virsh (core's
// libvirt/virsh.ts) and linted as domain XML. Each connection is read on its own, so one host
// that cannot be reached or refuses us is reported and the others' findings still are.
import { lint } from '../core/lint/engine';
import { LibvirtError, mapLimit, readDomains, spawnVirsh, type VirshRunner } from '../core/libvirt/virsh';
import { domainLocation } from '../core/libvirt/virtXml';
import type { Severities } from '../core/lint/ruleConfig';
import type { FileProblem, FileReport } from './report';

/** Hosts read at once (each with its own few virsh processes): a fleet of hundreds is not hundreds of ssh logins at once. */
const PARALLEL_HOSTS = 8;

export interface LiveResult {
  files: FileReport[];
  problems: FileProblem[];
}

/** Lints every domain of each connection (several hosts at once, reported in the order given). */
export async function lintConnections(uris: readonly string[], severities: Severities, run: VirshRunner = spawnVirsh(), signal?: AbortSignal): Promise<LiveResult> {
  const perHost = await mapLimit(
    [...new Set(uris)],
    PARALLEL_HOSTS,
    async (uri): Promise<LiveResult> => {
      try {
        const domains = await readDomains(uri, run, signal);
        const out: LiveResult = { files: [], problems: [] };
        for (const d of domains) {
          if (d.error) {
            out.problems.push({ file: uri, message: d.error.message, live: { uri, domain: d.name } });
            continue;
          }
          const text = d.xml ?? '';
          const file = domainLocation(uri, d.name);
          // Every domain is a domain XML (never detected by content: an empty dump is no other kind).
          const findings = lint(text, { fileName: `${d.name}.xml`, kind: 'domain-xml', severities });
          out.files.push({ file, kind: 'domain-xml', findings, text, fixed: 0, live: { uri, domain: d.name, persistent: d.persistent } });
        }
        return out;
      } catch (e) {
        if (e instanceof LibvirtError) return { files: [], problems: [{ file: uri, message: e.message, live: { uri } }] };
        throw e;
      }
    },
  );
  return { files: perHost.flatMap((h) => h.files), problems: perHost.flatMap((h) => h.problems) };
}
