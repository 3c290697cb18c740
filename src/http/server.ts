import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { Logger } from "../logger.js";
import { type HealthDeps, healthRoutes } from "./routes/health.js";

export interface ServerDeps extends HealthDeps {
  logger: Logger;
}

/** The HTTP face, built without listening so tests drive it through `inject`. */
export function buildServer(deps: ServerDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger.child({ face: "http" }) as FastifyBaseLogger,
    // Per-request lines would log every health probe; routes log what matters themselves.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
  });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, "request failed");
      return reply
        .status(status)
        .send({ error: "internal_error", message: "Something went wrong on our side." });
    }
    return reply.status(status).send({ error: error.code ?? "bad_request", message: error.message });
  });

  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: "not_found", message: `No route for ${request.method} ${request.url}` }),
  );

  app.register(healthRoutes(deps));
  return app;
}
