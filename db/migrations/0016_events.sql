CREATE TABLE `events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`type` text NOT NULL,
	`title` text NOT NULL,
	`starts_at` integer NOT NULL,
	`ends_at` integer,
	`place` text,
	`online` integer DEFAULT false NOT NULL,
	`region_key` text,
	`capacity` integer,
	`registration_deadline` integer,
	`description` text DEFAULT '' NOT NULL,
	`contact` text,
	`slug` text NOT NULL,
	`created_by` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`region_key`) REFERENCES `regions`(`key`) ON UPDATE cascade ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "events_capacity" CHECK("events"."capacity" is null or "events"."capacity" >= 1),
	CONSTRAINT "events_ends_at" CHECK("events"."ends_at" is null or "events"."ends_at" >= "events"."starts_at"),
	CONSTRAINT "events_registration_deadline" CHECK("events"."registration_deadline" is null or "events"."registration_deadline" <= "events"."starts_at")
);
--> statement-breakpoint
CREATE UNIQUE INDEX `events_slug` ON `events` (`slug`);--> statement-breakpoint
CREATE INDEX `events_starts_at` ON `events` (`starts_at`,`id`);