import type { FastifyReply, FastifyRequest } from 'fastify';
import { ReadfirstError } from '../../core/errors.ts';
import type { InstanceFiles } from '../../files/instance-files.ts';
import { readPart10 } from '../parse/dcmjs.ts';
import { NATIVE_SYNTAXES } from '../pixels/codecs.ts';
import type { StoredInstance } from '../store/rows.ts';
import type { DicomStore } from '../dicom-store.ts';
import { dicomWebRoot } from './base-url.ts';
import { instanceMetadata } from './metadata.ts';
import { buildMultipart } from './multipart.ts';
import { renderFrame } from './rendered.ts';
import { type AcceptOption, acceptOptions, covers, notAcceptable } from './accept.ts';
import { EXPLICIT_LE, TRANSCODE_TARGETS, canProvide, nativeFrame, storedFrame, transcodeToNative } from './transcode.ts';

interface Params {
  study: string;
  series?: string;
  instance?: string;
  frames?: string;
}

/** Frame numbers of a WADO-RS frame list ("1" or "1,3,4"; PS3.18 8.3.5.1), 1-based. */
function frameList(s: string | undefined): number[] {
  const frames = (s ?? '1').split(',').map((f) => Number(f.trim()));
  if (frames.length === 0 || frames.some((f) => !Number.isInteger(f) || f < 1))
    throw new ReadfirstError('invalid-input', 'frame numbers must be positive integers');
  return frames;
}

/** Compressed frames keep their own media type (PS3.18 8.7.3.5.2); native ones are octet streams. */
function frameMediaType(ts: string): string {
  if (NATIVE_SYNTAXES.has(ts)) return 'application/octet-stream';
  if (
    ts === '1.2.840.10008.1.2.4.50' ||
    ts === '1.2.840.10008.1.2.4.51' ||
    ts === '1.2.840.10008.1.2.4.57' ||
    ts === '1.2.840.10008.1.2.4.70'
  )
    return 'image/jpeg';
  if (ts === '1.2.840.10008.1.2.4.80' || ts === '1.2.840.10008.1.2.4.81') return 'image/jls';
  if (ts === '1.2.840.10008.1.2.4.90' || ts === '1.2.840.10008.1.2.4.91') return 'image/jp2';
  return 'application/octet-stream';
}

/**
 * The transfer syntax to send an instance in (PS3.18 8.7.3.5.2), or undefined when no option can
 * be met. `transfer-syntax=*` and a bare `*\/*` take the stored syntax; application/dicom without
 * the parameter defaults to Explicit VR Little Endian where readfirst can decode the pixels.
 */
function instanceSyntax(options: readonly AcceptOption[], stored: string): string | undefined {
  for (const o of options) {
    if (!covers(o, 'application/dicom')) continue;
    if (o.type === '*/*' || o.transferSyntax === '*') return stored;
    if (o.transferSyntax === undefined) return canProvide(stored, EXPLICIT_LE) ? EXPLICIT_LE : stored;
    if (canProvide(stored, o.transferSyntax)) return o.transferSyntax;
  }
  return undefined;
}

