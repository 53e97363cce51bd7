// @citadel/protocol: the builder <-> services wire format. Builders open every connection (HTTPS JSON).

export * from "./job-spec";
export * from "./join-token";
export * from "./messages";
