CREATE TABLE `agents` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`external_id` text,
	`name` text NOT NULL,
	`team` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `agents_tenant_external_idx` ON `agents` (`tenant_id`,`external_id`);--> statement-breakpoint
CREATE INDEX `agents_tenant_team_idx` ON `agents` (`tenant_id`,`team`);--> statement-breakpoint
CREATE INDEX `agents_tenant_name_idx` ON `agents` (`tenant_id`,`name`,`id`);--> statement-breakpoint
CREATE TABLE `tenant_meta` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`location` text NOT NULL,
	`created_at` integer NOT NULL
);
