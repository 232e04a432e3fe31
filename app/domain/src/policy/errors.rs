use std::fmt;

use serde::{Deserialize, Serialize};

use crate::document::LineError;

/// All the problems found in one policy, in line order (those without a line last).
///
/// Displays one problem per line, each as `line N: message`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyErrors(pub Vec<LineError>);

impl PolicyErrors {
    /// Whether no problem was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many problems were found.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The problems, in line order.
    pub fn iter(&self) -> std::slice::Iter<'_, LineError> {
        self.0.iter()
    }

    /// Sorts by line, keeping the order of discovery within a line; problems without a line last.
    pub(super) fn sorted(mut errors: Vec<LineError>) -> PolicyErrors {
        errors.sort_by_key(|error| (error.line.is_none(), error.line));
        PolicyErrors(errors)
    }
}

impl fmt::Display for PolicyErrors {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        formatter.write_str(&lines.join("\n"))
    }
}

impl std::error::Error for PolicyErrors {}
