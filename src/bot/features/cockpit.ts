import { conversations, createConversation } from "@grammyjs/conversations";
import { Composer, InlineKeyboard, type MiddlewareFn } from "grammy";
import { recordAdminAction } from "../../audience/audit.js";
import { parseListFile } from "../../audience/list-file.js";
import { SEGMENT_NAME, SegmentError } from "../../audience/segments.js";
import { collectStats } from "../../audience/stats.js";
import { type Broadcast, BroadcastNotFoundError, BroadcastStateError } from "../../delivery/broadcasts.js";
import { pickLanguage } from "../../messages/language.js";
import { TemplateNotFoundError } from "../../messages/templates.js";
import { ScenarioError } from "../../scenarios/scenarios.js";
import { publishOrganiserCommands } from "../commands.js";
import type { DialogContext, HeraldContext } from "../context.js";
import { COMPOSE, composeConversation, launchedAnswer, titleOf } from "../conversations/compose.js";
import { DIALOG_PREFIX } from "../conversations/dialog-io.js";
import { describeWhen, EDIT_STEP, editStepConversation, scenarioName } from "../conversations/edit-step.js";
import type { BotDeps } from "../deps.js";
import { describeError } from "../describe-error.js";
import { dialogKey, dialogStorage, endDialog, hasDialog, isReplayMismatch } from "../dialog-storage.js";
import { fill, type Messages, messagesFor } from "../locales/index.js";
import { broadcastStatus } from "../progress.js";

/**
 * Bumped whenever a dialog's sequence of steps changes (a `wait` or an `external` added, removed or
 * moved; test/bot/dialog-replay.test.ts pins the compose dialog's): stored dialogs of the old shape
 * are dropped rather than replayed into code that did not record them.
 * 2: the draft is created before the last step, whose buttons carry its id.
 * 3: the plan step reads the gate's pace (one `external` more, added without a bump at first).
 */
export const DIALOG_VERSION = 3;
export const ORGANISER_COMMANDS = [
  "admin",
  "new",
  "broadcasts",
  "templates",
  "segments",
  "stats",
  "scenarios",
  "cancel",
] as const;
const COCKPIT_CALLBACK = /^(d:|bc:|menu:|tpl:|seg:|sc:)/;
const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;
const LIST_ERRORS_SHOWN = 10;

/**
 * The organisers' cockpit: menus, the compose dialog, broadcast controls, list uploads and stats.
 * Only organisers reach it; for everyone else it does not exist and their updates fall through to
 * the attendee features.
 */
