import type { Sql, TransactionSql } from "postgres";
import type { TableInfo } from "./format";

/** The migrator's own bookkeeping: the manifest carries the migration instead, restore rewrites it. */
export const MIGRATIONS_TABLE = "citadel_migrations";

type Query = Sql | TransactionSql;

/**
 * Every base table of the public schema with its writable columns, parents before children
 * (foreign keys), read from the catalog so new tables and columns are backed up without code changes.
 */
export async function listTables(sql: Query): Promise<TableInfo[]> {
  const columns = await sql<{ table_name: string; column_name: string }[]>`
    select c.table_name, c.column_name
    from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = 'public' and t.table_type = 'BASE TABLE' and c.is_generated = 'NEVER'
      and c.table_name <> ${MIGRATIONS_TABLE}
    order by c.table_name, c.ordinal_position`;
  const byTable = new Map<string, string[]>();
  for (const row of columns) {
    const list = byTable.get(row.table_name) ?? [];
    list.push(row.column_name);
    byTable.set(row.table_name, list);
  }
  const edges = await sql<{ child: string; parent: string }[]>`
    select distinct child.relname as child, parent.relname as parent
    from pg_constraint con
    join pg_class child on child.oid = con.conrelid
    join pg_class parent on parent.oid = con.confrelid
    join pg_namespace n on n.oid = child.relnamespace
    where con.contype = 'f' and n.nspname = 'public' and child.relname <> parent.relname`;
  return foreignKeyOrder([...byTable.keys()], edges).map((name) => ({ name, columns: byTable.get(name) ?? [] }));
}

/** Topological order (parents first, then by name); a cycle, should one appear, keeps name order for its members. */
export function foreignKeyOrder(tables: string[], edges: { child: string; parent: string }[]): string[] {
  const parents = new Map(tables.map((t) => [t, new Set<string>()]));
  for (const { child, parent } of edges) if (parents.has(parent)) parents.get(child)?.add(parent);
  const ordered: string[] = [];
  const done = new Set<string>();
  const remaining = [...tables].sort();
  while (remaining.length > 0) {
    const ready = remaining.find((t) => [...(parents.get(t) ?? [])].every((p) => done.has(p))) ?? (remaining[0] as string);
    ordered.push(ready);
    done.add(ready);
    remaining.splice(remaining.indexOf(ready), 1);
  }
  return ordered;
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function columnList(columns: string[]): string {
  return columns.map(quoteIdent).join(", ");
}
