//! Every difference between SQLite and PostgreSQL the store knows of, in one place: the rest of
//! the store writes its SQL once and asks [`Backend`] for the pieces that differ. ARCHITECTURE.md
//! ("SQLite vs PostgreSQL differences") lists what this module holds; keep the two in step.
//!
//! What is written the same on both needs no entry here: `$N` placeholders (the `Any` driver
//! passes them to both), `INSERT … ON CONFLICT … DO NOTHING / DO UPDATE`, `RETURNING`, `||`.

use sqlx::migrate::Migrator;

use super::{StoreError, StoreResult};

/// Which database the store speaks to, chosen by the database URL's scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

impl Backend {
    /// `sqlite:PATH` (or `sqlite::memory:`) and `postgres://…` / `postgresql://…`.
    pub fn for_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

    /// The set of migrations of this backend: one append-only set per backend.
    pub fn migrations(self) -> &'static Migrator {
        match self {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    /// The pool's size. SQLite has one writer anyway and readers that never wait in WAL mode, so
    /// a few connections suffice; PostgreSQL serves several instances' worth of work.
    pub fn max_connections(self) -> u32 {
        match self {
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        }
    }

    /// Run once after connecting to a database file (not an in-memory one): SQLite's WAL mode,
    /// in which readers never wait for the writer. Its default `synchronous = FULL` stays, so a
    /// committed write survives a crash.
    pub fn file_setup(self) -> &'static [&'static str] {
        match self {
            Backend::Sqlite => &["PRAGMA journal_mode = WAL"],
            Backend::Postgres => &[],
        }
    }

