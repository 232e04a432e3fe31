//! Real receivers for notification tests: Debian's aiosmtpd as the SMTP server, and an HTTP
//! receiver on loopback that records every request (optionally slowly, or failing).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;

/// Debian's aiosmtpd, storing what it receives in a Maildir; stopped when dropped.
pub struct SmtpServer {
    pub port: u16,
    maildir: PathBuf,
    child: std::process::Child,
}

impl SmtpServer {
    pub async fn start() -> SmtpServer {
        let port = free_port();
        let maildir = std::env::temp_dir().join(format!("tierline-mail-{:016x}", rand::random::<u64>()));
        // Held by the server value at once, so its Drop stops the process on every path.
        let server = SmtpServer {
            port,
            maildir: maildir.clone(),
            child: std::process::Command::new("/usr/bin/python3")
                .args([
                    "-m",
                    "aiosmtpd",
                    "-n",
                    "-l",
                    &format!("127.0.0.1:{port}"),
                    "-c",
                    "aiosmtpd.handlers.Mailbox",
                ])
                .arg(&maildir)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("aiosmtpd starts (.ci/tools installs python3-aiosmtpd)"),
        };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return server;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("aiosmtpd did not listen on {port}");
    }

    /// Every message received, as raw text.
    pub fn messages(&self) -> Vec<String> {
        let mut messages = Vec::new();
        for folder in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.maildir.join(folder)) else { continue };
            for entry in entries.flatten() {
                messages.push(std::fs::read_to_string(entry.path()).expect("mail file"));
            }
        }
        messages
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.maildir);
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address").port()
}

/// An HTTP receiver on loopback recording every request; answers 500 while `failing`.
#[derive(Clone, Default)]
pub struct Receiver {
    received: Arc<Mutex<Vec<(String, HeaderMap, String)>>>,
    pub failing: Arc<AtomicBool>,
    /// Milliseconds each request takes to answer, to stretch a batch of deliveries out.
    pub delay_ms: Arc<AtomicU64>,
}

impl Receiver {
    pub async fn start() -> (Receiver, SocketAddr) {
        let receiver = Receiver::default();
        let state = receiver.clone();
        let app = axum::Router::new().route(
            "/{*path}",
            post(move |uri: axum::http::Uri, headers: HeaderMap, body: Bytes| {
                let state = state.clone();
                async move {
                    let delay = state.delay_ms.load(Ordering::SeqCst);
                    if delay > 0 {
                        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
                    }
                    if state.failing.load(Ordering::SeqCst) {
                        return StatusCode::INTERNAL_SERVER_ERROR;
                    }
                    let body = String::from_utf8_lossy(&body).into_owned();
                    state.received.lock().expect("lock").push((uri.path().to_string(), headers, body));
                    StatusCode::OK
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        tokio::spawn(async move { axum::serve(listener, app).await });
        (receiver, address)
    }

    pub fn at(&self, path: &str) -> Vec<(HeaderMap, String)> {
        self.received
            .lock()
            .expect("lock")
            .iter()
            .filter(|(p, ..)| p == path)
            .map(|(_, headers, body)| (headers.clone(), body.clone()))
            .collect()
    }
}
