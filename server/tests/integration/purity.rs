//! Keeps the pure core pure. `app/domain` is a crate of its own, so the compiler refuses any
//! library its manifest does not list, and its clippy configuration (`app/domain/clippy.toml`)
//! refuses clock reads, file, network, process and environment access. This test guards the
//! manifest: a web, database or async library added there would be compiled into the core.

/// What the core may depend on: data and text libraries only.
const ALLOWED: &[&str] = &["serde", "chrono", "chrono-tz", "toml", "thiserror"];

#[test]
fn the_domain_crate_depends_only_on_data_and_text_libraries() {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/domain/Cargo.toml");
    let text = std::fs::read_to_string(&manifest).expect("the domain's manifest exists");
    let manifest: toml::Table = text.parse().expect("the manifest is TOML");
    for section in ["dependencies", "build-dependencies"] {
        let Some(dependencies) = manifest.get(section).and_then(toml::Value::as_table) else { continue };
        for name in dependencies.keys() {
            assert!(
                ALLOWED.contains(&name.as_str()),
                "app/domain depends on {name}; the core must stay pure"
            );
        }
    }
    let target_specific = manifest.get("target").and_then(toml::Value::as_table);
    assert!(
        target_specific.is_none_or(|targets| targets.is_empty()),
        "app/domain has target-specific dependencies"
    );
    let dependencies = manifest["dependencies"].as_table().expect("[dependencies]");
    assert!(dependencies.contains_key("chrono"), "the core keeps its time library");
    let chrono_features = dependencies["chrono"]
        .get("features")
        .and_then(toml::Value::as_array)
        .expect("chrono lists features");
    assert!(
        !chrono_features.iter().any(|feature| feature.as_str() == Some("clock")),
        "chrono's clock feature would let the core read the current time"
    );
}
