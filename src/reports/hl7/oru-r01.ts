import { Hl7Message, Hl7Segment } from '@medplum/core';
import type { StudyRecord } from '../../dicom/dicom-store.ts';
import type { InferenceResult } from '../../inference/result.ts';

export interface OruOptions {
  sendingApplication: string;
  sendingFacility: string;
  receivingApplication: string;
  receivingFacility: string;
  /** MSH-10; stable per study and content so a resend is recognisable. */
  controlId: string;
  /** Epoch ms of the message. */
  at: number;
}

/** HL7 v2 TS: YYYYMMDDHHMMSS (UTC). */
function ts(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** Escapes HL7 delimiters in free text (HL7 v2 2.7 escape sequences). */
export function hl7Escape(s: string): string {
  return s
    .replace(/\\/g, '\\E\\')
    .replace(/\|/g, '\\F\\')
    .replace(/\^/g, '\\S\\')
    .replace(/~/g, '\\R\\')
    .replace(/&/g, '\\T\\')
    .replace(/[\r\n]+/g, ' ');
}

const seg = (fields: string[]): Hl7Segment => new Hl7Segment(fields);

/**
 * ORU^R01 (HL7 v2.5.1, unsolicited observation result) of one analysed study: OBR-25 result
 * status P (preliminary, never F from the AI), one OBX per finding (NM probability, coded with
 * the model card's code, OBX-11 P, OBX-18 the model id and version), an OBX per positive
 * operating point decision, and an NTE saying the result is AI-generated. A pure function.
 */
export function oruR01(study: StudyRecord, results: readonly InferenceResult[], o: OruOptions): Hl7Message {
  const analysed = results.filter((r) => r.status === 'analysed' && r.model && !r.model.shadow);
  const [family = '', given = ''] = (study.patientName ?? '').split('^');
  const segments: Hl7Segment[] = [
    seg([
      'MSH',
      '^~\\&',
      hl7Escape(o.sendingApplication),
      hl7Escape(o.sendingFacility),
      hl7Escape(o.receivingApplication),
      hl7Escape(o.receivingFacility),
      ts(o.at),
      '',
      'ORU^R01^ORU_R01',
      o.controlId,
      'P',
      '2.5.1',
      '',
      '',
      'AL',
      'NE',
    ]),
    seg([
      'PID',
      '1',
      '',
      `${hl7Escape(study.patientId ?? '')}^^^^MR`,
      '',
      `${hl7Escape(family)}^${hl7Escape(given)}`,
      '',
      study.patientBirthDate ?? '',
      study.patientSex ?? '',
    ]),
    seg(['ORC', 'RE', '', hl7Escape(study.accessionNumber ?? ''), '', 'CM']),
    seg([
      'OBR',
      '1',
      '',
      hl7Escape(study.accessionNumber ?? ''),
      `AI-TRIAGE^AI triage of ${hl7Escape(study.studyDescription ?? 'imaging study')}^L`,
      '',
      '',
      study.studyDate ? `${study.studyDate}${(study.studyTime ?? '').slice(0, 6)}` : '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      hl7Escape(study.accessionNumber ?? ''),
      '',
      '',
      '',
      ts(o.at),
      '',
      '',
      'P',
    ]),
  ];
  let n = 0;
  for (const r of analysed) {
    const model = r.model;
    if (!model) continue;
    const equipment = `${hl7Escape(model.modelId)}^${hl7Escape(`${model.modelName} ${model.modelVersion}`)}`;
    for (const f of r.findings) {
      n += 1;
      const positive = f.decisions.filter((d) => d.positive).map((d) => d.name);
      const system = f.code.system.includes('snomed') ? 'SCT' : f.code.system.includes('radlex') ? 'RADLEX' : 'L';
      segments.push(
        seg([
          'OBX',
          String(n),
          'NM',
          `${hl7Escape(f.code.code)}^${hl7Escape(f.display)}^${system}`,
          hl7Escape(r.sopInstanceUid ?? ''),
          f.probability.toFixed(4),
          '1^probability^UCUM',
          '',
          positive.length > 0 ? 'A' : 'N',
          '',
          '',
          'P',
          '',
          '',
          ts(r.createdAt),
          '',
          '',
          '',
          equipment,
        ]),
      );
      if (positive.length > 0) segments.push(seg(['NTE', String(n), 'L', hl7Escape(`${f.display}: positive at ${positive.join(', ')}`)]));
    }
  }
  const models = [...new Set(analysed.map((r) => `${r.model?.modelName ?? ''} ${r.model?.modelVersion ?? ''}`))].join(', ');
  segments.push(
    seg([
      'NTE',
      String(n + 1),
      'L',
      hl7Escape(
        `AI-generated preliminary result${models ? ` (model ${models})` : ': no model analysed this study'}; for assistance, not a diagnosis.`,
      ),
    ]),
  );
  return new Hl7Message(segments);
}
