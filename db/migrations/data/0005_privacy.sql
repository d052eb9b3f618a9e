CREATE TABLE `privacy_restrictions` (
	`tenant_id` text NOT NULL,
	`subject_type` text NOT NULL,
	`subject_ref` text NOT NULL,
	`kind` text NOT NULL,
	`request_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `subject_type`, `subject_ref`, `kind`)
);
--> statement-breakpoint
CREATE TABLE `privacy_suppressions` (
	`tenant_id` text NOT NULL,
	`phone_hash` text NOT NULL,
	`reason` text NOT NULL,
	`request_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `phone_hash`, `reason`)
);
