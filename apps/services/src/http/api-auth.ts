import type { IncomingMessage } from "node:http";
import { userForApiToken } from "@citadel/db";
import type { ServicesContext } from "../app-context";
import { unauthorized } from "./errors";

/** The token of a request, as CircleCI accepts it: the `Circle-Token` header or Basic auth with the token as user. */
function presentedToken(req: IncomingMessage): string | null {
  const header = req.headers["circle-token"];
  if (typeof header === "string" && header.trim() !== "") return header.trim();
  const authorization = req.headers.authorization;
  if (authorization?.toLowerCase().startsWith("basic ")) {
    const decoded = Buffer.from(authorization.slice(6).trim(), "base64").toString("utf8");
    const user = decoded.split(":")[0]?.trim();
    if (user) return user;
  }
  return null;
}

/** The user behind the request's API token; 401 `You must log in first.` otherwise (missing or unknown token alike). */
export async function requireUser(
  ctx: ServicesContext,
  req: IncomingMessage,
): Promise<{ id: string; login: string; name: string }> {
  const token = presentedToken(req);
  // Tokens are bounded in size so a huge header costs one refusal, not a hash of megabytes.
  if (!token || token.length > 200) throw unauthorized();
  const user = await userForApiToken(ctx.db, token);
  if (!user) throw unauthorized();
  return user;
}
