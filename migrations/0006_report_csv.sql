ALTER TABLE `broadcasts` ADD `report_csv_at` integer;--> statement-breakpoint
-- Reports sent before this column existed went with their CSV (one step): do not send those again.
UPDATE `broadcasts` SET `report_csv_at` = `reported_at` WHERE `reported_at` IS NOT NULL;
