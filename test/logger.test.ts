import { describe, expect, it } from "vitest";
import { TEST_TOKEN } from "./helpers/config.js";
import { collectLogs } from "./helpers/log-collector.js";

describe("createLogger", () => {
  it("never writes a secret, wherever it hides", () => {
    const logs = collectLogs([TEST_TOKEN, "webhook-secret-value-123"]);
    const secretHalf = TEST_TOKEN.split(":")[1] as string;
    logs.logger.error(
      { err: new Error(`fetch https://api.telegram.org/bot${TEST_TOKEN}/getMe failed`) },
      "boom",
    );
    logs.logger.info({ config: { botToken: TEST_TOKEN } }, `half ${secretHalf}`);
    logs.logger.warn("signature was webhook-secret-value-123");
    const text = logs.text();
    expect(logs.lines).toHaveLength(3);
    expect(text).not.toContain(TEST_TOKEN);
    expect(text).not.toContain(secretHalf);
    expect(text).not.toContain("webhook-secret-value-123");
    expect(text).toContain("[secret]");
    expect(text).toContain("/bot[secret]/getMe");
  });

  it("redacts personal fields that Telegram sends", () => {
    const logs = collectLogs();
    logs.logger.info(
      {
        from: { id: 5, first_name: "Анна", last_name: "Петрова", username: "anna_p" },
        update: { chat: { username: "x1" } },
      },
      "update",
    );
    const text = logs.text();
    for (const value of ["Анна", "Петрова", "anna_p", "x1"]) expect(text).not.toContain(value);
    expect(logs.records()[0]).toMatchObject({ from: { id: 5, first_name: "[redacted]" } });
  });
});
