//! Test harness: fresh databases on either backend, the demo data, and a client that talks to
//! the real router in-process.

use app::domain::UserSummary;
use app::ssr::{AppState, Store};
use axum::body::Body;
use axum::Router;
use http::{header, Request, StatusCode};
use leptos::prelude::LeptosOptions;
use tower::ServiceExt;

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Declares each test once per backend: `sqlite_NAME` and `postgres_NAME`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() { super::$name($crate::common::Backend::Sqlite).await })+
        }
        mod postgres {
            $(#[tokio::test] async fn $name() { super::$name($crate::common::Backend::Postgres).await })+
        }
    };
}

/// The URL of a new, empty database.
pub async fn fresh_database_url(backend: Backend) -> String {
    let unique = format!("{:016x}", rand::random::<u64>());
    match backend {
        Backend::Sqlite => {
            let folder = std::env::temp_dir().join(format!("tierline-test-{unique}"));
            format!("sqlite:{}/tierline.db", folder.display())
        }
        Backend::Postgres => {
            let base = std::env::var("TIERLINE_TEST_POSTGRES_URL").expect(
                "TIERLINE_TEST_POSTGRES_URL must name a PostgreSQL database the tests may create databases from \
                 (.ci/test sets it)",
            );
            sqlx::any::install_default_drivers();
            let admin = sqlx::AnyPool::connect(&base).await.expect("PostgreSQL answers");
            let name = format!("tierline_t_{unique}");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&admin)
                .await
                .expect("create test database");
            admin.close().await;
            let (prefix, _) = base.rsplit_once('/').expect("URL has a database path");
            format!("{prefix}/{name}")
        }
    }
}

pub async fn fresh_store(backend: Backend) -> Store {
    let store = Store::connect(&fresh_database_url(backend).await).await.expect("connect");
    store.migrate().await.expect("migrate");
    store
}

/// A store with the demo data loaded.
pub async fn demo_store(backend: Backend) -> Store {
    let store = fresh_store(backend).await;
    server::demo::load(&store, chrono::Utc::now()).await.expect("demo loads");
    store
}

pub async fn user_by_email(store: &Store, email: &str) -> UserSummary {
    store
        .users()
        .await
        .expect("users")
        .into_iter()
        .find(|user| user.summary.email == email)
        .unwrap_or_else(|| panic!("no user {email}"))
        .summary
}

/// Carla of Acme Logistics opens a ticket with `subject` in the portal; returns its id.
pub async fn carla_opens(store: &Store, subject: &str) -> i64 {
    use app::domain::commands::{self, NewTicket};
    let carla = user_by_email(store, "carla@acme.example").await;
    let created = commands::open(
        &NewTicket {
            subject: subject.into(),
            description: "Opened by a test.".into(),
            category_id: None,
            priority: app::domain::Priority::Normal,
        },
        app::domain::Channel::Portal,
    );
    store
        .create_ticket(carla.id, carla.organisation_id.expect("org"), carla.id, created, chrono::Utc::now())
        .await
        .expect("ticket")
        .ticket
        .id
}

/// Whether the customer's (public) timeline of the ticket has no event of `kind`.
pub async fn customers_see_no(store: &Store, ticket_id: i64, kind: &str) -> bool {
    let public = store.timeline(ticket_id, false).await.expect("public timeline");
    public.iter().all(|entry| entry.event.data.kind() != kind)
}

/// The survey link key of the tests' servers (a server's own comes from its settings).
pub const TEST_LINK_KEY: &str = "a test key for survey links, long enough";

/// The tests' survey link signer, the same as their servers'.
pub fn survey_links() -> std::sync::Arc<app::ssr::survey_links::SurveyLinks> {
    std::sync::Arc::new(
        app::ssr::survey_links::SurveyLinks::new(TEST_LINK_KEY, "https://help.example").expect("a long key"),
    )
}

