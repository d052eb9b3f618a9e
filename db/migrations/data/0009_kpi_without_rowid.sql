-- Hand-written (drizzle cannot express WITHOUT ROWID): the KPI rollups are looked up only by
-- their primary key, so they are stored as that key's b-tree alone — half the bytes of a rowid
-- table plus its automatic primary-key index (P8). Rollups are derived data: the rebuild marks
-- every day that holds a call dirty, so nothing is lost by recreating the tables.
DROP TABLE `kpi_daily`;--> statement-breakpoint
CREATE TABLE `kpi_daily` (
	`tenant_id` text NOT NULL,
	`dim` text NOT NULL,
	`value` text NOT NULL,
	`day` text NOT NULL,
	`calls` integer NOT NULL,
	`analysed` integer NOT NULL,
	`score_sum` real NOT NULL,
	`score_n` integer NOT NULL,
	`passed_n` integer NOT NULL,
	`pass_n` integer NOT NULL,
	`critical` integer NOT NULL,
	`duration_sum` real NOT NULL,
	`duration_n` integer NOT NULL,
	`silence_sum` real NOT NULL,
	`silence_n` integer NOT NULL,
	`sentiment_sum` real NOT NULL,
	`sentiment_n` integer NOT NULL,
	`reviewed_sum` real NOT NULL,
	`reviewed_n` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `dim`, `value`, `day`)
) WITHOUT ROWID;--> statement-breakpoint
DROP TABLE `kpi_daily_labels`;--> statement-breakpoint
CREATE TABLE `kpi_daily_labels` (
	`tenant_id` text NOT NULL,
	`dim` text NOT NULL,
	`value` text NOT NULL,
	`day` text NOT NULL,
	`kind` text NOT NULL,
	`label` text NOT NULL,
	`n` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `dim`, `value`, `day`, `kind`, `label`)
) WITHOUT ROWID;--> statement-breakpoint
INSERT OR IGNORE INTO `kpi_dirty` (`tenant_id`, `day`, `marked_at`)
	SELECT DISTINCT `tenant_id`, date(`started_at` / 1000 + o, 'unixepoch'), 0 FROM `calls`,
	(SELECT -86400 AS o UNION ALL SELECT 0 UNION ALL SELECT 86400);
