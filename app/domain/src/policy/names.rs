use std::fmt;

use serde::{Deserialize, Serialize};

/// A reference by name to a tier, group, calendar or category configured elsewhere, with the
/// line it was read from so that [`Policy::check_names`] can point at it.
///
/// Two references are equal when their names are: the line records where the name was written,
/// which is not part of the policy's meaning (a policy equals itself re-read from its
/// `to_toml`). Serde writes the name alone.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub struct NameRef {
    pub(super) name: String,
    pub(super) line: Option<usize>,
}

impl NameRef {
    /// A reference that was not read from a file.
    pub fn new(name: impl Into<String>) -> NameRef {
        NameRef { name: name.into(), line: None }
    }

    /// The name referred to.
    pub fn as_str(&self) -> &str {
        &self.name
    }

    /// The 1-based line the name was read from, if it was read from a file.
    pub fn line(&self) -> Option<usize> {
        self.line
    }
}

impl PartialEq for NameRef {
    fn eq(&self, other: &NameRef) -> bool {
        self.name == other.name
    }
}

impl Eq for NameRef {}

impl PartialEq<str> for NameRef {
    fn eq(&self, other: &str) -> bool {
        self.name == other
    }
}

impl PartialEq<&str> for NameRef {
    fn eq(&self, other: &&str) -> bool {
        self.name == *other
    }
}

impl From<String> for NameRef {
    fn from(name: String) -> NameRef {
        NameRef::new(name)
    }
}

impl From<&str> for NameRef {
    fn from(name: &str) -> NameRef {
        NameRef::new(name)
    }
}

impl From<NameRef> for String {
    fn from(name: NameRef) -> String {
        name.name
    }
}

impl fmt::Display for NameRef {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.name)
    }
}
