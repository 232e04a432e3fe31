//! The two migration sets are kept in step by hand, one per backend. This test migrates a fresh
//! SQLite and a fresh PostgreSQL database and compares what they built — tables, columns with
//! a normalised type and their nullability, primary keys and indexes — so a migration written
//! for one backend and forgotten (or written differently) for the other fails here, with the
//! lines only one side has.

use std::collections::BTreeSet;

use sqlx::{AnyPool, Row};

use crate::common::{fresh_store, Backend};

/// One fact of a schema as a readable line, such as `column tickets.subject text not null` or
/// `index tickets (status, updated_at)`. A schema is the set of its lines, so two schemas
/// compare by set difference and a drift reads as the lines one side lacks.
type Schema = BTreeSet<String>;

#[tokio::test]
async fn both_migration_sets_build_the_same_schema() {
    let sqlite = search_table_by_name_only(sqlite_schema(fresh_store(Backend::Sqlite).await.pool()).await);
    let postgres =
        search_table_by_name_only(postgres_schema(fresh_store(Backend::Postgres).await.pool()).await);
    assert!(sqlite.iter().any(|line| line.starts_with("table ")), "the SQLite schema was read: {sqlite:?}");
    let drift = difference(&sqlite, &postgres);
    assert!(drift.is_empty(), "the SQLite and PostgreSQL migrations build different schemas:\n{drift}");
}

/// The comparison sees what it is meant to see: a column, an index and a changed nullability
/// added on one side only are each reported.
#[tokio::test]
async fn the_schema_comparison_notices_a_drift() {
    let store = fresh_store(Backend::Sqlite).await;
    let before = sqlite_schema(store.pool()).await;
    for statement in [
        "ALTER TABLE tickets ADD COLUMN survey_score INTEGER",
        "CREATE UNIQUE INDEX tickets_by_subject ON tickets (subject, id)",
        "CREATE TABLE ticket_links (ticket_id INTEGER NOT NULL, url TEXT, PRIMARY KEY (ticket_id, url))",
    ] {
        sqlx::query(statement).execute(store.pool()).await.expect(statement);
    }
    // The changed schema stands in for the PostgreSQL side.
    let drift = difference(&before, &sqlite_schema(store.pool()).await);
    for expected in [
        "only in PostgreSQL: column tickets.survey_score integer null",
        "only in PostgreSQL: unique index tickets (subject, id)",
        "only in PostgreSQL: table ticket_links",
        "only in PostgreSQL: column ticket_links.url text null",
        "only in PostgreSQL: primary key ticket_links (ticket_id, url)",
    ] {
        assert!(drift.contains(expected), "{expected:?} not reported in:\n{drift}");
    }
}

/// The full-text search table is each database's own engine — an FTS5 virtual table with its
/// shadow tables on SQLite, a table of `tsvector`s with GIN indexes on PostgreSQL (see
/// `dialect.rs`) — so of it only its presence is compared.
fn search_table_by_name_only(schema: Schema) -> Schema {
    schema
        .into_iter()
        .filter(|line| line == "table ticket_search" || !line.contains(" ticket_search"))
        .collect()
}

/// The lines only one of the two schemas has, one a line, or nothing when they agree.
fn difference(sqlite: &Schema, postgres: &Schema) -> String {
    let only_sqlite = sqlite.difference(postgres).map(|line| format!("only in SQLite: {line}"));
    let only_postgres = postgres.difference(sqlite).map(|line| format!("only in PostgreSQL: {line}"));
    only_sqlite.chain(only_postgres).collect::<Vec<_>>().join("\n")
}

