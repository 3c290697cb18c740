import { chatMethods } from "./bot-api/chats.js";
import { commandMethods } from "./bot-api/commands.js";
import { createCallHelpers, type Handler } from "./bot-api/context.js";
import { editMethods } from "./bot-api/edits.js";
import { mediaMethods } from "./bot-api/media.js";
import { messageMethods } from "./bot-api/messages.js";
import { updateMethods } from "./bot-api/updates.js";
import type { World } from "./state.js";

export { type CallContext, MAX_CAPTION_LENGTH, MAX_TEXT_LENGTH } from "./bot-api/context.js";

/** The calls Telegram counts as messages for flood control. */
export const COUNTED_METHODS = new Set([
  "sendMessage",
  "sendPhoto",
  "sendDocument",
  "copyMessage",
  "forwardMessage",
]);
/** The calls the fault model may break: message sends and edits. */
export const FAULTY_METHODS = new Set([
  ...COUNTED_METHODS,
  "editMessageText",
  "editMessageCaption",
  "editMessageReplyMarkup",
]);

/** Every simulated Bot API method, found by name as Telegram does (case-insensitively). */
export function createBotApi(world: World): {
  resolve(method: string): { name: string; handler: Handler } | undefined;
} {
  const h = createCallHelpers(world);
  const handlers: Record<string, Handler> = {
    ...chatMethods(world, h),
    ...updateMethods(world),
    ...commandMethods(world, h),
    ...messageMethods(world, h),
    ...mediaMethods(world, h),
    ...editMethods(world, h),
  };
  const byLowerName = new Map(
    Object.entries(handlers).map(([name, handler]) => [name.toLowerCase(), { name, handler }]),
  );
  return { resolve: (method) => byLowerName.get(method.toLowerCase()) };
}
