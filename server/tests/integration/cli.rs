//! The `tierline` binary's calendar commands, run as a user or a script would run them.

use std::process::Command;

fn tierline(args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_tierline")).args(args).output().expect("tierline runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn office_calendar() -> String {
    let folder = std::env::temp_dir().join(format!("tierline-cli-{:016x}", rand::random::<u64>()));
    std::fs::create_dir_all(&folder).expect("temp folder");
    let path = folder.join("office.toml");
    let source = "timezone = \"Europe/Berlin\"\n[hours]\nmon = [\"09:00-17:00\"]\ntue = [\"09:00-17:00\"]\n\
                  wed = [\"09:00-17:00\"]\nthu = [\"09:00-17:00\"]\nfri = [\"09:00-17:00\"]\n";
    std::fs::write(&path, source).expect("calendar written");
    path.display().to_string()
}

#[test]
fn due_skips_the_weekend_and_prints_one_utc_line() {
    let calendar = office_calendar();
    // Friday 16:00 in Berlin plus two business hours: one on Friday, one on Monday morning.
    let (ok, out, err) = tierline(&[
        "calendar",
        "due",
        "--calendar",
        &calendar,
        "--start",
        "2026-03-06T15:00:00Z",
        "--minutes",
        "120",
    ]);
    assert!(ok, "{err}");
    assert_eq!(out, "2026-03-09T09:00:00Z\n");
    let (ok, out, _) = tierline(&[
        "calendar",
        "due",
        "--calendar",
        &calendar,
        "--start",
        "2026-03-06T15:00:00Z",
        "--seconds",
        "7200",
        "--pause",
        "2026-03-06T15:30:00Z/2026-03-06T16:00:00Z",
    ]);
    assert!(ok);
    assert_eq!(out, "2026-03-09T09:30:00Z\n");
}

#[test]
fn elapsed_counts_business_seconds_minus_pauses() {
    let calendar = office_calendar();
    let (ok, out, err) = tierline(&[
        "calendar",
        "elapsed",
        "--calendar",
        &calendar,
        "--from",
        "2026-03-06T15:00:00Z",
        "--to",
        "2026-03-09T09:00:00Z",
    ]);
    assert!(ok, "{err}");
    assert_eq!(out, "7200\n");
    let (_, out, _) = tierline(&[
        "calendar",
        "elapsed",
        "--calendar",
        &calendar,
        "--from",
        "2026-03-06T15:00:00Z",
        "--to",
        "2026-03-09T09:00:00Z",
        "--pause",
        "2026-03-09T08:00:00Z/2026-03-09T08:30:00Z",
    ]);
    assert_eq!(out, "5400\n");
    let (_, out, _) = tierline(&[
        "calendar",
        "elapsed",
        "--calendar",
        &calendar,
        "--from",
        "2026-03-09T09:00:00Z",
        "--to",
        "2026-03-06T15:00:00Z",
    ]);
    assert_eq!(out, "-7200\n");
}

#[test]
fn bad_arguments_exit_non_zero_with_a_one_line_reason() {
    let calendar = office_calendar();
    for args in [
        vec!["calendar", "due", "--calendar", &calendar, "--start", "yesterday", "--minutes", "5"],
        vec!["calendar", "due", "--calendar", &calendar, "--minutes", "5"],
        vec![
            "calendar",
            "due",
            "--calendar",
            &calendar,
            "--start",
            "2026-03-06T15:00:00Z",
            "--minutes",
            "5",
            "--seconds",
            "3",
        ],
        vec![
            "calendar",
            "due",
            "--calendar",
            "/nonexistent.toml",
            "--start",
            "2026-03-06T15:00:00Z",
            "--minutes",
            "5",
        ],
        vec![
            "calendar",
            "elapsed",
            "--calendar",
            &calendar,
            "--from",
            "2026-03-06T15:00:00Z",
            "--to",
            "2026-03-09T09:00:00Z",
            "--pause",
            "soon",
        ],
    ] {
        let (ok, out, err) = tierline(&args);
        assert!(!ok, "{args:?} should fail");
        assert!(out.is_empty());
        assert_eq!(err.trim_end().lines().count(), 1, "one line on stderr for {args:?}: {err}");
    }
}

#[test]
fn the_documented_example_policy_checks_clean() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/policy-example.toml");
    let (ok, out, err) = tierline(&["policy", "check", path]);
    assert!(ok, "{err}");
    assert!(out.contains("\"Standard support\" is valid"), "{out}");
}

#[test]
fn policy_check_names_every_mistake_with_its_line() {
    let folder = std::env::temp_dir().join(format!("tierline-policy-{:016x}", rand::random::<u64>()));
    std::fs::create_dir_all(&folder).expect("temp folder");
    let path = folder.join("bad.toml");
    std::fs::write(&path, "name = \"x\"\ncalendar = \"c\"\n[[ladder]]\nholder = \"A\"\nbudget = \"2x\"\n")
        .expect("written");
    let (ok, _, err) = tierline(&["policy", "check", &path.display().to_string()]);
    assert!(!ok);
    assert!(err.contains("line 5: ladder level 1: budget \"2x\" is not a duration"), "{err}");
    assert!(err.contains("no targets"), "{err}");
}

#[test]
fn policy_check_against_the_database_warns_of_tiers_the_ladder_leaves_out() {
    let folder = std::env::temp_dir().join(format!("tierline-ladder-{:016x}", rand::random::<u64>()));
    std::fs::create_dir_all(&folder).expect("temp folder");
    let database = format!("sqlite:{}", folder.join("tierline.db").display());
    let run = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_tierline"))
            .args(args)
            .env("DATABASE_URL", &database)
            .output()
            .expect("tierline runs");
        (output.status.success(), String::from_utf8_lossy(&output.stderr).into_owned())
    };
    let (ok, err) = run(&["demo", "load"]);
    assert!(ok, "{err}");
    // A ladder that leaves L3 Engineering out.
    let two_levels = "name = \"Two levels\"\ncalendar = \"Office hours (Berlin)\"\n[[targets]]\nresolution = \"40h\"\n\
                      [[ladder]]\nholder = \"L1 Service Desk\"\nbudget = \"2h\"\non_breach = [\"next_level\"]\n\
                      [[ladder]]\nholder = \"L2 Specialists\"\n";
    let path = folder.join("two-levels.toml");
    std::fs::write(&path, two_levels).expect("policy written");
    let path = path.display().to_string();

    let (ok, err) = run(&["policy", "check", "--against-database", &path]);
    assert!(ok, "warnings do not fail the check: {err}");
    assert!(err.contains("warning: the tier \"L3 Engineering\" is not on the ladder"), "{err}");
    let (ok, err) = run(&["policy", "check", &path]);
    assert!(ok && !err.contains("warning"), "without the database there is nothing to warn of: {err}");
}
