CREATE TABLE `import_items` (
	`tenant_id` text NOT NULL,
	`import_id` text NOT NULL,
	`seq` integer NOT NULL,
	`item` text NOT NULL,
	`result` text NOT NULL,
	`source` text,
	`external_id` text,
	`call_id` text,
	`call_status` text,
	`error` text,
	PRIMARY KEY(`import_id`, `seq`)
);
--> statement-breakpoint
CREATE INDEX `import_items_result_idx` ON `import_items` (`import_id`,`result`,`seq`);--> statement-breakpoint
CREATE INDEX `import_items_tenant_idx` ON `import_items` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `imports` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`job_id` text NOT NULL,
	`status` text NOT NULL,
	`format` text NOT NULL,
	`upload_id` text,
	`name` text,
	`object_key` text NOT NULL,
	`size` integer NOT NULL,
	`total` integer,
	`processed` integer DEFAULT 0 NOT NULL,
	`created` integer DEFAULT 0 NOT NULL,
	`existing` integer DEFAULT 0 NOT NULL,
	`errors` integer DEFAULT 0 NOT NULL,
	`error` text,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE INDEX `imports_tenant_created_idx` ON `imports` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `imports_finished_idx` ON `imports` (`finished_at`);--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_recording_uploads` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`purpose` text DEFAULT 'recording' NOT NULL,
	`call_id` text,
	`r2_upload_id` text NOT NULL,
	`object_key` text NOT NULL,
	`status` text NOT NULL,
	`size` integer,
	`part_size` integer,
	`created_at` integer NOT NULL,
	`expires_at` integer
);
--> statement-breakpoint
INSERT INTO `__new_recording_uploads`("id", "tenant_id", "purpose", "call_id", "r2_upload_id", "object_key", "status", "size", "part_size", "created_at", "expires_at") SELECT "id", "tenant_id", 'recording', "call_id", "r2_upload_id", "object_key", "status", NULL, NULL, "created_at", "created_at" + 86400000 FROM `recording_uploads`;--> statement-breakpoint
DROP TABLE `recording_uploads`;--> statement-breakpoint
ALTER TABLE `__new_recording_uploads` RENAME TO `recording_uploads`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `rec_uploads_call_idx` ON `recording_uploads` (`tenant_id`,`call_id`);--> statement-breakpoint
CREATE INDEX `rec_uploads_open_idx` ON `recording_uploads` (`status`,`expires_at`);--> statement-breakpoint
CREATE INDEX `calls_tenant_create_hash_idx` ON `calls` (`tenant_id`,`create_hash`);
