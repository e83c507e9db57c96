CREATE TABLE `bounces` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`source` text NOT NULL,
	`kind` text NOT NULL,
	`reason` text,
	`status` text,
	`diagnostic` text,
	`feedback_type` text,
	`action` text NOT NULL,
	`delivery_id` integer,
	`subscriber_id` integer,
	FOREIGN KEY (`delivery_id`) REFERENCES `deliveries`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`subscriber_id`) REFERENCES `subscribers`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `bounces_subscriber` ON `bounces` (`subscriber_id`,`id`);--> statement-breakpoint
CREATE INDEX `bounces_delivery` ON `bounces` (`delivery_id`);