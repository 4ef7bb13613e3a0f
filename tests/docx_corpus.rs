//! The real-world docx corpus (`../shared/corpus/real/`, rows of `expect.tsv` whose format is `docx`): one
//! `harmonise run` over copies of every file with a mapping no file matches, then the manifest is checked against
//! each row's expectation:
//! - `read`: read fine (status `unrecognised`: no mapping fits, but nothing failed), and `inspect` shows the
//!   content controls or legacy form fields the row's note describes (counted where the note gives a number);
//! - `reject`: a failure status with a reason (`encrypted` for the password-protected one; the XXE sample is
//!   refused without the entity ever being resolved).
//!
//! No row may be `failed` (a panic) or `timeout`. A missing corpus is a failure, not a skip.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/real")
}

struct Row {
    path: String,
    expect: String,
    note: String,
}

fn docx_rows() -> Vec<Row> {
    let tsv = corpus().join("expect.tsv");
    let text = std::fs::read_to_string(&tsv).unwrap_or_else(|e| {
        panic!(
            "the real corpus is missing ({}: {e}); this test needs ../shared/corpus/real",
            tsv.display()
        )
    });
    let rows: Vec<Row> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            (cols.get(1) == Some(&"docx")).then(|| Row {
                path: cols[0].to_string(),
                expect: cols[2].to_string(),
                note: cols.get(3).unwrap_or(&"").to_string(),
            })
        })
        .collect();
    assert!(rows.len() >= 5, "expected the docx rows of expect.tsv");
    rows
}

/// Runs the binary with a wall-clock limit; returns (exit code, stdout).
fn run_bin(args: &[&str], limit: Duration) -> (Option<i32>, String) {
    let out_file = tempfile::NamedTempFile::new().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_harmonise"))
        .args(args)
        .stdout(out_file.reopen().unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("harmonise {args:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    (
        status.code(),
        std::fs::read_to_string(out_file.path()).unwrap(),
    )
}

/// What `inspect` must show for a readable row, from its note: (key prefix, value kind, at least how many).
fn wanted(row: &Row) -> Vec<(&'static str, &'static str, usize)> {
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
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let out = tmp.path().join("out");
    std::fs::create_dir_all(input.join("docx")).unwrap();
    for row in &rows {
        std::fs::copy(corpus().join(&row.path), input.join(&row.path))
            .unwrap_or_else(|e| panic!("copying {}: {e}", row.path));
    }
    let mappings = tmp.path().join("mappings");
    std::fs::create_dir_all(&mappings).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings/national-template.toml"),
        mappings.join("national-template.toml"),
    )
    .unwrap();
    std::fs::write(
        mappings.join("990-never.toml"),
        "[form]\nla_code = \"990\"\nla_name = \"Nowhere\"\nform = \"none\"\nversion = \"1\"\nformat = \"docx\"\n\
         [form.match]\ncontains = \"zz-no-document-says-this-zz\"\n",
    )
    .unwrap();
    let (code, _) = run_bin(
        &[
            "run",
            "--quiet",
            "--input",
            input.to_str().unwrap(),
            "--mappings",
            mappings.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--timeout-secs",
            "20",
            "--today",
            "2025-01-15",
        ],
        Duration::from_secs(300),
    );
    assert_eq!(code, Some(3), "corpus files are unrecognised or rejected");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let files = manifest["files"].as_array().unwrap();
    let by_path: BTreeMap<&str, &serde_json::Value> = files
        .iter()
        .map(|f| (f["path"].as_str().unwrap(), f))
        .collect();
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
