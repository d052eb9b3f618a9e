DROP INDEX `calls_tenant_agent_idx`;--> statement-breakpoint
DROP INDEX `calls_tenant_team_idx`;--> statement-breakpoint
DROP INDEX `calls_tenant_status_idx`;--> statement-breakpoint
CREATE INDEX `calls_tenant_agent_started_idx` ON `calls` (`tenant_id`,`agent_id`,`started_at`,`id`);--> statement-breakpoint
CREATE INDEX `calls_tenant_team_started_idx` ON `calls` (`tenant_id`,`team`,`started_at`,`id`);--> statement-breakpoint
CREATE INDEX `calls_tenant_status_started_idx` ON `calls` (`tenant_id`,`status`,`started_at`,`id`);