ALTER TABLE `calls` ADD `evaluated_weight_pct` real;--> statement-breakpoint
ALTER TABLE `calls` ADD `uncertain_count` integer;