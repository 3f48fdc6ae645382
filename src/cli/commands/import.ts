import { instanceFilesDir } from '../../files/local-instance-files.ts';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { Registry } from 'prom-client';
import { allMigrations } from '../../app/modules.ts';
import { loadConfig } from '../../config/load.ts';
import { systemClock } from '../../core/clock.ts';
import { ReadfirstError } from '../../core/errors.ts';
import { createIngest, ingestLimits, type Ingest } from '../../dicom/ingest/create-ingest.ts';
import { InMemoryBus } from '../../events/bus.ts';
import { DataDirLock } from '../../files/data-dir-lock.ts';
import { createLogger } from '../../log/logger.ts';
import type { Db } from '../../store/db.ts';
import { openDb } from '../../store/open.ts';

async function* walk(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(p);
    else if (entry.isFile() && !entry.name.startsWith('.')) yield p;
  }
}

export interface ImportSummary {
  stored: number;
  duplicate: number;
  quarantined: number;
  failed: number;
  skipped: number;
}

/**
 * Imports every file under `folder` through the same ingest path as C-STORE and STOW-RS.
 * Resumable: a file already seen with the same path, size and mtime is skipped. It holds the
 * data-directory lock, so it runs while the server is stopped (to feed a running server, send
 * with storescu or STOW-RS); studies are left 'receiving' and the server's completeness sweep
 * declares them complete when it starts.
 */
export async function importFolder(folder: string, opts: { config?: string; progress?: boolean } = {}): Promise<ImportSummary> {
  const config = loadConfig(opts.config ? { file: opts.config } : {});
  const dataDir = resolve(config.dataDir);
  const logger = createLogger(config.log.level === 'info' ? 'warn' : config.log.level, process.stderr);
  // The import writes the data directory's journal: a running server must not share it.
  const lock = DataDirLock.acquire(dataDir, 'import');
  let db: Db;
  try {
    db = await openDb({ databaseUrl: config.databaseUrl, sqlitePath: join(dataDir, 'readfirst.db'), migrations: allMigrations });
  } catch (e) {
    lock.release();
    throw e;
  }
  // The server's own ingest path: journal, durable commit, quarantine. Nothing counts as stored
  // before it is durable, so an import killed at any point resumes without loss.
  let ingest: Ingest;
  try {
    ingest = await createIngest({
      dataDir,
      filesDir: instanceFilesDir({ ...config, dataDir }),
      db,
      bus: new InMemoryBus(() => undefined),
      clock: systemClock,
      logger,
      metrics: new Registry(),
      limits: ingestLimits(config),
    });
  } catch (e) {
    await db.close();
    lock.release();
    throw e;
  }
  const store = ingest.store;
  const summary: ImportSummary = { stored: 0, duplicate: 0, quarantined: 0, failed: 0, skipped: 0 };
  try {
    const root = resolve(folder);
    const paths: string[] = [];
    for await (const p of walk(root)) paths.push(p);
    const bar =
      opts.progress === false
        ? undefined
        : new cliProgress.SingleBar(
            {
              format: 'import [{bar}] {value}/{total} files | {stored} stored, {skipped} skipped, {quarantined} quarantined',
              hideCursor: true,
            },
            cliProgress.Presets.shades_classic,
          );
    bar?.start(paths.length, 0, { ...summary });
    for (const p of paths) {
      const st = await stat(p);
      if (await store.importSeen(p, st.size, st.mtimeMs)) summary.skipped++;
      else {
        const r = await ingest.service.storeBuffer(await readFile(p), 'import', { source: p });
        summary[r.outcome]++;
        if (r.outcome !== 'failed') await store.recordImportSeen(p, st.size, st.mtimeMs, r.outcome, Date.now());
      }
      bar?.increment(1, { ...summary });
    }
    bar?.stop();
  } finally {
    await ingest.close();
    await db.close();
    lock.release();
  }
  return summary;
}

/** `readfirst import <folder>`: recursive, resumable folder import with a progress bar. */
export function registerImport(program: Command): void {
  program
    .command('import <folder>')
    .description('import DICOM files from a folder (recursive, resumable)')
    .option('-c, --config <file>', 'configuration file (YAML or JSON)')
    .option('--no-progress', 'no progress bar')
    .action(async (folder: string, opts: { config?: string; progress: boolean }) => {
      const s = await importFolder(folder, opts);
      process.stdout.write(
        `${s.stored} stored, ${s.duplicate} duplicate, ${s.skipped} skipped, ${s.quarantined} quarantined, ${s.failed} failed\n`,
      );
      if (s.failed > 0) throw new ReadfirstError('unavailable', `${s.failed} files could not be stored`);
    });
}
