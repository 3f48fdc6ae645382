import type { FastifyReply, FastifyRequest } from 'fastify';

/** Who may call a route. The security layer enforces this for every route in one place. */
export type Access = 'public' | 'authenticated' | { roles: readonly Role[] };

export type Role = 'radiologist' | 'admin' | 'service';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * One HTTP route, declared as data. Each domain exports a list of these; the server registers
 * them all and wraps each with the same authorisation hook, so no route is forgotten.
 */
export interface RouteDef {
  method: HttpMethod;
  url: string;
  access: Access;
  /** Short description for the route listing and the audit log. */
  summary: string;
  /** Whether the request carries patient data (audited by the security layer). */
  phi?: boolean;
  handler: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
}

/** The signed-in user's name for a request, as the access guard established it (security provides it). */
export type UserOf = (req: FastifyRequest) => string | undefined;
