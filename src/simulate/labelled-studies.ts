import { join } from 'node:path';
import sharp from 'sharp';
import type { LabelRow } from '../monitor/labels-csv.ts';
import { viewFromLabel } from '../inference/score-file.ts';
import { greyToDicom } from './demo-images.ts';

/**
 * One labelled image of a ../shared/data set (labels.csv row) as a one-image DICOM study, with
 * the row's sex, age, view and patient id in the header and `accession` as its AccessionNumber,
 * so labels can be imported by accession. Pixels are kept as decoded (no resize), so the model
 * sees what `readfirst eval` sees on the same file.
 */
export async function labelledRowToDicom(folder: string, row: LabelRow, accession: string): Promise<Buffer> {
  const { data, info } = await sharp(join(folder, row.file)).greyscale().raw().toBuffer({ resolveWithObject: true });
  const view = viewFromLabel(row.view);
  return greyToDicom(data, info.width, info.height, {
    patientName: 'PUBLIC^Dataset',
    description: `labelled public image ${row.file}`,
    location: '',
    priority: 'ROUTINE',
    sex: row.sex ?? 'O',
    ...(row.age !== null ? { age: `${String(Math.round(row.age)).padStart(3, '0')}Y` } : {}),
    ...(view ? { view } : {}),
    accession,
    patientId: row.patientId,
    manufacturer: row.source || 'unknown',
  });
}
