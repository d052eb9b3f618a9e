/**
 * Every durable job kind registers its step handler here (imported once by the queue consumer
 * and by tests that drive jobs). One import per feature; each module calls registerJobHandler.
 */
import "../core/retention-purge";
import "../core/location-migration";
import "../core/contract-end";
import "../core/stats/build";
import "../core/privacy/jobs";
import "../core/backup";
import "../core/calls/import-job";
