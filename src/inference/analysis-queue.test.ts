import { describe, expect, it } from 'vitest';
import { AnalysisQueue, type AnalysisJob } from './analysis-queue.ts';

const job = (n: number): AnalysisJob => ({ studyInstanceUid: `1.2.${n}`, seriesInstanceUid: `1.2.${n}.1`, sopInstanceUid: `1.2.${n}.1.1` });

/** A queue whose jobs run until the test releases them. */
function gatedQueue(capacity: number, concurrency: number) {
  const started: string[] = [];
  const gates = new Map<string, () => void>();
  const states: { queued: number; inFlight: number; deferred: boolean }[] = [];
  const queue = new AnalysisQueue({
    capacity,
    concurrency,
    run: (j) =>
      new Promise<void>((resolve) => {
        started.push(j.sopInstanceUid);
        gates.set(j.sopInstanceUid, resolve);
      }),
    onChange: (s) => states.push(s),
  });
  const release = async (n: number): Promise<void> => {
    gates.get(job(n).sopInstanceUid)?.();
    await new Promise((r) => setTimeout(r, 0));
  };
  return { queue, started, states, release };
}

describe('analysis queue back-pressure', () => {
  it('offer never waits: with every runner stuck and the queue full it defers at once, and nothing is dropped that was accepted', async () => {
    const { queue, started, states, release } = gatedQueue(2, 1);
    const offered = [1, 2, 3, 4, 5].map((n) => queue.offer(job(n)));
    // offer returned synchronously for all five while the first job is stuck
    expect(offered.map((p) => p !== null)).toEqual([true, true, true, false, false]);
    expect(states.filter((s) => s.deferred)).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 0));
    expect(started).toEqual(['1.2.1.1.1']);
    expect([queue.queued(), queue.inFlight()]).toEqual([2, 1]);
    for (const n of [1, 2, 3]) await release(n);
    await Promise.all(offered.filter((p) => p !== null));
    expect(started).toEqual(['1.2.1.1.1', '1.2.2.1.1', '1.2.3.1.1']);
    await queue.idle();
  });

  it('put waits for room instead of deferring, then runs the job', async () => {
    const { queue, started, release } = gatedQueue(1, 1);
    void queue.offer(job(1));
    void queue.offer(job(2));
    await new Promise((r) => setTimeout(r, 0));
    let done = false;
    const waiting = queue.put(job(3)).then(() => void (done = true));
    await new Promise((r) => setTimeout(r, 0));
    expect(started).not.toContain('1.2.3.1.1');
    await release(1);
    await release(2);
    expect(started).toContain('1.2.3.1.1');
    expect(done).toBe(false);
    await release(3);
    await waiting;
    expect(done).toBe(true);
  });

  it('runs an image queued twice once, and shares its completion', async () => {
    const { queue, started, release } = gatedQueue(4, 2);
    const a = queue.offer(job(7));
    const b = queue.offer(job(7));
    expect(b).toBe(a);
    const c = queue.put(job(7));
    await new Promise((r) => setTimeout(r, 0));
    await release(7);
    await Promise.all([a, c]);
    expect(started).toEqual(['1.2.7.1.1']);
  });

  it('keeps running after a failing job; close rejects what still waits', async () => {
    const queue = new AnalysisQueue({
      capacity: 4,
      concurrency: 1,
      run: async (j) => {
        if (j.sopInstanceUid === job(1).sopInstanceUid) throw new Error('bad image');
        await new Promise((r) => setTimeout(r, 5));
      },
    });
    await expect(queue.offer(job(1))).rejects.toThrow('bad image');
    await expect(queue.offer(job(2))).resolves.toBeUndefined();
    void queue.offer(job(3));
    const waiting = queue.offer(job(4));
    await queue.close();
    await expect(waiting).rejects.toMatchObject({ code: 'unavailable' });
    expect(queue.offer(job(5))).toBeNull();
  });
});
