//! The layers of the app crate and the modules of the pure core, checked from the source.
//!
//! `app/src` is layered (ARCHITECTURE.md, "Layers"): each file may name its own layer and the
//! layers below it, never one above —
//! `domain ← error ← ssr ← server_fns ← providers ← components ← pages ← app`.
//! The domain crate's top-level modules import each other without a cycle.
//!
//! Both tests read the source as text: comments (doc comments too), string and character
//! literals are blanked first, then every `crate::…` path — in `use` items, groups
//! (`crate::{a, b::c}`) and inline paths — and every `super::…` path that climbs to the crate
//! root counts as an import of the top-level module it names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::common::rust_sources;

/// The layers of `app/src`, lowest first. Each top-level module (a file or a folder of that
/// name) belongs to one; `App` and `shell` are the root's re-exports of `app`.
const LAYERS: &[(&str, &[&str])] = &[
    ("domain", &["domain"]),
    ("error", &["error"]),
    ("ssr", &["ssr"]),
    ("server_fns", &["server_fns"]),
    ("providers", &["providers"]),
    ("components", &["components"]),
    ("pages", &["pages"]),
    ("app", &["app", "App", "shell"]),
];

fn layer_of(name: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, names)| names.contains(&name))
}

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The source with comments, strings and character literals replaced by spaces (newlines kept,
/// so line numbers stay right). Lifetimes (`'a`) are kept.
fn code_only(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let blank = |out: &mut String, c: char| out.push(if c == '\n' { '\n' } else { ' ' });
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                blank(&mut out, chars[i]);
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, chars[i]);
                    i += 1;
                }
            }
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && !chars[..i].last().is_some_and(|p| is_identifier_char(*p))
            && chars.get(i + 1 + chars[i + 1..].iter().take_while(|c| **c == '#').count()) == Some(&'"')
        {
            // A raw string: r"…", r#"…"#, …
            let hashes = chars[i + 1..].iter().take_while(|c| **c == '#').count();
            let body_start = i + 1 + hashes + 1;
            let mut end = body_start;
            while end < chars.len() {
                if chars[end] == '"'
                    && chars[end + 1..].iter().take(hashes).filter(|c| **c == '#').count() == hashes
                {
                    break;
                }
                end += 1;
            }
            let stop = (end + 1 + hashes).min(chars.len());
            for &skipped in &chars[i..stop] {
                blank(&mut out, skipped);
            }
            i = stop;
        } else if c == '"' {
            blank(&mut out, c);
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    blank(&mut out, chars[i]);
                    i += 1;
                }
                if i < chars.len() {
                    blank(&mut out, chars[i]);
                    i += 1;
                }
            }
            if i < chars.len() {
                blank(&mut out, chars[i]);
                i += 1;
            }
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{1F600}') or a lifetime ('a), which is kept.
            let literal_end = if next == Some('\\') {
                chars[i + 2..].iter().position(|c| *c == '\'').map(|p| i + 2 + p)
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match literal_end {
                Some(end) => {
                    for &skipped in &chars[i..=end] {
                        blank(&mut out, skipped);
                    }
                    i = end + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The code without the items marked `#[cfg(test)]` (a `mod tests;`, a `mod tests { … }`, a
/// function, a `use`): from the attribute to the item's `;` or its closing brace.
fn without_test_items(code: &str) -> String {
    const MARK: &str = "#[cfg(test)]";
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(start) = rest.find(MARK) {
        out.push_str(&rest[..start]);
        let item = &rest[start..];
        let mut depth = 0usize;
        let mut end = item.len();
        for (offset, c) in item.char_indices().skip(MARK.len()) {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        end = offset + 1;
                        break;
                    }
                }
                ';' if depth == 0 => {
                    end = offset + 1;
                    break;
                }
                _ => {}
            }
        }
        out.extend(item[..end].chars().map(|c| if c == '\n' { '\n' } else { ' ' }));
        rest = &item[end..];
    }
    out.push_str(rest);
    out
}

fn is_identifier_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Reads an identifier at the start of `text` (after white space).
fn identifier(text: &str) -> Option<&str> {
    let text = text.trim_start();
    let end = text.find(|c: char| !is_identifier_char(c)).unwrap_or(text.len());
    (end > 0).then(|| &text[..end])
}

/// The first segment of every item of a `{…}` group at the start of `text`: `{a, b::c, d::{e}}`
/// gives a, b, d.
fn group_heads(text: &str) -> Vec<&str> {
    let mut heads = Vec::new();
    let mut depth = 0usize;
    let mut expecting = true;
    for (offset, c) in text.char_indices() {
        match c {
            '{' => {
                depth += 1;
                if depth == 1 {
                    expecting = true;
                    continue;
                }
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            ',' if depth == 1 => {
                expecting = true;
                continue;
            }
            _ => {}
        }
        if depth == 1 && expecting && !c.is_whitespace() {
            expecting = false;
            if let Some(head) = identifier(&text[offset..]) {
                heads.push(head);
            }
        }
    }
    heads
}

/// One import found in a file: the line and the path as written up to its first segment.
#[derive(Debug)]
struct Import<'a> {
    line: usize,
    written: String,
    /// The top-level module named, after resolving `super`.
    top: &'a str,
}

/// Every top-level module `code` names through `crate::…` or through `super::…` climbing to the
/// crate root from the file at `module_path` (`["policy", "read"]` for `policy/read.rs`).
fn imports<'a>(code: &'a str, module_path: &[String]) -> Vec<Import<'a>> {
    let mut found = Vec::new();
    let line_of = |offset: usize| code[..offset].matches('\n').count() + 1;
    for (offset, _) in code.match_indices("crate::") {
        if code[..offset].chars().last().is_some_and(is_identifier_char) {
            continue;
        }
        let after = code[offset + "crate::".len()..].trim_start();
        let heads =
            if after.starts_with('{') { group_heads(after) } else { identifier(after).into_iter().collect() };
        for top in heads {
            found.push(Import { line: line_of(offset), written: format!("crate::{top}"), top });
        }
    }
    for (offset, _) in code.match_indices("super::") {
        // Only the first `super` of a chain (`super::super::x`) starts a path.
        let before = &code[..offset];
        if before.chars().last().is_some_and(is_identifier_char) || before.ends_with("::") {
            continue;
        }
        let mut climbs = 0;
        let mut rest = &code[offset..];
        while let Some(after) = rest.strip_prefix("super::") {
            climbs += 1;
            rest = after.trim_start();
        }
        if climbs < module_path.len() {
            continue; // Stays inside the file's own top-level module.
        }
        let heads =
            if rest.starts_with('{') { group_heads(rest) } else { identifier(rest).into_iter().collect() };
        for top in heads {
            found.push(Import {
                line: line_of(offset),
                written: format!("{}{top}", "super::".repeat(climbs)),
                top,
            });
        }
    }
    found
}

