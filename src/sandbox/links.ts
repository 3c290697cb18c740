/**
 * Telegram accepts http(s), tg and mailto links (a bare host gets http://) and silently drops
 * entities whose link it cannot use, so callers get `undefined` rather than an error.
 */
export function normalizeLink(raw: string): string | undefined {
  const url = raw.trim();
  if (url === "") return undefined;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === "tg") return /^tg:\/\/[a-z0-9_-]+/i.test(url) ? url : undefined;
  if (scheme === "mailto") return url.length > "mailto:".length ? url : undefined;
  if (scheme === "http" || scheme === "https") return parseHttp(url);
  if (scheme !== undefined && url.includes("://")) return undefined;
  if (scheme !== undefined && !/^[^:]+:\d+(\/|$)/.test(url)) return undefined;
  return parseHttp(`http://${url}`);
}

function parseHttp(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (!parsed.hostname || (!/^[a-z0-9.-]+$/i.test(parsed.hostname) && !parsed.hostname.startsWith("["))) {
      return undefined;
    }
    // Telegram adds the root path to a bare origin but otherwise keeps the link as written.
    return /^[a-z]+:\/\/[^/?#]+$/i.test(url) ? `${url}/` : url;
  } catch {
    return undefined;
  }
}

/** Links allowed on inline keyboard buttons: http(s) and tg only. */
export function isButtonUrl(raw: string): boolean {
  if (/^tg:\/\/[a-z0-9_-]+/i.test(raw)) return true;
  if (!/^https?:\/\//i.test(raw)) return false;
  return parseHttp(raw) !== undefined;
}

/** tg://user?id=123 mentions a user by id. */
export function linkUserId(url: string): number | undefined {
  const m = /^tg:\/\/user\?id=(\d{1,15})$/i.exec(url);
  return m?.[1] ? Number(m[1]) : undefined;
}
