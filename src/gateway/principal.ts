// Who is calling: the result of authentication, attached to the request by the auth step. Users
// arrive by session cookie or bearer token, service accounts by token or client certificate.
import type { FastifyRequest } from "fastify";

export interface Principal {
  kind: "user" | "service";
  /** User or service-account id. */
  id: string;
  /** Username or service name (sent upstream as X-Rampart-User). */
  name: string;
  roles: readonly string[];
  via: "session" | "token" | "certificate";
  /** Public session id (never the token). */
  sessionId?: string;
  /** When a second factor was last proved in this session (step-up MFA). */
  mfaAt?: number;
  /** A user who must change their password may do only that. */
  mustChangePassword?: boolean;
  /** Cookie sessions only: constant-time check of the X-CSRF-Token header. */
  checkCsrf?: (token: string | null | undefined) => boolean;
  /** Narrowed permissions (API token scope): the action must also match one of these. */
  scope?: readonly string[];
}

/** The authentication step: a principal, or null when the request carries no valid credential. */
export type Authenticate = (request: FastifyRequest) => Promise<Principal | null>;
