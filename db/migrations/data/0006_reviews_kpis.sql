CREATE TABLE `kpi_daily` (
	`tenant_id` text NOT NULL,
	`dim` text NOT NULL,
	`value` text NOT NULL,
	`day` text NOT NULL,
	`calls` integer NOT NULL,
	`analysed` integer NOT NULL,
	`score_sum` real NOT NULL,
	`score_n` integer NOT NULL,
	`passed_n` integer NOT NULL,
	`pass_n` integer NOT NULL,
	`critical` integer NOT NULL,
	`duration_sum` real NOT NULL,
	`duration_n` integer NOT NULL,
	`silence_sum` real NOT NULL,
	`silence_n` integer NOT NULL,
	`sentiment_sum` real NOT NULL,
	`sentiment_n` integer NOT NULL,
	`reviewed_sum` real NOT NULL,
	`reviewed_n` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `dim`, `value`, `day`)
);
--> statement-breakpoint
CREATE TABLE `kpi_daily_labels` (
	`tenant_id` text NOT NULL,
	`dim` text NOT NULL,
	`value` text NOT NULL,
	`day` text NOT NULL,
	`kind` text NOT NULL,
	`label` text NOT NULL,
	`n` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `dim`, `value`, `day`, `kind`, `label`)
);
--> statement-breakpoint
CREATE TABLE `kpi_dirty` (
	`tenant_id` text NOT NULL,
	`day` text NOT NULL,
	`marked_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `day`)
);
--> statement-breakpoint
CREATE TABLE `reviews` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`call_id` text NOT NULL,
	`analysis_id` text NOT NULL,
	`reviewer_id` text NOT NULL,
	`status` text NOT NULL,
	`overrides` text DEFAULT '{}' NOT NULL,
	`comment` text,
	`score` real,
	`passed` integer,
	`version` integer DEFAULT 1 NOT NULL,
	`finalized_at` integer,
	`disputed_at` integer,
	`disputed_by` text,
	`dispute_reason` text,
	`resolved_at` integer,
	`resolved_by` text,
	`resolution` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `reviews_call_reviewer_idx` ON `reviews` (`call_id`,`reviewer_id`);--> statement-breakpoint
CREATE INDEX `reviews_tenant_status_idx` ON `reviews` (`tenant_id`,`status`,`updated_at`);--> statement-breakpoint
ALTER TABLE `calls` ADD `silence_pct` real;--> statement-breakpoint
ALTER TABLE `calls` ADD `sentiment_end` real;--> statement-breakpoint
ALTER TABLE `calls` ADD `reviewed_score` real;