export * from "./apiKeys";
export * from "./jobs";
export * from "./logs";
export * from "./policies";
export * from "./sessions";
export * from "./tenants";
export * from "./users";
export * from "./webhooks";
