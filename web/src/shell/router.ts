import { signal } from '@preact/signals';

/** The current path (client-side routing over the History API). */
export const path = signal(location.pathname);

export function navigate(to: string, replace = false): void {
  if (to === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  path.value = location.pathname;
}

addEventListener('popstate', () => {
  path.value = location.pathname;
});

/** The study UID of a viewer path `/study/<uid>`, or undefined. */
export function studyOf(p: string): string | undefined {
  const m = /^\/study\/([0-9.]+)$/.exec(p);
  return m?.[1];
}
