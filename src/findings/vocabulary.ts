/**
 * The finding vocabulary of readfirst: every finding column of the evaluation sets' labels.csv
 * (../shared/data/README.md), whatever a given model claims. It is the ground-truth vocabulary
 * that readers record ("findings the AI missed"), that monitoring scores against and that
 * training exports; a model's outputs are a subset of it.
 *
 * Codes are SNOMED CT (http://snomed.info/sct), the same concepts the bundled model card
 * (models/readfirst-cxr/model.json) uses, so a reader's finding and a model's output of the same
 * key carry the same code. COVID-19 is not an output of the bundled card: its code is the SNOMED
 * CT concept 840539006 "Disease caused by severe acute respiratory syndrome coronavirus 2".
 *
 * Pure data with no Node imports: the web app imports it too.
 */

export const SNOMED_CT = 'http://snomed.info/sct';

/** A coded concept, as FHIR `Coding` and DICOM SR (code value, scheme, meaning) need it. */
export interface VocabularyCode {
  system: typeof SNOMED_CT;
  code: string;
  display: string;
}

export interface VocabularyEntry {
  /** The labels.csv column name, also the model card's finding key. */
  key: string;
  /** What a reader sees (British spelling, as the reports use). */
  display: string;
  code: VocabularyCode;
  /**
   * `summary` means "none of the findings": it is the absence of the others, never a finding to
   * agree with beside them, nor one a reader adds as missed.
   */
  kind: 'finding' | 'summary';
}

const entry = (
  key: string,
  display: string,
  code: string,
  meaning: string,
  kind: VocabularyEntry['kind'] = 'finding',
): VocabularyEntry => ({
  key,
  display,
  code: { system: SNOMED_CT, code, display: meaning },
  kind,
});

/** In labels.csv column order. */
export const FINDING_VOCABULARY: readonly VocabularyEntry[] = [
  entry('no_finding', 'No finding', '281900007', 'No abnormality detected', 'summary'),
  entry('atelectasis', 'Atelectasis', '46621007', 'Atelectasis'),
  entry('cardiomegaly', 'Cardiomegaly', '8186001', 'Cardiomegaly'),
  entry('consolidation', 'Consolidation', '95436008', 'Lung consolidation'),
  entry('edema', 'Pulmonary oedema', '19242006', 'Pulmonary edema'),
  entry('effusion', 'Pleural effusion', '60046008', 'Pleural effusion'),
  entry('emphysema', 'Emphysema', '87433001', 'Pulmonary emphysema'),
  entry('fibrosis', 'Pulmonary fibrosis', '51615001', 'Fibrosis of lung'),
  entry('hernia', 'Hiatus hernia', '84089009', 'Hiatal hernia'),
  entry('infiltration', 'Infiltration', '409609008', 'Radiologic infiltrate of lung'),
  entry('mass', 'Lung mass', '309529002', 'Lung mass'),
  entry('nodule', 'Lung nodule', '427359005', 'Solitary nodule of lung'),
  entry('pleural_thickening', 'Pleural thickening', '44608003', 'Pleural thickening'),
  entry('pneumonia', 'Pneumonia', '233604007', 'Pneumonia'),
  entry('pneumothorax', 'Pneumothorax', '36118008', 'Pneumothorax'),
  entry('covid19', 'COVID-19', '840539006', 'Disease caused by severe acute respiratory syndrome coronavirus 2'),
];

/** The key of the summary entry ("no finding"). */
export const NO_FINDING_KEY = 'no_finding';

const BY_KEY: ReadonlyMap<string, VocabularyEntry> = new Map(FINDING_VOCABULARY.map((e) => [e.key, e]));

/** The entry of a key, or undefined for a key outside the vocabulary. */
export function vocabularyEntry(key: string): VocabularyEntry | undefined {
  return BY_KEY.get(key);
}

/** Whether a key names a finding (not the summary, not unknown). */
export function isFindingKey(key: string): boolean {
  return BY_KEY.get(key)?.kind === 'finding';
}

/** The findings a reader can record, the summary left out. */
export const RECORDABLE_FINDINGS: readonly VocabularyEntry[] = FINDING_VOCABULARY.filter((e) => e.kind === 'finding');

/** Display name of a key: the vocabulary's, else the key made readable. */
export function findingDisplay(key: string): string {
  return BY_KEY.get(key)?.display ?? key.replace(/_/g, ' ');
}
