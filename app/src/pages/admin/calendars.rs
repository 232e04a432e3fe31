//! The business calendars that business-time targets count in: time zone, opening hours,
//! holidays and per-date overrides, written as TOML.

use leptos::prelude::*;

use super::{admin_data, SectionPage, CALENDARS};
use crate::components::form::Field;
use crate::domain::directory::CalendarRecord;
use crate::server_fns::admin::SaveCalendar;

/// What a new calendar starts from: office hours on weekdays.
const NEW_CALENDAR: &str = "timezone = \"Europe/Berlin\"\nholidays = []\n\n[hours]\nmon = [\"09:00-17:00\"]\ntue = [\"09:00-17:00\"]\nwed = [\"09:00-17:00\"]\nthu = [\"09:00-17:00\"]\nfri = [\"09:00-17:00\"]\n";

#[component]
pub fn CalendarsPage() -> impl IntoView {
    let save = ServerAction::<SaveCalendar>::new();
    let data = admin_data(move || save.version().get());
    view! {
        <SectionPage section=CALENDARS data=data errors=save.value() let:data
            intro="Time zone, opening hours per weekday (several ranges allowed), holidays and per-date overrides, as TOML. Mistakes are reported with their line.">
            <Calendars calendars=data.calendars save=save/>
        </SectionPage>
    }
}

#[component]
fn Calendars(calendars: Vec<CalendarRecord>, save: ServerAction<SaveCalendar>) -> impl IntoView {
    let rows = calendars
        .into_iter()
        .map(|c| {
            view! {
                <li>
                    <ActionForm action=save attr:class="stack-form">
                        <input type="hidden" name="form[name]" value=c.name.clone()/>
                        <label>{c.name.clone()}
                            <textarea class="code" name="form[source]">{c.source.clone()}</textarea>
                        </label>
                        <button type="submit" class="secondary">"Save calendar"</button>
                    </ActionForm>
                </li>
            }
        })
        .collect_view();
    view! {
        <ul class="plain">{rows}</ul>
        <ActionForm action=save attr:class="stack-form">
            <Field id="new-calendar-name" name="form[name]" label="New calendar"/>
            <label for="new-calendar-source">"Definition"</label>
            <textarea id="new-calendar-source" class="code" name="form[source]">{NEW_CALENDAR}</textarea>
            <button type="submit">"Add calendar"</button>
        </ActionForm>
    }
}
