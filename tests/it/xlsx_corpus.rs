//! The real-world spreadsheet corpus (`../shared/corpus/real/`, rows of `expect.tsv` whose format is `xlsx` or
//! `ods`): one `harmonise run` over copies of every file with a mapping no file matches, then each manifest row is
//! checked against its expectation:
//! - `read`: read fine (status `unrecognised`: no mapping fits, nothing failed) and `inspect` lists cells, with
//!   the values the row's note names where it names them;
//! - `reject`: a failure status with a reason that says what was wrong (encrypted, a limit, damage).
//!
//! No row may be `failed` (a panic) or `timeout`, and the run must finish: the dense-range, zip-bomb, entity-bomb
//! and repeated-cell files must cost nothing. A missing corpus is a failure, not a skip.
use std::time::Duration;

use crate::util::{corpus_rows, manifest_rows, run_bin, run_corpus};

#[test]
fn real_spreadsheet_corpus_matches_expectations() {
    let rows = corpus_rows(&["xlsx", "ods"]);
    assert!(
        rows.len() >= 20,
        "expected the xlsx and ods rows of expect.tsv"
    );
    let run = run_corpus(&rows, "xlsx", Duration::from_secs(300));
    let (out, code) = (&run.out, run.code);
    assert_eq!(
        code,
        Some(3),
        "the corpus has unrecognised and rejected files"
    );

    let manifest = manifest_rows(out);
    assert_eq!(manifest.len(), rows.len(), "one manifest row per file");
    let mut problems = Vec::new();
    for row in &rows {
        let m = &manifest[&row.path];
        let status = m["status"].as_str().unwrap_or("");
        let reason = m["reason"].as_str().unwrap_or("");
        match row.expect.as_str() {
            "read" if status != "unrecognised" => problems.push(format!(
                "{}: read expected, got {status} ({reason})",
                row.path
            )),
            "reject" => {
                let want: &[&str] =
                    if row.note.contains("password") || row.note.contains("encrypted") {
                        &["encrypted"]
                    } else {
                        &["corrupt", "too_large", "unsupported_format"]
                    };
                if !want.contains(&status) || reason.is_empty() {
                    problems.push(format!(
                        "{}: expected one of {want:?} with a reason, got {status} ({reason})",
                        row.path
                    ));
                }
            }
            _ => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let status = |p: &str| manifest[p]["status"].as_str().unwrap().to_string();
    let reason = |p: &str| manifest[p]["reason"].as_str().unwrap().to_string();
    assert!(
        reason("xlsx/calamine--issue_594_dos.ods").contains("max_cells"),
        "the ODS repeat bomb names the limit"
    );
    assert_eq!(status("xlsx/poi--protect.xlsx"), "encrypted");
    assert_eq!(status("xlsx/calamine--pass_protected.ods"), "encrypted");
}

#[test]
fn inspect_shows_the_cells_the_notes_name() {
    let corpus = crate::util::corpus();
    for (file, cells) in [
        (
            "xlsx/calamine--inlineStr_cdata.xlsx",
            &["Hello CDATA", "World", "12345", "NormalText"][..],
        ),
        (
            "xlsx/calamine--nonstandard-xml-ns-prefix.xlsx",
            &["\ta", "\tb", "\t1", "\t3", "\t2", "\t4"][..],
        ),
        ("xlsx/calamine--issue_174.xlsx", &["Sheet1!A1"][..]),
        (
            "xlsx/poi--xxe_in_schema.xlsx",
            &["Sheet1!C9\ttext\t/Test/Test"][..],
        ),
        (
            "xlsx/calamine--merged_cells.ods",
            &["Sheet1!A1\ttext\tA"][..],
        ),
        (
            "xlsx/calamine--number_rows_repeated.ods",
            &["Sheet1!A1\ttext\tA"][..],
        ),
    ] {
        let path = corpus.join(file);
        let (code, stdout) = run_bin(
            &["inspect", path.to_str().unwrap()],
            Duration::from_secs(60),
        );
        assert_eq!(code, Some(0), "{file}:\n{stdout}");
        for want in cells {
            assert!(stdout.contains(want), "{file}: no {want:?} in\n{stdout}");
        }
    }
}
