//! Persistence: one [`Store`] over SQLite (the default, a file under `data/`) or PostgreSQL,
//! chosen by the database URL.
//!
//! The store talks to both through sqlx's `Any` driver so every query is written once, with
//! `$N` placeholders, integer instants (epoch milliseconds, UTC) and integer flags — the only
//! types `Any` carries on both backends. See ARCHITECTURE.md for why.
//!
//! Every change to a ticket goes through one write path ([`tickets`]): append the events, update
//! the projection and write the outbox rows, in one transaction.

pub mod accounts;
pub mod dialect;
pub mod directory;
pub mod escalation;
mod holds;
pub mod huddles;
pub mod lists;
pub mod notifications;
pub mod operations;
pub mod policies;
mod search;
pub mod surveys;
pub mod tickets;
pub mod tokens;

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Row, Transaction};

use super::live::{self, Change, LiveHub};

pub use dialect::Backend;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL {0:?}: use sqlite:PATH or postgres://…")]
    UnsupportedUrl(String),
    #[error("could not create the database folder {path}: {source}")]
    Folder { path: String, source: std::io::Error },
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// Whether the error is a unique-constraint violation (a name or e-mail already taken).
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(error)) => error.is_unique_violation(),
            _ => false,
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A store failure is internal: logged with a reference, which is all the user sees.
impl From<StoreError> for crate::error::AppError {
    fn from(error: StoreError) -> Self {
        crate::error::AppError::internal(error)
    }
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite allows one writer at a time and answers a second one with SQLITE_BUSY when a read
    /// transaction tries to upgrade; serialising write transactions in-process avoids that, as
    /// long as every write goes through [`Store::begin_write`] — reads use the pool directly.
    /// PostgreSQL instead locks the ticket row (`FOR NO KEY UPDATE`) so several instances can
    /// share it.
    sqlite_writer: Arc<tokio::sync::Mutex<()>>,
    /// Woken after every committed change to a ticket, so the escalation engine of this
    /// instance looks at it at once instead of at its next scheduled instant.
    engine_wake: Arc<tokio::sync::Notify>,
    /// Woken after every commit that wrote outbox rows, so the notifier of this instance
    /// expands them at once.
    notifier_wake: Arc<tokio::sync::Notify>,
    /// Woken when deliveries were planned or retried, so the delivery worker sends them.
    delivery_wake: Arc<tokio::sync::Notify>,
    /// The fan-out of committed changes to this process's live streams.
    live: LiveHub,
}

/// A write transaction; for SQLite it also holds the writer lock until commit or drop.
pub struct WriteTx {
    pub tx: Transaction<'static, Any>,
    _writer: Option<tokio::sync::OwnedMutexGuard<()>>,
    backend: Backend,
    /// What the transaction changed, for the live streams once it commits.
    changes: Vec<Change>,
    live: LiveHub,
    notifier_wake: Arc<tokio::sync::Notify>,
}

/// How many changes one PostgreSQL notification carries; its payload must stay under 8,000 bytes.
const CHANGES_PER_NOTIFICATION: usize = 20;

impl WriteTx {
    /// Notes a change the live streams should hear about when (and only if) this commits.
    pub fn record(&mut self, change: Change) {
        self.changes.push(change);
    }

    pub async fn commit(mut self) -> StoreResult<()> {
        let changes = std::mem::take(&mut self.changes);
        if self.backend.notifies_through_database() {
            // Sent by PostgreSQL at commit, to every listening instance, or not at all.
            for chunk in changes.chunks(CHANGES_PER_NOTIFICATION) {
                let payload =
                    serde_json::to_string(chunk).map_err(|error| StoreError::Corrupt(error.to_string()))?;
                sqlx::query(Backend::NOTIFY).bind(live::CHANNEL).bind(payload).execute(&mut *self.tx).await?;
            }
        }
        self.tx.commit().await?;
        if !changes.is_empty() {
            self.notifier_wake.notify_one();
            // What this process wrote is current at once, whichever way the streams hear of it.
            self.live.count_change();
        }
        if !self.backend.notifies_through_database() {
            for change in changes {
                self.live.publish(change);
            }
        }
        Ok(())
    }
}

