//! What the readers of documents (policies, calendars) report: a mistake at a line.

use serde::{Deserialize, Serialize};

/// One mistake in a document an admin wrote: what is wrong, and the line when it is known.
///
/// Displays as `line N: message`, or as `message` when there is no line (a required section
/// missing altogether, or a calendar without open time).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{}{message}", line_prefix(.line))]
pub struct LineError {
    /// The 1-based line of the source the mistake is at, when there is one.
    pub line: Option<usize>,
    /// What is wrong, in words meant for the person editing the document.
    pub message: String,
}

fn line_prefix(line: &Option<usize>) -> String {
    match line {
        Some(line) => format!("line {line}: "),
        None => String::new(),
    }
}

impl LineError {
    /// A mistake without a line.
    pub fn new(message: impl Into<String>) -> LineError {
        LineError { line: None, message: message.into() }
    }

    /// A mistake on a 1-based line.
    pub fn at_line(line: usize, message: impl Into<String>) -> LineError {
        LineError { line: Some(line), message: message.into() }
    }
}
