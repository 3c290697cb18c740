import type { Conversation } from "@grammyjs/conversations";
import { InlineKeyboard } from "grammy";
import type { Message } from "grammy/types";
import { recordAdminAction } from "../../audience/audit.js";
import { createRecipientParams, knownParameters } from "../../audience/recipient-params.js";
import type { AudienceRule, Stage } from "../../audience/segments.js";
import {
  type BroadcastContent,
  BroadcastNotFoundError,
  BroadcastStateError,
  type Broadcasts,
} from "../../delivery/broadcasts.js";
import { sendContent } from "../../delivery/send-content.js";
import { parseButtons, placeholdersInButtons } from "../../messages/buttons.js";
import { entitiesToHtml } from "../../messages/entities.js";
import { placeholdersIn } from "../../messages/render.js";
import { formatDuration, formatLocal, parseDateRange, parseLocalDateTime } from "../../messages/time.js";
import type { DialogContext, HeraldContext } from "../context.js";
import type { BotDeps, Pace } from "../deps.js";
import { describeError } from "../describe-error.js";
import { dialogKeyOf, endDialog } from "../dialog-storage.js";
import { fill, type Messages } from "../locales/index.js";
import { DIALOG_PREFIX, dialogIO, pressed, texted } from "./dialog-io.js";

export const COMPOSE = "compose";
/** Telegram's free bulk rate; above it a paid broadcast costs 0.1 Star per message. */
const FREE_RATE = 30;
const TEMPLATE_NAME = /^[\p{L}\p{N}][\p{L}\p{N} _.-]{0,47}$/u;

type Dialog = Conversation<HeraldContext, DialogContext>;

const CONFIRM_ACTIONS = ["test", "launch", "save", "cancel"] as const;
type ConfirmAction = (typeof CONFIRM_ACTIONS)[number];
/** A button of the last step: what it does and the draft it belongs to. */
const CONFIRM_DATA = new RegExp(`^${DIALOG_PREFIX}ok:(${CONFIRM_ACTIONS.join("|")}):(\\d+)$`);

function confirmData(action: ConfirmAction, draftId: number): string {
  return `${DIALOG_PREFIX}ok:${action}:${draftId}`;
}

function confirmOf(data: string | undefined): { action: ConfirmAction; draftId: number } | undefined {
  const match = CONFIRM_DATA.exec(data ?? "");
  return match ? { action: match[1] as ConfirmAction, draftId: Number(match[2]) } : undefined;
}

/**
 * What a Launch button says when its broadcast has gone already (a double tap, an old message, a
 * press after a restart): "already launched as #N". Undefined for anything else.
 */
export function launchedAnswer(
  broadcasts: Broadcasts,
  data: string | undefined,
  m: Messages,
): string | undefined {
  const confirm = confirmOf(data);
  if (confirm?.action !== "launch") return undefined;
  try {
    const row = broadcasts.get(confirm.draftId);
    return row.status === "draft" ? undefined : fill(m.alreadyLaunched, { id: row.id });
  } catch (error) {
    if (error instanceof BroadcastNotFoundError) return undefined;
    throw error;
  }
}

export interface Plan {
  urgent: boolean;
  silent: boolean;
  paid: boolean;
  scheduledAt: number | null;
  deadline: number | null;
}

export interface Audience {
  rule: AudienceRule;
  label: string;
  count: number;
}

/**
 * Composing a broadcast, step by step: the message, its buttons, the audience, the plan, a preview
 * for a real recipient and a test send, then launch. Every database read and every side effect goes
 * through `conversation.external`, so replays after a restart repeat none of them.
 */
