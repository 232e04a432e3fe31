use chrono::Duration;

use super::duration::duration_in_words;
use super::markdown::percent;
use super::read::CONDITION_KEYS;
use super::vocabulary::RECIPIENT_WORDS;
use super::*;
use crate::clock::{PauseRules, TargetRule};
use crate::document::LineError;
use crate::ticket::{Channel, Priority, TicketStatus};

const DEMO_TIERS_AND_GROUPS: [&str; 8] = [
    "L1 Service Desk",
    "L2 Specialists",
    "L3 Engineering",
    "Service Desk",
    "Network",
    "Billing & Accounts",
    "Engineering",
    "Security",
];
const DEMO_CALENDARS: [&str; 2] = ["Office hours (Berlin)", "Around the clock"];
const DEMO_CATEGORIES: [&str; 6] =
    ["Access & accounts", "Billing", "Hardware", "Integrations & API", "Network & VPN", "Security"];

fn policy(source: &str) -> Policy {
    match Policy::from_toml(source) {
        Ok(policy) => policy,
        Err(errors) => panic!("the test policy is valid, but:\n{errors}"),
    }
}

fn example() -> Policy {
    policy(EXAMPLE_POLICY)
}

fn errors(source: &str) -> Vec<LineError> {
    Policy::from_toml(source).expect_err("the test policy is invalid").0
}

fn minutes(minutes: i64) -> Duration {
    Duration::minutes(minutes)
}

fn hours(hours: i64) -> Duration {
    Duration::hours(hours)
}

/// A small valid policy whose criterion is `when`, to read conditions as the file reader does.
fn condition(when: &str) -> Condition {
    let source = format!(
        "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[criteria]]\nname = \"c\"\n\
         when = {when}\nroute_to = \"Security\"\n[[ladder]]\nholder = \"L1\"\n"
    );
    policy(&source).criteria.remove(0).when
}

fn facts() -> CriterionFacts {
    CriterionFacts {
        priority: Priority::Normal,
        plan: "standard".to_string(),
        category: Some("Billing".to_string()),
        tags: vec!["vip".to_string()],
        channel: Channel::Email,
        reopen_count: 1,
        unanswered_customer_messages: 2,
        tier: Some("L1 Service Desk".to_string()),
        age_hours: 10,
    }
}

#[test]
fn the_example_policy_parses_and_round_trips_through_to_toml() {
    let example = example();
    assert_eq!(example.name, "Standard support");
    assert_eq!(example.targets.len(), 6);
    assert_eq!(example.criteria.len(), 9);
    assert_eq!(example.ladder.len(), 3);
    assert_eq!(example.notifications.len(), 13);
    assert_eq!(example.ladder[0].stall_after, Some(chrono::Duration::hours(1)));
    assert_eq!(example.checkpoints.len(), 2);
    assert_eq!(
        example.survey,
        crate::survey::SurveySettings::default(),
        "the example spells out the defaults"
    );
    let written = example.to_toml();
    assert_eq!(Policy::from_toml(&written), Ok(example.clone()), "{written}");
    // Writing is deterministic, so a stored policy only changes when its meaning does.
    assert_eq!(policy(&written).to_toml(), written);
}

#[test]
fn the_example_policy_uses_only_the_names_of_the_demo_data() {
    let example = example();
    assert_eq!(example.check_names(&DEMO_TIERS_AND_GROUPS, &DEMO_CALENDARS, &DEMO_CATEGORIES), vec![]);
    let plans: Vec<&String> = example.targets.iter().flat_map(|rule| &rule.plans).collect();
    assert!(plans.iter().all(|plan| ["standard", "premium", "enterprise"].contains(&plan.as_str())));
}

#[test]
fn the_example_policy_uses_every_kind_of_condition_action_and_recipient() {
    let written = example().to_toml();
    for key in CONDITION_KEYS {
        assert!(written.contains(&format!("{{ {key} = ")), "the example does not use {key}");
    }
    for action in BreachAction::ALL {
        assert!(written.contains(&format!("\"{}\"", action.as_str())), "{action:?} is not used");
    }
    for word in RECIPIENT_WORDS.iter().filter(|word| !["tier"].contains(word)) {
        assert!(written.contains(&format!("\"{word}\"")), "{word} is not used");
    }
}

#[test]
fn a_policy_round_trips_through_json() {
    let example = example();
    let json = serde_json::to_string(&example).expect("a policy serialises");
    let back: Policy = serde_json::from_str(&json).expect("and deserialises");
    assert_eq!(back, example);
    assert!(json.contains("\"budget\":\"2h\""), "{json}");
    assert!(json.contains("\"email:duty-manager@example.com\""), "{json}");
}

#[test]
fn durations_are_read_in_the_documented_forms() {
    #[rustfmt::skip]
    let cases: &[(&str, Duration)] = &[
        ("90s",       Duration::seconds(90)),
        ("30m",       minutes(30)),
        ("4h",        hours(4)),
        ("1h30m",     minutes(90)),
        ("1h30m15s",  Duration::seconds(5_415)),
        ("3d",        hours(72)),
        ("1d12h",     hours(36)),
        ("365d",      hours(365 * 24)),
        ("007m",      minutes(7)),
    ];
    for (text, expected) in cases {
        assert_eq!(parse_duration(text), Ok(*expected), "{text}");
    }
}

#[test]
fn malformed_durations_are_refused_with_a_reason() {
    #[rustfmt::skip]
    let cases: &[(&str, &str)] = &[
        ("",            "is not a duration"),
        ("4",           "\"4\" needs a unit"),
        ("4x",          "\"x\" is not a unit"),
        ("h4",          "each part is a whole number"),
        ("30m1h",       "largest first"),
        ("1h1h",        "largest first"),
        ("1h 30m",      "without spaces"),
        ("16 hours",    "without spaces"),
        ("1.5h",        "is not a unit"),
        ("-4h",         "each part is a whole number"),
        ("4H",          "is not a unit"),
        ("0m",          "is zero"),
        ("366d",        "longer than the longest duration"),
        ("99999999999999999999s", "longer than the longest duration"),
        ("9223372036854775807d",  "longer than the longest duration"),
    ];
    for (text, reason) in cases {
        let error = parse_duration(text).expect_err(text);
        assert!(error.message.contains(reason), "{text:?}: {}", error.message);
        assert_eq!(error.line, None);
    }
}

#[test]
fn durations_are_written_in_hours_minutes_and_seconds() {
    #[rustfmt::skip]
    let cases: &[(Duration, &str)] = &[
        (Duration::seconds(90), "1m30s"),
        (minutes(30),           "30m"),
        (minutes(90),           "1h30m"),
        (hours(72),             "72h"),
        (Duration::zero(),      "0s"),
        (-minutes(5),           "-5m"),
        (Duration::milliseconds(61_500), "1m1s"),
    ];
    for (duration, expected) in cases {
        assert_eq!(format_duration(*duration), *expected);
    }
}

