// The HTTPS gateway: the only module that imports Fastify.

export type { ControlCall, ControlRoute, RequestInfo } from "./control.js";
export type { Authenticate, Principal } from "./principal.js";
export { routeActions } from "./routes/access.js";
export type { GatewayOptions, RunningGateway } from "./server.js";
export { buildGateway, splitHostPort, startGateway } from "./server.js";
export type { ExtraAuthenticators, GatewayServices } from "./services.js";
