import { connection } from '../shell/connection.ts';
import { SearchBox } from './search.tsx';
import type { UrgencyClass } from './worklist-api.ts';
import { type Filters, filters, live, loading, modalities, setFilters, sites, visible } from './worklist-state.ts';

const CLASSES: Array<[UrgencyClass | '', string]> = [
  ['', 'All classes'],
  ['critical', 'Critical'],
  ['urgent', 'Urgent'],
  ['routine', 'Routine'],
  ['likely-normal', 'Likely normal'],
];
const STATUSES: Array<[Filters['status'], string]> = [
  ['open', 'To read'],
  ['unread', 'Unread'],
  ['in-progress', 'In progress'],
  ['read', 'Read'],
  ['all', 'All'],
];

function Select<T extends string>({
  label,
  value,
  options,
  onChange,
}: {
  label: string;
  value: T;
  options: Array<[T, string]>;
  onChange: (v: T) => void;
}): preact.JSX.Element {
  return (
    <label class="field">
      <span>{label}</span>
      <select value={value} onChange={(e) => onChange(e.currentTarget.value as T)}>
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Filters: status (server side), modality, site, class and "mine" (on the loaded list). */
export function FiltersBar(): preact.JSX.Element {
  const f = filters.value;
  return (
    <div class="filters" role="search">
      <SearchBox />
      <Select label="Status" value={f.status} options={STATUSES} onChange={(status) => setFilters({ status })} />
      <Select label="Class" value={f.urgency} options={CLASSES} onChange={(urgency) => setFilters({ urgency })} />
      <Select
        label="Modality"
        value={f.modality}
        options={[['', 'All'], ...modalities.value.map((m): [string, string] => [m, m])]}
        onChange={(modality) => setFilters({ modality })}
      />
      <Select
        label="Site"
        value={f.site}
        options={[['', 'All'], ...sites.value.map((s): [string, string] => [s, s])]}
        onChange={(site) => setFilters({ site })}
      />
      <label class="field check">
        <input type="checkbox" checked={f.mine} onChange={(e) => setFilters({ mine: e.currentTarget.checked })} />
        <span>Mine</span>
      </label>
      <span class="count" aria-live="polite">
        {visible.value.length.toLocaleString()} studies{loading.value ? ' (loading…)' : ''}
      </span>
      <span class={`live ${live.value && connection.value === 'live' ? 'on' : 'off'}`} title="Live updates">
        {live.value && connection.value === 'live' ? '● Live' : connection.value === 'lost' ? '○ Connection lost' : '○ Reconnecting'}
      </span>
    </div>
  );
}
