CREATE TABLE `audit_reads` (
	`tenant_id` text NOT NULL,
	`actor_type` text NOT NULL,
	`actor_id` text NOT NULL,
	`action` text NOT NULL,
	`period` integer NOT NULL,
	`target_id` text NOT NULL,
	`count` integer NOT NULL,
	`ip` text,
	`user_agent` text,
	`first_at` integer NOT NULL,
	`last_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `actor_type`, `actor_id`, `action`, `period`, `target_id`)
);
--> statement-breakpoint
CREATE INDEX `audit_reads_period_idx` ON `audit_reads` (`period`);