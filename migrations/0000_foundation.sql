CREATE TABLE `subscribers` (
	`telegram_id` integer PRIMARY KEY NOT NULL,
	`language` text DEFAULT 'ru' NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`first_seen_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`status_changed_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `subscribers_status_idx` ON `subscribers` (`status`);