CREATE TABLE `api_tokens` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`role` text DEFAULT 'admin' NOT NULL,
	`token_hash` text NOT NULL,
	`prefix` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`last_used_at` integer,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_token_hash_unique` ON `api_tokens` (`token_hash`);--> statement-breakpoint
CREATE TABLE `caught_mails` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`received_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`envelope_from` text DEFAULT '' NOT NULL,
	`envelope_to` text NOT NULL,
	`subject` text DEFAULT '' NOT NULL,
	`headers` text NOT NULL,
	`html` text,
	`text` text,
	`raw` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `caught_mails_received` ON `caught_mails` (`received_at`);--> statement-breakpoint
CREATE TABLE `consent_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`subscriber_id` integer NOT NULL,
	`email_hash` text NOT NULL,
	`kind` text NOT NULL,
	`at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`ip` text,
	`user_agent` text,
	`source` text,
	`channel` text,
	`consent_text_version` text,
	`template_version` text,
	`list_ids` text,
	`details` text
);
--> statement-breakpoint
CREATE INDEX `consent_events_subscriber` ON `consent_events` (`subscriber_id`,`at`);--> statement-breakpoint
CREATE INDEX `consent_events_hash` ON `consent_events` (`email_hash`);--> statement-breakpoint
CREATE TABLE `consent_texts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`version` text NOT NULL,
	`language` text NOT NULL,
	`text` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `consent_texts_version_language` ON `consent_texts` (`version`,`language`);--> statement-breakpoint
CREATE TABLE `lists` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`key` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`is_public` integer DEFAULT true NOT NULL,
	`double_opt_in` integer DEFAULT true NOT NULL,
	`default_language` text DEFAULT 'de' NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `lists_key_unique` ON `lists` (`key`);--> statement-breakpoint
CREATE TABLE `mail_texts` (
	`key` text NOT NULL,
	`language` text NOT NULL,
	`subject` text NOT NULL,
	`body` text NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	PRIMARY KEY(`key`, `language`)
);
--> statement-breakpoint
CREATE TABLE `regions` (
	`key` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`position` integer DEFAULT 0 NOT NULL,
	`active` integer DEFAULT true NOT NULL
);
--> statement-breakpoint
CREATE TABLE `roles` (
	`key` text PRIMARY KEY NOT NULL,
	`labels` text NOT NULL,
	`position` integer DEFAULT 0 NOT NULL,
	`active` integer DEFAULT true NOT NULL
);
--> statement-breakpoint
CREATE TABLE `subscriber_roles` (
	`subscriber_id` integer NOT NULL,
	`role_key` text NOT NULL,
	PRIMARY KEY(`subscriber_id`, `role_key`),
	FOREIGN KEY (`subscriber_id`) REFERENCES `subscribers`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`role_key`) REFERENCES `roles`(`key`) ON UPDATE cascade ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `subscriber_roles_role` ON `subscriber_roles` (`role_key`);--> statement-breakpoint
CREATE TABLE `subscriber_tokens` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`subscriber_id` integer NOT NULL,
	`purpose` text NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	FOREIGN KEY (`subscriber_id`) REFERENCES `subscribers`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `subscriber_tokens_token_hash_unique` ON `subscriber_tokens` (`token_hash`);--> statement-breakpoint
CREATE INDEX `subscriber_tokens_subscriber` ON `subscriber_tokens` (`subscriber_id`);--> statement-breakpoint
CREATE TABLE `subscriber_topics` (
	`subscriber_id` integer NOT NULL,
	`topic_key` text NOT NULL,
	PRIMARY KEY(`subscriber_id`, `topic_key`),
	FOREIGN KEY (`subscriber_id`) REFERENCES `subscribers`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`topic_key`) REFERENCES `topics`(`key`) ON UPDATE cascade ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `subscriber_topics_topic` ON `subscriber_topics` (`topic_key`);--> statement-breakpoint
CREATE TABLE `subscribers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`email` text NOT NULL,
	`name` text DEFAULT '' NOT NULL,
	`region_key` text,
	`language` text DEFAULT 'de' NOT NULL,
	`status` text DEFAULT 'unconfirmed' NOT NULL,
	`tracking_consent` integer DEFAULT false NOT NULL,
	`source` text DEFAULT '' NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`confirmed_at` integer,
	`unsubscribed_at` integer,
	`last_confirmation_at` integer,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`region_key`) REFERENCES `regions`(`key`) ON UPDATE cascade ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `subscribers_email_unique` ON `subscribers` (`email`);--> statement-breakpoint
CREATE INDEX `subscribers_status_created` ON `subscribers` (`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `subscribers_region` ON `subscribers` (`region_key`);--> statement-breakpoint
CREATE TABLE `subscriptions` (
	`subscriber_id` integer NOT NULL,
	`list_id` integer NOT NULL,
	`status` text DEFAULT 'unconfirmed' NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`confirmed_at` integer,
	`unsubscribed_at` integer,
	PRIMARY KEY(`subscriber_id`, `list_id`),
	FOREIGN KEY (`subscriber_id`) REFERENCES `subscribers`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`list_id`) REFERENCES `lists`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `subscriptions_list` ON `subscriptions` (`list_id`,`status`);--> statement-breakpoint
CREATE TABLE `topics` (
	`key` text PRIMARY KEY NOT NULL,
	`labels` text NOT NULL,
	`position` integer DEFAULT 0 NOT NULL,
	`active` integer DEFAULT true NOT NULL
);
