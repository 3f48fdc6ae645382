import { randomBytes } from 'node:crypto';
import { errorMessage } from '../../core/errors.ts';
import { allFailed, type DestinationSender, type SendItem, type SendResult } from './send-result.ts';

export interface StowDestinationConfig {
  id: string;
  /** DICOMweb base URL, e.g. http://pacs:8042/dicom-web (the request goes to `<url>/studies`). */
  url: string;
  /** Extra request headers, e.g. Authorization. */
  headers: Record<string, string>;
  timeoutMs: number;
}

/** One multipart/related body of application/dicom parts (PS3.18 8.6.1.2, 10.5.1). */
export function multipartRelated(parts: readonly Buffer[]): { body: Buffer; contentType: string } {
  const boundary = `readfirst-${randomBytes(12).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\nContent-Length: ${p.length}\r\n\r\n`, 'latin1'),
      p,
      Buffer.from('\r\n', 'latin1'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`, 'latin1'));
  return { body: Buffer.concat(chunks), contentType: `multipart/related; type="application/dicom"; boundary=${boundary}` };
}

type DicomJson = Record<string, { vr?: string; Value?: unknown[] }>;

function sopUidsIn(json: DicomJson | undefined, sequenceTag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of (json?.[sequenceTag]?.Value ?? []) as DicomJson[]) {
    const uid = item['00081155']?.Value?.[0];
    const reason = item['00081197']?.Value?.[0];
    if (typeof uid === 'string') out.set(uid, typeof reason === 'number' ? `failure reason 0x${reason.toString(16)}` : '');
  }
  return out;
}

/**
 * STOW-RS client (PS3.18 10.5): all of a study's objects in one POST to `<url>/studies/<study>`.
 * The response's Referenced SOP Sequence (0008,1199) and Failed SOP Sequence (0008,1198) tell
 * which objects were stored; without a readable body, 200 means all were. 4xx (other than 408
 * and 429) means the peer refuses the request itself, so retrying cannot help; 5xx, timeouts and
 * lost connections are retried.
 */
export function stowRsSender(cfg: StowDestinationConfig): DestinationSender {
  const base = cfg.url.replace(/\/+$/, '');
  return {
    id: cfg.id,
    async send(items: readonly SendItem[]): Promise<Map<string, SendResult>> {
      const results = new Map<string, SendResult>();
      const byStudy = new Map<string, SendItem[]>();
      for (const i of items) byStudy.set(i.studyInstanceUid, [...(byStudy.get(i.studyInstanceUid) ?? []), i]);
      for (const [study, group] of byStudy) {
        const { body, contentType } = multipartRelated(group.map((g) => g.body));
        let res: Response;
        try {
          res = await fetch(`${base}/studies/${encodeURIComponent(study)}`, {
            method: 'POST',
            headers: { ...cfg.headers, 'content-type': contentType, accept: 'application/dicom+json' },
            body,
            signal: AbortSignal.timeout(cfg.timeoutMs),
          });
        } catch (e) {
          for (const [id, r] of allFailed(group, `STOW-RS request failed: ${errorMessage(e)}`)) results.set(id, r);
          continue;
        }
        const text = await res.text().catch(() => '');
        let json: DicomJson | undefined;
        try {
          json = text ? (JSON.parse(text) as DicomJson) : undefined;
        } catch {
          json = undefined;
        }
        const stored = sopUidsIn(json, '00081199');
        const failed = sopUidsIn(json, '00081198');
        for (const g of group) {
          if (failed.has(g.id))
            results.set(g.id, { ok: false, error: `STOW-RS ${res.status}: ${failed.get(g.id) || 'refused'}`, retry: false });
          else if (stored.has(g.id) || (res.ok && !json?.['00081199'])) results.set(g.id, { ok: true });
          else if (res.ok) results.set(g.id, { ok: false, error: `STOW-RS ${res.status}: object not in the response`, retry: true });
          else
            results.set(g.id, {
              ok: false,
              error: `STOW-RS HTTP ${res.status}`,
              retry: res.status >= 500 || res.status === 408 || res.status === 429,
            });
        }
      }
      return results;
    },
  };
}
