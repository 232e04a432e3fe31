//! The demo's tickets, each a short story of what its customer and the desk did, told in business
//! minutes before the moment the demo is loaded. The stories are replayed in the order they
//! happened with the escalation engine stepping between them, so the engine routes, reminds,
//! escalates and flags stalls exactly when the published policy says it would have: what the desk
//! shows at loading is consistent with its history, and nothing fires in bulk at start-up.
//!
//! Told this way, a manager's first look finds a desk at mid-day: most open tickets at L1, some
//! at L2, a few at L3, a handful at risk, breached or stalled, and some resolved today with the
//! customers' answers.

use app::domain::calendar::Calendar;
use app::domain::commands::{self, EscalationRatingInput, NewTicket, TicketChanges};
use app::domain::directory::Directory;
use app::domain::ladder::LadderContext;
use app::domain::survey::SurveyAnswer;
use app::domain::ticket::{Assignment, Handoff};
use app::domain::{Channel, Priority, Role, TicketStatus, UserSummary, Visibility};
use app::ssr::Store;
use chrono::{DateTime, Duration, Utc};

use crate::escalation::Engine;

/// One thing someone did on a ticket. Staff steps are done by whoever holds the ticket then
/// (its assignee, else its group's lead, else its tier's lead), so they follow the engine's
/// routing rather than fight it.
pub(super) enum Step {
    /// The holder answers the customer.
    Reply(&'static str),
    /// The holder writes an internal note.
    Note(&'static str),
    /// The requester writes.
    Customer(&'static str),
    /// The holder sets the status; resolving offers the survey the policy's `[survey]` allows.
    Status(TicketStatus),
    /// The holder hands the ticket to `agent` in `group`, with a handoff note from the story.
    Escalate { group: &'static str, agent: &'static str },
    /// The holder acknowledges the escalation that brought the ticket to them.
    Acknowledge,
    /// The holder rates the escalation that brought the ticket to them.
    Rate { warranted: &'static str, handoff: u8, comment: &'static str },
    /// The requester answers the survey the resolution offered, if the policy offered one (it asks
    /// a customer at most once a week): satisfaction, effort, comment.
    Answer(u8, Option<u8>, Option<&'static str>),
}

/// A ticket's story. Instants are business minutes (of the office calendar) before loading.
pub(super) struct Story {
    subject: &'static str,
    description: &'static str,
    category: &'static str,
    priority: Priority,
    channel: Channel,
    /// The requester's e-mail.
    customer: &'static str,
    opened: i64,
    /// Each step with its instant, latest last.
    steps: &'static [(i64, Step)],
}

use Step::*;

const ON_IT: &str = "Thanks for reporting this. I am looking into it and will update you shortly.";
const FIXED: &str = "We found the cause and applied a fix. Please let us know if anything still looks wrong.";
const NEED_DETAILS: &str =
    "Could you send us the exact error message and a screenshot? We will continue as soon as we have it.";

const CARLA: &str = "carla@acme.example";
const BEN: &str = "ben@acme.example";
const DANA: &str = "dana@globex.example";
const PETER: &str = "peter@initech.example";
const JOANNA: &str = "joanna@initech.example";

const NINA: &str = "nina.agent@tierline.example";
const TOM: &str = "tom.engineer@tierline.example";
const INES: &str = "ines.security@tierline.example";

/// The stories, roughly in the order they began: resolved ones over the last eight business days,
/// then what is open now.
pub(super) const STORIES: &[Story] = &[
    // Resolved over the last days.
    Story {
        subject: "Cannot sign in after password reset",
        description: "The reset link worked but the new password is refused on the login page.",
        category: "Access & accounts",
        priority: Priority::Normal,
        channel: Channel::Portal,
        customer: PETER,
        opened: 4450,
        steps: &[
            (4430, Reply("The reset left your old session cookie in place. Please sign out everywhere and try again.")),
            (4400, Customer("That worked, thank you.")),
            (4390, Status(TicketStatus::Resolved)),
            (4370, Answer(5, Some(6), Some("Quick and friendly, thank you."))),
        ],
    },
    Story {
        subject: "Invoice for October charged twice",
        description: "Our card was charged twice for invoice 2026-10-118. Please refund one charge.",
        category: "Billing",
        priority: Priority::High,
        channel: Channel::Email,
        customer: CARLA,
        opened: 4300,
        steps: &[
            (4270, Reply("Sorry about that. I can see both charges and have asked finance to refund the second one.")),
            (4200, Note("Refund REF-20931 raised with finance; it takes two working days to show.")),
            (4100, Reply("The refund has been issued; it will show on your statement within two working days.")),
            (4095, Status(TicketStatus::Resolved)),
            (4060, Answer(4, None, None)),
            (3500, Status(TicketStatus::Closed)),
        ],
    },
    Story {
        subject: "Webhook deliveries failing with 401",
        description: "Our endpoint started returning 401 for your webhook calls yesterday; nothing changed on our side.",
        category: "Integrations & API",
        priority: Priority::High,
        channel: Channel::Api,
        customer: DANA,
        opened: 4000,
        steps: &[
            (3970, Reply(ON_IT)),
            (3940, Note("Signatures are computed with the previous secret for this tenant. Looks like a defect in the key rotation.")),
            (3900, Escalate { group: "Engineering", agent: TOM }),
            (3880, Acknowledge),
            (3870, Rate { warranted: "yes", handoff: 5, comment: "Clear reproduction, saved us an hour." }),
            (3700, Reply("We found a defect in our key rotation and are deploying a fix this afternoon.")),
            (3400, Reply(FIXED)),
            (3395, Status(TicketStatus::Resolved)),
            (3380, Answer(2, Some(2), Some("It took three days and we had to chase every update."))),
        ],
    },
    Story {
        subject: "New starter needs access to the reporting module",
        description: "Please give jan@acme.example the same permissions as Carla.",
        category: "Access & accounts",
        priority: Priority::Low,
        channel: Channel::Portal,
        customer: CARLA,
        opened: 3900,
        steps: &[
            (3880, Reply("Done: Jan now has the same permissions as you.")),
            (3860, Status(TicketStatus::Resolved)),
        ],
    },
    Story {
        subject: "Label printer shows error E-204",
        description: "The Zebra printer at dock 3 stops after every 20 labels with E-204.",
        category: "Hardware",
        priority: Priority::Normal,
        channel: Channel::Portal,
        customer: BEN,
        opened: 3700,
        steps: &[
            (3680, Reply(NEED_DETAILS)),
            (3675, Status(TicketStatus::Pending)),
            (3300, Customer("Here is the photo of the display; it says E-204 CUTTER JAM.")),
            (3250, Reply("That is the cutter sensor. Please clean it with the swab in the printer's door; it should stop.")),
            (3240, Status(TicketStatus::Resolved)),
            (3200, Answer(5, Some(7), None)),
            (2600, Status(TicketStatus::Closed)),
        ],
    },
    Story {
        subject: "Change billing contact",
        description: "Please send invoices to accounts@globex.example from now on.",
        category: "Billing",
        priority: Priority::Low,
        channel: Channel::Email,
        customer: DANA,
        opened: 3500,
        steps: &[
            (3450, Reply("Changed: invoices go to accounts@globex.example from the next one.")),
            (3440, Status(TicketStatus::Resolved)),
        ],
    },
    Story {
        subject: "SSO with Azure AD stopped working",
        description: "Users get 'invalid audience' since this morning.",
        category: "Security",
        priority: Priority::High,
        channel: Channel::Portal,
        customer: JOANNA,
        opened: 3200,
        steps: &[
            (3180, Reply(ON_IT)),
            (3100, Note("Their tenant rotated the app registration; the audience URI changed on their side.")),
            (2900, Reply("Your Azure app registration has a new audience URI. We updated ours to match; please try again.")),
            (2850, Status(TicketStatus::Resolved)),
            (2820, Answer(4, Some(5), Some("Good explanation of what changed."))),
        ],
    },
    Story {
        subject: "Export to CSV times out for large date ranges",
        description: "Exporting a quarter of shipments fails after two minutes.",
        category: "Integrations & API",
        priority: Priority::Normal,
        channel: Channel::Portal,
        customer: CARLA,
        opened: 3000,
        steps: &[
            (2985, Reply("Large exports run in the background: use 'Export by e-mail' and the file arrives within minutes.")),
            (2960, Status(TicketStatus::Resolved)),
        ],
    },
    Story {
        subject: "VPN drops every hour at the Hamburg warehouse",
        description: "Since Monday the site-to-site VPN reconnects every 60 minutes and scanners lose their session.",
        category: "Network & VPN",
        priority: Priority::Urgent,
        channel: Channel::Phone,
        customer: BEN,
        opened: 2600,
        steps: &[
            (2595, Reply("We are on it: the tunnel logs show a rekey failure every hour.")),
            (2560, Note("Phase 2 lifetime mismatch: 3600 s on their side, 28800 s on ours.")),
            (2500, Reply("We aligned the key lifetimes; the tunnel has been stable for 40 minutes now.")),
            (2450, Status(TicketStatus::Resolved)),
            (2430, Answer(5, Some(6), Some("Fixed within the morning, great work."))),
        ],
    },
    Story {
        subject: "Two-factor codes not arriving by SMS",
        description: "Several users do not receive their SMS codes.",
        category: "Access & accounts",
        priority: Priority::High,
        channel: Channel::Portal,
        customer: DANA,
        opened: 2400,
        steps: &[
            (2380, Reply(ON_IT)),
            (2330, Escalate { group: "Security", agent: INES }),
            (2320, Acknowledge),
            (2310, Rate { warranted: "unsure", handoff: 3, comment: "Could have checked the SMS provider's status page first." }),
            (2200, Reply("Our SMS provider had an outage in your region; codes are arriving again.")),
            (2100, Status(TicketStatus::Resolved)),
        ],
    },
    Story {
        subject: "Replacement handheld scanner",
        description: "One handheld (serial HS-22817) no longer charges.",
        category: "Hardware",
        priority: Priority::Low,
        channel: Channel::Phone,
        customer: BEN,
        opened: 2200,
        steps: &[
            (2190, Reply("We have ordered a replacement and will tell you when it ships.")),
            (2185, Status(TicketStatus::OnHold)),
            (1700, Reply("The replacement shipped today; tracking number 1Z 999 AA1 01 2345 6784.")),
            (1690, Status(TicketStatus::Resolved)),
            (1000, Status(TicketStatus::Closed)),
        ],
    },
    Story {
        subject: "VAT number missing on invoices",
        description: "Our VAT number DE812345678 is not printed on the invoices.",
        category: "Billing",
        priority: Priority::Normal,
        channel: Channel::Portal,
        customer: PETER,
        opened: 1900,
        steps: &[
            (1870, Reply("Added: your VAT number is on every invoice from now on, and we reissued the last three.")),
            (1820, Status(TicketStatus::Resolved)),
            (1800, Answer(3, Some(4), Some("Fixed in the end, but the first answer did not help."))),
        ],
    },
    Story {
        // Nobody at L1 answered in time: the engine sent it to L2 when the tier's budget ran out.
        subject: "Printer driver install fails on new laptops",
        description: "The driver installer stops with 'access denied' on the laptops delivered last week.",
        category: "Hardware",
        priority: Priority::Normal,
        channel: Channel::Portal,
        customer: JOANNA,
        opened: 1700,
        steps: &[
            (1560, Reply("The new laptops block unsigned drivers; we sent you the signed package by e-mail.")),
            (1450, Status(TicketStatus::Resolved)),
        ],
    },
    Story {
        subject: "Slow dashboard in the afternoon",
        description: "Between 14:00 and 16:00 the dashboard takes 20 seconds to load.",
        category: "Integrations & API",
        priority: Priority::Normal,
        channel: Channel::Portal,
        customer: DANA,
        opened: 1500,
        steps: &[
            (1480, Reply(ON_IT)),
            (1420, Note("Reproduced: the afternoon slowdown matches the report batch on their tenant.")),
            (1400, Escalate { group: "Engineering", agent: TOM }),
            (1390, Acknowledge),
            (1380, Rate { warranted: "yes", handoff: 4, comment: "" }),
            (1100, Reply("We moved your report batch to the night; the dashboard should be fast in the afternoon now.")),
            (900, Status(TicketStatus::Resolved)),
            (880, Answer(5, Some(7), None)),
        ],
    },
    Story {
        subject: "API rate limit too low for nightly sync",
        description: "Our nightly sync hits the rate limit at about 2,000 requests.",
        category: "Integrations & API",
        priority: Priority::Normal,
        channel: Channel::Api,
        customer: PETER,
        opened: 1300,
        steps: &[
            (1290, Reply("We raised your limit to 10,000 requests an hour between 22:00 and 06:00.")),
            (1200, Status(TicketStatus::Resolved)),
        ],
    },
    Story {
        subject: "Shared mailbox not visible in the portal",
        description: "The shared mailbox support@acme.example no longer shows up under 'Mailboxes'.",
        category: "Access & accounts",
        priority: Priority::Normal,
        channel: Channel::Portal,
        customer: BEN,
        opened: 1000,
        steps: &[
            (985, Reply("You were removed from the mailbox's members by mistake; we added you back.")),
            (960, Status(TicketStatus::Resolved)),
        ],
    },
    // Open since days, waiting for someone else.
    Story {
        subject: "Dock door sensor offline",
        description: "The sensor on dock door 2 shows offline since the power cut on Tuesday.",
        category: "Hardware",
        priority: Priority::Normal,
        channel: Channel::Phone,
        customer: CARLA,
        opened: 1250,
        steps: &[
            (1240, Reply("We have booked a technician visit with the manufacturer.")),
            (1235, Status(TicketStatus::OnHold)),
            (400, Reply("The technician comes on Thursday between 10:00 and 12:00.")),
        ],
    },
    Story {
        subject: "User list export for the annual audit",
        description: "Our auditors need a list of every user with their roles and last sign-in.",
        category: "Access & accounts",
        priority: Priority::Low,
        channel: Channel::Email,
        customer: PETER,
        opened: 950,
        steps: &[
            (930, Reply("Which date should the list be as of? The auditors usually ask for the year's end.")),
            (925, Status(TicketStatus::Pending)),
        ],
    },
    Story {
        // Sent on from L2 to engineering days ago and overdue: the longest-running problem.
        subject: "Nightly import skips rows with accented names",
        description: "Rows whose customer name has an accent (e.g. 'Müller') are missing after the nightly import.",
        category: "Integrations & API",
        priority: Priority::Normal,
        channel: Channel::Portal,
        customer: PETER,
        opened: 2700,
        steps: &[
            (2690, Reply(ON_IT)),
            (2660, Note("Reproduced with their sample file: every row with a non-ASCII name is dropped.")),
            (2640, Escalate { group: "Engineering", agent: TOM }),
            (2620, Acknowledge),
            (2610, Rate { warranted: "yes", handoff: 4, comment: "Sample file attached, thanks." }),
            (2000, Reply("The importer reads your file as Latin-1. We are changing it to detect the encoding.")),
            (1500, Note("Fix is in review; needs a migration for the tenants with mixed encodings.")),
            (900, Reply("The fix is in testing; we expect to deploy it this week.")),
            (300, Customer("Any news? Our month-end report depends on these rows.")),
        ],
    },
    Story {
        // Routed to the specialists by its channel, sent on to engineering, past its resolution target.
        subject: "Webhook signatures fail validation after key rotation",
        description: "Since we rotated our signing key, every webhook fails signature validation on our side.",
        category: "Integrations & API",
        priority: Priority::High,
        channel: Channel::Api,
        customer: DANA,
        opened: 1400,
        steps: &[
            (1390, Reply(ON_IT)),
            (1300, Note("Our side still signs with the old key for tenants that rotated through the API.")),
            (1000, Escalate { group: "Engineering", agent: TOM }),
            (990, Acknowledge),
            (980, Rate { warranted: "yes", handoff: 5, comment: "" }),
            (700, Reply("We confirmed a defect in the key rotation through the API and are working on a fix.")),
            (200, Reply("The fix is deployed to staging; production follows tomorrow morning.")),
        ],
    },
    // Resolved today.
    Story {
        subject: "Password expiry e-mails in the wrong language",
        description: "Our users in Lyon get the password expiry e-mail in German.",
        category: "Access & accounts",
        priority: Priority::Low,
        channel: Channel::Email,
        customer: JOANNA,
        opened: 420,
        steps: &[
            (410, Reply("Is it every user in Lyon, or only those created since the move to the new office?")),
            (405, Status(TicketStatus::Pending)),
            (200, Customer("Every user in Lyon.")),
            (140, Reply("Their language now follows their office location; the next e-mails will be in French.")),
            (130, Status(TicketStatus::Resolved)),
            (100, Answer(4, Some(6), None)),
        ],
    },
    Story {
        subject: "Barcode scanner beeps but sends nothing",
        description: "Handheld HS-22903 beeps on every scan but nothing arrives in the warehouse app.",
        category: "Hardware",
        priority: Priority::Normal,
        channel: Channel::Portal,
        customer: CARLA,
        opened: 300,
        steps: &[
            (290, Reply("Please check that the scanner is paired with the app: Settings, Devices.")),
            (288, Status(TicketStatus::Pending)),
            (200, Customer("It was paired with the old tablet. Re-paired, scanning works again.")),
            (150, Reply("Glad it works. I will close this one; reopen it if it happens again.")),
            (140, Status(TicketStatus::Resolved)),
            (120, Answer(5, Some(7), Some("Solved in no time."))),
        ],
    },
    Story {
        subject: "Refund for cancelled seats",
        description: "We cancelled five seats on 1 December but were charged for them.",
        category: "Billing",
        priority: Priority::Normal,
        channel: Channel::Email,
        customer: DANA,
        opened: 350,
        steps: &[
            (330, Reply("I can see the cancellation; the refund for five seats is on its way.")),
            (30, Status(TicketStatus::Resolved)),
        ],
    },
    // Open now at L2 and L3.
    Story {
        subject: "Credit note for returned hardware",
        description: "We returned two handhelds on 20 November; please send the credit note.",
        category: "Billing",
        priority: Priority::Normal,
        channel: Channel::Email,
        customer: CARLA,
        opened: 320,
        steps: &[
            (300, Reply("Which RMA number did the return have? We cannot find it under your account.")),
            (290, Status(TicketStatus::Pending)),
        ],
    },
    Story {
        // Escalated by hand at L1; L2 has not touched it since: stalled in its tier.
        subject: "Intermittent packet loss on the Rotterdam link",
        description: "Around 5 % packet loss between the Rotterdam office and your data centre, worse in the afternoon.",
        category: "Network & VPN",
        priority: Priority::High,
        channel: Channel::Phone,
        customer: DANA,
        opened: 420,
        steps: &[
            (410, Reply("We can see the loss too and are narrowing it down.")),
            (350, Note("Traceroute shows the loss at our edge router, not at their ISP.")),
            (340, Escalate { group: "Network", agent: NINA }),
        ],
    },
    Story {
        // Routed to Billing, held long: close to its tier budget.
        subject: "Invoice PDF shows the wrong currency",
        description: "Our invoices for December show amounts in USD instead of EUR.",
        category: "Billing",
        priority: Priority::Normal,
        channel: Channel::Portal,
        customer: BEN,
        opened: 450,
        steps: &[
            (440, Reply("Thanks, we can see it on your December invoices and are checking the currency settings.")),
            (300, Note("Their account was migrated with the parent company's currency. Finance must confirm the change.")),
            (100, Reply("We are waiting for finance to confirm the corrected invoices.")),
        ],
    },
    Story {
        subject: "VPN client disconnects on hotel Wi-Fi",
        description: "Our sales team loses the VPN every few minutes on hotel networks.",
        category: "Network & VPN",
        priority: Priority::Normal,
        channel: Channel::Portal,
        customer: PETER,
        opened: 200,
        steps: &[
            (190, Reply(ON_IT)),
            (160, Note("Not a client setting: reproduced on a captive-portal network. Needs the network team.")),
            (150, Escalate { group: "Network", agent: NINA }),
            (140, Acknowledge),
            (120, Reply("Our network team is looking at how the client handles captive portals.")),
        ],
    },
    Story {
        // Nobody at L1 answered within the tier's budget: the engine escalated it; L2 has answered.
        subject: "Mobile app crashes when scanning",
        description: "The warehouse app closes as soon as the camera opens on Android 15.",
        category: "Integrations & API",
        priority: Priority::Normal,
        channel: Channel::Portal,
        customer: JOANNA,
        opened: 190,
        steps: &[(40, Reply("We can reproduce the crash on Android 15 and are looking for the cause."))],
    },
    Story {
        // Nobody answered at L1 or since: escalated by the engine, past its first-response target.
        subject: "Orders stuck in 'processing' since this morning",
        description: "About 40 orders have been in 'processing' for hours; customers are calling us.",
        category: "Integrations & API",
        priority: Priority::High,
        channel: Channel::Portal,
        customer: PETER,
        opened: 250,
        steps: &[],
    },
    Story {
        subject: "Suspicious login attempts on admin account",
        description: "We received alerts of sign-in attempts from an unknown country on our admin account.",
        category: "Security",
        priority: Priority::High,
        channel: Channel::Email,
        customer: CARLA,
        opened: 130,
        steps: &[
            (125, Reply("We have locked the admin account's password sign-in and are reviewing the attempts.")),
            (120, Acknowledge),
            (100, Note("Attempts from three addresses; none succeeded. Checking for reused passwords.")),
            (40, Reply("None of the attempts succeeded. We recommend enforcing two-factor sign-in for admins.")),
        ],
    },
    // Open now at L1.
    Story {
        subject: "Tablet does not connect to the warehouse Wi-Fi",
        description: "The new tablet sees the network but says 'cannot obtain IP address'.",
        category: "Network & VPN",
        priority: Priority::Normal,
        channel: Channel::Portal,
        customer: DANA,
        opened: 620,
        steps: &[
            (600, Reply("Is the tablet's MAC address registered with your network? Please send it to us.")),
            (590, Status(TicketStatus::Pending)),
        ],
    },
    Story {
        subject: "Scanner firmware update fails at 80 %",
        description: "The firmware update on three handhelds stops at 80 % and they restart.",
        category: "Hardware",
        priority: Priority::Normal,
        channel: Channel::Portal,
        customer: BEN,
        opened: 480,
        steps: &[(470, Reply(NEED_DETAILS)), (468, Status(TicketStatus::Pending))],
    },
    Story {
        // Answered once, then left: at risk and stalled.
        subject: "Calendar sync stopped for two users",
        description: "Meetings booked in the portal no longer appear in two users' Outlook calendars.",
        category: "Integrations & API",
        priority: Priority::Normal,
        channel: Channel::Portal,
        customer: PETER,
        opened: 110,
        steps: &[(100, Reply(ON_IT))],
    },
    Story {
        // Not answered yet and close to the tier's budget.
        subject: "E-mail notifications arrive twice",
        description: "Since yesterday every notification e-mail reaches us twice.",
        category: "Integrations & API",
        priority: Priority::Normal,
        channel: Channel::Email,
        customer: BEN,
        opened: 96,
        steps: &[],
    },
    Story {
        subject: "Add a second approver for purchase orders",
        description: "Orders above 5,000 EUR should need a second approval from our finance lead.",
        category: "Access & accounts",
        priority: Priority::Low,
        channel: Channel::Portal,
        customer: CARLA,
        opened: 75,
        steps: &[
            (65, Reply("Who should the second approver be? We need their e-mail address.")),
            (20, Customer("It is finance.lead@acme.example.")),
            (10, Reply("Thanks, I am setting it up now and will confirm when it is active.")),
        ],
    },
    Story {
        subject: "Report totals differ from the export",
        description: "The monthly report says 1,204 shipments, the export has 1,198 rows.",
        category: "Integrations & API",
        priority: Priority::Normal,
        channel: Channel::Portal,
        customer: JOANNA,
        opened: 55,
        steps: &[(35, Reply(ON_IT))],
    },
    Story {
        subject: "Locked out after too many attempts",
        description: "I mistyped my password and now the portal says my account is locked.",
        category: "Access & accounts",
        priority: Priority::High,
        channel: Channel::Portal,
        customer: BEN,
        opened: 15,
        steps: &[],
    },
    Story {
        subject: "Cannot print shipping labels from the browser",
        description: "Printing labels from the portal opens an empty print preview.",
        category: "Hardware",
        priority: Priority::Normal,
        channel: Channel::Portal,
        customer: PETER,
        opened: 8,
        steps: &[],
    },
];

/// The earliest business minute any story begins at.
pub(super) fn earliest_minute() -> i64 {
    STORIES.iter().map(|story| story.opened).max().unwrap_or(0)
}

/// Who and what the stories refer to.
pub(super) struct Cast<'a> {
    pub staff: &'a [UserSummary],
    pub customers: &'a [UserSummary],
    /// Category names and ids.
    pub categories: &'a [(&'static str, i64)],
}

/// A moment of the history: the story's opening (`None`) or one of its steps.
struct Moment {
    at: DateTime<Utc>,
    story: usize,
    step: Option<usize>,
}

/// Replays every story in the order its moments happened, the engine stepping to each moment
/// first, then to `now`.
pub(super) async fn tell(
    store: &Store,
    cast: &Cast<'_>,
    office: &Calendar,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let at = |minutes: i64| {
        office
            .add_business_time(now, -Duration::minutes(minutes), &[])
            .map_err(|error| anyhow::anyhow!("the office calendar has no business time: {error}"))
    };
    let mut moments = Vec::new();
    for (story_index, story) in STORIES.iter().enumerate() {
        moments.push(Moment { at: at(story.opened)?, story: story_index, step: None });
        for (step_index, (minutes, _)) in story.steps.iter().enumerate() {
            moments.push(Moment { at: at(*minutes)?, story: story_index, step: Some(step_index) });
        }
    }
    // Stable: a story's moments keep their order where two fall on one instant.
    moments.sort_by_key(|moment| moment.at);

    let policy = app::domain::policy::Policy::from_toml(app::domain::policy::EXAMPLE_POLICY)
        .map_err(|errors| anyhow::anyhow!("the example policy does not parse: {errors}"))?;
    let directory = store.directory().await?;
    let engine = Engine::new(store.clone());
    // Read once: only tickets change while the history is told. Agents' loads grow with each
    // ticket the engine places, as within one tick.
    let mut inputs =
        engine.tick_inputs().await?.ok_or_else(|| anyhow::anyhow!("the demo's policy is not saved"))?;
    let teller = Teller {
        store,
        cast,
        directory: &directory,
        ladder: LadderContext { policy: Some(&policy), directory: &directory },
    };
    let mut ticket_ids = vec![0_i64; STORIES.len()];
    for moment in moments {
        engine.tick_with(&mut inputs, moment.at).await?;
        let story = &STORIES[moment.story];
        let Some(step) = moment.step else {
            ticket_ids[moment.story] = open(store, cast, story, moment.at).await?;
            continue;
        };
        let (_, step) = &story.steps[step];
        teller
            .perform(ticket_ids[moment.story], story, step, moment.at)
            .await
            .map_err(|error| anyhow::anyhow!("the demo ticket \"{}\": {error}", story.subject))?;
    }
    engine.tick_with(&mut inputs, now).await?;
    Ok(())
}

async fn open(store: &Store, cast: &Cast<'_>, story: &Story, at: DateTime<Utc>) -> anyhow::Result<i64> {
    let customer = person(cast.customers, story.customer)?;
    let organisation_id = customer.organisation_id.expect("customers have an organisation");
    let category_id = cast.categories.iter().find(|(name, _)| *name == story.category).map(|(_, id)| *id);
    let created = commands::open(
        &NewTicket {
            subject: story.subject.into(),
            description: story.description.into(),
            category_id,
            priority: story.priority,
        },
        story.channel,
    );
    Ok(store.create_ticket(customer.id, organisation_id, customer.id, created, at).await?.ticket.id)
}

fn person<'a>(people: &'a [UserSummary], email: &str) -> anyhow::Result<&'a UserSummary> {
    people
        .iter()
        .find(|person| person.email == email)
        .ok_or_else(|| anyhow::anyhow!("no demo person {email}"))
}

