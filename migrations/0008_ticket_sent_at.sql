ALTER TABLE `registrations` ADD `ticket_sent_at` integer;--> statement-breakpoint
-- Tickets sent before this column existed: the first sent message of any link version (job key
-- `ticket:<answer>:v<n>`; an answer id has no ':'). A sent row without sent_at counts from its creation.
UPDATE `registrations` SET `ticket_sent_at` = (
  SELECT min(coalesce(`sent_at`, `created_at`)) FROM `deliveries`
  WHERE `job_key` >= 'ticket:' || `registrations`.`answer_id` || ':'
    AND `job_key` < 'ticket:' || `registrations`.`answer_id` || ';'
    AND `status` = 'sent'
);--> statement-breakpoint
-- From now on the fact is written with the row that records it, in the same statement, whoever
-- writes it (the engine's result recorder, or a sent row inserted at once): first acceptance wins.
CREATE TRIGGER `deliveries_ticket_sent_on_update`
AFTER UPDATE OF `status` ON `deliveries`
WHEN NEW.`status` = 'sent' AND NEW.`job_key` >= 'ticket:' AND NEW.`job_key` < 'ticket;'
BEGIN
  UPDATE `registrations` SET `ticket_sent_at` = coalesce(`ticket_sent_at`, NEW.`sent_at`, NEW.`created_at`)
  WHERE `answer_id` = substr(NEW.`job_key`, 8, instr(substr(NEW.`job_key`, 8), ':') - 1);
END;--> statement-breakpoint
CREATE TRIGGER `deliveries_ticket_sent_on_insert`
AFTER INSERT ON `deliveries`
WHEN NEW.`status` = 'sent' AND NEW.`job_key` >= 'ticket:' AND NEW.`job_key` < 'ticket;'
BEGIN
  UPDATE `registrations` SET `ticket_sent_at` = coalesce(`ticket_sent_at`, NEW.`sent_at`, NEW.`created_at`)
  WHERE `answer_id` = substr(NEW.`job_key`, 8, instr(substr(NEW.`job_key`, 8), ':') - 1);
END;