/// `["policy", "read"]` for `policy/read.rs`, `["policy"]` for `policy/mod.rs`.
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> =
        relative.iter().map(|part| part.to_string_lossy().trim_end_matches(".rs").to_string()).collect();
    if parts.last().is_some_and(|last| last == "mod") {
        parts.pop();
    }
    parts
}

/// The layering violations of the files under `source`: "file:line imports path (layer) from
/// layer".
fn layering_violations(source: &Path) -> Vec<String> {
    let mut violations = Vec::new();
    for file in rust_sources(source) {
        let relative = file.strip_prefix(source).expect("below the source folder").to_path_buf();
        if relative == Path::new("lib.rs") {
            continue; // The root only declares the modules and re-exports.
        }
        let path = module_path(&relative);
        let shown = format!("app/src/{}", relative.display());
        let Some(own) = layer_of(&path[0]) else {
            violations.push(format!("{shown} belongs to no layer: add its top-level module to LAYERS"));
            continue;
        };
        let text = std::fs::read_to_string(&file).expect("a readable source file");
        let code = code_only(&text);
        for import in imports(&code, &path) {
            match layer_of(import.top) {
                None => violations.push(format!(
                    "{shown}:{} imports {}, which is in no layer",
                    import.line, import.written
                )),
                Some(theirs) if theirs > own => violations.push(format!(
                    "{shown}:{} imports {} (layer {}) from layer {}",
                    import.line, import.written, LAYERS[theirs].0, LAYERS[own].0
                )),
                Some(_) => {}
            }
        }
    }
    violations
}

#[test]
fn no_file_of_the_app_crate_imports_from_a_higher_layer() {
    let violations = layering_violations(&repository().join("app/src"));
    assert!(
        violations.is_empty(),
        "imports against the layer order {}:\n{}",
        LAYERS.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(" ← "),
        violations.join("\n")
    );
}

