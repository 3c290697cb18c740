ALTER TABLE `broadcasts` ADD `paused_by` text;--> statement-breakpoint
ALTER TABLE `broadcasts` ADD `effective_rate` real;