    /// Run on every new connection. SQLite reads the file through a memory map of up to 1 GiB
    /// (from the operating system's page cache, shared by the connections) instead of copying
    /// each page it reads into the connection's own small cache: the dashboard's and a search's
    /// reads of tens of thousands of rows spent most of their time in those copies
    /// (BENCHMARKS.md). Writes go through the WAL as before.
    pub fn connection_setup(self) -> &'static [&'static str] {
        match self {
            Backend::Sqlite => &["PRAGMA mmap_size = 1073741824"],
            Backend::Postgres => &[],
        }
    }

    /// Whether this process must let one write transaction run at a time. SQLite allows one
    /// writer and answers a second with SQLITE_BUSY when a read snapshot tries to upgrade;
    /// PostgreSQL locks rows instead (see [`Backend::lock_for_write`]).
    pub fn serialises_writers(self) -> bool {
        self == Backend::Sqlite
    }

    /// How a write transaction begins, when not plainly. SQLite's `IMMEDIATE` takes the write
    /// lock at once (waiting up to the busy timeout for another process, such as the `tierline`
    /// command) instead of at the first write, when a snapshot that another process has since
    /// changed could no longer be upgraded and would fail at once.
    pub fn begin_write(self) -> Option<&'static str> {
        match self {
            Backend::Sqlite => Some("BEGIN IMMEDIATE"),
            Backend::Postgres => None,
        }
    }

    /// Appended to a `SELECT` of the one row a write will change (a ticket, an organisation, a
    /// calendar), so writers of that row take turns. SQLite's single writer makes it needless.
    /// `NO KEY UPDATE` still keeps other writers out but lets rows that reference the locked one
    /// (events, outbox rows, deliveries, a new schedule row) be inserted meanwhile, so those
    /// inserts never wait on it nor deadlock with it.
    pub fn lock_for_write(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR NO KEY UPDATE",
        }
    }

    /// Appended to the `SELECT` of the tickets the escalation engine is about to write: like
    /// [`Backend::lock_for_write`], but tickets another instance holds are skipped (they are
    /// theirs now, and stay due).
    pub fn lock_for_write_skipping_held(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR NO KEY UPDATE SKIP LOCKED",
        }
    }

    /// The statement that keeps other writers out of `table` until the transaction ends, where
    /// one is needed: SQLite's `BEGIN IMMEDIATE` already does.
    pub fn lock_table(self, table: &str) -> Option<String> {
        match self {
            Backend::Sqlite => None,
            Backend::Postgres => Some(format!("LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")),
        }
    }

    /// Appended to a `SELECT` of rows the transaction will update or delete (schedule rows), so
    /// writers take them one after another.
    pub fn lock_rows(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }

    /// Appended to the `SELECT` of queue rows a worker takes for itself (outbox rows,
    /// deliveries): rows another instance holds are skipped, so instances share the queue
    /// without taking a row twice.
    pub fn take_rows_skipping_held(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// The `number`th bind parameter (from 1) of a statement with many of them. PostgreSQL
    /// numbers them; SQLite gets anonymous `?`, because it looks a numbered parameter up by a
    /// linear search, which makes binding a statement with thousands of them quadratic.
    pub fn parameter(self, number: usize) -> String {
        match self {
            Backend::Postgres => format!("${number}"),
            Backend::Sqlite => "?".to_string(),
        }
    }

    /// Whether committed changes reach the live streams through the database: PostgreSQL's
    /// `pg_notify` inside the transaction, delivered at commit to every instance that `LISTEN`s.
    /// With SQLite there is one process, which publishes them itself after the commit.
    pub fn notifies_through_database(self) -> bool {
        self == Backend::Postgres
    }

    /// Appended to a table in a query that must walk `index`, where SQLite's planner would not
    /// choose it: without statistics it prefers an equality on the status to walking the tickets
    /// in the order asked for, and then sorts every open ticket for one page. PostgreSQL plans
    /// from the statistics it keeps.
    pub fn walking_index(self, index: &str) -> String {
        match self {
            Backend::Sqlite => format!(" INDEXED BY {index}"),
            Backend::Postgres => String::new(),
        }
    }

    /// The statement that sums the open tickets' tally up (see its migration): every key's rows
    /// replaced by one row of their sum, keys that sum to nothing dropped, and rows appended
    /// meanwhile kept as they are. PostgreSQL deletes and sums the rows its snapshot sees in one
    /// statement. SQLite's one writer is the caller's transaction, which binds `$1` to the last
    /// row's `rowid` and then deletes the rows up to it: the sums are appended after it.
    pub fn compact_open_ticket_tally(self) -> &'static str {
        match self {
            Backend::Postgres => {
                "WITH summed AS (DELETE FROM open_ticket_tally RETURNING *)
                 INSERT INTO open_ticket_tally
                 SELECT status, tier_id, escalation_level, group_id, assignee_id, plan, category_id, priority,
                        escalated_by_hand, acknowledged, clock_alerts, SUM(tickets)
                 FROM summed
                 GROUP BY status, tier_id, escalation_level, group_id, assignee_id, plan, category_id, priority,
                          escalated_by_hand, acknowledged, clock_alerts
                 HAVING SUM(tickets) <> 0"
            }
            Backend::Sqlite => {
                "INSERT INTO open_ticket_tally
                 SELECT status, tier_id, escalation_level, group_id, assignee_id, plan, category_id, priority,
                        escalated_by_hand, acknowledged, clock_alerts, SUM(tickets)
                 FROM open_ticket_tally WHERE rowid <= $1
                 GROUP BY status, tier_id, escalation_level, group_id, assignee_id, plan, category_id, priority,
                          escalated_by_hand, acknowledged, clock_alerts
                 HAVING SUM(tickets) <> 0"
            }
        }
    }

    /// Makes a ticket's search row: the ticket's id, its public text and its internal text as
    /// `$1`, `$2`, `$3`.
    pub fn search_insert(self) -> &'static str {
        match self {
            Backend::Sqlite => {
                "INSERT INTO ticket_search (rowid, public_text, internal_text) VALUES ($1, $2, $3)"
            }
            Backend::Postgres => {
                "INSERT INTO ticket_search (ticket_id, public_text, internal_text) \
                 VALUES ($1, to_tsvector('simple', $2), to_tsvector('simple', $3))"
            }
        }
    }

    /// Adds public text `$2` and internal text `$3` to ticket `$1`'s search row.
    pub fn search_append(self) -> &'static str {
        match self {
            Backend::Sqlite => {
                "UPDATE ticket_search SET public_text = public_text || char(10) || $2, \
                 internal_text = internal_text || char(10) || $3 WHERE rowid = $1"
            }
            Backend::Postgres => {
                "UPDATE ticket_search SET public_text = public_text || to_tsvector('simple', $2), \
                 internal_text = internal_text || to_tsvector('simple', $3) WHERE ticket_id = $1"
            }
        }
    }

    /// A subquery of the tickets (`ticket_id`) whose text matches the search bound at
    /// `parameter` (made by [`Backend::search_query`]), with a `rank` that is lower for a better
    /// match: SQLite's BM25, PostgreSQL's `ts_rank` negated. `internal` searches the internal
    /// notes too (staff); otherwise only the public text (customers).
    pub fn search_matches(self, parameter: &str, internal: bool) -> String {
        match self {
            Backend::Sqlite => format!(
                "SELECT rowid AS ticket_id, bm25(ticket_search) AS rank FROM ticket_search \
                 WHERE ticket_search MATCH {parameter}"
            ),
            Backend::Postgres => {
                // The same expression as the GIN index's, so the index serves it.
                let text = if internal { "(public_text || internal_text)" } else { "public_text" };
                format!(
                    "SELECT ticket_id, -ts_rank({text}, to_tsquery('simple', {parameter})) AS rank \
                     FROM ticket_search WHERE {text} @@ to_tsquery('simple', {parameter})"
                )
            }
        }
    }

    /// The engine's query for `terms` (letters and digits only, see `search::terms`): every term
    /// must occur, each as the beginning of a word, so a search matches as it is typed.
    pub fn search_query(self, terms: &[String], internal: bool) -> String {
        match self {
            Backend::Sqlite => {
                let all: Vec<String> = terms.iter().map(|term| format!("\"{term}\"*")).collect();
                if internal {
                    all.join(" ")
                } else {
                    format!("public_text : ({})", all.join(" "))
                }
            }
            Backend::Postgres => terms.iter().map(|term| format!("{term}:*")).collect::<Vec<_>>().join(" & "),
        }
    }

    /// The statement that sends one live notification inside the transaction, with the channel
    /// and the payload as `$1` and `$2`; it returns a row so it runs like any query.
    pub const NOTIFY: &'static str = "SELECT count(*) AS n FROM (SELECT pg_notify($1, $2)) AS sent";
}

