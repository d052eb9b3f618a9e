ALTER TABLE `tenants` ADD `speech_provider` text DEFAULT 'none' NOT NULL;--> statement-breakpoint
ALTER TABLE `tenants` ADD `analysis_provider` text DEFAULT 'builtin' NOT NULL;--> statement-breakpoint
ALTER TABLE `tenants` ADD `provider_keys_enc` text;