export function composeConversation(deps: Pick<BotDeps, "config" | "db" | "clock" | "logger" | "cockpit">) {
  const { config, cockpit } = deps;
  const timezone = config.timezone;
  const paramsOf = createRecipientParams(cockpit.sqlite);

  return async function compose(conversation: Dialog, ctx: DialogContext, templateId?: number) {
    const m = ctx.messages;
    const chatId = ctx.chat?.id as number;
    const organiserId = ctx.from?.id as number;
    const io = dialogIO(conversation, chatId, m, {
      staleAnswer: (data) => launchedAnswer(cockpit.broadcasts, data, m),
    });
    const known = await conversation.external(() => [...knownParameters(cockpit.sqlite)]);
    const knownList = known.map((p) => `{${p}}`).join(", ");
    const unknownIn = (names: string[]) => names.filter((name) => !known.includes(name));

    // /new and /admin mid-dialog are answered here: starting another dialog is what they lead to.
    const input = (accept: (c: DialogContext) => boolean, hint: string) =>
      io.input(accept, hint, ["new", "admin"]);

    // 1. The message, or a saved template.
    let content: BroadcastContent;
    if (templateId !== undefined) {
      const template = await conversation.external(() => {
        try {
          return cockpit.templates.get(templateId);
        } catch {
          return null;
        }
      });
      if (!template) {
        await io.say(m.notFound);
        return;
      }
      await io.say(fill(m.composeFromTemplate, { name: template.name }));
      content = template.content;
      const unknown = unknownIn([
        ...placeholdersOf(content),
        ...placeholdersInButtons(content.buttons ?? []),
      ]);
      if (unknown.length > 0) {
        await io.say(fill(m.composeUnknownParams, { unknown: braces(unknown), known: knownList }));
        return;
      }
    } else {
      await io.say(fill(m.composeIntro, { params: knownList }));
      for (;;) {
        const c = await input(
          (x) => x.message !== undefined && !x.message.text?.startsWith("/"),
          m.composeNeedMessage,
        );
        const built = contentOf(c.message as Message, chatId);
        const unknown = unknownIn(placeholdersOf(built));
        if (unknown.length > 0) {
          await io.say(fill(m.composeUnknownParams, { unknown: braces(unknown), known: knownList }));
          continue;
        }
        if (built.kind === "copy") await io.say(m.composeCopyNote);
        content = built;
        break;
      }

      // 2. URL buttons.
      await io.say(m.composeButtonsPrompt, {
        reply_markup: new InlineKeyboard().text(m.composeNoButtons, `${DIALOG_PREFIX}nobuttons`),
      });
      for (;;) {
        const c = await input((x) => texted(x) || pressed("nobuttons")(x), m.composeButtonsPrompt);
        if (c.callbackQuery) {
          await io.answer(c);
          break;
        }
        const parsed = parseButtons(c.message?.text ?? "");
        if (!parsed.ok) {
          const errors = parsed.errors.map((e) => `• ${e.line}: ${e.reason}`).join("\n");
          await io.say(fill(m.composeButtonErrors, { errors }));
          continue;
        }
        const unknown = unknownIn(placeholdersInButtons(parsed.rows));
        if (unknown.length > 0) {
          await io.say(fill(m.composeButtonsUnknownParams, { unknown: braces(unknown), known: knownList }));
          continue;
        }
        if (parsed.rows.length > 0) content = { ...content, buttons: parsed.rows };
        break;
      }
    }

    // 3. The audience.
    const audience = await chooseAudience();

    // 4. The plan.
    const plan = await choosePlan(audience);

    // 5. Preview for a real recipient, test send, launch.
    // Only the sample's id and answer number go into the dialog's stored log; its parameters (ticket
    // link, attributes) are read again inside each send.
    const sample = await conversation.external(() => {
      const id = cockpit.segments.sample(audience.rule);
      if (id === undefined) return { id: null, answer: null };
      return { id, answer: paramsOf(id).answer_id ?? null };
    });
    const paramsOfSample = () => (sample.id === null ? {} : paramsOf(sample.id));
    const refused = await conversation.external((outer) =>
      sendContent(outer.api, chatId, content, paramsOfSample()).then(
        () => null,
        (error: unknown) => reasonOf(error),
      ),
    );
    if (refused !== null) {
      await io.say(fill(m.previewFailed, { reason: refused }));
      return;
    }

    // From here the broadcast exists as a draft, and every button of this step names it: Launch
    // can launch this draft once however often, and whenever, it is pressed (see Broadcasts.launch).
    const draftId = await conversation.external(
      (outer) =>
        cockpit.broadcasts.create({
          title: titleOf(content),
          content,
          audience: audience.rule,
          paid: plan.paid,
          urgent: plan.urgent,
          silent: plan.silent,
          ...(plan.scheduledAt !== null ? { scheduledAt: plan.scheduledAt } : {}),
          ...(plan.deadline !== null ? { deadline: plan.deadline } : {}),
          createdBy: organiserId,
          watch: { chatId, language: outer.language },
        }).id,
    );
    const confirmKeyboard = new InlineKeyboard()
      .text(m.confirmTest, confirmData("test", draftId))
      .text(m.confirmLaunch, confirmData("launch", draftId))
      .row()
      .text(m.confirmSave, confirmData("save", draftId))
      .text(m.confirmCancel, confirmData("cancel", draftId));
    const ofThisDraft = (x: DialogContext) => confirmOf(x.callbackQuery?.data)?.draftId === draftId;
    // One message under the preview, not one before and one after: a private chat takes about one a second.
    await io.say(sample.answer ? fill(m.previewIntro, { answer: sample.answer }) : m.previewIntroNoAnswer, {
      reply_markup: confirmKeyboard,
    });
    for (;;) {
      const c = await input(ofThisDraft, m.confirmPrompt);
      const action = confirmOf(c.callbackQuery?.data)?.action;
      if (action === "launch") {
        await launch(c);
        return;
      }
      await io.answer(c);
      if (action === "cancel") {
        // The draft goes with the dialog, in one transaction: neither outlives the other.
        await conversation.external(() =>
          cockpit.broadcasts.discardDrafts({ createdBy: organiserId, chatId }, () =>
            endDialog(deps.db, dialogKeyOf(chatId, organiserId)),
          ),
        );
        await io.say(m.cancelled);
        return;
      }
      if (action === "test") {
        const failed = await conversation.external((outer) => {
          recordAdminAction(deps.db, {
            actorId: organiserId,
            chatId,
            action: "broadcast.test",
            at: deps.clock.now(),
          });
          return sendContent(outer.api, organiserId, content, paramsOfSample()).then(
            () => null,
            (error: unknown) => reasonOf(error),
          );
        });
        await io.say(failed === null ? m.testSent : fill(m.testFailed, { reason: failed }), {
          reply_markup: confirmKeyboard,
        });
        continue;
      }
      // Save as a template.
      await io.say(m.templateNamePrompt);
      let name: string;
      for (;;) {
        const n = await input(texted, m.templateNamePrompt);
        name = (n.message?.text ?? "").trim();
        if (TEMPLATE_NAME.test(name)) break;
        await io.say(m.templateNameInvalid);
      }
      await conversation.external(() => {
        cockpit.templates.save({ name, content, by: organiserId });
        recordAdminAction(deps.db, {
          actorId: organiserId,
          chatId,
          action: "template.save",
          detail: { name },
          at: deps.clock.now(),
        });
      });
      await io.say(fill(m.templateSaved, { name }), { reply_markup: confirmKeyboard });
    }

    /**
     * The launch and the end of this dialog are one transaction: the draft becomes running (or
     * scheduled) with its watch chat, the audit row is written and the dialog's stored state is
     * deleted, or none of it happens. A crash before it leaves the dialog at this step (Launch
     * works again, once); after it, an old Launch finds no dialog and is told "already launched".
     * Waking delivery and posting the progress message follow; if a crash cuts them off, the engine
     * and the progress watcher pick the broadcast up from its row.
     */
    async function launch(c: DialogContext) {
      const outcome = await conversation.external((outer) => {
        try {
          const row = cockpit.broadcasts.launch(draftId, {
            watch: { chatId, language: outer.language },
            alongside: (launched) => {
              recordAdminAction(deps.db, {
                actorId: organiserId,
                chatId,
                action: "broadcast.launch",
                detail: { broadcast: launched.id, audience: audience.rule, count: audience.count, ...plan },
                at: deps.clock.now(),
              });
              endDialog(deps.db, dialogKeyOf(chatId, organiserId));
            },
          });
          return { id: row.id, result: "launched" as const };
        } catch (error) {
          if (error instanceof BroadcastStateError) return { id: draftId, result: "already" as const };
          if (error instanceof BroadcastNotFoundError) return { id: draftId, result: "gone" as const };
          throw error;
        }
      });
      if (outcome.result === "already") {
        await io.answer(c, { text: fill(m.alreadyLaunched, { id: outcome.id }), show_alert: true });
        return;
      }
      if (outcome.result === "gone") {
        await io.answer(c, { text: m.staleButton, show_alert: true });
        return;
      }
      await io.answer(c);
      // The broadcast is running whatever happens to its progress message: say so either way.
      const shown = await conversation.external(async (outer) => {
        cockpit.wakeDelivery();
        const posted = await cockpit.progress.post(outcome.id);
        if (!posted) outer.logger.error({ broadcast: outcome.id }, "could not post the progress message");
        return posted;
      });
      if (!shown) await io.say(fill(m.launchedWithoutProgress, { id: outcome.id }));
      ctx.logger.info({ broadcast: outcome.id }, "broadcast launched from the cockpit");
    }

    async function chooseAudience(): Promise<Audience> {
      const counts = await conversation.external(() => {
        const count = (rule: AudienceRule) => cockpit.segments.count(rule);
        return {
          all: count({ kind: "all_active" }),
          bound: count({ kind: "stage", stage: "bound" }),
          approved: count({ kind: "stage", stage: "approved" }),
          ticket_sent: count({ kind: "stage", stage: "ticket_sent" }),
          completed: count({ kind: "stage", stage: "completed" }),
        };
      });
      const keyboard = new InlineKeyboard()
        .text(fill(m.audienceAll, { n: counts.all }), `${DIALOG_PREFIX}aud:all`)
        .row()
        .text(fill(m.audienceBound, { n: counts.bound }), `${DIALOG_PREFIX}aud:stage:bound`)
        .row()
        .text(fill(m.audienceApproved, { n: counts.approved }), `${DIALOG_PREFIX}aud:stage:approved`)
        .row()
        .text(fill(m.audienceTicketSent, { n: counts.ticket_sent }), `${DIALOG_PREFIX}aud:stage:ticket_sent`)
        .row()
        .text(fill(m.audienceCompleted, { n: counts.completed }), `${DIALOG_PREFIX}aud:stage:completed`)
        .row()
        .text(m.audienceDates, `${DIALOG_PREFIX}aud:dates`)
        .text(m.audienceSegment, `${DIALOG_PREFIX}aud:segments`);
      await io.say(m.audiencePrompt, { reply_markup: keyboard });
      for (;;) {
        const c = await input(pressed("aud:"), m.audiencePrompt);
        await io.answer(c);
        const choice = (c.callbackQuery?.data ?? "").slice(`${DIALOG_PREFIX}aud:`.length);
        let rule: AudienceRule;
        let label: string;
        if (choice === "all") {
          rule = { kind: "all_active" };
          label = m.labelAll;
        } else if (choice.startsWith("stage:")) {
          const stage = choice.slice("stage:".length) as Stage;
          rule = { kind: "stage", stage };
          label = stageLabel(m, stage);
        } else if (choice === "dates") {
          await io.say(fill(m.audienceDatesPrompt, { timezone }));
          let range: { from?: number; to?: number } | null = null;
          while (range === null) {
            const d = await input(texted, fill(m.audienceDatesPrompt, { timezone }));
            range = parseDateRange(d.message?.text ?? "", timezone);
            if (range === null) await io.say(m.audienceDatesInvalid);
          }
          rule = { kind: "subscribed", ...range };
          const day = (ms: number | undefined, end: boolean) =>
            ms === undefined
              ? "…"
              : (formatLocal(end ? ms - 1 : ms, timezone, ctx.language).split(",")[0] ?? "");
          label = fill(m.labelDates, { from: day(range.from, false), to: day(range.to, true) });
        } else if (choice === "segments") {
          const lists = await conversation.external(() =>
            cockpit.segments.list().map((s) => ({ id: s.id, name: s.name, size: s.size })),
          );
          if (lists.length === 0) {
            await io.say(m.audienceNoSegments, { reply_markup: keyboard });
            continue;
          }
          const picker = new InlineKeyboard();
          for (const s of lists.slice(0, 20))
            picker.text(`${s.name} (${s.size})`, `${DIALOG_PREFIX}aud:seg:${s.id}`).row();
          await io.say(m.audienceSegmentsPrompt, { reply_markup: picker });
          continue;
        } else if (choice.startsWith("seg:")) {
          const segmentId = Number(choice.slice("seg:".length));
          const name = await conversation.external(() => {
            try {
              return cockpit.segments.get(segmentId).name;
            } catch {
              return null;
            }
          });
          if (name === null) {
            await io.say(m.notFound, { reply_markup: keyboard });
            continue;
          }
          rule = { kind: "segment", segmentId };
          label = fill(m.labelSegment, { name });
        } else {
          continue;
        }
        const chosen = rule;
        const count = await conversation.external(() => cockpit.segments.count(chosen));
        if (count === 0) {
          await io.say(fill(m.audienceEmpty, { label }), { reply_markup: keyboard });
          continue;
        }
        return { rule, label, count };
      }
    }

    async function choosePlan(audience: Audience): Promise<Plan> {
      const plan: Plan = { urgent: false, silent: false, paid: false, scheduledAt: null, deadline: null };
      let now = await conversation.now();
      const pace = await conversation.external(() => cockpit.pace());
      const card = () => planCard(m, plan, audience, now, config, ctx.language, pace);
      await io.say(card().text, { reply_markup: card().keyboard });
      for (;;) {
        const c = await input(pressed("plan:"), m.planContinue);
        const option = (c.callbackQuery?.data ?? "").slice(`${DIALOG_PREFIX}plan:`.length);
        await io.answer(c);
        if (option === "go") return plan;
        if (option === "urgent" || option === "silent" || option === "paid") {
          plan[option] = !plan[option];
          await io.edit(c, card().text, { reply_markup: card().keyboard });
          continue;
        }
        if (option === "schedule" || option === "deadline") {
          const prompt = fill(option === "schedule" ? m.planSchedulePrompt : m.planDeadlinePrompt, {
            timezone,
          });
          await io.say(prompt);
          for (;;) {
            const t = await input(texted, prompt);
            const text = (t.message?.text ?? "").trim().toLowerCase();
            now = await conversation.now();
            if (["now", "сейчас", "none", "нет", "-"].includes(text)) {
              if (option === "schedule") plan.scheduledAt = null;
              else plan.deadline = null;
              break;
            }
            const at = parseLocalDateTime(text, timezone);
            if (at === null) {
              await io.say(m.planTimeInvalid);
              continue;
            }
            if (at <= now) {
              await io.say(m.planTimePast);
              continue;
            }
            const start = option === "schedule" ? at : (plan.scheduledAt ?? now);
            const end = option === "deadline" ? at : plan.deadline;
            if (end !== null && end <= start) {
              await io.say(m.planDeadlineBeforeStart);
              continue;
            }
            if (option === "schedule") plan.scheduledAt = at;
            else plan.deadline = at;
            break;
          }
          await io.say(card().text, { reply_markup: card().keyboard });
        }
      }
    }
  };
}

