CREATE TABLE `bind_conflicts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`answer_id` text NOT NULL,
	`telegram_id` integer NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `bind_conflicts_answer_idx` ON `bind_conflicts` (`answer_id`);--> statement-breakpoint
CREATE TABLE `deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`job_key` text NOT NULL,
	`telegram_id` integer NOT NULL,
	`lane` text NOT NULL,
	`payload` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`not_before` integer NOT NULL,
	`created_at` integer NOT NULL,
	`sent_at` integer,
	`message_id` integer,
	`error` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `deliveries_job_recipient_idx` ON `deliveries` (`job_key`,`telegram_id`);--> statement-breakpoint
CREATE INDEX `deliveries_due_idx` ON `deliveries` (`status`,`lane`,`not_before`);--> statement-breakpoint
CREATE TABLE `registrations` (
	`answer_id` text PRIMARY KEY NOT NULL,
	`telegram_id` integer,
	`attributes` text DEFAULT '{}' NOT NULL,
	`submitted_at` integer,
	`bound_at` integer,
	`moderation` text DEFAULT 'pending' NOT NULL,
	`moderated_at` integer,
	`ticket_url` text,
	`ticket_version` integer DEFAULT 0 NOT NULL,
	`rejection_note` text,
	`completed_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `registrations_telegram_idx` ON `registrations` (`telegram_id`);--> statement-breakpoint
CREATE TABLE `webhook_events` (
	`event_id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`received_at` integer NOT NULL,
	`status_code` integer NOT NULL,
	`response` text NOT NULL
);
