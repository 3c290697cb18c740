import { createSandbox, type Sandbox, type SandboxOptions } from "../../src/sandbox/index.js";
import { TEST_TOKEN } from "./config.js";

/** Telegram's flood limits off, for tests about content: the limits have their own tests and the benchmark. */
export const NO_FLOOD_LIMITS = { bulkPerSecond: 0, chatPerSecond: 0, groupPerMinute: 0 } as const;

/**
 * A listening sandbox whose one bot answers to TEST_TOKEN, as @herald_test_bot unless `bot` names another.
 * Closing it is the caller's part.
 */
export async function listeningSandbox(
  options: Omit<SandboxOptions, "bots"> & { bot?: { username: string; first_name: string } } = {},
): Promise<Sandbox> {
  const { bot = { username: "herald_test_bot", first_name: "Herald" }, ...rest } = options;
  const sandbox = createSandbox({ bots: [{ token: TEST_TOKEN, ...bot }], ...rest });
  await sandbox.listen();
  return sandbox;
}
