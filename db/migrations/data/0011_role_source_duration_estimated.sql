ALTER TABLE `calls` ADD `rec_duration_estimated` integer;--> statement-breakpoint
ALTER TABLE `calls` ADD `tx_role_source` text;