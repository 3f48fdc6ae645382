import type { FastifyReply, FastifyRequest } from 'fastify';
import { ReadfirstError } from '../../core/errors.ts';
import type { IngestResult, IngestService } from '../ingest/ingest-service.ts';
import { rejectStatus, Status } from '../ingest/status.ts';
import { parseInstance } from '../parse/validate.ts';
import { dicomWebRoot } from './base-url.ts';
import { type JsonDataset, attr } from './dicom-json.ts';
import { contentTypeParam, mediaType, parseMultipart } from './multipart.ts';

interface PartOutcome {
  result: IngestResult | { outcome: 'refused'; status: number; sopInstanceUid: string | null; sopClassUid: string | null };
}

function failureItem(sopClassUid: string | null, sopInstanceUid: string | null, status: number): JsonDataset {
  return { '00081150': attr('UI', sopClassUid), '00081155': attr('UI', sopInstanceUid), '00081197': attr('US', status) };
}

/**
 * The STOW-RS response (PS3.18 10.5.3): ReferencedSOPSequence for stored instances with their
 * RetrieveURL, FailedSOPSequence with a FailureReason for each refused part. HTTP 200 when all
 * were stored, 202 when some failed, 409 when none were stored.
 */
export function stowResponse(outcomes: readonly PartOutcome[], root: string): { status: number; body: JsonDataset } {
  const stored: JsonDataset[] = [];
  const failed: JsonDataset[] = [];
  const studies = new Set<string>();
  for (const { result: r } of outcomes) {
    if (r.outcome === 'stored' || r.outcome === 'duplicate') {
      studies.add(r.studyInstanceUid);
      stored.push({
        '00081150': attr('UI', r.sopClassUid),
        '00081155': attr('UI', r.sopInstanceUid),
        '00081190': attr('UR', `${root}/studies/${r.studyInstanceUid}/series/${r.seriesInstanceUid}/instances/${r.sopInstanceUid}`),
      });
    } else if (r.outcome === 'refused') failed.push(failureItem(r.sopClassUid, r.sopInstanceUid, r.status));
    else failed.push(failureItem(r.sopClassUid, r.sopInstanceUid, rejectStatus(r.reason)));
  }
  const body: JsonDataset = {};
  const [only] = [...studies];
  if (studies.size === 1 && only) body['00081190'] = attr('UR', `${root}/studies/${only}`);
  if (failed.length > 0) body['00081198'] = { vr: 'SQ', Value: failed };
  if (stored.length > 0) body['00081199'] = { vr: 'SQ', Value: stored };
  const status = failed.length === 0 ? 200 : stored.length === 0 ? 409 : 202;
  return { status, body };
}

/** Handles POST /dicom-web/studies[/{study}]: each application/dicom part goes through the shared ingest path. */
export function stowHandler(ingest: IngestService, publicUrl: string) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const contentType = req.headers['content-type'] ?? '';
    if (mediaType(contentType) !== 'multipart/related') throw new ReadfirstError('unsupported', 'STOW-RS takes multipart/related; type="application/dicom"');
    const type = contentTypeParam(contentType, 'type');
    if (type !== undefined && type.toLowerCase() !== 'application/dicom') throw new ReadfirstError('unsupported', `STOW-RS part type ${type} is not supported; send application/dicom`);
    if (!Buffer.isBuffer(req.body)) throw new ReadfirstError('invalid-input', 'empty STOW-RS request');
    const targetStudy = (req.params as { study?: string }).study;
    const source = req.ip;
    const outcomes: PartOutcome[] = [];
    for (const part of parseMultipart(req.body, contentType)) {
      const partType = mediaType(part.headers['content-type'] ?? 'application/dicom');
      if (partType !== 'application/dicom') {
        outcomes.push({ result: { outcome: 'refused', status: Status.CannotUnderstand, sopInstanceUid: null, sopClassUid: null } });
        continue;
      }
      if (targetStudy !== undefined) {
        let studyUid: string | undefined;
        let ids: { sop: string | null; cls: string | null } = { sop: null, cls: null };
        try {
          const p = parseInstance(part.body);
          studyUid = p.studyInstanceUid;
          ids = { sop: p.sopInstanceUid, cls: p.sopClassUid };
        } catch {
          studyUid = undefined;
        }
        if (studyUid !== undefined && studyUid !== targetStudy) {
          outcomes.push({ result: { outcome: 'refused', status: Status.DataSetDoesNotMatchSopClass, sopInstanceUid: ids.sop, sopClassUid: ids.cls } });
          continue;
        }
      }
      outcomes.push({ result: await ingest.storeBuffer(part.body, 'stow', { source }) });
    }
    if (outcomes.length === 0) throw new ReadfirstError('invalid-input', 'STOW-RS request has no parts');
    const { status, body } = stowResponse(outcomes, dicomWebRoot(publicUrl, req));
    return reply.status(status).header('content-type', 'application/dicom+json').send(body);
  };
}
