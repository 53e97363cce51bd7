/**
 * How a step runs inside the primary container. `docker exec` offers no way to stop what it started, so
 * each step goes through a tiny POSIX sh wrapper. The engine starts every exec'd process as the leader of
 * a new session and process group; the wrapper records its pid (= that group's id), writes the command
 * to a script file, enters the working directory (created when missing, `~` = $HOME) and then execs the
 * shell on the script, keeping its pid. Stopping the step kills the whole group: the shell and everything
 * it started that did not leave the group on purpose (daemons that call setsid survive until the job's
 * containers are removed).
 *
 * The wrapper uses no shell variables, so nothing in the step's environment is overwritten.
 * Arguments: $1 script path, $2 pid file, $3 working directory ("" = the user's default), $4 the command,
 * then the shell argv.
 */
export const STEP_WRAPPER = [
  'echo $$ > "$2" || exit 125',
  '(umask 077 && printf "%s\\n" "$4" > "$1") || exit 125',
  'case "$3" in',
  '  "") ;;',
  '  "~") cd || exit 1 ;;',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a JS template
  '  "~/"*) mkdir -p -- "$HOME/${3#"~/"}" && cd -- "$HOME/${3#"~/"}" || { echo "citadel: cannot enter working directory $3" >&2; exit 1; } ;;',
  '  *) mkdir -p -- "$3" && cd -- "$3" || { echo "citadel: cannot enter working directory $3" >&2; exit 1; } ;;',
  "esac",
  'set -- "$@" "$1"',
  "shift 4",
  'exec "$@"',
].join("\n");

/** Kills the process group whose id is in the pid file ($1); run as the step's user. */
export const STEP_KILLER = 'read p < "$1" && kill -9 -"$p"';

export function stepPaths(stepId: string): { script: string; pidFile: string } {
  return { script: `/tmp/.citadel-step-${stepId}.sh`, pidFile: `/tmp/.citadel-step-${stepId}.pid` };
}
