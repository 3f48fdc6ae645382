import { api } from 'dicomweb-client';
import XHR2 from 'xhr2';

// dicomweb-client is written for browsers: in Node it needs an XMLHttpRequest (STACK-NOTES).
(globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest ??= XHR2;

export type DicomWebClient = InstanceType<typeof api.DICOMwebClient>;

/**
 * OHIF's DICOMweb client (`dicomweb-client`) against a server root such as
 * `http://127.0.0.1:8080/dicom-web`. `token` adds `Authorization: Bearer …`, as OHIF does with an
 * API token once DICOMweb is behind sign-in.
 */
export function dicomWebClient(url: string, opts: { token?: string; headers?: Record<string, string> } = {}): DicomWebClient {
  const headers = { ...(opts.headers ?? {}), ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}) };
  return new api.DICOMwebClient({ url, headers, singlepart: false });
}

export type DicomJson = Record<string, { vr?: string; Value?: unknown[] } | undefined>;

/** `searchForStudies` as a typed promise (the package's declarations type it loosely). */
export async function searchStudies(client: DicomWebClient, queryParams: Record<string, string | number>): Promise<DicomJson[]> {
  return (await Promise.resolve(client.searchForStudies({ queryParams }) as unknown)) as DicomJson[];
}
