use chrono::Duration;

use crate::document::LineError;

/// The longest duration a policy accepts. Anything longer is a typo: a year of business time is
/// more than four years of office hours.
pub const MAX_DURATION_DAYS: i64 = 365;

const SECONDS_PER_HOUR: i64 = 3_600;

/// The units of a duration, largest first, with their length in seconds.
const DURATION_UNITS: [(char, i64); 4] =
    [('d', 24 * SECONDS_PER_HOUR), ('h', SECONDS_PER_HOUR), ('m', 60), ('s', 1)];

/// Reads a policy duration: whole numbers with units, largest unit first, each unit at most once,
/// without spaces: `90s`, `30m`, `4h`, `1h30m`, `3d`, `1d12h`.
///
/// Durations are business time, counted on the clock's calendar. A day (`d`) is 24 hours of
/// business time, not a working day: on a calendar open 8 hours a day, `1d` lasts three working
/// days. Write hours (`24h`) to avoid the doubt; [`format_duration`] does.
///
/// Zero, negative durations and durations over [`MAX_DURATION_DAYS`] days are refused. The error
/// has no line; the file reader adds it.
pub fn parse_duration(text: &str) -> Result<Duration, LineError> {
    let not_a_duration = |why: &str| {
        LineError::new(format!(
            "\"{text}\" is not a duration{why}; write it like \"90s\", \"30m\", \"4h\" or \"1h30m\""
        ))
    };
    if text.is_empty() {
        return Err(not_a_duration(""));
    }
    if text.contains(char::is_whitespace) {
        return Err(not_a_duration(" (durations are written without spaces)"));
    }
    let mut rest = text;
    let mut total_seconds: i64 = 0;
    let mut previous_unit: Option<usize> = None;
    while !rest.is_empty() {
        let digit_count = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digit_count == 0 {
            return Err(not_a_duration(" (each part is a whole number followed by d, h, m or s)"));
        }
        let (digits, after) = rest.split_at(digit_count);
        let Some(unit) = after.chars().next() else {
            return Err(not_a_duration(&format!(" (\"{digits}\" needs a unit: d, h, m or s)")));
        };
        let Some(unit_index) = DURATION_UNITS.iter().position(|(symbol, _)| *symbol == unit) else {
            return Err(not_a_duration(&format!(" (\"{unit}\" is not a unit; use d, h, m or s)")));
        };
        if previous_unit.is_some_and(|previous| unit_index <= previous) {
            return Err(not_a_duration(" (units go largest first, each at most once)"));
        }
        previous_unit = Some(unit_index);
        let too_long = || {
            LineError::new(format!("\"{text}\" is longer than the longest duration, {MAX_DURATION_DAYS}d"))
        };
        let amount: i64 = digits.parse().map_err(|_| too_long())?;
        total_seconds = amount
            .checked_mul(DURATION_UNITS[unit_index].1)
            .and_then(|seconds| total_seconds.checked_add(seconds))
            .ok_or_else(too_long)?;
        rest = &after[unit.len_utf8()..];
    }
    if total_seconds == 0 {
        return Err(LineError::new(format!("\"{text}\" is zero; a duration must be longer than zero")));
    }
    if total_seconds > MAX_DURATION_DAYS * DURATION_UNITS[0].1 {
        return Err(LineError::new(format!(
            "\"{text}\" is longer than the longest duration, {MAX_DURATION_DAYS}d"
        )));
    }
    Ok(Duration::seconds(total_seconds))
}

/// Writes a duration as [`parse_duration`] reads it, in hours, minutes and seconds (`72h`,
/// `1h30m`, `1m30s`), never in days, whose meaning is easily mistaken. Fractions of a second are
/// left out; zero is `0s` and a negative duration starts with `-` (neither of which a policy
/// accepts).
pub fn format_duration(duration: Duration) -> String {
    let seconds = duration.num_seconds();
    if seconds == 0 {
        return "0s".to_string();
    }
    let mut text = if seconds < 0 { "-".to_string() } else { String::new() };
    let seconds = seconds.unsigned_abs();
    let (hours, minutes, seconds) = (seconds / 3_600, seconds % 3_600 / 60, seconds % 60);
    for (amount, unit) in [(hours, 'h'), (minutes, 'm'), (seconds, 's')] {
        if amount > 0 {
            text.push_str(&format!("{amount}{unit}"));
        }
    }
    text
}

/// A duration in words for people: "1 hour 30 minutes", "72 hours".
pub(super) fn duration_in_words(duration: Duration) -> String {
    let seconds = duration.num_seconds().unsigned_abs();
    let (hours, minutes, seconds) = (seconds / 3_600, seconds % 3_600 / 60, seconds % 60);
    let parts: Vec<String> = [(hours, "hour"), (minutes, "minute"), (seconds, "second")]
        .into_iter()
        .filter(|(amount, _)| *amount > 0)
        .map(|(amount, unit)| counted(amount, unit))
        .collect();
    if parts.is_empty() {
        "no time".to_string()
    } else {
        parts.join(" ")
    }
}

/// "1 hour", "2 hours".
pub(super) fn counted(amount: u64, unit: &str) -> String {
    if amount == 1 {
        format!("1 {unit}")
    } else {
        format!("{amount} {unit}s")
    }
}

/// Durations in JSON as their policy text (`"1h30m"`), since chrono's durations have no serde
/// form of their own.
pub(super) mod optional_duration_text {
    use chrono::Duration;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(duration: &Option<Duration>, serializer: S) -> Result<S::Ok, S::Error> {
        match duration {
            Some(duration) => serializer.serialize_some(&super::format_duration(*duration)),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Duration>, D::Error> {
        let text: Option<String> = Option::deserialize(deserializer)?;
        text.map(|text| super::parse_duration(&text).map_err(|error| serde::de::Error::custom(error.message)))
            .transpose()
    }
}

/// A required duration in JSON, as [`optional_duration_text`] writes it.
pub(super) mod duration_text {
    use chrono::Duration;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&super::format_duration(*duration))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(deserializer)?;
        super::parse_duration(&text).map_err(|error| serde::de::Error::custom(error.message))
    }
}
