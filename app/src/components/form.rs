//! What every form repeats: a labelled field with the server's message for it, and a select of
//! options. They render plain HTML controls, so the forms around them keep working without
//! JavaScript.

use leptos::prelude::*;

use crate::components::errors::{field_error, FormErrors};

/// What kind of control a [`Field`] is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Control {
    #[default]
    Text,
    Email,
    Password,
    Search,
    Number,
    TextArea,
}

impl Control {
    fn input_type(self) -> &'static str {
        match self {
            Control::Text | Control::TextArea => "text",
            Control::Email => "email",
            Control::Password => "password",
            Control::Search => "search",
            Control::Number => "number",
        }
    }
}

/// The field the server's errors name for a control posted as `name`: its last `[…]` part
/// (`edit[status]` → `status`), or the whole name. Server functions name their errors after
/// their arguments' fields, which is what the forms post.
fn error_key(name: &'static str) -> &'static str {
    match name.rsplit_once('[') {
        Some((_, field)) => field.trim_end_matches(']'),
        None => name,
    }
}

/// A label, its input or textarea, an optional hint under it, and — when `errors` is given —
/// the server's message for this field after a refused save.
#[component]
pub fn Field(
    /// The control's id, which the label names.
    id: &'static str,
    /// What the form posts; its last `[…]` part is the field the server's errors name.
    name: &'static str,
    #[prop(into)] label: String,
    #[prop(optional)] control: Control,
    /// The initial value (the text of a textarea).
    #[prop(optional, into)]
    value: Option<String>,
    #[prop(optional)] required: bool,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] minlength: Option<u32>,
    #[prop(optional)] maxlength: Option<u32>,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(optional)] min: Option<&'static str>,
    #[prop(optional)] max: Option<&'static str>,
    /// An explanation shown under the control, which the control refers to.
    #[prop(optional)]
    hint: Option<&'static str>,
    /// A textarea's text kept in a signal, so it survives a reload of the page's data.
    #[prop(optional)]
    bind: Option<RwSignal<String>>,
    /// The action whose refusal names this field.
    #[prop(optional, into)]
    errors: Option<FormErrors>,
) -> impl IntoView {
    let hint_id = hint.map(|_| format!("{id}-hint"));
    let described_by = hint_id.clone();
    let control = match (control, bind) {
        (Control::TextArea, Some(text)) => view! {
            <textarea id=id name=name required=required placeholder=placeholder aria-describedby=described_by bind:value=text></textarea>
        }
        .into_any(),
        (Control::TextArea, None) => view! {
            <textarea id=id name=name required=required placeholder=placeholder aria-describedby=described_by>{value}</textarea>
        }
        .into_any(),
        (input, _) => view! {
            <input
                id=id
                type=input.input_type()
                name=name
                value=value
                required=required
                placeholder=placeholder
                autocomplete=autocomplete
                minlength=minlength.map(|n| n.to_string())
                maxlength=maxlength.map(|n| n.to_string())
                inputmode=inputmode
                min=min
                max=max
                aria-describedby=described_by
            />
        }
        .into_any(),
    };
    view! {
        <label for=id>{label}</label>
        {control}
        {hint.map(|hint| view! { <p id=hint_id class="muted hint">{hint}</p> })}
        {errors.map(|errors| field_error(errors, error_key(name)))}
    }
}

/// The options of a select: (value, label) pairs.
pub type Choices = Vec<(String, String)>;

/// The choices of a closed word set, e.g. `choices(Priority::ALL, Priority::as_str, Priority::label)`.
pub fn choices<T: Copy>(values: &[T], word: fn(T) -> &'static str, label: fn(T) -> &'static str) -> Choices {
    values.iter().map(|value| (word(*value).to_string(), label(*value).to_string())).collect()
}

/// The value an optional id has in a form: its number, or empty for none.
pub fn id_value(id: Option<i64>) -> String {
    id.map(|id| id.to_string()).unwrap_or_default()
}

/// The `<option>`s of `choices` with `selected` chosen, after a first option with an empty value
/// when `empty` labels one ("Any", "None", "Nobody"…).
pub fn options(choices: Choices, selected: &str, empty: Option<&str>) -> impl IntoView + use<> {
    empty
        .map(|label| (String::new(), label.to_string()))
        .into_iter()
        .chain(choices)
        .map(|(value, label)| {
            let chosen = value == selected;
            view! { <option value=value selected=chosen>{label}</option> }
        })
        .collect_view()
}

/// A label and its select of `choices`, and — when `errors` is given — the server's message
/// for this field after a refused save.
#[component]
pub fn Select(
    /// The select's id, which the label names.
    id: &'static str,
    /// What the form posts; its last `[…]` part is the field the server's errors name.
    name: &'static str,
    #[prop(into)] label: String,
    choices: Choices,
    /// The value chosen at first; none chooses the first option.
    #[prop(optional, into)]
    selected: String,
    /// The label of a first option with an empty value, if there is one.
    #[prop(optional)]
    empty: Option<&'static str>,
    #[prop(optional)] required: bool,
    /// The action whose refusal names this field.
    #[prop(optional, into)]
    errors: Option<FormErrors>,
) -> impl IntoView {
    view! {
        <label for=id>{label}</label>
        <select id=id name=name required=required>{options(choices, &selected, empty)}</select>
        {errors.map(|errors| field_error(errors, error_key(name)))}
    }
}

#[cfg(test)]
mod tests {
    use super::error_key;

    #[test]
    fn a_posted_name_names_the_field_of_its_last_brackets() {
        assert_eq!(error_key("edit[status]"), "status");
        assert_eq!(error_key("form[deescalation_reason]"), "deescalation_reason");
        assert_eq!(error_key("body"), "body");
    }
}
