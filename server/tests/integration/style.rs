//! Keeps the stylesheet and the views in step: every class the views use has a rule in
//! `style/main.css`, and every class the stylesheet styles is used somewhere.
//!
//! The views are read as text, recursively under `app/src`: `class="…"` and `attr:class="…"`
//! attributes, `class:name=…` directives, and classes chosen at run time. A class attribute whose
//! value is an expression contributes the string literals inside it; when it has none (`class=class`,
//! `class=look.class()`), the literals of the `let` or `fn` of that name in the same file. A class
//! built from a value (`format!("badge status-{}", …)`) is expanded with the values of its family
//! (`FAMILIES`). Whatever the test cannot read, it reports rather than skips.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use app::domain::survey::ReviewStatus;
use app::domain::{Priority, TicketStatus};

use crate::common::rust_sources;

/// Classes built from a value, with every value they can take.
fn families() -> BTreeMap<&'static str, Vec<&'static str>> {
    BTreeMap::from([
        ("priority-{}", Priority::ALL.iter().map(|priority| priority.as_str()).collect()),
        ("status-{}", TicketStatus::ALL.iter().map(|status| status.as_str()).collect()),
        ("review-{}", ReviewStatus::ALL.iter().map(|status| status.as_str()).collect()),
        ("series-{}", app::components::chart::COLOURS.to_vec()),
        ("huddle-{}", app::domain::huddle::SinceHuddle::words()),
    ])
}

#[test]
fn every_class_the_views_use_has_a_rule_in_the_stylesheet() {
    let (used, problems) = classes_used_by_the_views();
    assert!(problems.is_empty(), "class attributes this test cannot read:\n{}", problems.join("\n"));
    assert!(
        used.len() > 40,
        "the views use more classes than {}: is the scan still reading them?",
        used.len()
    );
    let styled = classes_styled_by(&stylesheet());
    let missing: Vec<String> = used
        .iter()
        .filter(|(class, _)| !styled.contains(*class))
        .map(|(class, places)| format!(".{class} (used at {})", places.join(", ")))
        .collect();
    assert!(missing.is_empty(), "classes without a rule in style/main.css:\n{}", missing.join("\n"));
}

#[test]
fn every_class_the_stylesheet_styles_is_used_by_a_view() {
    let (used, _) = classes_used_by_the_views();
    let unused: Vec<String> =
        classes_styled_by(&stylesheet()).into_iter().filter(|class| !used.contains_key(class)).collect();
    assert!(unused.is_empty(), "rules in style/main.css for classes no view uses: .{}", unused.join(", ."));
}

#[test]
fn the_scan_finds_static_dynamic_and_directive_classes() {
    let source = r#"
        // class="commented-out" is no class.
        fn state_class(late: bool) -> &'static str { if late { "late" } else { "on-time" } }
        fn view() {
            let kind = 'x';
            let class = move || if true { "tick tock" } else { "tock" };
            view! {
                <p class="plain big" attr:class="wide">"class=\"text\" in a string is no class either"</p>
                <span class=format!("badge status-{}", status.as_str()) class:unread=!read class:is-new=true/>
                <time class=class/><b class=state_class(late)/>
            }
        }
    "#;
    let (classes, problems) = classes_in_source(source, &families());
    assert!(problems.is_empty(), "{problems:?}");
    let mut expected: BTreeSet<String> =
        ["plain", "big", "wide", "badge", "unread", "is-new", "tick", "tock", "late", "on-time"]
            .into_iter()
            .map(String::from)
            .collect();
    expected.extend(TicketStatus::ALL.iter().map(|status| format!("status-{}", status.as_str())));
    let found: BTreeSet<String> = classes.into_iter().map(|(class, _)| class).collect();
    assert_eq!(found, expected);

    let (_, problems) =
        classes_in_source("view! { <p class=mystery/> <p class=format!(\"x-{}\", y)/> }", &families());
    assert_eq!(
        problems.len(),
        2,
        "an unknown class expression and an unknown family are reported: {problems:?}"
    );

    let styled = classes_styled_by(
        "/* .not-a-rule */ .a, nav .b > .c:hover { margin: 0.5rem; } @media (max-width: 40.5rem) { .d { x: 1 } }",
    );
    assert_eq!(styled, ["a", "b", "c", "d"].into_iter().map(String::from).collect());
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn stylesheet() -> String {
    std::fs::read_to_string(workspace().join("style/main.css")).expect("style/main.css exists")
}

/// Every class the views use, with the places (file:line) that use it, and what could not be read.
fn classes_used_by_the_views() -> (BTreeMap<String, Vec<String>>, Vec<String>) {
    let families = families();
    let mut used: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut problems = Vec::new();
    let root = workspace();
    let files = rust_sources(&root.join("app/src"));
    assert!(files.len() > 20, "app/src holds the views' files");
    for file in files {
        let source = std::fs::read_to_string(&file).expect("a readable source file");
        let name = file.strip_prefix(&root).unwrap_or(&file).display().to_string();
        let (classes, file_problems) = classes_in_source(&source, &families);
        for (class, line) in classes {
            used.entry(class).or_default().push(format!("{name}:{line}"));
        }
        problems.extend(file_problems.into_iter().map(|problem| format!("{name}: {problem}")));
    }
    (used, problems)
}

/// The class selectors of a stylesheet.
fn classes_styled_by(css: &str) -> BTreeSet<String> {
    let mut without_comments = String::new();
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        without_comments.push_str(&rest[..start]);
        rest = rest[start + 2..].split_once("*/").map_or("", |(_, after)| after);
    }
    without_comments.push_str(rest);
    // A selector (or an at-rule's prelude) is what comes before a `{`; declarations, which hold
    // numbers like `0.5rem`, come before a `}` and are skipped.
    let mut classes = BTreeSet::new();
    let mut prelude = String::new();
    for character in without_comments.chars() {
        match character {
            '{' => {
                classes.extend(class_selectors(&prelude));
                prelude.clear();
            }
            '}' | ';' => prelude.clear(),
            other => prelude.push(other),
        }
    }
    classes
}

