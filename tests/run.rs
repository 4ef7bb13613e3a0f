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
    let strip_times = |mut m: Value| {
        for row in m["files"].as_array_mut().unwrap() {
            row.as_object_mut().unwrap().remove("elapsed_ms");
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

/// An input folder holding one Testshire form and files whose names hold a newline and an ANSI escape.
fn hostile_names(dir: &Path) -> std::path::PathBuf {
    let input = dir.join("in");
    write_form(&input.join("form.xlsx"), "Testshire", "Ada");
    std::fs::write(input.join("a\nERROR forged line.txt"), "x").unwrap();
    std::fs::write(input.join("b\u{1b}[31mred.txt"), "x").unwrap();
    input
}

#[test]
fn text_logs_escape_control_characters_in_file_names() {
    let tmp = tempfile::tempdir().unwrap();
    let input = hostile_names(tmp.path());
    let mappings = test_mappings(&tmp.path().join("mappings"));
    let result = run_with(&input, &tmp.path().join("out"), &mappings, &["-vv"]);
    assert_eq!(code(&result), 3, "{}", stderr(&result));
    let err = stderr(&result);
    assert!(
        err.contains(r"file=a\nERROR forged line.txt"),
        "the newline is escaped: {err}"
    );
    assert!(err.contains(r"file=b\u{1b}[31mred.txt"), "{err}");
    assert!(
        !err.contains('\u{1b}'),
        "no raw escape reaches stderr: {err}"
    );
    assert!(
        !err.lines().any(|l| l.starts_with("ERROR forged")),
        "no forged line: {err}"
    );
}

#[test]
fn json_logs_are_json_on_every_line_including_progress_and_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let input = hostile_names(tmp.path());
    let mappings = test_mappings(&tmp.path().join("mappings"));
    for isolate in [false, true] {
        let out = tmp.path().join(format!("out-{isolate}"));
        let mut extra = vec!["-vv", "--log-format", "json", "--progress", "plain"];
        if isolate {
            extra.push("--isolate");
        }
        let result = run_with(&input, &out, &mappings, &extra);
        assert_eq!(code(&result), 3, "{}", stderr(&result));
        let lines: Vec<Value> = stderr(&result)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l:?}")))
            .collect();
        let with = |key: &str| lines.iter().filter(|l| !l["fields"][key].is_null()).count();
        assert_eq!(with("inputs"), 3, "discovery, run complete and the summary");
        assert!(with("percent") >= 1, "progress lines");
        let summary = lines
            .iter()
            .find(|l| !l["fields"]["counts"].is_null())
            .expect("the summary");
        assert_eq!(summary["fields"]["inputs"], 3);
        assert_eq!(summary["fields"]["counts"]["unsupported_format"], 2);
        assert!(
            summary["fields"]["message"]
                .as_str()
                .unwrap()
                .starts_with("harmonise: 3 document(s): 1 ok, 2 unsupported_format.")
        );
        assert!(
            lines
                .iter()
                .any(|l| l["fields"]["file"] == "a\nERROR forged line.txt"),
            "JSON carries the name as it is"
        );
    }
}

