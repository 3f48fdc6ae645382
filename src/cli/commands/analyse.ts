import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { Registry } from 'prom-client';
import { loadConfig } from '../../config/load.ts';
import { systemClock } from '../../core/clock.ts';
import { ReadfirstError } from '../../core/errors.ts';
import { allMigrations } from '../../app/modules.ts';
import { createIngest } from '../../dicom/ingest/create-ingest.ts';
import { SqlDicomStore } from '../../dicom/store/sql-dicom-store.ts';
import { InMemoryBus } from '../../events/bus.ts';
import { analyseInstance, studyReading, unreadImages } from '../../inference/analyse-study.ts';
import { InferenceEngine } from '../../inference/engine.ts';
import { isPositive } from '../../inference/findings.ts';
import { loadPackages } from '../../inference/module.ts';
import { SqlInferenceResultStore } from '../../inference/result-store.ts';
import { createLogger } from '../../log/logger.ts';
import { primaryDecision } from '../../reports/model-analysis.ts';
import type { OutputObject } from '../../reports/output-object.ts';
import { buildStudyOutputs } from '../../reports/study-outputs.ts';
import { openDb } from '../../store/open.ts';
import { fhirReportBundle } from '../../reports/fhir/diagnostic-report.ts';
import { oruR01 } from '../../reports/hl7/oru-r01.ts';

async function* walk(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(p);
    else if (entry.isFile() && !entry.name.startsWith('.')) yield p;
  }
}

/** One study's line in the summary table. */
export interface AnalysedStudyRow {
  studyInstanceUid: string;
  images: number;
  status: string;
  /** Findings positive at the card's primary (balanced) operating point, with their highest probability. */
  positive: string[];
  files: string[];
}

export interface AnalyseSummary {
  stored: number;
  quarantined: { file: string; reason: string }[];
  studies: AnalysedStudyRow[];
}

export interface AnalyseOptions {
  config?: string;
  /** Model package folders (default: the configured inference.modelDirs). */
  models?: string[];
}

const FILE_OF: Record<OutputObject['kind'], string> = { sr: 'sr', kos: 'kos', heatmap: 'heatmap' };

/**
 * `readfirst analyse`: the whole pipeline on a folder without a server. Every file goes through
 * the ingest path into a temporary store (malformed files are quarantined and listed, never
 * fatal), each study is analysed by the engine, and its DICOM outputs (TID 1500 SR, KOS,
 * heat-map captures) are written under `<out>/<StudyInstanceUID>/`, with `summary.tsv` beside.
 */
