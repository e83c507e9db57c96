CREATE TABLE `login_throttles` (
	`account` text NOT NULL,
	`ip` text NOT NULL,
	`failures` integer NOT NULL,
	`blocked_until` integer,
	`last_failure_at` integer NOT NULL,
	PRIMARY KEY(`account`, `ip`)
);
--> statement-breakpoint
CREATE INDEX `login_throttles_last_failure` ON `login_throttles` (`last_failure_at`);--> statement-breakpoint
ALTER TABLE `users` ADD `totp_last_step` integer;--> statement-breakpoint
ALTER TABLE `users` DROP COLUMN `failed_logins`;--> statement-breakpoint
ALTER TABLE `users` DROP COLUMN `locked_until`;