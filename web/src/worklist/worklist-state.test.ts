import { describe, expect, it } from 'vitest';
import type { WorklistItem } from './worklist-api.ts';
import { applyEvent, compareItems, highlighted, items, placeItem } from './worklist-state.ts';

function item(n: number, score: number, urgency: WorklistItem['urgency'] = 'routine'): WorklistItem {
  return {
    studyInstanceUid: `1.2.${n}`, urgency, score, reason: '', upsPriority: 'MEDIUM', orderPriority: null, aiStatus: 'analysed', modelId: null, modelVersion: null,
    state: 'unread', claimedBy: null, claimExpiresAt: null, modality: 'DX', site: null, patientSex: null, patientAge: null, studyDescription: null,
    accessionNumber: null, patientName: null, patientId: null, arrivedAt: n, updatedAt: n, dueAt: n, overdue: false, explanation: [],
    aiUrgency: null, patientLocation: null,
  };
}

describe('the live worklist order', () => {
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
});
