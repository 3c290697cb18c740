export { COUNTED_METHODS, FAULTY_METHODS, MAX_CAPTION_LENGTH, MAX_TEXT_LENGTH } from "./bot-api.js";
export { type CommandViewer, resolveCommands } from "./commands.js";
export { ApiError, SandboxError } from "./errors.js";
export {
  createFloodModel,
  DEFAULT_FLOOD_LIMITS,
  defaultHiddenRate,
  FLOOD_MODELS,
  type FloodDecision,
  type FloodModel,
  type FloodRefusal,
  type FloodRequest,
  type FloodScope,
  isFloodModelName,
} from "./flood.js";
export { formatText } from "./formatted-text.js";
export { EntityParseError, type ParsedText, parseHtml } from "./html-entities.js";
export {
  createLatencyPicker,
  JITTER_SPIKES,
  LATENCY_SPLITS,
  type LatencyDraw,
  MODEL_LATENCY,
  NETWORK_JITTER_MS,
} from "./latency.js";
export { parseMarkdown, parseMarkdownV2 } from "./markdown-entities.js";
export {
  createSandbox,
  DEFAULT_FAULTS,
  DEFAULT_LATENCY,
  DEFAULT_SANDBOX_BOT,
  DEFAULT_SANDBOX_TOKEN,
  OUTAGE_MODES,
} from "./sandbox.js";
export type {
  BotOption,
  CallbackAnswer,
  ChatRecord,
  ChatRecordEdit,
  CommandsForOptions,
  CreateUserOptions,
  Document,
  Faults,
  FloodLimits,
  FloodModelName,
  Latency,
  LatencySplit,
  MessageEntity,
  NewSandboxUser,
  OutageMode,
  OutageOptions,
  OutageState,
  PhotoSize,
  Sandbox,
  SandboxBot,
  SandboxClock,
  SandboxGroup,
  SandboxOptions,
  SandboxRequestEvent,
  SandboxStats,
  SandboxUser,
  Sticker,
  StoredCommands,
  UserChatOptions,
  UserPhoto,
  UserSendsOptions,
  UserSticker,
  UserVideo,
  Video,
  ViolationKind,
} from "./types.js";
