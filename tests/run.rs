//! End-to-end tests of `harmonise run` on the bundled fixtures: every known value round-trips with its status and
//! provenance, every input is accounted for, bad files become manifest rows, and output is the same at any --jobs.

mod util;

use std::collections::BTreeMap;
use std::path::Path;

use harmonise::template::Template;
use serde_json::Value;
use util::*;

const TODAY: &str = "2026-11-28";

fn run_into(input: &Path, out: &Path, jobs: &str) -> std::process::Output {
    harmonise(&[
        "run",
        "--input",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--today",
        TODAY,
        "--jobs",
        jobs,
        "--quiet",
    ])
}

/// Every `fixtures/expected/*.json`, merged: document path -> expected record.
fn expected() -> BTreeMap<String, Value> {
    let mut all = BTreeMap::new();
    let dir = root().join("fixtures/expected");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures/expected")
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no expected records in {}",
        dir.display()
    );
    for f in files {
        let v: BTreeMap<String, Value> =
            serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        for (k, rec) in v {
            assert!(all.insert(k.clone(), rec).is_none(), "{k} expected twice");
        }
    }
    all
}

/// Compares one field outcome, ignoring `reason` (its wording is checked in unit tests).
fn same_outcome(actual: &Value, expected: &Value) -> bool {
    let strip = |v: &Value| {
        let mut v = v.clone();
        if let Some(o) = v.as_object_mut() {
            o.remove("reason");
            if let Some(items) = o.get_mut("items").and_then(Value::as_array_mut) {
                for i in items {
                    if let Some(io) = i.as_object_mut() {
                        io.remove("reason");
                    }
                }
            }
        }
        v
    };
    strip(actual) == strip(expected)
}

