import { Composer, InlineKeyboard } from "grammy";
import { type FormInstructions, formInstructions, PROVIDER_TITLES } from "../../../forms/instructions.js";
import { FORM_PROVIDERS, type FormProvider, isFormProvider } from "../../../forms/providers.js";
import { watchForTestSubmission } from "../../../forms/watch.js";
import { escapeHtml } from "../../../messages/html.js";
import { formsButton } from "../../callback-data.js";
import type { HeraldContext } from "../../context.js";
import type { BotDeps } from "../../deps.js";
import { fill, type Messages } from "../../locales/index.js";
import { recordAction } from "./audit.js";
import { onPress } from "./press.js";

type Deps = Pick<BotDeps, "db" | "clock" | "config">;

/** Telegram's limit for a copy_text button's text. */
const COPY_TEXT_MAX = 256;

/**
 * /forms: connecting the organiser's form builder. The list of builders, then one builder's
 * instructions (what `npm run forms -- url <provider>` prints, in the organiser's language), and a
 * watch for the next submission from it, whose report (names only) the intake sends to this chat.
 * FORM_SECRET and the provider tokens are shown only in a private chat: a group's history keeps
 * them for every member who ever joins.
 */
export function formsFeature(deps: Deps): Composer<HeraldContext> {
  const composer = new Composer<HeraldContext>();
  composer.command("forms", async (ctx) => {
    const name = ctx.match.trim().toLowerCase();
    if (name === "") return showProviders(deps, ctx);
    if (!isFormProvider(name)) return showProviders(deps, ctx, name);
    return showInstructions(deps, ctx, name);
  });
  composer.use(
    onPress(formsButton, async (ctx, { provider }) => {
      await ctx.answerCallbackQuery();
      await showInstructions(deps, ctx, provider);
    }),
  );
  return composer;
}

async function showProviders(deps: Deps, ctx: HeraldContext, unknown?: string): Promise<void> {
  const m = ctx.messages;
  if (deps.config.forms.secret === null) {
    await ctx.reply(m.formsOff);
    return;
  }
  const keyboard = new InlineKeyboard();
  for (const [index, provider] of FORM_PROVIDERS.entries()) {
    keyboard.text(providerTitle(m, provider), formsButton.encode({ provider }));
    if (index % 2 === 1) keyboard.row();
  }
  const text = unknown === undefined ? m.formsTitle : fill(m.formsUnknown, { name: unknown.slice(0, 40) });
  await ctx.reply(text, { reply_markup: keyboard });
}

async function showInstructions(deps: Deps, ctx: HeraldContext, provider: FormProvider): Promise<void> {
  const m = ctx.messages;
  const chatId = ctx.chat?.id;
  if (deps.config.forms.secret === null || chatId === undefined) {
    await ctx.reply(m.formsOff);
    return;
  }
  // The watch opens before any reply: a reply may wait behind the flood gate for seconds or fail,
  // and a test submission sent meanwhile must still be reported.
  watchForTestSubmission(deps.db, { provider, chatId, language: ctx.language, now: deps.clock.now() });
  recordAction(deps, ctx, "forms.watch", { provider });
  const instructions = formInstructions(provider, deps.config, ctx.language);
  const reveal = ctx.chat?.type === "private";
  // Copy buttons only where the values are shown (a private chat); no keyboard rather than an empty one.
  const copyable = reveal ? instructions.paste.filter((item) => item.value.length <= COPY_TEXT_MAX) : [];
  const keyboard = new InlineKeyboard();
  for (const item of copyable) keyboard.copyText(fill(m.formsCopy, { label: item.label }), item.value).row();
  await ctx.reply(instructionsHtml(m, instructions, reveal), {
    parse_mode: "HTML",
    link_preview_options: { is_disabled: true },
    ...(copyable.length > 0 ? { reply_markup: keyboard } : {}),
  });
  const code = instructions.code;
  if (code) {
    // Yandex's template holds no token; the Apps Script and the curl test do.
    const secret = provider !== "yandex";
    await ctx.reply(
      secret && !reveal
        ? escapeHtml(fill(m.formsCodeHiddenInGroup, { label: code.label, provider }))
        : `<b>${escapeHtml(code.label)}</b>\n<pre>${escapeHtml(code.text)}</pre>`,
      { parse_mode: "HTML" },
    );
  }
  await ctx.reply(m.formsWatching);
}

function instructionsHtml(m: Messages, i: FormInstructions, reveal: boolean): string {
  const lines = [`<b>${escapeHtml(i.labels.heading)}</b>`, ""];
  if (i.addressWarning) lines.push(`⚠️ ${escapeHtml(i.addressWarning)}`, "");
  lines.push(`<b>${escapeHtml(i.labels.paste)}</b>`);
  for (const item of i.paste) {
    const value =
      item.secret && !reveal
        ? escapeHtml(fill(m.formsHiddenInGroup, { provider: i.provider }))
        : `<code>${escapeHtml(item.value)}</code>`;
    lines.push(`${escapeHtml(item.label)}: ${value}`);
  }
  lines.push("", `<b>${escapeHtml(i.labels.steps)}</b>`);
  lines.push(...i.steps.map((step, n) => `${n + 1}. ${escapeHtml(step)}`));
  lines.push("", escapeHtml(i.fieldsNote));
  return lines.join("\n");
}

function providerTitle(m: Messages, provider: FormProvider): string {
  return provider === "generic" ? m.formsGeneric : PROVIDER_TITLES[provider];
}
