CREATE TABLE `calls` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`external_id` text,
	`create_hash` text NOT NULL,
	`status` text NOT NULL,
	`hold_reason` text,
	`failure_reason` text,
	`direction` text,
	`started_at` integer NOT NULL,
	`duration_s` real,
	`agent_id` text,
	`team` text,
	`queue` text,
	`campaign` text,
	`language` text,
	`phone_hash` text,
	`phone_enc` text,
	`phone_masked` text,
	`tags` text,
	`rubric_id` text,
	`rec_key` text,
	`rec_status` text DEFAULT 'none' NOT NULL,
	`rec_format` text,
	`rec_mime` text,
	`rec_size` integer,
	`rec_sha256` text,
	`rec_duration_s` real,
	`rec_uploaded_at` integer,
	`tx_format` text,
	`tx_segments` integer,
	`tx_words` integer,
	`tx_redactions` text,
	`fts_id` integer,
	`score` real,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `calls_tenant_external_idx` ON `calls` (`tenant_id`,`external_id`);--> statement-breakpoint
CREATE INDEX `calls_tenant_started_idx` ON `calls` (`tenant_id`,`started_at`,`id`);--> statement-breakpoint
CREATE INDEX `calls_tenant_agent_idx` ON `calls` (`tenant_id`,`agent_id`,`started_at`);--> statement-breakpoint
CREATE INDEX `calls_tenant_team_idx` ON `calls` (`tenant_id`,`team`,`started_at`);--> statement-breakpoint
CREATE INDEX `calls_tenant_status_idx` ON `calls` (`tenant_id`,`status`,`started_at`);--> statement-breakpoint
CREATE INDEX `calls_tenant_phone_idx` ON `calls` (`tenant_id`,`phone_hash`);--> statement-breakpoint
CREATE UNIQUE INDEX `calls_fts_id_idx` ON `calls` (`fts_id`);--> statement-breakpoint
CREATE TABLE `recording_upload_parts` (
	`upload_id` text NOT NULL,
	`part_number` integer NOT NULL,
	`etag` text NOT NULL,
	`size` integer NOT NULL,
	`sha256` text NOT NULL,
	`head` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `rec_upload_parts_pk` ON `recording_upload_parts` (`upload_id`,`part_number`);--> statement-breakpoint
CREATE TABLE `recording_uploads` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`call_id` text NOT NULL,
	`r2_upload_id` text NOT NULL,
	`object_key` text NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `rec_uploads_call_idx` ON `recording_uploads` (`tenant_id`,`call_id`);--> statement-breakpoint
-- Full-text search over redacted transcripts (B6). Contentless (the text lives in R2) and
-- detail=none (no positions) to stay within the P8 byte budget; rowid = calls.fts_id.
CREATE VIRTUAL TABLE `calls_fts` USING fts5(body, content='', contentless_delete=1, detail=none, tokenize='unicode61 remove_diacritics 2');
