/** A problem found in a config: where it is and a plain sentence saying what is wrong. */
export interface ConfigError {
  /** Dotted path into the source document, e.g. `jobs.build.steps[2].run`; empty for the whole file. */
  path: string;
  /** 1-based line of the offending node (or of its nearest located ancestor). */
  line: number;
  /** 1-based column. */
  column: number;
  message: string;
}

/** The outcome of every public operation: a value, or every problem found at once. Never thrown. */
export type Result<T> = { ok: true; value: T } | { ok: false; errors: ConfigError[] };

/** `path (line L, column C): message` — the one-line form the CLI prints. */
export function formatConfigError(error: ConfigError): string {
  const where = `(line ${error.line}, column ${error.column})`;
  return error.path ? `${error.path} ${where}: ${error.message}` : `${where.slice(1, -1)}: ${error.message}`;
}

export interface Position {
  line: number;
  column: number;
}

/** Positions of source nodes by path (`a.b[0].c`), recorded at parse time. */
export type PositionMap = ReadonlyMap<string, Position>;

/** Joins a path with a map key or a sequence index. */
export function child(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

function parentPath(path: string): string {
  const bracket = path.endsWith("]") ? path.lastIndexOf("[") : -1;
  const dot = path.lastIndexOf(".");
  return path.slice(0, Math.max(bracket, dot, 0));
}

/** Collects errors during one run; finds the nearest known position for each path. */
export class ErrorSink {
  readonly errors: ConfigError[] = [];
  private readonly seen = new Set<string>();

  constructor(
    private readonly positions: PositionMap,
    private readonly limit = 200,
  ) {}

  add(path: string, message: string): void {
    const key = `${path}\u0000${message}`;
    if (this.seen.has(key) || this.errors.length >= this.limit) return;
    this.seen.add(key);
    const { line, column } = this.locate(path);
    this.errors.push({ path, line, column, message });
  }

  get count(): number {
    return this.errors.length;
  }

  locate(path: string): Position {
    let current = path;
    for (;;) {
      const found = this.positions.get(current);
      if (found) return found;
      if (!current) return { line: 1, column: 1 };
      current = parentPath(current);
    }
  }

  result<T>(value: T): Result<T> {
    if (this.errors.length > 0) return { ok: false, errors: sortErrors(this.errors) };
    return { ok: true, value };
  }
}

export function sortErrors(errors: ConfigError[]): ConfigError[] {
  return [...errors].sort((a, b) => a.line - b.line || a.column - b.column || a.path.localeCompare(b.path));
}
