import { BadInput, type Body, botOpt, optionalNumber, optionalObject } from "./control-input.js";
import { createGroupRoute, createUserRoute, userActionRoute } from "./control-users.js";
import { SandboxError } from "./errors.js";
import { isFloodModelName } from "./flood.js";
import type { OutageMode, Sandbox } from "./types.js";

export interface ControlResponse {
  status: number;
  body: unknown;
}

const ROUTES = [
  "GET /sandbox",
  "POST /sandbox/users {first_name, last_name?, username?, language_code?}",
  "POST /sandbox/groups {title, member_ids, type?, bot_tokens?, admin_ids?, creator_id?}",
  "POST /sandbox/users/:id/messages {text, entities?, chat_id?}",
  "POST /sandbox/users/:id/start {payload?}",
  "POST /sandbox/users/:id/documents {file_name, mime_type?, content_base64, caption?, chat_id?}",
  "POST /sandbox/users/:id/photos {content_base64?, caption?, caption_entities?, width?, height?, chat_id?}",
  "POST /sandbox/users/:id/stickers {emoji?, set_name?, content_base64?, chat_id?}",
  "POST /sandbox/users/:id/videos {content_base64?, caption?, caption_entities?, width?, height?, duration?, file_name?, mime_type?, chat_id?}",
  "POST /sandbox/users/:id/contacts {phone_number, first_name, last_name?, user_id?, vcard?, chat_id?}",
  "POST /sandbox/users/:id/callbacks {message_id, data, chat_id?}",
  "POST /sandbox/users/:id/block",
  "POST /sandbox/users/:id/unblock",
  "GET /sandbox/chats/:id/messages",
  "GET /sandbox/chats/:id/commands?user_id=&language_code= (the list a client would show there)",
  "GET /sandbox/files/:file_id -> {file_id, content_base64}",
  "GET /sandbox/stats",
  "POST /sandbox/stats/reset",
  "GET /sandbox/config",
  "PATCH /sandbox/config {limits?, faults?, latency?, model?: strict|bucket|hidden|jitter, hiddenRate?}",
  "POST /sandbox/outage {seconds, modes?: [5xx|hang|lost], hang_extra_ms?}",
  "DELETE /sandbox/outage (ends it early)",
  "GET /sandbox/commands",
  "GET /sandbox/callback-answers",
  "(every user action and read accepts an optional bot_token to select the bot)",
];

