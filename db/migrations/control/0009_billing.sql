CREATE TABLE `billing_accounts` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`plan` text NOT NULL,
	`plan_source` text DEFAULT 'default' NOT NULL,
	`over_quota` text DEFAULT 'hold' NOT NULL,
	`stripe_customer_id` text,
	`subscription_id` text,
	`subscription_status` text,
	`subscription_created_at` integer,
	`cancel_at_period_end` integer DEFAULT false NOT NULL,
	`period_start` integer,
	`period_end` integer,
	`card_brand` text,
	`card_last4` text,
	`contact_name` text,
	`contact_email` text,
	`contact_address` text,
	`quota_held_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `billing_accounts_customer_idx` ON `billing_accounts` (`stripe_customer_id`);--> statement-breakpoint
CREATE TABLE `billing_invoices` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`number` text,
	`status` text NOT NULL,
	`currency` text NOT NULL,
	`total` integer NOT NULL,
	`amount_due` integer NOT NULL,
	`amount_paid` integer NOT NULL,
	`period_start` integer,
	`period_end` integer,
	`hosted_invoice_url` text,
	`invoice_pdf` text,
	`subscription_id` text,
	`created_at` integer NOT NULL,
	`event_created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `billing_invoices_tenant_idx` ON `billing_invoices` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `billing_stripe_events` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`tenant_id` text,
	`created_at` integer NOT NULL,
	`received_at` integer NOT NULL,
	`processed_at` integer,
	`outcome` text
);
--> statement-breakpoint
CREATE INDEX `billing_stripe_events_received_idx` ON `billing_stripe_events` (`received_at`);--> statement-breakpoint
CREATE TABLE `billing_subscription_history` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`source` text NOT NULL,
	`plan` text NOT NULL,
	`subscription_id` text,
	`status` text,
	`cancel_at_period_end` integer DEFAULT false NOT NULL,
	`period_start` integer,
	`period_end` integer,
	`stripe_event_id` text,
	`operator_id` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `billing_subscription_history_tenant_idx` ON `billing_subscription_history` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `billing_subscription_history_event_idx` ON `billing_subscription_history` (`stripe_event_id`);--> statement-breakpoint
CREATE TABLE `billing_usage` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`usage_key` text NOT NULL,
	`seconds` integer NOT NULL,
	`minutes` integer NOT NULL,
	`occurred_at` integer NOT NULL,
	`period_start` integer NOT NULL,
	`period_end` integer NOT NULL,
	`meter_status` text NOT NULL,
	`meter_error` text,
	`meter_sent_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `billing_usage_key_idx` ON `billing_usage` (`usage_key`);--> statement-breakpoint
CREATE INDEX `billing_usage_tenant_period_idx` ON `billing_usage` (`tenant_id`,`period_start`);