//! The store embeds the migrations at compile time (`sqlx::migrate!`); a migration added or
//! changed must rebuild this crate, or an incremental build would keep serving the old set.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
