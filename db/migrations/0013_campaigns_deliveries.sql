CREATE TABLE `campaigns` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`edition_id` integer NOT NULL,
	`status` text DEFAULT 'draft' NOT NULL,
	`segment_ids` text NOT NULL,
	`list_ids` text NOT NULL,
	`confirmed_since` integer,
	`scheduled_at` integer,
	`started_at` integer,
	`finished_at` integer,
	`audience_count` integer DEFAULT 0 NOT NULL,
	`pause_reason` text,
	`fanout_cursor` integer DEFAULT 0 NOT NULL,
	`fanout_round` integer DEFAULT 0 NOT NULL,
	`created_by` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`edition_id`) REFERENCES `editions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `campaigns_edition` ON `campaigns` (`edition_id`);--> statement-breakpoint
CREATE INDEX `campaigns_status` ON `campaigns` (`status`);--> statement-breakpoint
CREATE TABLE `deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`campaign_id` integer NOT NULL,
	`edition_id` integer NOT NULL,
	`subscriber_id` integer,
	`status` text DEFAULT 'queued' NOT NULL,
	`uncertain` integer DEFAULT false NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`language` text NOT NULL,
	`region_key` text,
	`role_key` text,
	`message_id` text,
	`smtp_response` text,
	`relay` text,
	`reason` text,
	`sent_at` integer,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`edition_id`) REFERENCES `editions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`subscriber_id`) REFERENCES `subscribers`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `deliveries_edition_subscriber` ON `deliveries` (`edition_id`,`subscriber_id`);--> statement-breakpoint
CREATE INDEX `deliveries_campaign_status` ON `deliveries` (`campaign_id`,`status`,`id`);--> statement-breakpoint
CREATE INDEX `deliveries_subscriber` ON `deliveries` (`subscriber_id`);