import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ReadfirstError } from '../../core/errors.ts';
import type { IngestResult, IngestService } from '../ingest/ingest-service.ts';
import { rejectStatus, Status } from '../ingest/status.ts';
import { parseInstance } from '../parse/validate.ts';
import { dicomWebRoot } from './base-url.ts';
import { type JsonDataset, attr } from './dicom-json.ts';
import { type MimePart, contentTypeParam, mediaType } from './multipart.ts';
import { spoolBody, spooledParts } from './stow-body.ts';

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

export interface StowLimits {
  /** Where bodies are spooled (under the data folder, so it is the same disk as the files). */
  spoolDir: string;
  maxBodyBytes: number;
  /** STOW requests handled at once; one more gets 503 with Retry-After. */
  maxConcurrent: number;
  /** An upload that sends nothing for this long is cut off. */
  idleTimeoutMs: number;
}

/**
 * Handles POST /dicom-web/studies[/{study}]: the body is spooled to disk (never held whole in
 * memory), then each application/dicom part goes through the shared ingest path, one at a time.
 */
export function stowHandler(ingest: IngestService, publicUrl: string, limits: StowLimits) {
  let active = 0;
  return async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const contentType = req.headers['content-type'] ?? '';
    if (mediaType(contentType) !== 'multipart/related')
      throw new ReadfirstError('unsupported', 'STOW-RS takes multipart/related; type="application/dicom"');
    const type = contentTypeParam(contentType, 'type');
    if (type !== undefined && type.toLowerCase() !== 'application/dicom')
      throw new ReadfirstError('unsupported', `STOW-RS part type ${type} is not supported; send application/dicom`);
    const boundary = contentTypeParam(contentType, 'boundary');
    if (!boundary) throw new ReadfirstError('invalid-input', 'multipart body without a boundary');
    if (!(req.body instanceof Readable)) throw new ReadfirstError('invalid-input', 'empty STOW-RS request');
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limits.maxBodyBytes) throw new ReadfirstError('too-large', `STOW-RS body exceeds ${limits.maxBodyBytes} bytes`);
    if (active >= limits.maxConcurrent)
      throw new ReadfirstError('unavailable', 'too many uploads at once; retry shortly', { retryAfterSeconds: 5 });
    active++;
    let answer: { status: number; body: JsonDataset };
    try {
      const spooled = await spoolBody(req.body, limits.spoolDir, limits.maxBodyBytes, limits.idleTimeoutMs);
      try {
        const outcomes = await storeParts(ingest, spooledParts(spooled, boundary), (req.params as { study?: string }).study, req.ip);
        if (outcomes.length === 0) throw new ReadfirstError('invalid-input', 'STOW-RS request has no parts');
        answer = stowResponse(outcomes, dicomWebRoot(publicUrl, req));
      } finally {
        await spooled.remove();
      }
    } finally {
      // Freed before the answer goes out, so a client's next request finds the slot free.
      active--;
    }
    return reply.status(answer.status).header('content-type', 'application/dicom+json').send(answer.body);
  };
}

async function storeParts(
  ingest: IngestService,
  parts: AsyncIterable<MimePart>,
  targetStudy: string | undefined,
  source: string,
): Promise<PartOutcome[]> {
  const outcomes: PartOutcome[] = [];
  for await (const part of parts) {
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
        outcomes.push({
          result: { outcome: 'refused', status: Status.DataSetDoesNotMatchSopClass, sopInstanceUid: ids.sop, sopClassUid: ids.cls },
        });
        continue;
      }
    }
    outcomes.push({ result: await ingest.storeBuffer(part.body, 'stow', { source }) });
  }
  return outcomes;
}