/// The state of a server with the default settings, but room for the many sign-ins of tests.
pub fn state(store: Store) -> AppState {
    let settings = server::config::Settings {
        login_attempts_per_minute: 1000,
        link_key: Some(TEST_LINK_KEY.into()),
        public_url: "https://help.example".into(),
        ..Default::default()
    };
    server::startup::state_for(store, &settings, LeptosOptions::builder().output_name("tierline").build())
        .expect("the default settings make a state")
}

/// Talks to the real router in-process, as a browser on the same origin would.
pub struct Client {
    pub router: Router,
    pub cookie: Option<String>,
    /// The address the connection comes from, as the server's listener would record it.
    pub peer: Option<std::net::SocketAddr>,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|_| panic!("not JSON ({}): {}", self.status, self.body))
    }
}

pub const ORIGIN: &str = "http://127.0.0.1:3000";

impl Client {
    pub fn new(state: AppState) -> Client {
        Client { router: server::router(state), cookie: None, peer: None }
    }

    pub async fn send(&self, mut request: Request<Body>) -> Reply {
        if let Some(peer) = self.peer {
            request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
        }
        let response = self.router.clone().oneshot(request).await.expect("router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 10 << 20).await.expect("body");
        Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    pub async fn get(&self, path: &str) -> Reply {
        let mut request = Request::get(path).header(header::HOST, "127.0.0.1:3000");
        if let Some(cookie) = &self.cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::empty()).expect("request")).await
    }

    /// Calls a server function the way the hydrated app does: a same-origin form-encoded POST.
    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)]) -> Reply {
        self.post_with(
            endpoint,
            form,
            &[(header::ORIGIN.as_str(), ORIGIN), ("sec-fetch-site", "same-origin")],
        )
        .await
    }

    pub async fn post_with(&self, endpoint: &str, form: &[(&str, &str)], extra: &[(&str, &str)]) -> Reply {
        let body = form
            .iter()
            .map(|(key, value)| format!("{}={}", urlencode(key), urlencode(value)))
            .collect::<Vec<_>>()
            .join("&");
        let mut request = Request::post(format!("/api/{endpoint}"))
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json");
        for (name, value) in extra {
            request = request.header(*name, *value);
        }
        if let Some(cookie) = &self.cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::from(body)).expect("request")).await
    }

    /// Signs in and keeps the session cookie.
    pub async fn sign_in(&mut self, email: &str, password: &str) -> Reply {
        let reply = self.call("session/login", &[("email", email), ("password", password)]).await;
        if let Some(cookie) = reply.headers.get(header::SET_COOKIE).and_then(|v| v.to_str().ok()) {
            self.cookie = cookie.split(';').next().map(str::to_string);
        }
        reply
    }
}

pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (byte as char).to_string(),
            b' ' => "+".to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// Signed-in clients for each kind of caller of the demo data.
pub struct Callers {
    pub anonymous: Client,
    pub customer: Client,
    pub other_customer: Client,
    pub agent: Client,
    pub admin: Client,
}

pub async fn callers(state: &AppState) -> Callers {
    let sign_in = |email: &'static str| {
        let state = state.clone();
        async move {
            let mut client = Client::new(state);
            let reply = client.sign_in(email, server::demo::DEMO_PASSWORD).await;
            assert!(client.cookie.is_some(), "{email} could not sign in: {} {}", reply.status, reply.body);
            client
        }
    };
    Callers {
        anonymous: Client::new(state.clone()),
        customer: sign_in("carla@acme.example").await,
        other_customer: sign_in("dana@globex.example").await,
        agent: sign_in("sam.agent@tierline.example").await,
        admin: sign_in("admin@tierline.example").await,
    }
}

/// Every `.rs` file under `folder`, however deep, so a module split into a folder is still read.
pub fn rust_sources(folder: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let entries =
            std::fs::read_dir(&folder).unwrap_or_else(|_| panic!("{} is readable", folder.display()));
        for entry in entries {
            let path = entry.expect("readable entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}
