import type { FastifyReply, FastifyRequest } from 'fastify';
import { ReadfirstError } from '../../core/errors.ts';
import type { InstanceFiles } from '../../files/instance-files.ts';
import { dictNumber, readPart10 } from '../parse/dcmjs.ts';
import { NATIVE_SYNTAXES } from '../pixels/codecs.ts';
import { frameBytes } from '../pixels/frame-bytes.ts';
import type { StoredInstance } from '../store/rows.ts';
import type { DicomStore } from '../dicom-store.ts';
import { dicomWebRoot } from './base-url.ts';
import { instanceMetadata } from './metadata.ts';
import { buildMultipart } from './multipart.ts';
import { renderFramePng } from './rendered.ts';

interface Params {
  study: string;
  series?: string;
  instance?: string;
  frames?: string;
}

/** Frame numbers of a WADO-RS frame list ("1" or "1,3,4"; PS3.18 8.3.5.1), 1-based. */
function frameList(s: string | undefined): number[] {
  const frames = (s ?? '1').split(',').map((f) => Number(f.trim()));
  if (frames.length === 0 || frames.some((f) => !Number.isInteger(f) || f < 1)) throw new ReadfirstError('invalid-input', 'frame numbers must be positive integers');
  return frames;
}

/** Compressed frames keep their own media type (PS3.18 8.7.3.5.2); native ones are octet streams. */
function frameMediaType(ts: string): string {
  if (NATIVE_SYNTAXES.has(ts)) return 'application/octet-stream';
  if (ts === '1.2.840.10008.1.2.4.50' || ts === '1.2.840.10008.1.2.4.51' || ts === '1.2.840.10008.1.2.4.57' || ts === '1.2.840.10008.1.2.4.70') return 'image/jpeg';
  if (ts === '1.2.840.10008.1.2.4.80' || ts === '1.2.840.10008.1.2.4.81') return 'image/jls';
  if (ts === '1.2.840.10008.1.2.4.90' || ts === '1.2.840.10008.1.2.4.91') return 'image/jp2';
  return 'application/octet-stream';
}

/** WADO-RS retrieve, metadata, frames and rendered (PS3.18 10.4). */
export function wadoHandlers(store: DicomStore, files: InstanceFiles, publicUrl: string) {
  const select = async (p: Params): Promise<StoredInstance[]> => {
    let list: StoredInstance[];
    if (p.instance !== undefined) {
      const i = await store.getInstance(p.instance);
      list = i && i.studyInstanceUid === p.study && i.seriesInstanceUid === p.series ? [i] : [];
    } else list = await store.listInstances(p.study, p.series);
    if (list.length === 0) throw new ReadfirstError('not-found', 'no such study, series or instance');
    return list;
  };
  const url = (root: string, i: StoredInstance): string => `${root}/studies/${i.studyInstanceUid}/series/${i.seriesInstanceUid}/instances/${i.sopInstanceUid}`;

  return {
    retrieve: async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      const root = dicomWebRoot(publicUrl, req);
      const list = await select(req.params as Params);
      const parts = await Promise.all(list.map(async (i) => ({ contentType: 'application/dicom', body: await files.read(i), location: url(root, i) })));
      const { boundary, body } = buildMultipart(parts);
      return reply.header('content-type', `multipart/related; type="application/dicom"; boundary=${boundary}`).send(body);
    },
    metadata: async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      const root = dicomWebRoot(publicUrl, req);
      const list = await select(req.params as Params);
      const out = [];
      for (const i of list) out.push(instanceMetadata(await files.read(i), url(root, i)));
      return reply.header('content-type', 'application/dicom+json').send(out);
    },
    frames: async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      const p = req.params as Params;
      const [instance] = await select(p);
      if (!instance) throw new ReadfirstError('not-found', 'no such instance');
      const parsed = readPart10(await files.read(instance));
      const ts = instance.transferSyntaxUid;
      const geometry = {
        rows: dictNumber(parsed.dict, '00280010') ?? 0,
        columns: dictNumber(parsed.dict, '00280011') ?? 0,
        samplesPerPixel: dictNumber(parsed.dict, '00280002') ?? 1,
        bitsAllocated: dictNumber(parsed.dict, '00280100') ?? 16,
        numberOfFrames: dictNumber(parsed.dict, '00280008') ?? 1,
      };
      const type = `${frameMediaType(ts)}; transfer-syntax=${ts}`;
      const parts = frameList(p.frames).map((f) => ({ contentType: type, body: frameBytes(parsed.dict, ts, geometry, f - 1) }));
      const { boundary, body } = buildMultipart(parts);
      return reply.header('content-type', `multipart/related; type="${frameMediaType(ts)}"; transfer-syntax=${ts}; boundary=${boundary}`).send(body);
    },
    rendered: async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      const p = req.params as Params;
      const [instance] = await select(p);
      if (!instance) throw new ReadfirstError('not-found', 'no such instance');
      const q = req.query as { window?: string };
      let window: { center: number; width: number } | undefined;
      if (q.window) {
        const [c, w] = q.window.split(',').map(Number);
        if (c === undefined || w === undefined || !Number.isFinite(c) || !Number.isFinite(w) || w <= 0) throw new ReadfirstError('invalid-input', 'window must be center,width');
        window = { center: c, width: w };
      }
      const [frame = 1] = frameList(p.frames);
      const png = await renderFramePng(await files.read(instance), frame - 1, window);
      return reply.header('content-type', 'image/png').send(png);
    },
  };
}
