import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { ReadfirstError, isReadfirstError } from '../core/errors.ts';
import type { Logger } from '../log/logger.ts';
import type { RouteDef } from './route.ts';

/** Checks a request against a route's access rule; throws ReadfirstError when refused. */
export type AccessGuard = (req: FastifyRequest, route: RouteDef) => Promise<void>;

export interface HttpServerOptions {
  logger: Logger;
  maxUploadBytes: number;
  guard: AccessGuard;
}

/**
 * Builds the HTTP server from the route table. Errors are mapped to HTTP once, here.
 * Bodies of every content type arrive as raw Buffers unless JSON, so STOW-RS sees the bytes.
 */
export function createHttpServer(routes: readonly RouteDef[], opts: HttpServerOptions): FastifyInstance {
  const logger: FastifyBaseLogger = opts.logger.child({ mod: 'http' });
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: opts.maxUploadBytes,
    // Request lines carry QIDO query strings (PatientID=…): never log them.
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, body === '' ? {} : (JSON.parse(body as string) as unknown));
    } catch {
      done(new ReadfirstError('invalid-input', 'request body is not valid JSON'), undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: unknown, req, reply) => {
    if (isReadfirstError(err)) {
      void reply.status(err.httpStatus).send({ error: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) });
      return;
    }
    const status = typeof err === 'object' && err !== null && 'statusCode' in err ? Number(err.statusCode) : 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    const message = err instanceof Error ? err.message : 'internal error';
    void reply.status(status).send({ error: status >= 500 ? 'internal' : 'invalid-input', message: status >= 500 ? 'internal error' : message });
  });

  for (const route of routes) {
    app.route({
      method: route.method,
      url: route.url,
      preHandler: async (req) => opts.guard(req, route),
      handler: route.handler,
    });
  }
  return app;
}
