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
CREATE INDEX `audit_reads_period_idx` ON `audit_reads` (`period`);--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_security_alerts` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text,
	`kind` text NOT NULL,
	`dedupe_key` text NOT NULL,
	`detail` text NOT NULL,
	`created_at` integer NOT NULL,
	`acknowledged_at` integer
);
--> statement-breakpoint
INSERT INTO `__new_security_alerts`("id", "tenant_id", "kind", "dedupe_key", "detail", "created_at", "acknowledged_at") SELECT "id", "tenant_id", "kind", "dedupe_key", "detail", "created_at", "acknowledged_at" FROM `security_alerts`;--> statement-breakpoint
DROP TABLE `security_alerts`;--> statement-breakpoint
ALTER TABLE `__new_security_alerts` RENAME TO `security_alerts`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `security_alerts_dedupe_idx` ON `security_alerts` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `security_alerts_tenant_idx` ON `security_alerts` (`tenant_id`,`created_at`);