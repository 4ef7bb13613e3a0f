//! The real-world docx corpus (`../shared/corpus/real/`, rows of `expect.tsv` whose format is `docx`): one
//! `harmonise run` over copies of every file with a mapping no file matches, then the manifest is checked against
//! each row's expectation:
//! - `read`: read fine (status `unrecognised`: no mapping fits, but nothing failed), and `inspect` shows the
//!   content controls or legacy form fields the row's note describes (counted where the note gives a number);
//! - `reject`: a failure status with a reason (`encrypted` for the password-protected one; the XXE sample is
//!   refused without the entity ever being resolved).
//!
//! No row may be `failed` (a panic) or `timeout`. A missing corpus is a failure, not a skip.
use std::time::Duration;

use crate::util::{CorpusRow, corpus_rows, manifest_rows, run_bin, run_corpus};

fn docx_rows() -> Vec<CorpusRow> {
    let rows = corpus_rows(&["docx"]);
    assert!(rows.len() >= 5, "expected the docx rows of expect.tsv");
    rows
}

/// What `inspect` must show for a readable row, from its note: (key prefix, value kind, at least how many).
fn wanted(row: &CorpusRow) -> Vec<(&'static str, &'static str, usize)> {
    let note = row.note.to_lowercase();
    let number = |word: &str| -> usize {
        // "9 FORMCHECKBOX fields", "40 text inputs + 29 check boxes": the number just before the word.
        let at = note.find(word).unwrap_or(0);
        note[..at]
            .split_whitespace()
            .last()
            .and_then(|w| w.parse().ok())
            .unwrap_or(1)
    };
    let mut want = Vec::new();
    if note.contains("content controls") {
        // Bug54849: plain text, drop-down, combo box (text), date picker (date).
        want.push(("sdt:", "text", 4));
        want.push(("sdt:", "date", 1));
    }
    if note.contains("formcheckbox") {
        want.push(("ff:", "bool", number("formcheckbox")));
    }
    if note.contains("check boxes") && note.contains("form fields") {
        want.push(("ff:", "bool", number("check boxes")));
    }
    if note.contains("text inputs") {
        want.push(("ff:", "", number("text inputs") + number("check boxes")));
    }
    want
}

#[test]
fn real_docx_corpus_matches_expectations() {
    let rows = docx_rows();
    let run = run_corpus(&rows, "docx", Duration::from_secs(300));
    let (input, out, code) = (&run.input, &run.out, run.code);
    assert_eq!(code, Some(3), "corpus files are unrecognised or rejected");
    let by_path = manifest_rows(out);
    assert_eq!(by_path.len(), rows.len(), "one manifest row per input");

    let mut problems = Vec::new();
    let mut table = Vec::new();
    for row in &rows {
        let Some(m) = by_path.get(row.path.as_str()) else {
            problems.push(format!("{}: no manifest row", row.path));
            continue;
        };
        let status = m["status"].as_str().unwrap_or("?");
        let reason = m["reason"].as_str().unwrap_or("");
        table.push(format!(
            "{:<45} {:<7} {status:<13} {reason}",
            row.path, row.expect
        ));
        if matches!(status, "failed" | "timeout" | "unreadable") {
            problems.push(format!("{}: {status} ({reason})", row.path));
            continue;
        }
        match row.expect.as_str() {
            "read" => {
                if status != "unrecognised" {
                    problems.push(format!(
                        "{}: expected readable, got {status} ({reason})",
                        row.path
                    ));
                    continue;
                }
                let file = input.join(&row.path);
                let (code, stdout) = run_bin(
                    &["inspect", file.to_str().unwrap()],
                    Duration::from_secs(60),
                );
                if code != Some(0) {
                    problems.push(format!("{}: inspect exited {code:?}", row.path));
                }
                let want = wanted(row);
                if want.is_empty() {
                    problems.push(format!(
                        "{}: no expectation derived from the note",
                        row.path
                    ));
                }
                for (prefix, kind, at_least) in want {
                    let n = stdout
                        .lines()
                        .filter(|l| l.starts_with(prefix))
                        .filter(|l| kind.is_empty() || l.split('\t').nth(1) == Some(kind))
                        .count();
                    if n < at_least {
                        problems.push(format!(
                            "{}: inspect shows {n} `{prefix}` {kind} field(s), expected at least {at_least}",
                            row.path
                        ));
                    }
                }
            }
            "reject" => {
                let failed = matches!(
                    status,
                    "corrupt" | "encrypted" | "too_large" | "unsupported_format"
                );
                if !failed || reason.trim().is_empty() {
                    problems.push(format!(
                        "{}: expected a rejection with a reason, got {status} ({reason})",
                        row.path
                    ));
                }
                let note = row.note.to_lowercase();
                if note.contains("password") && status != "encrypted" {
                    problems.push(format!("{}: expected encrypted, got {status}", row.path));
                }
                if note.contains("entity") && !reason.contains("entit") {
                    problems.push(format!(
                        "{}: expected the entity to be refused, got {status} ({reason})",
                        row.path
                    ));
                }
            }
            other => problems.push(format!("{}: unknown expectation {other}", row.path)),
        }
    }
    eprintln!("{}", table.join("\n"));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
