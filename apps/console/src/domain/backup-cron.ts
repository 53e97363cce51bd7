/**
 * Five-field cron (minute hour day-of-month month day-of-week) with `*`, lists, ranges and
 * steps — all a backup schedule needs, so no dependency. Evaluated in UTC.
 */
const FIELDS = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12 },
  { name: "day of week", min: 0, max: 7 },
] as const;

export class CronError extends Error {
  override name = "CronError";
}

export interface Cron {
  matches(at: Date): boolean;
  /** The first whole minute after `from` that matches. */
  next(from: Date): Date;
}

export function parseCron(expression: string): Cron {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) throw new CronError("a cron expression has five fields: minute hour day-of-month month day-of-week");
  const sets = parts.map((part, index) => parseField(part, FIELDS[index] as (typeof FIELDS)[number]));
  const [minutes, hours, days, months, weekdays] = sets as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  if (weekdays.has(7)) weekdays.add(0);
  const matches = (at: Date) =>
    minutes.has(at.getUTCMinutes()) &&
    hours.has(at.getUTCHours()) &&
    days.has(at.getUTCDate()) &&
    months.has(at.getUTCMonth() + 1) &&
    weekdays.has(at.getUTCDay());
  return {
    matches,
    next(from) {
      const at = new Date(Math.floor(from.getTime() / 60_000) * 60_000 + 60_000);
      // A year and a bit of minutes covers every satisfiable expression (Feb 29 aside).
      for (let i = 0; i < 60 * 24 * 400; i++, at.setTime(at.getTime() + 60_000)) if (matches(at)) return new Date(at);
      throw new CronError(`the cron expression ${expression} never matches`);
    },
  };
}

function parseField(part: string, field: (typeof FIELDS)[number]): Set<number> {
  const values = new Set<number>();
  for (const item of part.split(",")) {
    const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(item);
    if (!match) throw new CronError(`the ${field.name} field "${part}" is not valid cron`);
    const step = match[4] ? Number(match[4]) : 1;
    const from = match[1] === "*" ? field.min : Number(match[2]);
    const to = match[1] === "*" ? field.max : match[3] ? Number(match[3]) : match[4] ? field.max : from;
    if (from < field.min || to > field.max || from > to || step < 1) {
      throw new CronError(`the ${field.name} field "${part}" is out of range ${field.min}-${field.max}`);
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}
