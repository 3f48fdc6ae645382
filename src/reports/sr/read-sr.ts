import { DicomMetaDictionary, readPart10 } from '../../dicom/parse/dcmjs.ts';
import { CODES } from './codes.ts';
import type { Code } from './content-items.ts';

/** One finding as a TID 1500 SR states it: what a PACS or another reader gets back. */
export interface SrFinding {
  code: Code;
  sopInstanceUid: string;
  probability: number;
  decisions: { operatingPoint: string; threshold: number; present: boolean }[];
}

export interface SrReading {
  sopClassUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  modality: string;
  verificationFlag: string;
  algorithm: { name: string; version: string } | null;
  contributingEquipment: { purpose: string; manufacturer: string; modelName: string; softwareVersion: string; deviceUid: string }[];
  findings: SrFinding[];
}

type Ds = Record<string, unknown>;

/** dcmjs gives a sequence as an array; a one-item sequence may come back as the item itself. */
function seq(v: unknown): Ds[] {
  if (Array.isArray(v)) return v as Ds[];
  return v && typeof v === 'object' ? [v as Ds] : [];
}

function str(v: unknown): string {
  if (Array.isArray(v)) return str(v[0]);
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

function codeOf(v: unknown): Code | undefined {
  const c = seq(v)[0];
  return c
    ? { CodeValue: str(c.CodeValue), CodingSchemeDesignator: str(c.CodingSchemeDesignator), CodeMeaning: str(c.CodeMeaning) }
    : undefined;
}

function conceptOf(item: Ds): Code | undefined {
  return codeOf(item.ConceptNameCodeSequence);
}

const same = (a: Code | undefined, b: Code): boolean =>
  !!a && a.CodeValue === b.CodeValue && a.CodingSchemeDesignator === b.CodingSchemeDesignator;

function children(item: Ds): Ds[] {
  return seq(item.ContentSequence);
}

function numValue(item: Ds): number {
  return Number(str(seq(item.MeasuredValueSequence)[0]?.NumericValue));
}

function findingOf(group: Ds): SrFinding | null {
  const items = children(group);
  const code = codeOf(items.find((i) => same(conceptOf(i), CODES.finding))?.ConceptCodeSequence);
  const image = items.find((i) => same(conceptOf(i), CODES.sourceOfMeasurement));
  const prob = items.find((i) => same(conceptOf(i), CODES.certaintyOfFinding));
  if (!code || !image || !prob) return null;
  const decisions = items
    .filter((i) => str(i.ValueType) === 'CODE' && same(conceptOf(i), code))
    .map((i) => {
      const mods = children(i);
      return {
        operatingPoint: str(mods.find((m) => same(conceptOf(m), CODES.operatingPoint))?.TextValue),
        threshold: numValue(mods.find((m) => same(conceptOf(m), CODES.decisionThreshold)) ?? {}),
        present: same(codeOf(i.ConceptCodeSequence), CODES.present),
      };
    });
  return {
    code,
    sopInstanceUid: str(seq(image.ReferencedSOPSequence)[0]?.ReferencedSOPInstanceUID),
    probability: numValue(prob),
    decisions,
  };
}

/** Parses a TID 1500 SR written by readfirst (or shaped like it) back into findings. */
export function readSr(bytes: Uint8Array): SrReading {
  const ds = DicomMetaDictionary.naturalizeDataset(readPart10(bytes).dict);
  const measurements = children(ds).find((i) => same(conceptOf(i), CODES.imagingMeasurements));
  const groups = measurements ? children(measurements).filter((i) => same(conceptOf(i), CODES.measurementGroup)) : [];
  const firstGroup = groups[0] ? children(groups[0]) : [];
  const textOf = (c: Code): string => str(firstGroup.find((i) => same(conceptOf(i), c))?.TextValue);
  return {
    sopClassUid: str(ds.SOPClassUID),
    studyInstanceUid: str(ds.StudyInstanceUID),
    seriesInstanceUid: str(ds.SeriesInstanceUID),
    modality: str(ds.Modality),
    verificationFlag: str(ds.VerificationFlag),
    algorithm: groups.length ? { name: textOf(CODES.algorithmName), version: textOf(CODES.algorithmVersion) } : null,
    contributingEquipment: seq(ds.ContributingEquipmentSequence).map((e) => ({
      purpose: str(seq(e.PurposeOfReferenceCodeSequence)[0]?.CodeMeaning),
      manufacturer: str(e.Manufacturer),
      modelName: str(e.ManufacturerModelName),
      softwareVersion: str(e.SoftwareVersions),
      deviceUid: str(e.DeviceUID),
    })),
    findings: groups.map(findingOf).filter((f): f is SrFinding => f !== null),
  };
}