export function planCard(
  m: Messages,
  plan: Plan,
  audience: Audience,
  now: number,
  config: BotDeps["config"],
  language: DialogContext["language"],
  /** The rates in use now and the queue ahead; without it, the configured rates and an empty queue. */
  pace?: Pace,
): { text: string; keyboard: InlineKeyboard } {
  const configuredFree = config.broadcastRate > 0 ? config.broadcastRate : FREE_RATE;
  const freeRate = pace && pace.freeRate > 0 ? pace.freeRate : configuredFree;
  const rate = plan.paid
    ? pace && pace.paidRate > 0
      ? pace.paidRate
      : config.paidBroadcastRate || freeRate
    : freeRate;
  const ahead = pace?.queuedAhead ?? 0;
  const at = (ms: number | null, none: string) =>
    ms === null ? none : formatLocal(ms, config.timezone, language);
  const lines = [
    fill(m.planCard, {
      label: audience.label,
      n: audience.count,
      rate,
      // What is queued ahead goes first (at the free rate: a paid broadcast speeds up only its own).
      eta: formatDuration(ahead / freeRate + audience.count / rate, language),
      start: at(plan.scheduledAt, m.planNow),
      deadline: at(plan.deadline, m.planNone),
      quiet: config.quietHours ? `${clock(config.quietHours.start)}–${clock(config.quietHours.end)}` : "—",
      quietMode: !config.quietHours
        ? m.planQuietOff
        : plan.urgent
          ? m.planQuietIgnored
          : m.planQuietRespected,
      paid: plan.paid ? m.planYes : m.planNo,
      sound: plan.silent ? m.planSilent : m.planSound,
    }),
  ];
  if (ahead > 0) lines.push(fill(m.planQueuedAhead, { n: ahead }));
  if (plan.deadline !== null) {
    const seconds = Math.max(1, (plan.deadline - (plan.scheduledAt ?? now)) / 1000);
    const needed = Math.ceil(audience.count / seconds);
    lines.push(fill(m.planNeeds, { rate: needed }));
    if (needed > configuredFree) {
      const paidRate = config.paidBroadcastRate || 1000;
      const paidShare = Math.max(0, audience.count - FREE_RATE * (audience.count / paidRate));
      lines.push(fill(m.planOverFree, { free: configuredFree, paidRate, stars: Math.ceil(paidShare * 0.1) }));
      if (needed > paidRate || (!plan.paid && needed > configuredFree)) lines.push(m.planCannotMeet);
    }
  }
  const box = (on: boolean, label: string) => `${on ? "☑" : "☐"} ${label}`;
  const keyboard = new InlineKeyboard()
    .text(box(plan.urgent, m.planUrgent), `${DIALOG_PREFIX}plan:urgent`)
    .text(box(plan.silent, m.planSilentButton), `${DIALOG_PREFIX}plan:silent`)
    .row()
    .text(m.planSchedule, `${DIALOG_PREFIX}plan:schedule`)
    .text(m.planDeadline, `${DIALOG_PREFIX}plan:deadline`)
    .row()
    .text(box(plan.paid, m.planPaid), `${DIALOG_PREFIX}plan:paid`)
    .text(m.planContinue, `${DIALOG_PREFIX}plan:go`);
  return { text: lines.join("\n"), keyboard };
}