/// The type of a column in words both backends share. Each word names what a value of the
/// column can hold, so two columns with the same word accept and return the same values
/// through sqlx's `Any` driver; a type without an exact counterpart on the other backend keeps
/// its own name and so always shows as a difference.
///
/// SQLite decides a column's storage by the *affinity* of its declared type, following the
/// rules of <https://www.sqlite.org/datatype3.html#determination_of_column_affinity> in order:
/// - a declared type containing `INT` has INTEGER affinity and stores signed integers of up to
///   8 bytes, which is PostgreSQL's `bigint` — so both are `integer`;
/// - containing `CHAR`, `CLOB` or `TEXT`: TEXT affinity, strings of any length, which is
///   PostgreSQL's `text` (not `varchar(n)`, which limits the length) — so both are `text`;
/// - containing `BLOB`, or no declared type: BLOB affinity, bytes kept as given, which is
///   PostgreSQL's `bytea` — so both are `bytes`;
/// - containing `REAL`, `FLOA` or `DOUB`: REAL affinity, 8-byte IEEE floats, which is
///   PostgreSQL's `double precision` — so both are `real`;
/// - anything else has NUMERIC affinity, which converts values as it sees fit and matches no
///   PostgreSQL type.
fn sqlite_type(declared: &str) -> String {
    let declared = declared.to_uppercase();
    if declared.contains("INT") {
        "integer".into()
    } else if ["CHAR", "CLOB", "TEXT"].iter().any(|word| declared.contains(word)) {
        "text".into()
    } else if declared.contains("BLOB") || declared.is_empty() {
        "bytes".into()
    } else if ["REAL", "FLOA", "DOUB"].iter().any(|word| declared.contains(word)) {
        "real".into()
    } else {
        format!("SQLite numeric affinity ({declared})")
    }
}

/// PostgreSQL's names (`information_schema.columns.data_type`) in the words of `sqlite_type`.
/// Only the types with exactly SQLite's range map to a shared word: `integer` and `smallint`
/// hold less than SQLite's 8-byte integers, `real` less than its 8-byte floats, and
/// `character varying` may limit the length, so they keep their own names.
fn postgres_type(data_type: &str) -> String {
    match data_type {
        "bigint" => "integer".into(),
        "text" => "text".into(),
        "bytea" => "bytes".into(),
        "double precision" => "real".into(),
        other => format!("PostgreSQL {other}"),
    }
}

fn column_line(table: &str, column: &str, normalised_type: &str, nullable: bool) -> String {
    let null = if nullable { "null" } else { "not null" };
    format!("column {table}.{column} {normalised_type} {null}")
}

fn index_line(table: &str, columns: &[String], unique: bool, partial: bool) -> String {
    let kind = if unique { "unique index" } else { "index" };
    let partial = if partial { " (partial)" } else { "" };
    format!("{kind} {table} ({}){partial}", columns.join(", "))
}

