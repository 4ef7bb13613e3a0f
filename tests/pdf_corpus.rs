//! The real-world PDF corpus (`../shared/corpus/real/`, rows of `expect.tsv` whose format is `pdf`): one `harmonise
//! run` over copies of every file, then the manifest is checked against the expectation of each row:
//! - `read`: read fine (status `unrecognised`: no mapping fits, but nothing failed), and `inspect` shows fields or
//!   text (unless the note says no text is expected);
//! - `reject`: a failure status (corrupt, encrypted, too_large, unsupported_format) with a reason;
//! - `needs-ocr`: `needs_ocr`.
//!
//! No row may be `failed` (a panic) or `timeout`, and the whole run must finish. A missing corpus is a failure,
//! not a skip.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Known deviations from expect.tsv, with why harmonise's answer is defensible. The file must still not panic.
const DEVIATIONS: &[(&str, &str)] = &[(
    "pdf/pdfjs--PDFBOX-3148-2-fuzzed.pdf",
    "only the xref stream and font data are damaged; lopdf rebuilds the xref by scanning and the catalog, page \
     tree and the one text field are intact, so the form reads (with a note) instead of being rejected",
)];

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/real")
}

struct Row {
    path: String,
    expect: String,
    note: String,
}

fn pdf_rows() -> Vec<Row> {
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
            (cols.get(1) == Some(&"pdf")).then(|| Row {
                path: cols[0].to_string(),
                expect: cols[2].to_string(),
                note: cols.get(3).unwrap_or(&"").to_string(),
            })
        })
        .collect();
    assert!(rows.len() >= 30, "expected the pdf rows of expect.tsv");
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

#[test]
fn real_pdf_corpus_matches_expectations() {
    let rows = pdf_rows();
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let out = tmp.path().join("out");
    std::fs::create_dir_all(input.join("pdf")).unwrap();
    for row in &rows {
        std::fs::copy(corpus().join(&row.path), input.join(&row.path))
            .unwrap_or_else(|e| panic!("copying {}: {e}", row.path));
    }
    // A mappings folder of its own: the national template and one pdf mapping no corpus file matches, so that
    // every readable file comes back `unrecognised` whatever the repository's mappings are.
    let mappings = tmp.path().join("mappings");
    std::fs::create_dir_all(&mappings).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings/national-template.toml"),
        mappings.join("national-template.toml"),
    )
    .unwrap();
    std::fs::write(
        mappings.join("990-never.toml"),
        "[form]\nla_code = \"990\"\nla_name = \"Nowhere\"\nform = \"none\"\nversion = \"1\"\nformat = \"pdf\"\n\
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
        Duration::from_secs(600),
    );
    assert_eq!(
        code,
        Some(3),
        "some corpus files are unrecognised or failed"
    );
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
            "{:<50} {:<9} {status:<13} {reason}",
            row.path, row.expect
        ));
        if matches!(status, "failed" | "timeout" | "unreadable") {
            problems.push(format!("{}: {status} ({reason})", row.path));
            continue;
        }
        if DEVIATIONS.iter().any(|(p, _)| *p == row.path) {
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
                let content = stdout.lines().filter(|l| !l.starts_with('#')).count();
                let no_text_expected = row.note.contains("no text expected");
                if code != Some(0) || (content == 0 && !no_text_expected) {
                    problems.push(format!(
                        "{}: inspect shows no fields or text (exit {code:?})",
                        row.path
                    ));
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
                if row.note.to_lowercase().contains("password") && status != "encrypted" {
                    problems.push(format!("{}: expected encrypted, got {status}", row.path));
                }
            }
            "needs-ocr" => {
                if status != "needs_ocr" {
                    problems.push(format!(
                        "{}: expected needs_ocr, got {status} ({reason})",
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
