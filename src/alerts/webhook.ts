import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed webhooks. The signature covers the timestamp and the exact body:
 * `X-Readfirst-Signature: t=<epoch s>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. The delivery
 * id (`X-Readfirst-Delivery`) is the same on every retry, so a receiver can drop repeats.
 */
export const SIGNATURE_HEADER = 'x-readfirst-signature';
export const DELIVERY_HEADER = 'x-readfirst-delivery';

export function signWebhook(secret: string, timestampS: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampS}.${body}`).digest('hex');
  return `t=${timestampS},v1=${mac}`;
}

/** Checks a signature header; `toleranceS` bounds the replay window. */
export function verifyWebhook(secret: string, header: string, body: string, nowS: number, toleranceS = 300): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!m?.[1] || !m[2]) return false;
  const t = Number(m[1]);
  if (Math.abs(nowS - t) > toleranceS) return false;
  const expected = Buffer.from(signWebhook(secret, t, body).slice(-64), 'hex');
  return timingSafeEqual(expected, Buffer.from(m[2], 'hex'));
}

export interface WebhookTarget {
  url: string;
  secret: string;
}

export type SendOutcome = { ok: true } | { ok: false; retry: boolean; error: string };

/** One POST. 2xx is delivered; 408, 429 and 5xx or a network error are worth a retry; other 4xx are not. */
export async function postWebhook(
  target: WebhookTarget,
  deliveryId: string,
  body: string,
  nowMs: number,
  timeoutMs = 10_000,
): Promise<SendOutcome> {
  const signature = signWebhook(target.secret, Math.floor(nowMs / 1000), body);
  try {
    const res = await fetch(target.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [SIGNATURE_HEADER]: signature,
        [DELIVERY_HEADER]: deliveryId,
        'user-agent': 'readfirst-alerts',
      },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer().catch(() => undefined);
    if (res.ok) return { ok: true };
    const retry = res.status === 408 || res.status === 429 || res.status >= 500;
    return { ok: false, retry, error: `HTTP ${res.status}` };
  } catch (e) {
    return { ok: false, retry: true, error: e instanceof Error ? e.message : String(e) };
  }
}
