ALTER TABLE `calls` ADD `import_key` text;--> statement-breakpoint
CREATE UNIQUE INDEX `calls_tenant_import_key_idx` ON `calls` (`tenant_id`,`import_key`);