//! Field-level validation errors. Every rejected input names the field that is wrong and why, so
//! forms can show the message beside the field.

use serde::{Deserialize, Serialize};

/// One wrong field: `field` is the form / JSON name, `message` a sentence for the user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// All the wrong fields of one input, collected so the user can fix them in one go.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn push(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The message for one field, if it is wrong.
    pub fn for_field(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|error| error.field == field).map(|error| error.message.as_str())
    }

    /// `Ok(value)` when nothing was wrong, so validators can end with `errors.into_result(value)`.
    pub fn into_result<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        formatter.write_str(&parts.join("; "))
    }
}

impl std::error::Error for FieldErrors {}

/// Trims `value` and checks it is between `min` and `max` characters long.
pub fn text(
    errors: &mut FieldErrors,
    field: &str,
    label: &str,
    value: &str,
    min: usize,
    max: usize,
) -> String {
    let trimmed = value.trim();
    let length = trimmed.chars().count();
    if length < min {
        if min == 1 {
            errors.push(field, format!("{label} is required."));
        } else {
            errors.push(field, format!("{label} needs at least {min} characters."));
        }
    } else if length > max {
        errors.push(field, format!("{label} may have at most {max} characters (it has {length})."));
    }
    trimmed.to_string()
}

/// A plausible e-mail address: one `@`, something on both sides, a dot in the domain, no spaces.
pub fn email(errors: &mut FieldErrors, field: &str, value: &str) -> String {
    let address = value.trim().to_lowercase();
    let valid = match address.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !address.contains(char::is_whitespace)
        }
        None => false,
    };
    if !valid {
        errors.push(field, "Enter an e-mail address like name@example.com.");
    } else if address.len() > 254 {
        errors.push(field, "An e-mail address has at most 254 characters.");
    }
    address
}

/// A short lowercase name such as a tag, skill or plan: letters, digits, `-` and `_`.
/// A new password: at least 10 characters, and at most 200 so that hashing it stays cheap.
pub fn new_password(errors: &mut FieldErrors, field: &str, value: &str) {
    let length = value.chars().count();
    if length < 10 {
        errors.push(field, "Use at least 10 characters.");
    } else if length > 200 {
        errors.push(field, "Use at most 200 characters.");
    }
}

pub fn slug(errors: &mut FieldErrors, field: &str, label: &str, value: &str) -> String {
    let name = value.trim().to_lowercase();
    if name.is_empty() {
        errors.push(field, format!("{label} is required."));
    } else if name.len() > 40 {
        errors.push(field, format!("{label} may have at most 40 characters."));
    } else if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        errors
            .push(field, format!("{label} may contain only letters, digits, '-' and '_' (got \"{name}\")."));
    }
    name
}

/// An id chosen in a form (a `<select>` value): empty means none; anything but a positive
/// number is a wrong choice.
pub fn optional_id(errors: &mut FieldErrors, field: &str, value: &str) -> Option<i64> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    value.parse::<i64>().ok().filter(|id| *id > 0).or_else(|| {
        errors.push(field, format!("\"{value}\" is not one of the choices."));
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        let mut errors = FieldErrors::default();
        assert_eq!(text(&mut errors, "subject", "Subject", "  Printer  ", 1, 10), "Printer");
        assert!(errors.is_empty());
        text(&mut errors, "subject", "Subject", "   ", 1, 10);
        assert_eq!(errors.for_field("subject"), Some("Subject is required."));
    }

    #[test]
    fn text_longer_than_the_limit_names_its_length() {
        let mut errors = FieldErrors::default();
        text(&mut errors, "subject", "Subject", "abcdef", 1, 5);
        assert_eq!(errors.for_field("subject"), Some("Subject may have at most 5 characters (it has 6)."));
    }

    #[test]
    fn email_addresses_are_normalised_and_checked() {
        let mut errors = FieldErrors::default();
        assert_eq!(email(&mut errors, "email", " Ada@Example.COM "), "ada@example.com");
        assert!(errors.is_empty());
        for bad in ["", "ada", "ada@", "@example.com", "ada@example", "a da@example.com", "a@b@c.d"] {
            let mut errors = FieldErrors::default();
            email(&mut errors, "email", bad);
            assert!(errors.for_field("email").is_some(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn ids_from_forms_are_empty_or_positive_numbers() {
        let mut errors = FieldErrors::default();
        assert_eq!(optional_id(&mut errors, "tier", " 7 "), Some(7));
        assert_eq!(optional_id(&mut errors, "tier", ""), None);
        assert!(errors.is_empty());
        assert_eq!(optional_id(&mut errors, "tier", "-3"), None);
        assert_eq!(errors.for_field("tier"), Some("\"-3\" is not one of the choices."));
    }

    #[test]
    fn slugs_allow_only_plain_names() {
        let mut errors = FieldErrors::default();
        assert_eq!(slug(&mut errors, "tag", "Tag", "VPN_2"), "vpn_2");
        assert!(errors.is_empty());
        slug(&mut errors, "tag", "Tag", "no spaces");
        assert!(errors.for_field("tag").is_some());
    }
}
