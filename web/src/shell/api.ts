import { signal } from '@preact/signals';

/** An error answer from the readfirst API (`{ error, message }`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Set when any call is refused for a missing session: the app shows the sign-in page. */
export const sessionLost = signal(false);

/**
 * Calls the API on this origin. Mutations send JSON (or X-Requested-With when bodiless): the
 * server's CSRF rule refuses cookie-authenticated mutations without one of them.
 */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', 'x-requested-with': 'readfirst' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  const data: unknown = text ? safeJson(text) : undefined;
  if (!res.ok) {
    const err = (data ?? {}) as { error?: string; message?: string };
    if (res.status === 401 && !path.startsWith('/api/auth/login')) sessionLost.value = true;
    throw new ApiError(res.status, err.error ?? 'http', err.message ?? `${res.status} ${res.statusText}`);
  }
  return data as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
