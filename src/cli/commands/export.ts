import type { Command } from 'commander';
import { ReadfirstError } from '../../core/errors.ts';
import { SqlDicomStore } from '../../dicom/store/sql-dicom-store.ts';
import { instanceFilesDir, LocalInstanceFiles } from '../../files/local-instance-files.ts';
import { createLogger } from '../../log/logger.ts';
import { ReadingStore } from '../../reading/reading-store.ts';
import { exportDeidentified } from './export-deidentified.ts';
import { openSecurityContext } from './security-context.ts';

/** `readfirst export --deidentify --out <dir>`: a PS3.15 de-identified copy with labels.csv for training/. */
export function registerExport(program: Command): void {
  program
    .command('export')
    .description(
      'write a de-identified copy of every stored study (DICOM PS3.15 Basic Profile, modified dates, patient characteristics) with labels.csv and PNGs for training/',
    )
    .requiredOption('--out <dir>', 'folder to write (dicom/, images/, labels.csv, review/, review.csv)')
    .option('--deidentify', 'required: readfirst only exports de-identified data')
    .option('--source <name>', 'the `source` column of labels.csv', 'readfirst-export')
    .option('-c, --config <file>', 'configuration file (YAML or JSON)')
    .action(async (opts: { out: string; deidentify?: boolean; source: string; config?: string }) => {
      if (!opts.deidentify)
        throw new ReadfirstError('invalid-input', 'readfirst exports patient data only de-identified: pass --deidentify');
      const ctx = await openSecurityContext(opts.config);
      try {
        const readings = new ReadingStore(ctx.db);
        const summary = await exportDeidentified(
          {
            studies: new SqlDicomStore(ctx.db),
            files: new LocalInstanceFiles(instanceFilesDir(ctx.config)),
            signedReadings: (uid) => readings.signedForStudy(uid),
            logger: createLogger('warn', process.stderr),
          },
          opts.out,
          { source: opts.source },
        );
        await ctx.audit({
          action: 'export',
          objectType: 'export',
          objectId: opts.out,
          detail: { what: 'de-identified studies', ...summary },
        });
        process.stdout.write(
          `exported ${summary.instances} instances of ${summary.studies} studies to ${opts.out}: ${summary.labelled} labelled images, ${summary.heldForReview} held for review (burned-in text), ${summary.failed} failed\n`,
        );
        if (summary.failed > 0) process.exitCode = 1;
      } finally {
        await ctx.close();
      }
    });
}
