-- Data migration (issue 16 point 1), hand-written: parallel first analyses each created the
-- default grid ("general" template), leaving identical copies. Copies are rubrics made by the
-- system (version 1 by no one), never edited (one version), not archived; those of a tenant with
-- the same name and the same content merge into one survivor — the default one, else the
-- earliest. Analyses and calls that named a copy name the survivor (same version 1, same
-- content). Rubrics a person created or edited are never merged. The next migration adds the
-- unique index that keeps one default per tenant from now on.
CREATE TABLE `_rubric_merge` (`dup_id` text PRIMARY KEY NOT NULL, `keep_id` text NOT NULL);
--> statement-breakpoint
INSERT INTO `_rubric_merge` (`dup_id`, `keep_id`)
SELECT r.`id`, (
  SELECT s.`id` FROM `rubrics` s
  JOIN `rubric_versions` sv ON sv.`rubric_id` = s.`id` AND sv.`version` = 1
  WHERE s.`tenant_id` = r.`tenant_id` AND s.`name` = r.`name` AND s.`template_id` = 'general'
    AND s.`latest_version` = 1 AND s.`archived_at` IS NULL AND sv.`created_by` IS NULL
    AND sv.`content` = rv.`content`
  ORDER BY s.`is_default` DESC, s.`created_at` ASC, s.`id` ASC LIMIT 1)
FROM `rubrics` r
JOIN `rubric_versions` rv ON rv.`rubric_id` = r.`id` AND rv.`version` = 1
WHERE r.`template_id` = 'general' AND r.`latest_version` = 1 AND r.`archived_at` IS NULL
  AND rv.`created_by` IS NULL;
--> statement-breakpoint
DELETE FROM `_rubric_merge` WHERE `dup_id` = `keep_id`;
--> statement-breakpoint
UPDATE `analyses` SET `rubric_id` = (SELECT `keep_id` FROM `_rubric_merge` WHERE `dup_id` = `analyses`.`rubric_id`)
WHERE `rubric_id` IN (SELECT `dup_id` FROM `_rubric_merge`);
--> statement-breakpoint
UPDATE `calls` SET `rubric_id` = (SELECT `keep_id` FROM `_rubric_merge` WHERE `dup_id` = `calls`.`rubric_id`)
WHERE `rubric_id` IN (SELECT `dup_id` FROM `_rubric_merge`);
--> statement-breakpoint
DELETE FROM `rubric_versions` WHERE `rubric_id` IN (SELECT `dup_id` FROM `_rubric_merge`);
--> statement-breakpoint
DELETE FROM `rubrics` WHERE `id` IN (SELECT `dup_id` FROM `_rubric_merge`);
--> statement-breakpoint
DROP TABLE `_rubric_merge`;
--> statement-breakpoint
-- An archived rubric is no longer the default (the default is the live grid analyses use).
UPDATE `rubrics` SET `is_default` = 0 WHERE `archived_at` IS NOT NULL AND `is_default` = 1;
--> statement-breakpoint
-- Any tenant still with several defaults keeps the earliest, so the unique index can be built.
UPDATE `rubrics` SET `is_default` = 0
WHERE `is_default` = 1 AND EXISTS (
  SELECT 1 FROM `rubrics` o
  WHERE o.`tenant_id` = `rubrics`.`tenant_id` AND o.`is_default` = 1
    AND (o.`created_at` < `rubrics`.`created_at` OR (o.`created_at` = `rubrics`.`created_at` AND o.`id` < `rubrics`.`id`)));