/// Escapes `%`, `_` and `\` so user text matches literally inside a LIKE pattern.
pub fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// The file of a `sqlite:` URL; `None` for an in-memory database or another backend.
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url.strip_prefix("sqlite:")?.trim_start_matches("//");
    if rest.starts_with(":memory:") {
        return None;
    }
    Some(rest.split('?').next().unwrap_or_default().into())
}

/// A SQLite URL made ready to open: its folder created when missing, and `mode=rwc` (create the
/// file) unless the URL names a mode. PostgreSQL URLs are used as they are.
pub fn prepare_url(backend: Backend, url: &str) -> StoreResult<String> {
    if backend == Backend::Postgres {
        return Ok(url.to_string());
    }
    let Some(path) = sqlite_file(url) else {
        return Ok(url.to_string());
    };
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)
            .map_err(|source| StoreError::Folder { path: folder.display().to_string(), source })?;
    }
    Ok(if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_scheme_chooses_the_backend() {
        assert_eq!(Backend::for_url("sqlite:data/tierline.db"), Some(Backend::Sqlite));
        assert_eq!(Backend::for_url("sqlite::memory:"), Some(Backend::Sqlite));
        assert_eq!(Backend::for_url("postgres://db/tierline"), Some(Backend::Postgres));
        assert_eq!(Backend::for_url("postgresql://db/tierline"), Some(Backend::Postgres));
        assert_eq!(Backend::for_url("mysql://db/tierline"), None);
    }

    #[test]
    fn parameters_are_numbered_on_postgres_only() {
        assert_eq!(Backend::Postgres.parameter(3), "$3");
        assert_eq!(Backend::Sqlite.parameter(3), "?");
    }

    #[test]
    fn like_patterns_escape_their_wildcards() {
        assert_eq!(escape_like("50%_off\\"), "50\\%\\_off\\\\");
    }

    #[test]
    fn a_search_query_requires_every_word_as_a_prefix_and_limits_customers_to_public_text() {
        let terms = ["vpn".to_string(), "drop".to_string()];
        assert_eq!(Backend::Sqlite.search_query(&terms, true), "\"vpn\"* \"drop\"*");
        assert_eq!(Backend::Sqlite.search_query(&terms, false), "public_text : (\"vpn\"* \"drop\"*)");
        assert_eq!(Backend::Postgres.search_query(&terms, true), "vpn:* & drop:*");
        assert!(Backend::Postgres.search_matches("$1", false).contains("public_text @@"));
        assert!(Backend::Postgres.search_matches("$1", true).contains("(public_text || internal_text) @@"));
    }
}
