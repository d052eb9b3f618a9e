CREATE TABLE `analyses` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`call_id` text NOT NULL,
	`run_id` text NOT NULL,
	`rubric_id` text NOT NULL,
	`rubric_version` integer NOT NULL,
	`engine` text NOT NULL,
	`language` text,
	`score` real,
	`evaluated_weight_pct` real NOT NULL,
	`passed` integer,
	`critical_fail` integer NOT NULL,
	`needs_review` integer NOT NULL,
	`result_key` text NOT NULL,
	`input_tokens` integer,
	`output_tokens` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `analyses_call_run_idx` ON `analyses` (`call_id`,`run_id`);--> statement-breakpoint
CREATE INDEX `analyses_tenant_call_idx` ON `analyses` (`tenant_id`,`call_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `call_labels` (
	`tenant_id` text NOT NULL,
	`call_id` text NOT NULL,
	`kind` text NOT NULL,
	`label` text NOT NULL,
	`weight` integer NOT NULL,
	`started_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `call_labels_pk` ON `call_labels` (`call_id`,`kind`,`label`);--> statement-breakpoint
CREATE INDEX `call_labels_filter_idx` ON `call_labels` (`tenant_id`,`kind`,`label`,`started_at`);--> statement-breakpoint
CREATE TABLE `rubric_versions` (
	`rubric_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`version` integer NOT NULL,
	`content` text NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `rubric_versions_pk` ON `rubric_versions` (`rubric_id`,`version`);--> statement-breakpoint
CREATE TABLE `rubrics` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`template_id` text,
	`is_default` integer DEFAULT false NOT NULL,
	`latest_version` integer NOT NULL,
	`archived_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `rubrics_tenant_idx` ON `rubrics` (`tenant_id`,`name`);--> statement-breakpoint
ALTER TABLE `calls` ADD `passed` integer;--> statement-breakpoint
ALTER TABLE `calls` ADD `critical_fail` integer;--> statement-breakpoint
ALTER TABLE `calls` ADD `analysis_id` text;--> statement-breakpoint
ALTER TABLE `calls` ADD `run_id` text;--> statement-breakpoint
ALTER TABLE `calls` ADD `attempts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `calls_tenant_score_idx` ON `calls` (`tenant_id`,`score`);