impl Store {
    /// Connects to `url` (`sqlite:PATH`, `sqlite::memory:` or `postgres://…`). A SQLite file and
    /// its folder are created when missing and put in WAL mode.
    pub async fn connect(url: &str) -> StoreResult<Store> {
        sqlx::any::install_default_drivers();
        let backend = Backend::for_url(url).ok_or_else(|| StoreError::UnsupportedUrl(url.to_string()))?;
        let url = dialect::prepare_url(backend, url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(backend.max_connections())
            .after_connect(move |connection, _| {
                Box::pin(async move {
                    for statement in backend.connection_setup() {
                        sqlx::query(statement).execute(&mut *connection).await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        if !url.contains(":memory:") {
            for statement in backend.file_setup() {
                sqlx::query(statement).execute(&pool).await?;
            }
        }
        Ok(Store {
            pool,
            backend,
            sqlite_writer: Arc::new(tokio::sync::Mutex::new(())),
            engine_wake: Arc::new(tokio::sync::Notify::new()),
            notifier_wake: Arc::new(tokio::sync::Notify::new()),
            delivery_wake: Arc::new(tokio::sync::Notify::new()),
            live: LiveHub::default(),
        })
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        self.backend.migrations().run(&self.pool).await?;
        self.rebuild_holds_if_missing().await
    }

    /// What the escalation engine waits on between its scheduled instants.
    pub fn engine_wake(&self) -> Arc<tokio::sync::Notify> {
        self.engine_wake.clone()
    }

    /// What the notifier waits on between outbox rows.
    pub fn notifier_wake(&self) -> Arc<tokio::sync::Notify> {
        self.notifier_wake.clone()
    }

    /// What the delivery worker waits on between deliveries.
    pub fn delivery_wake(&self) -> Arc<tokio::sync::Notify> {
        self.delivery_wake.clone()
    }

    /// This process's live fan-out.
    pub fn live(&self) -> &LiveHub {
        &self.live
    }

    /// With PostgreSQL: listens for the changes every instance commits and puts them on this
    /// process's hub (and wakes this instance's notifier, since another instance's change wrote
    /// outbox rows). Runs until the hub closes; reconnects after a lost connection. With SQLite
    /// there is one process and nothing to listen to.
    pub async fn listen_for_changes(self, url: String) {
        if !self.backend.notifies_through_database() {
            return;
        }
        let mut closing = self.live.closing();
        let mut connected_before = false;
        loop {
            let listener = async {
                let mut listener = sqlx::postgres::PgListener::connect(&url).await?;
                listener.listen(live::CHANNEL).await?;
                Ok::<_, sqlx::Error>(listener)
            };
            let mut listener = match listener.await {
                Ok(listener) => listener,
                Err(error) => {
                    tracing::error!(%error, "cannot listen for live changes; retrying");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    continue;
                }
            };
            if connected_before {
                self.live.report_gap();
            }
            connected_before = true;
            loop {
                let notification = tokio::select! {
                    notification = listener.try_recv() => notification,
                    _ = closing.wait_for(|closed| *closed) => return,
                };
                match notification {
                    Ok(Some(notification)) => {
                        match serde_json::from_str::<Vec<Change>>(notification.payload()) {
                            Ok(changes) => {
                                self.notifier_wake.notify_one();
                                for change in changes {
                                    self.live.publish(change);
                                }
                            }
                            Err(error) => tracing::warn!(%error, "unreadable live change"),
                        }
                    }
                    // The connection dropped; sqlx has already connected and listened again.
                    // Whatever was committed meanwhile is not sent again: the pages reload.
                    Ok(None) => {
                        tracing::warn!("live change listener lost its connection; reconnecting");
                        self.live.report_gap();
                        // The outbox may have rows nobody announced.
                        self.notifier_wake.notify_one();
                    }
                    Err(error) => {
                        tracing::warn!(%error, "live change listener failed; connecting again");
                        self.live.report_gap();
                        self.notifier_wake.notify_one();
                        break;
                    }
                }
            }
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Whether the database answers; used by the readiness probe.
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Begins a write transaction: the only way the store writes. With SQLite it first waits its
    /// turn for this process's one writer, then begins `IMMEDIATE`, taking SQLite's write lock at
    /// once. A plain (deferred) transaction takes it only at its first write, and if another
    /// process (the `tierline` command run beside the server) committed after its first read, it
    /// fails with "database is locked" at once, since its snapshot cannot be upgraded; an
    /// immediate one instead waits for the lock, up to the busy timeout.
    pub async fn begin_write(&self) -> StoreResult<WriteTx> {
        let writer = if self.backend.serialises_writers() {
            Some(self.sqlite_writer.clone().lock_owned().await)
        } else {
            None
        };
        let tx = match self.backend.begin_write() {
            Some(statement) => self.pool.begin_with(statement).await?,
            None => self.pool.begin().await?,
        };
        Ok(WriteTx {
            tx,
            _writer: writer,
            backend: self.backend,
            changes: Vec::new(),
            live: self.live.clone(),
            notifier_wake: self.notifier_wake.clone(),
        })
    }
}

/// `1, 2, 3`: ids for an `IN (…)` list. Integers can be written into the statement safely, and
/// a list of any length stays clear of the databases' limits on bind parameters.
pub(crate) fn id_list(ids: impl IntoIterator<Item = i64>) -> String {
    ids.into_iter().map(|id| id.to_string()).collect::<Vec<_>>().join(", ")
}

/// `(…), (…), …`: `rows` rows of `columns` bind parameters each, in the backend's style
/// ([`Backend::parameter`]).
fn value_rows(backend: Backend, columns: usize, rows: usize) -> String {
    (0..rows)
        .map(|row| {
            let parameters: Vec<String> =
                (1..=columns).map(|column| backend.parameter(row * columns + column)).collect();
            format!("({})", parameters.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// At most this many bind parameters go in one statement: below SQLite's limit (32,766) and
/// PostgreSQL's (65,535).
const MAX_PARAMETERS: usize = 30_000;

/// A statement with bound parameters, as `sqlx::query` builds it.
pub(crate) type AnyQuery<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>;

/// Runs `head (…), (…), … tail` with one parenthesised row of `columns` parameters per item of
/// `rows`, in as few statements as the parameter limit allows, and returns what they return.
/// `head` ends where the rows begin (`INSERT … VALUES `, `UPDATE … FROM (VALUES `) and `tail`
/// follows them (`RETURNING …`, `) AS v WHERE …`); neither may hold parameters of its own.
/// `bind` binds one item's values in order.
pub(crate) async fn execute_rows<T>(
    write: &mut WriteTx,
    head: &str,
    tail: &str,
    columns: usize,
    rows: Vec<T>,
    bind: impl for<'q> Fn(AnyQuery<'q>, T) -> AnyQuery<'q>,
) -> StoreResult<Vec<AnyRow>> {
    let per_statement = (MAX_PARAMETERS / columns).max(1);
    let mut returned = Vec::new();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<T> = rows.by_ref().take(per_statement).collect();
        let sql = format!("{head}{}{tail}", value_rows(write.backend, columns, chunk.len()));
        let mut query = sqlx::query(&sql);
        for row in chunk {
            query = bind(query, row);
        }
        returned.extend(query.fetch_all(&mut *write.tx).await?);
    }
    Ok(returned)
}

/// An instant as stored: milliseconds since the Unix epoch.
pub fn to_millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

pub fn from_millis(millis: i64) -> StoreResult<DateTime<Utc>> {
    Utc.timestamp_millis_opt(millis)
        .single()
        .ok_or_else(|| StoreError::Corrupt(format!("instant {millis} is out of range")))
}

pub(crate) fn get_instant(row: &AnyRow, column: &str) -> StoreResult<DateTime<Utc>> {
    from_millis(row.try_get::<i64, _>(column)?)
}

pub(crate) fn get_optional_instant(row: &AnyRow, column: &str) -> StoreResult<Option<DateTime<Utc>>> {
    row.try_get::<Option<i64>, _>(column)?.map(from_millis).transpose()
}

pub(crate) fn get_flag(row: &AnyRow, column: &str) -> StoreResult<bool> {
    Ok(row.try_get::<i64, _>(column)? != 0)
}

/// Parses a stored name (`priority`, `status`, `role`, …) back into its enum.
pub(crate) fn get_named<T>(row: &AnyRow, column: &str, parse: fn(&str) -> Option<T>) -> StoreResult<T> {
    let text: String = row.try_get(column)?;
    parse(&text).ok_or_else(|| StoreError::Corrupt(format!("{column} has unknown value {text:?}")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn value_rows_number_the_parameters_row_by_row() {
        assert_eq!(super::value_rows(super::Backend::Postgres, 2, 2), "($1, $2), ($3, $4)");
        assert_eq!(super::value_rows(super::Backend::Postgres, 3, 1), "($1, $2, $3)");
        assert_eq!(super::value_rows(super::Backend::Sqlite, 2, 2), "(?, ?), (?, ?)");
    }
}
