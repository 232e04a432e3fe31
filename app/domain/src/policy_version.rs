//! A saved version of the escalation policy document, as stored and listed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyVersion {
    /// From 1; the highest is in force.
    pub version: i64,
    /// The TOML as its author saved it.
    pub source: String,
    pub author: String,
    pub comment: String,
    pub created_at: DateTime<Utc>,
}

/// The lines of `new` that differ from `old`, as a unified-style list: `-` removed, `+` added,
/// ` ` unchanged, from a longest-common-subsequence alignment of the lines. Policies are short
/// documents (tens to a few hundred lines), so the quadratic table is cheap.
pub fn line_diff(old: &str, new: &str) -> Vec<(char, String)> {
    let old: Vec<&str> = old.lines().collect();
    let new: Vec<&str> = new.lines().collect();
    let mut common = vec![vec![0usize; new.len() + 1]; old.len() + 1];
    for i in (0..old.len()).rev() {
        for j in (0..new.len()).rev() {
            common[i][j] = if old[i] == new[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut lines = Vec::new();
    while i < old.len() && j < new.len() {
        if old[i] == new[j] {
            lines.push((' ', old[i].to_string()));
            i += 1;
            j += 1;
        } else if common[i + 1][j] >= common[i][j + 1] {
            lines.push(('-', old[i].to_string()));
            i += 1;
        } else {
            lines.push(('+', new[j].to_string()));
            j += 1;
        }
    }
    lines.extend(old[i..].iter().map(|line| ('-', line.to_string())));
    lines.extend(new[j..].iter().map(|line| ('+', line.to_string())));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_diff_marks_removed_and_added_lines_and_keeps_the_rest() {
        let old = "a\nb\nc\n";
        let new = "a\nB\nc\nd\n";
        let diff = line_diff(old, new);
        assert_eq!(
            diff,
            vec![
                (' ', "a".into()),
                ('-', "b".into()),
                ('+', "B".into()),
                (' ', "c".into()),
                ('+', "d".into())
            ]
        );
    }

    #[test]
    fn identical_documents_have_no_changes() {
        assert!(line_diff("x\ny", "x\ny").iter().all(|(mark, _)| *mark == ' '));
    }
}
