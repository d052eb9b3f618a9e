-- Data migration (review of privacy, reviews go with their call), hand-written: until now deleting
-- a call (API, privacy erasure, retention purge) left its reviews (with overrides, comments,
-- dispute and resolution) and its review-queue item behind. They judge a call that is gone and
-- must go as the call did; from now on the deletions remove them in the call's batch.
DELETE FROM `reviews` WHERE NOT EXISTS (
  SELECT 1 FROM `calls` c WHERE c.`tenant_id` = `reviews`.`tenant_id` AND c.`id` = `reviews`.`call_id`
);
--> statement-breakpoint
DELETE FROM `review_queue` WHERE NOT EXISTS (
  SELECT 1 FROM `calls` c WHERE c.`tenant_id` = `review_queue`.`tenant_id` AND c.`id` = `review_queue`.`call_id`
);
