import type { EventEmitter } from "node:events";
import { SandboxError } from "./errors.js";
import type { FloodModel } from "./flood.js";
import type { CallbackAnswer, SandboxBot, SandboxClock, SandboxStats, SandboxUser } from "./types.js";
import { createChatInstances, createChats } from "./world/chats.js";
import { createDirectory } from "./world/directory.js";
import { createFileStore } from "./world/file-store.js";
import { createMessageLog } from "./world/message-log.js";
import type { BotState, ChatState, World } from "./world/types.js";
import { confirmUpdates, createEnqueue, pendingUpdates } from "./world/updates.js";
import { createStoreUserMessage, createUserActions } from "./world/user-actions.js";
import { createUserMedia } from "./world/user-media.js";
import { chatObject, createViews } from "./world/views.js";

export { FIRST_GROUP_ID, FIRST_USER_ID } from "./world/directory.js";
export { snapshot } from "./world/message-log.js";
export type {
  BotState,
  BotUser,
  ChatState,
  FileFolder,
  Json,
  MemberStatus,
  PendingPoll,
  Relation,
  StoredFile,
  WebhookState,
  World,
} from "./world/types.js";

const FIRST_UPDATE_ID = 500_000_001;

export function emptyStats(): SandboxStats {
  return {
    requests: 0,
    byMethod: {},
    http429: 0,
    http429ByScope: { bulk: 0, paid: 0, chat: 0, group: 0 },
    errors: {},
    messagesSent: 0,
    paidMessages: 0,
    messagesPerChat: {},
    dropped: 0,
    violations: { bulk: 0, perChat: 0, group: 0, penalty: 0 },
    outageCalls: 0,
  };
}

export function botIdOf(token: string): number {
  const m = /^(\d{1,15}):[A-Za-z0-9_-]{1,100}$/.exec(token);
  if (!m?.[1])
    throw new SandboxError(400, `invalid bot token ${JSON.stringify(token)}: expected "<digits>:<secret>"`);
  return Number(m[1]);
}

function createBots(configs: SandboxBot[]): BotState[] {
  if (configs.length === 0) throw new SandboxError(400, "a sandbox needs at least one bot");
  const bots: BotState[] = configs.map((config) => {
    const id = botIdOf(config.token);
    return {
      config: { ...config },
      id,
      user: { id, is_bot: true, first_name: config.first_name, username: config.username },
      updates: [],
      nextUpdateId: FIRST_UPDATE_ID,
      allowedUpdates: null,
      webhook: null,
      poll: null,
      commands: new Map(),
    };
  });
  const seenIds = new Set<number>();
  for (const b of bots) {
    if (seenIds.has(b.id)) throw new SandboxError(400, `two sandbox bots share the id ${b.id}`);
    seenIds.add(b.id);
  }
  return bots;
}

/** The shared world, assembled from its parts (world/): chats, the directory, messages, files, updates, users. */
export function createWorld(opts: {
  bots: SandboxBot[];
  clock: SandboxClock;
  flood: FloodModel;
  events: EventEmitter;
  guessMime: (fileName: string, declared?: string) => string | undefined;
}): World {
  const { clock, flood, events } = opts;
  const bots = createBots(opts.bots);
  const users = new Map<number, SandboxUser>();
  const groups = new Map<number, ChatState>();
  const callbackAnswers: CallbackAnswer[] = [];
  const pendingCallbacks = new Map<string, { botId: number; answered: boolean }>();
  let stats = emptyStats();

  const unixNow = (): number => Math.floor(clock.now() / 1000);
  const bot = (token?: string): BotState => {
    if (token === undefined) return bots[0] as BotState;
    const found = bots.find((b) => b.config.token === token);
    if (!found) throw new SandboxError(404, "unknown bot token");
    return found;
  };

  const newChatInstance = createChatInstances();
  const views = createViews(bots, users);
  const enqueue = createEnqueue(events);
  const chats = createChats({ users, groups, enqueue, unixNow, newChatInstance });
  const messages = createMessageLog({ clock, events, stats: () => stats });
  const fileStore = createFileStore();
  const directory = createDirectory({
    bots,
    bot,
    users,
    groups,
    enqueue,
    chatMember: views.chatMember,
    markStarted: chats.markStarted,
    unixNow,
    newChatInstance,
  });
  const actionDeps = { bot, users, chats, flood, enqueue, apiMessage: views.apiMessage, ...messages };
  const storeUserMessage = createStoreUserMessage(actionDeps);

  return {
    bots,
    get stats() {
      return stats;
    },
    callbackAnswers,
    pendingCallbacks,
    clock,
    flood,
    events,
    resetStats() {
      stats = emptyStats();
    },
    bot,
    botByToken: (token) => bots.find((b) => b.config.token === token),
    botById: (id) => bots.find((b) => b.id === id),
    ...directory,
    user: (id) => users.get(id),
    group: (id) => groups.get(id),
    relation: chats.relation,
    privateChat: chats.privateChat,
    viewChat: chats.viewChat,
    ...messages,
    chatObject,
    ...views,
    enqueue,
    pendingUpdates,
    confirmUpdates,
    ...fileStore,
    ...createUserActions({ ...actionDeps, pendingCallbacks }, storeUserMessage),
    ...createUserMedia({ ...actionDeps, ...fileStore, guessMime: opts.guessMime, storeUserMessage }),
    blockBot(userId, o = {}) {
      chats.block(bot(o.botToken), userId);
    },
    unblockBot(userId, o = {}) {
      chats.unblock(bot(o.botToken), userId);
    },
    releasePolls() {
      for (const b of bots) {
        const poll = b.poll;
        b.poll = null;
        poll?.finish([]);
      }
    },
  };
}
