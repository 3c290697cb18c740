import { FORM_PROVIDERS } from "../forms/providers.js";

/**
 * Callback data of every button the bot puts under a message, one codec per family: the code that
 * builds a keyboard and the handler that takes the press use the same one. The strings are a wire
 * format: buttons stay in people's chats across upgrades, so an encoding never changes (the tests
 * pin them, test/bot/callback-data.test.ts).
 */
export interface Codec<T> {
  /** What every data of this family starts with (before a ":" or as the whole data). */
  readonly prefix: string;
  encode(value: T): string;
  /** The value a button of this family carries; undefined for other data, or data no version wrote. */
  decode(data: string | undefined): T | undefined;
  /** True for any data of this family, even one this version cannot decode (an old or broken button). */
  matches(data: string | undefined): boolean;
}

/** What a button of a family carries: `CodecValue<typeof broadcastButton>`. */
export type CodecValue<C> = C extends Codec<infer T> ? T : never;

/** One ":"-separated part of the data. */
interface Part<T> {
  read(part: string): T | undefined;
  write(value: T): string;
}

/** A row id: digits only. */
const id: Part<number> = {
  read: (part) => (/^\d+$/.test(part) ? Number(part) : undefined),
  write: (value) => String(value),
};

/** A name made of word characters (a scenario id, a menu item). */
const word: Part<string> = {
  read: (part) => (/^\w+$/.test(part) ? part : undefined),
  write: (value) => value,
};

function oneOf<const T extends string>(values: readonly T[]): Part<T> {
  return {
    read: (part) => values.find((value) => value === part),
    write: (value) => value,
  };
}

type Parts = Record<string, Part<unknown>>;
type ValuesOf<P extends Parts> = { [K in keyof P]: P[K] extends Part<infer T> ? T : never };

function matchesPrefix(prefix: string, data: string | undefined): boolean {
  return data !== undefined && (data === prefix || data.startsWith(`${prefix}:`));
}

/** A family whose data is the prefix and then each part, in the order `parts` names them. */
function family<P extends Parts>(prefix: string, parts: P): Codec<ValuesOf<P>> {
  const names = Object.keys(parts) as (keyof P & string)[];
  const partOf = (name: keyof P) => parts[name] as Part<unknown>;
  return {
    prefix,
    encode(value) {
      return [prefix, ...names.map((name) => partOf(name).write(value[name]))].join(":");
    },
    decode(data) {
      if (data === undefined) return undefined;
      if (names.length === 0) return data === prefix ? ({} as ValuesOf<P>) : undefined;
      if (!data.startsWith(`${prefix}:`)) return undefined;
      const values = data.slice(prefix.length + 1).split(":");
      if (values.length !== names.length) return undefined;
      const decoded: Record<string, unknown> = {};
      for (const [index, name] of names.entries()) {
        const value = partOf(name).read(values[index] as string);
        if (value === undefined) return undefined;
        decoded[name] = value;
      }
      return decoded as ValuesOf<P>;
    },
    matches: (data) => matchesPrefix(prefix, data),
  };
}

// The organisers' cockpit.

export const MENU_ITEMS = ["new", "broadcasts", "templates", "segments", "stats", "scenarios"] as const;
/** The /admin menu; an item this version does not know is taken and ignored (an old menu). */
export const menuButton = family("menu", { item: word });

export const BROADCAST_ACTIONS = ["open", "pause", "resume", "cancel", "cancel!", "keep"] as const;
/** Broadcast controls on progress messages and broadcast lists ("cancel!" confirms a cancel). */
export const broadcastButton = family("bc", { action: oneOf(BROADCAST_ACTIONS), id });

export const templateButton = family("tpl", { action: oneOf(["use", "del"] as const), id });

export const segmentDeleteButton = family("seg:del", { id });

/** The wanted state rides in the button, so an old button cannot flip a scenario the wrong way. */
export const scenarioButton = family("sc", { action: oneOf(["on", "off", "open"] as const), scenario: word });

export const stepEditButton = family("sc:edit", { scenario: word, position: id });

/** /forms: the form builder to show the connection instructions for. */
export const formsButton = family("fm", { provider: oneOf(FORM_PROVIDERS) });

// Dialogs (conversations): their buttons share one prefix, so a dialog lets every other press through.

const DIALOG = "d";

/** Any button of a dialog, of this version or an older one (a dialog that is over). */
export function isDialogButton(data: string | undefined): boolean {
  return data?.startsWith(`${DIALOG}:`) ?? false;
}

export const noButtonsButton = family(`${DIALOG}:nobuttons`, {});

/** "Keep" in the step editor: the text or delay stays as it is. */
export const keepButton = family(`${DIALOG}:keep`, {});

export const PLAN_OPTIONS = ["urgent", "silent", "schedule", "deadline", "paid", "go"] as const;
export const planButton = family(`${DIALOG}:plan`, { option: oneOf(PLAN_OPTIONS) });

export const CONFIRM_ACTIONS = ["test", "launch", "save", "cancel"] as const;
export type ConfirmAction = (typeof CONFIRM_ACTIONS)[number];
/** A button of the compose dialog's last step: what it does and the draft it belongs to. */
export const confirmButton = family(`${DIALOG}:ok`, { action: oneOf(CONFIRM_ACTIONS), draftId: id });

export const AUDIENCE_STAGES = ["bound", "approved", "ticket_sent", "completed"] as const;
export type AudienceChoice =
  | { kind: "all" }
  | { kind: "dates" }
  | { kind: "segments" }
  | { kind: "stage"; stage: (typeof AUDIENCE_STAGES)[number] }
  | { kind: "segment"; segmentId: number };

const audienceSimple = family(`${DIALOG}:aud`, { kind: oneOf(["all", "dates", "segments"] as const) });
const audienceStage = family(`${DIALOG}:aud:stage`, { stage: oneOf(AUDIENCE_STAGES) });
const audienceSegment = family(`${DIALOG}:aud:seg`, { segmentId: id });

/** The audience step: everyone, a stage, a date range, the segment picker, or one segment. */
export const audienceButton: Codec<AudienceChoice> = {
  prefix: audienceSimple.prefix,
  encode(choice) {
    if (choice.kind === "stage") return audienceStage.encode({ stage: choice.stage });
    if (choice.kind === "segment") return audienceSegment.encode({ segmentId: choice.segmentId });
    return audienceSimple.encode({ kind: choice.kind });
  },
  decode(data) {
    const stage = audienceStage.decode(data);
    if (stage) return { kind: "stage", ...stage };
    const segment = audienceSegment.decode(data);
    if (segment) return { kind: "segment", ...segment };
    return audienceSimple.decode(data);
  },
  matches: (data) => audienceSimple.matches(data),
};

/**
 * Whether a press may be for the cockpit, by the first part of its data alone (any "seg:…", even one
 * no version wrote): such a press is worth checking who pressed it, and is recorded if it was an organiser.
 */
const COCKPIT_ROOTS = new Set(
  [DIALOG, menuButton, broadcastButton, templateButton, segmentDeleteButton, scenarioButton, formsButton].map(
    (family) => (typeof family === "string" ? family : family.prefix).split(":")[0],
  ),
);

export function isCockpitButton(data: string | undefined): boolean {
  const colon = data?.indexOf(":") ?? -1;
  return colon > 0 && COCKPIT_ROOTS.has((data as string).slice(0, colon));
}
