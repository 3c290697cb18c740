import { describe, expect, it } from "vitest";
import {
  assertNoPersonalData,
  findPersonalData,
  PersonalDataError,
  personalFieldProblem,
  personalQuestionProblem,
  personalValueProblem,
} from "../../src/audience/personal-data.js";
import { createRegistrations } from "../../src/audience/registrations.js";
import { openDatabase } from "../../src/db/client.js";
import { registrations } from "../../src/db/schema.js";
import { createFakeClock } from "../helpers/fake-clock.js";

describe("personalFieldProblem", () => {
  it.each([
    "phone",
    "Phone Number",
    "E-mail",
    "email",
    "e mail",
    "first_name",
    "First Name",
    "lastName",
    "last_name",
    "name",
    "full_name",
    "username",
    "telegram_username",
    "birthday",
    "Date of birth",
    "passport",
    "passport_series",
    "your_phone",
    "work_email",
    "Имя",
    "Ваше имя",
    "Фамилия",
    "Отчество",
    "ФИО",
    "Телефон",
    "Мобильный",
    "Электронная почта",
    "Почта",
    "Дата рождения",
    "День рождения",
    "Паспорт",
    "СНИЛС",
    "Ник в Телеграм",
    "Ф.И.О.",
    "your_name",
    "Your name",
    "Guest name",
    "participant.name",
    "participant_name",
    "contact_name",
    "attendee_name",
    "Name of attendee",
    "Как вас зовут?",
    "Tel.",
    "Моб. тел.",
    "Адрес проживания",
    "mailing_address",
    "postal_address",
    "Mail address",
    "Эл.адрес",
    "telegram_handle",
    "Контакты для связи",
    "WhatsApp номер",
    "userEmail",
    "Please enter your full name as on ID",
    "Ф.И.О. (полностью, как в паспорте)",
    "Name (as it should appear on your badge)",
    "Укажите ваш ник в Telegram для добавления в чат",
    "Ваш e-mail для отправки билета и напоминаний",
    "ФИО участника",
    "fio_participant",
    "Контактное лицо",
    "Контактная информация",
    "Как к вам обращаться?",
    "Представьтесь",
    "Сотовый",
    "Емэйл",
    "ДР",
    "Телега",
    "Вотсап",
    "tg",
    "Skype",
    "VK",
    "ВКонтакте",
    "Instagram",
    "__proto__",
    "constructor",
    "prototype",
  ])("refuses %s", (name) => {
    expect(personalFieldProblem(name)).toEqual(expect.stringContaining(name));
  });

  it.each([
    "city",
    "track",
    "company_name",
    "event_name",
    "ticket_class",
    "seat",
    "Город",
    "Секция",
    "Название компании",
    "Name of the team",
    "Имя команды",
    "file_name",
    "Which track?",
    "Microphone",
    "Do you need a microphone?",
    "Предпочтения по питанию",
    "Какой формат участия предпочтителен?",
    "Venue address",
    "Адрес площадки",
    "Hotel name",
    "Имя зала",
    "Name of your company",
    "Telegram channel",
    "Telegram-канал мероприятия",
    "iPhone or Android?",
    "Mobile app",
    "Phone OS",
    "Email me updates",
    "Would you like email updates?",
    "Contact language",
    "Do you use Telegram?",
    "Есть ли у вас Telegram?",
    "Telegram-бот",
    "Ticket name",
    "VK group",
    "Группа ВК",
    "Job title",
    "Должность",
    "T-shirt size",
    "Как вы узнали о нас?",
    "workshop",
    "timezone",
  ])("keeps %s", (name) => {
    expect(personalFieldProblem(name)).toBeUndefined();
  });
});

