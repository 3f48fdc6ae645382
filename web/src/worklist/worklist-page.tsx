import { useEffect } from 'preact/hooks';
import { errorText } from '../shell/api.ts';
import { isTyping } from '../shell/keyboard.ts';
import { me } from '../shell/session.ts';
import { FiltersBar } from './filters-bar.tsx';
import { SearchResults } from './search.tsx';
import { openStudy } from './open-study.ts';
import { VirtualList } from './virtual-list.tsx';
import { WorklistRow } from './worklist-row.tsx';
import { highlighted, selected, visible } from './worklist-state.ts';
import type { WorklistItem } from './worklist-api.ts';
import { signal } from '@preact/signals';

export const ROW_HEIGHT = 64;

const CLASS_WORD: Record<WorklistItem['urgency'], string> = {
  critical: 'critical',
  urgent: 'urgent',
  routine: 'routine',
  'likely-normal': 'likely normal',
};
/** What a screen reader hears when the keyboard selects a row. */
function rowName(i: WorklistItem): string {
  return [
    CLASS_WORD[i.urgency],
    i.patientName?.replace(/\^/g, ' ').trim(),
    i.studyDescription,
    i.accessionNumber,
    i.state.replace('-', ' '),
  ]
    .filter(Boolean)
    .join(', ');
}
const openError = signal('');

function open(uid: string): void {
  openStudy(uid).catch((e: unknown) => {
    openError.value = errorText(e);
  });
}

/** The worklist: most urgent first, live, filtered, keyboard-driven (↑/↓ or j/k, Enter opens). */
export function WorklistPage(): preact.JSX.Element {
  const list = visible.value;
  const activeIndex = Math.max(
    0,
    list.findIndex((i) => i.studyInstanceUid === selected.value),
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (isTyping(e) || e.ctrlKey || e.metaKey || e.altKey) return;
      const rows = visible.value;
      const at = Math.max(
        0,
        rows.findIndex((i) => i.studyInstanceUid === selected.value),
      );
      const move = (to: number): void => {
        const target = rows[Math.min(rows.length - 1, Math.max(0, to))];
        if (target) selected.value = target.studyInstanceUid;
        e.preventDefault();
      };
      if (e.key === 'ArrowDown' || e.key === 'j') move(at + 1);
      else if (e.key === 'ArrowUp' || e.key === 'k') move(at - 1);
      else if (e.key === 'Home') move(0);
      else if (e.key === 'End') move(rows.length - 1);
      else if (e.key === 'PageDown') move(at + 10);
      else if (e.key === 'PageUp') move(at - 10);
      else if (e.key === 'Enter' && rows[at] && !(e.target instanceof HTMLButtonElement)) {
        e.preventDefault();
        open(rows[at].studyInstanceUid);
      }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);

  const user = me.value?.username;
  return (
    <main class="worklist" aria-label="Worklist">
      <FiltersBar />
      {openError.value && (
        <p class="error" role="alert">
          {openError.value}
        </p>
      )}
      <SearchResults onOpen={open} />
      <p class="sr-only" aria-live="polite" data-testid="selection-announcement">
        {list[activeIndex] && selected.value ? `Row ${activeIndex + 1} of ${list.length}: ${rowName(list[activeIndex])}` : ''}
      </p>
      <VirtualList<WorklistItem>
        label="Studies to read, most urgent first"
        header={
          <div class="wl-head" role="row" aria-rowindex={1}>
            <span role="columnheader">Class</span>
            <span role="columnheader">Patient · study</span>
            <span role="columnheader">Waiting</span>
            <span role="columnheader">AI reason (assistance, not a diagnosis)</span>
          </div>
        }
        items={list}
        rowHeight={ROW_HEIGHT}
        activeIndex={activeIndex}
        keyOf={(i) => i.studyInstanceUid}
        renderRow={(item, index) => (
          <WorklistRow
            index={index}
            item={item}
            active={index === activeIndex}
            highlight={highlighted.value.has(item.studyInstanceUid)}
            me={user}
            onOpen={open}
          />
        )}
      />
      {list.length === 0 && <p class="empty">No studies match.</p>}
    </main>
  );
}
