/** Texts of the organisers' cockpit. The Russian dictionary defines the keys; English must match. */
export const adminRu = {
  commandAdmin: "Меню организатора",
  commandNew: "Новая рассылка",
  commandBroadcasts: "Рассылки и их ход",
  commandTemplates: "Сохранённые шаблоны",
  commandSegments: "Загруженные списки",
  commandStats: "Статистика",
  commandCancel: "Выйти из текущего диалога",
  menuTitle: "Пульт Herald. Что делаем?\n\nЧтобы загрузить список, пришлите в этот чат файл CSV или TXT.",
  menuNew: "✉️ Новая рассылка",
  menuBroadcasts: "📊 Рассылки",
  menuTemplates: "📄 Шаблоны",
  menuSegments: "👥 Списки",
  menuStats: "📈 Статистика",
  organiserHelp:
    "Открытого диалога нет. Команды организатора: /admin — меню, /new — новая рассылка, /broadcasts, " +
    "/templates, /segments, /stats, /cancel. Чтобы загрузить список, пришлите файл CSV или TXT.",
  cancelled: "Диалог закрыт. Ничего не отправлено.",
  nothingToCancel: "Открытого диалога нет.",
  staleButton: "Этот диалог уже закрыт. Начните заново: /new",
  alreadyLaunched: "Эта рассылка уже запущена: № {id}. Второй раз она не отправляется.",
  composeIntro:
    "Новая рассылка. Пришлите сообщение ровно так, как его должны увидеть участники: текст с оформлением, " +
    "фото с подписью или любое другое сообщение (оно будет скопировано как есть).\n\n" +
    "Персональные параметры: {params}\n\n/cancel — выйти",
  composeFromTemplate: "Новая рассылка по шаблону «{name}».",
  composeNeedMessage: "Пришлите сообщение для рассылки или /cancel, чтобы выйти.",
  composeCommandInDialog: "Вы составляете рассылку. Продолжайте или отправьте /cancel, чтобы выйти.",
  composeUnknownParams:
    "Неизвестные параметры: {unknown}. Известные: {known}. Пришлите сообщение ещё раз без них.",
  composeCopyNote: "Это сообщение будет скопировано как есть: персональные параметры в нём не подставляются.",
  composeButtonsPrompt:
    "Добавьте кнопки-ссылки: по одной в строке в виде «Текст - ссылка»; несколько в одном ряду — через « && ». " +
    "Ссылка может быть параметром, например «Ваш билет - {ticket_url}».",
  composeNoButtons: "Без кнопок",
  composeButtonErrors: "Эти строки не подошли:\n{errors}\nПришлите кнопки ещё раз.",
  composeButtonsUnknownParams:
    "Неизвестные параметры в кнопках: {unknown}. Известные: {known}. Пришлите кнопки ещё раз.",
  audiencePrompt: "Кому отправить?",
  audienceAll: "Все активные ({n})",
  audienceBound: "Привязали регистрацию ({n})",
  audienceApproved: "Одобренные ({n})",
  audienceTicketSent: "Получили билет ({n})",
  audienceCompleted: "Завершили регистрацию ({n})",
  audienceDates: "По дате подписки",
  audienceSegment: "Загруженный список",
  audienceDatesPrompt:
    "Пришлите даты подписки в виде ГГГГ-ММ-ДД..ГГГГ-ММ-ДД ({timezone}); один конец можно опустить, например «2026-11-01..».",
  audienceDatesInvalid: "Не удалось прочитать даты. Пример: 2026-11-01..2026-11-15",
  audienceNoSegments: "Списков пока нет (пришлите файл CSV или TXT вне диалога). Выберите другую аудиторию.",
  audienceSegmentsPrompt: "Выберите список:",
  audienceEmpty: "В этой аудитории сейчас никого нет ({label}). Выберите другую.",
  labelAll: "все активные подписчики",
  labelBound: "привязали регистрацию",
  labelApproved: "одобренные",
  labelTicketSent: "получили билет",
  labelCompleted: "завершили регистрацию",
  labelDates: "подписались {from} – {to}",
  labelSegment: "список «{name}»",
  planCard:
    "План\nАудитория: {label}\nПолучателей: {n}\nСкорость: {rate}/с, примерно {eta}\nСтарт: {start}\nСрок: {deadline}\n" +
    "Тихие часы ({quiet}): {quietMode}\nПлатная рассылка: {paid}\nУведомление: {sound}",
  planQueuedAhead: "Перед ней в очереди: {n} сообщений (идущие рассылки, билеты); учтено во времени.",
  planNow: "сейчас",
  planNone: "нет",
  planQuietRespected: "соблюдаются, ждём утра",
  planQuietIgnored: "не соблюдаются (срочно)",
  planQuietOff: "не заданы",
  planYes: "да",
  planNo: "нет",
  planSound: "со звуком",
  planSilent: "без звука",
  planNeeds: "Чтобы успеть к сроку, нужно {rate} сообщ./с.",
  planOverFree:
    "Это больше бесплатных {free}/с: платная рассылка (до {paidRate}/с) обойдётся примерно в {stars} звёзд.",
  planCannotMeet: "К сроку дойдёт не всем: остаток истечёт.",
  planUrgent: "Срочно: и ночью",
  planSilentButton: "Без звука",
  planPaid: "Платная рассылка",
  planSchedule: "🕒 Время старта",
  planDeadline: "⏳ Срок",
  planContinue: "Дальше →",
  planSchedulePrompt: "Пришлите время старта в виде ГГГГ-ММ-ДД ЧЧ:ММ ({timezone}) или «сейчас».",
  planDeadlinePrompt: "Пришлите срок в виде ГГГГ-ММ-ДД ЧЧ:ММ ({timezone}) или «нет».",
  planTimeInvalid: "Не удалось прочитать время. Пример: 2026-11-21 18:30",
  planTimePast: "Это время уже прошло. Пришлите время в будущем.",
  planDeadlineBeforeStart: "Срок должен быть позже старта. Пришлите другое время.",
  previewIntro:
    "Выше — сообщение так, как его увидит один из получателей (анкета № {answer}). Проверьте его.",
  previewIntroNoAnswer:
    "Выше — сообщение так, как его увидит один из получателей (у него нет регистрации, параметры пустые). Проверьте его.",
  previewMissingParams:
    "⚠️ У {count} из {total} получателей нет {names}, а запасного текста нет: у них там будет пусто " +
    "(или не будет кнопки). Запасной текст пишется так: {example}",
  previewFailed:
    "Telegram не принял сообщение: {reason}. Ничего не запущено; выйдите через /cancel и составьте его заново.",
  confirmPrompt: "Проверьте предпросмотр выше.",
  confirmTest: "🧪 Тест мне",
  confirmLaunch: "🚀 Запустить",
  confirmSave: "💾 Сохранить шаблон",
  confirmCancel: "✖️ Отмена",
  testSent: "Тестовое сообщение отправлено вам в личный чат с ботом.",
  testFailed:
    "Не удалось отправить тест ({reason}). Откройте личный чат с ботом, нажмите «Старт» и попробуйте снова.",
  templateNamePrompt: "Как назвать шаблон (до 48 букв, цифр и пробелов)?",
  templateNameInvalid: "Такое имя не подходит: до 48 букв, цифр и пробелов.",
  templateSaved: "Шаблон «{name}» сохранён.",
  launchedWithoutProgress:
    "Рассылка № {id} запущена, но сообщение о ходе пока не удалось отправить: оно придёт позже, а пока её можно открыть через /broadcasts.",
  progressTitle: "Рассылка № {id} «{title}»",
  statusRunning: "идёт отправка",
  statusScheduled: "запланирована на {at}",
  statusPaused: "на паузе: {reason}",
  statusDone: "завершена",
  statusCancelled: "отменена",
  statusDraft: "черновик",
  statusQuiet: "ждёт утра (тихие часы)",
  progressBody:
    "{bar} {percent}%\nОтправлено: {sent} · ошибки: {failed} · заблокировали: {blocked} · осталось: {remaining}\n" +
    "Скорость: {rate}/с (темп {limit}/с) · осталось времени: {eta}",
  outagePaused:
    "⚠️ Рассылка № {id} «{title}» на паузе: Telegram не отвечает ({reason}). Herald проверяет каждые несколько секунд и продолжит сам; ничего не потеряется.",
  outageResumed: "✅ Telegram снова отвечает: рассылка № {id} «{title}» продолжается.",
  progressStars: "Платно: {stars} звёзд на данный момент",
  pause: "⏸ Пауза",
  resume: "▶️ Продолжить",
  cancel: "✖️ Отменить",
  cancelConfirm: "Отменить рассылку № {id} насовсем? Неотправленные сообщения не уйдут.",
  cancelYes: "Да, отменить",
  cancelNo: "Нет, оставить",
  pausedByOrganiser: "поставлена на паузу организатором",
  reportTitle: "Отчёт: рассылка № {id} «{title}»",
  reportBody:
    "Доставлено: {sent} из {total}\nЗаблокировали бота: {blocked}\nОшибки: {failed}\nИстекли к сроку: {expired}\n" +
    "Отменены: {cancelled}\nДлительность: {duration}",
  reportReasons: "Причины ошибок:\n{reasons}",
  reportCsv: "По строке на получателя: telegram_id, answer_id, status, error, sent_at.",
  actionRefused: "Нельзя: рассылка сейчас в состоянии «{status}».",
  notFound: "Этого уже нет.",
  broadcastsTitle: "Последние рассылки (откройте, чтобы следить):",
  broadcastsEmpty: "Рассылок пока нет. /new — создать.",
  broadcastLine: "№ {id} {title} — {status}, {sent}/{total}",
  templatesTitle: "Шаблоны:",
  templatesEmpty: "Шаблонов пока нет: сохраните его в конце /new.",
  useTemplate: "✉️ {name}",
  deleteItem: "🗑 {name}",
  templateDeleted: "Шаблон «{name}» удалён.",
  segmentsTitle: "Загруженные списки:",
  segmentsEmpty:
    "Списков пока нет. Пришлите файл CSV или TXT: номера анкет по одному в строке, или заголовок «telegram_id», " +
    "или «answer_id,<параметр>,…», чтобы задать параметры. Подпись к файлу — имя списка.",
  segmentLine: "«{name}»: значений {size}, доступно сейчас {reachable}",
  segmentInUse:
    "Этот список — аудитория рассылки, которая ещё не закончилась: отмените её или дождитесь конца.",
  segmentDeleted: "Список «{name}» удалён.",
  uploadTooBig: "Файл больше {mb} МБ: разделите его.",
  uploadNotText: "Пришлите список файлом .csv или .txt.",
  uploadErrors: "Ничего не загружено: нужно исправить {count}.\n{errors}\nИсправьте файл и пришлите снова.",
  uploadMore: "…и ещё {n}",
  uploadDone:
    "Список «{name}» загружен: значений {entries}, известных {matched}, неизвестных {unknown}, повторов {duplicates}.",
  uploadAttributesOnly:
    "Загружено: значений {entries}, известных {matched}, неизвестных {unknown}, повторов {duplicates}.",
  uploadAttributes: "Параметры {columns} заданы для {n} регистраций.",
  uploadNameTaken: "Список «{name}» уже есть: подпишите файл по-другому.",
  uploadNameInvalid: "«{name}» не подходит для имени списка: до 48 букв, цифр, пробелов, точек и дефисов.",
  statsText:
    "Подписчики: активных {active}, заблокировали бота {blocked}, отписались {unsubscribed}\n" +
    "Регистрации: {total}, привязаны к Telegram {bound}\n" +
    "  на модерации {pending} · одобрены {approved} · отклонены {rejected} · завершены {completed}\n" +
    "Билетов отправлено: {tickets}",
  commandScenarios: "Сценарии напоминаний",
  menuScenarios: "⏰ Сценарии",
  scenariosTitle: "Сценарии напоминаний (откройте, чтобы увидеть и изменить шаги):",
  scenarioName_finish_registration: "Завершите регистрацию",
  scenarioName_invited: "Пришли по приглашению, без формы",
  scenarioName_event: "Напоминания о мероприятии",
  scenarioOn: "включён",
  scenarioOff: "выключен",
  scenarioSummary:
    "{name} — {state}\nВошли {enrolled} · в процессе {active} · завершили {completed} · получили билет {ticket} · отклонены {rejected} · " +
    "отписались {unsubscribed} · заблокировали {blocked} · дошли до конца без завершения {finished} · пропущено шагов {skipped}",
  scenarioEventOff: "{name} — {state}: задайте EVENT_STARTS_AT, чтобы им пользоваться",
  scenarioStep:
    "{position}. {when}: {text}\n    сейчас после него {waiting}, завершили после него {completed}",
  scenarioEventStep: "{position}. {when}: {text} — {state}",
  eventStepSent: "отправлено (рассылка № {id})",
  eventStepSkipped: "пропущено (момент прошёл)",
  eventStepPending: "ждёт",
  whenTrigger: "через {delay} после старта",
  whenTriggerNow: "сразу",
  whenPrevious: "через {delay} после предыдущего шага",
  whenEventBefore: "за {delay} до мероприятия",
  whenEventAt: "в начале мероприятия",
  scenarioEnable: "▶️ Включить «{name}»",
  scenarioDisable: "⏸ Выключить «{name}»",
  scenarioOpen: "✏️ «{name}»",
  scenarioEditStep: "✏️ Шаг {position}",
  scenarioToggled: "«{name}»: {state}.",
  stepEditTextPrompt:
    "Шаг {position} сценария «{name}». Пришлите новый текст на русском (оформление и параметры вроде {answer_id} работают) или нажмите «Оставить».",
  stepEditDelayPrompt: "Теперь задержка: {example}, или нажмите «Оставить». Сейчас: {current}.",
  stepEditDelayExample: "например 90m, 24h или 3d",
  stepEditDelayExampleEvent: "например -1d (до мероприятия), -1h или 0 (в начале)",
  stepKeep: "Оставить",
  stepDelayInvalid: "Не удалось прочитать задержку: {example}.",
  stepNotSaved: "Не сохранено: {reason}. Откройте сценарий и попробуйте ещё раз.",
  stepOutOfOrder:
    "Не сохранено: шаг {position} должен идти после предыдущего и до следующего. Ничего не изменилось.",
  stepSaved: "Шаг {position} сценария «{name}» сохранён: {when}.",
  statsBroadcasts: "Последние рассылки:",
  statsDecisionsFailed: "Не доставлено, Telegram отказал (билеты и решения): {n}",
  statsDecisionFailed: "  № {answer}, {kind}: {reason}",
  statsFailedTicket: "билет",
  statsFailedRejection: "отказ",
  // Form connectors (/forms).
  commandForms: "Подключить форму регистрации",
  organiserHelpForms:
    "/forms — подключить форму регистрации (Typeform, Tally, Tilda, Яндекс Формы, Google Формы).",
  formsTitle:
    "Подключение формы регистрации: выберите конструктор. Я покажу, что и куда вставить, а потом сообщу, что Herald взял из вашей тестовой заявки.",
  formsOff:
    "Подключение форм выключено: не задан FORM_SECRET. Сгенерируйте его (openssl rand -hex 32), впишите FORM_SECRET=… в настройки Herald (.env), там же PUBLIC_URL — публичный адрес https, по которому конструкторы форм достучатся до Herald, и FORM_FIELDS — поля, которые нужно сохранять. Перезапустите Herald и снова наберите /forms.",
  formsUnknown: "Не знаю конструктор «{name}». Выберите из списка:",
  formsHiddenInGroup: "🔒 скрыто в группе: наберите /forms {provider} в личном чате со мной",
  formsCodeHiddenInGroup:
    "{label}: в нём токен, поэтому он только в личном чате со мной (/forms {provider}).",
  formsCopy: "📋 {label}",
  formsGeneric: "JSON (любая система)",
  formsWatching:
    "Теперь отправьте тестовую заявку через форму: в течение часа я напишу сюда, что Herald из неё взял (только названия полей, не значения).",
};

export type AdminMessages = typeof adminRu;
