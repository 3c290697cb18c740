import { describe, expect, it } from "vitest";
import { buildServer } from "../../src/http/server.js";
import { collectLogs } from "../helpers/log-collector.js";

function server(overrides: { dbFails?: boolean; bot?: { id: number; username: string } } = {}) {
  return buildServer({
    logger: collectLogs().logger,
    version: "9.9.9",
    pingDatabase: () => {
      if (overrides.dbFails) throw new Error("SQLITE_CANTOPEN");
    },
    botIdentity: () => overrides.bot,
  });
}

describe("GET /healthz", () => {
  it("is ok when the database answers and the bot's identity is known", async () => {
    const app = server({ bot: { id: 1, username: "herald_bot" } });
    const response = await app.inject({ method: "GET", url: "/healthz" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      status: "ok",
      version: "9.9.9",
      database: "ok",
      bot: { id: 1, username: "herald_bot" },
    });
    await app.close();
  });

  it("answers 503 and says what is wrong otherwise", async () => {
    const app = server({ dbFails: true });
    const response = await app.inject({ method: "GET", url: "/healthz" });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ status: "degraded", database: "unreachable", bot: null });
    await app.close();
  });
});

describe("unknown routes", () => {
  it("answer 404 JSON with a reason", async () => {
    const app = server();
    const response = await app.inject({ method: "POST", url: "/nope" });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: "not_found", message: "No route for POST /nope" });
    await app.close();
  });
});
