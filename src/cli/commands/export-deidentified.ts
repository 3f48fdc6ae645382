import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { DicomStore } from '../../dicom/dicom-store.ts';
import { renderFrame } from '../../dicom/dicomweb/rendered.ts';
import { DcmjsDicomDict, dictString, readPart10 } from '../../dicom/parse/dcmjs.ts';
import { patientAgeYears } from '../../dicom/parse/patient-age.ts';
import type { InstanceFiles } from '../../files/instance-files.ts';
import type { Logger } from '../../log/logger.ts';
import type { Reading } from '../../reading/reading.ts';
import { Pseudonyms, deidentifyDataset, markDeidentified, mayHaveBurnedInText } from '../../security/deidentify/deidentify.ts';
import { LABELS_HEADER, type LabelsCsvRow, labelsCsvLine, labelsFromReading } from './export-labels.ts';

export interface ExportDeps {
  studies: DicomStore;
  files: InstanceFiles;
  /** The signed readings of a study, oldest first (reading domain). */
  signedReadings(studyUid: string): Promise<Reading[]>;
  logger: Logger;
}

export interface ExportSummary {
  studies: number;
  instances: number;
  labelled: number;
  heldForReview: number;
  failed: number;
}

/** Images in ../shared/data are at most 512 px on their long side. */
const MAX_PNG_SIDE = 512;

const VIEWS = new Set(['PA', 'AP']);

/**
 * `readfirst export --deidentify`: every stored instance through the PS3.15 profile into
 * `dicom/<study>/<series>/<sop>.dcm` under new UIDs, a PNG of each image in `images/`, and
 * `labels.csv` in the format of ../shared/data with the radiologists' signed verdicts, keyed to
 * the new ids. Files that may carry burned-in text go to `review/` and `review.csv` instead, for a
 * person to check before release. Nothing identifying is written to the log.
 */
export async function exportDeidentified(
  deps: ExportDeps,
  out: string,
  opts: { source: string; pseudonyms?: Pseudonyms },
): Promise<ExportSummary> {
  const pseudonyms = opts.pseudonyms ?? new Pseudonyms();
  for (const d of ['dicom', 'images', 'review']) await mkdir(join(out, d), { recursive: true });
  const rows: string[] = [LABELS_HEADER];
  const review: string[] = ['file,reason'];
  const summary: ExportSummary = { studies: 0, instances: 0, labelled: 0, heldForReview: 0, failed: 0 };
  for (let offset = 0; ; offset += 500) {
    const page = await deps.studies.findStudies({ limit: 500, offset });
    for (const study of page) {
      summary.studies++;
      const reading = (await deps.signedReadings(study.studyInstanceUid)).at(-1);
      const labels = reading ? labelsFromReading(reading) : null;
      const patientKey = study.patientKey || study.patientId || study.studyInstanceUid;
      const ctx = { pseudonyms, days: pseudonyms.dayShift(patientKey), patientId: pseudonyms.patientId(patientKey) };
      for (const inst of await deps.studies.listInstances(study.studyInstanceUid)) {
        try {
          const bytes = await deps.files.read(inst);
          const parsed = readPart10(bytes);
          const dict = parsed.dict;
          const sex = dictString(dict, '00100040');
          const age = patientAgeYears(dictString(dict, '00101010'), dictString(dict, '00100030'), dictString(dict, '00080020'));
          const view = (dictString(dict, '00185101') ?? '').toUpperCase();
          const burned = mayHaveBurnedInText(dict);
          deidentifyDataset(dict, ctx);
          markDeidentified(dict);
          const sop = pseudonyms.uid(inst.sopInstanceUid);
          parsed.meta['00020003'] = { vr: 'UI', Value: [sop] };
          delete parsed.meta['00020016'];
          const written = new DcmjsDicomDict(parsed.meta);
          written.dict = dict;
          const rel = burned
            ? join('review', `${sop}.dcm`)
            : join('dicom', pseudonyms.uid(inst.studyInstanceUid), pseudonyms.uid(inst.seriesInstanceUid), `${sop}.dcm`);
          await mkdir(join(out, rel, '..'), { recursive: true });
          await writeFile(join(out, rel), Buffer.from(written.write()));
          summary.instances++;
          if (burned) {
            summary.heldForReview++;
            review.push(`${rel},may carry burned-in annotation (BurnedInAnnotation not NO for this kind of object)`);
            continue;
          }
          if (!labels || inst.rows === null) continue;
          const png = await renderFrame(bytes, 0, 'png');
          const file = join('images', `${sop}.png`);
          await writeFile(
            join(out, file),
            await sharp(png).resize(MAX_PNG_SIDE, MAX_PNG_SIDE, { fit: 'inside', withoutEnlargement: true }).png().toBuffer(),
          );
          const row: LabelsCsvRow = {
            file,
            sex: sex === 'M' || sex === 'F' ? sex : null,
            age,
            view: VIEWS.has(view) ? view : '',
            source: opts.source,
            patientId: ctx.patientId,
            labels,
          };
          rows.push(labelsCsvLine(row));
          summary.labelled++;
        } catch (err) {
          summary.failed++;
          deps.logger.error({ err, sopInstanceUid: inst.sopInstanceUid }, 'instance not exported');
        }
      }
    }
    if (page.length < 500) break;
  }
  await writeFile(join(out, 'labels.csv'), `${rows.join('\n')}\n`);
  await writeFile(join(out, 'review.csv'), `${review.join('\n')}\n`);
  await writeFile(
    join(out, 'EXPORT.json'),
    `${JSON.stringify({ profile: 'DICOM PS3.15 E.1 Basic Application Level Confidentiality Profile', options: ['Retain Longitudinal Temporal Information with Modified Dates', 'Retain Patient Characteristics'], privateAttributes: 'removed', ...summary }, null, 2)}\n`,
  );
  return summary;
}
