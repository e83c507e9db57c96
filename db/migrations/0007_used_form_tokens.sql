CREATE TABLE `used_form_tokens` (
	`nonce` text PRIMARY KEY NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `used_form_tokens_expires` ON `used_form_tokens` (`expires_at`);