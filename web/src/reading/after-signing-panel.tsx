import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import {
  type Addendum,
  COMMUNICATION_METHODS,
  type CommunicationMethod,
  type CriticalCommunication,
} from '../../../src/reading/reading.ts';
import { api, errorText } from '../shell/api.ts';

const METHOD_NAMES: Record<CommunicationMethod, string> = {
  phone: 'Phone',
  'in-person': 'In person',
  'secure-message': 'Secure message',
  page: 'Page',
};

/**
 * After signing: addenda to the signed report, and the critical-result communication log (who
 * was told, when, how, acknowledged by whom), as the ACR practice parameter expects.
 */
export function AfterSigningPanel({ uid }: { uid: string }): preact.JSX.Element {
  const addenda = useSignal<Addendum[]>([]);
  const calls = useSignal<CriticalCommunication[]>([]);
  const text = useSignal('');
  const error = useSignal('');
  const form = useSignal({ finding: '', recipient: '', recipientRole: '', method: 'phone', acknowledgedBy: '' });
  const load = (): void => {
    api<{ items: Addendum[] }>('GET', `/api/readings/${uid}/addenda`)
      .then((r) => (addenda.value = r.items))
      .catch((e: unknown) => (error.value = errorText(e)));
    api<{ items: CriticalCommunication[] }>('GET', `/api/readings/${uid}/communications`)
      .then((r) => (calls.value = r.items))
      .catch((e: unknown) => (error.value = errorText(e)));
  };
  useEffect(load, [uid]);
  const run = (p: Promise<unknown>): void => {
    p.then(() => ((error.value = ''), load())).catch((e: unknown) => (error.value = errorText(e)));
  };
  const f = form.value;
  const set = (patch: Partial<typeof f>): void => void (form.value = { ...f, ...patch });
  return (
    <section class="after-signing" aria-label="After signing">
      <h3>Addenda</h3>
      <ol class="addenda">
        {addenda.value.map((a) => (
          <li key={a.id}>
            <p>{a.text}</p>
            <small>
              Addendum signed by {a.readerName} at {new Date(a.signedAt).toLocaleString()}
            </small>
          </li>
        ))}
      </ol>
      <label class="field">
        <span>New addendum</span>
        <textarea name="addendum" rows={3} value={text.value} onInput={(e) => (text.value = e.currentTarget.value)} />
      </label>
      <button
        type="button"
        disabled={text.value.trim() === ''}
        onClick={() => run(api('POST', `/api/readings/${uid}/addenda`, { text: text.value }).then(() => (text.value = '')))}
      >
        Sign addendum
      </button>
      <h3>Critical result communication</h3>
      <ul class="calls">
        {calls.value.map((c) => (
          <li key={c.id}>
            {c.finding}: told {c.recipient} ({c.recipientRole}) by {METHOD_NAMES[c.method].toLowerCase()} at{' '}
            {new Date(c.communicatedAt).toLocaleString()}
            {c.acknowledgedBy ? `, acknowledged by ${c.acknowledgedBy}` : ', not yet acknowledged'} · logged by {c.recordedBy}
          </li>
        ))}
      </ul>
      <div class="call-form">
        <label class="field">
          <span>Finding communicated</span>
          <input name="call-finding" value={f.finding} onInput={(e) => set({ finding: e.currentTarget.value })} />
        </label>
        <label class="field">
          <span>Told (name)</span>
          <input name="call-recipient" value={f.recipient} onInput={(e) => set({ recipient: e.currentTarget.value })} />
        </label>
        <label class="field">
          <span>Their role</span>
          <input name="call-role" value={f.recipientRole} onInput={(e) => set({ recipientRole: e.currentTarget.value })} />
        </label>
        <label class="field">
          <span>How</span>
          <select name="call-method" value={f.method} onChange={(e) => set({ method: e.currentTarget.value })}>
            {COMMUNICATION_METHODS.map((m) => (
              <option key={m} value={m}>
                {METHOD_NAMES[m]}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>Acknowledged (read back) by</span>
          <input name="call-ack" value={f.acknowledgedBy} onInput={(e) => set({ acknowledgedBy: e.currentTarget.value })} />
        </label>
        <button
          type="button"
          disabled={!f.finding.trim() || !f.recipient.trim() || !f.recipientRole.trim()}
          onClick={() =>
            run(api('POST', `/api/readings/${uid}/communications`, { ...f, acknowledgedBy: f.acknowledgedBy.trim() || null, note: '' }))
          }
        >
          Log communication
        </button>
      </div>
      {error.value && (
        <p class="error" role="alert">
          {error.value}
        </p>
      )}
    </section>
  );
}
