CREATE TABLE `review_queue` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`week` text NOT NULL,
	`call_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`reviewer_id` text NOT NULL,
	`reason` text NOT NULL,
	`assigned_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `review_queue_call_idx` ON `review_queue` (`tenant_id`,`call_id`);--> statement-breakpoint
CREATE INDEX `review_queue_reviewer_idx` ON `review_queue` (`tenant_id`,`reviewer_id`,`week`,`id`);--> statement-breakpoint
CREATE INDEX `review_queue_week_idx` ON `review_queue` (`tenant_id`,`week`,`agent_id`);