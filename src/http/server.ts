import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import { DomainError, type DomainErrorCode } from "../errors.js";
import type { Logger } from "../logger.js";
import { type FormRouteDeps, formRoutes } from "./routes/forms.js";
import { type HealthDeps, healthRoutes } from "./routes/health.js";
import { type WebhookDeps, webhookRoutes } from "./routes/webhooks.js";

export interface ServerDeps extends HealthDeps {
  logger: Logger;
  /** The organiser-facing endpoints; absent in a server that only reports health. */
  webhooks?: Omit<WebhookDeps, "statusOf">;
  /** The form builders' doors (`POST /webhooks/forms/<provider>`); absent: no such routes. */
  forms?: Omit<FormRouteDeps, "statusOf">;
}

/**
 * Domain refusals and the HTTP status each one is answered with: every code has its own line, so a
 * new code does not compile until someone decides its status (before, it quietly became 400).
 */
const STATUS_BY_CODE: Record<DomainErrorCode, number> = {
  ticket_conflict: 409,
  ticket_url_required: 400,
  ticket_url_invalid: 400,
  invalid_answer_id: 400,
  invalid_ref: 422,
  personal_data: 400,
  // No route meets these yet (they are the cockpit's); a route that does answers them so.
  broadcast_not_found: 404,
  template_not_found: 404,
  segment_not_found: 404,
  scenario_not_found: 404,
  step_not_found: 404,
  broadcast_state: 409,
  segment_in_use: 409,
  segment_name_taken: 409,
  segment_invalid: 422,
  step_invalid: 422,
  step_out_of_order: 422,
};

export function statusOf(error: DomainError): number {
  return STATUS_BY_CODE[error.code];
}

/** The HTTP face, built without listening so tests drive it through `inject`. */
export function buildServer(deps: ServerDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger.child({ face: "http" }) as FastifyBaseLogger,
    // Per-request lines would log every health probe; routes log what matters themselves.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 256 * 1024,
    // Refuse what does not match rather than quietly fix it: an unknown field or a number where a
    // string belongs is the sender's mistake, and they should hear about it.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
  });

  app.setErrorHandler(
    (error: Error & { statusCode?: number; code?: string; validation?: unknown }, request, reply) => {
      if (error instanceof DomainError) {
        return reply.status(statusOf(error)).send({ error: error.code, message: error.message });
      }
      if (error.validation) {
        return reply.status(400).send({ error: "invalid_body", message: validationMessage(error) });
      }
      const status = error.statusCode ?? 500;
      if (status >= 500) {
        request.log.error({ err: error }, "request failed");
        return reply
          .status(status)
          .send({ error: "internal_error", message: "Something went wrong on our side." });
      }
      return reply.status(status).send({ error: errorName(error.code), message: error.message });
    },
  );

  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: "not_found", message: `No route for ${request.method} ${request.url}` }),
  );

  app.register(healthRoutes(deps));
  if (deps.webhooks) app.register(webhookRoutes({ ...deps.webhooks, statusOf }));
  if (deps.forms) app.register(formRoutes({ ...deps.forms, statusOf }));
  return app;
}

/** Fastify's codes (FST_ERR_CTP_INVALID_MEDIA_TYPE) as short names for clients. */
function errorName(code: string | undefined): string {
  switch (code) {
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return "unsupported_media_type";
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return "invalid_json";
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return "body_too_large";
    default:
      // Herald's own parsers name their refusals (unsupported_charset, invalid_utf8).
      return code !== undefined && /^[a-z][a-z0-9_]*$/.test(code) ? code : "bad_request";
  }
}

/** Ajv says "must NOT have additional properties" without naming the property: name it. */
function validationMessage(error: Error & { validation?: unknown }): string {
  const [first] =
    (error.validation as Array<{ keyword?: string; params?: { additionalProperty?: string } }>) ?? [];
  const extra = first?.keyword === "additionalProperties" ? first.params?.additionalProperty : undefined;
  return extra === undefined ? error.message : `${error.message}: "${extra}"`;
}
