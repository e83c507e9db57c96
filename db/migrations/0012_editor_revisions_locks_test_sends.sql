CREATE TABLE `edition_locks` (
	`edition_id` integer PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`since` integer NOT NULL,
	`renewed_at` integer NOT NULL,
	FOREIGN KEY (`edition_id`) REFERENCES `editions`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `edition_revisions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`edition_id` integer NOT NULL,
	`number` integer NOT NULL,
	`snapshot` text NOT NULL,
	`autosave` integer DEFAULT false NOT NULL,
	`saved_by` integer,
	`saved_by_name` text,
	`saved_at` integer NOT NULL,
	FOREIGN KEY (`edition_id`) REFERENCES `editions`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`saved_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `edition_revisions_number` ON `edition_revisions` (`edition_id`,`number`);--> statement-breakpoint
CREATE TABLE `test_sends` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`edition_id` integer NOT NULL,
	`email` text NOT NULL,
	`language` text NOT NULL,
	`region` text,
	`role` text,
	`requested_by` integer,
	`created_at` integer NOT NULL,
	`sent_at` integer,
	`message_id` text,
	FOREIGN KEY (`edition_id`) REFERENCES `editions`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`requested_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `test_sends_edition` ON `test_sends` (`edition_id`,`created_at`);--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_mail_outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`subscriber_id` integer,
	`test_send_id` integer,
	`job_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`queued_at` integer,
	FOREIGN KEY (`subscriber_id`) REFERENCES `subscribers`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`test_send_id`) REFERENCES `test_sends`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_mail_outbox`("id", "name", "subscriber_id", "test_send_id", "job_id", "created_at", "queued_at") SELECT "id", "name", "subscriber_id", NULL, "job_id", "created_at", "queued_at" FROM `mail_outbox`;--> statement-breakpoint
DROP TABLE `mail_outbox`;--> statement-breakpoint
ALTER TABLE `__new_mail_outbox` RENAME TO `mail_outbox`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `mail_outbox_job_id_unique` ON `mail_outbox` (`job_id`);--> statement-breakpoint
CREATE INDEX `mail_outbox_unqueued` ON `mail_outbox` (`queued_at`,`created_at`);--> statement-breakpoint
CREATE INDEX `mail_outbox_subscriber` ON `mail_outbox` (`subscriber_id`);--> statement-breakpoint
CREATE INDEX `mail_outbox_created` ON `mail_outbox` (`created_at`);--> statement-breakpoint
ALTER TABLE `editions` ADD `published_at` integer;