import type { Clock } from "../clock.js";

/** A member's status in the organisers' group, as Telegram reports it. */
export type MemberStatus = "creator" | "administrator" | "member" | "restricted" | "left" | "kicked";

export interface Organisers {
  /** Organisers are the IDs in ADMIN_IDS and the members of the ADMIN_CHAT_ID group. */
  isOrganiser(userId: number, chatId: number | undefined): Promise<boolean>;
  /** True once per process for each organiser: time to show them the organiser command menu. */
  firstSeen(userId: number): boolean;
}

const MEMBERSHIP_TTL_MS = 60_000;
const IN_GROUP: readonly MemberStatus[] = ["creator", "administrator", "member", "restricted"];

/**
 * Who may use the cockpit. Group membership is asked of Telegram and remembered for a minute, so a
 * removed organiser loses access within a minute and a busy dialog does not ask on every update.
 */
export function createOrganisers(deps: {
  adminIds: readonly number[];
  adminChatId: number | null;
  clock: Clock;
  /** getChatMember(adminChatId, userId).status; throws when Telegram cannot answer. */
  memberStatus(chatId: number, userId: number): Promise<MemberStatus>;
}): Organisers {
  const admins = new Set(deps.adminIds);
  const cache = new Map<number, { member: boolean; until: number }>();
  const greeted = new Set<number>();

  async function isMember(userId: number): Promise<boolean> {
    if (deps.adminChatId === null) return false;
    const now = deps.clock.now();
    const known = cache.get(userId);
    if (known && known.until > now) return known.member;
    let member = false;
    try {
      member = IN_GROUP.includes(await deps.memberStatus(deps.adminChatId, userId));
    } catch {
      // Telegram could not say (the bot left the group, a network error): not an organiser for now.
      member = false;
    }
    cache.set(userId, { member, until: now + MEMBERSHIP_TTL_MS });
    return member;
  }

  return {
    async isOrganiser(userId, chatId) {
      if (admins.has(userId)) return true;
      // Anyone who writes in the organisers' group is in it; the bot sees only its members' messages.
      if (chatId !== undefined && chatId === deps.adminChatId) return true;
      return isMember(userId);
    },
    firstSeen(userId) {
      if (greeted.has(userId)) return false;
      greeted.add(userId);
      return true;
    },
  };
}