describe("personalValueProblem", () => {
  it.each([
    "ann@example.org",
    "Пишите: иван.петров@почта.рф",
    "+7 912 345-67-89",
    "+79123456789",
    "8 (912) 345-67-89",
    "89123456789",
    "9123456789",
    "912-345-67-89",
    "+1 (555) 010-9999",
    "+44 20 7946 0958",
    "call 8-800-555-35-35",
    "123-456-7890",
    "(495) 123 45 67",
    "tel: 912 3456789",
    "https://wa.me/79123456789",
    "https://site.ru/?email=ivan@mail.ru",
    "@ivan_petrov",
    "t.me/ivan_petrov",
    "Мой ник @ivan_petrov",
    "telegram: @ivan",
    "tg: ivan_petrov",
  ])("refuses %s", (value) => {
    expect(personalValueProblem(value)).toMatch(/e-mail|phone|username/);
  });

  it.each([
    "Kazan",
    "2026-12-05",
    "2026-12-05 10:30",
    "05.12.2026",
    "12:30-13:45",
    "A-12",
    "123456",
    "1234567890123456789",
    "Row 12, seat 34",
    "bring @ least one friend",
    "Forum 2026, hall 3",
    "ticket 00012345",
    "Заказ 2024-1205-0042",
    "https://example.org/t/123-456-7890",
    "see www.example.org/a/89123456789",
    "1 500 000 000 руб",
    "logo@2x.png",
    "https://medium.com/@herald/post.html",
    "ORD-2024-000123",
    "Заказ 2024-000123",
    "10.00 11.30 14.00",
    "10.00-11.30 12.00",
    "10.12 11.12 12.12",
    "2026.12.05 10.00",
    "Promo 9876543210",
    "id=9123456789",
    "ticket #80012345678",
    "$1,500.00",
    "2026-12-05T10:30:00+03:00",
    "Row 12 Seat 3",
    "3f2b8c1e-9a4d-4c7b-8e21-5d6f7a8b9c0d",
  ])("keeps %s", (value) => {
    expect(personalValueProblem(value)).toBeUndefined();
  });
});

describe("personalQuestionProblem", () => {
  it("judges a short question like a name and lets a sentence pass", () => {
    expect(personalQuestionProblem("What is your name?")).toBeDefined();
    expect(personalQuestionProblem("Ваш номер телефона")).toBeDefined();
    expect(personalQuestionProblem("Which track? We'll email you the schedule")).toBeUndefined();
    expect(personalQuestionProblem("How did you hear about us (Telegram, email, friends)?")).toBeUndefined();
  });
});

describe("findPersonalData / assertNoPersonalData", () => {
  it("names the first field, by name before value", () => {
    expect(findPersonalData({ city: "Kazan", note: "a@b.org" })).toEqual({
      field: "note",
      reason: expect.stringContaining("e-mail"),
    });
    expect(findPersonalData({ city: "Kazan", track: "A" })).toBeUndefined();
  });

  it("throws a domain error that names where the field is", () => {
    expect(() => assertNoPersonalData({ phone: "x" }, "body/attributes/")).toThrow(PersonalDataError);
    expect(() => assertNoPersonalData({ phone: "x" }, "body/attributes/")).toThrow(
      /^body\/attributes\/phone:/,
    );
  });
});

describe("the domain's floor under every door", () => {
  it("recordSubmission refuses personal attributes whatever door called it, and writes nothing", () => {
    const database = openDatabase(":memory:");
    try {
      const regs = createRegistrations({ db: database.db, clock: createFakeClock() });
      expect(() =>
        regs.recordSubmission({ answerId: "A1", attributes: { city: "Kazan", email: "x" } }),
      ).toThrow(PersonalDataError);
      expect(() =>
        regs.recordSubmission({ answerId: "A1", attributes: { note: "+7 912 345-67-89" } }),
      ).toThrow(/^note: the value of "note" holds a phone number/);
      expect(database.db.select().from(registrations).all()).toEqual([]);
      expect(regs.recordSubmission({ answerId: "A1", attributes: { city: "Kazan" } }).created).toBe(true);
    } finally {
      database.close();
    }
  });
});
