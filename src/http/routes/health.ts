import type { FastifyPluginCallback } from "fastify";

export interface HealthDeps {
  version: string;
  /** Throws when the database cannot answer. */
  pingDatabase(): void;
  /** The bot's identity once getMe has answered; undefined before. */
  botIdentity(): { id: number; username: string } | undefined;
}

export function healthRoutes(deps: HealthDeps): FastifyPluginCallback {
  return (app, _options, done) => {
    app.get("/healthz", async (_request, reply) => {
      let database: "ok" | "unreachable" = "ok";
      try {
        deps.pingDatabase();
      } catch {
        database = "unreachable";
      }
      const bot = deps.botIdentity();
      const healthy = database === "ok" && bot !== undefined;
      return reply.status(healthy ? 200 : 503).send({
        status: healthy ? "ok" : "degraded",
        version: deps.version,
        database,
        bot: bot ?? null,
      });
    });
    done();
  };
}
