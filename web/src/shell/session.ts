import { signal } from '@preact/signals';
import { ApiError, api, sessionLost } from './api.ts';

export interface Me {
  userId: string;
  username: string;
  displayName: string;
  roles: string[];
}

/** undefined while loading, null when signed out. */
export const me = signal<Me | null | undefined>(undefined);

export async function loadMe(): Promise<void> {
  try {
    me.value = await api<Me>('GET', '/api/auth/me');
    sessionLost.value = false;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) me.value = null;
    else throw e;
  }
}

export async function signIn(username: string, password: string): Promise<void> {
  const user = await api<Me>('POST', '/api/auth/login', { username, password });
  me.value = user;
  sessionLost.value = false;
}

export async function signOut(): Promise<void> {
  await api('POST', '/api/auth/logout');
  me.value = null;
}