export function cockpitFeature(deps: BotDeps) {
  const { db, clock, config, cockpit } = deps;
  const composer = new Composer<HeraldContext>();

  const organiser = composer.filter(async (ctx) => {
    if (!ctx.from || !ctx.chat || !maybeForCockpit(ctx)) return false;
    const allowed = await cockpit.organisers.isOrganiser(ctx.from.id, ctx.chat.id);
    if (!allowed) return false;
    if (cockpit.organisers.firstSeen(ctx.from.id) && ctx.chat.type === "private") {
      // Members of the organisers' group get their command menu in their private chat on first contact.
      await publishOrganiserCommands(ctx.api, ctx.chat.id).catch((error: unknown) =>
        ctx.logger.warn({ err: error }, "could not publish the organiser menu"),
      );
    }
    return true;
  });

  /** Cheap checks first, so an attendee's ordinary update never costs a membership lookup. */
  function maybeForCockpit(ctx: HeraldContext): boolean {
    const text = ctx.message?.text;
    if (text?.startsWith("/")) {
      const command = text.slice(1).split(/[\s@]/)[0] ?? "";
      if ((ORGANISER_COMMANDS as readonly string[]).includes(command)) return true;
    }
    if (ctx.callbackQuery?.data && COCKPIT_CALLBACK.test(ctx.callbackQuery.data)) return true;
    if (ctx.message?.document) return true;
    if (ctx.chat?.id === config.adminChatId) return true;
    const key = dialogKey(ctx);
    return key !== undefined && hasDialog(db, key);
  }

  // Who did what, when: every command and button of an organiser, before anything else handles it.
  organiser.use((ctx, next) => {
    const action = ctx.callbackQuery?.data
      ? { action: "button", detail: { data: ctx.callbackQuery.data } }
      : ctx.message?.text?.startsWith("/")
        ? { action: "command", detail: { command: ctx.message.text.split(/\s/)[0] } }
        : ctx.message?.document
          ? { action: "upload", detail: { bytes: ctx.message.document.file_size ?? null } }
          : undefined;
    if (action) audit(ctx, action.action, action.detail);
    return next();
  });

  organiser.use(
    conversations<HeraldContext, DialogContext>({
      storage: {
        type: "key",
        version: DIALOG_VERSION,
        getStorageKey: dialogKey,
        adapter: dialogStorage(db, clock, () => deps.stopping?.() ?? false),
      },
    }),
  );

  // /cancel is handled before the dialog sees it: it always leaves. A draft made in the dialog goes
  // in one transaction with the dialog's stored state, so it can never be launched afterwards.
  organiser.command("cancel", async (ctx) => {
    const active = Object.keys(await ctx.conversation.active()).length > 0;
    const key = dialogKey(ctx) as string;
    cockpit.broadcasts.discardDrafts({ createdBy: ctx.from?.id as number, chatId: ctx.chat.id }, () =>
      endDialog(db, key),
    );
    await ctx.conversation.exitAll();
    await ctx.reply(active ? ctx.messages.cancelled : ctx.messages.nothingToCancel);
  });

  organiser.use(
    droppingUnreplayable(
      createConversation(composeConversation(deps), {
        id: COMPOSE,
        plugins: [decorateDialog(deps)],
      }),
    ),
  );
  organiser.use(
    droppingUnreplayable(
      createConversation(editStepConversation(deps), {
        id: EDIT_STEP,
        plugins: [decorateDialog(deps)],
      }),
    ),
  );

  const startCompose = async (ctx: HeraldContext, templateId?: number) => {
    if (Object.keys(await ctx.conversation.active()).length > 0) {
      await ctx.reply(ctx.messages.composeCommandInDialog);
      return;
    }
    await (templateId === undefined
      ? ctx.conversation.enter(COMPOSE)
      : ctx.conversation.enter(COMPOSE, templateId));
  };

  organiser.command("admin", (ctx) =>
    ctx.reply(ctx.messages.menuTitle, { reply_markup: menu(ctx.messages) }),
  );
  organiser.command("new", (ctx) => startCompose(ctx));
  organiser.command("broadcasts", (ctx) => showBroadcasts(ctx));
  organiser.command("templates", (ctx) => showTemplates(ctx));
  organiser.command("segments", (ctx) => showSegments(ctx));
  organiser.command("stats", (ctx) => showStats(ctx));
  organiser.command("scenarios", (ctx) => showScenarios(ctx));

  organiser.callbackQuery(/^menu:(\w+)$/, async (ctx) => {
    await ctx.answerCallbackQuery();
    const item = ctx.match[1];
    if (item === "new") await startCompose(ctx);
    else if (item === "broadcasts") await showBroadcasts(ctx);
    else if (item === "templates") await showTemplates(ctx);
    else if (item === "segments") await showSegments(ctx);
    else if (item === "stats") await showStats(ctx);
    else if (item === "scenarios") await showScenarios(ctx);
  });

  organiser.callbackQuery(/^sc:(on|off|open):(\w+)$/, async (ctx) => {
    const id = ctx.match[2] as string;
    await ctx.answerCallbackQuery();
    try {
      if (ctx.match[1] === "open") {
        await showScenario(ctx, id);
        return;
      }
      // The wanted state rides in the button, so an old button cannot flip it the wrong way.
      const enabled = ctx.match[1] === "on";
      cockpit.scenarios.setEnabled(id, enabled);
      audit(ctx, enabled ? "scenario.enable" : "scenario.disable", { scenario: id });
      const m = ctx.messages;
      await ctx.reply(
        fill(m.scenarioToggled, { name: scenarioName(m, id), state: enabled ? m.scenarioOn : m.scenarioOff }),
      );
      await showScenarios(ctx);
    } catch (error) {
      if (error instanceof ScenarioError) await ctx.reply(ctx.messages.notFound);
      else throw error;
    }
  });

  organiser.callbackQuery(/^sc:edit:(\w+):(\d+)$/, async (ctx) => {
    await ctx.answerCallbackQuery();
    if (Object.keys(await ctx.conversation.active()).length > 0) {
      await ctx.reply(ctx.messages.composeCommandInDialog);
      return;
    }
    await ctx.conversation.enter(EDIT_STEP, ctx.match[1], Number(ctx.match[2]));
  });

  // Broadcast controls on progress messages and broadcast cards.
  organiser.callbackQuery(/^bc:(open|pause|resume|cancel|cancel!|keep):(\d+)$/, async (ctx) => {
    const action = ctx.match[1] as string;
    const id = Number(ctx.match[2]);
    const m = ctx.messages;
    const chatId = ctx.chat?.id as number;
    try {
      if (action === "open") {
        cockpit.broadcasts.get(id);
        await ctx.answerCallbackQuery();
        await cockpit.progress.show(id, chatId, ctx.language);
        return;
      }
      if (action === "cancel") {
        await ctx.answerCallbackQuery();
        await ctx.reply(fill(m.cancelConfirm, { id }), {
          reply_markup: new InlineKeyboard()
            .text(m.cancelYes, `bc:cancel!:${id}`)
            .text(m.cancelNo, `bc:keep:${id}`),
        });
        return;
      }
      if (action === "keep") {
        await ctx.answerCallbackQuery();
        await ctx.deleteMessage().catch(() => undefined);
        return;
      }
      if (action === "pause") cockpit.broadcasts.pause(id, m.pausedByOrganiser);
      else if (action === "resume") cockpit.broadcasts.resume(id);
      else if (action === "cancel!") {
        cockpit.broadcasts.cancel(id);
        await ctx.deleteMessage().catch(() => undefined);
      }
      audit(ctx, `broadcast.${action === "cancel!" ? "cancel" : action}`, { broadcast: id });
      cockpit.wakeDelivery();
      await ctx.answerCallbackQuery();
      cockpit.progress.refresh(id);
    } catch (error) {
      if (error instanceof BroadcastStateError) {
        const status = statusOf(ctx, cockpit.broadcasts.get(id));
        await ctx.answerCallbackQuery({ text: fill(m.actionRefused, { status }), show_alert: true });
        cockpit.progress.refresh(id);
      } else if (error instanceof BroadcastNotFoundError) {
        await ctx.answerCallbackQuery({ text: m.notFound });
      } else throw error;
    }
  });

  organiser.callbackQuery(/^tpl:(use|del):(\d+)$/, async (ctx) => {
    const id = Number(ctx.match[2]);
    await ctx.answerCallbackQuery();
    if (ctx.match[1] === "use") {
      await startCompose(ctx, id);
      return;
    }
    try {
      const template = cockpit.templates.get(id);
      cockpit.templates.remove(id);
      audit(ctx, "template.delete", { template: id, name: template.name });
      await ctx.reply(fill(ctx.messages.templateDeleted, { name: template.name }));
    } catch (error) {
      if (!(error instanceof TemplateNotFoundError)) throw error;
      await ctx.reply(ctx.messages.notFound);
    }
  });

  organiser.callbackQuery(/^seg:del:(\d+)$/, async (ctx) => {
    const id = Number(ctx.match[1]);
    await ctx.answerCallbackQuery();
    try {
      const segment = cockpit.segments.get(id);
      cockpit.segments.remove(id);
      audit(ctx, "segment.delete", { segment: id, name: segment.name });
      await ctx.reply(fill(ctx.messages.segmentDeleted, { name: segment.name }));
    } catch (error) {
      if (!(error instanceof SegmentError)) throw error;
      await ctx.reply(error.code === "segment_in_use" ? ctx.messages.segmentInUse : ctx.messages.notFound);
    }
  });

  // A dialog button whose dialog is over (ended, cancelled, or lost in an incompatible upgrade). An
  // old Launch (a double tap, a restart) says which broadcast it launched; it never sends again.
  organiser.callbackQuery(new RegExp(`^${DIALOG_PREFIX}`), (ctx) =>
    ctx.answerCallbackQuery({
      text:
        launchedAnswer(cockpit.broadcasts, ctx.callbackQuery.data, ctx.messages) ?? ctx.messages.staleButton,
      show_alert: true,
    }),
  );

  organiser.on("message:document", async (ctx) => {
    const m = ctx.messages;
    const document = ctx.message.document;
    const fileName = document.file_name ?? "list.txt";
    // In the organisers' group people share files with each other: only a captioned CSV/TXT is a list.
    if (ctx.chat.type !== "private" && !ctx.message.caption?.trim()) return;
    if (!/\.(csv|txt)$/i.test(fileName)) {
      if (ctx.chat.type === "private") await ctx.reply(m.uploadNotText);
      return;
    }
    if ((document.file_size ?? 0) > MAX_UPLOAD_BYTES) {
      await ctx.reply(fill(m.uploadTooBig, { mb: MAX_UPLOAD_BYTES / 1024 / 1024 }));
      return;
    }
    const file = await ctx.api.getFile(document.file_id);
    const response = await fetch(`${config.botApiRoot}/file/bot${config.botToken}/${file.file_path}`);
    if (!response.ok) throw new Error(`could not download the list (HTTP ${response.status})`);
    const list = parseListFile(Buffer.from(await response.arrayBuffer()));
    if (list.errors.length > 0) {
      const shown = list.errors.slice(0, LIST_ERRORS_SHOWN).map((e) => `• ${e.line}: ${e.reason}`);
      if (list.errors.length > LIST_ERRORS_SHOWN) {
        shown.push(fill(m.uploadMore, { n: list.errors.length - LIST_ERRORS_SHOWN }));
      }
      await ctx.reply(fill(m.uploadErrors, { count: list.errors.length, errors: shown.join("\n") }));
      return;
    }
    // Attribute files (answer_id plus columns) only set parameters unless captioned with a list name.
    const caption = ctx.message.caption?.trim();
    const name =
      caption && caption.length > 0
        ? caption
        : list.columns.length > 0
          ? null
          : fileName.replace(/\.[^.]+$/, "");
    if (name !== null && !SEGMENT_NAME.test(name)) {
      await ctx.reply(fill(m.uploadNameInvalid, { name }));
      return;
    }
    try {
      const summary = cockpit.segments.importList({ name, list, by: ctx.from.id });
      audit(ctx, "segment.import", {
        segment: summary.segment?.id ?? null,
        entries: summary.entries,
        matched: summary.matched,
        columns: summary.columns,
      });
      const counts = {
        name: name ?? "",
        entries: summary.entries,
        matched: summary.matched,
        unknown: summary.unknown,
        duplicates: summary.duplicates,
      };
      const lines = [fill(summary.segment ? m.uploadDone : m.uploadAttributesOnly, counts)];
      if (summary.columns.length > 0) {
        lines.push(
          fill(m.uploadAttributes, {
            columns: summary.columns.map((c) => `{${c}}`).join(", "),
            n: summary.attributesSet,
          }),
        );
      }
      await ctx.reply(lines.join("\n"));
    } catch (error) {
      if (error instanceof SegmentError && error.code === "segment_name_taken") {
        await ctx.reply(fill(m.uploadNameTaken, { name: name ?? "" }));
      } else throw error;
    }
  });

  // An organiser's command we do not know, or a message with no dialog open (say, after an upgrade
  // dropped an old dialog): a hint rather than silence. Chatter in the organisers' group is left alone.
  organiser.on("message", async (ctx, next) => {
    const isCommand = ctx.message.text?.startsWith("/") ?? false;
    const repliesToBot = ctx.message.reply_to_message?.from?.id === ctx.me.id;
    if (ctx.chat.type === "private" || isCommand || repliesToBot) {
      if (ctx.chat.type === "private" && !isCommand && !hasOrganiserContext(ctx)) return next();
      await ctx.reply(ctx.messages.organiserHelp);
      return;
    }
  });

  /** In a private chat, an organiser who is not mid-dialog and writes plain text is treated as an attendee. */
  function hasOrganiserContext(ctx: HeraldContext): boolean {
    const key = dialogKey(ctx);
    return key !== undefined && hasDialog(db, key);
  }

  async function showBroadcasts(ctx: HeraldContext) {
    const m = ctx.messages;
    const rows = cockpit.broadcasts.list(10);
    if (rows.length === 0) {
      await ctx.reply(m.broadcastsEmpty);
      return;
    }
    const keyboard = new InlineKeyboard();
    for (const row of rows) keyboard.text(`#${row.id} ${row.title}`.slice(0, 60), `bc:open:${row.id}`).row();
    await ctx.reply([m.broadcastsTitle, ...rows.map((row) => broadcastLine(ctx, row))].join("\n"), {
      reply_markup: keyboard,
    });
  }

  async function showTemplates(ctx: HeraldContext) {
    const m = ctx.messages;
    const list = cockpit.templates.list();
    if (list.length === 0) {
      await ctx.reply(m.templatesEmpty);
      return;
    }
    const keyboard = new InlineKeyboard();
    for (const t of list.slice(0, 20)) {
      keyboard
        .text(fill(m.useTemplate, { name: t.name }), `tpl:use:${t.id}`)
        .text(fill(m.deleteItem, { name: t.name }), `tpl:del:${t.id}`)
        .row();
    }
    await ctx.reply(m.templatesTitle, { reply_markup: keyboard });
  }

  async function showSegments(ctx: HeraldContext) {
    const m = ctx.messages;
    const list = cockpit.segments.list();
    if (list.length === 0) {
      await ctx.reply(m.segmentsEmpty);
      return;
    }
    const keyboard = new InlineKeyboard();
    const lines = [m.segmentsTitle];
    for (const s of list.slice(0, 20)) {
      const reachable = cockpit.segments.count({ kind: "segment", segmentId: s.id });
      lines.push(fill(m.segmentLine, { name: s.name, size: s.size, reachable }));
      keyboard.text(fill(m.deleteItem, { name: s.name }), `seg:del:${s.id}`).row();
    }
    await ctx.reply(lines.join("\n"), { reply_markup: keyboard });
  }

  async function showStats(ctx: HeraldContext) {
    const m = ctx.messages;
    const stats = collectStats(cockpit.sqlite);
    const lines = [
      fill(m.statsText, {
        ...stats.subscribers,
        ...stats.registrations,
        tickets: stats.ticketsSent,
      }),
    ];
    const recent = cockpit.broadcasts.list(5);
    if (recent.length > 0) lines.push("", m.statsBroadcasts, ...recent.map((row) => broadcastLine(ctx, row)));
    await ctx.reply(lines.join("\n"));
  }

  async function showScenarios(ctx: HeraldContext) {
    const m = ctx.messages;
    const keyboard = new InlineKeyboard();
    const blocks = [m.scenariosTitle];
    for (const scenario of cockpit.scenarios.list()) {
      const name = scenarioName(m, scenario.id);
      const state = scenario.enabled ? m.scenarioOn : m.scenarioOff;
      const f = scenario.funnel;
      blocks.push(
        scenario.trigger === "event" && config.eventStartsAt === null
          ? fill(m.scenarioEventOff, { name, state })
          : fill(m.scenarioSummary, {
              name,
              state,
              enrolled: f.enrolled,
              active: f.active,
              completed: Object.values(f.completedAfter).reduce((a, b) => a + b, 0),
              ticket: f.ticketSent,
              unsubscribed: f.unsubscribed,
              blocked: f.blocked,
              finished: f.finished,
              skipped: f.skippedSteps,
            }),
      );
      keyboard
        .text(
          fill(scenario.enabled ? m.scenarioDisable : m.scenarioEnable, { name }),
          `sc:${scenario.enabled ? "off" : "on"}:${scenario.id}`,
        )
        .text(fill(m.scenarioOpen, { name }), `sc:open:${scenario.id}`)
        .row();
    }
    await ctx.reply(blocks.join("\n\n"), { reply_markup: keyboard });
  }

  async function showScenario(ctx: HeraldContext, id: string) {
    const m = ctx.messages;
    const scenario = cockpit.scenarios.get(id);
    const name = scenarioName(m, id);
    const lines = [`${name} — ${scenario.enabled ? m.scenarioOn : m.scenarioOff}`];
    const keyboard = new InlineKeyboard();
    for (const step of scenario.steps) {
      const when = describeWhen(m, ctx.language, step.anchor, step.delayMinutes);
      const text = titleOf({ kind: "text", html: step.text[ctx.language] });
      if (scenario.trigger === "event") {
        const state =
          step.broadcastId !== null
            ? fill(m.eventStepSent, { id: step.broadcastId })
            : step.skippedAt !== null
              ? m.eventStepSkipped
              : m.eventStepPending;
        lines.push(fill(m.scenarioEventStep, { position: step.position, when, text, state }));
      } else {
        lines.push(
          fill(m.scenarioStep, {
            position: step.position,
            when,
            text,
            waiting: scenario.funnel.atStep[step.position] ?? 0,
            completed: scenario.funnel.completedAfter[step.position] ?? 0,
          }),
        );
      }
      keyboard.text(fill(m.scenarioEditStep, { position: step.position }), `sc:edit:${id}:${step.position}`);
      if (step.position % 4 === 0) keyboard.row();
    }
    await ctx.reply(lines.join("\n"), { reply_markup: keyboard });
  }

  /** Who did what, where and when: ids and settings only. */
  function audit(ctx: HeraldContext, action: string, detail: Record<string, unknown>) {
    recordAdminAction(db, {
      actorId: ctx.from?.id ?? 0,
      chatId: ctx.chat?.id ?? 0,
      action,
      detail,
      at: clock.now(),
    });
  }

  function statusOf(ctx: HeraldContext, row: Broadcast): string {
    return broadcastStatus(row, ctx.messages, { language: ctx.language, timezone: config.timezone });
  }

  function broadcastLine(ctx: HeraldContext, row: Broadcast): string {
    const { id, title, sent, total } = row;
    return fill(ctx.messages.broadcastLine, { id, title, status: statusOf(ctx, row), sent, total });
  }

  return composer;
}

