export * from "./agents";
export * from "./calls";
export * from "./tenantMeta";
export * from "./analyses";
