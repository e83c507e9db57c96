CREATE TABLE `consultations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`held_on` text NOT NULL,
	`kind` text NOT NULL,
	`region_key` text,
	`topic` text NOT NULL,
	`follow_up` text DEFAULT '' NOT NULL,
	`people` integer DEFAULT 1 NOT NULL,
	`created_by` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`region_key`) REFERENCES `regions`(`key`) ON UPDATE cascade ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "consultations_people" CHECK("consultations"."people" >= 1)
);
--> statement-breakpoint
CREATE INDEX `consultations_held_on` ON `consultations` (`held_on`,`id`);