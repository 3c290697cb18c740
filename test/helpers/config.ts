import { type Config, loadConfig } from "../../src/config.js";

export const TEST_TOKEN = "123456789:SANDBOX_token_for_local_use_only";
export const TEST_WEBHOOK_SECRET = "test-webhook-secret-0123456789abcdef";
export const TEST_DEEPLINK_SECRET = "test-deeplink-secret-0123456789abcdef";

/** A valid configuration for tests, through the real loader so defaults and validation stay honest. */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    BOT_TOKEN: TEST_TOKEN,
    WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    DEEPLINK_SECRET: TEST_DEEPLINK_SECRET,
    DATABASE_FILE: ":memory:",
    HTTP_PORT: "0",
    LOG_LEVEL: "silent",
    // A cron tick at a minute boundary would add welcome messages to chats that tests read exactly;
    // scenario tests turn them on.
    SCENARIOS: "off",
    ...env,
  });
}
