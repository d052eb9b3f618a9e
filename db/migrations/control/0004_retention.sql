ALTER TABLE `tenants` ADD `retention` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE `tenants` ADD `retention_acknowledged_at` integer;--> statement-breakpoint
ALTER TABLE `tenants` ADD `legal_hold_reason` text;--> statement-breakpoint
ALTER TABLE `tenants` ADD `legal_hold_at` integer;