//! The HTTP surface through the real router: who may call what, cross-site refusal, conflicts,
//! field errors, rate limits, probes and security headers.

use app::domain::queue::TicketFilter;
use http::{header, StatusCode};
use serde_json::json;

use crate::common::{callers, demo_store, state, Backend, Client, Reply};

crate::on_both_backends!(
    every_server_function_checks_its_caller,
    a_customer_never_sees_internal_notes,
    each_role_receives_only_its_fields,
    cross_site_posts_are_refused_and_change_nothing,
    a_stale_edit_gets_the_conflict_message,
    bad_input_names_the_field_and_writes_nothing,
    sign_in_attempts_are_rate_limited,
    sign_in_follows_only_paths_of_this_site,
    probes_and_security_headers,
    admins_manage_people_but_never_lock_themselves_out,
);

pub async fn an_acme_ticket(store: &app::ssr::Store) -> i64 {
    let page = store
        .list_tickets(&TicketFilter { page: 1, per_page: 200, ..TicketFilter::default() })
        .await
        .expect("list");
    page.items
        .iter()
        // Open rather than new: a first reply would move a new ticket to open, which the matrix's
        // later edit (with the version read at the start) would then conflict with.
        .find(|item| {
            item.organisation_name == "Acme Logistics"
                && item.ticket.status == app::domain::TicketStatus::Open
        })
        .expect("an open Acme ticket")
        .ticket
        .id
}

/// Every server function, in the order the matrix calls them: later calls see what earlier ones
/// changed (the admin's edit comes after the agent's, signing out comes last). The
/// `the_authorisation_matrices_name_every_endpoint` test compares this list with the endpoints
/// declared in `app/src/server_fns`, so a new server function cannot go untested for its callers.
pub const SERVER_FUNCTIONS: &[&str] = &[
    "session/login",
    "session/forgot",
    "session/reset",
    "session/me",
    "account/password",
    "tickets/list",
    "tickets/detail",
    "tickets/message",
    "tickets/create",
    "tickets/directory",
    "tickets/update",
    "tickets/escalate",
    "tickets/watch",
    "tickets/acknowledge",
    "tickets/reopen",
    "tickets/rate_escalation",
    "survey/show",
    "survey/answer",
    "reviews/list",
    "reviews/update",
    "reports/feedback",
    "reports/time",
    "reports/review",
    "dashboard",
    "huddle/show",
    "huddle/held",
    "notifications/centre",
    "notifications/unread",
    "notifications/read",
    "notifications/digest",
    "notifications/deliveries",
    "notifications/retry",
    "policy/page",
    "policy/save",
    "admin/customers",
    "admin/overview",
    "admin/organisation",
    "admin/tier",
    "admin/group",
    "admin/person",
    "admin/person/password",
    "admin/person/update",
    "admin/category",
    "admin/category/active",
    "admin/calendar",
    "admin/token",
    "admin/token/revoke",
    "session/logout",
];

