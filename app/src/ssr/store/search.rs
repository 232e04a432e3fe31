//! Full-text search over tickets with each database's own engine (SQLite's FTS5, PostgreSQL's
//! text search; the statements are in `dialect.rs`). A ticket's search row holds its public text
//! (subject, description, public messages) and its internal notes; the words are added as its
//! events are written, in the same transaction, so a search finds what was just written.

use super::tickets::NewEvent;
use super::{StoreResult, WriteTx};
use crate::domain::EventData;

/// The most words of a search that count; the rest are ignored.
const MAX_TERMS: usize = 8;

/// The words of a search as both engines split text: runs of letters and digits, lower-cased.
/// Anything else separates words, so nothing typed can reach the engines' query syntax.
pub(super) fn terms(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .take(MAX_TERMS)
        .map(str::to_lowercase)
        .collect()
}

/// Adds the words of `events` to their tickets' search rows; a `created` event makes the row.
pub(super) async fn index_in(write: &mut WriteTx, events: &[NewEvent]) -> StoreResult<()> {
    let backend = write.backend;
    for event in events {
        let (statement, public, internal) = match &event.data {
            EventData::Created { subject, description, .. } => {
                (backend.search_insert(), format!("{subject}\n{description}"), String::new())
            }
            EventData::CustomerMessage { body } | EventData::PublicReply { body } => {
                (backend.search_append(), body.clone(), String::new())
            }
            EventData::InternalNote { body } => (backend.search_append(), String::new(), body.clone()),
            _ => continue,
        };
        sqlx::query(statement)
            .bind(event.ticket_id)
            .bind(public)
            .bind(internal)
            .execute(&mut *write.tx)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::terms;

    #[test]
    fn a_search_is_its_words_lower_cased_without_any_syntax() {
        assert_eq!(terms("VPN drops"), ["vpn", "drops"]);
        assert_eq!(terms("  \"E-204\" OR NEAR(x*) "), ["e", "204", "or", "near", "x"]);
        assert_eq!(terms("Müller's Übergabe"), ["müller", "s", "übergabe"]);
        assert!(terms("*:&|!()\"'").is_empty());
        assert_eq!(terms("a b c d e f g h i j").len(), 8);
    }
}
