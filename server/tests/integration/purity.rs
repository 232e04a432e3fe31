//! Keeps `app/src/domain` pure: shared by browser and server, free of IO, clock reads,
//! randomness and frameworks. Test modules inside the files may use what they like.

#[test]
fn domain_is_pure() {
    let forbidden = [
        "leptos",
        "sqlx",
        "tokio",
        "axum",
        "Utc::now",
        "Local::now",
        "SystemTime::now",
        "Instant::now",
        "rand::",
        "std::fs",
        "std::net",
        "std::env",
        "std::process",
        "std::thread",
    ];
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/src/domain");
    let mut checked = 0;
    for entry in std::fs::read_dir(&folder).expect("the domain folder exists") {
        let path = entry.expect("readable entry").path();
        if path.extension().is_none_or(|ext| ext != "rs") {
            continue;
        }
        let source = std::fs::read_to_string(&path).expect("readable source");
        let production = source.split("#[cfg(test)]").next().unwrap_or_default();
        for word in forbidden {
            assert!(!production.contains(word), "{} uses {word}; the domain must stay pure", path.display());
        }
        checked += 1;
    }
    assert!(checked >= 5, "expected the domain's modules, found {checked}");
}
