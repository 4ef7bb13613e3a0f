//! The real-layout fixtures (`fixtures/real-layout/`, written by `examples/gen_real_layout_fixtures.rs`): every
//! document has a truth entry and every truth entry a document, and the generator is deterministic (run into a
//! temporary folder with `--out`, it writes the committed bytes). Nothing here runs harmonise on them.

use std::collections::BTreeSet;

use crate::util::root;

#[allow(
    dead_code,
    clippy::all,
    reason = "the generator, included as it is so that this test runs exactly the code that wrote the fixtures"
)]
#[path = "../../examples/gen_real_layout_fixtures.rs"]
mod generator;

use crate::util::files_under as files;

#[test]
fn every_document_has_a_truth_entry_and_every_entry_a_document() {
    let dir = root().join("fixtures/real-layout");
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).expect("truth.json"))
            .expect("truth.json is JSON");
    let entries: BTreeSet<String> = truth
        .as_object()
        .expect("an object")
        .keys()
        .cloned()
        .collect();
    let docs: BTreeSet<String> = files(&dir)
        .into_iter()
        .filter(|f| f.ends_with(".docx"))
        .collect();
    assert_eq!(docs, entries, "documents and truth entries differ");
    assert_eq!(docs.len(), 42, "six LAs, a blank and six filled forms each");
    for (path, entry) in truth.as_object().unwrap() {
        assert!(
            path.starts_with("tune/") || path.starts_with("heldout/"),
            "{path}"
        );
        let status = entry["record_status"].as_str().unwrap_or("");
        assert!(
            ["ok", "partial", "blank"].contains(&status),
            "{path}: {status}"
        );
        assert_eq!(status == "blank", path.ends_with("/blank.docx"), "{path}");
        assert!(
            entry["fields"].as_object().is_some_and(|f| !f.is_empty()),
            "{path}"
        );
    }
}

#[test]
fn the_generator_is_deterministic() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = generator::out_dir(&[
        "--out".to_string(),
        tmp.path().to_string_lossy().into_owned(),
    ]);
    assert_eq!(out, tmp.path());
    generator::generate(&out);
    let committed = root().join("fixtures/real-layout");
    let written = files(tmp.path());
    // The mappings beside the fixtures are written by people, not by the generator.
    let generated: BTreeSet<String> = files(&committed)
        .into_iter()
        .filter(|f| !f.starts_with("mappings/"))
        .collect();
    assert_eq!(
        written, generated,
        "the generator writes other files than are committed"
    );
    for f in &written {
        let a = std::fs::read(tmp.path().join(f)).expect("read");
        let b = std::fs::read(committed.join(f)).expect("read");
        assert!(
            a == b,
            "{f} differs from the committed copy: run `cargo run --example gen_real_layout_fixtures`"
        );
    }
}

/// Compares one expected entry of truth.json with what harmonise wrote; an invalid value is judged by its
/// status only (the record keeps the rejected text, the truth names the options marked).
fn same(got: Option<&serde_json::Value>, want: Option<&serde_json::Value>) -> bool {
    let key = |v: Option<&serde_json::Value>| {
        v.map(|v| {
            let status = v["status"].as_str().unwrap_or("").to_string();
            let value = if status == "invalid" {
                serde_json::Value::Null
            } else {
                v.get("value").cloned().unwrap_or(serde_json::Value::Null)
            };
            (status, value)
        })
    };
    key(got) == key(want)
}

/// Runs the bundled mappings over one split of the real-layout forms and scores every value, member and record
/// status against the truth: (right, total, what went wrong).
fn score(split: &str) -> (usize, usize, Vec<String>) {
    use crate::util::{records, run_with, shared_tempdir};
    let dir = root().join("fixtures/real-layout");
    let out = shared_tempdir().join(format!("real-layout-{split}"));
    let result = run_with(&dir.join(split), &out, &dir.join("mappings"), &[]);
    assert!(
        result.status.code().is_some_and(|c| c == 0 || c == 3),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let records = records(&out);
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).unwrap()).unwrap();
    let (mut right, mut total, mut wrong) = (0, 0, Vec::new());
    for (path, want) in truth.as_object().unwrap() {
        let Some(file) = path.strip_prefix(&format!("{split}/")) else {
            continue;
        };
        let got = &records[file];
        let mut judge = |ok: bool, what: String| {
            total += 1;
            if ok {
                right += 1;
            } else {
                wrong.push(what);
            }
        };
        judge(
            got["status"] == want["record_status"],
            format!(
                "{path}: record {} (expected {})",
                got["status"], want["record_status"]
            ),
        );
        for (id, w) in want["fields"].as_object().unwrap() {
            let g = &got["fields"][id];
            match w.get("items").and_then(|i| i.as_array()) {
                Some(items) => {
                    let got_items = g["items"].as_array().cloned().unwrap_or_default();
                    for n in 0..items.len().max(got_items.len()) {
                        judge(
                            same(got_items.get(n), items.get(n)),
                            format!(
                                "{path}: {id}[{n}] {:?} (expected {:?})",
                                got_items.get(n),
                                items.get(n)
                            ),
                        );
                    }
                }
                None => judge(
                    same(Some(g), Some(w)),
                    format!("{path}: {id} {g} (expected {w})"),
                ),
            }
        }
    }
    (right, total, wrong)
}

/// The bundled mappings of the real-layout LAs read their forms right: the tune split (962-965, mappings
/// written against those forms) and the held-out split (966-967, mappings written by someone who had only the
/// README and the documents, before seeing any result). Both must reach 99% of values, members and statuses.
#[test]
fn real_layout_forms_are_read_right_through_their_mappings() {
    for split in ["tune", "heldout"] {
        let (right, total, wrong) = score(split);
        let share = right as f64 / total as f64;
        eprintln!(
            "real-layout {split}: {right}/{total} = {:.1}%",
            share * 100.0
        );
        assert!(total > 300, "{split}: only {total} values scored");
        assert!(
            share >= 0.99,
            "{split}: {right}/{total} right; wrong:\n{}",
            wrong.join("\n")
        );
    }
}
