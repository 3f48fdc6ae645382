import { ReadfirstError } from '../core/errors.ts';
import type { RouteDef } from '../http/route.ts';
import { renderHeatmap } from './explain/heatmap.ts';
import type { ModelRegistry } from './registry/model-registry.ts';
import type { SqlInferenceResultStore } from './result-store.ts';

export interface RefusedPackage {
  dir: string;
  message: string;
}

const UID = /^[0-9.]{1,64}$/;
const HEATMAP = /^([0-9a-f-]{36})\.png$/;

/** The inference HTTP API: results per study, heat-map PNGs, and the loaded models. */
export function inferenceRoutes(opts: {
  results: SqlInferenceResultStore;
  registry: () => ModelRegistry | null;
  refused: readonly RefusedPackage[];
}): RouteDef[] {
  return [
    {
      method: 'GET',
      url: '/api/studies/:uid/inference',
      access: 'authenticated',
      summary: 'AI results of a study (every series, instance and model, with provenance and quality gate)',
      phi: true,
      async handler(req) {
        const { uid } = req.params as { uid: string };
        if (!UID.test(uid)) throw new ReadfirstError('invalid-input', 'not a study instance UID');
        return { studyInstanceUid: uid, results: await opts.results.listForStudy(uid) };
      },
    },
    {
      method: 'GET',
      url: '/api/inference/results/:id',
      access: 'authenticated',
      summary: 'One AI result',
      phi: true,
      async handler(req) {
        const { id } = req.params as { id: string };
        const r = await opts.results.get(id);
        if (!r) throw new ReadfirstError('not-found', `no inference result ${id}`);
        return r;
      },
    },
    {
      method: 'GET',
      url: '/api/inference/heatmaps/:file',
      access: 'authenticated',
      summary: 'Heat-map PNG (grey, or RGBA colour overlay) on the image pixel grid',
      phi: true,
      async handler(req, reply) {
        const m = HEATMAP.exec((req.params as { file: string }).file);
        const h = m?.[1] ? await opts.results.getHeatmap(m[1]) : undefined;
        if (!h) throw new ReadfirstError('not-found', 'no such heat-map');
        if (h.png.length === 0) {
          if (!h.source) throw new ReadfirstError('not-found', 'heat-map has nothing to render');
          h.png = await renderHeatmap(h.source, h.kind);
          await opts.results.setHeatmapPng(h.id, h.png);
        }
        return reply
          .header('content-type', 'image/png')
          .header('cache-control', 'private, max-age=86400, immutable')
          .header('x-readfirst-ai-generated', 'true')
          .header('x-image-size', `${h.columns}x${h.rows}`)
          .send(h.png);
      },
    },
    {
      method: 'GET',
      url: '/api/inference/models',
      access: 'authenticated',
      summary: 'Loaded model packages (card summary, shadow mode) and refused packages',
      async handler() {
        const models = (opts.registry()?.all() ?? []).map((m) => ({
          id: m.pkg.card.id,
          name: m.pkg.card.name,
          version: m.pkg.card.version,
          sha256: m.pkg.card.sha256,
          licence: m.pkg.card.licence,
          shadow: m.shadow,
          applicability: m.pkg.card.applicability,
          intendedUse: m.pkg.card.intendedUse,
          limitations: m.pkg.card.limitations,
          findings: m.pkg.card.findings.map((f) => ({
            key: f.key,
            display: f.display,
            code: f.code,
            claimed: f.claimed,
            operatingPoints: f.operatingPoints,
            evaluation: f.evaluation,
          })),
          routing: m.rule,
        }));
        return { models, refused: opts.refused };
      },
    },
  ];
}
