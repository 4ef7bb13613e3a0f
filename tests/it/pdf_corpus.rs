//! The real-world PDF corpus (`../shared/corpus/real/`, rows of `expect.tsv` whose format is `pdf`): one `harmonise
//! run` over copies of every file, then the manifest is checked against the expectation of each row:
//! - `read`: read fine (status `unrecognised`: no mapping fits, but nothing failed), and `inspect` shows fields or
//!   text (unless the note says no text is expected);
//! - `reject`: a failure status (corrupt, encrypted, too_large, unsupported_format) with a reason;
//! - `needs-ocr`: `needs_ocr`.
//!
//! No row may be `failed` (a panic) or `timeout`, and the whole run must finish. A missing corpus is a failure,
//! not a skip.
use std::time::Duration;

use crate::util::{
    CorpusRow, code, corpus, corpus_rows, harmonise, manifest_rows, run_bin, run_corpus, stderr,
};

/// Known deviations from expect.tsv, with why harmonise's answer is defensible. The file must still not panic.
const DEVIATIONS: &[(&str, &str)] = &[(
    "pdf/pdfjs--PDFBOX-3148-2-fuzzed.pdf",
    "only the xref stream and font data are damaged; lopdf rebuilds the xref by scanning and the catalog, page \
     tree and the one text field are intact, so the form reads (with a note) instead of being rejected",
)];

fn pdf_rows() -> Vec<CorpusRow> {
    let rows = corpus_rows(&["pdf"]);
    assert!(rows.len() >= 30, "expected the pdf rows of expect.tsv");
    rows
}

#[test]
fn real_pdf_corpus_matches_expectations() {
    let rows = pdf_rows();
    let run = run_corpus(&rows, "pdf", Duration::from_secs(600));
    let (input, out, code) = (&run.input, &run.out, run.code);
    assert_eq!(
        code,
        Some(3),
        "some corpus files are unrecognised or failed"
    );
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

/// Printed labels on a form nobody here designed (LibreOffice's sample form): its radio buttons and check boxes
/// are labelled on their right ("◯ Female ◯ Male", "☐ Agree to privacy policy"), its text boxes on their left.
#[test]
fn widgets_of_a_real_form_get_the_labels_printed_beside_them() {
    let file = corpus().join("pdf/sample-files--libreoffice-form.pdf");
    let out = harmonise(&["inspect", file.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    let labelled = |field: &str| -> Vec<String> {
        let lines: Vec<&str> = text.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.starts_with(&format!("{field}\t")))
            .unwrap_or_else(|| panic!("no {field} in\n{text}"));
        lines[at + 1..]
            .iter()
            .take_while(|l| l.starts_with("\twidget "))
            .map(|l| l.rsplit("\tprinted ").next().unwrap().to_string())
            .collect()
    };
    assert_eq!(labelled("First Name"), ["\"First Name\""]);
    assert_eq!(
        labelled("female"),
        ["\"Female\"", "\"Male\""],
        "radio options: the words on their right"
    );
    assert_eq!(labelled("gdpr"), ["\"Agree to privacy policy\""]);
    assert_eq!(labelled("Nationality"), ["\"Nationality:\""]);
}
