//! The categories customers choose for their tickets; a retired one stays on old tickets.

use leptos::prelude::*;

use super::{admin_data, SectionPage, CATEGORIES};
use crate::components::form::Field;
use crate::domain::directory::Category;
use crate::server_fns::admin::{CreateCategory, SetCategoryActive};

#[component]
pub fn CategoriesPage() -> impl IntoView {
    let create = ServerAction::<CreateCategory>::new();
    let toggle = ServerAction::<SetCategoryActive>::new();
    let data = admin_data(move || (create.version().get(), toggle.version().get()));
    view! {
        <SectionPage section=CATEGORIES data=data errors=create.value() let:data>
            <Categories categories=data.categories create=create toggle=toggle/>
        </SectionPage>
    }
}

#[component]
fn Categories(
    categories: Vec<Category>,
    create: ServerAction<CreateCategory>,
    toggle: ServerAction<SetCategoryActive>,
) -> impl IntoView {
    let rows = categories
        .into_iter()
        .map(|c| {
            let (label, next) = if c.active { ("Retire", "false") } else { ("Restore", "true") };
            view! {
                <li>
                    {c.name.clone()}
                    {(!c.active).then_some(" (retired)")}
                    <ActionForm action=toggle attr:class="inline">
                        <input type="hidden" name="category_id" value=c.id.to_string()/>
                        <input type="hidden" name="active" value=next/>
                        <button type="submit" class="link">{label}</button>
                    </ActionForm>
                </li>
            }
        })
        .collect_view();
    view! {
        <ul class="plain">{rows}</ul>
        <ActionForm action=create attr:class="row-form">
            <Field id="new-category" name="name" label="New category"/>
            <button type="submit">"Add category"</button>
        </ActionForm>
    }
}
