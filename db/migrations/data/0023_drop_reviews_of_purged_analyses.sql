-- Data migration (review of retention), hand-written: until now the retention purge's analyses
-- phase deleted a call's analyses but left its reviews (pointing at the removed analysis_id), its
-- review-queue item, its calibration rows and the reviewed score on the call. Reviews are the same
-- retention category as the analyses they judge (SPEC F1) and go with them from now on; what
-- earlier runs left behind goes here.
DELETE FROM `reviews` WHERE NOT EXISTS (
  SELECT 1 FROM `analyses` a WHERE a.`tenant_id` = `reviews`.`tenant_id` AND a.`id` = `reviews`.`analysis_id`
);
--> statement-breakpoint
DELETE FROM `review_queue` WHERE EXISTS (
  SELECT 1 FROM `calls` c WHERE c.`tenant_id` = `review_queue`.`tenant_id` AND c.`id` = `review_queue`.`call_id`
    AND c.`analysis_id` IS NULL AND c.`an_purged_at` IS NOT NULL
);
--> statement-breakpoint
DELETE FROM `calibration_answers` WHERE EXISTS (
  SELECT 1 FROM `calls` c WHERE c.`tenant_id` = `calibration_answers`.`tenant_id` AND c.`id` = `calibration_answers`.`call_id`
    AND c.`analysis_id` IS NULL AND c.`an_purged_at` IS NOT NULL
);
--> statement-breakpoint
DELETE FROM `calibration_calls` WHERE EXISTS (
  SELECT 1 FROM `calls` c WHERE c.`tenant_id` = `calibration_calls`.`tenant_id` AND c.`id` = `calibration_calls`.`call_id`
    AND c.`analysis_id` IS NULL AND c.`an_purged_at` IS NOT NULL
);
--> statement-breakpoint
UPDATE `calls` SET `reviewed_score` = NULL WHERE `reviewed_score` IS NOT NULL AND NOT EXISTS (
  SELECT 1 FROM `reviews` r WHERE r.`tenant_id` = `calls`.`tenant_id` AND r.`call_id` = `calls`.`id`
);
