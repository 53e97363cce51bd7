export * from "./admin";
export * from "./audit";
export * from "./certificates";
export * from "./settings";
