import { signal } from '@preact/signals';
import { isNetworkFailure, markLive, markLost } from './connection.ts';

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
  let res: Response;
  let text: string;
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    text = await res.text();
  } catch (e) {
    if (!isNetworkFailure(e)) throw e;
    markLost();
    throw new ApiError(
      0,
      'offline',
      'The server cannot be reached. Your draft is kept on this computer and sent when the connection is back.',
    );
  }
  // A 502-504 from a proxy in front of readfirst means the same as no answer.
  if (res.status >= 502 && res.status <= 504) markLost();
  else markLive();
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
