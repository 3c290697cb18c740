import { Composer, type Filter } from "grammy";
import type { Codec } from "../../callback-data.js";
import type { HeraldContext } from "../../context.js";

export type PressContext = Filter<HeraldContext, "callback_query:data">;

/** A handler for the presses of one button family; data it cannot decode goes on to the next handler. */
export function onPress<T>(
  codec: Codec<T>,
  handler: (ctx: PressContext, value: T) => Promise<unknown>,
): Composer<HeraldContext> {
  const composer = new Composer<HeraldContext>();
  composer.on("callback_query:data", async (ctx, next) => {
    const value = codec.decode(ctx.callbackQuery.data);
    if (value === undefined) return next();
    await handler(ctx, value);
  });
  return composer;
}
