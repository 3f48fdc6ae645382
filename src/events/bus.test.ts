import { describe, expect, it } from 'vitest';
import { InMemoryBus } from './bus.ts';

describe('InMemoryBus', () => {
  it('delivers typed payloads and isolates a failing handler', async () => {
    const errors: unknown[] = [];
    const bus = new InMemoryBus((_e, err) => errors.push(err));
    const seen: string[] = [];
    bus.on('study.complete', () => {
      throw new Error('boom');
    });
    bus.on('study.complete', async (p) => {
      seen.push(p.studyInstanceUid);
    });
    bus.emit('study.complete', {
      studyInstanceUid: '1.2.3',
      instanceCount: 1,
      lastInstanceAt: 0,
      completedAt: 10,
      generation: 1,
    });
    await bus.idle();
    expect(seen).toEqual(['1.2.3']);
    expect(errors).toHaveLength(1);
  });

  it("publish resolves only once this emission's handlers have settled, a failing one reported", async () => {
    const errors: unknown[] = [];
    const bus = new InMemoryBus((_e, err) => errors.push(err));
    const stored: string[] = [];
    bus.on('alert.raised', async (p) => {
      await new Promise((r) => setTimeout(r, 50));
      stored.push(p.alertId);
    });
    bus.on('alert.raised', () => {
      throw new Error('delivery down');
    });
    await bus.publish('alert.raised', { alertId: 'a1', studyInstanceUid: 's', reason: 'r' });
    expect(stored).toEqual(['a1']);
    expect(errors).toHaveLength(1);
  });

  it('stops delivering after unsubscribe', async () => {
    const bus = new InMemoryBus(() => undefined);
    let n = 0;
    const off = bus.on('alert.raised', () => void n++);
    off();
    bus.emit('alert.raised', { alertId: 'a', studyInstanceUid: 's', reason: 'r' });
    await bus.idle();
    expect(n).toBe(0);
  });

  it('hands each handler its own JSON copy, as a cross-process transport would', async () => {
    const bus = new InMemoryBus(() => undefined);
    const got: unknown[] = [];
    bus.on('study.analysed', (p) => {
      p.resultIds.push('changed by the first handler');
      got.push(p);
    });
    bus.on('study.analysed', (p) => void got.push(p));
    const payload = {
      studyInstanceUid: '1.2',
      status: 'analysed' as const,
      resultIds: ['r1'],
      analysedAt: 5,
      sopInstanceUid: null,
      complete: true,
    };
    bus.emit('study.analysed', payload);
    await bus.idle();
    expect(payload.resultIds).toEqual(['r1']);
    expect(got[1]).toEqual(payload);
    expect(got[0]).not.toBe(got[1]);
  });
});