/// Does the steps of the stories.
struct Teller<'a> {
    store: &'a Store,
    cast: &'a Cast<'a>,
    directory: &'a Directory,
    ladder: LadderContext<'a>,
}

impl Teller<'_> {
    async fn perform(
        &self,
        ticket_id: i64,
        story: &Story,
        step: &Step,
        at: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let ticket =
            self.store.ticket(ticket_id).await?.ok_or_else(|| anyhow::anyhow!("the ticket is missing"))?;
        let holder = self.holder(ticket.assignment)?;
        let store = self.store;
        match step {
            Reply(body) | Note(body) => {
                let visibility =
                    if matches!(step, Reply(_)) { Visibility::Public } else { Visibility::Internal };
                store
                    .append(ticket_id, holder, None, at, |t| {
                        commands::write_message(t, holder.role, visibility, body)
                    })
                    .await?;
            }
            Customer(body) => {
                let customer = person(self.cast.customers, story.customer)?;
                store
                    .append(ticket_id, customer, None, at, |t| {
                        commands::write_message(t, Role::Customer, Visibility::Public, body)
                    })
                    .await?;
            }
            Status(status) => {
                let changes = TicketChanges { status: Some(*status), ..Default::default() };
                store
                    .append(ticket_id, holder, None, at, |t| {
                        commands::change(t, holder.role, &self.ladder, &changes)
                    })
                    .await?;
            }
            Escalate { group, agent } => {
                let group = self
                    .directory
                    .groups
                    .iter()
                    .find(|candidate| candidate.name == *group)
                    .ok_or_else(|| anyhow::anyhow!("no demo group {group}"))?;
                let to = Assignment {
                    tier_id: Some(group.tier_id),
                    group_id: Some(group.id),
                    assignee_id: Some(person(self.cast.staff, agent)?.id),
                };
                let handoff = Handoff {
                    summary: format!("{} Reproduced on our side.", story.description),
                    tried: "Checked the known-issues list, reproduced it and collected the logs.".into(),
                    impact: "The customer's team is blocked while this lasts.".into(),
                    ask: "Please find the cause; the details are in the internal note.".into(),
                };
                store
                    .append(ticket_id, holder, None, at, |t| {
                        commands::escalate(t, holder.role, &self.ladder, to, &handoff)
                    })
                    .await?;
            }
            Acknowledge => {
                store
                    .append(ticket_id, holder, None, at, |t| {
                        commands::acknowledge(t, holder.id, holder.role, self.directory)
                    })
                    .await?;
            }
            Rate { warranted, handoff, comment } => {
                let input = EscalationRatingInput {
                    warranted: warranted.to_string(),
                    handoff: handoff.to_string(),
                    comment: comment.to_string(),
                };
                store
                    .append_deciding_on_log(ticket_id, holder, at, |t, log| {
                        commands::rate_escalation(t, log, holder.id, holder.role, self.directory, &input)
                    })
                    .await?;
            }
            Answer(csat, effort, comment) => {
                let survey = store
                    .latest_survey_of(ticket_id)
                    .await?
                    .filter(|survey| survey.link.answered_at.is_none());
                let Some(survey) = survey else {
                    return Ok(());
                };
                let answer =
                    SurveyAnswer { csat: *csat, effort: *effort, comment: comment.map(str::to_string) };
                store
                    .answer_survey(survey.id, &survey.nonce, &answer, at)
                    .await
                    .map_err(|error| anyhow::anyhow!("the survey answer: {error}"))?;
            }
        }
        Ok(())
    }

    /// Whoever holds a ticket held by `assignment`: its assignee, else its group's lead, else its
    /// tier's lead.
    fn holder(&self, assignment: Assignment) -> anyhow::Result<&UserSummary> {
        let group = self.directory.groups.iter().find(|group| Some(group.id) == assignment.group_id);
        let tier = self.directory.tiers.iter().find(|tier| Some(tier.id) == assignment.tier_id);
        let id = assignment
            .assignee_id
            .or_else(|| group.and_then(|group| group.lead_id))
            .or_else(|| tier.and_then(|tier| tier.lead_id))
            .ok_or_else(|| anyhow::anyhow!("nobody holds the ticket"))?;
        self.cast
            .staff
            .iter()
            .find(|person| person.id == id)
            .ok_or_else(|| anyhow::anyhow!("no staff member {id}"))
    }
}
