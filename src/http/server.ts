import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ReadfirstError, isReadfirstError } from '../core/errors.ts';
import type { Logger } from '../log/logger.ts';
import { openApiRoute } from './openapi.ts';
import type { HttpError, RouteDef } from './route.ts';
import { applySecurityHeaders } from './security-headers.ts';

/** Checks a request against a route's access rule; throws ReadfirstError when refused. */
export type AccessGuard = (req: FastifyRequest, route: RouteDef) => Promise<void>;

/** Called after each response of a route (the audit trail); must not throw. */
export type ResponseAudit = (req: FastifyRequest, reply: FastifyReply, route: RouteDef) => Promise<void>;

export interface HttpServerOptions {
  logger: Logger;
  /** Largest streamed upload (STOW-RS enforces it while spooling). */
  maxUploadBytes: number;
  guard: AccessGuard;
  audit?: ResponseAudit;
  /** The whole request, body included, must arrive within this time. */
  requestTimeoutMs?: number;
  /** TLS: PEM key and certificate (and CA for client certificates); plain HTTP when absent. */
  https?: { key: Buffer; cert: Buffer; ca?: Buffer };
}

/** A route fastify registered, with the route-table entry it came from (none: no access rule). */
export interface RegisteredRoute {
  method: string;
  url: string;
  fromTable: boolean;
  route: RouteDef | undefined;
}

const registered = new WeakMap<FastifyInstance, readonly RegisteredRoute[]>();

/** Every route registered on a server built here, and whether it came from the route table (tests). */
export function registeredRoutes(app: FastifyInstance): readonly RegisteredRoute[] {
  return registered.get(app) ?? [];
}

/** JSON and form bodies are parsed in memory; none legitimately comes near this. */
export const MAX_BUFFERED_BODY = 8 * 1024 * 1024;

/** Media types whose bodies reach the handler as a stream (spooled to disk, never held in memory). */
export const STREAMED_TYPES = ['multipart/related'];

/**
 * Builds the HTTP server from the route table. Errors are mapped to HTTP once, here.
 * The guard runs when the request arrives, before any body is read; JSON and form bodies are
 * parsed (bounded by `maxUploadBytes`), multipart/related arrives as a stream for STOW-RS, and
 * every other type as a raw Buffer.
 */
export function createHttpServer(routes: readonly RouteDef[], opts: HttpServerOptions): FastifyInstance {
  const logger: FastifyBaseLogger = opts.logger.child({ mod: 'http' });
  const app = Fastify({
    loggerInstance: logger,
    // Bodies parsed in memory (JSON, forms) are small; uploads stream (STREAMED_TYPES).
    bodyLimit: MAX_BUFFERED_BODY,
    // The whole request, headers and body, must arrive within this (Node's server.requestTimeout);
    // STOW also cuts off an upload idle for `idleTimeoutMs` (stow-body.ts).
    requestTimeout: opts.requestTimeoutMs ?? 10 * 60_000,
    keepAliveTimeout: 5_000,
    return503OnClosing: true,
    ...(opts.https ? { https: opts.https } : {}),
    // Request lines carry QIDO query strings (PatientID=…): never log them.
    logController: new LogController({ disableRequestLogging: true }),
  }) as unknown as FastifyInstance;
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
  app.addContentTypeParser(STREAMED_TYPES, (_req, payload, done) => done(null, payload));
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err: unknown, req, reply) => {
    // A protocol with its own error body (FHIR) writes it; the status is mapped here either way.
    const ownBody = routeOf.get(req)?.errorBody;
    const send = (e: HttpError, details?: Record<string, unknown>): void => {
      if (ownBody) {
        const { contentType, body } = ownBody(e);
        void reply.status(e.status).header('content-type', contentType).send(body);
      } else void reply.status(e.status).send({ error: e.code, message: e.message, ...(details ? { details } : {}) });
    };
    if (isReadfirstError(err)) {
      const retry = err.details?.retryAfterSeconds;
      if (typeof retry === 'number') void reply.header('retry-after', String(retry));
      // The rest of a refused or stalled upload is never read: close the connection after answering.
      if (!req.raw.complete) void reply.header('connection', 'close');
      send({ status: err.httpStatus, code: err.code, message: err.message }, err.details);
      return;
    }
    const status = typeof err === 'object' && err !== null && 'statusCode' in err ? Number(err.statusCode) : 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    const message = err instanceof Error ? err.message : 'internal error';
    send(status >= 500 ? { status, code: 'internal', message: 'internal error' } : { status, code: 'invalid-input', message });
  });
  // Every answer, including 404s for unknown paths and errors, carries the security headers.
  app.addHook('onSend', async (req, reply, payload) => {
    applySecurityHeaders(reply, routeOf.get(req)?.phi === true);
    return payload;
  });
  const routeOf = new WeakMap<FastifyRequest, RouteDef>();
  const all = [...routes, openApiRoute(routes)];
  // Every route fastify knows, whoever registered it; a route that did not come from the route
  // table has no access rule and is refused to everyone (fail closed).
  const seen: RegisteredRoute[] = [];
  registered.set(app, seen);
  const byKey = new Map(all.map((r) => [`${r.method} ${r.url}`, r]));
  const fromTable = new Set(byKey.keys());
  app.addHook('onRoute', (r) => {
    // HEAD routes are fastify's mirrors of GET routes, with the same hooks.
    for (const method of [r.method].flat())
      if (method !== 'HEAD')
        seen.push({ method, url: r.url, fromTable: fromTable.has(`${method} ${r.url}`), route: byKey.get(`${method} ${r.url}`) });
  });
  app.addHook('onRequest', async (req) => {
    const url = req.routeOptions.url;
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    if (url !== undefined && !fromTable.has(`${method} ${url}`)) {
      throw new ReadfirstError('forbidden', 'this route has no access rule');
    }
  });
  for (const route of all) {
    app.route({
      method: route.method,
      url: route.url,
      onRequest: async (req) => {
        routeOf.set(req, route);
        await opts.guard(req, route);
      },
      ...(opts.audit ? { onResponse: async (req: FastifyRequest, reply: FastifyReply) => opts.audit?.(req, reply, route) } : {}),
      handler: route.handler,
    });
  }
  return app;
}