/// Debug builds only: the test hook that panics mid-document is compiled out of release builds.
#[cfg(debug_assertions)]
#[test]
fn a_caught_panic_is_logged_without_its_message_and_costs_one_failed_row() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    write_form(&input.join("form.xlsx"), "Testshire", "Ada");
    std::fs::write(input.join("boom.xml"), "<child>Zebedee Quaintance</child>").unwrap();
    let mappings = test_mappings(&tmp.path().join("mappings"));
    let env = [("HARMONISE_TEST_PANIC_ON", "boom.xml")];
    for (i, extra) in [
        &["-v"][..],
        &["-v", "--isolate"],
        &["--log-format", "json"],
        &["--quiet", "--isolate"],
    ]
    .into_iter()
    .enumerate()
    {
        let out = tmp.path().join(format!("out-{i}"));
        let mut args = vec![
            "run",
            "--input",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--mappings",
            mappings.to_str().unwrap(),
            "--today",
            TODAY,
        ];
        args.extend_from_slice(extra);
        let result = harmonise_env(&args, &env);
        let err = stderr(&result);
        assert_eq!(code(&result), 3, "{extra:?}: {err}");
        let rows = manifest_rows(&out);
        assert_eq!(rows["form.xlsx"]["status"], "ok", "{extra:?}");
        assert_eq!(rows["boom.xml"]["status"], "failed", "{extra:?}");
        let reason = rows["boom.xml"]["reason"].as_str().unwrap();
        assert!(reason.starts_with("internal error"), "{reason}");
        assert!(!reason.contains("Zebedee"), "no document text: {reason}");
        assert!(
            !err.contains("Zebedee"),
            "{extra:?}: no document text: {err}"
        );
        assert!(
            !err.contains("panicked at"),
            "{extra:?}: no raw panic: {err}"
        );
        if extra.contains(&"--quiet") {
            assert_eq!(err, "", "--quiet: a caught panic is a warning");
            continue;
        }
        let panic_lines: Vec<&str> = err.lines().filter(|l| l.contains("a panic")).collect();
        assert_eq!(panic_lines.len(), 1, "{extra:?}: {err}");
        assert!(panic_lines[0].contains("src/pipeline.rs:"), "where: {err}");
        if extra.contains(&"json") {
            for l in err.lines() {
                serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            }
        }
    }
}

#[test]
fn inspect_and_suggest_on_a_missing_or_unreadable_file_exit_2_saying_why_once() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("missing.xlsx");
    for (file, os) in [
        (missing.to_str().unwrap(), "No such file or directory"),
        (tmp.path().to_str().unwrap(), "Is a directory"),
    ] {
        for cmd in ["inspect", "suggest"] {
            let result = harmonise(&[cmd, file]);
            let err = stderr(&result);
            assert_eq!(code(&result), 2, "{cmd} {file}: {err}");
            assert!(
                err.starts_with(&format!("error: cannot read {file}: ")),
                "{err}"
            );
            assert_eq!(err.matches(os).count(), 1, "the OS error once: {err}");
        }
    }
}

#[test]
fn suggest_does_not_overwrite_its_out_file_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    let draft = tmp.path().join("draft.toml");
    std::fs::write(&draft, "# my edits\n").unwrap();
    let draft_arg = draft.to_str().unwrap();
    let form = "fixtures/forms/northmoor/filled-01.xlsx";
    let refused = harmonise(&["suggest", form, "--out", draft_arg]);
    assert_eq!(code(&refused), 2, "{}", stderr(&refused));
    assert!(stderr(&refused).contains("--force"), "{}", stderr(&refused));
    assert_eq!(std::fs::read_to_string(&draft).unwrap(), "# my edits\n");
    let forced = harmonise(&["suggest", form, "--out", draft_arg, "--force"]);
    assert_eq!(code(&forced), 0, "{}", stderr(&forced));
    assert!(std::fs::read_to_string(&draft).unwrap().contains("[form]"));
    let fresh = tmp.path().join("fresh.toml");
    let new = harmonise(&["suggest", form, "--out", fresh.to_str().unwrap()]);
    assert_eq!(
        code(&new),
        0,
        "a new file needs no --force: {}",
        stderr(&new)
    );
}

#[test]
fn bad_today_and_timeout_say_what_is_expected() {
    for (args, says) in [
        (
            &["run", "--today", "01/02/2025"][..],
            "expected a date as YYYY-MM-DD",
        ),
        (
            &["check", "--today", "2025-02-30"],
            "expected a date as YYYY-MM-DD",
        ),
        (&["run", "--timeout-secs", "0"], "from 1 to 86400 (one day)"),
        (
            &["run", "--timeout-secs", "99999999999999"],
            "from 1 to 86400",
        ),
    ] {
        let result = harmonise(args);
        assert_eq!(code(&result), 2, "{args:?}");
        assert!(
            stderr(&result).contains(says),
            "{args:?}: {}",
            stderr(&result)
        );
    }
}

