/**
 * `npm run bench -- memory [--studies N] [--in-flight N]`
 *
 * Resident memory of a server that analyses N one-image studies (real 1024² chest X-rays, JPEG
 * baseline and uncompressed, alternating) arriving as a burst, then writes their outputs (SR, KOS,
 * heat-map objects) and goes idle: RSS before, at its peak, and after 15 s idle. Each case runs in
 * a fresh process, so one cannot inherit the other's heap. The baseline is the same burst with
 * the outputs turned off (inference alone); the ratio is the outputs' share of the peak.
 * Uses models/readfirst-cxr.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import dcmjs from 'dcmjs';
import { startAppWith } from '../src/app/app.ts';
import { wireApp } from '../src/app/modules.ts';
import { loadConfig } from '../src/config/load.ts';
import { JPEG_BASELINE, UNCOMPRESSED, setString } from '../src/inference/testing/dicom-fixtures.ts';
import { samplePath } from '../test/support/shared-data.ts';

interface Phase {
  outputs: boolean;
  studies: number;
  startMb: number;
  peakMb: number;
  idleMb: number;
  seconds: number;
}

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

const rssMb = (): number => Math.round(process.memoryUsage().rss / 1048576);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One case in this process: prints its Phase as the last line. */
async function phase(outputs: boolean, studies: number, inFlight: number): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rf-bench-memory-'));
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir,
      'log.level': 'silent',
      'http.port': 0,
      'dimse.enabled': false,
      'inference.modelDirs': [resolve('models/readfirst-cxr')],
      'reports.enabled': outputs,
    },
  });
  const app = await startAppWith(config, wireApp, { listen: false });
  const samples = [JPEG_BASELINE, UNCOMPRESSED].map((s) => readFileSync(samplePath(s)));
  const waits = new Map<string, () => void>();
  app.ctx.bus.on('study.analysed', (e) => {
    if (e.sopInstanceUid !== null) waits.get(e.studyInstanceUid)?.();
  });
  const study = (i: number): { uid: string; bytes: Buffer } => {
    const sample = samples[i % samples.length] ?? Buffer.alloc(0);
    const file = dcmjs.data.DicomMessage.readFile(sample.buffer.slice(sample.byteOffset, sample.byteOffset + sample.byteLength));
    const uid = `1.2.826.0.1.3680043.10.1455.97.${process.pid}.${i}`;
    setString(file.dict, '0020000D', 'UI', uid);
    setString(file.dict, '0020000E', 'UI', `${uid}.1`);
    setString(file.dict, '00080018', 'UI', `${uid}.1.1`);
    setString(file.meta, '00020003', 'UI', `${uid}.1.1`);
    return { uid, bytes: Buffer.from(file.write()) };
  };
  // Warm-up: the workers' sessions and first allocations are not what is measured.
  for (let i = 0; i < 4; i++) {
    const s = study(studies + i);
    const analysed = new Promise<void>((r) => waits.set(s.uid, r));
    await app.services.dicom.ingest.storeBuffer(s.bytes, 'import');
    await analysed;
  }
  await sleep(2000);
  const startMb = rssMb();
  let peakMb = startMb;
  const sampler = setInterval(() => (peakMb = Math.max(peakMb, rssMb())), 250);
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < studies) {
        const s = study(next++);
        const analysed = new Promise<void>((r) => waits.set(s.uid, r));
        await app.services.dicom.ingest.storeBuffer(s.bytes, 'import');
        await analysed;
        waits.delete(s.uid);
      }
    }),
  );
  // Closing waits for the outputs still being written; the RSS after is read before the exit.
  await app.close();
  const seconds = Math.round((performance.now() - t0) / 1000);
  await sleep(15_000);
  clearInterval(sampler);
  const result: Phase = { outputs, studies, startMb, peakMb: Math.max(peakMb, rssMb()), idleMb: rssMb(), seconds };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function child(args: string[]): Promise<Phase> {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', 'memory', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', rej);
    p.on('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('{')) return rej(new Error(`memory phase ${args.join(' ')} exited ${code}: ${out.slice(-500)}`));
      res(JSON.parse(last) as Phase);
    });
  });
}

export async function main(args: string[]): Promise<void> {
  const studies = option(args, 'studies', 300);
  const inFlight = option(args, 'in-flight', 4);
  const only = args.indexOf('--phase');
  if (only >= 0) return phase(args[only + 1] === 'outputs', studies, inFlight);
  const common = ['--studies', String(studies), '--in-flight', String(inFlight)];
  const base = await child([...common, '--phase', 'inference']);
  const full = await child([...common, '--phase', 'outputs']);
  const rows: [string, string, string, string, string][] = [
    ['', 'RSS before MB', 'peak MB', 'after 15 s idle MB', 's'],
    ...[base, full].map((r): [string, string, string, string, string] => [
      r.outputs ? `analysis + outputs (SR, KOS, heat-maps), ${r.studies} studies` : `analysis alone, ${r.studies} studies (baseline)`,
      String(r.startMb),
      String(r.peakMb),
      String(r.idleMb),
      String(r.seconds),
    ]),
  ];
  for (const r of rows)
    process.stdout.write(
      `${r[0].padEnd(56)}${r
        .slice(1)
        .map((c) => c.padStart(20))
        .join('')}\n`,
    );
  process.stdout.write(
    `\npeak with outputs / peak of analysis alone: ${(full.peakMb / base.peakMb).toFixed(2)}x; idle: ${(full.idleMb / base.idleMb).toFixed(2)}x\n`,
  );
}
