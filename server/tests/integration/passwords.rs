//! Passwords through the real router, on SQLite and PostgreSQL: changing one's own, an admin
//! setting someone's, and the "forgot password" link sent through a real SMTP server.

use std::sync::Arc;

use http::StatusCode;
use serde_json::json;
use server::config::{Settings, SmtpSettings};
use server::notifications::channels::Channels;

use crate::common::{callers, demo_store, state, Backend, Client, Reply};
use crate::receivers::SmtpServer;

crate::on_both_backends!(
    a_person_changes_their_own_password_and_their_other_sessions_end,
    an_admin_sets_someones_password_and_their_sessions_end,
    a_forgotten_password_is_reset_once_through_the_emailed_link,
);

const NEW_PASSWORD: &str = "correct horse battery";

fn field_of(reply: &Reply) -> serde_json::Value {
    reply.json()["Invalid"][0]["field"].clone()
}

/// Whether the client's session still lets it in.
async fn signed_in(client: &Client) -> bool {
    client.call("session/me", &[]).await.json() != serde_json::Value::Null
}

async fn sign_in(state: &app::ssr::AppState, email: &str, password: &str) -> Option<Client> {
    let mut client = Client::new(state.clone());
    client.sign_in(email, password).await;
    client.cookie.is_some().then_some(client)
}

async fn a_person_changes_their_own_password_and_their_other_sessions_end(backend: Backend) {
    let state = state(demo_store(backend).await);
    let email = "sam.agent@tierline.example";
    let here = sign_in(&state, email, server::demo::DEMO_PASSWORD).await.expect("signed in");
    let elsewhere = sign_in(&state, email, server::demo::DEMO_PASSWORD).await.expect("signed in");
    let change = |current: &'static str, new: &'static str| {
        let here = &here;
        async move { here.call("account/password", &[("current_password", current), ("new_password", new)]).await }
    };

    let anonymous = Client::new(state.clone());
    let reply = anonymous
        .call("account/password", &[("current_password", "x"), ("new_password", NEW_PASSWORD)])
        .await;
    assert_eq!(reply.json(), json!("Unauthenticated"));
    let wrong = change("not my password", NEW_PASSWORD).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_of(&wrong), "current_password");
    assert_eq!(field_of(&change(server::demo::DEMO_PASSWORD, "short").await), "new_password");
    assert!(sign_in(&state, email, server::demo::DEMO_PASSWORD).await.is_some(), "refusals change nothing");

    let reply = change(server::demo::DEMO_PASSWORD, NEW_PASSWORD).await;
    assert!(reply.status.is_success(), "{} {}", reply.status, reply.body);
    assert!(signed_in(&here).await, "the session that changed it stays");
    assert!(!signed_in(&elsewhere).await, "other sessions end");
    assert!(sign_in(&state, email, server::demo::DEMO_PASSWORD).await.is_none());
    assert!(sign_in(&state, email, NEW_PASSWORD).await.is_some());
}

async fn set(client: &Client, user_id: &str, password: &str) -> Reply {
    client.call("admin/person/password", &[("user_id", user_id), ("password", password)]).await
}

async fn an_admin_sets_someones_password_and_their_sessions_end(backend: Backend) {
    let store = demo_store(backend).await;
    let state = state(store.clone());
    let callers = callers(&state).await;
    let carla = crate::common::user_by_email(&store, "carla@acme.example").await.id.to_string();
    assert_eq!(set(&callers.anonymous, &carla, NEW_PASSWORD).await.json(), json!("Unauthenticated"));
    assert_eq!(set(&callers.agent, &carla, NEW_PASSWORD).await.json(), json!("Forbidden"));
    assert_eq!(set(&callers.customer, &carla, NEW_PASSWORD).await.json(), json!("Forbidden"));
    assert_eq!(set(&callers.admin, "999999", NEW_PASSWORD).await.json(), json!("NotFound"));
    assert_eq!(field_of(&set(&callers.admin, &carla, "short").await), "password");
    assert!(signed_in(&callers.customer).await, "refusals change nothing");

    let reply = set(&callers.admin, &carla, NEW_PASSWORD).await;
    assert!(reply.status.is_success(), "{} {}", reply.status, reply.body);
    assert!(!signed_in(&callers.customer).await, "her sessions ended");
    assert!(signed_in(&callers.other_customer).await, "nobody else's");
    assert!(sign_in(&state, "carla@acme.example", server::demo::DEMO_PASSWORD).await.is_none());
    assert!(sign_in(&state, "carla@acme.example", NEW_PASSWORD).await.is_some());
}

