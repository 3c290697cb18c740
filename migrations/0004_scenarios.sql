CREATE TABLE `scenario_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`scenario_id` text NOT NULL,
	`telegram_id` integer NOT NULL,
	`answer_id` text,
	`status` text DEFAULT 'active' NOT NULL,
	`stop_reason` text,
	`next_step` integer NOT NULL,
	`next_due_at` integer,
	`last_step_sent` integer DEFAULT 0 NOT NULL,
	`last_sent_at` integer,
	`skipped` integer DEFAULT 0 NOT NULL,
	`deferred` integer DEFAULT 0 NOT NULL,
	`triggered_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `scenario_runs_person_idx` ON `scenario_runs` (`scenario_id`,`telegram_id`);--> statement-breakpoint
CREATE INDEX `scenario_runs_due_idx` ON `scenario_runs` (`status`,`next_due_at`);--> statement-breakpoint
CREATE TABLE `scenario_steps` (
	`scenario_id` text NOT NULL,
	`position` integer NOT NULL,
	`delay_minutes` integer NOT NULL,
	`anchor` text NOT NULL,
	`text_ru` text NOT NULL,
	`text_en` text NOT NULL,
	`buttons` text DEFAULT '{}' NOT NULL,
	`broadcast_id` integer,
	`skipped_at` integer,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`scenario_id`) REFERENCES `scenarios`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `scenario_steps_position_idx` ON `scenario_steps` (`scenario_id`,`position`);--> statement-breakpoint
CREATE TABLE `scenarios` (
	`id` text PRIMARY KEY NOT NULL,
	`trigger` text NOT NULL,
	`enabled` integer NOT NULL,
	`enrolled_until` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `deliveries_recipient_idx` ON `deliveries` (`telegram_id`);--> statement-breakpoint
CREATE INDEX `registrations_bound_at_idx` ON `registrations` (`bound_at`);--> statement-breakpoint
CREATE INDEX `subscribers_first_seen_idx` ON `subscribers` (`first_seen_at`);