/**
 * Every durable job kind registers its step handler here (imported once by the queue consumer
 * and by tests that drive jobs). One import per feature; each module calls registerJobHandler.
 * The end of a long job is told to whoever started it (an in-app notice).
 */
import { onJobEnded } from "../core/platform/jobs";
import { notifyJobEnded } from "../core/platform/notices";
import "../core/governance/retention-purge";
import "../core/governance/location-migration";
import "../core/governance/contract-end";
import "../core/insights/stats/build";
import "../core/privacy/jobs";
import "../core/governance/backup";
import "../core/calls/import-job";

onJobEnded(notifyJobEnded);
