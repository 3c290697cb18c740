import type { Sandbox } from "../../sandbox/index.js";
import { type Check, exchange, firstLine, say } from "./chat.js";

/** A few attendees talk to the bot; every answer is checked. */
export async function playConversations(
  sandbox: Sandbox,
): Promise<Check & { steps: number; failures: number }> {
  say("— A few attendees talk to the bot —");
  const scripts = [
    {
      user: sandbox.createUser({ first_name: "Анна", username: "anna_demo", language_code: "ru" }),
      steps: [
        { send: "/start", expect: /Здравствуйте/ },
        { send: "/start", expect: /С возвращением|Здравствуйте/ },
      ],
    },
    {
      user: sandbox.createUser({ first_name: "John", last_name: "Smith", language_code: "en-GB" }),
      steps: [
        { send: "/start", expect: /^Hello!/ },
        { send: "/help", expect: /I send your ticket/ },
      ],
    },
    {
      user: sandbox.createUser({ first_name: "Мария", language_code: "ru" }),
      steps: [{ send: "А где мой билет?", expect: /не отвечаю на сообщения/ }],
    },
    {
      user: sandbox.createUser({ first_name: "Pierre", language_code: "fr" }),
      steps: [
        { send: "/tickets", expect: /Не знаю такой команды/ },
        { send: "/stop", expect: /Отписаться от сообщений бота\?/ },
      ],
    },
  ];
  let steps = 0;
  let failures = 0;
  for (const { user, steps: script } of scripts) {
    for (const step of script) {
      const answer = await exchange(sandbox, user.id, step.send);
      const ok = step.expect.test(answer.text ?? "");
      steps++;
      if (!ok) failures++;
      say(
        `${ok ? "✓" : "✗"} ${user.first_name} (${user.language_code}): ${JSON.stringify(step.send)} → «${firstLine(answer.text)}»`,
      );
    }
  }
  return { ok: failures === 0, steps, failures };
}