/// The token of the reset link in an e-mail (its text part is quoted-printable).
fn reset_token(message: &str) -> String {
    let decoded = message.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=");
    let start = decoded.find("https://help.example/reset?token=").expect("a reset link") + 33;
    decoded[start..].chars().take_while(char::is_ascii_hexdigit).collect()
}

async fn a_forgotten_password_is_reset_once_through_the_emailed_link(backend: Backend) {
    let store = demo_store(backend).await;
    let smtp = SmtpServer::start().await;
    let settings = Settings {
        smtp: Some(SmtpSettings {
            host: "127.0.0.1".into(),
            port: smtp.port,
            tls: "none".into(),
            username: None,
            password: None,
            from: "Tierline <tierline@helpdesk.example>".into(),
        }),
        ..Settings::default()
    };
    let mut state = state(store.clone());
    let channels = Channels::from_settings(&settings).expect("channels");
    state.account_mail =
        Some(Arc::new(server::notifications::AccountMailer::new(channels, "https://help.example/")));
    let carla = sign_in(&state, "carla@acme.example", server::demo::DEMO_PASSWORD).await.expect("signed in");
    let anonymous = Client::new(state.clone());

    // The same answer for a known and an unknown address; only the known one gets mail.
    for email in ["nobody@acme.example", "Carla@acme.example"] {
        let reply = anonymous.call("session/forgot", &[("email", email)]).await;
        assert!(reply.status.is_success(), "{email}: {} {}", reply.status, reply.body);
    }
    assert_eq!(field_of(&anonymous.call("session/forgot", &[("email", "not an address")]).await), "email");
    let messages = smtp.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].contains("carla@acme.example") && messages[0].contains("Set a new Tierline password")
    );
    let token = reset_token(&messages[0]);
    assert_eq!(token.len(), 64, "{}", messages[0]);

    let reset = |token: String, password: &'static str| {
        let anonymous = &anonymous;
        async move { anonymous.call("session/reset", &[("token", token.as_str()), ("password", password)]).await }
    };
    assert_eq!(field_of(&reset(token.clone(), "short").await), "password");
    assert_eq!(field_of(&reset("0".repeat(64), NEW_PASSWORD).await), "token");
    assert!(
        sign_in(&state, "carla@acme.example", server::demo::DEMO_PASSWORD).await.is_some(),
        "nothing changed"
    );

    let reply = reset(token.clone(), NEW_PASSWORD).await;
    assert!(reply.status.is_success() || reply.status.is_redirection(), "{} {}", reply.status, reply.body);
    assert!(!signed_in(&carla).await, "her sessions ended");
    assert!(sign_in(&state, "carla@acme.example", NEW_PASSWORD).await.is_some());
    let again = reset(token, "another new password").await;
    assert_eq!(field_of(&again), "token", "a link works once");
    assert!(sign_in(&state, "carla@acme.example", NEW_PASSWORD).await.is_some());

    // A link past its time does nothing.
    let now = chrono::Utc::now();
    let (_, expired) = store
        .create_password_reset(
            "carla@acme.example",
            now - chrono::Duration::hours(2),
            chrono::Duration::hours(1),
        )
        .await
        .expect("stored")
        .expect("Carla");
    assert_eq!(field_of(&reset(expired, "another new password").await), "token");
}
