import type { FastifyReply, FastifyRequest } from 'fastify';
import type { QidoLevel } from '../store/qido-search.ts';
import type { QidoStore } from '../store/sql-qido-store.ts';
import { dicomWebRoot } from './base-url.ts';
import type { JsonDataset } from './dicom-json.ts';
import { responseDataset } from './qido-attributes.ts';
import { type ParsedQido, type QidoLimits, type QueryParams, parseQido } from './qido-query.ts';

const CUT = 'The number of results exceeded the maximum supported by the server. Additional results can be requested.';

/** RFC 7234 5.5 warn-value with readfirst as the warn-agent; quotes inside the text are escaped. */
function warningHeader(texts: readonly string[]): string {
  return texts.map((t) => `299 readfirst "${t.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(', ');
}

function send(reply: FastifyReply, parsed: ParsedQido, body: JsonDataset[], more: boolean): FastifyReply {
  const warnings = [...parsed.warnings, ...(more && parsed.serverCapped ? [CUT] : [])];
  if (warnings.length > 0) void reply.header('warning', warningHeader(warnings));
  // PS3.18 10.6.3.2: an empty match is 204 No Content... but dicomweb-client and OHIF expect a JSON
  // array; both are allowed ("200 (OK) ... or 204"), and an empty array keeps clients simple.
  return reply.header('content-type', 'application/dicom+json').send(body);
}

/**
 * QIDO-RS (PS3.18 10.6): studies, series and instances, at the root and scoped to a study or
 * series. Matching per PS3.4 C.2.2.2 (single value, wildcard, UID list, range), person names
 * case-insensitive; unknown keys are refused with 400; `includefield` (and `all`); limit/offset
 * with `Warning: 299` when the server's maximum cut the result.
 */
export function qidoHandlers(store: QidoStore, publicUrl: string, limits: QidoLimits) {
  const parse = (level: QidoLevel, req: FastifyRequest): ParsedQido => {
    const { study, series } = req.params as { study?: string; series?: string };
    return parseQido(level, req.query as QueryParams, { ...(study ? { study } : {}), ...(series ? { series } : {}) }, limits);
  };
  return {
    studies: async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      const root = dicomWebRoot(publicUrl, req);
      const parsed = parse('study', req);
      const page = await store.searchStudies(parsed.search);
      return send(
        reply,
        parsed,
        page.items.map((study) => responseDataset({ study, root }, 'study', parsed.returned)),
        page.more,
      );
    },
    series: async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      const root = dicomWebRoot(publicUrl, req);
      const parsed = parse('series', req);
      const page = await store.searchSeries(parsed.search);
      return send(
        reply,
        parsed,
        page.items.map((s) => responseDataset({ study: s.study, series: s, root }, 'series', parsed.returned)),
        page.more,
      );
    },
    instances: async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      const root = dicomWebRoot(publicUrl, req);
      const parsed = parse('instance', req);
      const page = await store.searchInstances(parsed.search);
      return send(
        reply,
        parsed,
        page.items.map((i) => responseDataset({ study: i.study, series: i.series, instance: i, root }, 'instance', parsed.returned)),
        page.more,
      );
    },
  };
}
