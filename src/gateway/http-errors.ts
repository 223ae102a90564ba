// Error answers: one JSON shape {"error":{"code","message","requestId"}} for every failure.
// RampartErrors answer with their status and public message; anything else, and every 5xx, answers
// with a generic message while the detail goes to the log under the same request id.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { isRampartError, RampartError } from "../kernel/index.js";

export function sendError(reply: FastifyReply, err: RampartError): FastifyReply {
  const body: Record<string, unknown> = { code: err.code, message: err.message, requestId: reply.request.id };
  if (err.expose) Object.assign(body, err.expose);
  return reply.code(err.status).type("application/json; charset=utf-8").send({ error: body });
}

/** Fastify's own errors (FST_ERR_*) mapped to Rampart codes. */
function fromFastify(e: FastifyError): RampartError | undefined {
  switch (e.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new RampartError("ERR_HTTP_BODY_TOO_LARGE", "request body too large", { status: 413 });
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new RampartError("ERR_HTTP_UNSUPPORTED_MEDIA_TYPE", "unsupported content type", { status: 415 });
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new RampartError("ERR_HTTP_BAD_REQUEST", "malformed request body", { status: 400 });
    default:
      if (e.validation)
        return new RampartError("ERR_HTTP_BAD_REQUEST", `invalid request: ${e.message}`, { status: 400 });
      if (e.statusCode === 400 || e instanceof SyntaxError)
        return new RampartError("ERR_HTTP_BAD_REQUEST", "malformed request body", { status: 400 });
      return undefined;
  }
}

export function installErrorHandlers(fastify: FastifyInstance): void {
  fastify.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const known = isRampartError(error) ? error : fromFastify(error);
    if (known && known.status < 500) {
      request.log.info({ code: known.code, detail: known.detail }, "request refused");
      return sendError(reply, known);
    }
    request.log.error({ err: error, code: known?.code }, "request failed");
    const status = known?.status ?? 500;
    const code = known?.code ?? "ERR_INTERNAL";
    const message = known && status !== 500 ? known.message : "internal error";
    return sendError(reply, new RampartError(code, message, { status }));
  });
  fastify.setNotFoundHandler((_request, reply) =>
    sendError(reply, new RampartError("ERR_HTTP_NOT_FOUND", "no such route", { status: 404 })),
  );
}
