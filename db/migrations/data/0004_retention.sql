ALTER TABLE `calls` ADD `legal_hold_reason` text;--> statement-breakpoint
ALTER TABLE `calls` ADD `legal_hold_at` integer;--> statement-breakpoint
ALTER TABLE `calls` ADD `rec_purged_at` integer;--> statement-breakpoint
ALTER TABLE `calls` ADD `tx_purged_at` integer;--> statement-breakpoint
ALTER TABLE `calls` ADD `an_purged_at` integer;--> statement-breakpoint
CREATE INDEX `calls_rec_live_idx` ON `calls` (`tenant_id`,`started_at`) WHERE rec_key is not null;--> statement-breakpoint
CREATE INDEX `calls_tx_live_idx` ON `calls` (`tenant_id`,`started_at`) WHERE tx_format is not null;--> statement-breakpoint
CREATE INDEX `calls_an_live_idx` ON `calls` (`tenant_id`,`started_at`) WHERE analysis_id is not null;