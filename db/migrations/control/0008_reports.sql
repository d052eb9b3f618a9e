CREATE TABLE `report_schedules` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`frequency` text NOT NULL,
	`recipients` text NOT NULL,
	`filters` text DEFAULT '{}' NOT NULL,
	`next_run_at` integer NOT NULL,
	`last_sent_at` integer,
	`created_by` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `report_schedules_next_idx` ON `report_schedules` (`next_run_at`);--> statement-breakpoint
CREATE INDEX `report_schedules_tenant_idx` ON `report_schedules` (`tenant_id`);--> statement-breakpoint
ALTER TABLE `tenants` ADD `dispute_window_days` integer DEFAULT 7 NOT NULL;--> statement-breakpoint
ALTER TABLE `tenants` ADD `time_zone` text DEFAULT 'Europe/Paris' NOT NULL;