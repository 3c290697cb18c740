CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`actor_id` integer NOT NULL,
	`chat_id` integer NOT NULL,
	`action` text NOT NULL,
	`detail` text DEFAULT '{}' NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_log_at_idx` ON `audit_log` (`at`);--> statement-breakpoint
CREATE TABLE `dialogs` (
	`key` text PRIMARY KEY NOT NULL,
	`state` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `segment_members` (
	`segment_id` integer NOT NULL,
	`answer_id` text,
	`telegram_id` integer,
	FOREIGN KEY (`segment_id`) REFERENCES `segments`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `segment_members_answer_idx` ON `segment_members` (`segment_id`,`answer_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `segment_members_telegram_idx` ON `segment_members` (`segment_id`,`telegram_id`);--> statement-breakpoint
CREATE TABLE `segments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`key` text NOT NULL,
	`size` integer NOT NULL,
	`created_by` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `segments_name_unique` ON `segments` (`name`);--> statement-breakpoint
CREATE TABLE `templates` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`content` text NOT NULL,
	`created_by` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `templates_name_unique` ON `templates` (`name`);--> statement-breakpoint
ALTER TABLE `broadcasts` ADD `created_by` integer;--> statement-breakpoint
ALTER TABLE `broadcasts` ADD `progress_chat_id` integer;--> statement-breakpoint
ALTER TABLE `broadcasts` ADD `progress_message_id` integer;--> statement-breakpoint
ALTER TABLE `broadcasts` ADD `progress_language` text;--> statement-breakpoint
ALTER TABLE `broadcasts` ADD `reported_at` integer;