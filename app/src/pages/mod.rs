//! Route components, one per page.

mod home;
mod login;

pub use home::{HomePage, NotFoundPage};
pub use login::LoginPage;
