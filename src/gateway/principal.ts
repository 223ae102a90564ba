// Who is calling: the result of authentication, attached to the request by the auth step.
export interface Principal {
  kind: "user" | "service";
  /** User or service-account id. */
  id: string;
  /** Username or service name (sent upstream as X-Rampart-User). */
  name: string;
  roles: readonly string[];
  /** Public session id (never the token). */
  sessionId?: string;
  via: "session" | "token" | "certificate";
}

/** The authentication step: a principal, or null when the request carries no valid credential. */
export type Authenticate = (request: import("fastify").FastifyRequest) => Promise<Principal | null>;