function menu(m: Messages): InlineKeyboard {
  return new InlineKeyboard()
    .text(m.menuNew, "menu:new")
    .row()
    .text(m.menuBroadcasts, "menu:broadcasts")
    .text(m.menuStats, "menu:stats")
    .row()
    .text(m.menuTemplates, "menu:templates")
    .text(m.menuSegments, "menu:segments")
    .row()
    .text(m.menuScenarios, "menu:scenarios");
}

/**
 * A stored dialog that its code cannot replay (its log was recorded by other dialog code: an upgrade
 * that changed the steps without bumping DIALOG_VERSION) is dropped like one of an old version. The
 * plugin has already removed it when it throws; the update then goes on through the cockpit, whose
 * fallback answers it: a button with "this dialog is over" (or "already launched"), a message with
 * the organiser help. Before, the organiser got "something went wrong" and the button press was
 * never answered. Errors from the dialog's own code, and from middleware after it, pass unchanged.
 */
function droppingUnreplayable(dialog: MiddlewareFn<HeraldContext>): MiddlewareFn<HeraldContext> {
  return async (ctx, next) => {
    let passedOn = false;
    try {
      await dialog(ctx, () => {
        passedOn = true;
        return next();
      });
    } catch (error) {
      if (passedOn || !isReplayMismatch(error)) throw error;
      ctx.logger.warn(
        { err: describeError(error), dialog_version: DIALOG_VERSION },
        "a stored dialog does not replay with this code (recorded by another version): dropped",
      );
      await next();
    }
  };
}

/**
 * Contexts inside a dialog are built by the conversations plugin: they get the same logger and
 * language as the outside. No API transformer here (the flood gate's): one installed on a
 * dialog's API wraps the plugin's replay log, so on every later update it would act again on the
 * recorded calls. Dialogs speak through dialogIO instead: the bot's own API inside `external`.
 */
function decorateDialog(deps: Pick<BotDeps, "logger">) {
  return (ctx: DialogContext, next: () => Promise<void>) => {
    ctx.logger = deps.logger.child({ update_id: ctx.update.update_id, chat_id: ctx.chat?.id, dialog: true });
    ctx.language = pickLanguage(ctx.from?.language_code);
    ctx.messages = messagesFor(ctx.language);
    return next();
  };
}
