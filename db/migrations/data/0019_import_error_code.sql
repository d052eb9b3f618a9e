ALTER TABLE `imports` ADD `error_code` text;--> statement-breakpoint
ALTER TABLE `imports` ADD `error_params` text;