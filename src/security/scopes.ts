import { ReadfirstError } from '../core/errors.ts';
import type { Scope } from '../http/route.ts';

/** Every API-token scope, with what it opens (shown by `readfirst token create --help`). */
export const SCOPES: Readonly<Record<Scope, string>> = {
  'dicomweb:read': 'QIDO-RS and WADO-RS (OHIF, Orthanc, PACS pulling studies)',
  'dicomweb:write': 'STOW-RS (a modality gateway or PACS pushing studies)',
  metrics: 'GET /metrics (a Prometheus scraper)',
  'fhir:read': 'FHIR reads (an EHR pulling AI reports)',
  workitems: 'UPS-RS work items (an AI orchestrator)',
  'audit:read': 'the audit trail (a SIEM)',
};

export function parseScopes(raw: readonly string[]): Scope[] {
  const known = Object.keys(SCOPES);
  const bad = raw.filter((s) => !known.includes(s));
  if (bad.length > 0) throw new ReadfirstError('invalid-input', `unknown scope ${bad.join(', ')} (known: ${known.join(', ')})`);
  if (raw.length === 0) throw new ReadfirstError('invalid-input', 'a token needs at least one scope');
  return [...new Set(raw as Scope[])];
}
