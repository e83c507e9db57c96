CREATE TABLE `mail_outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`subscriber_id` integer NOT NULL,
	`job_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`queued_at` integer,
	FOREIGN KEY (`subscriber_id`) REFERENCES `subscribers`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `mail_outbox_job_id_unique` ON `mail_outbox` (`job_id`);--> statement-breakpoint
CREATE INDEX `mail_outbox_unqueued` ON `mail_outbox` (`queued_at`,`created_at`);--> statement-breakpoint
CREATE INDEX `mail_outbox_subscriber` ON `mail_outbox` (`subscriber_id`);--> statement-breakpoint
CREATE INDEX `mail_outbox_created` ON `mail_outbox` (`created_at`);--> statement-breakpoint
-- Confirmation mails claimed within the last day and not yet sent were covered by the former
-- sweep; they are owed from now on (a job still in the queue keeps its id and is not doubled).
INSERT INTO `mail_outbox` (`name`, `subscriber_id`, `job_id`, `created_at`)
SELECT 'confirmation', s.`id`, 'confirmation-' || s.`id` || '-' || s.`last_confirmation_at`, s.`last_confirmation_at`
FROM `subscribers` s
WHERE s.`status` = 'unconfirmed'
  AND s.`last_confirmation_at` > cast(unixepoch('subsec') * 1000 as integer) - 86400000
  AND NOT EXISTS (
    SELECT 1 FROM `consent_events` e
    WHERE e.`subscriber_id` = s.`id` AND e.`kind` = 'confirmation_sent' AND e.`at` >= s.`last_confirmation_at`
  );
