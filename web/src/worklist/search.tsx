import { signal } from '@preact/signals';
import { errorText } from '../shell/api.ts';
import { formatAge } from '../shell/format.ts';
import { type WorklistItem, searchStudies } from './worklist-api.ts';
import { UrgencyBadge } from './worklist-row.tsx';

export const searchText = signal('');
const found = signal<WorklistItem[] | undefined>(undefined);
const searchError = signal('');
let timer: ReturnType<typeof setTimeout> | undefined;
let generation = 0;

/** Searches read and unread studies by patient name, patient ID or accession (after a short pause). */
function search(q: string): void {
  searchText.value = q;
  clearTimeout(timer);
  if (q.trim().length < 2) {
    found.value = undefined;
    return;
  }
  const mine = ++generation;
  timer = setTimeout(() => {
    searchStudies(q.trim())
      .then((items) => mine === generation && ((found.value = items), (searchError.value = '')))
      .catch((e: unknown) => (searchError.value = errorText(e)));
  }, 250);
}

export function SearchBox(): preact.JSX.Element {
  return (
    <label class="field search">
      <span>Search patient, ID or accession (read and unread)</span>
      <input type="search" name="search" value={searchText.value} onInput={(e) => search(e.currentTarget.value)} />
    </label>
  );
}

/** The matches of a search, any reading state, newest first; a click opens the study. */
export function SearchResults({ onOpen }: { onOpen: (uid: string) => void }): preact.JSX.Element | null {
  const list = found.value;
  if (!list) return searchError.value ? <p class="error">{searchError.value}</p> : null;
  return (
    <section class="search-results" aria-label="Search results">
      <h2 aria-live="polite">
        {list.length} {list.length === 1 ? 'study' : 'studies'} match “{searchText.value}”
      </h2>
      <ul>
        {list.map((i) => (
          <li key={i.studyInstanceUid}>
            <button type="button" class="search-hit" data-uid={i.studyInstanceUid} onClick={() => onOpen(i.studyInstanceUid)}>
              <UrgencyBadge urgency={i.urgency} />
              <strong>{i.patientName?.replace(/\^/g, ' ') ?? 'Unknown patient'}</strong>
              <span>
                {[i.patientId, i.patientSex, formatAge(i.patientAge), i.accessionNumber, i.studyDescription].filter(Boolean).join(' · ')}
              </span>
              <span class="muted">{i.state.replace('-', ' ')}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
