import type { FindingResult, InferenceResult } from '../../inference/result.ts';
import type { AiDevice } from '../dicom-output/ai-equipment.ts';
import { stableUid } from '../dicom-output/uid.ts';
import type { ModelAnalysis } from '../model-analysis.ts';
import { CODES } from './codes.ts';
import { codeItem, container, type ContentItem, code, imageItem, numItem, schemeOf, textItem, uidItem } from './content-items.ts';

/** The finding's code from the model card (`findings[].code`), in DICOM form. */
export function findingCode(f: FindingResult): ReturnType<typeof code> {
  return code(f.code.code, schemeOf(f.code.system), f.code.display || f.display);
}

/** TID 1001 Observation Context with TID 1004 Device Observer Identifying Attributes. */
function observationContext(d: AiDevice): ContentItem[] {
  return [
    codeItem('HAS OBS CONTEXT', CODES.observerType, CODES.device),
    uidItem('HAS OBS CONTEXT', CODES.deviceObserverUid, d.deviceUid),
    textItem('HAS OBS CONTEXT', CODES.deviceObserverName, d.modelName),
    textItem('HAS OBS CONTEXT', CODES.deviceObserverManufacturer, d.manufacturer),
    textItem('HAS OBS CONTEXT', CODES.deviceObserverModelName, d.modelName),
  ];
}

/** TID 1600 Image Library: every image the model read. */
function imageLibrary(a: ModelAnalysis): ContentItem {
  const images = a.results.map((r) => {
    const img = a.images.get(r.sopInstanceUid ?? '');
    if (!img) throw new Error(`no source header for result ${r.id}`);
    return imageItem('CONTAINS', null, img.sopClassUid, img.sopInstanceUid);
  });
  return container('CONTAINS', CODES.imageLibrary, [container('CONTAINS', CODES.imageLibraryGroup, images)]);
}

/**
 * TID 1501 Measurement and Qualitative Evaluation Group for one finding on one image: the finding
 * code, the algorithm (TID 4019), the model's probability, and its decision (present or absent)
 * at each of the card's operating points, with the threshold behind it.
 */
function findingGroup(a: ModelAnalysis, r: InferenceResult, f: FindingResult): ContentItem {
  const img = a.images.get(r.sopInstanceUid ?? '');
  if (!img) throw new Error(`no source header for result ${r.id}`);
  const fc = findingCode(f);
  const decisions = f.decisions.map((d) =>
    codeItem('CONTAINS', fc, d.positive ? CODES.present : CODES.absent, [
      textItem('HAS CONCEPT MOD', CODES.operatingPoint, d.name),
      numItem('HAS PROPERTIES', CODES.decisionThreshold, d.threshold, CODES.noUnits),
    ]),
  );
  return container('CONTAINS', CODES.measurementGroup, [
    textItem('HAS OBS CONTEXT', CODES.trackingIdentifier, `${f.key} on image ${img.sopInstanceUid}`.slice(0, 1024)),
    uidItem('HAS OBS CONTEXT', CODES.trackingUid, stableUid('readfirst-tracking', r.id, f.key)),
    codeItem('HAS CONCEPT MOD', CODES.finding, fc),
    textItem('HAS CONCEPT MOD', CODES.algorithmName, a.model.modelName),
    textItem('HAS CONCEPT MOD', CODES.algorithmVersion, a.model.modelVersion),
    imageItem('CONTAINS', CODES.sourceOfMeasurement, img.sopClassUid, img.sopInstanceUid),
    numItem('CONTAINS', CODES.certaintyOfFinding, f.probability, CODES.noUnits),
    ...decisions,
  ]);
}

/**
 * The content tree of a TID 1500 Measurement Report (PS3.16 TID 1500, per IHE AIR 6.5.3.3): the
 * root container's attributes (to merge into the SR document) with language, observation
 * context, procedure reported, image library and one measurement group per finding and image.
 */
export function tid1500Content(a: ModelAnalysis, device: AiDevice): Record<string, unknown> {
  const groups = a.results.flatMap((r) => r.findings.filter((f) => Number.isFinite(f.probability)).map((f) => findingGroup(a, r, f)));
  return {
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: [CODES.imagingMeasurementReport],
    ContinuityOfContent: 'SEPARATE',
    ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: '1500' }],
    ContentSequence: [
      codeItem('HAS CONCEPT MOD', CODES.language, CODES.englishUs),
      ...observationContext(device),
      codeItem('HAS CONCEPT MOD', CODES.procedureReported, CODES.chestXray),
      imageLibrary(a),
      container('CONTAINS', CODES.imagingMeasurements, groups),
    ],
  };
}
