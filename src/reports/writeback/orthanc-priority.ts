import { errorMessage } from '../../core/errors.ts';
import type { UrgencyClass } from '../../events/types.ts';
import { allFailed, type DestinationSender, type SendItem, type SendResult } from './send-result.ts';

export interface OrthancPriorityConfig {
  id: string;
  /** Orthanc's REST root, e.g. http://pacs:8042. */
  url: string;
  username: string;
  password: string;
  /** A user metadata name declared in Orthanc's "UserMetadata" (Orthanc book, "Metadata"). */
  metadataName: string;
  timeoutMs: number;
}

/** The urgency readfirst publishes for one study (the outbox body of an `urgency:` item). */
export interface UrgencyNotice {
  studyInstanceUid: string;
  urgency: UrgencyClass;
  reason: string;
}

/** Sort key written before the class, so a PACS column sorted as text puts critical first. */
export const URGENCY_RANK: Record<UrgencyClass, number> = { critical: 1, urgent: 2, routine: 3, 'likely-normal': 4 };

export function urgencyValue(n: UrgencyNotice): string {
  return `${URGENCY_RANK[n.urgency]}-${n.urgency}`;
}

/**
 * Priority write-back to Orthanc: finds the study by its StudyInstanceUID (POST /tools/lookup)
 * and sets a user metadata on it (PUT /studies/{id}/metadata/{name}) to "<rank>-<class>", e.g.
 * "1-critical", so Orthanc Explorer, its REST API and Lua can sort and select by readfirst's
 * urgency. Orthanc 1.10 has no labels (1.12+), so metadata is what it offers. A study Orthanc
 * does not hold yet is retried (it may still be arriving).
 */
export function orthancPrioritySender(cfg: OrthancPriorityConfig): DestinationSender {
  const base = cfg.url.replace(/\/+$/, '');
  const headers: Record<string, string> = cfg.username
    ? { authorization: `Basic ${Buffer.from(`${cfg.username}:${cfg.password}`).toString('base64')}` }
    : {};
  const call = async (method: string, path: string, body: string): Promise<Response> =>
    fetch(`${base}${path}`, {
      method,
      headers: { ...headers, 'content-type': 'text/plain' },
      body,
      signal: AbortSignal.timeout(cfg.timeoutMs),
    });
  return {
    id: cfg.id,
    async send(items: readonly SendItem[]): Promise<Map<string, SendResult>> {
      const results = new Map<string, SendResult>();
      for (const item of items) {
        if (item.contentType !== 'application/json') {
          results.set(item.id, { ok: false, error: 'an Orthanc priority destination only takes urgencies', retry: false });
          continue;
        }
        try {
          const notice = JSON.parse(item.body.toString('utf8')) as UrgencyNotice;
          const lookup = await call('POST', '/tools/lookup', notice.studyInstanceUid);
          if (!lookup.ok) throw new Error(`lookup HTTP ${lookup.status}`);
          const found = ((await lookup.json()) as { ID: string; Type: string }[]).find((x) => x.Type === 'Study');
          if (!found) {
            results.set(item.id, { ok: false, error: 'study not in Orthanc (yet)', retry: true });
            continue;
          }
          const put = await call(
            'PUT',
            `/studies/${encodeURIComponent(found.ID)}/metadata/${encodeURIComponent(cfg.metadataName)}`,
            urgencyValue(notice),
          );
          if (put.ok) results.set(item.id, { ok: true });
          else
            results.set(item.id, {
              ok: false,
              error: `metadata HTTP ${put.status}: ${(await put.text()).slice(0, 200)}`,
              retry: put.status >= 500,
            });
        } catch (e) {
          for (const [id, r] of allFailed([item], `Orthanc priority: ${errorMessage(e)}`)) results.set(id, r);
        }
      }
      return results;
    },
  };
}
