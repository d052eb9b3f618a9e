ALTER TABLE `sessions` ADD `sso_confirm_by` integer;--> statement-breakpoint
ALTER TABLE `memberships` ADD `sso_issuer` text;--> statement-breakpoint
ALTER TABLE `memberships` ADD `sso_subject` text;--> statement-breakpoint
ALTER TABLE `memberships` ADD `sso_refresh_token_enc` text;--> statement-breakpoint
ALTER TABLE `memberships` ADD `sso_confirmed_at` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `memberships_sso_identity_idx` ON `memberships` (`tenant_id`,`sso_issuer`,`sso_subject`);