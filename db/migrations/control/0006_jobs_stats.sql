CREATE TABLE `jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text,
	`kind` text NOT NULL,
	`dedupe_key` text,
	`status` text NOT NULL,
	`params` text DEFAULT '{}' NOT NULL,
	`progress` text DEFAULT '{}' NOT NULL,
	`result` text,
	`error` text,
	`steps` integer DEFAULT 0 NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `jobs_dedupe_idx` ON `jobs` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `jobs_tenant_kind_idx` ON `jobs` (`tenant_id`,`kind`,`created_at`);--> statement-breakpoint
CREATE INDEX `jobs_status_idx` ON `jobs` (`status`,`updated_at`);--> statement-breakpoint
CREATE TABLE `platform_stats` (
	`period` text NOT NULL,
	`dimension` text NOT NULL,
	`bucket` text NOT NULL,
	`metric` text NOT NULL,
	`tenants` integer NOT NULL,
	`calls` integer NOT NULL,
	`p25` real,
	`median` real NOT NULL,
	`p75` real,
	`built_at` integer NOT NULL,
	PRIMARY KEY(`period`, `dimension`, `bucket`, `metric`)
);
--> statement-breakpoint
CREATE TABLE `stats_contributions` (
	`job_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`payload` text NOT NULL,
	PRIMARY KEY(`job_id`, `tenant_id`)
);
--> statement-breakpoint
ALTER TABLE `tenants` ADD `write_lock` text;--> statement-breakpoint
ALTER TABLE `tenants` ADD `stats_opt_out` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `tenants` ADD `deletion_due_at` integer;