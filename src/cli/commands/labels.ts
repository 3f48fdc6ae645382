import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.ts';
import { systemClock } from '../../core/clock.ts';
import { ReadfirstError } from '../../core/errors.ts';
import { GroundTruthStore, parseGroundTruthCsv } from '../../monitor/ground-truth.ts';
import { allMigrations } from '../../app/modules.ts';
import { openDb } from '../../store/open.ts';

interface ImportOptions {
  config?: string;
  importedBy?: string;
}

/** Imports a labels CSV into the ground-truth store; prints what it read and how many keys match stored studies. */
export async function importLabels(
  csvPath: string,
  opts: ImportOptions = {},
): Promise<{ rows: number; labels: number; matched: number; batchId: string }> {
  const config = loadConfig(opts.config ? { file: opts.config } : {});
  const bytes = await readFile(csvPath).catch((e: unknown) => {
    throw new ReadfirstError('invalid-input', `cannot read ${csvPath}`, undefined, { cause: e });
  });
  const parsed = parseGroundTruthCsv(bytes.toString('utf8'), basename(csvPath));
  const db = await openDb({
    databaseUrl: config.databaseUrl,
    sqlitePath: join(resolve(config.dataDir), 'readfirst.db'),
    migrations: allMigrations,
  });
  try {
    const store = new GroundTruthStore(db);
    const { batchId, labels } = await store.importBatch(parsed, {
      fileName: basename(csvPath),
      sha256: createHash('sha256').update(bytes).digest('hex'),
      importedBy: opts.importedBy ?? userInfo().username,
      now: systemClock.now(),
    });
    return { rows: parsed.rows.length, labels, matched: await store.matchedKeys(parsed), batchId };
  } finally {
    await db.close();
  }
}

/** `readfirst labels import <csv>`: external ground truth for retrospective audits. */
export function registerLabels(program: Command): void {
  const labels = program.command('labels').description('ground-truth labels for monitoring');
  labels
    .command('import <csv>')
    .description(
      'import labels keyed by study_uid or accession_number, finding columns as in ../shared/data labels.csv (1, 0, empty = unknown)',
    )
    .option('--config <file>', 'configuration file')
    .option('--imported-by <name>', 'who is importing (recorded with the batch)')
    .action(async (csv: string, o: ImportOptions) => {
      const r = await importLabels(csv, o);
      process.stdout.write(
        `imported ${r.labels} labels from ${r.rows} rows (batch ${r.batchId}); ${r.matched} rows match a stored study now, the others are kept and match when their study arrives\n`,
      );
    });
}
