//! The bottleneck report and the performance review on both backends: the report counts the
//! tickets its queue link lists, its parts add up, a row drills down to its tickets; each CSV
//! carries its page's figures.

use app::server_fns::reports::TimePage;
use chrono::{Duration, Utc};
use http::StatusCode;

use crate::common::{demo_store, state, Backend, Client};

crate::on_both_backends!(
    the_time_report_adds_up_and_its_csv_says_what_the_page_says,
    the_performance_review_counts_each_unit_and_its_csv_carries_the_page,
);

async fn the_time_report_adds_up_and_its_csv_says_what_the_page_says(backend: Backend) {
    let store = demo_store(backend).await;
    let state = state(store.clone());
    let mut manager = Client::new(state.clone());
    manager.sign_in("maria.manager@tierline.example", server::demo::DEMO_PASSWORD).await;
    let from = (Utc::now() - Duration::days(60)).date_naive().to_string();
    let reply = manager.call("reports/time", &[("query[from]", &from)]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let page: TimePage = serde_json::from_str(&reply.body).expect("a report");
    let report = &page.report;
    assert!(report.tickets > 0, "the demo has resolved tickets");
    assert!(!report.tiers.is_empty());

    // Every ticket the queue link lists is in the report.
    let fields: Vec<(String, &str)> =
        page.tickets.pairs().into_iter().map(|(field, value)| (format!("query[{field}]"), value)).collect();
    let form: Vec<(&str, &str)> = fields.iter().map(|(field, value)| (field.as_str(), *value)).collect();
    let listed = manager.call("tickets/list", &form).await.json()["Staff"]["total"].as_i64();
    assert_eq!(listed, Some(report.tickets as i64));

    for row in &report.tiers {
        assert_eq!(row.running + row.paused + row.out_of_hours, row.held.total, "tier {}", row.tier_id);
        let drill = format!("tier:{}", row.tier_id);
        let reply = manager.call("reports/time", &[("query[from]", &from), ("query[drill]", &drill)]).await;
        let drilled: TimePage = serde_json::from_str(&reply.body).expect("a report");
        let tickets = drilled.drill.expect("the drill-down").tickets;
        assert_eq!(tickets.len(), row.tickets.min(app::server_fns::reports::DRILL_SHOWN));
        let total = tickets.iter().fold(Duration::zero(), |sum, (_, _, time)| sum + *time);
        assert_eq!(total, row.held.total, "the tier's tickets add up to its total");
    }

    let csv = manager.get(&format!("/reports/time.csv?from={from}")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    let lines: Vec<&str> = csv.body.split("\r\n").filter(|line| !line.is_empty()).collect();
    assert!(lines[0].starts_with("table,row,tickets,median_minutes"));
    for row in &report.tiers {
        let name = page
            .tiers
            .iter()
            .find(|(id, _)| *id == row.tier_id)
            .map(|(_, name)| name.clone())
            .expect("a name");
        let expected = format!(
            "tier,{name},{},{},{},{},{},{},{},",
            row.tickets,
            row.held.median.map(|d| d.num_minutes()).expect("a median"),
            row.held.p90.map(|d| d.num_minutes()).expect("a p90"),
            row.held.total.num_minutes(),
            row.running.num_minutes(),
            row.paused.num_minutes(),
            row.out_of_hours.num_minutes()
        );
        assert!(lines.contains(&expected.as_str()), "{expected} is not in\n{}", csv.body);
    }
    assert_eq!(lines.len(), 1 + report.tiers.len() + report.statuses.len() + report.handoffs.len());

    // Bad input names its field; agents and customers get no report.
    let wrong = manager.call("reports/time", &[("query[drill]", "floor:3")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("\"drill\""));
    let mut agent = Client::new(state.clone());
    agent.sign_in("sam.agent@tierline.example", server::demo::DEMO_PASSWORD).await;
    assert_eq!(agent.get("/reports/time.csv").await.status, StatusCode::FORBIDDEN);
    let mut customer = Client::new(state);
    customer.sign_in("carla@acme.example", server::demo::DEMO_PASSWORD).await;
    assert_eq!(customer.get("/reports/time.csv").await.status, StatusCode::NOT_FOUND);
}

async fn the_performance_review_counts_each_unit_and_its_csv_carries_the_page(backend: Backend) {
    use app::domain::tracking::review::Unit;
    use app::server_fns::reports::ReviewPage;
    let store = demo_store(backend).await;
    let state = state(store.clone());
    let mut manager = Client::new(state.clone());
    manager.sign_in("maria.manager@tierline.example", server::demo::DEMO_PASSWORD).await;
    let from = (Utc::now() - Duration::days(60)).date_naive().to_string();
    let reply = manager.call("reports/review", &[("query[from]", &from)]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let page: ReviewPage = serde_json::from_str(&reply.body).expect("a review");
    let tiers: Vec<_> = page.rows.iter().filter(|row| matches!(row.unit, Unit::Tier(_))).collect();
    assert!(!tiers.is_empty());
    assert!(tiers.iter().any(|row| row.handled > 0), "the demo's resolved tickets were handled by tiers");
    assert!(page.rows.iter().any(|row| row.sent_by_hand + row.sent_by_ladder > 0), "and escalated");
    for row in &page.rows {
        assert!(row.first_response.met <= row.first_response.of && row.first_response.of <= row.handled);
        assert!(row.reopened <= row.handled);
    }
    // Every tier that handled a ticket counts as many as the queue lists resolved in the period
    // held by it, at most; the tiers' escalations sent equal those received.
    let sent: usize = tiers.iter().map(|row| row.sent_by_hand + row.sent_by_ladder).sum();
    let received: usize = tiers.iter().map(|row| row.received_by_hand + row.received_by_ladder).sum();
    assert_eq!(sent, received, "every escalation leaves one tier and reaches another");

    let csv = manager.get(&format!("/reports/review.csv?from={from}")).await;
    assert_eq!(csv.status, StatusCode::OK);
    let lines: Vec<&str> = csv.body.split("\r\n").filter(|line| !line.is_empty()).collect();
    assert_eq!(lines.len(), page.rows.len() + 1, "a line per row of the page");
    assert_eq!(lines[1..].to_vec(), {
        let expected = app::domain::tracking::review::review_csv(&page.rows, &page.names);
        expected.split("\r\n").filter(|line| !line.is_empty()).skip(1).map(str::to_string).collect::<Vec<_>>()
    });
    for row in &page.rows {
        let (kind, name) = row.unit.describe(&page.names);
        let start = format!("{kind},{name},{},", row.handled);
        assert!(lines.iter().any(|line| line.starts_with(&start)), "{start} is not in\n{}", csv.body);
    }
    let mut agent = Client::new(state);
    agent.sign_in("sam.agent@tierline.example", server::demo::DEMO_PASSWORD).await;
    assert_eq!(agent.get("/reports/review.csv").await.status, StatusCode::FORBIDDEN);
}
