CREATE TABLE `flood_closures` (
	`scope` text PRIMARY KEY NOT NULL,
	`closed_until` integer NOT NULL
);
