// Projects: slugs, deploy keys, webhook secrets and the project rows. Shared by the services box and
// the `citadel project` CLI (apps never import each other).
export * from "./hook-script";
export * from "./keys";
export * from "./repository";
export * from "./slug";
export * from "./ssh-keys";