#[test]
fn every_fixture_value_round_trips_with_status_and_provenance() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let input = root().join("fixtures/forms");
    let result = run_into(&input, &out, "2");
    assert_eq!(code(&result), 0, "stderr: {}", stderr(&result));

    let template = Template::load(&root().join("mappings/national-template.toml")).unwrap();
    let records = records(&out);
    let expected = expected();
    assert_eq!(
        records.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "the records are exactly the expected documents"
    );
    let mut problems = Vec::new();
    for (file, want) in &expected {
        let got = &records[file];
        for key in ["mapping", "status"] {
            if got[key] != want[key] {
                problems.push(format!(
                    "{file}: {key} is {} but expected {}",
                    got[key], want[key]
                ));
            }
        }
        for def in &template.fields {
            let actual = &got["fields"][&def.id];
            match want["fields"].get(&def.id) {
                Some(w) if !same_outcome(actual, w) => problems.push(format!(
                    "{file}: {}\n    got      {actual}\n    expected {w}",
                    def.id
                )),
                None if actual["status"] != "not_collected" => problems.push(format!(
                    "{file}: {} should be not_collected, got {actual}",
                    def.id
                )),
                _ => {}
            }
        }
        let no_extras = Value::Object(Default::default());
        let got_extras = got.get("extras").unwrap_or(&no_extras);
        let want_extras = want.get("extras").unwrap_or(&no_extras);
        let keys: std::collections::BTreeSet<&String> = got_extras
            .as_object()
            .unwrap()
            .keys()
            .chain(want_extras.as_object().unwrap().keys())
            .collect();
        for k in keys {
            if !same_outcome(&got_extras[k], &want_extras[k]) {
                problems.push(format!(
                    "{file}: extra {k}\n    got      {}\n    expected {}",
                    got_extras[k], want_extras[k]
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} mismatches:\n{}",
        problems.len(),
        problems.join("\n")
    );

    let manifest = manifest(&out);
    assert_eq!(
        manifest["inputs"].as_u64().unwrap() as usize,
        count_files(&input)
    );
    assert_eq!(
        manifest["files"].as_array().unwrap().len(),
        count_files(&input)
    );
}

#[test]
fn bad_files_become_manifest_rows_and_the_batch_completes() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    copy_tree(
        &root().join("fixtures/forms/northmoor"),
        &input.join("northmoor"),
    );
    copy_tree(&root().join("fixtures/bad"), &input.join("bad"));
    let out = tmp.path().join("out");
    let result = run_into(&input, &out, "2");
    assert_eq!(
        code(&result),
        3,
        "some documents failed, so exit 3; stderr: {}",
        stderr(&result)
    );

    let rows = manifest_rows(&out);
    assert_eq!(
        rows.len(),
        count_files(&input),
        "one manifest row per input file"
    );
    let status = |p: &str| rows[p]["status"].as_str().unwrap().to_string();
    let reason = |p: &str| rows[p]["reason"].as_str().unwrap_or("").to_string();
    assert_eq!(status("bad/corrupt.xlsx"), "corrupt");
    assert!(
        reason("bad/corrupt.xlsx").contains("zip"),
        "{}",
        reason("bad/corrupt.xlsx")
    );
    assert_eq!(status("bad/empty.xlsx"), "corrupt");
    assert_eq!(reason("bad/empty.xlsx"), "file is empty (0 bytes)");
    assert_eq!(status("bad/notes.txt"), "unsupported_format");
    // Cells at A1 and XFD1048576: read sparsely, so no 500 GB allocation; it simply fits no mapping.
    assert_eq!(status("bad/huge-range.xlsx"), "unrecognised");
    assert_eq!(status("bad/unrecognised.xlsx"), "unrecognised");
    assert!(reason("bad/unrecognised.xlsx").contains("no xlsx mapping"));
    for (path, row) in &rows {
        if path.starts_with("northmoor/") {
            assert_eq!(row["mapping"], "951-northmoor", "{path} still harmonised");
        }
        assert_ne!(row["status"], "failed", "{path}: no internal error");
    }
    assert_eq!(
        records(&out).len(),
        rows.keys().filter(|p| p.starts_with("northmoor/")).count()
    );
}

#[test]
fn output_is_identical_whatever_the_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let input = root().join("fixtures/forms");
    let (one, two) = (tmp.path().join("one"), tmp.path().join("two"));
    assert_eq!(code(&run_into(&input, &one, "1")), 0);
    assert_eq!(code(&run_into(&input, &two, "2")), 0);
    for f in ["records.jsonl", "records.csv"] {
        assert_eq!(
            std::fs::read(one.join(f)).unwrap(),
            std::fs::read(two.join(f)).unwrap(),
            "{f} differs"
        );
    }
    // Times and run ids differ between runs (and so do the hashes and, compressed, sizes of the reports, which
    // carry the run id).
    let strip_times = |mut m: Value| {
        for row in m["files"].as_array_mut().unwrap() {
            row.as_object_mut().unwrap().remove("elapsed_ms");
        }
        m.as_object_mut().unwrap().remove("run_id");
        for output in m["outputs"].as_array_mut().unwrap() {
            let output = output.as_object_mut().unwrap();
            output.remove("run_id");
            if output["file"].as_str().unwrap().starts_with("report.") {
                output.remove("blake3");
                output.remove("size");
            }
        }
        m
    };
    assert_eq!(strip_times(manifest(&one)), strip_times(manifest(&two)));
}

#[test]
fn csv_has_template_columns_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    assert_eq!(
        code(&run_into(&root().join("fixtures/forms"), &out, "2")),
        0
    );
    let template = Template::load(&root().join("mappings/national-template.toml")).unwrap();
    let mut reader = csv::Reader::from_path(out.join("records.csv")).unwrap();
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let mut want = vec!["file", "mapping", "la_code", "status", "invalid_fields"];
    want.extend(template.fields.iter().map(|f| f.id.as_str()));
    assert_eq!(header, want);
    assert_eq!(reader.records().count(), records(&out).len());
}

#[cfg(unix)]
#[test]
fn outputs_are_private_to_the_user() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    assert_eq!(
        code(&run_into(&root().join("fixtures/forms"), &out, "2")),
        0
    );
    assert_eq!(
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o700
    );
    for f in ["records.jsonl", "records.csv", "manifest.json"] {
        let mode = std::fs::metadata(out.join(f)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{f}");
    }
}
