import type Docker from "dockerode";
import { InfrastructureError } from "../../errors";
import { execPlain } from "./plain-exec";

/** Expands a leading `~` to the container user's home and, when asked, creates the directory. */
const RESOLVE = [
  'case "$1" in',
  '  "~") p=$HOME ;;',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a JS template
  '  "~/"*) p=$HOME/${1#"~/"} ;;',
  "  *) p=$1 ;;",
  "esac",
  'if [ "$2" = create ]; then mkdir -p -- "$p" || exit 1; fi',
  "printf '%s' \"$p\"",
].join("\n");

/** The absolute path the engine's archive API needs for a path as a job writes it (`~/project`). */
export async function containerPath(container: Docker.Container, path: string, create: boolean): Promise<string> {
  if (path.startsWith("/") && !create) return path;
  const resolved = await execPlain(container, ["/bin/sh", "-c", RESOLVE, "citadel-path", path, create ? "create" : ""]);
  if (resolved.exitCode !== 0 || !resolved.output.startsWith("/")) {
    throw new InfrastructureError(
      `Could not ${create ? "create" : "find"} ${path} in the job's container: ${resolved.output.trim()}`,
    );
  }
  return resolved.output;
}
