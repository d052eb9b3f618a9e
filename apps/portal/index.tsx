import type { Hono } from "hono";
import { registerStatic } from "../public/static";
import type { AppEnv } from "../types";
import { registerAccount } from "./pages/account";
import { registerAgents } from "./pages/agents";
import { registerApiKeys } from "./pages/apikeys";
import { registerAudit } from "./pages/audit";
import { registerBenchmarks } from "./pages/benchmarks";
import { registerBilling } from "./pages/billing";
import { registerCalibrationPages } from "./pages/calibration";
import { registerCalls } from "./pages/calls";
import { registerDashboard } from "./pages/dashboard";
import { registerGovernance } from "./pages/governance";
import { registerImportPages } from "./pages/imports";
import { registerMembers } from "./pages/members";
import { registerNotices } from "./pages/notices";
import { registerPrivacy } from "./pages/privacy";
import { registerProcessing } from "./pages/processing";
import { registerRecordingNotices } from "./pages/recording-notices";
import { registerReportPages } from "./pages/reports";
import { registerReviewQueuePage } from "./pages/review-queue";
import { registerRubrics } from "./pages/rubrics/routes";
import { registerSecurityPage } from "./pages/security";
import { registerSettings } from "./pages/settings";
import { registerSupport } from "./pages/support";
import { registerWebhookPages } from "./pages/webhooks";

/** Signed-in pages: account, members, API keys, settings, audit (D6). Each route names its rule. */
export function registerPortal(app: Hono<AppEnv>) {
  registerAccount(app);
  registerMembers(app);
  registerApiKeys(app);
  registerSettings(app);
  registerNotices(app);
  registerGovernance(app);
  registerDashboard(app);
  registerReportPages(app);
  registerReviewQueuePage(app);
  registerCalibrationPages(app);
  registerAudit(app);
  registerCalls(app);
  registerImportPages(app);
  registerBenchmarks(app);
  registerPrivacy(app);
  registerRecordingNotices(app);
  registerRubrics(app);
  registerAgents(app);
  registerWebhookPages(app);
  registerProcessing(app);
  registerBilling(app);
  registerSupport(app);
  registerSecurityPage(app);
  registerStatic(app); // the portal's scripts (/static/*.js, public)
}
