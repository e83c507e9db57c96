CREATE TABLE `campaign_links` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`campaign_id` integer NOT NULL,
	`url` text NOT NULL,
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `campaign_links_url` ON `campaign_links` (`campaign_id`,`url`);--> statement-breakpoint
CREATE TABLE `event_registrations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`event_id` integer NOT NULL,
	`status` text DEFAULT 'registered' NOT NULL,
	`name` text NOT NULL,
	`email` text,
	`organisation` text DEFAULT '' NOT NULL,
	`role_key` text,
	`region_key` text,
	`language` text DEFAULT 'de' NOT NULL,
	`accessibility_needs` text DEFAULT '' NOT NULL,
	`interpreter` text DEFAULT '' NOT NULL,
	`subscriber_id` integer,
	`source_kind` text DEFAULT 'direct' NOT NULL,
	`source_edition_id` integer,
	`source_campaign_id` integer,
	`referred_by` integer,
	`source_code` text,
	`walk_in` integer DEFAULT false NOT NULL,
	`consent_source` text,
	`present` integer,
	`attendance_at` integer,
	`attendance_by` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`cancelled_at` integer,
	`promoted_at` integer,
	`reminder_sent_at` integer,
	FOREIGN KEY (`event_id`) REFERENCES `events`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`role_key`) REFERENCES `roles`(`key`) ON UPDATE cascade ON DELETE no action,
	FOREIGN KEY (`region_key`) REFERENCES `regions`(`key`) ON UPDATE cascade ON DELETE no action,
	FOREIGN KEY (`subscriber_id`) REFERENCES `subscribers`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`source_edition_id`) REFERENCES `editions`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`source_campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`referred_by`) REFERENCES `subscribers`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`attendance_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `event_registrations_email` ON `event_registrations` (`event_id`,`email`);--> statement-breakpoint
CREATE INDEX `event_registrations_event` ON `event_registrations` (`event_id`,`status`,`id`);--> statement-breakpoint
CREATE INDEX `event_registrations_subscriber` ON `event_registrations` (`subscriber_id`);--> statement-breakpoint
CREATE INDEX `event_registrations_referred_by` ON `event_registrations` (`referred_by`);--> statement-breakpoint
CREATE TABLE `indicator_targets` (
	`key` text PRIMARY KEY NOT NULL,
	`label` text NOT NULL,
	`target` integer NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_by` integer,
	FOREIGN KEY (`updated_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE TABLE `tracking_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`class` text NOT NULL,
	`reason` text,
	`campaign_id` integer NOT NULL,
	`delivery_id` integer,
	`link_id` integer,
	`language` text NOT NULL,
	`region_key` text,
	`role_key` text,
	`device` text,
	`at` integer NOT NULL,
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`delivery_id`) REFERENCES `deliveries`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`link_id`) REFERENCES `campaign_links`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `tracking_events_campaign` ON `tracking_events` (`campaign_id`,`kind`,`class`);--> statement-breakpoint
CREATE INDEX `tracking_events_delivery` ON `tracking_events` (`delivery_id`,`kind`);--> statement-breakpoint
ALTER TABLE `events` ADD `attendance_recorded_at` integer;--> statement-breakpoint
ALTER TABLE `organisation_settings` ADD `tracking_enabled` integer;--> statement-breakpoint
ALTER TABLE `organisation_settings` ADD `programme_from` text;--> statement-breakpoint
ALTER TABLE `organisation_settings` ADD `programme_to` text;--> statement-breakpoint
ALTER TABLE `subscribers` ADD `source_kind` text DEFAULT 'direct' NOT NULL;--> statement-breakpoint
ALTER TABLE `subscribers` ADD `source_edition_id` integer REFERENCES editions(id) ON DELETE set null;--> statement-breakpoint
ALTER TABLE `subscribers` ADD `source_campaign_id` integer REFERENCES campaigns(id) ON DELETE set null;--> statement-breakpoint
ALTER TABLE `subscribers` ADD `source_event_id` integer REFERENCES events(id) ON DELETE set null;--> statement-breakpoint
ALTER TABLE `subscribers` ADD `referred_by` integer REFERENCES subscribers(id) ON DELETE set null;--> statement-breakpoint
ALTER TABLE `subscribers` ADD `source_code` text;--> statement-breakpoint
CREATE INDEX `subscribers_referred_by` ON `subscribers` (`referred_by`);