fn class_selectors(selector: &str) -> Vec<String> {
    let characters: Vec<char> = selector.chars().collect();
    let mut classes = Vec::new();
    let mut index = 0;
    while index < characters.len() {
        if characters[index] == '.'
            && characters
                .get(index + 1)
                .is_some_and(|next| next.is_ascii_alphabetic() || *next == '_' || *next == '-')
        {
            let name: String =
                characters[index + 1..].iter().take_while(|c| is_class_character(**c)).collect();
            index += name.len();
            classes.push(name);
        }
        index += 1;
    }
    classes
}

fn is_class_character(character: char) -> bool {
    character.is_ascii_alphanumeric() || character == '-' || character == '_'
}

/// A piece of Rust source, comments left out.
#[derive(Clone, Debug, PartialEq)]
enum Token {
    /// A string literal's text, escapes as written.
    Text(String),
    Word(String),
    Punct(char),
    Space,
}

/// The tokens of `source`, each with its line.
fn tokens(source: &str) -> Vec<(Token, usize)> {
    let characters: Vec<char> = source.chars().collect();
    let mut tokens = Vec::new();
    let (mut index, mut line) = (0, 1);
    let at = |index: usize| characters.get(index).copied().unwrap_or('\0');
    while index < characters.len() {
        let character = characters[index];
        let start_line = line;
        if character == '/' && at(index + 1) == '/' {
            while index < characters.len() && characters[index] != '\n' {
                index += 1;
            }
        } else if character == '/' && at(index + 1) == '*' {
            let mut depth = 0;
            loop {
                if index >= characters.len() {
                    break;
                }
                if characters[index] == '/' && at(index + 1) == '*' {
                    depth += 1;
                    index += 2;
                } else if characters[index] == '*' && at(index + 1) == '/' {
                    depth -= 1;
                    index += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    line += usize::from(characters[index] == '\n');
                    index += 1;
                }
            }
        } else if character.is_whitespace() {
            while index < characters.len() && characters[index].is_whitespace() {
                line += usize::from(characters[index] == '\n');
                index += 1;
            }
            tokens.push((Token::Space, start_line));
        } else if character == '"' || (matches!(character, 'r' | 'b') && starts_string(&characters, index)) {
            // Prefixes: b"…", r"…", r#"…"#, br#"…"#.
            let prefix_start = index;
            while characters[index] != '"' && characters[index] != '#' {
                index += 1;
            }
            let hashes = characters[index..].iter().take_while(|c| **c == '#').count();
            let raw = characters[prefix_start..index].contains(&'r');
            index += hashes + 1;
            let mut text = String::new();
            while let Some(&next) = characters.get(index) {
                if next == '\\' && !raw {
                    text.push(next);
                    text.push(at(index + 1));
                    index += 2;
                } else if next == '"' && characters[index + 1..].iter().take(hashes).all(|c| *c == '#') {
                    index += 1 + hashes;
                    break;
                } else {
                    line += usize::from(next == '\n');
                    text.push(next);
                    index += 1;
                }
            }
            tokens.push((Token::Text(text), start_line));
        } else if character == '\'' {
            // A char literal ('x', '\n', '\'') or a lifetime ('static).
            if at(index + 1) == '\\' {
                index += 2;
                while index < characters.len() && characters[index] != '\'' {
                    index += 1;
                }
                index += 1;
            } else if at(index + 2) == '\'' {
                index += 3;
            } else {
                tokens.push((Token::Punct('\''), start_line));
                index += 1;
            }
        } else if character.is_alphanumeric() || character == '_' {
            let word: String =
                characters[index..].iter().take_while(|c| c.is_alphanumeric() || **c == '_').collect();
            index += word.chars().count();
            tokens.push((Token::Word(word), start_line));
        } else {
            tokens.push((Token::Punct(character), start_line));
            index += 1;
        }
    }
    tokens
}

