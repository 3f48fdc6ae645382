import { describe, expect, it } from 'vitest';
import { fuzzIngest } from './support/fuzz/fuzz-ingest.ts';

// Issue 12, "npm run fuzz": the short CI version (the full run is `npm run fuzz`, 10,000 inputs).
describe('ingest fuzzing (short)', () => {
  it('survives seeded mutated and truncated files over STOW-RS and DIMSE without crash, hang, 5xx or lost good file', async () => {
    const r = await fuzzIngest({ n: 300, seed: 12 });
    expect(r.inputs).toBe(300);
    expect(r.viaDimse).toBeGreaterThan(0);
    expect(r.viaStow).toBeGreaterThan(0);
    expect({ crashes: r.crashes, hangs: r.hangs, http5xx: r.http5xx, goodLost: r.goodLost }).toEqual({
      crashes: 0,
      hangs: 0,
      http5xx: 0,
      goodLost: 0,
    });
    expect(r.good).toBe(30);
    expect(r.stored).toBeGreaterThanOrEqual(r.good);
    expect(r.quarantinedOrRefused).toBeGreaterThan(80);
  }, 240_000);
});
