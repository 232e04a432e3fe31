//! What the benchmarks that drive a real server share: serving on a free port of this host, and
//! stopping again.

use std::net::SocketAddr;
use std::sync::Arc;

use app::ssr::Store;
use leptos::prelude::LeptosOptions;
use server::config::Settings;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// The whole server on `store`, with the default settings but room for a benchmark's sign-ins.
pub struct Serving {
    pub address: SocketAddr,
    stop: Arc<Notify>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Serving {
    pub async fn start(store: &Store) -> Serving {
        let settings = Settings {
            login_attempts_per_minute: 1_000,
            link_key: Some("a benchmark key for survey links, long enough".into()),
            ..Settings::default()
        };
        let options = LeptosOptions::builder().output_name("tierline").build();
        let state = server::startup::state_for(store.clone(), &settings, options).expect("state");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let stop = Arc::new(Notify::new());
        let task = tokio::spawn({
            let stop = stop.clone();
            server::serve(state, listener, async move { stop.notified().await })
        });
        Serving { address, stop, task }
    }

    /// Finishes the requests in flight and stops.
    pub async fn stop(self) {
        self.stop.notify_one();
        self.task.await.expect("server task").expect("server stops");
    }
}

/// A survey link signer for the benchmarks' workers.
#[allow(dead_code)] // Not every benchmark that serves runs the workers.
pub fn survey_links() -> Arc<app::ssr::survey_links::SurveyLinks> {
    Arc::new(
        app::ssr::survey_links::SurveyLinks::new(
            "a benchmark key for survey links, long enough",
            "http://127.0.0.1:3000",
        )
        .expect("a long key"),
    )
}