/// The top-level modules of the domain crate and what each imports from the others, without
/// tests: `tests.rs`, `test_support.rs` and `#[cfg(test)]` items are left out.
fn domain_module_graph(source: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let root = std::fs::read_to_string(source.join("lib.rs")).expect("the domain's lib.rs");
    let root = without_test_items(&code_only(&root));
    // `crate::Role` names `account`: the root's `pub use module::{…}` re-exports.
    let mut reexports: BTreeMap<String, String> = BTreeMap::new();
    for statement in root.split(';') {
        let Some(path) = statement.trim().strip_prefix("pub use ") else { continue };
        let Some((module, names)) = path.split_once("::") else { continue };
        let names = names.trim().trim_start_matches('{').trim_end_matches('}');
        for name in names.split(',').filter_map(identifier) {
            reexports.insert(name.to_string(), module.trim().to_string());
        }
    }
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let files: Vec<PathBuf> = rust_sources(source)
        .into_iter()
        .filter(|file| {
            let name = file.file_name().expect("a file name").to_string_lossy();
            name != "tests.rs" && name != "test_support.rs" && file.as_path() != source.join("lib.rs")
        })
        .collect();
    for file in &files {
        let relative = file.strip_prefix(source).expect("below the source folder");
        graph.entry(module_path(relative)[0].clone()).or_default();
    }
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for file in &files {
        let relative = file.strip_prefix(source).expect("below the source folder");
        let path = module_path(relative);
        let text = std::fs::read_to_string(file).expect("a readable source file");
        let code = without_test_items(&code_only(&text));
        for import in imports(&code, &path) {
            let target = if modules.contains(import.top) {
                import.top.to_string()
            } else if let Some(module) = reexports.get(import.top) {
                module.clone()
            } else {
                continue; // A macro or item of the root itself.
            };
            if target != path[0] {
                graph.get_mut(&path[0]).expect("every module is a node").insert(target);
            }
        }
    }
    graph
}

/// A cycle of the graph as its modules in order (the first repeated at the end), if any.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Unvisited,
        OnPath,
        Done,
    }
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        marks: &mut BTreeMap<String, Mark>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        marks.insert(node.to_string(), Mark::OnPath);
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            match marks.get(next).copied().unwrap_or(Mark::Unvisited) {
                Mark::OnPath => {
                    let start = path.iter().position(|n| n == next).expect("on the path");
                    let mut cycle = path[start..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                Mark::Unvisited => {
                    if let Some(cycle) = visit(next, graph, marks, path) {
                        return Some(cycle);
                    }
                }
                Mark::Done => {}
            }
        }
        path.pop();
        marks.insert(node.to_string(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for node in graph.keys() {
        if marks.get(node).copied().unwrap_or(Mark::Unvisited) == Mark::Unvisited {
            if let Some(cycle) = visit(node, graph, &mut marks, &mut Vec::new()) {
                return Some(cycle);
            }
        }
    }
    None
}

#[test]
fn the_domain_modules_import_each_other_without_a_cycle() {
    let graph = domain_module_graph(&repository().join("app/domain/src"));
    assert!(graph.len() > 10, "the domain's modules were found: {:?}", graph.keys());
    assert!(graph["escalation"].contains("clock"), "imports were read: {graph:?}");
    if let Some(cycle) = find_cycle(&graph) {
        panic!("the domain's modules import each other in a cycle: {}", cycle.join(" → "));
    }
}

#[test]
fn the_readers_see_through_comments_strings_groups_and_test_items() {
    let code = code_only(
        "//! crate::pages in a doc comment\nuse crate::{error::AppError, ssr::{self, auth}};\n\
         let text = \"crate::app\"; /* crate::app */ let c = '\"'; fn f<'a>() { crate::components::x(); }\n\
         #[cfg(test)]\nmod tests { use crate::pages; }\n",
    );
    let code = without_test_items(&code);
    let tops: Vec<&str> =
        imports(&code, &["providers".to_string()]).iter().map(|import| import.top).collect();
    assert_eq!(tops, vec!["error", "ssr", "components"]);
    let nested =
        imports("use super::super::clock::Clock; use super::model;", &["policy".into(), "read".into()]);
    assert_eq!(nested.iter().map(|import| import.top).collect::<Vec<_>>(), vec!["clock"]);
    let graph = BTreeMap::from([
        ("a".to_string(), BTreeSet::from(["b".to_string()])),
        ("b".to_string(), BTreeSet::from(["c".to_string()])),
        ("c".to_string(), BTreeSet::from(["a".to_string()])),
    ]);
    assert_eq!(find_cycle(&graph), Some(vec!["a".into(), "b".into(), "c".into(), "a".into()]));
}
