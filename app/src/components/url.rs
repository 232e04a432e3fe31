//! Links that carry a page's filters in their query string.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::server_fns::tickets::TicketQuery;

/// The page's URL query read into `T`, a query type whose fields are text that defaults to empty:
/// each parameter fills the field of its name, others are ignored. It follows the URL.
pub fn query_from_url<T>() -> Memo<T>
where
    T: serde::de::DeserializeOwned + Default + PartialEq + Send + Sync + 'static,
{
    let params = use_query_map();
    Memo::new(move |_| {
        let fields: serde_json::Map<String, serde_json::Value> = params
            .read()
            .latest_values()
            .map(|(name, value)| (name.to_string(), serde_json::Value::String(value.to_string())))
            .collect();
        serde_json::from_value(serde_json::Value::Object(fields)).unwrap_or_default()
    })
}

/// `?name=value&…` of the pairs whose value is not empty, each value percent-encoded; empty when
/// no pair has a value.
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| format!("{name}={}", encode(value)))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// The queue listing what `query` asks for.
pub fn queue_href(query: &TicketQuery) -> String {
    format!("/queue{}", query_string(&query.pairs()))
}

/// Percent-encodes everything but the unreserved characters of RFC 3986.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (byte as char).to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::query_string;

    #[test]
    fn empty_values_are_left_out_and_the_rest_encoded() {
        assert_eq!(query_string(&[("q", "a b&c"), ("tier", ""), ("page", "2")]), "?q=a%20b%26c&page=2");
        assert_eq!(query_string(&[("q", "")]), "");
    }
}
