//! The real-layout fixtures (`fixtures/real-layout/`, written by `examples/gen_real_layout_fixtures.rs`): every
//! document has a truth entry and every truth entry a document, and the generator is deterministic (run into a
//! temporary folder with `--out`, it writes the committed bytes). Nothing here runs harmonise on them.

use std::collections::BTreeSet;
use std::path::Path;

use crate::util::root;

#[allow(
    dead_code,
    clippy::all,
    reason = "the generator, included as it is so that this test runs exactly the code that wrote the fixtures"
)]
#[path = "../../examples/gen_real_layout_fixtures.rs"]
mod generator;

/// Every file under `dir` (relative, with `/`), sorted.
fn files(dir: &Path) -> BTreeSet<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.expect("walk"))
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(dir)
                .expect("under dir")
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect()
}

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
    assert_eq!(
        written,
        files(&committed),
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