async fn sqlite_schema(pool: &AnyPool) -> Schema {
    let mut schema = Schema::new();
    // `sqlite_%` tables are SQLite's own bookkeeping and `_sqlx_migrations` is sqlx's, not ours.
    let tables: Vec<String> = sqlx::query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .expect("list SQLite tables")
    .iter()
    .map(|row| row.get::<String, _>(0))
    .collect();
    // Views by name, as on PostgreSQL.
    let views = sqlx::query("SELECT name FROM sqlite_master WHERE type = 'view'")
        .fetch_all(pool)
        .await
        .expect("list SQLite views");
    for row in views {
        schema.insert(format!("view {}", row.get::<String, _>(0)));
    }
    for table in tables {
        schema.insert(format!("table {table}"));
        let columns =
            sqlx::query("SELECT name, type, \"notnull\", pk FROM pragma_table_info($1) ORDER BY cid")
                .bind(&table)
                .fetch_all(pool)
                .await
                .expect("read SQLite columns");
        let mut primary_key: Vec<(i64, String)> = Vec::new();
        for row in &columns {
            let name: String = row.get(0);
            let declared: String = row.get(1);
            let not_null: i64 = row.get(2);
            let key_position: i64 = row.get(3);
            // A lone `INTEGER PRIMARY KEY` is the row id, which can never be NULL (a NULL
            // inserted there becomes the next id), although SQLite reports it as nullable.
            let row_id = key_position == 1
                && declared.eq_ignore_ascii_case("INTEGER")
                && columns.iter().filter(|other| other.get::<i64, _>(3) > 0).count() == 1;
            schema.insert(column_line(&table, &name, &sqlite_type(&declared), not_null == 0 && !row_id));
            if key_position > 0 {
                primary_key.push((key_position, name));
            }
        }
        if !primary_key.is_empty() {
            primary_key.sort();
            let names: Vec<String> = primary_key.into_iter().map(|(_, name)| name).collect();
            schema.insert(format!("primary key {table} ({})", names.join(", ")));
        }
        let indexes = sqlx::query("SELECT name, \"unique\", origin, partial FROM pragma_index_list($1)")
            .bind(&table)
            .fetch_all(pool)
            .await
            .expect("read SQLite indexes");
        for row in indexes {
            let name: String = row.get(0);
            let unique: i64 = row.get(1);
            let origin: String = row.get(2);
            let partial: i64 = row.get(3);
            // The primary key's own index is the primary key, compared above.
            if origin == "pk" {
                continue;
            }
            let columns: Vec<String> = sqlx::query("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                .bind(&name)
                .fetch_all(pool)
                .await
                .expect("read SQLite index columns")
                .iter()
                .map(|row| row.try_get::<String, _>(0).unwrap_or_else(|_| "(expression)".into()))
                .collect();
            schema.insert(index_line(&table, &columns, unique == 1, partial == 1));
        }
    }
    schema
}

async fn postgres_schema(pool: &AnyPool) -> Schema {
    let mut schema = Schema::new();
    // The `::text` casts turn PostgreSQL's catalogue types (`name`, `sql_identifier`,
    // `yes_or_no`) into text, which the `Any` driver decodes.
    let tables = sqlx::query(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
         AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await
    .expect("list PostgreSQL tables");
    for row in tables {
        schema.insert(format!("table {}", row.get::<String, _>(0)));
    }
    // Views by name: their columns' types are what their expressions give, which the two
    // databases word differently.
    let views = sqlx::query(
        "SELECT table_name::text FROM information_schema.views WHERE table_schema = current_schema()",
    )
    .fetch_all(pool)
    .await
    .expect("list PostgreSQL views");
    for row in views {
        schema.insert(format!("view {}", row.get::<String, _>(0)));
    }
    let columns = sqlx::query(
        "SELECT c.table_name::text, c.column_name::text, c.data_type::text, c.is_nullable::text \
         FROM information_schema.columns c \
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' \
         AND c.table_name <> '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await
    .expect("read PostgreSQL columns");
    for row in columns {
        let table: String = row.get(0);
        let column: String = row.get(1);
        let data_type: String = row.get(2);
        let nullable: String = row.get(3);
        schema.insert(column_line(&table, &column, &postgres_type(&data_type), nullable == "YES"));
    }
    // One row per indexed column, in the index's order; a column 0 is an expression.
    let index_columns = sqlx::query(
        "SELECT t.relname::text, i.relname::text, \
                CASE WHEN x.indisprimary THEN 1 ELSE 0 END::bigint, \
                CASE WHEN x.indisunique THEN 1 ELSE 0 END::bigint, \
                CASE WHEN x.indpred IS NULL THEN 0 ELSE 1 END::bigint, \
                COALESCE(a.attname::text, '(expression)') \
         FROM pg_index x \
         JOIN pg_class i ON i.oid = x.indexrelid \
         JOIN pg_class t ON t.oid = x.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, position) \
         LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum AND k.attnum > 0 \
         WHERE n.nspname = current_schema() AND t.relname <> '_sqlx_migrations' \
         ORDER BY i.relname, k.position",
    )
    .fetch_all(pool)
    .await
    .expect("read PostgreSQL indexes");
    let mut indexes: Vec<(String, String, bool, bool, bool, Vec<String>)> = Vec::new();
    for row in index_columns {
        let index: String = row.get(1);
        let column: String = row.get(5);
        match indexes.last_mut() {
            Some(last) if last.1 == index => last.5.push(column),
            _ => indexes.push((
                row.get(0),
                index,
                row.get::<i64, _>(2) == 1,
                row.get::<i64, _>(3) == 1,
                row.get::<i64, _>(4) == 1,
                vec![column],
            )),
        }
    }
    for (table, _, primary, unique, partial, columns) in indexes {
        if primary {
            schema.insert(format!("primary key {table} ({})", columns.join(", ")));
        } else {
            // A UNIQUE constraint is enforced by a unique index on both backends, so the two
            // are compared as the same thing.
            schema.insert(index_line(&table, &columns, unique, partial));
        }
    }
    schema
}