/// A row of the error table: what it shows, the source, the line and part of the message.
type ErrorCase = (&'static str, &'static str, Option<usize>, &'static str);

#[test]
fn each_kind_of_error_is_reported_with_its_line() {
    #[rustfmt::skip]
    let cases: &[ErrorCase] = &[
        ("an unknown key at the top",
            "colour = \"red\"\nname = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n",
            Some(1), "the policy: unknown key \"colour\""),
        ("an unknown key with a suggestion",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\nfrist_response = \"1h\"\n[[ladder]]\nholder = \"L1\"\n",
            Some(5), "targets rule 1: unknown key \"frist_response\"; did you mean \"first_response\"?"),
        ("a misspelled section",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladders]]\nholder = \"L1\"\n[[ladder]]\nholder = \"L1\"\n",
            Some(5), "unknown key \"ladders\"; did you mean \"ladder\"?"),
        ("a bad duration",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4x\"\n[[ladder]]\nholder = \"L1\"\n",
            Some(4), "targets rule 1: resolution \"4x\" is not a duration (\"x\" is not a unit"),
        ("a duration without quotes",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = 4\n[[ladder]]\nholder = \"L1\"\n",
            Some(4), "resolution must be a duration in quotes, like \"4h\" (\"4h\" for hours?)"),
        ("a fraction outside (0, 1)",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\nbudget = \"2h\"\nreminders = [{ clock = \"tier_budget\", at = 1.5 }]\n",
            Some(8), "ladder level 1, reminder: at must be a fraction between 0 and 1, like 0.75 for 75 %, not 1.5"),
        ("a percentage where a fraction belongs",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\nreminders = [{ clock = \"resolution\", at = 90 }]\n",
            Some(7), "like 0.75 for 75 %, not 90 (for 90 % write 0.9)"),
        ("a fraction finer than a whole percent",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\nreminders = [{ clock = \"resolution\", at = 0.333 }]\n",
            Some(7), "at 0.333 is finer than a whole percent; use at most two decimals, like 0.33"),
        ("a fraction of zero",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\nreminders = [\n  { clock = \"resolution\", at = 0 },\n]\n",
            Some(8), "at must be a fraction between 0 and 1"),
        ("an unknown clock",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\nbudget = \"2h\"\nreminders = [{ clock = \"tier_budgte\", at = 0.5 }]\n",
            Some(8), "\"tier_budgte\" is not a clock; use first_response, next_response, resolution or tier_budget (did you mean \"tier_budget\"?)"),
        ("an unknown breach action",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\nbudget = \"2h\"\non_breach = [\"notify_lead\", \"page_everyone\"]\n",
            Some(8), "ladder level 1: \"page_everyone\" is not a breach action"),
        ("an unknown notification channel",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n[[notify]]\nevents = [\"breach\"]\nto = [\"lead\"]\nchannels = [\"sms\"]\n",
            Some(10), "notify rule 1: \"sms\" is not a notification channel; use in_app, email, slack, teams or webhook:name"),
        ("an unknown recipient",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n[[notify]]\nevents = [\"breach\"]\nto = [\"leads\"]\nchannels = [\"email\"]\n",
            Some(9), "\"leads\" is not a recipient; use assignee, group, tier, lead, managers, watchers, mentioned, requester or email:address (did you mean \"lead\"?)"),
        ("a fixed address that is not one",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n[[notify]]\nevents = [\"breach\"]\nto = [\"email:nobody\"]\nchannels = [\"email\"]\n",
            Some(9), "\"email:nobody\" is not a usable address: Enter an e-mail address like name@example.com."),
        ("an unknown event kind",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n[[notify]]\nevents = [\"breached\"]\nto = [\"lead\"]\nchannels = [\"email\"]\n",
            Some(8), "\"breached\" is not an event; use created, assigned, escalated,"),
        ("a level filter beyond the ladder",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n[[notify]]\nevents = [\"breach\"]\nlevel = [1, 2]\nto = [\"lead\"]\nchannels = [\"email\"]\n",
            Some(9), "notify rule 1: there is no level 2; the ladder has 1 level"),
        ("a notify rule without recipients",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n[[notify]]\nevents = [\"breach\"]\nchannels = [\"email\"]\n",
            Some(7), "notify rule 1 has no to; add to = [\"group\", \"lead\"]"),
        ("an urgent flag that is not true or false",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n[[notify]]\nevents = [\"breach\"]\nto = [\"lead\"]\nchannels = [\"email\"]\nurgent = 1\n",
            Some(11), "notify rule 1: urgent must be true or false, not a whole number"),
        ("an urgent flag in quotes",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n[[notify]]\nevents = [\"breach\"]\nurgent = \"true\"\nto = [\"lead\"]\nchannels = [\"email\"]\n",
            Some(9), "notify rule 1: urgent must be true or false, not text (write true without quotes)"),
        ("an empty category filter",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n[[notify]]\nevents = [\"breach\"]\ncategory = []\nto = [\"lead\"]\nchannels = [\"email\"]\n",
            Some(9), "notify rule 1: category is an empty list; give at least one value"),
        ("a category listed twice",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n[[notify]]\nevents = [\"breach\"]\ncategory = [\n\"Billing\",\n\"Billing\",\n]\nto = [\"lead\"]\nchannels = [\"email\"]\n",
            Some(11), "notify rule 1: category lists \"Billing\" more than once"),
        ("a category that is not text",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n[[notify]]\nevents = [\"breach\"]\ncategory = 7\nto = [\"lead\"]\nchannels = [\"email\"]\n",
            Some(9), "notify rule 1: category must be text in quotes or a list of them, not a whole number"),
        ("a misspelled notify key",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n[[notify]]\nevents = [\"breach\"]\ncatgory = [\"Billing\"]\nto = [\"lead\"]\nchannels = [\"email\"]\n",
            Some(9), "notify rule 1: unknown key \"catgory\"; did you mean \"category\"?"),
        ("no ladder at all",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n",
            None, "the ladder is empty; add at least one [[ladder]] level with a holder"),
        ("an empty ladder list",
            "name = \"P\"\ncalendar = \"C\"\nladder = []\n[[targets]]\nresolution = \"4h\"\n",
            Some(3), "the ladder is empty"),
        ("a level without holder",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\nbudget = \"2h\"\n[[ladder]]\nbudget = \"8h\"\n",
            Some(8), "ladder level 2 has no holder; add holder = \"a tier or group\""),
        ("next_level on the last level",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\nbudget = \"2h\"\non_breach = [\"notify_lead\", \"next_level\"]\n",
            Some(8), "ladder level 1: next_level on the last level; there is no level to move to"),
        ("breach actions without a budget",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\non_breach = [\"notify_lead\"]\n",
            Some(7), "ladder level 1: on_breach needs a budget to be breached"),
        ("a tier budget reminder without a budget",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\nreminders = [{ clock = \"tier_budget\", at = 0.5 }]\n",
            Some(7), "a reminder on the tier budget needs a budget"),
        ("a repeated reminder",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\nreminders = [\n{ clock = \"resolution\", at = 0.5 },\n{ clock = \"resolution\", at = 0.5 },\n]\n",
            Some(9), "the reminder at 0.5 of Resolution is listed twice"),
        ("duplicate criteria names",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[criteria]]\nname = \"VIP\"\nwhen = { tag = \"vip\" }\nroute_to = \"L2\"\n[[criteria]]\nname = \"VIP\"\nwhen = { tag = \"vip\" }\nescalate_to_level = 1\n[[ladder]]\nholder = \"L1\"\n",
            Some(10), "criterion 2: the name \"VIP\" is already used by criterion 1 (line 6); names must be unique"),
        ("a criterion with two actions",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[criteria]]\nname = \"VIP\"\nwhen = { tag = \"vip\" }\nroute_to = \"L2\"\nescalate_to_level = 1\n[[ladder]]\nholder = \"L1\"\n",
            Some(9), "criterion 1 has both route_to and escalate_to_level; keep one"),
        ("a criterion without an action",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[criteria]]\nname = \"VIP\"\nwhen = { tag = \"vip\" }\n[[ladder]]\nholder = \"L1\"\n",
            Some(5), "criterion 1 does nothing; add route_to"),
        ("an escalation beyond the ladder",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[criteria]]\nname = \"VIP\"\nwhen = { tag = \"vip\" }\nescalate_to_level = 3\n[[ladder]]\nholder = \"L1\"\n[[ladder]]\nholder = \"L2\"\n",
            Some(8), "criterion 1: there is no level 3; the ladder has 2 levels"),
        ("an unknown priority with a suggestion",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\npriority = [\"urgent\", \"hihg\"]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n",
            Some(4), "targets rule 1: \"hihg\" is not a priority; use low, normal, high or urgent (did you mean \"high\"?)"),
        ("a repeated priority",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\npriority = [\"high\", \"high\"]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n",
            Some(4), "targets rule 1: priority lists \"high\" more than once"),
        ("a plan that is not a plain name",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nplan = \"gold plan\"\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n",
            Some(4), "A plan may contain only letters, digits, '-' and '_'"),
        ("an unknown status in [pause]",
            "name = \"P\"\ncalendar = \"C\"\n[pause]\nwaiting = [\"resolution\"]\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n",
            Some(4), "[pause]: unknown key \"waiting\"; use pending or on_hold"),
        ("a status that cannot pause",
            "name = \"P\"\ncalendar = \"C\"\n[pause]\nopen = [\"resolution\"]\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n",
            Some(4), "[pause] open: a ticket that is open is being worked and pauses no clock"),
        ("an unknown clock in [pause]",
            "name = \"P\"\ncalendar = \"C\"\n[pause]\npending = [\"resolutoin\"]\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n",
            Some(4), "[pause] pending: \"resolutoin\" is not a clock"),
        ("an unknown condition",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[criteria]]\nname = \"x\"\nwhen = { all = [{ prioirty = \"high\" }] }\nroute_to = \"L2\"\n[[ladder]]\nholder = \"L1\"\n",
            Some(7), "criterion 1, when: unknown key \"prioirty\"; did you mean \"priority\"?"),
        ("an empty all",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[criteria]]\nname = \"x\"\nwhen = { all = [] }\nroute_to = \"L2\"\n[[ladder]]\nholder = \"L1\"\n",
            Some(7), "criterion 1, when: all is an empty list; give at least one condition"),
        ("an empty condition",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[criteria]]\nname = \"x\"\nwhen = { not = {} }\nroute_to = \"L2\"\n[[ladder]]\nholder = \"L1\"\n",
            Some(7), "the condition is empty"),
        ("a list given to tag",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[criteria]]\nname = \"x\"\nwhen = { tag = [\"a\", \"b\"] }\nroute_to = \"L2\"\n[[ladder]]\nholder = \"L1\"\n",
            Some(7), "tag takes one tag in quotes; use tags_any for a list"),
        ("a count of zero",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[criteria]]\nname = \"x\"\nwhen = { reopen_count_at_least = 0 }\nroute_to = \"L2\"\n[[ladder]]\nholder = \"L1\"\n",
            Some(7), "reopen_count_at_least must be a whole number from 1 to"),
        ("an unknown ticket channel",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[criteria]]\nname = \"x\"\nwhen = { channel = \"fax\" }\nroute_to = \"L2\"\n[[ladder]]\nholder = \"L1\"\n",
            Some(7), "\"fax\" is not a channel; use portal, email, phone or api"),
        ("a targets rule without targets",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\npriority = \"low\"\n[[ladder]]\nholder = \"L1\"\n",
            Some(3), "targets rule 1 sets no target"),
        ("a targets rule hidden by an earlier one",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\npriority = [\"high\", \"urgent\"]\nresolution = \"4h\"\n[[targets]]\npriority = \"urgent\"\nplan = \"premium\"\nresolution = \"2h\"\n[[ladder]]\nholder = \"L1\"\n",
            Some(6), "targets rule 2 can never apply: targets rule 1 before it matches every ticket it would match"),
        ("no targets at all",
            "name = \"P\"\ncalendar = \"C\"\n[[ladder]]\nholder = \"L1\"\n",
            None, "the policy has no targets"),
        ("a missing name",
            "calendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n",
            None, "the policy has no name; add name = \"Standard support\""),
        ("a name that is not text",
            "name = 3\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n",
            Some(1), "the policy: name must be text in quotes, not a whole number"),
        ("an empty holder",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"  \"\n",
            Some(6), "ladder level 1: holder is empty"),
        ("a section that is not a list of tables",
            "name = \"P\"\ncalendar = \"C\"\ncheckpoints = \"often\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n",
            Some(3), "checkpoints must be written as [[checkpoints]] sections, not as text"),
        ("two checkpoints for one tier",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n[[checkpoints]]\ntier = \"L1\"\npublic_update_every = \"4h\"\n[[checkpoints]]\ntier = \"L1\"\npublic_update_every = \"2h\"\n",
            Some(11), "checkpoint 2: L1 already has checkpoint 1; keep one per tier"),
        ("a TOML syntax error",
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = 4h\n[[ladder]]\nholder = \"L1\"\n",
            Some(4), "string values must be quoted"),
        ("a duplicate key, which TOML itself refuses",
            "name = \"P\"\nname = \"Q\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n",
            Some(2), "duplicate key"),
    ];
    for (sentence, source, line, fragment) in cases {
        let errors = errors(source);
        assert!(
            errors.iter().any(|error| error.line == *line && error.message.contains(fragment)),
            "{sentence}: expected line {line:?} with {fragment:?}, got:\n{}",
            PolicyErrors(errors.clone())
        );
        assert_eq!(
            errors.len(),
            1,
            "{sentence}: one mistake gives one error, got:\n{}",
            PolicyErrors(errors)
        );
    }
}

#[test]
fn several_errors_in_one_document_are_all_reported_in_line_order() {
    let source = r#"name = "P"
calendar = "C"
colour = "red"

[pause]
pending = ["resolution", "tier_budgte"]

[[targets]]
priority = ["urgent", "hihg"]
resolution = "4x"

[[criteria]]
name = "Twice"
when = { channel = "fax" }
route_to = "L2"

[[criteria]]
name = "Twice"
when = { tag = "vip" }
escalate_to_level = 5

[[ladder]]
budget = "2h"
reminders = [{ clock = "resolution", at = 1.5 }]
on_breach = ["next_levl", "call_mum"]

[[notify]]
events = ["breach"]
to = ["lead"]
channels = ["sms"]
"#;
    let errors = errors(source);
    let lines: Vec<Option<usize>> = errors.iter().map(|error| error.line).collect();
    assert_eq!(
        lines,
        vec![
            Some(3),
            Some(6),
            Some(9),
            Some(10),
            Some(14),
            Some(18),
            Some(20),
            Some(22),
            Some(24),
            Some(25),
            Some(25),
            Some(30),
        ],
        "{}",
        PolicyErrors(errors.clone())
    );
    assert!(errors[7].message.contains("ladder level 1 has no holder"));
    assert!(errors[9].message.contains("\"next_levl\" is not a breach action"), "{}", errors[9]);
    assert!(errors[10].message.contains("\"call_mum\" is not a breach action"));
}

#[test]
fn errors_display_as_line_and_message_one_per_line() {
    let errors = Policy::from_toml("name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4x\"\n")
        .expect_err("two mistakes");
    assert_eq!(
        errors.to_string(),
        "line 4: targets rule 1: resolution \"4x\" is not a duration (\"x\" is not a unit; use d, h, m or s); \
         write it like \"90s\", \"30m\", \"4h\" or \"1h30m\"\n\
         the ladder is empty; add at least one [[ladder]] level with a holder"
    );
    assert_eq!(errors.len(), 2);
    assert_eq!(LineError::at_line(3, "x").to_string(), "line 3: x");
}

#[test]
fn several_syntax_errors_are_reported_once_per_line() {
    let errors = errors("name = \"P\ncalendar = \"C\"\n[[targets]]\nresolution = 4h\n");
    let lines: Vec<Option<usize>> = errors.iter().map(|error| error.line).collect();
    assert_eq!(lines, vec![Some(1), Some(4)], "{}", PolicyErrors(errors.clone()));
}

/// A row for `targets_for`: priority, plan, rule number, explanation, first response, calendar.
type TargetsCase = (Priority, &'static str, usize, &'static str, Duration, &'static str);

#[test]
fn targets_for_picks_the_first_matching_rule_and_explains_it() {
    let example = example();
    #[rustfmt::skip]
    let cases: &[TargetsCase] = &[
        (Priority::Urgent, "enterprise", 1, "targets rule 1 (priority urgent; plan enterprise or premium)",
            minutes(30), "Around the clock"),
        (Priority::Urgent, "premium",    1, "targets rule 1 (priority urgent; plan enterprise or premium)",
            minutes(30), "Around the clock"),
        (Priority::Urgent, "Enterprise", 1, "targets rule 1 (priority urgent; plan enterprise or premium)",
            minutes(30), "Around the clock"),
        (Priority::Urgent, "standard",   2, "targets rule 2 (priority urgent)",
            hours(1), "Office hours (Berlin)"),
        (Priority::High,   "premium",    3, "targets rule 3 (priority high; plan enterprise or premium)",
            hours(1), "Office hours (Berlin)"),
        (Priority::High,   "standard",   4, "targets rule 4 (priority high)",
            hours(2), "Office hours (Berlin)"),
        (Priority::Normal, "enterprise", 5, "targets rule 5 (priority normal)",
            hours(4), "Office hours (Berlin)"),
        (Priority::Low,    "enterprise", 6, "targets rule 6 (every ticket)",
            hours(8), "Office hours (Berlin)"),
    ];
    for (priority, plan, number, rule, first_response, calendar) in cases {
        let matched = example.targets_for(*priority, plan).expect("the example has a catch-all rule");
        assert_eq!(matched.rule_number, *number, "{priority:?} {plan}");
        assert_eq!(matched.rule, *rule);
        assert_eq!(matched.first_response, Some(*first_response), "{rule}");
        assert_eq!(matched.calendar, *calendar, "{rule}");
    }
    let urgent = example.targets_for(Priority::Urgent, "enterprise").expect("matches");
    assert_eq!((urgent.next_response, urgent.resolution), (Some(hours(1)), Some(hours(4))));
}

#[test]
fn targets_for_answers_none_when_no_rule_matches_and_keeps_targets_a_rule_leaves_out() {
    let policy = policy(
        "name = \"P\"\ncalendar = \"C\"\n[[targets]]\npriority = \"urgent\"\nfirst_response = \"15m\"\n\
         [[ladder]]\nholder = \"L1\"\n",
    );
    assert_eq!(policy.targets_for(Priority::Low, "standard"), None);
    let urgent = policy.targets_for(Priority::Urgent, "standard").expect("matches");
    assert_eq!(urgent.first_response, Some(minutes(15)));
    assert_eq!((urgent.next_response, urgent.resolution), (None, None));
    assert_eq!(urgent.calendar, "C");
}

#[test]
fn without_a_pause_section_pending_and_on_hold_pause_resolution_and_the_tier_budget() {
    let policy = policy(
        "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n",
    );
    let waiting = [ClockKind::Resolution, ClockKind::TierBudget];
    assert_eq!(policy.pauses(TicketStatus::Pending), waiting);
    assert_eq!(policy.pauses(TicketStatus::OnHold), waiting);
    for status in [TicketStatus::New, TicketStatus::Open, TicketStatus::Resolved, TicketStatus::Closed] {
        assert_eq!(policy.pauses(status), [], "{status:?}");
    }
    assert_eq!(policy.pause_rules, PauseRules::default());
}

#[test]
fn a_pause_section_changes_only_the_statuses_it_names() {
    let policy = policy(
        "name = \"P\"\ncalendar = \"C\"\n[pause]\npending = [\"first_response\", \"resolution\"]\n\
         [[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n",
    );
    assert_eq!(policy.pauses(TicketStatus::Pending), [ClockKind::FirstResponse, ClockKind::Resolution]);
    assert_eq!(policy.pauses(TicketStatus::OnHold), [ClockKind::Resolution, ClockKind::TierBudget]);
    let written = policy.to_toml();
    assert!(written.contains(
        "[pause]\npending = [\"first_response\", \"resolution\"]\non_hold = [\"resolution\", \"tier_budget\"]\n"
    ));
    assert_eq!(Policy::from_toml(&written), Ok(policy));

    let never = policy_with_pauses("pending = []\non_hold = []\n");
    assert_eq!(never.pause_rules, PauseRules::none());
    assert_eq!(Policy::from_toml(&never.to_toml()), Ok(never));
}

fn policy_with_pauses(pauses: &str) -> Policy {
    policy(&format!(
        "name = \"P\"\ncalendar = \"C\"\n[pause]\n{pauses}[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n"
    ))
}

#[test]
fn targets_and_budgets_are_handed_to_the_clock_engine_with_their_explanation() {
    let example = example();
    let matched = example.targets_for(Priority::High, "premium").expect("rule 3");
    assert_eq!(
        matched.for_clock(ClockKind::Resolution),
        TargetRule::new(hours(16), "targets rule 3 (priority high; plan enterprise or premium)")
    );
    assert_eq!(matched.for_clock(ClockKind::TierBudget).target, None);
    assert_eq!(
        example.tier_budget_for("L2 Specialists"),
        TargetRule::new(hours(8), "ladder level 2 (L2 Specialists)")
    );
    assert_eq!(example.tier_budget_for("Security").target, None);
}

#[test]
fn conditions_match_ticket_facts() {
    // The facts: normal priority, standard plan, category Billing, tagged vip, by e-mail,
    // reopened once, two unanswered messages, held by L1 Service Desk, 10 hours old.
    #[rustfmt::skip]
    let cases: &[(&str, &str, bool)] = &[
        ("a priority in the list",            r#"{ priority = ["normal", "high"] }"#,            true),
        ("a priority not in the list",        r#"{ priority = "urgent" }"#,                       false),
        ("the plan",                          r#"{ plan = "standard" }"#,                        true),
        ("another plan",                      r#"{ plan = ["premium", "enterprise"] }"#,         false),
        ("the category",                      r#"{ category = "Billing" }"#,                     true),
        ("another category",                  r#"{ category = "Security" }"#,                    false),
        ("a tag the ticket has",              r#"{ tag = "vip" }"#,                              true),
        ("a tag the ticket lacks",            r#"{ tag = "outage" }"#,                           false),
        ("tags of which it has one",          r#"{ tags_any = ["outage", "vip"] }"#,             true),
        ("tags of which it has none",         r#"{ tags_any = ["outage", "refund"] }"#,          false),
        ("the channel",                       r#"{ channel = ["email", "phone"] }"#,             true),
        ("another channel",                   r#"{ channel = "portal" }"#,                       false),
        ("reopened at least once",            r#"{ reopen_count_at_least = 1 }"#,                true),
        ("reopened at least twice",           r#"{ reopen_count_at_least = 2 }"#,                false),
        ("two unanswered messages",           r#"{ unanswered_customer_messages_at_least = 2 }"#, true),
        ("three unanswered messages",         r#"{ unanswered_customer_messages_at_least = 3 }"#, false),
        ("the current tier",                  r#"{ tier = "L1 Service Desk" }"#,                 true),
        ("another tier",                      r#"{ tier = ["L2 Specialists", "L3 Engineering"] }"#, false),
        ("old enough",                        r#"{ age_hours_at_least = 10 }"#,                  true),
        ("not old enough",                    r#"{ age_hours_at_least = 11 }"#,                  false),
        ("all hold",                          r#"{ all = [{ tag = "vip" }, { plan = "standard" }] }"#, true),
        ("one of all fails",                  r#"{ all = [{ tag = "vip" }, { plan = "premium" }] }"#,  false),
        ("one of any holds",                  r#"{ any = [{ tag = "outage" }, { plan = "standard" }] }"#, true),
        ("none of any holds",                 r#"{ any = [{ tag = "outage" }, { plan = "premium" }] }"#,  false),
        ("not of a failing leaf",             r#"{ not = { priority = "urgent" } }"#,            true),
        ("not of a holding leaf",             r#"{ not = { tag = "vip" } }"#,                    false),
        ("several keys must all hold",        r#"{ category = "Billing", tag = "vip" }"#,        true),
        ("several keys, one fails",           r#"{ category = "Billing", tag = "outage" }"#,     false),
        ("nested any in all in not",
            r#"{ not = { all = [{ tag = "vip" }, { any = [{ plan = "premium" }, { channel = "phone" }] }] } }"#, true),
    ];
    let facts = facts();
    for (sentence, when, expected) in cases {
        assert_eq!(condition(when).matches(&facts), *expected, "{sentence}: {when}");
    }
}

#[test]
fn leaves_about_missing_facts_do_not_hold_and_tags_ignore_case() {
    let facts = CriterionFacts { category: None, tier: None, tags: vec!["VIP".into()], ..facts() };
    assert!(!condition(r#"{ category = "Billing" }"#).matches(&facts));
    assert!(condition(r#"{ not = { category = "Billing" } }"#).matches(&facts));
    assert!(!condition(r#"{ tier = "L1 Service Desk" }"#).matches(&facts));
    assert!(condition(r#"{ tag = "vip" }"#).matches(&facts));
}

#[test]
fn conditions_describe_themselves_in_plain_english() {
    #[rustfmt::skip]
    let cases: &[(&str, &str)] = &[
        (r#"{ all = [{ category = "Security" }, { priority = ["high", "urgent"] }] }"#,
            "the category is Security and the priority is high or urgent"),
        (r#"{ priority = ["low", "normal", "high"] }"#, "the priority is low, normal or high"),
        (r#"{ any = [{ category = "Billing" }, { tags_any = ["invoice", "refund"] }] }"#,
            "the category is Billing or the ticket is tagged invoice or refund"),
        (r#"{ all = [{ plan = "enterprise" }, { any = [{ tag = "vip" }, { channel = "phone" }] }] }"#,
            "the plan is enterprise and (the ticket is tagged vip or the channel is phone)"),
        (r#"{ not = { priority = "low" } }"#, "the priority is not low"),
        (r#"{ not = { tier = ["L2 Specialists", "L3 Engineering"] } }"#,
            "the current tier is not L2 Specialists or L3 Engineering"),
        (r#"{ not = { any = [{ tag = "a" }, { tag = "b" }] } }"#,
            "neither the ticket is tagged a nor the ticket is tagged b"),
        (r#"{ not = { all = [{ tag = "a" }, { plan = "premium" }] } }"#,
            "it is not true that (the ticket is tagged a and the plan is premium)"),
        (r#"{ not = { not = { tag = "a" } } }"#, "the ticket is tagged a"),
        (r#"{ reopen_count_at_least = 2 }"#, "the ticket has been reopened at least twice"),
        (r#"{ not = { reopen_count_at_least = 3 } }"#, "the ticket has been reopened less than 3 times"),
        (r#"{ unanswered_customer_messages_at_least = 1 }"#, "at least 1 customer message is unanswered"),
        (r#"{ unanswered_customer_messages_at_least = 3 }"#, "at least 3 customer messages are unanswered"),
        (r#"{ age_hours_at_least = 24 }"#, "the ticket is at least 24 hours old"),
        (r#"{ not = { age_hours_at_least = 1 } }"#, "the ticket is less than 1 hour old"),
        (r#"{ not = { reopen_count_at_least = 1 } }"#, "the ticket has never been reopened"),
        (r#"{ not = { unanswered_customer_messages_at_least = 1 } }"#, "no customer message is unanswered"),
        (r#"{ not = { unanswered_customer_messages_at_least = 2 } }"#,
            "fewer than 2 customer messages are unanswered"),
        (r#"{ channel = ["api", "email"] }"#, "the channel is API or e-mail"),
        (r#"{ category = "Hardware", channel = "phone" }"#,
            "the category is Hardware and the channel is phone"),
    ];
    for (when, expected) in cases {
        assert_eq!(condition(when).describe(), *expected, "{when}");
    }
}

#[test]
fn the_first_matching_criterion_wins() {
    let example = example();
    let security = CriterionFacts {
        priority: Priority::Urgent,
        category: Some("Security".into()),
        tier: None,
        age_hours: 0,
        ..facts()
    };
    let criterion = example.first_matching_criterion(&security).expect("the security rule");
    assert_eq!(criterion.name, "Security incidents go straight to the Security group");
    assert_eq!(criterion.action, CriterionAction::RouteTo("Security".into()));

    // Billing comes before the VIP escalation for the same ticket.
    let billing_vip = CriterionFacts { category: Some("Billing".into()), ..facts() };
    let criterion = example.first_matching_criterion(&billing_vip).expect("the billing rule");
    assert_eq!(criterion.action, CriterionAction::RouteTo("Billing & Accounts".into()));
    assert_eq!(example.first_matching_escalation(&billing_vip), None);

    let old_urgent = CriterionFacts { priority: Priority::Urgent, age_hours: 30, category: None, ..facts() };
    let criterion = example.first_matching_criterion(&old_urgent).expect("the age rule");
    assert_eq!(criterion.action, CriterionAction::EscalateToLevel(3));
    assert_eq!(example.first_matching_route(&old_urgent), None);

    let quiet = CriterionFacts { category: None, tags: vec![], ..facts() };
    assert_eq!(example.first_matching_criterion(&quiet), None);
}

#[test]
fn levels_are_numbered_from_one() {
    let example = example();
    assert_eq!(example.level(0), None);
    assert_eq!(example.level(1).map(|level| level.holder.as_str()), Some("L1 Service Desk"));
    assert_eq!(example.level(3).map(|level| level.holder.as_str()), Some("L3 Engineering"));
    assert_eq!(example.level(4), None);
    let first = example.level(1).expect("level 1");
    assert_eq!(first.budget, Some(hours(2)));
    assert_eq!(first.reminders[1], Reminder { clock: ClockKind::TierBudget, at: 0.75 });
    assert_eq!(first.reminders[1].percent(), 75);
    let percents: Vec<u32> =
        example.ladder.iter().flat_map(|level| &level.reminders).map(Reminder::percent).collect();
    assert_eq!(percents, [50, 75, 75, 50, 75, 90]);
    assert_eq!(first.on_breach, [BreachAction::NextLevel, BreachAction::NotifyLead]);
}

#[test]
fn every_whole_percent_is_accepted_and_recorded_exactly() {
    let reminders: Vec<String> =
        (1..100).map(|percent| format!("{{ clock = \"resolution\", at = 0.{percent:02} }}")).collect();
    let policy = policy(&format!(
        "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n\
         reminders = [{}]\n",
        reminders.join(", ")
    ));
    let percents: Vec<u32> = policy.ladder[0].reminders.iter().map(Reminder::percent).collect();
    assert_eq!(percents, (1..100).collect::<Vec<u32>>());
    assert_eq!(Policy::from_toml(&policy.to_toml()), Ok(policy));
}

#[test]
fn check_names_finds_unknown_names_with_their_lines() {
    let source = r#"name = "P"
calendar = "Office hours"
[[targets]]
resolution = "4h"
calendar = "Around the clock"
[[criteria]]
name = "x"
when = { any = [{ category = "Securty" }, { tier = "L4 Wizards" }] }
route_to = "Security"
[[ladder]]
holder = "L1 Service desk"
[[checkpoints]]
tier = "L9"
public_update_every = "4h"
"#;
    let errors = policy(source).check_names(&DEMO_TIERS_AND_GROUPS, &DEMO_CALENDARS, &DEMO_CATEGORIES);
    let found: Vec<(Option<usize>, &str)> =
        errors.iter().map(|error| (error.line, error.message.as_str())).collect();
    let all_tiers_and_groups = "known: \"L1 Service Desk\", \"L2 Specialists\", \"L3 Engineering\", \
                                \"Service Desk\", \"Network\", \"Billing & Accounts\", \"Engineering\", \"Security\"";
    assert_eq!(
        found,
        vec![
            (
                Some(2),
                "\"Office hours\" is not a known calendar; known: \"Office hours (Berlin)\", \"Around the clock\""
            ),
            (Some(8), "\"Securty\" is not a known category; did you mean \"Security\"?"),
            (Some(8), format!("\"L4 Wizards\" is not a known tier or group; {all_tiers_and_groups}").as_str()),
            (Some(11), "\"L1 Service desk\" is not a known tier or group; did you mean \"L1 Service Desk\"?"),
            (Some(13), format!("\"L9\" is not a known tier or group; {all_tiers_and_groups}").as_str()),
        ]
    );
    // Names built in code have no line.
    let mut example = example();
    example.calendar = NameRef::new("Nowhere");
    let errors = example.check_names(&DEMO_TIERS_AND_GROUPS, &DEMO_CALENDARS, &DEMO_CATEGORIES);
    assert_eq!(
        errors,
        vec![LineError::new(
            "\"Nowhere\" is not a known calendar; known: \"Office hours (Berlin)\", \"Around the clock\""
        )]
    );
    // Without any calendar, every calendar is unknown; those without a line come last.
    let errors = example.check_names(&DEMO_TIERS_AND_GROUPS, &[], &DEMO_CATEGORIES);
    let messages: Vec<(Option<usize>, &str)> =
        errors.iter().map(|error| (error.line, error.message.as_str())).collect();
    assert_eq!(
        messages,
        vec![
            (Some(21), "\"Around the clock\" is not a known calendar; there is no calendar yet"),
            (None, "\"Nowhere\" is not a known calendar; there is no calendar yet"),
        ]
    );
}

/// A small valid policy with one `[[notify]]` rule made of `keys`, which start on line 7.
fn notify_rule(keys: &str) -> NotificationRule {
    let source = format!(
        "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n\
         [[notify]]\n{keys}"
    );
    policy(&source).notifications.remove(0)
}

#[test]
fn a_notify_rule_reads_categories_and_the_urgent_flag() {
    let plain = notify_rule("events = \"breach\"\nto = \"lead\"\nchannels = \"email\"\n");
    assert_eq!((plain.categories.clone(), plain.urgent), (vec![], false));

    let one =
        notify_rule("events = \"breach\"\ncategory = \"Security\"\nto = \"lead\"\nchannels = \"email\"\n");
    assert_eq!(one.categories, vec![NameRef::new("Security")]);
    assert_eq!(one.categories[0].line(), Some(9));

    let several = notify_rule(
        "events = \"breach\"\ncategory = [\"Security\", \" Billing \"]\nto = \"lead\"\nchannels = \"email\"\n\
         urgent = true\n",
    );
    assert_eq!(several.categories, vec![NameRef::new("Security"), NameRef::new("Billing")]);
    assert!(several.urgent);

    let not_urgent =
        notify_rule("events = \"breach\"\nto = \"lead\"\nchannels = \"email\"\nurgent = false\n");
    assert!(!not_urgent.urgent);
}

#[test]
fn categories_and_the_urgent_flag_round_trip_through_toml_and_json() {
    let mut policy = example();
    policy.notifications[1].categories = vec![NameRef::new("Security"), NameRef::new("Billing")];
    policy.notifications[1].urgent = true;
    policy.notifications[2].categories = vec![NameRef::new("Network & VPN")];
    let written = policy.to_toml();
    assert!(written.contains("category = [\"Security\", \"Billing\"]\nto = "), "{written}");
    assert!(written.contains("urgent = true"), "{written}");
    // Rules 1, 3 and the low-score rule of the example are urgent; the others do not say so.
    assert_eq!(written.matches("urgent = ").count(), 3, "only urgent rules say so:\n{written}");
    assert_eq!(Policy::from_toml(&written), Ok(policy.clone()));

    let json = serde_json::to_string(&policy).expect("a policy serialises");
    assert_eq!(serde_json::from_str::<Policy>(&json).expect("and deserialises"), policy);
    // A rule stored before the two fields existed reads as unfiltered and not urgent.
    let old = r#"{"events":["breach"],"priorities":[],"plans":[],"levels":[],"recipients":["lead"],"channels":["email"]}"#;
    let rule: NotificationRule = serde_json::from_str(old).expect("an older rule deserialises");
    assert_eq!((rule.categories, rule.urgent), (vec![], false));
}

#[test]
fn check_names_finds_unknown_categories_of_notify_rules_with_their_lines() {
    let source = r#"name = "P"
calendar = "Office hours (Berlin)"
[[targets]]
resolution = "4h"
[[ladder]]
holder = "L1 Service Desk"
[[notify]]
events = ["breach"]
category = ["Security", "Biling"]
to = ["lead"]
channels = ["email"]
[[notify]]
events = ["created"]
category = [
  "Hardware",
  "Printers",
]
to = ["group"]
channels = ["in_app"]
"#;
    let errors = policy(source).check_names(&DEMO_TIERS_AND_GROUPS, &DEMO_CALENDARS, &DEMO_CATEGORIES);
    let found: Vec<(Option<usize>, &str)> =
        errors.iter().map(|error| (error.line, error.message.as_str())).collect();
    assert_eq!(
        found,
        vec![
            (Some(9), "\"Biling\" is not a known category; did you mean \"Billing\"?"),
            (
                Some(16),
                "\"Printers\" is not a known category; known: \"Access & accounts\", \"Billing\", \
                 \"Hardware\", \"Integrations & API\", \"Network & VPN\", \"Security\""
            ),
        ]
    );
    // Names compare exactly, as the category leaf of a condition does.
    let errors = policy(&source.replace("Biling", "Billing").replace("Printers", "hardware")).check_names(
        &DEMO_TIERS_AND_GROUPS,
        &DEMO_CALENDARS,
        &DEMO_CATEGORIES,
    );
    assert_eq!(
        errors,
        vec![LineError::at_line(16, "\"hardware\" is not a known category; did you mean \"Hardware\"?")]
    );
}

#[test]
fn the_markdown_says_which_categories_a_notify_rule_covers_and_whether_it_is_urgent() {
    let mut policy = example();
    policy.notifications[1].categories = vec![NameRef::new("Security"), NameRef::new("Billing")];
    policy.notifications[1].urgent = true;
    policy.notifications[7].urgent = true;
    let markdown = policy.to_markdown();
    for expected in [
        "- When a ticket is escalated or a target or budget is breached (priority high or urgent; category \
         Security or Billing), the group holding the ticket and the lead are told by in-app message and \
         e-mail, urgently (quiet hours and digests do not hold these messages).",
        "- When a reminder is due or a checkpoint is missed, the assignee is told by in-app message, urgently \
         (quiet hours and digests do not hold these messages).",
        "- When a ticket is created (priority urgent), the group holding the ticket is told by in-app message \
         and Slack.",
    ] {
        assert!(markdown.contains(expected), "missing {expected:?} in:\n{markdown}");
    }
    // Rules 1, 3 (the Security escalations), 7 and the low-score rule.
    assert_eq!(markdown.matches("urgently").count(), 4, "{markdown}");
}

#[test]
fn the_markdown_tells_other_survey_settings_too() {
    let mut policy = example();
    policy.survey.audience = crate::survey::SurveyAudience::EscalatedOnly;
    policy.survey.plans = vec!["enterprise".into()];
    policy.survey.remind_after = None;
    policy.survey.valid_for = chrono::Duration::hours(36);
    let markdown = policy.to_markdown();
    for expected in [
        "- The requester of a resolved ticket that was escalated is asked for feedback when their organisation's plan is enterprise.",
        "- The survey's link works once, for 36 hours; no reminder.",
    ] {
        assert!(markdown.contains(expected), "missing {expected:?} in:\n{markdown}");
    }
    policy.survey.audience = crate::survey::SurveyAudience::Nobody;
    assert!(policy.to_markdown().contains("- No satisfaction surveys are sent."));
}

#[test]
fn the_markdown_reads_as_plain_english() {
    let markdown = example().to_markdown();
    for expected in [
        "# Standard support",
        "Clocks run on the calendar **Office hours (Berlin)** unless a targets rule names another.",
        "| Rule | Priority | Plan | First response | Next response | Resolution | Calendar |",
        "| 1 | urgent | enterprise, premium | 30 minutes | 1 hour | 4 hours | Around the clock |",
        "| 6 | any | any | 8 hours | 16 hours | 80 hours | Office hours (Berlin) |",
        "- **Pending (waiting on customer)** stops the resolution and tier budget clocks.",
        "1. **Security incidents go straight to the Security group**: When the category is Security and the \
         priority is high or urgent, route to Security.",
        "When the category is Billing or the ticket is tagged invoice or refund, route to Billing & Accounts.",
        "When the priority is urgent, the ticket is at least 24 hours old and the ticket is not tagged \
         waiting-on-vendor, escalate at once to level 3 (L3 Engineering).",
        "When the category is Access & accounts, the ticket is tagged vip and the current tier is not L2 \
         Specialists or L3 Engineering, escalate at once to level 2 (L2 Specialists).",
        "1. **L1 Service Desk** holds the ticket for 2 hours of business time.",
        "   - Reminders at 50 % of the first response target and at 75 % of the tier budget.",
        "   - When the budget runs out: move the ticket to level 2 (L2 Specialists) and notify the lead.",
        "   - When the budget runs out: move the ticket to level 3 (L3 Engineering), notify the managers and \
         raise the priority one step.",
        "   - Reminders at 75 % and 90 % of the resolution target.",
        "- When a ticket is escalated or a target or budget is breached (priority high or urgent), the group \
         holding the ticket and the lead are told by in-app message and e-mail, urgently (quiet hours and \
         digests do not hold these messages).",
        "- When a ticket is escalated or a target or budget is breached (plan enterprise; level 3), the \
         managers and duty-manager@example.com are told by e-mail and Microsoft Teams.",
        "- When a reminder is due or a checkpoint is missed, the assignee is told by in-app message.",
        "- When a target or budget is breached (priority urgent), the watchers are told by the webhook \
         status-page.",
        "- While **L3 Engineering** holds a ticket, a public update is due every 4 hours of business time.",
        "- When a customer gives a low satisfaction score, the lead is told by in-app message and e-mail, urgently",
        "## Satisfaction survey",
        "- The requester of every resolved ticket is asked for feedback.",
        "- The survey's link works once, for 14 days; one reminder after 3 days if unanswered.",
        "- A customer is asked about at most one ticket every 7 days; a reopened ticket is asked again when it is resolved.",
        "- A score of 2 or lower alerts the leads of the tiers that held the ticket and opens a review.",
    ] {
        assert!(markdown.contains(expected), "missing {expected:?} in:\n{markdown}");
    }
}

#[test]
fn markdown_escapes_names_and_says_when_sections_are_empty() {
    let policy = policy(
        "name = \"*Fast* | support\"\ncalendar = \"C\"\n[pause]\npending = []\non_hold = []\n[[targets]]\nresolution = \"90m\"\n\
         [[ladder]]\nholder = \"L1_desk\"\n",
    );
    let markdown = policy.to_markdown();
    for expected in [
        "# \\*Fast\\* \\| support",
        "| 1 | any | any | — | — | 1 hour 30 minutes | C |",
        "No status stops a clock.",
        "No criteria: new tickets start at level 1 of the ladder.",
        "1. **L1\\_desk** holds the ticket with no time budget.",
        "No notification rules.",
        "No checkpoints.",
    ] {
        assert!(markdown.contains(expected), "missing {expected:?} in:\n{markdown}");
    }
}

#[test]
fn percentages_and_durations_read_naturally() {
    assert_eq!(percent(0.75), "75 %");
    assert_eq!(percent(0.125), "12.5 %");
    assert_eq!(percent(1.0 / 3.0), "33.3 %");
    assert_eq!(percent(0.07), "7 %");
    assert_eq!(duration_in_words(minutes(61)), "1 hour 1 minute");
    assert_eq!(duration_in_words(Duration::seconds(90)), "1 minute 30 seconds");
}

#[test]
fn the_words_of_policies_round_trip_through_their_text() {
    for clock in ClockKind::ALL {
        assert_eq!(ClockKind::parse(clock.as_str()), Some(*clock));
    }
    for action in BreachAction::ALL {
        assert_eq!(BreachAction::parse(action.as_str()), Some(*action));
    }
    for event in EventKind::ALL {
        assert_eq!(EventKind::parse(event.as_str()), Some(*event));
    }
    assert_eq!(ClockKind::TierBudget.label(), "Tier budget");
    assert_eq!(ClockKind::parse("tier-budget"), None);
    for text in ["assignee", "requester", "email:desk@example.com"] {
        assert_eq!(Recipient::parse(text).map(|recipient| recipient.as_text()), Ok(text.to_string()));
    }
    assert_eq!(Recipient::parse("email:Desk@Example.com"), Ok(Recipient::Email("desk@example.com".into())));
    for text in ["in_app", "teams", "webhook:status-page"] {
        assert_eq!(NotificationChannel::parse(text).map(|channel| channel.as_text()), Ok(text.to_string()));
    }
    assert!(NotificationChannel::parse("webhook:").is_err());
    assert_eq!(serde_json::to_string(&ClockKind::FirstResponse).expect("serialises"), "\"first_response\"");
}

#[test]
fn name_references_compare_by_name_and_remember_their_line() {
    let policy = policy(
        "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n",
    );
    assert_eq!(policy.calendar.line(), Some(2));
    assert_eq!(policy.ladder[0].holder.line(), Some(6));
    assert_eq!(policy.calendar, NameRef::new("C"));
    assert_eq!(policy.calendar, "C");
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn leaves() -> impl Strategy<Value = Condition> {
        let some = |pool: &'static [&'static str]| {
            proptest::sample::subsequence(pool, 1..=pool.len())
                .prop_map(|words| words.into_iter().map(str::to_string).collect::<Vec<String>>())
        };
        prop_oneof![
            proptest::sample::subsequence(Priority::ALL, 1..=4).prop_map(Condition::Priority),
            some(&["standard", "premium", "enterprise"]).prop_map(Condition::Plan),
            some(&["Billing", "Security", "Network & VPN", "a \"quoted\" \\ name"])
                .prop_map(|names| Condition::Category(names.into_iter().map(NameRef::from).collect())),
            proptest::sample::select(&["vip", "outage", "waiting-on-vendor"][..])
                .prop_map(|tag| Condition::Tag(tag.to_string())),
            some(&["vip", "outage", "refund"]).prop_map(Condition::TagsAny),
            proptest::sample::subsequence(Channel::ALL, 1..=4).prop_map(Condition::Channel),
            (1i64..5).prop_map(Condition::ReopenCountAtLeast),
            (1i64..5).prop_map(Condition::UnansweredCustomerMessagesAtLeast),
            some(&["L1 Service Desk", "L2 Specialists"])
                .prop_map(|names| Condition::Tier(names.into_iter().map(NameRef::from).collect())),
            (1i64..100).prop_map(Condition::AgeHoursAtLeast),
        ]
    }

    fn conditions() -> impl Strategy<Value = Condition> {
        leaves().prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 1..4).prop_map(Condition::All),
                prop::collection::vec(inner.clone(), 1..4).prop_map(Condition::Any),
                inner.prop_map(|condition| Condition::Not(Box::new(condition))),
            ]
        })
    }

    fn facts() -> impl Strategy<Value = CriterionFacts> {
        (
            proptest::sample::select(Priority::ALL),
            proptest::sample::select(&["standard", "premium", "enterprise"][..]),
            proptest::option::of(proptest::sample::select(&["Billing", "Security", "Network & VPN"][..])),
            proptest::sample::subsequence(&["vip", "outage", "refund"][..], 0..=3),
            proptest::sample::select(Channel::ALL),
            (0i64..6, 0i64..6, 0i64..120),
            proptest::option::of(proptest::sample::select(&["L1 Service Desk", "L2 Specialists"][..])),
        )
            .prop_map(
                |(priority, plan, category, tags, channel, (reopened, unanswered, age), tier)| {
                    CriterionFacts {
                        priority,
                        plan: plan.to_string(),
                        category: category.map(str::to_string),
                        tags: tags.into_iter().map(str::to_string).collect(),
                        channel,
                        reopen_count: reopened,
                        unanswered_customer_messages: unanswered,
                        tier: tier.map(str::to_string),
                        age_hours: age,
                    }
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn written_durations_read_back_equal(seconds in 1i64..=MAX_DURATION_DAYS * 86_400) {
            let duration = Duration::seconds(seconds);
            prop_assert_eq!(parse_duration(&format_duration(duration)), Ok(duration));
        }

        #[test]
        fn a_damaged_policy_is_reported_with_lines_inside_it_and_never_panics(
            line in 0usize..400, replacement in "[a-z0-9 =\\[\\]{}\",._:-]{0,16}",
        ) {
            let mut lines: Vec<&str> = EXAMPLE_POLICY.lines().collect();
            let index = line % lines.len();
            lines[index] = &replacement;
            let source = lines.join("\n");
            match Policy::from_toml(&source) {
                Ok(policy) => prop_assert_eq!(Policy::from_toml(&policy.to_toml()), Ok(policy)),
                Err(errors) => {
                    prop_assert!(!errors.is_empty());
                    for error in errors.iter() {
                        let inside = error.line.is_none_or(|line| (1..=lines.len()).contains(&line));
                        prop_assert!(inside, "{} in:\n{}", error, source);
                    }
                }
            }
        }

        #[test]
        fn any_condition_round_trips_through_to_toml_and_keeps_its_meaning(
            when in conditions(), name in "[^\u{0}]{0,12}[a-z][^\u{0}]{0,12}", facts in facts(),
        ) {
            let mut policy = example();
            policy.name = name.trim().to_string();
            policy.criteria[0].when = when.clone();
            let written = policy.to_toml();
            let read = Policy::from_toml(&written);
            prop_assert_eq!(read.as_ref(), Ok(&policy), "{}", written);
            let negated = Condition::Not(Box::new(when.clone()));
            prop_assert_eq!(negated.matches(&facts), !when.matches(&facts));
            prop_assert!(!when.describe().is_empty());
        }
    }
}

fn policy_with_survey(survey: &str) -> Result<Policy, PolicyErrors> {
    Policy::from_toml(&format!(
        "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n[survey]\n{survey}"
    ))
}

#[test]
fn the_survey_section_reads_every_key_and_defaults_the_rest() {
    use crate::survey::{SurveyAudience, SurveySettings};
    let defaults = policy_with_survey("").expect("an empty section is valid");
    assert_eq!(defaults.survey, SurveySettings::default());
    assert_eq!(policy(&defaults.to_toml()), defaults, "the defaults are left out of the file");

    let full = policy_with_survey(
        "ask = \"escalated_only\"\nplans = [\"Enterprise\", \"premium\"]\nvalid_for = \"10d\"\n\
         remind_after = \"2d\"\nat_most_one_per = \"30d\"\nlow_score = 3\n",
    )
    .expect("valid");
    let expected = SurveySettings {
        audience: SurveyAudience::EscalatedOnly,
        plans: vec!["enterprise".into(), "premium".into()],
        valid_for: Duration::days(10),
        remind_after: Some(Duration::days(2)),
        at_most_one_per: Duration::days(30),
        low_score: 3,
    };
    assert_eq!(full.survey, expected);
    assert_eq!(policy(&full.to_toml()), full, "round trip through TOML");

    let never = policy_with_survey("remind_after = \"never\"\n").expect("valid");
    assert_eq!(never.survey.remind_after, None);
    assert_eq!(policy(&never.to_toml()), never);
}

#[test]
fn survey_mistakes_are_reported_with_their_lines() {
    // The section's first key is on line 8 of the test policy.
    let cases = [
        ("ask = \"everyone\"\n", 8, "ask"),
        (
            "valid_for = \"2d\"\nremind_after = \"3d\"\n",
            9,
            "remind_after (72h) must be shorter than valid_for (48h)",
        ),
        ("low_score = 5\n", 8, "low_score"),
        ("low_score = 0\n", 8, "low_score"),
        ("valid_for = 14\n", 8, "valid_for must be a duration"),
        ("reminder = \"3d\"\n", 8, "unknown key"),
    ];
    for (section, line, words) in cases {
        let errors = policy_with_survey(section).expect_err(section).0;
        assert_eq!(errors.len(), 1, "{section}: {errors:?}");
        assert_eq!(errors[0].line, Some(line), "{section}: {errors:?}");
        assert!(errors[0].message.contains(words), "{section}: {}", errors[0].message);
    }
}
