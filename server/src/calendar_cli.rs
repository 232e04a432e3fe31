//! `tierline calendar due|elapsed`: business-time arithmetic on a calendar file, for admins
//! checking a calendar and for scripts. The arithmetic itself is the domain's; this module only
//! parses arguments and formats answers.

use std::path::PathBuf;

use app::domain::calendar::{Calendar, Pause};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use clap::{Args, Subcommand};

#[derive(Subcommand, Debug)]
pub enum CalendarCommand {
    /// Print the instant a business duration after --start is used up (RFC 3339, UTC).
    Due(DueArgs),
    /// Print the business time between two instants, in whole seconds.
    Elapsed(ElapsedArgs),
}

#[derive(Args, Debug)]
pub struct DueArgs {
    /// The calendar file (TOML).
    #[arg(long)]
    pub calendar: PathBuf,
    /// RFC 3339 instant, e.g. 2026-03-02T08:00:00Z.
    #[arg(long)]
    pub start: String,
    /// The business duration in minutes; negative counts backwards.
    #[arg(
        long,
        allow_negative_numbers = true,
        conflicts_with = "seconds",
        required_unless_present = "seconds"
    )]
    pub minutes: Option<i64>,
    /// The business duration in seconds; negative counts backwards.
    #[arg(long, allow_negative_numbers = true)]
    pub seconds: Option<i64>,
    /// A pause that does not count, as FROM/TO (two RFC 3339 instants); may repeat.
    #[arg(long = "pause")]
    pub pauses: Vec<String>,
}

#[derive(Args, Debug)]
pub struct ElapsedArgs {
    #[arg(long)]
    pub calendar: PathBuf,
    #[arg(long)]
    pub from: String,
    #[arg(long)]
    pub to: String,
    #[arg(long = "pause")]
    pub pauses: Vec<String>,
}

/// Runs a calendar command and returns the line to print, or a one-line reason.
pub fn run(command: &CalendarCommand) -> Result<String, String> {
    match command {
        CalendarCommand::Due(args) => {
            let calendar = load(&args.calendar)?;
            let start = instant("--start", &args.start)?;
            let duration = match (args.minutes, args.seconds) {
                (Some(minutes), None) => Duration::try_minutes(minutes).ok_or("--minutes: too large")?,
                (None, Some(seconds)) => Duration::try_seconds(seconds).ok_or("--seconds: too large")?,
                _ => return Err("give exactly one of --minutes and --seconds".into()),
            };
            let pauses = pauses(&args.pauses)?;
            let due =
                calendar.add_business_time(start, duration, &pauses).map_err(|error| error.to_string())?;
            Ok(format_instant(due))
        }
        CalendarCommand::Elapsed(args) => {
            let calendar = load(&args.calendar)?;
            let from = instant("--from", &args.from)?;
            let to = instant("--to", &args.to)?;
            let elapsed = calendar.business_time_between(from, to, &pauses(&args.pauses)?);
            Ok(round_to_seconds(elapsed).to_string())
        }
    }
}

fn load(path: &PathBuf) -> Result<Calendar, String> {
    let source = std::fs::read_to_string(path)
        .map_err(|error| format!("--calendar: cannot read {}: {error}", path.display()))?;
    Calendar::from_toml(&source).map_err(|error| format!("{}: {error}", path.display()))
}

fn instant(flag: &str, text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|instant| instant.with_timezone(&Utc))
        .map_err(|error| format!("{flag}: {text:?} is not an RFC 3339 instant ({error})"))
}

fn pauses(texts: &[String]) -> Result<Vec<Pause>, String> {
    texts
        .iter()
        .map(|text| {
            let (from, to) = text
                .split_once('/')
                .ok_or_else(|| format!("--pause: {text:?} is not FROM/TO (two instants joined by /)"))?;
            let (from, to) = (instant("--pause", from)?, instant("--pause", to)?);
            if to < from {
                return Err(format!("--pause: {text:?} ends before it starts"));
            }
            Ok(Pause::new(from, to))
        })
        .collect()
}

/// RFC 3339 in UTC with `Z`; fractional seconds only when they are not zero.
pub fn format_instant(instant: DateTime<Utc>) -> String {
    instant.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Whole seconds, halves rounded away from zero.
fn round_to_seconds(duration: Duration) -> i64 {
    let millis = duration.num_milliseconds();
    let seconds = millis / 1000;
    let rest = millis % 1000;
    if rest >= 500 {
        seconds + 1
    } else if rest <= -500 {
        seconds - 1
    } else {
        seconds
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_print_fractions_only_when_there_are_some() {
        let whole = instant("--start", "2026-03-02T10:30:00+01:00").expect("instant");
        assert_eq!(format_instant(whole), "2026-03-02T09:30:00Z");
        let fraction = whole + Duration::milliseconds(250);
        assert_eq!(format_instant(fraction), "2026-03-02T09:30:00.250Z");
    }

    #[test]
    fn elapsed_time_rounds_to_the_nearest_second() {
        assert_eq!(round_to_seconds(Duration::milliseconds(1499)), 1);
        assert_eq!(round_to_seconds(Duration::milliseconds(1500)), 2);
        assert_eq!(round_to_seconds(Duration::milliseconds(-1500)), -2);
    }

    #[test]
    fn bad_pauses_say_what_is_wrong() {
        assert!(pauses(&["2026-03-02T10:00:00Z".into()]).expect_err("no slash").contains("FROM/TO"));
        assert!(pauses(&["2026-03-02T10:00:00Z/2026-03-02T09:00:00Z".into()])
            .expect_err("backwards")
            .contains("ends before"));
    }
}
