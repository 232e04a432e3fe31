//! The pure core: ticket, account and organisation rules shared by the browser and the server.
//!
//! Nothing here performs IO, reads the clock or draws random numbers: the current instant is
//! always a parameter. A test (`domain_is_pure` in the server crate) keeps it that way.

/// Declares a closed set of names stored and written as words (a status, a priority, a policy's
/// breach action): `ALL`, `as_str`, `parse`, `label`, `words`, `Display` (the label) and serde as
/// the word.
macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal, $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

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
pub mod delivery;
pub mod directory;
pub mod escalation;
pub mod ladder;
pub mod notify;
pub mod policy;
pub mod policy_version;
pub mod queue;
pub mod routing;
#[cfg(test)]
pub mod test_support;
pub mod ticket;
pub mod validation;

pub use account::{Role, UserSummary};
pub use ticket::{Channel, EventData, Priority, Ticket, TicketEvent, TicketStatus, Visibility};
pub use validation::{FieldError, FieldErrors};