/// Whether a string literal with a prefix (`b"`, `r"`, `r#"`, `br"`) starts at `index`.
fn starts_string(characters: &[char], index: usize) -> bool {
    if index > 0 && (characters[index - 1].is_alphanumeric() || characters[index - 1] == '_') {
        return false;
    }
    let mut next = index;
    if characters.get(next) == Some(&'b') {
        next += 1;
    }
    if characters.get(next) == Some(&'r') {
        next += 1;
        while characters.get(next) == Some(&'#') {
            next += 1;
        }
    }
    next > index && characters.get(next) == Some(&'"')
}

/// The classes `source` uses, each with its line, and the class attributes it could not read.
fn classes_in_source(
    source: &str,
    families: &BTreeMap<&'static str, Vec<&'static str>>,
) -> (Vec<(String, usize)>, Vec<String>) {
    let tokens = tokens(source);
    let mut classes = Vec::new();
    let mut problems = Vec::new();
    let token = |index: usize| tokens.get(index).map(|(token, _)| token);
    for (index, (current, line)) in tokens.iter().enumerate() {
        if *current != Token::Word("class".into()) {
            continue;
        }
        if token(index + 1) == Some(&Token::Punct(':')) && matches!(token(index + 2), Some(Token::Word(_))) {
            // A directive: class:name=… (names may hold dashes).
            let mut name = String::new();
            for (next, _) in &tokens[index + 2..] {
                match next {
                    Token::Word(word) => name.push_str(word),
                    Token::Punct('-') => name.push('-'),
                    _ => break,
                }
            }
            classes.push((name, *line));
            continue;
        }
        // An attribute: class=… written without spaces, unlike a Rust `let class = …`.
        if token(index + 1) != Some(&Token::Punct('=')) || token(index + 2) == Some(&Token::Punct('=')) {
            continue;
        }
        let value = attribute_value(&tokens[index + 2..]);
        let mut texts: Vec<&str> = texts_of(value);
        if texts.is_empty() {
            texts = value
                .iter()
                .filter_map(|(token, _)| match token {
                    Token::Word(word) => Some(word.as_str()),
                    _ => None,
                })
                .map(|name| texts_of(definition(&tokens, name)))
                .find(|texts| !texts.is_empty())
                .unwrap_or_default();
        }
        if texts.is_empty() {
            problems.push(format!("line {line}: a class expression without a string the test can find"));
        }
        for text in texts {
            for class in text.split_whitespace() {
                match template(class) {
                    None => classes.push((class.to_string(), *line)),
                    Some(template) => match families.get(template.as_str()) {
                        Some(values) => classes.extend(
                            values.iter().map(|value| (template.replace("{}", value), *line)),
                        ),
                        None => problems.push(format!(
                            "line {line}: the class \"{class}\" is built from a value with no family in style.rs"
                        )),
                    },
                }
            }
        }
    }
    (classes, problems)
}

/// The tokens of an attribute's value: up to a space, `>` or `/>` outside brackets.
fn attribute_value(tokens: &[(Token, usize)]) -> &[(Token, usize)] {
    let mut depth = 0i32;
    for (index, (token, _)) in tokens.iter().enumerate() {
        match token {
            Token::Punct('(' | '[' | '{') => depth += 1,
            Token::Punct(')' | ']' | '}') => depth -= 1,
            Token::Space | Token::Punct('>') | Token::Punct('/') if depth == 0 => return &tokens[..index],
            _ => {}
        }
    }
    tokens
}

/// The tokens of the `let NAME = …;` statement or the `fn NAME(…) { … }` in the same file.
fn definition<'a>(tokens: &'a [(Token, usize)], name: &str) -> &'a [(Token, usize)] {
    let words: Vec<(usize, &Token)> = tokens
        .iter()
        .enumerate()
        .filter(|(_, (token, _))| *token != Token::Space)
        .map(|(i, (t, _))| (i, t))
        .collect();
    for pair in words.windows(2) {
        let [(_, keyword), (start, named)] = pair else { continue };
        let is_definition = matches!(keyword, Token::Word(word) if word == "let" || word == "fn");
        if !is_definition || **named != Token::Word(name.to_string()) {
            continue;
        }
        let is_function = matches!(keyword, Token::Word(word) if word == "fn");
        let mut depth = 0i32;
        for (offset, (token, _)) in tokens[*start..].iter().enumerate() {
            match token {
                Token::Punct('(' | '[' | '{') => depth += 1,
                Token::Punct(')' | ']' | '}') => {
                    depth -= 1;
                    if is_function && depth == 0 && *token == Token::Punct('}') {
                        return &tokens[*start..*start + offset];
                    }
                }
                Token::Punct(';') if depth == 0 && !is_function => return &tokens[*start..*start + offset],
                _ => {}
            }
        }
    }
    &[]
}

fn texts_of(tokens: &[(Token, usize)]) -> Vec<&str> {
    tokens
        .iter()
        .filter_map(|(token, _)| match token {
            Token::Text(text) => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

/// `status-{}` for `status-{}` or `status-{status}`; none for a plain class.
fn template(class: &str) -> Option<String> {
    let open = class.find('{')?;
    let close = open + class[open..].find('}')?;
    Some(format!("{}{{}}{}", &class[..open], &class[close + 1..]))
}
