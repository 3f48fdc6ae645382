import { signal } from '@preact/signals';
import type { Alert } from '../../../src/alerts/alert.ts';
import { useEffect } from 'preact/hooks';
import { api, errorText } from './api.ts';
import { navigate } from './router.ts';

/** A critical-result alert as the alerts API returns it (the fields the banner uses). */
export type AlertView = Pick<Alert, 'id' | 'studyInstanceUid' | 'reason' | 'status' | 'level' | 'raisedAt'>;

const openAlerts = signal<AlertView[]>([]);
const failure = signal('');

async function refresh(): Promise<void> {
  try {
    const list = await api<{ items: AlertView[] }>('GET', '/api/alerts?status=open');
    openAlerts.value = list.items.filter((a) => a.status === 'open');
    failure.value = '';
  } catch (e) {
    // No alerts module (404) is not an error worth a banner.
    failure.value = /404|no route/i.test(errorText(e)) ? '' : errorText(e);
  }
}

async function acknowledge(id: string): Promise<void> {
  await api('POST', `/api/alerts/${id}/acknowledge`, {});
  openAlerts.value = openAlerts.value.filter((a) => a.id !== id);
}

/** A raised, escalated or acknowledged alert from the stream: keep the open ones, newest first. */
function applyAlert(a: AlertView): void {
  const rest = openAlerts.value.filter((x) => x.id !== a.id);
  openAlerts.value = a.status === 'open' ? [a, ...rest] : rest;
}

/** The red banner for unacknowledged critical results; each needs a person's acknowledgement. */
export function AlertBanner(): preact.JSX.Element | null {
  useEffect(() => {
    const es = new EventSource('/api/alerts/events');
    es.addEventListener('ready', () => void refresh());
    es.addEventListener('alert', (ev: MessageEvent<string>) => applyAlert(JSON.parse(ev.data) as AlertView));
    return () => es.close();
  }, []);
  if (openAlerts.value.length === 0 && !failure.value) return null;
  return (
    <section class="alert-banner" role="alert" aria-label="Critical results">
      {failure.value && <p>Alerts unavailable: {failure.value}</p>}
      {openAlerts.value.map((a) => (
        <div key={a.id} class="alert-item">
          <strong>Critical result{a.level > 0 ? ' (escalated)' : ''}:</strong> <span>{a.reason}</span>
          <button type="button" class="link" onClick={() => navigate(`/study/${a.studyInstanceUid}`)}>
            Open study
          </button>
          <button type="button" class="ack" onClick={() => void acknowledge(a.id).catch((e: unknown) => (failure.value = errorText(e)))}>
            Acknowledge
          </button>
        </div>
      ))}
    </section>
  );
}
