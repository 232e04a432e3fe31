use super::*;
use chrono::Weekday;

/// Monday to Friday, 09:00 to 17:00, in Berlin.
const OFFICE: &str = r#"
timezone = "Europe/Berlin"
[hours]
mon = ["09:00-17:00"]
tue = ["09:00-17:00"]
wed = ["09:00-17:00"]
thu = ["09:00-17:00"]
fri = ["09:00-17:00"]
"#;

/// Monday with a lunch break, the rest of the week like `OFFICE`.
const SPLIT_SHIFTS: &str = r#"
timezone = "Europe/Berlin"
[hours]
mon = ["09:00-12:30", "13:30-17:00"]
tue = ["09:00-17:00"]
wed = ["09:00-17:00"]
thu = ["09:00-17:00"]
fri = ["09:00-17:00"]
"#;

/// `OFFICE` with holidays and overrides of every kind.
const HOLIDAYS: &str = r#"
timezone = "Europe/Berlin"
holidays = ["2026-04-03", "2026-05-01", "2026-12-25", "2026-12-26"]
[hours]
mon = ["09:00-17:00"]
tue = ["09:00-17:00"]
wed = ["09:00-17:00"]
thu = ["09:00-17:00"]
fri = ["09:00-17:00"]
[overrides]
"2026-03-04" = []
"2026-03-07" = ["10:00-14:00"]
"2026-05-01" = ["10:00-12:00"]
"2026-12-24" = ["09:00-12:00"]
"#;

/// Night shifts from Monday evening to Saturday morning, with a holiday on Good Friday.
const NIGHTS: &str = r#"
timezone = "Europe/Berlin"
holidays = ["2026-04-03"]
[hours]
mon = ["22:00-06:00"]
tue = ["22:00-06:00"]
wed = ["22:00-06:00"]
thu = ["22:00-06:00"]
fri = ["22:00-06:00"]
sat = ["18:00-24:00"]
sun = ["00:00-02:00"]
"#;

fn calendar(source: &str) -> Calendar {
    Calendar::from_toml(source).expect("the test calendar is valid")
}

/// A local wall-clock time `MM-DD HH:MM` in 2026 in the calendar's zone; must exist and be unique.
/// The year is left out so that the tables below fit on their lines.
fn local(calendar: &Calendar, text: &str) -> DateTime<Utc> {
    let naive = NaiveDateTime::parse_from_str(&format!("2026-{text}"), "%Y-%m-%d %H:%M")
        .expect("the test time is well formed");
    calendar
        .timezone()
        .from_local_datetime(&naive)
        .single()
        .expect("the test time exists once")
        .with_timezone(&Utc)
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).expect("the test instant is well formed").with_timezone(&Utc)
}

fn pause(calendar: &Calendar, from: &str, to: &str) -> Pause {
    Pause::new(local(calendar, from), local(calendar, to))
}

