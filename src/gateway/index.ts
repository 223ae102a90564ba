// The HTTPS gateway: the only module that imports Fastify.

export type { Authenticate, Principal } from "./principal.js";
export type { GatewayOptions, RunningGateway } from "./server.js";
export { buildGateway, splitHostPort, startGateway } from "./server.js";