function clock(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

function stageLabel(m: Messages, stage: Stage): string {
  return {
    bound: m.labelBound,
    approved: m.labelApproved,
    ticket_sent: m.labelTicketSent,
    completed: m.labelCompleted,
  }[stage];
}

/** The organiser's message as broadcast content: a template when it is text or a photo, else a copy. */
export function contentOf(message: Message, chatId: number): BroadcastContent {
  if (message.text !== undefined) {
    return { kind: "text", html: entitiesToHtml(message.text, message.entities) };
  }
  if (message.photo && message.photo.length > 0) {
    const largest = message.photo[message.photo.length - 1] as NonNullable<Message["photo"]>[number];
    return {
      kind: "photo",
      photo: largest.file_id,
      ...(message.caption ? { captionHtml: entitiesToHtml(message.caption, message.caption_entities) } : {}),
    };
  }
  return { kind: "copy", fromChatId: chatId, messageId: message.message_id };
}

function placeholdersOf(content: BroadcastContent): string[] {
  if (content.kind === "text") return placeholdersIn(content.html);
  if (content.kind === "photo") return placeholdersIn(content.captionHtml ?? "");
  return [];
}

/** A short title for lists and the progress message: the start of the text, without markup. */
export function titleOf(content: BroadcastContent): string {
  const source =
    content.kind === "text" ? content.html : content.kind === "photo" ? (content.captionHtml ?? "📷") : "📎";
  const plain = source
    .replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
  return plain.length > 40 ? `${plain.slice(0, 39)}…` : plain || "📎";
}

function braces(names: string[]): string {
  return names.map((name) => `{${name}}`).join(", ");
}

function reasonOf(error: unknown): string {
  const described = describeError(error);
  return String(described.description ?? described.message ?? "unknown error");
}