/** The HTTP face of the sandbox's test helpers, for the CLI, demos and non-JS clients. */
export function createControlApi(
  sandbox: Sandbox,
): (method: string, path: string, query: URLSearchParams, rawBody: Buffer) => ControlResponse {
  const route = (method: string, path: string, query: URLSearchParams, body: Body): ControlResponse => {
    const parts = path.split("/").filter(Boolean).slice(1); // drop "sandbox"
    const [head, id, action, ...rest] = parts;
    const ok = (result: unknown, status = 200): ControlResponse => ({ status, body: result });
    const queryBot = query.get("bot_token");
    const readOpts = queryBot ? { botToken: queryBot } : botOpt(body);

    if (head === undefined && method === "GET") {
      return ok({
        bots: sandbox.bots.map((b) => ({
          id: Number(b.token.split(":")[0]),
          username: b.username,
          first_name: b.first_name,
        })),
        routes: ROUTES,
      });
    }
    if (head === "users" && id === undefined && method === "POST")
      return ok(createUserRoute(sandbox, body), 201);
    if (head === "groups" && id === undefined && method === "POST")
      return ok(createGroupRoute(sandbox, body), 201);
    if (head === "users" && id !== undefined && method === "POST" && rest.length === 0) {
      const result = userActionRoute(sandbox, id, action, body);
      if (result !== undefined) return ok(result);
    }
    if (
      head === "chats" &&
      id !== undefined &&
      action === "messages" &&
      method === "GET" &&
      rest.length === 0
    ) {
      const chatId = Number(id);
      if (!Number.isSafeInteger(chatId)) throw new BadInput("chat id must be an integer");
      return ok(sandbox.transcript(chatId, readOpts));
    }
    if (
      head === "chats" &&
      id !== undefined &&
      action === "commands" &&
      method === "GET" &&
      rest.length === 0
    ) {
      const chatId = Number(id);
      if (!Number.isSafeInteger(chatId)) throw new BadInput("chat id must be an integer");
      const userId = query.get("user_id");
      if (userId !== null && !/^\d+$/.test(userId)) throw new BadInput("user_id must be an integer");
      const languageCode = query.get("language_code");
      return ok(
        sandbox.commandsFor(chatId, {
          ...readOpts,
          ...(userId !== null && { userId: Number(userId) }),
          ...(languageCode !== null && languageCode !== "" && { languageCode }),
        }),
      );
    }
    if (head === "files" && id !== undefined && action === undefined && method === "GET") {
      let fileId: string;
      try {
        fileId = decodeURIComponent(id);
      } catch {
        throw new BadInput("file id is not valid percent-encoding");
      }
      const data = sandbox.fileContent(fileId);
      if (!data)
        return { status: 404, body: { error: "not_found", message: `no stored bytes for ${fileId}` } };
      return ok({ file_id: fileId, content_base64: data.toString("base64") });
    }
    if (head === "stats" && id === undefined && method === "GET") return ok(sandbox.stats());
    if (head === "stats" && id === "reset" && method === "POST") {
      sandbox.resetStats();
      return ok({ ok: true });
    }
    if (head === "config" && id === undefined && (method === "PATCH" || method === "GET")) {
      if (method === "PATCH") {
        const limits = optionalObject(body, "limits");
        const faults = optionalObject(body, "faults");
        const latency = optionalObject(body, "latency");
        const model = body.model;
        const hiddenRate = optionalNumber(body, "hiddenRate");
        if (model !== undefined && !isFloodModelName(model)) {
          throw new BadInput("model must be one of strict, bucket, hidden, jitter");
        }
        if (limits) sandbox.setLimits(limits);
        if (faults) sandbox.setFaults(faults);
        if (latency) sandbox.setLatency(latency);
        if (model !== undefined || hiddenRate !== undefined) {
          sandbox.setModel(model ?? sandbox.model, hiddenRate === undefined ? {} : { hiddenRate });
        }
      }
      return ok(configView(sandbox));
    }
    if (head === "outage" && id === undefined && method === "POST") {
      const seconds = optionalNumber(body, "seconds");
      if (seconds === undefined) throw new BadInput("seconds is required");
      const modes = body.modes;
      if (modes !== undefined && (!Array.isArray(modes) || !modes.every((m) => typeof m === "string"))) {
        throw new BadInput("modes must be an array of strings");
      }
      const hangExtraMs = optionalNumber(body, "hang_extra_ms");
      sandbox.startOutage(seconds, {
        ...(modes !== undefined && { modes: modes as OutageMode[] }),
        ...(hangExtraMs !== undefined && { hangExtraMs }),
      });
      return ok(sandbox.outage);
    }
    if (head === "outage" && id === undefined && method === "DELETE") {
      sandbox.endOutage();
      return ok(sandbox.outage);
    }
    if (head === "commands" && id === undefined && method === "GET") return ok(sandbox.commands(readOpts));
    if (head === "callback-answers" && id === undefined && method === "GET")
      return ok(sandbox.callbackAnswers());
    return { status: 404, body: { error: "not_found", message: `no control route ${method} ${path}` } };
  };

  return (method, path, query, rawBody) => {
    try {
      let body: Body = {};
      if (rawBody.length > 0) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(rawBody.toString("utf8"));
        } catch {
          throw new BadInput("body must be JSON");
        }
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
          throw new BadInput("body must be a JSON object");
        }
        body = parsed as Body;
      }
      return route(method.toUpperCase(), path.replace(/\/+$/, ""), query, body);
    } catch (err) {
      if (err instanceof BadInput || err instanceof RangeError) {
        return { status: 400, body: { error: "bad_request", message: err.message } };
      }
      if (err instanceof SandboxError) {
        return {
          status: err.status,
          body: { error: err.status === 404 ? "not_found" : "bad_request", message: err.message },
        };
      }
      throw err;
    }
  };
}

function configView(sandbox: Sandbox) {
  return {
    model: sandbox.model,
    hiddenRate: sandbox.hiddenRate,
    limits: sandbox.limits,
    faults: sandbox.faults,
    latency: sandbox.latency,
    outage: sandbox.outage,
  };
}
