ALTER TABLE `privacy_restrictions` ADD `subject_enc` text;--> statement-breakpoint
ALTER TABLE `privacy_suppressions` ADD `phone_enc` text;--> statement-breakpoint
-- Backfill (hand-written): entries made before the column take the number from one of the
-- person's calls (same key and tenant binding), so they too can be re-keyed by a restore.
UPDATE `privacy_suppressions` SET `phone_enc` = (
  SELECT c.`phone_enc` FROM `calls` c
  WHERE c.`tenant_id` = `privacy_suppressions`.`tenant_id` AND c.`phone_hash` = `privacy_suppressions`.`phone_hash`
    AND c.`phone_enc` IS NOT NULL LIMIT 1
) WHERE `phone_enc` IS NULL;--> statement-breakpoint
UPDATE `privacy_restrictions` SET `subject_enc` = (
  SELECT c.`phone_enc` FROM `calls` c
  WHERE c.`tenant_id` = `privacy_restrictions`.`tenant_id` AND c.`phone_hash` = `privacy_restrictions`.`subject_ref`
    AND c.`phone_enc` IS NOT NULL LIMIT 1
) WHERE `subject_type` = 'caller' AND `subject_enc` IS NULL;
