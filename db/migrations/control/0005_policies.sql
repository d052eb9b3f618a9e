CREATE TABLE `policy_acceptances` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`user_id` text NOT NULL,
	`version_id` text NOT NULL,
	`accepted_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `policy_acceptances_user_version_idx` ON `policy_acceptances` (`user_id`,`version_id`);--> statement-breakpoint
CREATE INDEX `policy_acceptances_tenant_idx` ON `policy_acceptances` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `policy_versions` (
	`id` text PRIMARY KEY NOT NULL,
	`version` text NOT NULL,
	`effective_at` integer NOT NULL,
	`substantial` integer DEFAULT false NOT NULL,
	`body_fr` text NOT NULL,
	`body_en` text NOT NULL,
	`published_by` text NOT NULL,
	`published_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `policy_versions_effective_idx` ON `policy_versions` (`effective_at`);--> statement-breakpoint
CREATE TABLE `subprocessor_objections` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`subprocessor_id` text NOT NULL,
	`reason` text NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`resolution` text,
	`created_at` integer NOT NULL,
	`resolved_at` integer
);
--> statement-breakpoint
CREATE INDEX `subprocessor_objections_tenant_idx` ON `subprocessor_objections` (`tenant_id`,`subprocessor_id`);--> statement-breakpoint
CREATE INDEX `subprocessor_objections_status_idx` ON `subprocessor_objections` (`status`);--> statement-breakpoint
CREATE TABLE `subprocessors` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`purpose_fr` text NOT NULL,
	`purpose_en` text NOT NULL,
	`data_categories` text NOT NULL,
	`location` text NOT NULL,
	`transfer_mechanism` text NOT NULL,
	`provider_key` text,
	`announced_at` integer NOT NULL,
	`effective_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `subprocessors_effective_idx` ON `subprocessors` (`effective_at`);