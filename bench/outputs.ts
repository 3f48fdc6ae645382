/**
 * `npm run bench -- outputs [studies]`: the AI outputs of one chest X-ray study (TID 1500 SR, KOS,
 * heat-map Secondary Capture) written `studies` times, then sent to a Debian Orthanc on loopback
 * by readfirst's C-STORE SCU and STOW-RS client through the outbox sender interface. Baseline in
 * the same run: dcmtk storescu sending the same files to the same Orthanc in one association.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildHeatmapSc } from '../src/reports/heatmap-dicom/secondary-capture.ts';
import { buildKos } from '../src/reports/kos/key-object-selection.ts';
import type { OutputObject } from '../src/reports/output-object.ts';
import { buildSr } from '../src/reports/sr/comprehensive-3d-sr.ts';
import { fixtureAnalysis } from '../src/reports/testing/analysis-fixture.ts';
import { orthanc } from '../src/reports/testing/orthanc.ts';
import { cStoreSender } from '../src/reports/writeback/cstore-scu.ts';
import type { DestinationSender } from '../src/reports/writeback/send-result.ts';
import { stowRsSender } from '../src/reports/writeback/stow-rs-client.ts';
import { acknowledgedCount, runDcmtk } from '../test/support/dcmtk.ts';
import { freePort } from '../test/support/server-process.ts';

async function outputsOf(i: number): Promise<OutputObject[]> {
  const { analysis, imageBytes } = fixtureAnalysis();
  const first = analysis.results[0];
  if (!first) throw new Error('fixture has no result');
  // A new result id per study gives new stable UIDs: every study is new to the PACS.
  const result = { ...first, id: `bench-${i}` };
  const a = { ...analysis, results: [result] };
  const finding = result.findings[0];
  if (!finding) throw new Error('fixture has no finding');
  const cam = { width: 7, height: 7, data: Array.from({ length: 49 }, (_, k) => (k % 7) * Math.floor(k / 7)) };
  const sc = await buildHeatmapSc(a, {
    result,
    finding,
    imageBytes,
    instanceNumber: 1,
    source: {
      cam,
      inputWidth: 224,
      inputHeight: 224,
      placement: { scaleX: 224 / 1024, scaleY: 224 / 1024, offsetX: 0, offsetY: 0, width: 224, height: 224 },
      columns: 1024,
      rows: 1024,
    },
  });
  const kos = buildKos(a);
  return [buildSr(a), ...(kos ? [kos] : []), sc];
}

async function send(sender: DestinationSender, objects: OutputObject[], batch: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < objects.length; i += batch) {
    const part = objects.slice(i, i + batch);
    const r = await sender.send(
      part.map((o) => ({ id: o.sopInstanceUid, contentType: 'application/dicom', studyInstanceUid: o.studyInstanceUid, body: o.bytes })),
    );
    const failed = [...r.values()].filter((x) => !x.ok);
    if (failed.length) throw new Error(`${sender.id}: ${failed.length} not stored (${failed[0] && !failed[0].ok ? failed[0].error : ''})`);
  }
  return performance.now() - t0;
}

export async function main(args: string[]): Promise<void> {
  const studies = Number(args[0] ?? 20);
  const pacs = orthanc({ httpPort: await freePort(), dicomPort: await freePort() });
  const dir = mkdtempSync(join(tmpdir(), 'rf-bench-outputs-'));
  await pacs.start();
  try {
    const t0 = performance.now();
    const sets: OutputObject[][] = [];
    for (let i = 0; i < studies * 3; i++) sets.push(await outputsOf(i));
    const buildMs = (performance.now() - t0) / sets.length;
    const [forStorescu = [], forDimse = [], forStow = []] = [
      sets.slice(0, studies),
      sets.slice(studies, 2 * studies),
      sets.slice(2 * studies),
    ].map((s) => s.flat());
    forStorescu.forEach((o, k) => writeFileSync(join(dir, `${k}.dcm`), o.bytes));
    const tb = performance.now();
    const r = await runDcmtk('storescu', [
      '-v',
      '-R',
      '-aec',
      pacs.aeTitle,
      '127.0.0.1',
      String(pacs.dicomPort),
      '--scan-directories',
      dir,
    ]);
    const baselineMs = performance.now() - tb;
    if (acknowledgedCount(r.stdout + r.stderr) !== forStorescu.length)
      throw new Error(
        `storescu stored ${acknowledgedCount(r.stdout + r.stderr)} of ${forStorescu.length}: ${(r.stdout + r.stderr)
          .split('\n')
          .filter((l) => /Response|E:|W:/.test(l))
          .slice(0, 8)
          .join(' / ')}`,
      );
    const dimseMs = await send(
      cStoreSender({
        id: 'orthanc-dimse',
        host: '127.0.0.1',
        port: pacs.dicomPort,
        calledAeTitle: pacs.aeTitle,
        callingAeTitle: 'READFIRST',
        timeoutMs: 60_000,
      }),
      forDimse,
      20,
    );
    const stowMs = await send(
      stowRsSender({ id: 'orthanc-stow', url: `http://127.0.0.1:${pacs.httpPort}/dicom-web`, headers: {}, timeoutMs: 60_000 }),
      forStow,
      20,
    );
    const rate = (n: number, ms: number): string => `${((n / ms) * 1000).toFixed(1)} objects/s`;
    const bytes = forDimse.reduce((s, o) => s + o.bytes.length, 0);
    process.stdout.write(
      `outputs per study (SR + KOS + heat-map SC, ${(bytes / forDimse.length / 1024).toFixed(0)} KiB/object avg): built in ${buildMs.toFixed(1)} ms\n`,
    );
    process.stdout.write(`storescu baseline: ${forStorescu.length} objects ${rate(forStorescu.length, baselineMs)}\n`);
    process.stdout.write(
      `readfirst C-STORE SCU (batches of 20): ${forDimse.length} objects ${rate(forDimse.length, dimseMs)}, ratio to storescu ${(baselineMs / forStorescu.length / (dimseMs / forDimse.length)).toFixed(2)}x\n`,
    );
    process.stdout.write(
      `readfirst STOW-RS (batches of 20): ${forStow.length} objects ${rate(forStow.length, stowMs)}, ratio to storescu ${(baselineMs / forStorescu.length / (stowMs / forStow.length)).toFixed(2)}x\n`,
    );
  } finally {
    await pacs.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
