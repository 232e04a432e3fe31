//! Context shared by many components: `provide_*` in `App`, `use_*` where needed.

use leptos::prelude::*;

use crate::api::session::{me, Login, Logout};
use crate::api::AppError;
use crate::domain::UserSummary;

/// The signed-in person and the actions that change who that is.
#[derive(Clone, Copy)]
pub struct Session {
    pub user: Resource<Result<Option<UserSummary>, AppError>>,
    pub login: ServerAction<Login>,
    pub logout: ServerAction<Logout>,
}

pub fn provide_session() {
    let login = ServerAction::<Login>::new();
    let logout = ServerAction::<Logout>::new();
    let user = Resource::new(move || (login.version().get(), logout.version().get()), |_| me());
    provide_context(Session { user, login, logout });
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}
