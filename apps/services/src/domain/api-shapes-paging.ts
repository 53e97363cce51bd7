import { badRequest } from "../http/errors";

/** CircleCI lists answer 20 items a page unless asked otherwise. */
const PAGE_SIZE = 20;

export interface Page {
  offset: number;
  limit: number;
}

export interface PagedList<T> {
  items: T[];
  next_page_token: string | null;
}

/**
 * The page a request asks for through CircleCI's opaque `page-token` (ours encodes an offset).
 * Callers fetch `limit + 1` rows so pagedList can tell whether another page follows.
 */
export function requestedPage(url: URL): Page {
  const token = url.searchParams.get("page-token");
  if (!token) return { offset: 0, limit: PAGE_SIZE };
  let offset: unknown;
  try {
    offset = (JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { o?: unknown }).o;
  } catch {
    throw badRequest("Invalid page-token.");
  }
  if (!Number.isSafeInteger(offset) || (offset as number) < 0) throw badRequest("Invalid page-token.");
  return { offset: offset as number, limit: PAGE_SIZE };
}

export function pagedList<Row, T>(rows: Row[], page: Page, shape: (row: Row) => T): PagedList<T> {
  const more = rows.length > page.limit;
  return {
    items: rows.slice(0, page.limit).map(shape),
    next_page_token: more ? Buffer.from(JSON.stringify({ o: page.offset + page.limit })).toString("base64url") : null,
  };
}

/** For lists read whole (a workflow's jobs, a project's variables): the page is cut in memory. */
export function pageOfAll<Row, T>(rows: Row[], page: Page, shape: (row: Row) => T): PagedList<T> {
  return pagedList(rows.slice(page.offset, page.offset + page.limit + 1), page, shape);
}