/// What a caller of a server function gets.
#[derive(Clone, Copy, Debug)]
enum Answer {
    /// Success (or the redirect a form is answered with).
    Allowed,
    /// Turned away for who the caller is: `Unauthenticated`, `Forbidden` or `NotFound`.
    Refused(&'static str),
    /// Let in, then told that this field is wrong: the role passed, the input did not.
    Invalid(&'static str),
    /// Let in, then declined with this sentence (`AppError::Refused`).
    Declined(&'static str),
    /// Let in, and the edit conflicted with an earlier one.
    Conflict,
}

const ALLOWED: Answer = Answer::Allowed;
const UNAUTHENTICATED: Answer = Answer::Refused("Unauthenticated");
const FORBIDDEN: Answer = Answer::Refused("Forbidden");
const NOT_FOUND: Answer = Answer::Refused("NotFound");
/// Shaped like a survey link's token, but signed by nobody.
const NOT_A_SURVEY: &str = "1.00000000000000000000000000000000.00000000000000000000000000000000";

impl Answer {
    fn matches(self, reply: &Reply) -> bool {
        if reply.status.is_success() || reply.status.is_redirection() {
            return matches!(self, Answer::Allowed);
        }
        let error = reply.json();
        match self {
            Answer::Allowed => false,
            Answer::Refused(kind) => error == json!(kind),
            Answer::Invalid(field) => {
                error["Invalid"].as_array().is_some_and(|errors| errors.iter().any(|e| e["field"] == field))
            }
            Answer::Declined(sentence) => error == json!({ "Refused": sentence }),
            Answer::Conflict => error.get("Conflict").is_some(),
        }
    }
}

/// What the matrix's forms refer to in the demo data.
struct Fixtures {
    /// An open ticket of Acme Logistics, the customer caller's organisation.
    ticket: String,
    version: String,
    /// The second tier, one above where the agent's edit leaves the ticket.
    l2: String,
    /// A member of staff who is none of the callers, for the admin's changes to people.
    kim: String,
    category: String,
    /// An API token the admin may revoke.
    token: String,
}

impl Fixtures {
    async fn new(store: &app::ssr::Store) -> Fixtures {
        let ticket = an_acme_ticket(store).await;
        let version = store.ticket(ticket).await.expect("read").expect("exists").version;
        let kim = crate::common::user_by_email(store, "kim.agent@tierline.example").await;
        let admin = crate::common::user_by_email(store, "admin@tierline.example").await;
        let (token, _) =
            store.create_api_token("Old export", admin.id, chrono::Utc::now()).await.expect("token");
        Fixtures {
            ticket: ticket.to_string(),
            version: version.to_string(),
            l2: store.tiers().await.expect("tiers")[1].id.to_string(),
            kim: kim.id.to_string(),
            category: store.categories().await.expect("categories")[0].id.to_string(),
            token: token.to_string(),
        }
    }
}

type Form = Vec<(&'static str, String)>;

fn form(pairs: &[(&'static str, &str)]) -> Form {
    pairs.iter().map(|(key, value)| (*key, value.to_string())).collect()
}

/// The calls of one server function with the answer each caller gets, in the order anonymous,
/// a customer of the ticket's organisation, another organisation's customer, an agent, an admin.
/// Where a caller may call the function, the form is chosen so that the call changes nothing
/// the later rows depend on (a field error is enough to show the role was let in).
fn server_function_cases(endpoint: &str, f: &Fixtures) -> Vec<(Form, [Answer; 5])> {
    use Answer::{Conflict, Declined, Invalid};
    let ticket = f.ticket.as_str();
    let new_password = "a new password of some length";
    match endpoint {
        // Signing in, the "forgot password" link and its use are for anyone: each is answered
        // by what the input says, never by who asks.
        "session/login" => {
            vec![(
                form(&[("email", "carla@acme.example"), ("password", "not her password")]),
                [Invalid("password"); 5],
            )]
        }
        "session/forgot" => vec![(
            form(&[("email", "carla@acme.example")]),
            [Declined(
                "Tierline cannot send e-mail here; ask an administrator to set a new password for you.",
            ); 5],
        )],
        "session/reset" => {
            vec![(form(&[("token", "not-a-link"), ("password", new_password)]), [Invalid("token"); 5])]
        }
        "session/me" => vec![(form(&[]), [ALLOWED; 5])],
        "account/password" => vec![(
            form(&[("current_password", "not the password"), ("new_password", new_password)]),
            [
                UNAUTHENTICATED,
                Invalid("current_password"),
                Invalid("current_password"),
                Invalid("current_password"),
                Invalid("current_password"),
            ],
        )],
        "tickets/list" => {
            vec![(form(&[("query[status]", "all")]), [UNAUTHENTICATED, ALLOWED, ALLOWED, ALLOWED, ALLOWED])]
        }
        "tickets/detail" => {
            vec![(form(&[("ticket_id", ticket)]), [UNAUTHENTICATED, ALLOWED, NOT_FOUND, ALLOWED, ALLOWED])]
        }
        "tickets/message" => vec![
            (
                form(&[("ticket_id", ticket), ("body", "hello"), ("visibility", "public")]),
                [UNAUTHENTICATED, ALLOWED, NOT_FOUND, ALLOWED, ALLOWED],
            ),
            (
                form(&[("ticket_id", ticket), ("body", "internal only"), ("visibility", "internal")]),
                [UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, ALLOWED, ALLOWED],
            ),
        ],
        "tickets/create" => vec![(
            form(&[
                ("form[subject]", "Printer jammed"),
                ("form[description]", "Tray 2"),
                ("form[category]", ""),
                ("form[priority]", ""),
            ]),
            // Staff open tickets for a customer, whom this form does not name.
            [UNAUTHENTICATED, ALLOWED, ALLOWED, Invalid("requester"), Invalid("requester")],
        )],
        "tickets/directory" => vec![(form(&[]), [UNAUTHENTICATED, ALLOWED, ALLOWED, ALLOWED, ALLOWED])],
        "tickets/update" => vec![(
            form(&[
                ("edit[ticket_id]", ticket),
                ("edit[version]", &f.version),
                ("edit[status]", "open"),
                ("edit[priority]", "high"),
                ("edit[category]", ""),
                ("edit[tags]", "vip"),
                ("edit[tier]", ""),
                ("edit[group]", ""),
                ("edit[assignee]", ""),
                // Emptying the tier hands the ticket back, which needs a reason.
                ("edit[deescalation_reason]", "Back to triage: the customer will call again."),
            ]),
            // The admin's edit carries the version the agent's identical edit already changed,
            // so it conflicts: what matters is that it was not refused for its role.
            [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, ALLOWED, Conflict],
        )],
        "tickets/escalate" => vec![(
            form(&[
                ("form[ticket_id]", ticket),
                ("form[tier]", &f.l2),
                ("form[group]", ""),
                ("form[assignee]", ""),
                ("form[summary]", "Scanner VPN drops every hour."),
                ("form[tried]", "Restarted the tunnel twice."),
                ("form[impact]", "Warehouse stalls."),
                ("form[ask]", "Check the rekey timer."),
            ]),
            // The agent escalated it there already.
            [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, ALLOWED, Invalid("tier")],
        )],
        "tickets/watch" => vec![(
            form(&[("ticket_id", ticket), ("watch", "true")]),
            [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, ALLOWED, ALLOWED],
        )],
        "tickets/acknowledge" => vec![(
            form(&[("ticket_id", ticket)]),
            // The agent acknowledged this level already.
            [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, ALLOWED, Invalid("level")],
        )],
        "tickets/reopen" => vec![(
            form(&[("ticket_id", ticket)]),
            // The ticket is open, so whoever may reopen it is told it is not resolved.
            [UNAUTHENTICATED, Invalid("status"), NOT_FOUND, Invalid("status"), Invalid("status")],
        )],
        "notifications/centre" => vec![(form(&[]), [UNAUTHENTICATED, ALLOWED, ALLOWED, ALLOWED, ALLOWED])],
        "notifications/unread" => vec![(form(&[]), [UNAUTHENTICATED, ALLOWED, ALLOWED, ALLOWED, ALLOWED])],
        "notifications/read" => vec![
            (form(&[("id", "")]), [UNAUTHENTICATED, ALLOWED, ALLOWED, ALLOWED, ALLOWED]),
            // Someone else's notification is as missing as one that does not exist.
            (form(&[("id", "999999")]), [UNAUTHENTICATED, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND]),
        ],
        "notifications/digest" => {
            vec![(form(&[("minutes", "60")]), [UNAUTHENTICATED, ALLOWED, ALLOWED, ALLOWED, ALLOWED])]
        }
        "notifications/deliveries" => {
            vec![(form(&[("status", "failed")]), [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, ALLOWED])]
        }
        "notifications/retry" => vec![(
            form(&[("id", "999999")]),
            [
                UNAUTHENTICATED,
                FORBIDDEN,
                FORBIDDEN,
                FORBIDDEN,
                Declined("Only a failed delivery can be retried."),
            ],
        )],
        "policy/page" => {
            vec![(form(&[("version", "0")]), [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, ALLOWED, ALLOWED])]
        }
        "policy/save" => vec![(
            form(&[("source", "[[[ not a policy"), ("comment", "Checking who may save")]),
            [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, Invalid("source")],
        )],
        "admin/customers" => vec![(form(&[]), [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, ALLOWED, ALLOWED])],
        "admin/overview" => vec![(form(&[]), [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, ALLOWED])],
        "admin/organisation" => vec![(
            form(&[("form[id]", ""), ("form[name]", "Initech"), ("form[plan]", "standard")]),
            [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, ALLOWED],
        )],
        "admin/tier" => vec![(
            form(&[
                ("form[id]", ""),
                ("form[name]", "L9"),
                ("form[rank]", "not a rank"),
                ("form[lead]", ""),
                ("form[handbook]", ""),
            ]),
            [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, Invalid("rank")],
        )],
        "admin/group" => vec![(
            form(&[
                ("form[id]", ""),
                ("form[tier]", ""),
                ("form[name]", "Night shift"),
                ("form[lead]", ""),
                ("form[skills]", ""),
                ("form[members]", ""),
            ]),
            [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, Invalid("tier")],
        )],
        "admin/person" => vec![(
            form(&[
                ("form[email]", "new.agent@tierline.example"),
                ("form[name]", "New Agent"),
                ("form[role]", "agent"),
                ("form[organisation]", ""),
                ("form[password]", new_password),
            ]),
            [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, ALLOWED],
        )],
        "admin/person/password" => vec![(
            form(&[("user_id", &f.kim), ("password", new_password)]),
            [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, ALLOWED],
        )],
        "admin/person/update" => vec![(
            form(&[("update[user_id]", &f.kim), ("update[role]", "agent"), ("update[active]", "true")]),
            [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, ALLOWED],
        )],
        "admin/category" => vec![(
            form(&[("name", "Warranty claims")]),
            [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, ALLOWED],
        )],
        "admin/category/active" => vec![(
            form(&[("category_id", &f.category), ("active", "true")]),
            [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, ALLOWED],
        )],
        "admin/calendar" => vec![(
            form(&[("form[name]", "Night shift"), ("form[source]", "[[[ not a calendar")]),
            [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, Invalid("source")],
        )],
        "admin/token" => vec![(
            form(&[("name", "Nightly export")]),
            [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, ALLOWED],
        )],
        "admin/token/revoke" => vec![(
            form(&[("token_id", &f.token)]),
            [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, ALLOWED],
        )],
        // The matrix's ticket came to its tier by routing, not by an escalation: staff are let
        // in and told there is nothing to rate.
        "tickets/rate_escalation" => vec![(
            form(&[("ticket_id", ticket), ("rating[warranted]", "yes"), ("rating[handoff]", "4")]),
            [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, Invalid("escalation"), Invalid("escalation")],
        )],
        // The survey's own endpoints need no sign-in: the link is the credential, and a link that
        // is not one is "not found" to everyone alike.
        "survey/show" => vec![(form(&[("token", NOT_A_SURVEY)]), [NOT_FOUND; 5])],
        "survey/answer" => {
            vec![(form(&[("token", NOT_A_SURVEY), ("answer[csat]", "5")]), [NOT_FOUND; 5])]
        }
        "reviews/list" => {
            vec![(form(&[("status", "")]), [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, ALLOWED])]
        }
        "reviews/update" => vec![(
            form(&[
                ("review_id", "999999"),
                ("change[status]", "discussed"),
                ("change[owner_id]", ""),
                ("change[notes]", ""),
                ("change[action]", ""),
            ]),
            [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND],
        )],
        "reports/feedback" => {
            vec![(form(&[("query[from]", "")]), [UNAUTHENTICATED, NOT_FOUND, NOT_FOUND, FORBIDDEN, ALLOWED])]
        }
        "reports/time" => {
            vec![(form(&[("query[from]", "")]), [UNAUTHENTICATED, NOT_FOUND, NOT_FOUND, FORBIDDEN, ALLOWED])]
        }
        "reports/review" => {
            vec![(form(&[("query[from]", "")]), [UNAUTHENTICATED, NOT_FOUND, NOT_FOUND, FORBIDDEN, ALLOWED])]
        }
        "huddle/show" => {
            vec![(form(&[("query[tier]", "")]), [UNAUTHENTICATED, NOT_FOUND, NOT_FOUND, ALLOWED, ALLOWED])]
        }
        "huddle/held" => {
            vec![(
                form(&[("query[tier]", "all")]),
                [UNAUTHENTICATED, NOT_FOUND, NOT_FOUND, FORBIDDEN, ALLOWED],
            )]
        }
        "dashboard" => {
            vec![(
                form(&[("query[period]", "7d")]),
                [UNAUTHENTICATED, NOT_FOUND, NOT_FOUND, FORBIDDEN, ALLOWED],
            )]
        }
        // Last, because it ends the callers' sessions; harmless when nobody is signed in.
        "session/logout" => vec![(form(&[]), [ALLOWED; 5])],
        other => panic!("{other} is in SERVER_FUNCTIONS but has no cases in the matrix"),
    }
}

async fn every_server_function_checks_its_caller(backend: Backend) {
    let store = demo_store(backend).await;
    let fixtures = Fixtures::new(&store).await;
    let callers = callers(&state(store.clone())).await;

    // A customer's list holds only their organisation's tickets, whatever they ask for.
    let listed = callers.customer.call("tickets/list", &[("query[status]", "all")]).await.json();
    let items = listed["Customer"]["items"].as_array().expect("items");
    assert!(!items.is_empty());
    assert!(items.iter().all(|item| item["organisation_name"] == "Acme Logistics"));

    let clients =
        [&callers.anonymous, &callers.customer, &callers.other_customer, &callers.agent, &callers.admin];
    let names = ["anonymous", "customer", "other customer", "agent", "admin"];
    for endpoint in SERVER_FUNCTIONS {
        for (form, expected) in server_function_cases(endpoint, &fixtures) {
            let form: Vec<(&str, &str)> = form.iter().map(|(key, value)| (*key, value.as_str())).collect();
            for ((who, client), expected) in names.into_iter().zip(clients).zip(expected) {
                let reply = client.call(endpoint, &form).await;
                assert!(
                    expected.matches(&reply),
                    "{endpoint} called by {who}: expected {expected:?}, got {} {}",
                    reply.status,
                    reply.body
                );
            }
        }
    }
}

async fn a_customer_never_sees_internal_notes(backend: Backend) {
    let store = demo_store(backend).await;
    let ticket = an_acme_ticket(&store).await.to_string();
    let callers = callers(&state(store)).await;
    let secret = "Customer is on the watch list; do not offer credit.";
    let note = callers
        .agent
        .call("tickets/message", &[("ticket_id", &ticket), ("body", secret), ("visibility", "internal")])
        .await;
    assert!(note.status.is_success(), "{}", note.body);
    let reply = callers
        .agent
        .call(
            "tickets/message",
            &[("ticket_id", &ticket), ("body", "We are on it."), ("visibility", "public")],
        )
        .await;
    assert!(reply.status.is_success(), "{}", reply.body);

    let as_agent = callers.agent.call("tickets/detail", &[("ticket_id", &ticket)]).await;
    assert!(as_agent.body.contains(secret));
    let as_customer = callers.customer.call("tickets/detail", &[("ticket_id", &ticket)]).await;
    assert!(as_customer.status.is_success(), "{}", as_customer.body);
    assert!(as_customer.body.contains("We are on it."));
    assert!(!as_customer.body.contains(secret));
    assert!(!as_customer.body.contains("internal_note"));
    // The rendered page is filtered the same way.
    let page = callers.customer.get(&format!("/tickets/{ticket}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("We are on it."));
    assert!(!page.body.contains(secret));
}

/// The names of a JSON object's fields.
fn keys(value: &serde_json::Value) -> Vec<&str> {
    let mut names: Vec<&str> = value
        .as_object()
        .unwrap_or_else(|| panic!("an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect();
    names.sort_unstable();
    names
}

/// Whether a page's serialised data names the field, quoted as JSON or as JSON inside a script's
/// string.
fn payload_has(body: &str, field: &str) -> bool {
    body.contains(&format!("\"{field}\"")) || body.contains(&format!("\\\"{field}\\\""))
}

/// What the pages hide from customers must not reach them in any answer either: not from the
/// list, not from the ticket, not in the hydration data of the pages.
async fn each_role_receives_only_its_fields(backend: Backend) {
    let store = demo_store(backend).await;
    let ticket = an_acme_ticket(&store).await.to_string();
    let callers = callers(&state(store)).await;
    let customer_ticket = [
        "category_id",
        "channel",
        "created_at",
        "description",
        "id",
        "priority",
        "status",
        "subject",
        "updated_at",
    ];
    let internal = [
        "tags",
        "assignment",
        "escalation_level",
        "acknowledged_level",
        "tier_name",
        "group_name",
        "next_breach_at",
    ];
    let list = [("query[status]", "all")];
    let detail = [("ticket_id", ticket.as_str())];

    let as_customer = callers.customer.call("tickets/list", &list).await.json();
    let row = &as_customer["Customer"]["items"][0];
    assert_eq!(keys(row), ["category_name", "organisation_name", "requester_name", "ticket"]);
    assert_eq!(keys(&row["ticket"]), customer_ticket);
    let as_customer = callers.customer.call("tickets/detail", &detail).await.json();
    let shown = &as_customer["Customer"];
    assert_eq!(
        keys(shown),
        [
            "category_name",
            "may_reopen",
            "organisation_name",
            "plan",
            "requester_name",
            "survey",
            "ticket",
            "timeline"
        ]
    );
    assert_eq!(keys(&shown["ticket"]), customer_ticket);

    // Staff get the internal fields (which also shows the checks above can fail).
    let as_agent = callers.agent.call("tickets/list", &list).await.json();
    let row = &as_agent["Staff"]["items"][0];
    for field in ["tier_name", "group_name", "assignee_name", "next_breach_at"] {
        assert!(row.get(field).is_some(), "staff rows carry {field}");
    }
    for field in ["tags", "assignment", "escalation_level", "acknowledged_level"] {
        assert!(row["ticket"].get(field).is_some(), "staff tickets carry {field}");
    }
    let as_agent = callers.agent.call("tickets/detail", &detail).await.json();
    for field in ["directory", "clocks", "watching"] {
        assert!(as_agent["Staff"].get(field).is_some(), "staff ticket pages carry {field}");
    }
    assert!(as_agent["Staff"]["ticket"].get("escalation_level").is_some());

    // The pages' hydration payloads are these same answers.
    for path in ["/portal?status=all".to_string(), format!("/tickets/{ticket}")] {
        let page = callers.customer.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        for field in internal {
            assert!(!payload_has(&page.body, field), "{path} sends the customer {field}");
        }
    }
    let queue = callers.agent.get("/queue?status=all").await;
    assert!(payload_has(&queue.body, "next_breach_at"), "the staff queue's payload is where the test looks");

    // A customer who types the staff's address is sent to their portal, filters kept.
    let typed = callers.customer.get("/queue?status=all&q=vpn").await;
    assert_eq!(typed.status, StatusCode::SEE_OTHER, "{}", typed.body);
    assert_eq!(typed.headers[http::header::LOCATION], "/portal?status=all&q=vpn");
    assert_eq!(callers.anonymous.get("/queue").await.status, StatusCode::OK, "the page asks them to sign in");
}

async fn cross_site_posts_are_refused_and_change_nothing(backend: Backend) {
    let store = demo_store(backend).await;
    let ticket_id = an_acme_ticket(&store).await;
    let ticket = ticket_id.to_string();
    let callers = callers(&state(store.clone())).await;
    let before = store.count_events(ticket_id).await.expect("count");
    let form = [("ticket_id", ticket.as_str()), ("body", "forged"), ("visibility", "public")];
    for headers in [
        vec![("sec-fetch-site", "cross-site"), ("origin", "https://evil.example")],
        vec![("origin", "https://evil.example")],
        vec![],
    ] {
        let reply = callers.agent.post_with("tickets/message", &form, &headers).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{headers:?}");
    }
    assert_eq!(store.count_events(ticket_id).await.expect("count"), before);
    let same_origin =
        callers.agent.post_with("tickets/message", &form, &[("origin", crate::common::ORIGIN)]).await;
    assert!(same_origin.status.is_success(), "{}", same_origin.body);
}

async fn a_stale_edit_gets_the_conflict_message(backend: Backend) {
    let store = demo_store(backend).await;
    let ticket_id = an_acme_ticket(&store).await;
    let ticket = ticket_id.to_string();
    let seen = store.ticket(ticket_id).await.expect("read").expect("exists");
    let version = seen.version.to_string();
    let callers = callers(&state(store.clone())).await;
    let edit = |priority: &'static str, status: &'static str| {
        vec![
            ("edit[ticket_id]", ticket.clone()),
            ("edit[version]", version.clone()),
            ("edit[status]", status.to_string()),
            ("edit[priority]", priority.to_string()),
            ("edit[category]", seen.category_id.map(|c| c.to_string()).unwrap_or_default()),
            ("edit[tags]", String::new()),
            ("edit[tier]", seen.assignment.tier_id.map(|c| c.to_string()).unwrap_or_default()),
            ("edit[group]", seen.assignment.group_id.map(|c| c.to_string()).unwrap_or_default()),
            ("edit[assignee]", seen.assignment.assignee_id.map(|c| c.to_string()).unwrap_or_default()),
        ]
    };
    let as_pairs =
        |form: &Vec<(&'static str, String)>| form.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
    let first = as_pairs(&edit("urgent", seen.status.as_str()));
    let first: Vec<(&str, &str)> = first.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let reply = callers.agent.call("tickets/update", &first).await;
    assert!(reply.status.is_success(), "{}", reply.body);

    let admin_edit = as_pairs(&edit(seen.priority.as_str(), "pending"));
    let admin_edit: Vec<(&str, &str)> = admin_edit.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let events_before = store.count_events(ticket_id).await.expect("count");
    let conflict = callers.admin.call("tickets/update", &admin_edit).await.json();
    let message = conflict["Conflict"].as_str().unwrap_or_else(|| panic!("conflict expected: {conflict}"));
    assert!(message.contains("Sam Patel changed the priority"), "{message}");
    assert_eq!(store.count_events(ticket_id).await.expect("count"), events_before);
    let current = store.ticket(ticket_id).await.expect("read").expect("exists");
    assert_eq!(current.priority.as_str(), "urgent");
    assert_ne!(current.status.as_str(), "pending");
}

async fn bad_input_names_the_field_and_writes_nothing(backend: Backend) {
    let store = demo_store(backend).await;
    let callers = callers(&state(store.clone())).await;
    let before = store.count_tickets().await.expect("count");
    let reply = callers
        .customer
        .call(
            "tickets/create",
            &[
                ("form[subject]", "  "),
                ("form[description]", "x"),
                ("form[category]", "abc"),
                ("form[priority]", "asap"),
            ],
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a refused input is the caller's mistake, not ours"
    );
    let reply = reply.json();
    let errors = reply["Invalid"].as_array().unwrap_or_else(|| panic!("field errors expected: {reply}"));
    let fields: Vec<&str> = errors.iter().filter_map(|e| e["field"].as_str()).collect();
    for field in ["subject", "category", "priority"] {
        assert!(fields.contains(&field), "{field} not named in {reply}");
    }
    assert_eq!(store.count_tickets().await.expect("count"), before);

    let ticket = an_acme_ticket(&store).await;
    let events = store.count_events(ticket).await.expect("count");
    let empty = callers
        .customer
        .call(
            "tickets/message",
            &[("ticket_id", &ticket.to_string()), ("body", " \n "), ("visibility", "public")],
        )
        .await;
    assert_eq!(empty.json()["Invalid"][0]["field"], "body");
    assert_eq!(store.count_events(ticket).await.expect("count"), events);
}

/// A client signing in from `peer`, optionally through a proxy that names `forwarded_for`.
async fn attempt(
    state: &app::ssr::AppState,
    peer: &str,
    forwarded_for: Option<&str>,
    password: &str,
) -> Reply {
    let mut client = Client::new(state.clone());
    client.peer = Some(peer.parse().expect("a socket address"));
    let mut headers =
        vec![(header::ORIGIN.as_str(), crate::common::ORIGIN), ("sec-fetch-site", "same-origin")];
    if let Some(forwarded_for) = forwarded_for {
        headers.push(("x-forwarded-for", forwarded_for));
    }
    client
        .post_with("session/login", &[("email", "carla@acme.example"), ("password", password)], &headers)
        .await
}

async fn sign_in_attempts_are_rate_limited(backend: Backend) {
    use app::ssr::auth::{LoginLimiter, TrustedProxies};
    let store = demo_store(backend).await;
    let mut limited = state(store);
    limited.login_limiter = std::sync::Arc::new(LoginLimiter::new(3, TrustedProxies::default()));
    let attacker = "203.0.113.9:40000";
    for _ in 0..3 {
        let reply = attempt(&limited, attacker, None, "wrong password").await;
        assert_eq!(reply.json()["Invalid"][0]["field"], "password");
    }
    // The attacker's address is out of attempts, even with the right password…
    let reply = attempt(&limited, attacker, None, server::demo::DEMO_PASSWORD).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(reply.json(), json!("RateLimited"));
    assert!(reply.headers.get(header::SET_COOKIE).is_none());
    // …but Carla, at her own address, is not locked out.
    let reply = attempt(&limited, "198.51.100.7:50000", None, server::demo::DEMO_PASSWORD).await;
    assert!(reply.headers.get(header::SET_COOKIE).is_some(), "{} {}", reply.status, reply.body);

    // Behind a trusted proxy, clients are told apart by what the proxy forwards; a client that
    // is not the proxy cannot pretend to be someone else with the header.
    let mut proxied = limited.clone();
    let trusted = TrustedProxies::parse(&["10.0.0.0/8".to_string()]).expect("valid");
    proxied.login_limiter = std::sync::Arc::new(LoginLimiter::new(3, trusted));
    let proxy = "10.0.0.2:443";
    for _ in 0..3 {
        attempt(&proxied, proxy, Some("203.0.113.9"), "wrong password").await;
    }
    let reply = attempt(&proxied, proxy, Some("203.0.113.9"), server::demo::DEMO_PASSWORD).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    let reply = attempt(&proxied, proxy, Some("198.51.100.7"), server::demo::DEMO_PASSWORD).await;
    assert!(reply.headers.get(header::SET_COOKIE).is_some(), "{} {}", reply.status, reply.body);
    let not_a_proxy = "203.0.113.50:40000";
    for _ in 0..3 {
        attempt(&proxied, not_a_proxy, Some("198.51.100.8"), "wrong password").await;
    }
    let reply = attempt(&proxied, not_a_proxy, Some("198.51.100.9"), server::demo::DEMO_PASSWORD).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS, "an untrusted peer's header is ignored");
}

async fn sign_in_follows_only_paths_of_this_site(backend: Backend) {
    let store = demo_store(backend).await;
    let client = Client::new(state(store));
    let sign_in = |next: &'static str| {
        let client = &client;
        async move {
            client
                .call(
                    "session/login",
                    &[
                        ("email", "carla@acme.example"),
                        ("password", server::demo::DEMO_PASSWORD),
                        ("next", next),
                    ],
                )
                .await
        }
    };
    for next in ["/\t/evil.example", "//evil.example", "/\\evil.example", "https://evil.example", "/\u{1}x"] {
        let reply = sign_in(next).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{next:?}: {}", reply.body);
        assert_eq!(reply.json()["Invalid"][0]["field"], "next", "{next:?}");
        assert!(reply.headers.get(header::SET_COOKIE).is_none(), "{next:?} signed in anyway");
    }
    let reply = sign_in("/tickets/1?from=mail").await;
    assert!(reply.status.is_success() || reply.status.is_redirection(), "{} {}", reply.status, reply.body);
    let location = reply.headers.get(header::LOCATION).and_then(|value| value.to_str().ok());
    assert_eq!(location, Some("/tickets/1?from=mail"), "{:?}", reply.headers);
}

async fn probes_and_security_headers(backend: Backend) {
    let store = demo_store(backend).await;
    let client = Client::new(state(store));
    assert_eq!(client.get("/healthz").await.status, StatusCode::OK);
    assert_eq!(client.get("/readyz").await.body, "ready");
    let page = client.get("/login").await;
    assert_eq!(page.status, StatusCode::OK);
    let policy =
        page.headers.get(header::CONTENT_SECURITY_POLICY).and_then(|v| v.to_str().ok()).expect("CSP");
    let nonce =
        policy.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("nonce in policy");
    assert!(page.body.contains(&format!("nonce=\"{nonce}\"")), "the hydration script carries the nonce");
    assert_eq!(page.headers.get(header::X_FRAME_OPTIONS).expect("frame options"), "DENY");
}

/// Every rendered page carries exactly one Content-Security-Policy, with a nonce, and every
/// inline script on it carries that nonce: a page whose scripts the policy blocks never hydrates.
/// The pages are loaded many times at once, each beside a fetch of a WASM piece, on a runtime
/// with two threads — as a browser leaving a page that still loads its pieces does. A static
/// file served on a thread where a page was rendering used to take that page's headers
/// (`security::own_reactive_owner`).
#[test]
fn every_page_carries_one_policy_with_the_nonce_of_its_inline_scripts() {
    // Rendering a page in a debug build needs more stack than a worker thread has by default.
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_stack_size(16 << 20)
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(pages_carry_the_nonce_of_their_inline_scripts());
}

async fn pages_carry_the_nonce_of_their_inline_scripts() {
    let store = demo_store(Backend::Sqlite).await;
    let ticket = an_acme_ticket(&store).await;
    // The browser fetches the WASM pieces while pages render: a site folder with one.
    let site = std::env::temp_dir().join(format!("tierline-test-site-{:016x}", rand::random::<u64>()));
    std::fs::create_dir_all(site.join("pkg")).expect("site folder");
    std::fs::write(site.join("pkg/piece.wasm"), vec![0u8; 64 << 10]).expect("a piece");
    let mut state = state(store);
    state.leptos_options = leptos::config::LeptosOptions::builder()
        .output_name("tierline")
        .site_root(site.display().to_string())
        .build();
    let signed_in = |email: &'static str| {
        let state = state.clone();
        async move {
            let mut client = Client::new(state);
            client.sign_in(email, server::demo::DEMO_PASSWORD).await;
            assert!(client.cookie.is_some(), "{email} signs in");
            std::sync::Arc::new(client)
        }
    };
    let ticket_page = format!("/tickets/{ticket}");
    let visits: Vec<(std::sync::Arc<Client>, Vec<&str>)> = vec![
        (std::sync::Arc::new(Client::new(state.clone())), vec!["/login", "/forgot"]),
        (signed_in("carla@acme.example").await, vec!["/portal", "/portal/new", &ticket_page]),
        (
            signed_in("maria.manager@tierline.example").await,
            vec![
                "/dashboard",
                "/huddle",
                "/reviews",
                "/reports/time",
                "/reports/review",
                "/reports/feedback",
                "/queue",
                &ticket_page,
                "/account",
            ],
        ),
        (signed_in("admin@tierline.example").await, vec!["/admin", "/admin/people", "/admin/deliveries"]),
    ];
    let (mut loads, mut pieces) = (Vec::new(), Vec::new());
    for (client, paths) in &visits {
        for path in paths {
            for _ in 0..6 {
                let (loader, fetcher) = (client.clone(), client.clone());
                let path = path.to_string();
                loads.push(tokio::spawn(async move { (loader.get(&path).await, path) }));
                pieces.push(tokio::spawn(async move { fetcher.get("/pkg/piece.wasm").await }));
            }
        }
    }
    for load in loads {
        let (page, path) = load.await.expect("the load finishes");
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        let policies: Vec<_> = page.headers.get_all(header::CONTENT_SECURITY_POLICY).iter().collect();
        assert_eq!(policies.len(), 1, "{path}: one policy, not {policies:?}");
        let policy = policies[0].to_str().expect("a policy in ASCII");
        let nonce = policy
            .split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .unwrap_or_else(|| panic!("{path}: no nonce in {policy}"));
        let inline_scripts: Vec<&str> = page
            .body
            .split("<script")
            .skip(1)
            .map(|rest| rest.split('>').next().unwrap_or_default())
            .filter(|attributes| !attributes.contains("src="))
            .collect();
        assert!(!inline_scripts.is_empty(), "{path}: the hydration script is inline");
        for attributes in inline_scripts {
            assert!(
                attributes.contains(&format!("nonce=\"{nonce}\"")),
                "{path}: <script{attributes}> lacks {nonce}"
            );
        }
    }
    for piece in pieces {
        let piece = piece.await.expect("the fetch finishes");
        assert_eq!(piece.status, StatusCode::OK);
        let policy = piece.headers.get(header::CONTENT_SECURITY_POLICY).expect("a policy");
        assert!(
            !policy.to_str().expect("ASCII").contains("'nonce-"),
            "a file took a page's policy: {policy:?}"
        );
    }
    let _ = std::fs::remove_dir_all(site);
}

async fn admins_manage_people_but_never_lock_themselves_out(backend: Backend) {
    let store = demo_store(backend).await;
    let callers = callers(&state(store.clone())).await;
    let admin = crate::common::user_by_email(&store, "admin@tierline.example").await;
    let kim = crate::common::user_by_email(&store, "kim.agent@tierline.example").await;
    let calendar = store.calendars().await.expect("calendars")[0].id.to_string();

    let promote = callers
        .admin
        .call(
            "admin/person/update",
            &[
                ("update[user_id]", &kim.id.to_string()),
                ("update[role]", "lead"),
                ("update[active]", "true"),
                ("update[skills]", "Access SSO"),
                ("update[calendar]", &calendar),
            ],
        )
        .await;
    assert!(promote.status.is_success(), "{}", promote.body);
    let record = store.user(kim.id).await.expect("read").expect("exists");
    assert_eq!(record.summary.role.as_str(), "lead");
    assert_eq!(record.calendar_id.map(|id| id.to_string()), Some(calendar));
    let skills: Vec<String> = store
        .user_skills()
        .await
        .expect("skills")
        .into_iter()
        .filter(|(id, _)| *id == kim.id)
        .map(|(_, s)| s)
        .collect();
    assert_eq!(skills, vec!["access", "sso"]);

    // Unticking "active" leaves the field out of a plain form: the person is deactivated and
    // signed out everywhere.
    let agent_before = callers.agent.call("tickets/directory", &[]).await;
    assert!(agent_before.status.is_success());
    let sam = crate::common::user_by_email(&store, "sam.agent@tierline.example").await;
    let deactivate = callers
        .admin
        .call("admin/person/update", &[("update[user_id]", &sam.id.to_string()), ("update[role]", "agent")])
        .await;
    assert!(deactivate.status.is_success(), "{}", deactivate.body);
    assert_eq!(callers.agent.call("tickets/directory", &[]).await.json(), json!("Unauthenticated"));

    let demote_self = callers
        .admin
        .call(
            "admin/person/update",
            &[
                ("update[user_id]", &admin.id.to_string()),
                ("update[role]", "agent"),
                ("update[active]", "true"),
            ],
        )
        .await;
    assert_eq!(demote_self.json()["Invalid"][0]["field"], "role");
    assert_eq!(store.user(admin.id).await.expect("read").expect("exists").summary.role.as_str(), "admin");
}

/// The endpoints the code declares, as the matrices must name them: every server function's
/// `endpoint = "…"` under `app/src/server_fns`, every `.route(…)` of the REST router under
/// `server/src/rest` with each of its methods, and every operation of the OpenAPI document.
/// It fails naming what a matrix lacks, and what a matrix names that no longer exists.
#[test]
fn the_authorisation_matrices_name_every_endpoint() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut server_functions = std::collections::BTreeSet::new();
    for path in crate::common::rust_sources(&root.join("app/src/server_fns")) {
        let source = std::fs::read_to_string(&path).expect("readable source");
        // A server function without an explicit endpoint gets a generated one no list could
        // name ahead of time, so every one must say its endpoint. (`#[server(default)]` on an
        // argument is not a function's attribute: only those followed by `pub` count.)
        let attributes = source
            .split("#[server")
            .skip(1)
            .filter(|rest| {
                rest.split_once(']').is_some_and(|(_, after)| after.trim_start().starts_with("pub"))
            })
            .count();
        let endpoints: Vec<&str> =
            source.split("endpoint = \"").skip(1).filter_map(|rest| rest.split('"').next()).collect();
        assert_eq!(
            attributes,
            endpoints.len(),
            "{}: a #[server] function does not name its endpoint",
            path.display()
        );
        server_functions.extend(endpoints.into_iter().map(str::to_string));
    }
    assert!(server_functions.len() >= 30, "expected the server functions, found {server_functions:?}");
    let mut routes = std::collections::BTreeSet::new();
    for path in crate::common::rust_sources(&root.join("server/src/rest")) {
        let source = std::fs::read_to_string(&path).expect("readable source");
        // A nested or merged router's paths would not appear whole in a `.route(…)` call.
        assert!(
            !source.contains(".nest(") && !source.contains(".merge("),
            "{}: read nested routers too",
            path.display()
        );
        routes.extend(router_routes(&source));
    }
    let document = serde_json::to_value(<server::rest::ApiDoc as utoipa::OpenApi>::openapi()).expect("JSON");
    for (path, operations) in document["paths"].as_object().expect("paths") {
        for method in operations.as_object().expect("operations").keys() {
            routes.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    assert!(routes.len() >= 4, "expected the REST routes, found {routes:?}");

    let mut problems = Vec::new();
    for (what, declared, matrix) in [
        ("server function", &server_functions, SERVER_FUNCTIONS),
        ("REST route", &routes, crate::rest::REST_ROUTES),
    ] {
        let listed: std::collections::BTreeSet<String> = matrix.iter().map(|name| name.to_string()).collect();
        for missing in declared.difference(&listed) {
            problems.push(format!("the {what} {missing} is not in the authorisation matrix"));
        }
        for gone in listed.difference(declared) {
            problems.push(format!("the matrix names the {what} {gone}, which no longer exists"));
        }
        assert_eq!(listed.len(), matrix.len(), "the matrix of each {what} names one twice");
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The `METHOD path` of each `.route("path", get(…).post(…))` in a router's source.
fn router_routes(source: &str) -> Vec<String> {
    let mut routes = Vec::new();
    for call in source.split(".route(").skip(1) {
        let path = call.split('"').nth(1).expect("a route's path is a string literal");
        // The call ends at the parenthesis that closes `.route(`.
        let mut depth = 1;
        let end = call
            .char_indices()
            .find_map(|(at, character)| {
                match character {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                (depth == 0).then_some(at)
            })
            .expect("the call closes");
        let arguments = &call[..end];
        for method in ["get", "post", "put", "patch", "delete"] {
            let called = arguments.match_indices(&format!("{method}(")).any(|(at, _)| {
                arguments[..at]
                    .chars()
                    .next_back()
                    .is_none_or(|before| !(before.is_alphanumeric() || before == '_'))
            });
            if called {
                routes.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    routes
}
