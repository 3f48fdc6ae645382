import type { ModelCard } from '../models/model-card.ts';

/** What routing looks at for one series (from the DICOM store, or an instance header). */
export interface SeriesFacts {
  modality: string | null;
  bodyPart: string | null;
  viewPosition: string | null;
  sopClassUid: string | null;
  /** ImageType (0008,0008) values, upper-case. */
  imageType: readonly string[];
  /** SeriesDescription (0008,103E), for rules that name one (a CT head model, say). */
  seriesDescription?: string | null;
  /** ContrastBolusAgent (0018,0010); null or absent when none was given. */
  contrastAgent?: string | null;
}

/**
 * Which series a model reads, as data. `null` criteria accept anything. The default rule of a
 * card routes on modality, SOP class and image type, and leaves body part and view to the
 * quality gate, so a lateral or a non-chest image of a modality the model reads is recorded as
 * "not analysable: <reason>" rather than silently skipped. A rule may also name body parts and
 * views (a CT head model, say), in which case non-matching series are simply not routed.
 */
export interface RoutingRule {
  modelId: string;
  modalities: readonly string[];
  sopClassUids: readonly string[] | null;
  excludeImageTypes: readonly string[];
  bodyParts: readonly string[] | null;
  viewPositions: readonly string[] | null;
  /** Case-insensitive regular expression on SeriesDescription; absent or null: any. */
  seriesDescription?: string | null;
  /** Contrast required or excluded; absent: any. */
  contrast?: 'with' | 'without' | 'any';
}

/** Storage SOP classes (PS3.4 B.5) a projection-radiography model reads by default. */
export const DEFAULT_SOP_CLASSES: Record<string, readonly string[]> = {
  CR: ['1.2.840.10008.5.1.4.1.1.1'],
  // DX "For Presentation" only: "For Processing" (…1.1.1.1) is raw detector data no model was trained on.
  DX: ['1.2.840.10008.5.1.4.1.1.1.1'],
  MG: ['1.2.840.10008.5.1.4.1.1.1.2'],
  CT: ['1.2.840.10008.5.1.4.1.1.2', '1.2.840.10008.5.1.4.1.1.2.1'],
  MR: ['1.2.840.10008.5.1.4.1.1.4', '1.2.840.10008.5.1.4.1.1.4.1'],
};
/** Secondary Capture (PS3.4 B.5): PACS exports and digitised films arrive this way. */
export const SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7';

export function ruleFromCard(card: ModelCard): RoutingRule {
  const a = card.applicability;
  const sop = a.sopClassUids ?? [...a.modalities.flatMap((m) => DEFAULT_SOP_CLASSES[m] ?? []), SECONDARY_CAPTURE];
  return {
    modelId: card.id,
    modalities: a.modalities,
    sopClassUids: sop,
    excludeImageTypes: a.excludeImageTypes ?? ['LOCALIZER'],
    // A volume model names its body part in the card: a head CT model must not read a chest CT.
    bodyParts: card.volume && a.bodyParts.length ? a.bodyParts : null,
    viewPositions: null,
    seriesDescription: a.seriesDescriptionPattern ?? null,
    contrast: a.contrast,
  };
}

/** Whether a rule sends this series to its model. */
export function ruleMatches(rule: RoutingRule, f: SeriesFacts): boolean {
  if (!f.modality || !rule.modalities.includes(f.modality.toUpperCase())) return false;
  if (rule.sopClassUids && f.sopClassUid && !rule.sopClassUids.includes(f.sopClassUid)) return false;
  if (f.imageType.some((t) => rule.excludeImageTypes.includes(t.toUpperCase()))) return false;
  if (rule.bodyParts && !(f.bodyPart && rule.bodyParts.includes(f.bodyPart.toUpperCase()))) return false;
  if (rule.viewPositions && !(f.viewPosition && rule.viewPositions.includes(f.viewPosition.toUpperCase()))) return false;
  if (rule.seriesDescription && !new RegExp(rule.seriesDescription, 'i').test(f.seriesDescription ?? '')) return false;
  const contrast = Boolean(f.contrastAgent && f.contrastAgent.trim() !== '' && !/^(NONE|NO)$/i.test(f.contrastAgent.trim()));
  if (rule.contrast === 'with' && !contrast) return false;
  if (rule.contrast === 'without' && contrast) return false;
  return true;
}
