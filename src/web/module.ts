import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { defineModule } from '../core/module.ts';
import type { Logger } from '../log/logger.ts';
import { ReadfirstError } from '../core/errors.ts';
import type { RouteDef } from '../http/route.ts';
import { MIME, findStatic, openStatic } from './static-files.ts';

/** Built by `npm run build` (vite). */
export const WEB_DIST = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** Paths that belong to APIs: an unknown one is a 404, never the app's index page. */
const API_PREFIXES = ['/api/', '/dicom-web/', '/healthz', '/metrics'];

/**
 * Content-Security-Policy for the app: same-origin only (the DICOMweb API is on this server),
 * wasm compilation for the image codecs, workers from blob: for cornerstone's decoders.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

function securityHeaders(reply: FastifyReply): void {
  void reply.header('content-security-policy', CSP);
  void reply.header('x-content-type-options', 'nosniff');
  void reply.header('referrer-policy', 'no-referrer');
  void reply.header('x-frame-options', 'DENY');
}

/**
 * Serves the radiologist web app (web/dist) at `/` from the readfirst server itself: hashed
 * assets cached for a year, index.html for every other app path (client-side routing).
 */
function webRoutes(root: string, logger: Logger): RouteDef[] {
  const serve = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const path = req.url.split('?')[0] ?? '/';
    if (API_PREFIXES.some((p) => path.startsWith(p))) throw new ReadfirstError('not-found', `no route ${req.method} ${path}`);
    securityHeaders(reply);
    const file = path !== '/' ? await findStatic(root, path) : undefined;
    if (file) {
      const immutable = path.startsWith('/assets/');
      void reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      return reply.type(file.type).header('content-length', file.size).send(openStatic(file));
    }
    // A missing asset is a 404; a path like /study/1.2.3 is a client-side route.
    if (path.startsWith('/assets/') || extname(path).toLowerCase() in MIME) throw new ReadfirstError('not-found', `no file ${path}`);
    const index = await findStatic(root, '/index.html');
    if (!index) {
      logger.warn({ root }, 'web app not built: run `npm run build`');
      return reply.status(503).type('text/plain; charset=utf-8').send('The readfirst web app is not built. Run `npm run build`.\n');
    }
    void reply.header('cache-control', 'no-cache');
    return reply.type(index.type).send(openStatic(index));
  };
  return [
    { method: 'GET', url: '/', access: 'public', summary: 'the radiologist web app', handler: serve },
    { method: 'GET', url: '/*', access: 'public', summary: 'web app assets and client-side routes', handler: serve },
  ];
}

/** The web app module; `root` is the built app (WEB_DIST unless a test serves another folder). */
export const webModule = defineModule({
  name: 'web',
  async start(ctx, deps: { root: string }) {
    return { provides: {}, routes: webRoutes(deps.root, ctx.logger) };
  },
});
