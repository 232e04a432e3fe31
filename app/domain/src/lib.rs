//! Tierline's pure core: tickets and their event log, accounts and the support organisation,
//! business calendars, SLA clocks, escalation policies, the escalation decision and who is told.
//! The browser bundle and the server both compile it; the `app` crate re-exports it as `domain`.
//!
//! Nothing here performs IO, reads the clock or draws random numbers: the current instant is
//! always a parameter. The compiler keeps it so: this crate's manifest lists only data and text
//! libraries (chrono without its clock), `clippy.toml` refuses the standard library's clock,
//! files, network and processes, and a test in the server crate guards the manifest.
//!
//! Its tests build without Leptos or a database: `cargo test -p tierline-domain`.

/// Declares a closed set of names stored and written as words (a status, a priority, a policy's
/// breach action): `ALL`, `as_str`, `parse`, `label`, `words`, `Display` (the label) and serde as
/// the word.
macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal, $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name { $($(#[$vmeta])* #[serde(rename = $text)] $variant),+ }

        impl $name {
            /// Every value, in the order of declaration.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The word as stored and written in files.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Reads the word back.
            pub fn parse(value: &str) -> Option<$name> {
                match value { $($text => Some($name::$variant),)+ _ => None }
            }

            /// A name for people.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// The words of all values, for messages and suggestions.
            pub fn words() -> Vec<&'static str> {
                $name::ALL.iter().map(|value| value.as_str()).collect()
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, formatter: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                formatter.write_str(self.label())
            }
        }
    };
}

pub mod account;
pub mod calendar;
pub mod clock;
pub mod commands;
pub mod delivery;
pub mod describe;
pub mod directory;
pub mod document;
pub mod escalation;
pub mod feedback;
pub mod huddle;
pub mod ladder;
pub mod notify;
pub mod period;
pub mod policy;
pub mod policy_version;
pub mod queue;
pub mod routing;
pub mod survey;
#[cfg(test)]
pub mod test_support;
pub mod ticket;
pub mod tracking;
pub mod validation;

pub use account::{Role, UserSummary};
pub use ticket::{Channel, EventData, Priority, Ticket, TicketEvent, TicketStatus, Visibility};
pub use validation::{FieldError, FieldErrors};

#[cfg(test)]
mod tests {
    use crate::queue::TicketSort;
    use crate::ticket::{ClockKind, Priority, TicketStatus};
    use crate::Role;

    fn assert_serialised_as_words<
        T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    >(
        values: &[T],
        word: impl Fn(&T) -> &'static str,
    ) {
        for value in values {
            let json = serde_json::to_string(value).expect("a word serialises");
            assert_eq!(json, format!("\"{}\"", word(value)));
            assert_eq!(&serde_json::from_str::<T>(&json).expect("and reads back"), value);
        }
    }

    /// A closed set of words is stored, written in files, put in URLs and sent to the browser as
    /// one and the same word.
    #[test]
    fn closed_word_sets_serialise_as_their_words() {
        assert_serialised_as_words(TicketSort::ALL, |sort| sort.as_str());
        assert_serialised_as_words(Priority::ALL, |priority| priority.as_str());
        assert_serialised_as_words(TicketStatus::ALL, |status| status.as_str());
        assert_serialised_as_words(ClockKind::ALL, |clock| clock.as_str());
        assert_serialised_as_words(Role::ALL, |role| role.as_str());
    }
}