/** How to send frames: as stored (with their own media type), or decoded to native bytes. */
function frameChoice(options: readonly AcceptOption[], stored: string): { decode: boolean; ts: string } | undefined {
  const storedType = frameMediaType(stored);
  for (const o of options) {
    if (o.type === '*/*' || (o.transferSyntax === '*' && (covers(o, storedType) || covers(o, 'application/octet-stream'))))
      return { decode: false, ts: stored };
    if (covers(o, 'application/octet-stream')) {
      const ts = o.transferSyntax ?? EXPLICIT_LE;
      if (ts === stored) return { decode: false, ts };
      if (canProvide(stored, ts)) return { decode: !NATIVE_SYNTAXES.has(stored), ts };
      continue;
    }
    if (
      storedType !== 'application/octet-stream' &&
      covers(o, storedType) &&
      (o.transferSyntax === undefined || o.transferSyntax === stored)
    )
      return { decode: false, ts: stored };
  }
  return undefined;
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
  const url = (root: string, i: StoredInstance): string =>
    `${root}/studies/${i.studyInstanceUid}/series/${i.seriesInstanceUid}/instances/${i.sopInstanceUid}`;

  return {
    retrieve: async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      const root = dicomWebRoot(publicUrl, req);
      const list = await select(req.params as Params);
      const options = acceptOptions(req.headers.accept);
      const chosen = list.map((i) => ({ i, ts: instanceSyntax(options, i.transferSyntaxUid) }));
      const refused = chosen.find((c) => c.ts === undefined);
      if (refused) {
        throw notAcceptable(
          `cannot send ${refused.i.transferSyntaxUid} as requested (${req.headers.accept ?? ''}); readfirst sends the stored syntax or transcodes to ${[...TRANSCODE_TARGETS].join(', ')}`,
        );
      }
      const parts = await Promise.all(
        chosen.map(async ({ i, ts }) => {
          const stored = await files.read(i);
          const body = ts === undefined || ts === i.transferSyntaxUid ? stored : await transcodeToNative(stored, i.transferSyntaxUid, ts);
          return { contentType: `application/dicom; transfer-syntax=${ts ?? i.transferSyntaxUid}`, body, location: url(root, i) };
        }),
      );
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
      const stored = instance.transferSyntaxUid;
      const choice = frameChoice(acceptOptions(req.headers.accept), stored);
      if (!choice) throw notAcceptable(`cannot send frames stored as ${stored} as requested (${req.headers.accept ?? ''})`);
      const dict = readPart10(await files.read(instance)).dict;
      const type = choice.decode || NATIVE_SYNTAXES.has(choice.ts) ? 'application/octet-stream' : frameMediaType(stored);
      const parts = [];
      for (const f of frameList(p.frames))
        parts.push({
          contentType: `${type}; transfer-syntax=${choice.ts}`,
          body: await nativeOrStored(dict, stored, f - 1, choice.decode),
        });
      const { boundary, body } = buildMultipart(parts);
      return reply
        .header('content-type', `multipart/related; type="${type}"; transfer-syntax=${choice.ts}; boundary=${boundary}`)
        .send(body);
    },
    rendered: async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      const p = req.params as Params;
      const [instance] = await select(p);
      if (!instance) throw new ReadfirstError('not-found', 'no such instance');
      const q = req.query as { window?: string };
      let window: { center: number; width: number } | undefined;
      if (q.window) {
        const [c, w] = q.window.split(',').map(Number);
        if (c === undefined || w === undefined || !Number.isFinite(c) || !Number.isFinite(w) || w <= 0)
          throw new ReadfirstError('invalid-input', 'window must be center,width');
        window = { center: c, width: w };
      }
      const [frame = 1] = frameList(p.frames);
      const q2 = req.query as { accept?: string };
      const format = renderedFormat(acceptOptions(q2.accept ?? req.headers.accept));
      const image = await renderFrame(await files.read(instance), frame - 1, format, window);
      return reply.header('content-type', `image/${format}`).send(image);
    },
  };
}

/** Rendered media type (PS3.18 8.3.5.1, 10.4.1.1.3): JPEG by default, PNG on request, else 406. */
function renderedFormat(options: readonly AcceptOption[]): 'jpeg' | 'png' {
  for (const o of options) {
    if (covers(o, 'image/jpeg')) return 'jpeg';
    if (covers(o, 'image/png')) return 'png';
  }
  throw notAcceptable('rendered images are image/jpeg or image/png');
}

async function nativeOrStored(
  dict: Parameters<typeof nativeFrame>[0],
  stored: string,
  frameIndex: number,
  decode: boolean,
): Promise<Uint8Array> {
  return decode ? nativeFrame(dict, stored, frameIndex) : storedFrame(dict, stored, frameIndex);
}
