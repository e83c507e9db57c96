CREATE TABLE `organisation_settings` (
	`id` integer PRIMARY KEY NOT NULL,
	`name` text,
	`tagline` text,
	`logo_file` text,
	`logo_alt` text,
	`primary_colour` text,
	`text_colour` text,
	`imprint` text,
	`postal_address` text,
	`funder_attribution` text,
	`sender_name` text,
	`sender_address` text,
	`reply_to` text,
	`privacy_url` text,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	CONSTRAINT "organisation_settings_one_row" CHECK("organisation_settings"."id" = 1)
);