export async function analyseFolder(folder: string, out: string, opts: AnalyseOptions = {}): Promise<AnalyseSummary> {
  const config = loadConfig(opts.config ? { file: opts.config } : {});
  const logger = createLogger(config.log.level === 'info' ? 'warn' : config.log.level, process.stderr);
  const work = await mkdtemp(join(tmpdir(), 'readfirst-analyse-'));
  const db = await openDb({ sqlitePath: join(work, 'readfirst.db'), migrations: allMigrations });
  const { packages, refused } = await loadPackages(opts.models?.length ? opts.models : config.inference.modelDirs);
  for (const r of refused) process.stderr.write(`model package refused: ${r.dir}: ${r.message}\n`);
  const engine = await InferenceEngine.start({
    packages,
    workers: 1,
    intraOpThreads: config.inference.intraOpThreads,
    maxBatch: config.inference.maxBatch,
    jobTimeoutMs: config.inference.jobTimeoutMs,
  });
  const summary: AnalyseSummary = { stored: 0, quarantined: [], studies: [] };
  let closeIngest = async (): Promise<void> => undefined;
  try {
    const ingest = await createIngest({
      dataDir: work,
      db,
      bus: new InMemoryBus(() => undefined),
      clock: systemClock,
      logger,
      metrics: new Registry(),
    });
    closeIngest = () => ingest.close();
    const dicomStore = new SqlDicomStore(db);
    const instanceFiles = ingest.files;
    const root = resolve(folder);
    const studies = new Set<string>();
    for await (const p of walk(root)) {
      const r = await ingest.service.storeBuffer(await readFile(p), 'import', { source: p });
      if (r.outcome === 'stored' || r.outcome === 'duplicate') {
        summary.stored++;
        studies.add(r.studyInstanceUid);
      } else summary.quarantined.push({ file: p.slice(root.length + 1), reason: r.message });
    }
    const results = new SqlInferenceResultStore(db);
    await mkdir(out, { recursive: true });
    for (const study of [...studies].sort()) {
      const deps = { engine, results, dicomStore, instanceFiles, now: () => systemClock.now() };
      // The same reading path as the server: each image once, then the study's whole answer.
      for (const job of await unreadImages(deps, study)) await analyseInstance(deps, job);
      const analysed = await studyReading(deps, study, { sopInstanceUid: null, complete: true });
      const objects = await buildStudyOutputs(
        {
          results,
          heatmaps: results,
          dicomStore,
          instanceFiles,
          now: () => systemClock.now(),
          outputs: config.reports.outputs,
          manufacturer: config.reports.manufacturer,
          logger,
        },
        study,
      );
      const dir = join(out, study);
      const files: string[] = [];
      if (objects.length) await mkdir(dir, { recursive: true });
      let n = 0;
      for (const o of objects) {
        const name = o.kind === 'heatmap' ? `${FILE_OF[o.kind]}-${++n}.dcm` : `${FILE_OF[o.kind]}.dcm`;
        await writeFile(join(dir, name), o.bytes);
        files.push(name);
      }
      // The same answer as FHIR R4 (a preliminary DiagnosticReport bundle) and as an HL7 v2 ORU^R01.
      const record = await dicomStore.getStudy(study);
      const all = await results.listForStudy(study);
      if (record) {
        await mkdir(dir, { recursive: true });
        await writeFile(join(dir, 'fhir-bundle.json'), `${JSON.stringify(fhirReportBundle({ study: record, results: all }), null, 2)}\n`);
        const oru = oruR01(record, all, {
          sendingApplication: 'READFIRST',
          sendingFacility: config.reports.manufacturer,
          receivingApplication: 'RIS',
          receivingFacility: 'HOSPITAL',
          controlId: `RF${study.replace(/\./g, '').slice(-16)}`,
          at: systemClock.now(),
        });
        await writeFile(join(dir, 'oru-r01.hl7'), oru.toString().replace(/\r/g, '\r\n'));
        files.push('fhir-bundle.json', 'oru-r01.hl7');
      }
      const best = new Map<string, number>();
      for (const r of all)
        for (const f of r.findings)
          if (f.key !== 'no_finding' && isPositive(f) && primaryDecision(f.decisions)?.positive)
            best.set(f.display, Math.max(best.get(f.display) ?? 0, f.probability));
      summary.studies.push({
        studyInstanceUid: study,
        images: (await dicomStore.listInstances(study)).length,
        status: analysed.status,
        positive: [...best].map(([k, p]) => `${k} ${p.toFixed(2)}`),
        files,
      });
    }
    await writeFile(join(out, 'summary.tsv'), formatSummary(summary, '\t'));
  } finally {
    await closeIngest();
    await engine.close();
    await db.close();
    await rm(work, { recursive: true, force: true });
  }
  return summary;
}

/** The summary table: one line per study (UIDs only, no patient names), then quarantined files. */
export function formatSummary(s: AnalyseSummary, sep = '  '): string {
  const rows = [
    ['study', 'images', 'status', 'positive findings (balanced)', 'outputs'],
    ...s.studies.map((r) => [r.studyInstanceUid, String(r.images), r.status, r.positive.join(', ') || '-', r.files.join(' ') || '-']),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  const lines = rows.map((r) =>
    sep === '\t'
      ? r.join('\t')
      : r
          .map((c, i) => c.padEnd(widths[i] ?? 0))
          .join(sep)
          .trimEnd(),
  );
  for (const q of s.quarantined) lines.push(sep === '\t' ? `quarantined\t${q.file}\t${q.reason}` : `quarantined: ${q.file}: ${q.reason}`);
  return `${lines.join('\n')}\n`;
}

/** `readfirst analyse <folder> --out <dir>`. */
export function registerAnalyse(program: Command): void {
  program
    .command('analyse <folder>')
    .description('run the whole pipeline on a folder of DICOM files without a server and write the SR, KOS and heat-map objects per study')
    .requiredOption('-o, --out <dir>', 'output folder')
    .option('-c, --config <file>', 'configuration file (YAML or JSON)')
    .option('-m, --model <dir...>', 'model package folder(s); default: inference.modelDirs')
    .action(async (folder: string, o: { out: string; config?: string; model?: string[] }) => {
      const s = await analyseFolder(folder, resolve(o.out), {
        ...(o.config ? { config: o.config } : {}),
        ...(o.model ? { models: o.model } : {}),
      });
      process.stdout.write(formatSummary(s));
      process.stdout.write(
        `${s.stored} images in ${s.studies.length} studies, ${s.quarantined.length} quarantined; outputs in ${resolve(o.out)}\n`,
      );
      if (s.stored === 0) throw new ReadfirstError('invalid-input', 'no DICOM file could be read from the folder');
    });
}
