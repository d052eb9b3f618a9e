/**
 * Every durable job kind registers its step handler here (imported once by the queue consumer
 * and by tests that drive jobs). One import per feature; each module calls registerJobHandler.
 */
import "../core/governance/retention-purge";
import "../core/governance/location-migration";
import "../core/governance/contract-end";
import "../core/insights/stats/build";
import "../core/privacy/jobs";
import "../core/governance/backup";
