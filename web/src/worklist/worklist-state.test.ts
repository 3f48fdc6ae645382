import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { scoreOfDueAt } from '../../../src/worklist/reading-order.ts';
import type { WorklistItem } from './worklist-api.ts';
import { applyEvent, compareItems, highlighted, items, placeItem, resort, setServerTime } from './worklist-state.ts';

function item(n: number, score: number, urgency: WorklistItem['urgency'] = 'routine'): WorklistItem {
  return {
    studyInstanceUid: `1.2.${n}`,
    urgency,
    score,
    reason: '',
    upsPriority: 'MEDIUM',
    orderPriority: null,
    aiStatus: 'analysed',
    modelId: null,
    modelVersion: null,
    state: 'unread',
    claimedBy: null,
    claimExpiresAt: null,
    modality: 'DX',
    site: null,
    patientSex: null,
    patientAge: null,
    studyDescription: null,
    accessionNumber: null,
    patientName: null,
    patientId: null,
    arrivedAt: n,
    updatedAt: n,
    dueAt: n,
    overdue: false,
    explanation: [],
    aiUrgency: null,
    patientLocation: null,
  };
}

const T = Date.UTC(2026, 0, 1, 12);
const MIN = 60_000;
const MAX_WAIT_MIN = { critical: 30, urgent: 120, routine: 360, 'likely-normal': 360 } as const;

/** A study as the server ranks it: due at arrival plus its class's maximum wait. */
function study(
  uid: string,
  arrivedMinAgo: number,
  urgency: WorklistItem['urgency'],
  state: WorklistItem['state'] = 'unread',
): WorklistItem {
  const arrivedAt = T - arrivedMinAgo * MIN;
  const dueAt = arrivedAt + MAX_WAIT_MIN[urgency] * MIN;
  return { ...item(0, scoreOfDueAt(dueAt), urgency), studyInstanceUid: uid, arrivedAt, dueAt, state };
}

const uids = (list: readonly WorklistItem[]): string[] => list.map((i) => i.studyInstanceUid);

describe('the live worklist order', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T);
    setServerTime({ at: T, protectedUpTo: Number.MIN_SAFE_INTEGER });
  });
  afterEach(() => vi.useRealTimers());

  it('places a changed row where the server would, without re-sorting 10,000 rows', () => {
    const list = Array.from({ length: 10_000 }, (_, i) => item(i, 10_000 - i));
    const moved = placeItem(list, { ...item(5_000, 20_000), urgency: 'critical' }, true);
    expect(moved).toHaveLength(10_000);
    expect(moved[0]?.studyInstanceUid).toBe('1.2.5000');
    expect([...moved].sort(compareItems)).toEqual(moved);
    expect(placeItem(moved, item(5_000, 0), false)).toHaveLength(9_999);
  });

  it('moves a study that becomes critical to the top and highlights it', () => {
    items.value = [item(1, 30), item(2, 20), item(3, 10)];
    applyEvent({ type: 'ranked', item: { ...item(3, 99), urgency: 'critical' }, position: 1, previousUrgency: 'routine' });
    expect(items.value.map((i) => i.studyInstanceUid)).toEqual(['1.2.3', '1.2.1', '1.2.2']);
    expect(highlighted.value.has('1.2.3')).toBe(true);
    applyEvent({ type: 'state', item: { ...item(1, 30), state: 'read' } });
    expect(items.value.map((i) => i.studyInstanceUid)).toEqual(['1.2.3', '1.2.2']);
  });

  it('reads an overdue routine study before a newer non-critical one due earlier', () => {
    // By due time alone the urgent study reads first; overdue, the oldest wait reads first.
    const overdueRoutine = study('routine-7h', 380, 'routine');
    const overdueUrgent = study('urgent-3h', 180, 'urgent');
    const freshUrgent = study('urgent-10m', 10, 'urgent');
    expect(overdueUrgent.score).toBeGreaterThan(overdueRoutine.score);
    items.value = [freshUrgent, overdueUrgent, overdueRoutine];
    resort();
    expect(uids(items.value)).toEqual(['routine-7h', 'urgent-3h', 'urgent-10m']);
  });

  it('puts a critical study above everything except protected ones, and a read one below all that wait', () => {
    setServerTime({ at: T, protectedUpTo: T - 400 * MIN });
    const list = [
      study('fresh-routine', 5, 'routine'),
      study('overdue-urgent', 200, 'urgent'),
      study('read-critical', 1, 'critical', 'read'),
      study('new-critical', 1, 'critical'),
      study('protected-normal', 420, 'likely-normal'),
      study('old-critical', 20, 'critical'),
    ];
    items.value = list;
    resort();
    expect(uids(items.value)).toEqual([
      'protected-normal',
      'old-critical',
      'new-critical',
      'overdue-urgent',
      'read-critical',
      'fresh-routine',
    ]);
    // A critical study arriving live goes to the top of the critical tier, still under the protected one.
    applyEvent({ type: 'ranked', item: study('stat', 0, 'critical'), position: 2, previousUrgency: null });
    expect(uids(items.value).slice(0, 2)).toEqual(['protected-normal', 'old-critical']);
    expect(uids(items.value).indexOf('stat')).toBe(3);
  });

  it('re-sorts as time passes: studies become overdue, and the protection line moves with the clock', () => {
    setServerTime({ at: T, protectedUpTo: T - 400 * MIN });
    items.value = [study('critical', 5, 'critical'), study('routine-350m', 350, 'routine'), study('urgent-115m', 115, 'urgent')];
    resort(); // neither is due yet: the urgent one (due in 5 min) before the routine one (due in 10)
    expect(uids(items.value)).toEqual(['critical', 'urgent-115m', 'routine-350m']);
    vi.setSystemTime(T + 15 * MIN); // both overdue: the longer wait first, still after the critical one
    resort();
    expect(uids(items.value)).toEqual(['critical', 'routine-350m', 'urgent-115m']);
    vi.setSystemTime(T + 55 * MIN); // the routine study has now waited past the protection line
    resort();
    expect(uids(items.value)).toEqual(['routine-350m', 'critical', 'urgent-115m']);
  });

  it('takes the time from the server page, not from a skewed local clock', () => {
    // The local clock runs an hour behind: on the server both are overdue (oldest first), locally neither is.
    vi.setSystemTime(T - 60 * MIN);
    setServerTime({ at: T, protectedUpTo: Number.MIN_SAFE_INTEGER });
    items.value = [study('urgent-130m', 130, 'urgent'), study('routine-365m', 365, 'routine')];
    resort();
    expect(uids(items.value)).toEqual(['routine-365m', 'urgent-130m']);
  });
});