/// A table row for `add_business_time`: what it shows, the start, minutes to add, the result.
type AddCase = (&'static str, &'static str, i64, &'static str);

fn check_additions(source: &str, cases: &[AddCase]) {
    let calendar = calendar(source);
    for &(sentence, start, minutes, expected) in cases {
        let due = calendar.add_business_time(local(&calendar, start), Duration::minutes(minutes), &[]);
        assert_eq!(due, Ok(local(&calendar, expected)), "{sentence}");
    }
}

#[test]
fn resolution_skips_the_weekend_on_a_mon_fri_calendar() {
    let calendar = calendar(OFFICE);
    let due = calendar.add_business_time(local(&calendar, "03-06 16:00"), Duration::hours(2), &[]);
    assert_eq!(due, Ok(local(&calendar, "03-09 10:00")));
}

#[test]
fn adding_business_time_on_an_office_calendar_follows_the_opening_hours() {
    #[rustfmt::skip]
    let cases: &[AddCase] = &[
        ("a deadline within the day lands later that day",   "03-02 10:00", 120,     "03-02 12:00"),
        ("a start before opening counts from the opening",   "03-02 07:00", 60,      "03-02 10:00"),
        ("a start after closing counts from the next opening", "03-02 18:00", 60,    "03-03 10:00"),
        ("using up the day lands on the closing instant",    "03-02 16:00", 60,      "03-02 17:00"),
        ("a start on the weekend counts from monday",        "03-07 12:00", 30,      "03-09 09:30"),
        ("three business days end on the third evening",     "03-02 09:00", 24 * 60, "03-04 17:00"),
        ("two business weeks end on the second friday",      "03-02 09:00", 80 * 60, "03-13 17:00"),
        ("zero inside hours is the start itself",            "03-02 10:00", 0,       "03-02 10:00"),
        ("zero before opening is the opening",               "03-02 08:00", 0,       "03-02 09:00"),
        ("zero at a closing instant is the next opening",    "03-06 17:00", 0,       "03-09 09:00"),
        ("zero at an opening instant is that instant",       "03-02 09:00", 0,       "03-02 09:00"),
    ];
    check_additions(OFFICE, cases);
}

#[test]
fn negative_durations_count_backwards_as_the_mirror_image() {
    #[rustfmt::skip]
    let cases: &[AddCase] = &[
        ("counting back crosses the weekend",                    "03-09 10:00", -120,     "03-06 16:00"),
        ("ending exactly at an opening returns the opening",     "03-02 11:00", -120,     "03-02 09:00"),
        ("a start after closing counts back from the closing",   "03-02 20:00", -60,      "03-02 16:00"),
        ("a start at an opening counts back into the day before", "03-03 09:00", -60,     "03-02 16:00"),
        ("three business days back",                             "03-04 17:00", -24 * 60, "03-02 09:00"),
        ("a start on the weekend counts back from friday",       "03-07 12:00", -30,      "03-06 16:30"),
    ];
    check_additions(OFFICE, cases);
}

#[test]
fn split_shifts_skip_the_break_between_them() {
    #[rustfmt::skip]
    let cases: &[AddCase] = &[
        ("an hour before the break ends after it",             "03-02 12:00", 60,     "03-02 14:00"),
        ("using up the morning lands on its closing",          "03-02 12:00", 30,     "03-02 12:30"),
        ("zero at the break is the afternoon opening",         "03-02 12:30", 0,      "03-02 13:30"),
        ("zero inside the break is the afternoon opening",     "03-02 12:45", 0,      "03-02 13:30"),
        ("the whole monday is seven hours",                    "03-02 08:00", 7 * 60, "03-02 17:00"),
        ("counting back crosses the break",                    "03-02 14:00", -60,    "03-02 12:00"),
        ("counting back to the afternoon opening stops there", "03-02 14:00", -30,    "03-02 13:30"),
    ];
    check_additions(SPLIT_SHIFTS, cases);
}

#[test]
fn holidays_close_their_dates_and_overrides_replace_the_hours() {
    #[rustfmt::skip]
    let cases: &[AddCase] = &[
        ("a friday holiday moves the deadline to monday",   "04-02 16:00", 120,  "04-06 10:00"),
        ("zero on a holiday is the next opening",           "04-03 10:00", 0,    "04-06 09:00"),
        ("counting back skips a holiday",                   "04-06 10:00", -120, "04-02 16:00"),
        ("the christmas eve override ends at noon",         "12-24 11:00", 60,   "12-24 12:00"),
        ("christmas and the weekend are skipped",           "12-24 11:00", 120,  "12-28 10:00"),
        ("an override opens a saturday",                    "03-06 16:00", 120,  "03-07 11:00"),
        ("an override with no ranges closes a wednesday",   "03-03 16:00", 120,  "03-05 10:00"),
        ("an override wins over a holiday on its date",     "04-30 16:30", 60,   "05-01 10:30"),
    ];
    check_additions(HOLIDAYS, cases);
}

#[test]
fn night_shifts_run_past_midnight() {
    #[rustfmt::skip]
    let cases: &[AddCase] = &[
        ("a night shift runs into the next date",            "03-02 23:00", 5 * 60, "03-03 04:00"),
        ("the time left resumes the next evening",           "03-03 05:00", 120,    "03-03 23:00"),
        ("the friday shift ends on saturday morning",        "03-06 23:00", 6 * 60, "03-07 05:00"),
        ("a shift ending at 24:00 continues at 00:00",       "03-07 23:00", 120,    "03-08 01:00"),
        ("a shift closing at 06:00 is closed at 06:00",      "03-03 06:00", 0,      "03-03 22:00"),
        ("counting back into the previous night",            "03-03 01:00", -120,   "03-02 23:00"),
        // Good Friday, 04-03: Thursday's shift stops at midnight, Friday's does not start, and
        // Saturday's evening shift is the next open time.
        ("a holiday cuts the previous night at midnight",    "04-02 23:30", 60,     "04-04 18:30"),
        ("a holiday cancels the shift that starts on it",    "04-03 20:00", 0,      "04-04 18:00"),
    ];
    check_additions(NIGHTS, cases);
}

/// Pauses as pairs of local times, as `local` reads them.
type LocalPauses = &'static [(&'static str, &'static str)];

/// A row for pause tests: what it shows, the start, minutes to add, the pauses, the result.
type PauseCase = (&'static str, &'static str, i64, LocalPauses, &'static str);

/// A row for elapsed-time tests: what it shows, from, to, the pauses, the minutes elapsed.
type ElapsedCase = (&'static str, &'static str, &'static str, LocalPauses, i64);

/// A row for daylight-saving tests: what it shows, the zone, the hours, a local date, the business
/// time of that date and the first business instant of that date in UTC.
type DaylightCase = (&'static str, &'static str, &'static str, &'static str, i64, &'static str);

#[test]
fn daylight_saving_changes_follow_the_wall_clock() {
    // Berlin: 2026-03-29 02:00 CET jumps to 03:00 CEST (01:00 UTC); 2026-10-25 03:00 CEST goes
    // back to 02:00 CET (01:00 UTC). New York: 2026-03-08 02:00 EST jumps to 03:00 EDT (07:00
    // UTC); 2026-11-01 02:00 EDT goes back to 01:00 EST (06:00 UTC).
    #[rustfmt::skip]
    let cases: &[DaylightCase] = &[
        ("berlin springs forward: a 24x7 day is 23 hours",
            "Europe/Berlin", r#"sun = ["00:00-24:00"]"#, "2026-03-29", 23 * 60, "2026-03-28T23:00:00Z"),
        ("berlin falls back: a 24x7 day is 25 hours",
            "Europe/Berlin", r#"sun = ["00:00-24:00"]"#, "2026-10-25", 25 * 60, "2026-10-24T22:00:00Z"),
        ("berlin: a range across the gap loses the skipped hour",
            "Europe/Berlin", r#"sun = ["01:00-04:00"]"#, "2026-03-29", 120, "2026-03-29T00:00:00Z"),
        ("berlin: a range starting in the gap starts at its end",
            "Europe/Berlin", r#"sun = ["02:30-05:00"]"#, "2026-03-29", 120, "2026-03-29T01:00:00Z"),
        ("berlin: a range ending in the gap ends at its end",
            "Europe/Berlin", r#"sun = ["00:00-02:30"]"#, "2026-03-29", 120, "2026-03-28T23:00:00Z"),
        ("berlin: a range wholly in the gap is empty", "Europe/Berlin",
            r#"sun = ["02:00-02:45", "09:00-10:00"]"#, "2026-03-29", 60, "2026-03-29T07:00:00Z"),
        ("berlin: a range starting in the repeated hour takes its first occurrence",
            "Europe/Berlin", r#"sun = ["02:30-04:00"]"#, "2026-10-25", 150, "2026-10-25T00:30:00Z"),
        ("berlin: a range ending in the repeated hour ends at its first occurrence",
            "Europe/Berlin", r#"sun = ["01:00-02:30"]"#, "2026-10-25", 90, "2026-10-24T23:00:00Z"),
        ("new york springs forward: a 24x7 day is 23 hours", "America/New_York",
            r#"sun = ["00:00-24:00"]"#, "2026-03-08", 23 * 60, "2026-03-08T05:00:00Z"),
        ("new york falls back: a 24x7 day is 25 hours", "America/New_York",
            r#"sun = ["00:00-24:00"]"#, "2026-11-01", 25 * 60, "2026-11-01T04:00:00Z"),
        ("new york: a range starting in the gap starts at its end",
            "America/New_York", r#"sun = ["02:15-06:00"]"#, "2026-03-08", 180, "2026-03-08T07:00:00Z"),
        ("new york: a range starting in the repeated hour takes its first occurrence",
            "America/New_York", r#"sun = ["01:30-03:00"]"#, "2026-11-01", 150, "2026-11-01T05:30:00Z"),
        ("new york: the sunday part of a saturday night shift loses an hour in spring",
            "America/New_York", r#"sat = ["22:00-06:00"]"#, "2026-03-08", 5 * 60, "2026-03-08T05:00:00Z"),
        ("new york: the sunday part of a saturday night shift gains an hour in autumn",
            "America/New_York", r#"sat = ["22:00-06:00"]"#, "2026-11-01", 7 * 60, "2026-11-01T04:00:00Z"),
    ];
    for &(sentence, zone, hours, date, minutes, first_open) in cases {
        let calendar = calendar(&format!("timezone = \"{zone}\"\n[hours]\n{hours}\n"));
        let date = NaiveDate::from_str(date).expect("the test date is well formed");
        let day_start = calendar.local_instant(date, 0).expect("midnight exists");
        let day_end = calendar.local_instant(date, MINUTES_PER_DAY).expect("midnight exists");
        assert_eq!(
            calendar.business_time_between(day_start, day_end, &[]),
            Duration::minutes(minutes),
            "{sentence}: business time of the date"
        );
        assert_eq!(
            calendar.add_business_time(day_start, Duration::zero(), &[]),
            Ok(utc(first_open)),
            "{sentence}: first business instant"
        );
    }
}

#[test]
fn a_saturday_night_shift_spans_the_change_in_real_hours() {
    // The Saturday shift 22:00-06:00 in New York is 7 real hours in spring and 9 in autumn.
    let calendar = calendar("timezone = \"America/New_York\"\n[hours]\nsat = [\"22:00-06:00\"]\n");
    for (start, hours, end) in [
        ("2026-03-08T03:00:00Z", 7, "2026-03-08T10:00:00Z"),
        ("2026-11-01T02:00:00Z", 9, "2026-11-01T11:00:00Z"),
    ] {
        assert_eq!(calendar.add_business_time(utc(start), Duration::hours(hours), &[]), Ok(utc(end)));
        assert_eq!(calendar.business_time_between(utc(start), utc(end), &[]), Duration::hours(hours));
    }
}

#[test]
fn an_office_deadline_keeps_local_hours_across_a_weekend_change() {
    let office = calendar(&OFFICE.replace("Europe/Berlin", "America/New_York"));
    // Friday 16:00 EST is 21:00 UTC; Monday 10:00 EDT is 14:00 UTC.
    let due = office.add_business_time(utc("2026-03-06T21:00:00Z"), Duration::hours(2), &[]);
    assert_eq!(due, Ok(utc("2026-03-09T14:00:00Z")));
    let berlin = calendar(OFFICE);
    // Friday 16:00 CEST is 14:00 UTC on 2026-10-23; Monday 10:00 CET is 09:00 UTC.
    let due = berlin.add_business_time(utc("2026-10-23T14:00:00Z"), Duration::hours(2), &[]);
    assert_eq!(due, Ok(utc("2026-10-26T09:00:00Z")));
}

#[test]
fn a_24x7_calendar_counts_real_time_across_daylight_saving() {
    let calendar = Calendar::always_open(chrono_tz::Europe::Berlin);
    let start = utc("2026-03-29T00:30:00Z");
    assert_eq!(calendar.add_business_time(start, Duration::hours(1), &[]), Ok(utc("2026-03-29T01:30:00Z")));
    assert_eq!(calendar.add_business_time(start, Duration::hours(-49), &[]), Ok(utc("2026-03-26T23:30:00Z")));
    assert_eq!(calendar.add_business_time(start, Duration::zero(), &[]), Ok(start));
    let week_later = utc("2026-04-05T00:30:00Z");
    assert_eq!(calendar.business_time_between(start, week_later, &[]), Duration::days(7));
    assert!(calendar.is_open_at(start));
}

#[test]
fn always_open_is_the_same_as_every_day_from_00_00_to_24_00() {
    let days = DAY_KEYS.iter().map(|day| format!("{day} = [\"00:00-24:00\"]\n")).collect::<String>();
    let written = calendar(&format!("timezone = \"Europe/Berlin\"\n[hours]\n{days}"));
    assert_eq!(written, Calendar::always_open(chrono_tz::Europe::Berlin));
}

#[test]
fn pauses_stop_the_clock_only_where_they_are() {
    let office = calendar(OFFICE);
    #[rustfmt::skip]
    let cases: &[PauseCase] = &[
        ("a pause inside hours delays by its length",
            "03-02 09:00", 120, &[("03-02 10:00", "03-02 10:30")], "03-02 11:30"),
        ("overlapping pauses count once", "03-02 09:00", 120,
            &[("03-02 10:15", "03-02 11:00"), ("03-02 10:00", "03-02 10:30")], "03-02 12:00"),
        ("a pause spanning closing time holds the clock until it ends",
            "03-02 16:00", 120, &[("03-02 16:30", "03-03 09:30")], "03-03 11:00"),
        ("a pause outside hours changes nothing",
            "03-02 16:00", 120, &[("03-02 18:00", "03-03 08:00")], "03-03 10:00"),
        ("a pause that began before the start holds the start",
            "03-02 10:00", 60, &[("03-02 08:00", "03-02 10:30")], "03-02 11:30"),
        ("zero inside a pause is the end of the pause",
            "03-02 10:00", 0, &[("03-02 09:30", "03-02 10:15")], "03-02 10:15"),
        ("a pause ending at closing moves zero to the next opening",
            "03-02 16:00", 0, &[("03-02 15:00", "03-02 17:00")], "03-03 09:00"),
        ("an inverted pause is empty",
            "03-02 10:00", 60, &[("03-02 11:00", "03-02 10:00")], "03-02 11:00"),
        ("a pause covering a whole day moves the deadline a day",
            "03-02 09:00", 60, &[("03-02 00:00", "03-03 00:00")], "03-03 10:00"),
        ("counting back skips pauses too",
            "03-02 12:00", -120, &[("03-02 10:00", "03-02 11:00")], "03-02 09:00"),
        ("counting back ending at a pause's end returns that end",
            "03-02 12:00", -60, &[("03-02 10:00", "03-02 11:00")], "03-02 11:00"),
    ];
    for &(sentence, start, minutes, pauses, expected) in cases {
        let pauses: Vec<Pause> = pauses.iter().map(|&(from, to)| pause(&office, from, to)).collect();
        let due = office.add_business_time(local(&office, start), Duration::minutes(minutes), &pauses);
        assert_eq!(due, Ok(local(&office, expected)), "{sentence}");
    }
}

#[test]
fn business_time_between_counts_open_unpaused_time_with_a_sign() {
    let office = calendar(OFFICE);
    #[rustfmt::skip]
    let cases: &[ElapsedCase] = &[
        ("within a day",                "03-02 10:00", "03-02 12:00", &[], 120),
        ("over the weekend",            "03-06 16:00", "03-09 10:00", &[], 120),
        ("backwards is negative",       "03-09 10:00", "03-06 16:00", &[], -120),
        ("a weekend has none",          "03-07 00:00", "03-09 00:00", &[], 0),
        ("an empty interval has none",  "03-02 10:00", "03-02 10:00", &[], 0),
        ("a whole week is forty hours", "03-02 00:00", "03-09 00:00", &[], 40 * 60),
        ("a pause across the night removes only business time",
            "03-02 09:00", "03-03 17:00", &[("03-02 16:00", "03-03 10:00")], 14 * 60),
        ("overlapping pauses count once", "03-02 09:00", "03-02 17:00",
            &[("03-02 10:00", "03-02 12:00"), ("03-02 11:00", "03-02 13:00")], 5 * 60),
        ("backwards with a pause is the negated forward time",
            "03-03 17:00", "03-02 09:00", &[("03-02 16:00", "03-03 10:00")], -14 * 60),
    ];
    for &(sentence, from, to, pauses, minutes) in cases {
        let pauses: Vec<Pause> = pauses.iter().map(|&(start, end)| pause(&office, start, end)).collect();
        let elapsed = office.business_time_between(local(&office, from), local(&office, to), &pauses);
        assert_eq!(elapsed, Duration::minutes(minutes), "{sentence}");
    }
}

#[test]
fn a_calendar_with_no_business_time_gives_an_error_instead_of_looping() {
    let closed = calendar("timezone = \"Europe/Berlin\"\n");
    let start = utc("2026-03-02T09:00:00Z");
    for minutes in [60, -60, 0] {
        let error = closed
            .add_business_time(start, Duration::minutes(minutes), &[])
            .expect_err("a closed calendar has no deadline");
        assert_eq!(error.line, None);
        assert!(error.message.contains("no business time"), "{}", error.message);
    }
    assert_eq!(closed.business_time_between(start, start + Duration::days(30), &[]), Duration::zero());
    let segments = closed.segments(start, start + Duration::days(1), &[]);
    assert_eq!(segments.len(), 1);
    assert_eq!(segments[0].kind, SegmentKind::OutOfHours);
}

#[test]
fn the_search_for_open_time_gives_up_after_three_closed_years() {
    let source =
        |date: &str| format!("timezone = \"Europe/Berlin\"\n[overrides]\n\"{date}\" = [\"09:00-10:00\"]\n");
    let start = utc("2026-01-01T00:00:00Z");
    let soon = calendar(&source("2028-06-01"));
    assert_eq!(soon.add_business_time(start, Duration::minutes(30), &[]), Ok(utc("2028-06-01T07:30:00Z")));
    let too_late = calendar(&source("2030-01-01"));
    assert!(too_late.add_business_time(start, Duration::minutes(30), &[]).is_err());
}

#[test]
fn an_absurdly_long_duration_is_an_error_rather_than_a_long_walk() {
    let calendar = Calendar::always_open(chrono_tz::UTC);
    let start = utc("2026-01-01T00:00:00Z");
    assert!(calendar.add_business_time(start, Duration::days(366 * 500), &[]).is_err());
    assert!(calendar.add_business_time(start, Duration::days(-366 * 500), &[]).is_err());
    assert!(calendar.add_business_time(start, Duration::MAX, &[]).is_err());
    assert!(calendar.add_business_time(start, Duration::MIN, &[]).is_err());
}

#[test]
fn instants_at_the_ends_of_the_representable_range_give_answers_or_errors_and_never_panic() {
    let (first, last) = (DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC);
    for zone in [chrono_tz::Pacific::Kiritimati, chrono_tz::Pacific::Pago_Pago, chrono_tz::UTC] {
        let night = format!("timezone = \"{}\"\n[hours]\nmon = [\"22:00-06:00\"]\n", zone.name());
        for calendar in [Calendar::always_open(zone), calendar(&night)] {
            for instant in [first, last] {
                for days in [-30, -1, 0, 1, 30] {
                    let _ = calendar.add_business_time(instant, Duration::days(days), &[]);
                }
                let _ = calendar.is_open_at(instant);
            }
            let _ = calendar.business_time_between(first, first + Duration::days(3), &[]);
            let _ = calendar.segments(last - Duration::days(3), last, &[]);
        }
    }
    let always = Calendar::always_open(chrono_tz::UTC);
    assert_eq!(always.business_time_between(last - Duration::days(3), last, &[]), Duration::days(3));
    assert!(always.add_business_time(last, Duration::hours(1), &[]).is_err());
    assert!(always.add_business_time(first, Duration::hours(-1), &[]).is_err());
}

#[test]
fn segments_explain_business_out_of_hours_and_paused_time_in_order() {
    let office = calendar(OFFICE);
    let at = |text| local(&office, text);
    let segment = |start, end, kind| Segment { start: at(start), end: at(end), kind };
    let pauses = [pause(&office, "03-09 09:15", "03-09 09:30")];
    let segments = office.segments(at("03-06 16:00"), at("03-09 10:00"), &pauses);
    assert_eq!(
        segments,
        vec![
            segment("03-06 16:00", "03-06 17:00", SegmentKind::Business),
            segment("03-06 17:00", "03-09 09:00", SegmentKind::OutOfHours),
            segment("03-09 09:00", "03-09 09:15", SegmentKind::Business),
            segment("03-09 09:15", "03-09 09:30", SegmentKind::Paused),
            segment("03-09 09:30", "03-09 10:00", SegmentKind::Business),
        ]
    );

    // A pause is shown whole, across the night, and the window clips it.
    let pauses = [pause(&office, "03-06 16:30", "03-09 09:30")];
    let segments = office.segments(at("03-06 16:00"), at("03-09 09:15"), &pauses);
    assert_eq!(
        segments,
        vec![
            segment("03-06 16:00", "03-06 16:30", SegmentKind::Business),
            segment("03-06 16:30", "03-09 09:15", SegmentKind::Paused),
        ]
    );

    assert!(office.segments(at("03-06 16:00"), at("03-06 16:00"), &[]).is_empty());
    assert!(office.segments(at("03-06 16:00"), at("03-06 15:00"), &[]).is_empty());
}

#[test]
fn segments_merge_business_time_across_midnight() {
    let calendar = Calendar::always_open(chrono_tz::America::New_York);
    let (from, to) = (utc("2026-10-31T12:00:00Z"), utc("2026-11-03T12:00:00Z"));
    assert_eq!(
        calendar.segments(from, to, &[]),
        vec![Segment { start: from, end: to, kind: SegmentKind::Business }]
    );
}

#[test]
fn is_open_at_treats_ranges_as_half_open() {
    let office = calendar(SPLIT_SHIFTS);
    for (text, open) in [
        ("03-02 08:59", false),
        ("03-02 09:00", true),
        ("03-02 12:29", true),
        ("03-02 12:30", false),
        ("03-02 13:30", true),
        ("03-02 17:00", false),
        ("03-07 10:00", false),
    ] {
        assert_eq!(office.is_open_at(local(&office, text)), open, "{text}");
    }
}

#[test]
fn parse_errors_name_the_line_and_say_what_is_wrong() {
    // (what it shows, source with `|` between lines, line, the message or a part of it)
    #[rustfmt::skip]
    let cases: &[(&str, &str, usize, &str)] = &[
        ("an hour past 24",
            r#"timezone = "Europe/Berlin"||[hours]|mon = ["09:00-12:00"]|tue = ["25:00-26:00"]"#,
            5, r#""25:00" is not a time; use HH:MM from 00:00 to 24:00"#),
        ("a single-digit hour",
            r#"timezone = "Europe/Berlin"|[hours]|mon = ["9:00-17:00"]"#,
            3, r#""9:00" is not a time; use HH:MM from 00:00 to 24:00"#),
        ("24:30",
            r#"timezone = "Europe/Berlin"|[hours]|mon = ["09:00-24:30"]"#,
            3, r#""24:30" is not a time"#),
        ("a range without a dash",
            r#"timezone = "Europe/Berlin"|[hours]|mon = ["09:00"]"#,
            3, r#""09:00" is not a range; use "HH:MM-HH:MM""#),
        ("a range that is not a string",
            r#"timezone = "Europe/Berlin"|[hours]|mon = [|  "09:00-10:00",|  9,|]"#,
            5, "9 is not a range"),
        ("a range starting at 24:00",
            r#"timezone = "Europe/Berlin"|[hours]|mon = ["24:00-02:00"]"#,
            3, r#""24:00-02:00" starts at 24:00; 24:00 can only end a range"#),
        ("an empty range",
            r#"timezone = "Europe/Berlin"|[hours]|mon = ["09:00-09:00"]"#,
            3, r#""09:00-09:00" is empty"#),
        ("overlapping ranges on one day",
            r#"timezone = "Europe/Berlin"|[hours]|mon = ["09:00-12:00",|       "11:00-13:00"]"#,
            4, r#""11:00-13:00" overlaps "09:00-12:00" on mon"#),
        ("a night shift overlapping a later range of its own day",
            r#"timezone = "Europe/Berlin"|[hours]|mon = ["22:00-02:00", "23:00-23:30"]"#,
            3, r#""23:00-23:30" overlaps "22:00-02:00" on mon"#),
        ("a night shift overlapping the next day's early range",
            r#"timezone = "Europe/Berlin"|[hours]|mon = ["22:00-02:00"]|tue = ["01:00-09:00"]"#,
            4, r#""01:00-09:00" on tue overlaps "22:00-02:00" on mon, which runs past midnight"#),
        ("a sunday night shift overlapping monday",
            r#"timezone = "Europe/Berlin"|[hours]|mon = ["00:00-08:00"]|sun = ["20:00-04:00"]"#,
            3, r#""00:00-08:00" on mon overlaps "20:00-04:00" on sun"#),
        ("overlapping ranges in an override",
            r#"timezone = "Europe/Berlin"|[overrides]|"2026-12-24" = ["09:00-12:00", "10:00-11:00"]"#,
            3, r#""10:00-11:00" overlaps "09:00-12:00" on 2026-12-24"#),
        ("an override overlapping the previous night's shift",
            r#"timezone = "UTC"|[hours]|wed = ["22:00-06:00"]|[overrides]|2026-12-24 = ["05:00-12:00"]"#,
            5, r#""05:00-12:00" on 2026-12-24 overlaps "22:00-06:00" on wed 2026-12-23"#),
        ("an override's night shift overlapping the next morning",
            r#"timezone = "UTC"|[hours]|fri = ["08:00-12:00"]|[overrides]|2026-12-24 = ["20:00-09:00"]"#,
            5, r#""20:00-09:00" on 2026-12-24 runs past midnight and overlaps "08:00-12:00" on fri"#),
        ("an unknown zone",
            r#"# Support desk|timezone = "Europe/Berln""#,
            2, r#""Europe/Berln" is not a known IANA time zone"#),
        ("an unknown top-level key",
            r#"timezone = "Europe/Berlin"|holiday = ["2026-12-25"]"#,
            2, "unknown field `holiday`"),
        ("an unknown day",
            r#"timezone = "Europe/Berlin"|[hours]|monday = ["09:00-17:00"]"#,
            3, "unknown field `monday`"),
        ("a bad holiday",
            r#"timezone = "Europe/Berlin"|holidays = [|  "2026-12-25",|  "2026-13-01",|]"#,
            4, r#""2026-13-01" is not a date; use "YYYY-MM-DD""#),
        ("a bad override date",
            r#"timezone = "Europe/Berlin"|[overrides]|"2026-02-30" = []"#,
            3, r#""2026-02-30" is not a date"#),
        ("a missing zone",
            r#"[hours]|mon = ["09:00-17:00"]"#,
            1, "missing field `timezone`"),
        ("broken TOML",
            r#"timezone = "Europe/Berlin"|[hours]|mon = ["09:00-17:00""#,
            3, ""),
        ("a day given twice",
            r#"timezone = "Europe/Berlin"|[hours]|mon = []|mon = []"#,
            4, "duplicate key"),
        ("a day that is not a list",
            r#"timezone = "Europe/Berlin"|[hours]|mon = "09:00-17:00""#,
            3, "invalid type"),
    ];
    for &(sentence, source, line, message) in cases {
        let source = source.replace('|', "\n") + "\n";
        let error = Calendar::from_toml(&source).expect_err(sentence);
        assert_eq!(error.line, Some(line), "{sentence}: {error}");
        assert!(error.message.contains(message), "{sentence}: {error}");
        assert!(error.to_string().starts_with(&format!("line {line}: ")), "{sentence}: {error}");
    }
}

#[test]
fn an_error_displays_as_line_and_message() {
    let error = Calendar::from_toml("timezone = \"Europe/Berlin\"\n[hours]\ntue = [\"25:00-26:00\"]\n")
        .expect_err("25:00 is not a time");
    assert_eq!(error.to_string(), "line 3: \"25:00\" is not a time; use HH:MM from 00:00 to 24:00");
    let error = LineError { line: None, message: "no line".to_string() };
    assert_eq!(error.to_string(), "no line");
}

#[test]
fn holidays_may_also_be_toml_dates() {
    let calendar = calendar("timezone = \"Europe/Berlin\"\nholidays = [2026-12-25, \"2026-12-26\"]\n");
    let holidays: Vec<NaiveDate> = calendar.holidays().collect();
    assert_eq!(holidays.len(), 2);
    assert!(Calendar::from_toml("timezone = \"UTC\"\nholidays = [2026-12-25T10:00:00]\n").is_err());
}

#[test]
fn to_toml_round_trips_and_reads_like_the_documented_format() {
    let source = r#"
timezone = "Europe/Berlin"
holidays = ["2026-12-26", "2026-12-25"]
[hours]
mon = ["13:30-17:00", "09:00-12:30"]
tue = ["09:00-17:00"]
fri = ["22:00-06:00"]
sat = []
[overrides]
"2026-12-24" = ["09:00-12:00"]
"2026-12-31" = []
"#;
    let calendar = calendar(source);
    let written = calendar.to_toml();
    assert_eq!(
        written,
        r#"timezone = "Europe/Berlin"
holidays = ["2026-12-25", "2026-12-26"]

[hours]
mon = ["09:00-12:30", "13:30-17:00"]
tue = ["09:00-17:00"]
wed = []
thu = []
fri = ["22:00-06:00"]
sat = []
sun = []

[overrides]
"2026-12-24" = ["09:00-12:00"]
"2026-12-31" = []
"#
    );
    assert_eq!(Calendar::from_toml(&written), Ok(calendar.clone()));
    for other in [
        Calendar::always_open(chrono_tz::America::New_York),
        Calendar::from_toml(NIGHTS).expect("valid"),
        Calendar::from_toml(HOLIDAYS).expect("valid"),
    ] {
        assert_eq!(Calendar::from_toml(&other.to_toml()), Ok(other.clone()));
    }
}

#[test]
fn the_constructor_checks_ranges_like_the_file_reader() {
    let range = |text: &str| text.parse::<LocalRange>().expect("valid range");
    let mut week: [Vec<LocalRange>; 7] = Default::default();
    week[0] = vec![range("22:00-02:00")];
    week[1] = vec![range("01:00-03:00")];
    let error = Calendar::new(chrono_tz::UTC, week.clone(), [], []).expect_err("overlap");
    assert_eq!(error.line, None);
    assert!(error.message.contains("overlaps"), "{error}");

    week[1] = vec![range("02:00-03:00")];
    let calendar = Calendar::new(chrono_tz::UTC, week, [], []).expect("touching is not overlapping");
    assert_eq!(calendar.hours_on(Weekday::Mon), &[range("22:00-02:00")]);
    assert!(calendar.hours_on(Weekday::Mon)[0].runs_past_midnight());

    assert_eq!(LocalRange::from_minutes(0, 1440), Ok(LocalRange::WHOLE_DAY));
    assert!(LocalRange::from_minutes(1440, 60).is_err());
    assert!(LocalRange::from_minutes(60, 60).is_err());
    assert!(LocalRange::from_minutes(60, 1500).is_err());
    assert_eq!(range("22:00-06:00").to_string(), "22:00-06:00");
}

#[test]
fn the_accessors_show_what_was_read() {
    let calendar = calendar(HOLIDAYS);
    assert_eq!(calendar.timezone(), chrono_tz::Europe::Berlin);
    assert_eq!(calendar.holidays().count(), 4);
    let overrides: Vec<(NaiveDate, usize)> =
        calendar.overrides().map(|(date, ranges)| (date, ranges.len())).collect();
    assert_eq!(overrides.len(), 4);
    assert_eq!(overrides[0], (NaiveDate::from_ymd_opt(2026, 3, 4).expect("valid date"), 0));
    assert!(calendar.hours_on(Weekday::Sat).is_empty());
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    const ZONES: [Tz; 5] = [
        chrono_tz::Europe::Berlin,
        chrono_tz::America::New_York,
        // Half-hour daylight saving.
        chrono_tz::Australia::Lord_Howe,
        chrono_tz::Asia::Kolkata,
        chrono_tz::UTC,
    ];

    /// One date's ranges from sorted quarter-hour cut points taken in pairs, so they never overlap
    /// each other. With `wrap` the pairs shift by one and the last cut pairs with the first, a
    /// range that runs past midnight (which may overlap the next date: the caller filters).
    fn ranges_from_cuts(cuts: BTreeSet<u16>, wrap: bool) -> Vec<LocalRange> {
        let cuts: Vec<u16> = cuts.into_iter().map(|cut| cut * 15).collect();
        let mut pairs: Vec<(u16, u16)> = Vec::new();
        if wrap && cuts.len() >= 2 {
            pairs.extend(cuts[1..].chunks_exact(2).map(|pair| (pair[0], pair[1])));
            if cuts.len().is_multiple_of(2) {
                pairs.push((cuts[cuts.len() - 1], cuts[0]));
            }
        } else {
            pairs.extend(cuts.chunks_exact(2).map(|pair| (pair[0], pair[1])));
        }
        pairs.into_iter().filter_map(|(start, end)| LocalRange::from_minutes(start, end).ok()).collect()
    }

    /// Fixed calendars with night shifts, holidays and overrides, and random ones in `ZONES`.
    fn calendars() -> impl Strategy<Value = Calendar> {
        let fixed = prop_oneof![
            Just(calendar(OFFICE)),
            Just(calendar(SPLIT_SHIFTS)),
            Just(calendar(HOLIDAYS)),
            Just(calendar(NIGHTS)),
            Just(calendar(&NIGHTS.replace("Europe/Berlin", "America/New_York"))),
            Just(Calendar::always_open(chrono_tz::America::New_York)),
        ];
        prop_oneof![fixed, random_calendars(&ZONES, 365)]
    }

    /// Random calendars in one of `zones`, with holidays and overrides in the first `days` days of
    /// 2026; night shifts that would overlap the next date are filtered out.
    fn random_calendars(zones: &'static [Tz], days: u64) -> impl Strategy<Value = Calendar> {
        let day = || (prop::collection::btree_set(0u16..=96, 0..=4), any::<bool>());
        (
            0..zones.len(),
            prop::array::uniform7(day()),
            prop::collection::vec(0..days, 0..6),
            prop::collection::vec((0..days, day()), 0..4),
        )
            .prop_filter_map(
                "a night shift overlaps the next date",
                move |(zone, weekly, holidays, overrides)| {
                    let first = NaiveDate::from_ymd_opt(2026, 1, 1).expect("valid date");
                    let date = |offset| first + chrono::Days::new(offset);
                    let overrides = overrides
                        .into_iter()
                        .map(|(offset, (cuts, wrap))| (date(offset), ranges_from_cuts(cuts, wrap)));
                    let weekly = weekly.map(|(cuts, wrap)| ranges_from_cuts(cuts, wrap));
                    Calendar::new(zones[zone], weekly, holidays.into_iter().map(date), overrides).ok()
                },
            )
    }

    /// Whether `instant` is open, read straight from the local rules, minute by minute. Only right
    /// in zones without daylight saving, where every local time exists once.
    fn open_by_local_rules(calendar: &Calendar, instant: DateTime<Utc>) -> bool {
        use chrono::Timelike;
        let local = instant.with_timezone(&calendar.timezone()).naive_local();
        let (date, minute) = (local.date(), (local.hour() * 60 + local.minute()) as u16);
        if calendar.holidays.contains(&date) && !calendar.overrides.contains_key(&date) {
            return false;
        }
        let today = calendar
            .ranges_of(date)
            .iter()
            .any(|range| range.start_minute <= minute && minute < range.end_from_start_date());
        let from_yesterday = date.pred_opt().is_some_and(|yesterday| {
            calendar
                .ranges_of(yesterday)
                .iter()
                .any(|range| range.runs_past_midnight() && minute < range.end_minute)
        });
        today || from_yesterday
    }

    /// Instants in 2026, so every daylight-saving change above is met.
    fn instants() -> impl Strategy<Value = DateTime<Utc>> {
        let (first, last) =
            (utc("2026-01-01T00:00:00Z").timestamp(), utc("2027-01-01T00:00:00Z").timestamp());
        (first..last).prop_map(|seconds| DateTime::from_timestamp(seconds, 0).expect("in range"))
    }

    /// Durations up to about 30 days either way, to the second.
    fn durations() -> impl Strategy<Value = Duration> {
        (-30 * 86_400i64..=30 * 86_400).prop_map(Duration::seconds)
    }

    /// Up to three pauses within a few weeks around `2026-06-15`, in any order and overlap.
    fn pauses() -> impl Strategy<Value = Vec<(i64, i64)>> {
        prop::collection::vec((-20 * 86_400i64..20 * 86_400, 0i64..5 * 86_400), 0..=3)
    }

    /// Places generated pauses around `anchor`.
    fn place(anchor: DateTime<Utc>, pauses: &[(i64, i64)]) -> Vec<Pause> {
        pauses
            .iter()
            .map(|&(offset, length)| {
                let from = anchor + Duration::seconds(offset);
                Pause::new(from, from + Duration::seconds(length))
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn the_deadline_is_monotonic_in_the_duration(
            calendar in calendars(), start in instants(), first in durations(), second in durations(),
            pauses in pauses(),
        ) {
            let pauses = place(start, &pauses);
            let (shorter, longer) = if first <= second { (first, second) } else { (second, first) };
            let early = calendar.add_business_time(start, shorter, &pauses);
            let late = calendar.add_business_time(start, longer, &pauses);
            if let (Ok(early), Ok(late)) = (early, late) {
                prop_assert!(early <= late, "{early} > {late}");
            }
        }

        #[test]
        fn the_time_elapsed_until_the_deadline_is_the_duration(
            calendar in calendars(), start in instants(), duration in durations(), pauses in pauses(),
        ) {
            let pauses = place(start, &pauses);
            if let Ok(due) = calendar.add_business_time(start, duration, &pauses) {
                prop_assert_eq!(calendar.business_time_between(start, due, &pauses), duration);
                if duration > Duration::zero() {
                    prop_assert!(due > start);
                }
            }
        }

        #[test]
        fn adding_a_pause_never_makes_a_deadline_earlier(
            calendar in calendars(), start in instants(), duration in durations(), pauses in pauses(),
            extra in pauses(),
        ) {
            let duration = duration.abs();
            let fewer = place(start, &pauses);
            let mut more = fewer.clone();
            more.extend(place(start, &extra));
            let before = calendar.add_business_time(start, duration, &fewer);
            let after = calendar.add_business_time(start, duration, &more);
            if let (Ok(before), Ok(after)) = (before, after) {
                prop_assert!(before <= after, "{before} > {after}");
            }
        }

        #[test]
        fn elapsed_time_changes_sign_when_the_instants_swap(
            calendar in calendars(), first in instants(), second in instants(), pauses in pauses(),
        ) {
            let pauses = place(first, &pauses);
            prop_assert_eq!(
                calendar.business_time_between(first, second, &pauses),
                -calendar.business_time_between(second, first, &pauses)
            );
        }

        #[test]
        fn segments_cover_the_window_and_their_business_time_is_the_elapsed_time(
            calendar in calendars(), from in instants(), length in 0i64..20 * 86_400, pauses in pauses(),
        ) {
            let pauses = place(from, &pauses);
            let to = from + Duration::seconds(length);
            let segments = calendar.segments(from, to, &pauses);
            let mut cursor = from;
            let mut business = Duration::zero();
            for (index, segment) in segments.iter().enumerate() {
                prop_assert_eq!(segment.start, cursor);
                prop_assert!(segment.start < segment.end);
                if index > 0 {
                    prop_assert_ne!(segments[index - 1].kind, segment.kind);
                }
                if segment.kind == SegmentKind::Business {
                    business += segment.end - segment.start;
                }
                cursor = segment.end;
            }
            prop_assert_eq!(cursor, if length > 0 { to } else { from });
            prop_assert_eq!(business, calendar.business_time_between(from, to, &pauses));
        }

        #[test]
        fn business_time_matches_a_minute_by_minute_count_where_there_is_no_daylight_saving(
            calendar in random_calendars(&[chrono_tz::UTC, chrono_tz::Asia::Kolkata], 40),
            from_minute in 0i64..40 * 1440, length in 0i64..4 * 1440,
        ) {
            let from = utc("2026-01-01T00:00:00Z") + Duration::minutes(from_minute);
            let to = from + Duration::minutes(length);
            let is_open = |&step: &i64| open_by_local_rules(&calendar, from + Duration::minutes(step));
            let open_minutes = (0..length).filter(is_open).count();
            let expected = Duration::minutes(i64::try_from(open_minutes).expect("small count"));
            prop_assert_eq!(calendar.business_time_between(from, to, &[]), expected);
            if let Some(first_open) = (0..length).find(is_open) {
                let first_open = from + Duration::minutes(first_open);
                prop_assert_eq!(calendar.add_business_time(from, Duration::zero(), &[]), Ok(first_open));
            }
        }

        #[test]
        fn a_positive_deadline_lands_in_or_at_the_end_of_open_time(
            calendar in calendars(), start in instants(), duration in durations(),
        ) {
            let duration = duration.abs().max(Duration::seconds(1));
            if let Ok(due) = calendar.add_business_time(start, duration, &[]) {
                // Half-open ranges: the instant just before a deadline is always open.
                prop_assert!(calendar.is_open_at(due - Duration::milliseconds(1)), "{}", due);
            }
        }
    }
}
