CREATE TABLE `review_sampling_rules` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`per_agent` integer NOT NULL,
	`low_score_below` real,
	`critical_fail` integer NOT NULL,
	`irritants` integer NOT NULL,
	`disputed` integer NOT NULL,
	`random` integer NOT NULL,
	`reviewers` text NOT NULL,
	`next_run_at` integer NOT NULL,
	`updated_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `review_sampling_next_idx` ON `review_sampling_rules` (`next_run_at`);