import { describe, expect, it } from "vitest";
import {
  auditActions,
  colleague,
  group,
  press,
  reader,
  sandbox,
  seedAttendees,
  sqlite,
  startHerald,
  useCockpitHarness,
} from "../helpers/cockpit-harness.js";
import { waitFor } from "../helpers/wait-for.js";

useCockpitHarness();

// Replies to an organiser go through the flood gate at about one a second per chat, as
// Telegram wants: a long dialog takes tens of seconds on a slow machine.
describe("the organisers' cockpit", { timeout: 120_000 }, () => {
  it("pauses, resumes and cancels a running broadcast from its progress message", {
    timeout: 120_000,
  }, async () => {
    await startHerald({ BROADCAST_RATE: "1" });
    await seedAttendees(10);
    const own = reader(colleague.id);
    sandbox.userSends(colleague.id, "/new");
    await own.next(/^Новая рассылка/);
    sandbox.userSends(colleague.id, "Напоминание для {answer_id}");
    press(colleague, colleague.id, await own.next(/^Добавьте кнопки/), /Без кнопок/);
    press(colleague, colleague.id, await own.next(/^Кому отправить/), /^Все активные/);
    press(colleague, colleague.id, await own.next(/^План/), /Дальше/);
    press(colleague, colleague.id, await own.next(/^Выше — сообщение/), /Запустить/);
    await own.next(/^Рассылка № 1/);

    const chat = reader(group.id);
    sandbox.userSends(colleague.id, "/broadcasts", { chatId: group.id });
    press(colleague, group.id, await chat.next(/^Последние рассылки/), /^#1 /);
    const progress = await chat.next(/^Рассылка № 1/);

    const status = () =>
      sqlite().prepare("SELECT status, sent, total FROM broadcasts WHERE id = 1").get() as {
        status: string;
        sent: number;
        total: number;
      };
    // Paused mid-way: once the audience is in the outbox and the first message went out (1 a second).
    await waitFor(() => status().total === 10 && status().sent >= 1);
    press(colleague, group.id, progress, /Пауза/);
    await waitFor(() => status().status === "paused");
    const paused = await waitFor(() =>
      sandbox
        .transcript(group.id)
        .find((m) => m.message_id === progress.message_id)
        ?.edits.find((e) => e.text?.includes("на паузе")),
    );
    expect(JSON.stringify(paused.reply_markup)).toContain("bc:resume:1");
    expect(status().sent).toBeLessThan(10);

    sandbox.userPresses(colleague.id, {
      chatId: group.id,
      messageId: progress.message_id,
      data: "bc:resume:1",
    });
    await waitFor(() => status().status === "running");
    sandbox.userPresses(colleague.id, {
      chatId: group.id,
      messageId: progress.message_id,
      data: "bc:cancel:1",
    });
    const confirm = await chat.next(/^Отменить рассылку № 1 насовсем/);
    press(colleague, group.id, confirm, /Да, отменить/);
    await waitFor(() => status().status === "cancelled");
    const report = await chat.next(/^Отчёт: рассылка № 1/);
    const sent = status().sent;
    expect(sent).toBeLessThan(10);
    expect(report.text, JSON.stringify(status())).toContain(`Доставлено: ${sent} из 10`);
    expect(report.text).toMatch(/Отменены: (10|[1-9])\n/);
    expect(auditActions().map((a) => a.action)).toEqual(
      expect.arrayContaining(["broadcast.pause", "broadcast.resume", "broadcast.cancel"]),
    );
  });
});
