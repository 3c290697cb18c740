CREATE TABLE `broadcasts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`title` text NOT NULL,
	`status` text DEFAULT 'draft' NOT NULL,
	`content` text NOT NULL,
	`audience` text NOT NULL,
	`paid` integer DEFAULT false NOT NULL,
	`urgent` integer DEFAULT false NOT NULL,
	`silent` integer DEFAULT false NOT NULL,
	`scheduled_at` integer,
	`deadline` integer,
	`audience_cursor` integer DEFAULT 0 NOT NULL,
	`audience_complete` integer DEFAULT false NOT NULL,
	`total` integer DEFAULT 0 NOT NULL,
	`sent` integer DEFAULT 0 NOT NULL,
	`failed` integer DEFAULT 0 NOT NULL,
	`blocked` integer DEFAULT 0 NOT NULL,
	`expired` integer DEFAULT 0 NOT NULL,
	`ambiguous` integer DEFAULT 0 NOT NULL,
	`paid_messages` integer DEFAULT 0 NOT NULL,
	`stars_cost_tenths` integer DEFAULT 0 NOT NULL,
	`pause_reason` text,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer
);
--> statement-breakpoint
CREATE INDEX `broadcasts_status_idx` ON `broadcasts` (`status`);--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`job_key` text NOT NULL,
	`telegram_id` integer NOT NULL,
	`lane` text NOT NULL,
	`payload` text,
	`broadcast_id` integer,
	`ambiguous` integer DEFAULT false NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`not_before` integer NOT NULL,
	`created_at` integer NOT NULL,
	`sent_at` integer,
	`message_id` integer,
	`error` text
);
--> statement-breakpoint
INSERT INTO `__new_deliveries`("id", "job_key", "telegram_id", "lane", "payload", "broadcast_id", "ambiguous", "status", "attempts", "not_before", "created_at", "sent_at", "message_id", "error") SELECT "id", "job_key", "telegram_id", "lane", "payload", NULL, 0, "status", "attempts", "not_before", "created_at", "sent_at", "message_id", "error" FROM `deliveries`;--> statement-breakpoint
DROP TABLE `deliveries`;--> statement-breakpoint
ALTER TABLE `__new_deliveries` RENAME TO `deliveries`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `deliveries_job_recipient_idx` ON `deliveries` (`job_key`,`telegram_id`);--> statement-breakpoint
CREATE INDEX `deliveries_due_idx` ON `deliveries` (`status`,`lane`,`not_before`);--> statement-breakpoint
CREATE INDEX `deliveries_broadcast_idx` ON `deliveries` (`broadcast_id`,`status`);