CREATE TABLE `dead_letters` (
	`id` text PRIMARY KEY NOT NULL,
	`queue` text NOT NULL,
	`body` text NOT NULL,
	`attempts` integer NOT NULL,
	`created_at` integer NOT NULL,
	`replayed_at` integer,
	`replayed_by` text
);
--> statement-breakpoint
CREATE INDEX `dead_letters_created_idx` ON `dead_letters` (`replayed_at`,`created_at`);--> statement-breakpoint
CREATE TABLE `abuse_events` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`kind` text NOT NULL,
	`count` integer DEFAULT 1 NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `abuse_events_idx` ON `abuse_events` (`tenant_id`,`kind`,`at`);--> statement-breakpoint
CREATE TABLE `abuse_settings` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`thresholds` text NOT NULL,
	`window_minutes` integer DEFAULT 60 NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `api_key_networks` (
	`key_id` text NOT NULL,
	`network` text NOT NULL,
	`tenant_id` text NOT NULL,
	`first_seen_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_key_networks_idx` ON `api_key_networks` (`key_id`,`network`);--> statement-breakpoint
CREATE TABLE `breach_notifications` (
	`id` text PRIMARY KEY NOT NULL,
	`breach_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`recipients` integer NOT NULL,
	`notified_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `breach_notifications_idx` ON `breach_notifications` (`breach_id`,`tenant_id`);--> statement-breakpoint
CREATE INDEX `breach_notifications_tenant_idx` ON `breach_notifications` (`tenant_id`,`notified_at`);--> statement-breakpoint
CREATE TABLE `breaches` (
	`id` text PRIMARY KEY NOT NULL,
	`title` text NOT NULL,
	`description` text NOT NULL,
	`occurred_at` integer NOT NULL,
	`discovered_at` integer NOT NULL,
	`data_categories` text NOT NULL,
	`approx_subjects` integer,
	`approx_records` integer,
	`consequences` text NOT NULL,
	`measures` text NOT NULL,
	`contact` text NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `security_alerts` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`kind` text NOT NULL,
	`dedupe_key` text NOT NULL,
	`detail` text NOT NULL,
	`created_at` integer NOT NULL,
	`acknowledged_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `security_alerts_dedupe_idx` ON `security_alerts` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `security_alerts_tenant_idx` ON `security_alerts` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `sso_configs` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`provider` text NOT NULL,
	`issuer` text NOT NULL,
	`client_id` text NOT NULL,
	`client_secret_enc` text,
	`domain` text NOT NULL,
	`verification_token` text NOT NULL,
	`domain_verified_at` integer,
	`default_role` text DEFAULT 'viewer' NOT NULL,
	`enabled` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sso_configs_domain_idx` ON `sso_configs` (`domain`);--> statement-breakpoint
CREATE TABLE `sso_states` (
	`state_hash` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`code_verifier` text NOT NULL,
	`nonce` text NOT NULL,
	`next` text DEFAULT '/' NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `support_access_log` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`grant_id` text NOT NULL,
	`ticket_id` text NOT NULL,
	`operator_id` text NOT NULL,
	`operator_name` text NOT NULL,
	`call_id` text,
	`what` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `support_access_log_grant_idx` ON `support_access_log` (`grant_id`,`at`);--> statement-breakpoint
CREATE INDEX `support_access_log_tenant_idx` ON `support_access_log` (`tenant_id`,`at`);--> statement-breakpoint
CREATE TABLE `support_grants` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`ticket_id` text NOT NULL,
	`scope` text NOT NULL,
	`call_ids` text DEFAULT '[]' NOT NULL,
	`include_recordings` integer DEFAULT false NOT NULL,
	`granted_by` text NOT NULL,
	`expires_at` integer NOT NULL,
	`revoked_at` integer,
	`revoked_by` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `support_grants_ticket_idx` ON `support_grants` (`ticket_id`,`expires_at`);--> statement-breakpoint
CREATE INDEX `support_grants_tenant_idx` ON `support_grants` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `support_messages` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`ticket_id` text NOT NULL,
	`author_type` text NOT NULL,
	`author_id` text NOT NULL,
	`author_name` text NOT NULL,
	`body` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `support_messages_ticket_idx` ON `support_messages` (`ticket_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `support_tickets` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`subject` text NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`priority` text DEFAULT 'normal' NOT NULL,
	`created_by_type` text NOT NULL,
	`created_by` text NOT NULL,
	`assigned_operator_id` text,
	`last_message_at` integer NOT NULL,
	`last_author_type` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `support_tickets_tenant_idx` ON `support_tickets` (`tenant_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `support_tickets_queue_idx` ON `support_tickets` (`status`,`last_message_at`);