#[test]
fn a_limit_under_a_mib_reads_in_bytes_not_zero_mib() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(input.join("small.xml"), "<a>hello</a>").unwrap();
    let out = tmp.path().join("out");
    let mappings = test_mappings(&tmp.path().join("mappings"));
    let result = run_with(&input, &out, &mappings, &["--max-file-mib", "0"]);
    assert_eq!(code(&result), 3, "{}", stderr(&result));
    assert_eq!(
        manifest_rows(&out)["small.xml"]["reason"],
        "file is 12 bytes, over the 0 bytes limit (max_file_bytes)"
    );
}

/// Through the library: a document listed by discovery and deleted before it is read.
#[test]
fn a_file_deleted_mid_run_vanished_during_the_run() {
    use harmonise::pipeline::{Input, RunOptions, process};
    let tmp = tempfile::tempdir().unwrap();
    let set = harmonise::mapping::MappingSet::load(&test_mappings(&tmp.path().join("m"))).unwrap();
    let opts = RunOptions {
        input: tmp.path().to_path_buf(),
        out: tmp.path().join("out"),
        jobs: 1,
        limits: harmonise::read::Limits::default(),
        today: TODAY.parse().unwrap(),
        full: true,
        shareable: false,
        isolate: None,
    };
    let gone = tmp.path().join("gone.xlsx");
    write_form(&gone, "Testshire", "Ada");
    let input = Input::new(gone.clone(), "gone.xlsx".into(), None, None);
    std::fs::remove_file(&gone).unwrap();
    let row = process(&input, &set, &opts).row;
    assert_eq!(row.status.as_str(), "unreadable");
    assert_eq!(
        row.reason.as_deref(),
        Some("vanished during the run: listed, then gone (deleted or renamed) before it was read")
    );
}

#[test]
fn an_os_error_is_printed_once() {
    let tmp = tempfile::tempdir().unwrap();
    let not_a_folder = tmp.path().join("file");
    std::fs::write(&not_a_folder, "").unwrap();
    let mappings = test_mappings(&tmp.path().join("mappings"));
    let result = run_with(
        &root().join("fixtures/forms"),
        &not_a_folder,
        &mappings,
        &["--quiet"],
    );
    let err = stderr(&result);
    assert_eq!(code(&result), 1, "{err}");
    assert!(err.starts_with("error: the run stopped: "), "{err}");
    assert_eq!(err.matches("(os error").count(), 1, "{err}");
}

#[test]
fn check_takes_today_so_an_age_test_does_not_expire() {
    let tmp = tempfile::tempdir().unwrap();
    let mappings = test_mappings(&tmp.path().join("mappings"));
    write_form(&mappings.join("form.xlsx"), "Testshire", "Ada");
    let file = mappings.join("990-testshire.toml");
    let mut text = std::fs::read_to_string(&file).unwrap();
    // Born 2015-03-14: 0-25 years old until 2040.
    text.push_str("\n[[test]]\ndocument = \"form.xlsx\"\nexpect = { \"child.date_of_birth\" = \"2015-03-14\" }\n");
    std::fs::write(&file, text).unwrap();
    let dir = mappings.to_str().unwrap();
    let now = harmonise(&["check", dir, "--today", "2026-11-28"]);
    assert_eq!(code(&now), 0, "{}", stderr(&now));
    let later = harmonise(&["check", dir, "--today", "2045-01-01"]);
    assert_eq!(
        code(&later),
        2,
        "the age check fails in 2045: {}",
        stderr(&later)
    );
    assert!(stderr(&later).contains("1 failed"), "{}", stderr(&later));
}
