CREATE TABLE `form_watches` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`provider` text NOT NULL,
	`chat_id` integer NOT NULL,
	`language` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `form_watches_chat_provider_idx` ON `form_watches` (`chat_id`,`provider`);