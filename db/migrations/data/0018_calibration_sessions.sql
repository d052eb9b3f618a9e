CREATE TABLE `calibration_answers` (
	`tenant_id` text NOT NULL,
	`session_id` text NOT NULL,
	`call_id` text NOT NULL,
	`reviewer_id` text NOT NULL,
	`answers` text NOT NULL,
	`score` real,
	`submitted_at` integer NOT NULL,
	PRIMARY KEY(`session_id`, `call_id`, `reviewer_id`)
);
--> statement-breakpoint
CREATE INDEX `calibration_answers_call_idx` ON `calibration_answers` (`tenant_id`,`call_id`);--> statement-breakpoint
CREATE INDEX `calibration_answers_reviewer_idx` ON `calibration_answers` (`tenant_id`,`reviewer_id`);--> statement-breakpoint
CREATE TABLE `calibration_calls` (
	`tenant_id` text NOT NULL,
	`session_id` text NOT NULL,
	`call_id` text NOT NULL,
	`position` integer NOT NULL,
	`agreed` text,
	PRIMARY KEY(`session_id`, `call_id`)
);
--> statement-breakpoint
CREATE INDEX `calibration_calls_call_idx` ON `calibration_calls` (`tenant_id`,`call_id`);--> statement-breakpoint
CREATE TABLE `calibration_participants` (
	`tenant_id` text NOT NULL,
	`session_id` text NOT NULL,
	`reviewer_id` text NOT NULL,
	PRIMARY KEY(`session_id`, `reviewer_id`)
);
--> statement-breakpoint
CREATE INDEX `calibration_participants_reviewer_idx` ON `calibration_participants` (`tenant_id`,`reviewer_id`);--> statement-breakpoint
CREATE TABLE `calibration_sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`title` text NOT NULL,
	`rubric_id` text NOT NULL,
	`rubric_version` integer NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`created_by` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`closed_at` integer,
	`closed_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `calibration_sessions_list_idx` ON `calibration_sessions` (`tenant_id`,`created_at`,`id`);