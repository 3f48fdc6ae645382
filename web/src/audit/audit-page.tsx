import { signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { errorText } from '../shell/api.ts';
import { AUDIT_ACTIONS, type AuditEntry, type AuditFilter, type ChainStatus, EMPTY_FILTER, searchAudit, verifyChain } from './audit-api.ts';
import './audit.css';

const PAGE_SIZE = 50;

const draft = signal<AuditFilter>(EMPTY_FILTER);
/** The filter of the results shown (the form may have changed since). */
const applied = signal<AuditFilter>(EMPTY_FILTER);
const rows = signal<AuditEntry[]>([]);
/** `afterSeq` of each page before the current one, and of the current one: Previous pops it. */
const pages = signal<number[]>([0]);
/** One more row than a page was asked for: there is a next page. */
const hasNext = signal(false);
const loading = signal(false);
const error = signal('');
const chain = signal<ChainStatus | undefined>(undefined);
const chainError = signal('');

async function load(filter: AuditFilter, afterSeq: number): Promise<boolean> {
  loading.value = true;
  error.value = '';
  try {
    const got = await searchAudit(filter, PAGE_SIZE + 1, afterSeq);
    hasNext.value = got.length > PAGE_SIZE;
    rows.value = got.slice(0, PAGE_SIZE);
    applied.value = filter;
    return true;
  } catch (e) {
    error.value = errorText(e);
    return false;
  } finally {
    loading.value = false;
  }
}

async function search(): Promise<void> {
  if (await load(draft.value, 0)) pages.value = [0];
}

async function nextPage(): Promise<void> {
  const last = rows.value[rows.value.length - 1];
  if (!last) return;
  if (await load(applied.value, last.seq)) pages.value = [...pages.value, last.seq];
}

async function previousPage(): Promise<void> {
  const before = pages.value.slice(0, -1);
  if (before.length === 0) return;
  if (await load(applied.value, before[before.length - 1] ?? 0)) pages.value = before;
}

async function checkChain(): Promise<void> {
  chainError.value = '';
  try {
    chain.value = await verifyChain();
  } catch (e) {
    chainError.value = errorText(e);
  }
}

function ChainBadge(): preact.JSX.Element {
  const c = chain.value;
  return (
    <section class="audit-chain" aria-live="polite" data-testid="audit-chain">
      {chainError.value ? (
        <span class="chain-broken">Chain not checked: {chainError.value}</span>
      ) : !c ? (
        <span class="muted">Checking the hash chain…</span>
      ) : c.ok ? (
        <span class="chain-ok">
          ✓ Hash chain intact: {c.entries} entries{c.head ? `, last #${c.head.seq} (${c.head.hash.slice(0, 12)}…)` : ''}
        </span>
      ) : (
        <div class="chain-broken" role="alert">
          ✗ Hash chain broken in {c.problems.length} place{c.problems.length === 1 ? '' : 's'}:
          <ul>
            {c.problems.map((p) => (
              <li key={p.message}>{p.message}</li>
            ))}
          </ul>
        </div>
      )}
      <button type="button" class="ghost" onClick={() => void checkChain()}>
        Verify again
      </button>
    </section>
  );
}

function Filters(): preact.JSX.Element {
  const f = draft.value;
  const set = (patch: Partial<AuditFilter>): void => {
    draft.value = { ...draft.value, ...patch };
  };
  const text = (label: string, key: 'actor' | 'patientId' | 'studyUid', placeholder: string): preact.JSX.Element => (
    <label class="field">
      {label}
      <input type="text" value={f[key]} placeholder={placeholder} onInput={(e) => set({ [key]: e.currentTarget.value })} />
    </label>
  );
  return (
    <form
      class="filters audit-filters"
      role="search"
      aria-label="Search the audit trail"
      onSubmit={(e) => {
        e.preventDefault();
        void search();
      }}
    >
      {text('User', 'actor', 'user name')}
      <label class="field">
        Action
        <select value={f.action} onChange={(e) => set({ action: e.currentTarget.value as AuditFilter['action'] })}>
          <option value="">any</option>
          {AUDIT_ACTIONS.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
      </label>
      {text('Patient ID', 'patientId', 'exact')}
      {text('Study UID', 'studyUid', 'exact')}
      <label class="field">
        From <input type="date" value={f.from} onChange={(e) => set({ from: e.currentTarget.value })} />
      </label>
      <label class="field">
        To <input type="date" value={f.to} onChange={(e) => set({ to: e.currentTarget.value })} />
      </label>
      <button type="submit">Search</button>
      <button
        type="button"
        class="ghost"
        onClick={() => {
          draft.value = EMPTY_FILTER;
          void search();
        }}
      >
        Clear
      </button>
      {loading.value && <span class="muted">searching…</span>}
    </form>
  );
}

const when = (ms: number): string => new Date(ms).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });

function Results(): preact.JSX.Element {
  const list = rows.value;
  const page = pages.value.length;
  return (
    <>
      <table class="audit-table" data-testid="audit-results">
        <caption class="muted">
          {list.length === 0 ? 'No entries match.' : `Page ${page}: entries #${list[0]?.seq} to #${list[list.length - 1]?.seq}`}
        </caption>
        <thead>
          <tr>
            <th>#</th>
            <th>time</th>
            <th>action</th>
            <th>outcome</th>
            <th>user (roles)</th>
            <th>source</th>
            <th>object</th>
            <th>patient</th>
            <th>detail</th>
          </tr>
        </thead>
        <tbody>
          {list.map((r) => (
            <tr key={r.seq} class={r.outcome === 'failure' ? 'flagged' : ''} data-action={r.action}>
              <td>{r.seq}</td>
              <td>{when(r.at)}</td>
              <td>{r.action}</td>
              <td>{r.outcome}</td>
              <td>
                {r.actor}
                {r.actorRoles ? ` (${r.actorRoles})` : ''}
              </td>
              <td>{r.source}</td>
              <td>
                {r.objectType} <code>{r.objectId}</code>
              </td>
              <td>{r.patientId}</td>
              <td>
                <code>{JSON.stringify(r.detail)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <nav class="audit-pager" aria-label="Result pages">
        <button type="button" class="ghost" disabled={page <= 1 || loading.value} onClick={() => void previousPage()}>
          ← Previous
        </button>
        <button type="button" class="ghost" disabled={!hasNext.value || loading.value} onClick={() => void nextPage()}>
          Next →
        </button>
      </nav>
    </>
  );
}

/** The auditor's screen: search the audit trail, page through it, and see whether its hash chain holds. */
export function AuditPage(): preact.JSX.Element {
  useEffect(() => {
    void search();
    void checkChain();
  }, []);
  return (
    <main class="audit" aria-labelledby="audit-title">
      <div class="audit-body">
        <h1 id="audit-title">Audit trail</h1>
        <ChainBadge />
        <Filters />
        {error.value && (
          <p class="error" role="alert">
            {error.value}
          </p>
        )}
        <Results />
      </div>
    </main>
  );
}
