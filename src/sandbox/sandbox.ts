import { EventEmitter } from "node:events";
import type { Server } from "node:http";
import { createBotApi } from "./bot-api.js";
import { commandsForChat } from "./commands.js";
import { createConditions } from "./conditions.js";
import { createControlApi } from "./control-api.js";
import { guessMimeType } from "./files.js";
import { createFloodModel } from "./flood.js";
import { closeServer, createHttpServer, listenServer } from "./http-server.js";
import { MODEL_LATENCY } from "./latency.js";
import { createRequestHandler } from "./requests.js";
import { createWorld, snapshot, type World } from "./state.js";
import type { Latency, Sandbox, SandboxBot, SandboxOptions } from "./types.js";
import { waitForBotMessage } from "./wait-for-message.js";

export { DEFAULT_FAULTS, OUTAGE_MODES } from "./conditions.js";

export const DEFAULT_SANDBOX_TOKEN = "123456789:SANDBOX_token_for_local_use_only";

export const DEFAULT_SANDBOX_BOT: SandboxBot = {
  token: DEFAULT_SANDBOX_TOKEN,
  username: "herald_sandbox_bot",
  first_name: "Herald",
};

/** The latency of the default (strict) model; see MODEL_LATENCY for the others. */
export const DEFAULT_LATENCY: Latency = MODEL_LATENCY.strict;
const DEFAULT_SEED = 0x5eed;

type WorldHelpers = Omit<
  Sandbox,
  | "url"
  | "listen"
  | "close"
  | "bots"
  | "setLimits"
  | "setFaults"
  | "setLatency"
  | "setModel"
  | "model"
  | "hiddenRate"
  | "startOutage"
  | "endOutage"
  | "outage"
  | "limits"
  | "faults"
  | "latency"
  | "events"
>;

/** What tests do as users and read back from chats, files and stats. */
function worldHelpers(world: World, events: EventEmitter, waiters: Set<(err: Error) => void>): WorldHelpers {
  return {
    createUser: (u, opts) => world.createUser(u, opts),
    createUsers: (list, opts) => list.map((u) => world.createUser(u, opts)),
    createGroup: (g) => world.createGroup(g),
    userSends: (userId, text, opts) => world.userSends(userId, text, opts),
    userStarts: (userId, payload, opts) => world.userStarts(userId, payload, opts),
    userSendsDocument: (userId, doc, opts) => world.userSendsDocument(userId, doc, opts),
    userSendsPhoto: (userId, photo, opts) => world.userSendsPhoto(userId, photo, opts),
    userSendsSticker: (userId, opts) => world.userSendsSticker(userId, opts),
    userSendsVideo: (userId, video, opts) => world.userSendsVideo(userId, video, opts),
    userSendsContact: (userId, contact, opts) => world.userSendsContact(userId, contact, opts),
    userPresses: (userId, button, opts) => world.userPresses(userId, button, opts),
    blockBot: (userId, opts) => world.blockBot(userId, opts),
    unblockBot: (userId, opts) => world.unblockBot(userId, opts),
    transcript(chatId, opts = {}) {
      return world.viewChat(chatId, world.bot(opts.botToken)).records.map(snapshot);
    },
    botMessages(chatId, opts = {}) {
      return world
        .viewChat(chatId, world.bot(opts.botToken))
        .records.filter((r) => r.from === "bot" && !r.deleted)
        .map(snapshot);
    },
    waitForBotMessage: (chatId, predicate = () => true, opts = {}) =>
      waitForBotMessage({ world, events, waiters }, chatId, predicate, opts),
    callbackAnswers: () => world.callbackAnswers.map((a) => ({ ...a })),
    commands(opts = {}) {
      return [...world.bot(opts.botToken).commands.values()].map((c) => structuredClone(c));
    },
    commandsFor: (chatId, opts = {}) => commandsForChat(world, chatId, opts),
    fileContent(fileId) {
      const data = world.files.get(fileId)?.data;
      return data ? Buffer.from(data) : undefined;
    },
    stats: () => structuredClone(world.stats),
    resetStats: () => world.resetStats(),
  };
}

/** A timer close() can cut short (the `sleepers` are woken); after close nothing waits. */
function createSleep(isClosed: () => boolean, sleepers: Set<() => void>): (ms: number) => Promise<void> {
  return (ms) => {
    if (ms <= 0 || isClosed()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      sleepers.add(done);
    });
  };
}

export function createSandbox(options: SandboxOptions = {}): Sandbox {
  const clock = options.clock ?? { now: () => Date.now() };
  const events = new EventEmitter();
  // Many concurrent waitForBotMessage calls each listen; that is expected, not a leak.
  events.setMaxListeners(0);
  const flood = createFloodModel({
    clock,
    ...(options.limits && { limits: options.limits }),
    ...(options.model !== undefined && { model: options.model }),
    ...(options.hiddenRate !== undefined && { hiddenRate: options.hiddenRate }),
  });
  const world = createWorld({
    bots: options.bots ?? [DEFAULT_SANDBOX_BOT],
    clock,
    flood,
    events,
    guessMime: guessMimeType,
  });
  const api = createBotApi(world);
  const conditions = createConditions(flood, options.seed ?? DEFAULT_SEED);
  conditions.setFaults(options.faults ?? {});
  if (options.latency) conditions.setLatency(options.latency);

  let server: Server | undefined;
  let baseUrl: string | undefined;
  let closed = false;
  const sleepers = new Set<() => void>();
  const waiters = new Set<(err: Error) => void>();

  const sleep = createSleep(() => closed, sleepers);

  let control: ReturnType<typeof createControlApi> | undefined;
  const onRequest = createRequestHandler({
    world,
    api,
    clock,
    events,
    conditions,
    sleep,
    control: (method, path, query, body) => {
      control ??= createControlApi(sandbox);
      return control(method, path, query, body);
    },
  });

  const sandbox: Sandbox = {
    get url() {
      if (!baseUrl) throw new Error("sandbox is not listening yet: await sandbox.listen() first");
      return baseUrl;
    },
    async listen(opts = {}) {
      if (server) throw new Error("sandbox is already listening");
      if (closed) throw new Error("sandbox was closed; create a new one");
      const s = createHttpServer(onRequest, events);
      server = s;
      baseUrl = await listenServer(s, opts.port ?? 0, opts.host ?? "127.0.0.1");
      return baseUrl;
    },
    async close() {
      if (closed) return;
      closed = true;
      world.releasePolls();
      for (const wake of [...sleepers]) wake();
      for (const reject of [...waiters]) reject(new Error("sandbox closed while waiting for a bot message"));
      if (server) await closeServer(server);
    },
    get bots() {
      return world.bots.map((b) => ({ ...b.config }));
    },
    ...worldHelpers(world, events, waiters),
    setLimits: conditions.setLimits,
    setFaults: conditions.setFaults,
    setLatency: conditions.setLatency,
    setModel: conditions.setModel,
    get model() {
      return flood.model;
    },
    get hiddenRate() {
      return flood.hiddenRate;
    },
    startOutage: conditions.startOutage,
    endOutage: conditions.endOutage,
    get outage() {
      const remainingMs = Math.max(0, conditions.outageEndsAt() - Date.now());
      return { active: remainingMs > 0, remainingMs };
    },
    get limits() {
      return flood.limits;
    },
    get faults() {
      return { ...conditions.faults };
    },
    get latency() {
      return { ...conditions.latency };
    },
    events,
  };
  return sandbox;
}
