/** Cookie parsing and the session cookie's attributes (RFC 6265). */
export const SESSION_COOKIE = 'rf_session';

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const raw = part.slice(eq + 1).trim();
    try {
      out.set(name, decodeURIComponent(raw));
    } catch {
      out.set(name, raw);
    }
  }
  return out;
}

/**
 * The Set-Cookie value for a session: HttpOnly (no script can read it), SameSite=Strict (never
 * sent on cross-site requests), Secure when the server sits behind TLS (`security.secureCookies`).
 */
export function sessionCookie(token: string, opts: { maxAgeMs: number; secure: boolean }): string {
  const attrs = [
    `${SESSION_COOKIE}=${token}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${Math.max(0, Math.floor(opts.maxAgeMs / 1000))}`,
  ];
  if (opts.secure) attrs.push('Secure');
  return attrs.join('; ');
}

export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie('', { maxAgeMs: 0, secure });
}
