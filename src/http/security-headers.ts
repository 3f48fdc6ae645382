import type { FastifyReply } from 'fastify';

/** For API answers (JSON, DICOM, PNG): nothing may run, load or frame them. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * Headers on every response (OWASP Secure Headers): no MIME sniffing, no framing, no referrer, a
 * CSP when the handler set none, and `Cache-Control: no-store` on patient data (or whenever the
 * handler chose no caching policy itself), so no browser or proxy cache keeps a patient's images.
 */
export function applySecurityHeaders(reply: FastifyReply, phi: boolean): void {
  void reply.header('x-content-type-options', 'nosniff');
  void reply.header('x-frame-options', 'DENY');
  void reply.header('referrer-policy', 'no-referrer');
  void reply.header('cross-origin-resource-policy', 'same-origin');
  if (!reply.hasHeader('content-security-policy')) void reply.header('content-security-policy', API_CSP);
  if (phi || !reply.hasHeader('cache-control')) {
    void reply.header('cache-control', 'no-store');
    void reply.header('pragma', 'no-cache');
  }
}
