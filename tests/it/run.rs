//! End-to-end tests of `harmonise run` on the bundled fixtures: every known value round-trips with its status and
//! provenance, every input is accounted for, bad files become manifest rows, and output is the same at any --jobs.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::util::*;
use harmonise::template::Template;
use serde_json::Value;

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

/// The bundled fixtures run once (`run_into` at --jobs 2) for the tests that only read its outputs: its result and
/// its out folder.
fn fixture_run() -> &'static (std::process::Output, PathBuf) {
    static RUN: OnceLock<(std::process::Output, PathBuf)> = OnceLock::new();
    RUN.get_or_init(|| {
        let out = shared_tempdir().join("out");
        let result = run_into(&root().join("fixtures/forms"), &out, "2");
        (result, out)
    })
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
    let (result, out) = fixture_run();
    let input = root().join("fixtures/forms");
    assert_eq!(code(result), 0, "stderr: {}", stderr(result));

    let template = Template::load(&root().join("mappings/national-template.toml")).unwrap();
    let records = records(out);
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

    let manifest = manifest(out);
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
    let one = tmp.path().join("one");
    assert_eq!(code(&run_into(&input, &one, "1")), 0);
    let (two_result, two) = fixture_run();
    assert_eq!(code(two_result), 0);
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
    assert_eq!(strip_times(manifest(&one)), strip_times(manifest(two)));
}

#[test]
fn csv_has_template_columns_in_order() {
    let (result, out) = fixture_run();
    assert_eq!(code(result), 0);
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
    assert_eq!(reader.records().count(), records(out).len());
}

#[cfg(unix)]
#[test]
fn outputs_are_private_to_the_user() {
    use std::os::unix::fs::PermissionsExt;
    let (result, out) = fixture_run();
    assert_eq!(code(result), 0);
    assert_eq!(
        std::fs::metadata(out).unwrap().permissions().mode() & 0o777,
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
        assert!(
            panic_lines[0].contains("src/pipeline/process.rs:"),
            "where: {err}"
        );
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
            if cmd == "suggest" && os == "Is a directory" {
                // suggest reads a folder's documents: an empty one has none to draft from.
                let result = harmonise(&[cmd, file]);
                assert_eq!(code(&result), 2, "{}", stderr(&result));
                assert!(
                    stderr(&result).contains("no readable document to draft from"),
                    "{}",
                    stderr(&result)
                );
                continue;
            }
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
    use harmonise::pipeline::{Input, Known, Outcome, RunOptions, process};
    let tmp = tempfile::tempdir().unwrap();
    let set = harmonise::mapping::MappingSet::load(&test_mappings(&tmp.path().join("m"))).unwrap();
    let opts = RunOptions {
        input: tmp.path().to_path_buf(),
        out: tmp.path().join("out"),
        jobs: 1,
        limits: harmonise::read::Limits::default(),
        today: TODAY.parse().unwrap(),
        now: jiff::Timestamp::UNIX_EPOCH,
        full: true,
        shareable: false,
        csv_bom: true,
        volumes: None,
        isolate: None,
        max_drop: harmonise::pipeline::DEFAULT_MAX_DROP,
    };
    let gone = tmp.path().join("gone.xlsx");
    write_form(&gone, "Testshire", "Ada");
    let input = Input::new(gone.clone(), "gone.xlsx".into(), None, None);
    std::fs::remove_file(&gone).unwrap();
    let Outcome::Done { row, .. } = process(&input, &set, &opts, Known::default(), None) else {
        panic!("a document nothing was known of is never unchanged");
    };
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

/// A value planted in damaged files: it must appear in no output, log line or reason.
const PLANT: &str = "Zyxwvut";

/// The parts of a valid xlsx form.
fn xlsx_parts(dir: &Path) -> Vec<(String, Vec<u8>)> {
    use std::io::Read;
    let path = dir.join("valid.xlsx");
    write_form(&path, "Testshire", "Amelia");
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let parts = (0..archive.len())
        .map(|i| {
            let mut entry = archive.by_index(i).unwrap();
            let mut body = Vec::new();
            entry.read_to_end(&mut body).unwrap();
            (entry.name().unwrap().to_string(), body)
        })
        .collect();
    std::fs::remove_file(&path).unwrap();
    parts
}

/// `parts` with `name`'s body replaced (and, with `alias`, a second copy under that name).
fn with_part(parts: &[(String, Vec<u8>)], name: &str, body: &str, alias: Option<&str>) -> Vec<u8> {
    let mut out: Vec<(&str, Vec<u8>)> = parts
        .iter()
        .map(|(n, b)| {
            let b = if n == name && alias.is_none() {
                body.as_bytes().to_vec()
            } else {
                b.clone()
            };
            (n.as_str(), b)
        })
        .collect();
    if let Some(a) = alias {
        out.push((a, body.as_bytes().to_vec()));
    }
    zip_parts(&out, alias.map(|a| (a, name)))
}

/// An ODS file whose content.xml holds `table`.
fn ods(table: &str) -> Vec<u8> {
    let parts = ods_parts(table);
    let parts: Vec<(&str, Vec<u8>)> = parts.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    zip_parts(&parts, None)
}

fn ods_parts(table: &str) -> Vec<(String, Vec<u8>)> {
    let ns = r#"xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0""#;
    vec![
        ("mimetype".into(), b"application/vnd.oasis.opendocument.spreadsheet".to_vec()),
        (
            "META-INF/manifest.xml".into(),
            br#"<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>"#.to_vec(),
        ),
        (
            "content.xml".into(),
            format!(r#"<?xml version="1.0"?><office:document-content {ns}><office:body><office:spreadsheet>{table}</office:spreadsheet></office:body></office:document-content>"#)
                .into_bytes(),
        ),
    ]
}

/// A PDF of these object bodies (object 1 is the catalog), with a correct cross-reference table.
fn pdf(objects: &[&str]) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n{body}\nendobj\n", i + 1).bytes());
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).bytes());
    for o in offsets {
        out.extend(format!("{o:010} 00000 n \n").bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .bytes(),
    );
    out
}

/// Every file of every output folder, and stdout and stderr at the most verbose level, must be free of `PLANT`.
fn assert_unplanted(out: &Path, result: &std::process::Output) {
    for entry in walkdir::WalkDir::new(out)
        .into_iter()
        .filter_map(Result::ok)
    {
        if entry.file_type().is_file() {
            let bytes = std::fs::read(entry.path()).unwrap();
            assert!(
                !bytes.windows(PLANT.len()).any(|w| w == PLANT.as_bytes()),
                "{PLANT} leaked into {}",
                entry.path().display()
            );
        }
    }
    for (what, text) in [("stdout", &result.stdout), ("stderr", &result.stderr)] {
        let text = String::from_utf8_lossy(text);
        assert!(!text.contains(PLANT), "{PLANT} leaked into {what}:\n{text}");
    }
}

#[test]
fn damaged_files_of_every_format_leave_no_document_text_in_any_output() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let xlsx = xlsx_parts(tmp.path());
    let broken_sheet = format!(
        r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Amelia <{PLANT} </t></is></c></row></sheetData></worksheet>"#
    );
    let bad_type = format!(
        r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="{PLANT}"><v>1</v></c></row></sheetData></worksheet>"#
    );
    let files: Vec<(&str, Vec<u8>)> = vec![
        (
            "broken-tag.xml",
            format!("<Form><Child><ChildFirstName>Amelia <{PLANT} </ChildFirstName></Child></Form>")
                .into_bytes(),
        ),
        (
            "unclosed.xml",
            format!("<Form><Child><ChildFirstName>Amelia <{PLANT}>").into_bytes(),
        ),
        ("entity.xml", format!("<Form><Child>&{PLANT};</Child></Form>").into_bytes()),
        ("broken-sheet.xlsx", with_part(&xlsx, "xl/worksheets/sheet1.xml", &broken_sheet, None)),
        ("bad-cell-type.xlsx", with_part(&xlsx, "xl/worksheets/sheet1.xml", &bad_type, None)),
        (
            "broken-body.docx",
            zip_parts(
                &docx_parts(&format!("<w:p><w:r><w:t>Amelia <{PLANT} </w:t></w:r></w:p>"))
                    .iter()
                    .map(|(n, b)| (n.as_str(), b.clone()))
                    .collect::<Vec<_>>(),
                None,
            ),
        ),
        (
            "broken-header.docx",
            zip_parts(
                &[
                    docx_parts("<w:p/>")
                        .iter()
                        .map(|(n, b)| (n.as_str(), b.clone()))
                        .collect::<Vec<_>>(),
                    vec![(
                        &*Box::leak(format!("word/header{PLANT}.xml").into_boxed_str()),
                        b"<w:hdr><broken".to_vec(),
                    )],
                ]
                .concat(),
                None,
            ),
        ),
        (
            "broken-content.ods",
            ods(&format!(
                r#"<table:table table:name="S"><table:table-row><table:table-cell office:value-type="string"><text:p>Amelia <{PLANT} </text:p></table:table-cell></table:table-row></table:table>"#
                )),
        ),
        (
            "bad-value.ods",
            ods(&format!(
                r#"<table:table table:name="S"><table:table-row><table:table-cell office:value-type="float" office:value="{PLANT}"/><x>{PLANT}</x></table:table-row></table:table>"#
                )),
        ),
        (
            "truncated-content.ods",
            ods(&format!(
                r#"<table:table table:name="S"><table:table-row><table:table-cell office:value-type="string"><text:p>Amelia <{PLANT}"#
                )),
        ),
        (
            "stray-element.ods",
            ods(&format!(
                r#"<table:table table:name="S"><table:table-row><text:p>{PLANT}</text:p></table:table-row></table:table>"#
                )),
        ),
        ("broken-entry.xlsx", {
            // The sheet's stored bytes changed after zipping: its checksum no longer matches.
            let sheet = broken_sheet.replace(&format!("Amelia <{PLANT} "), "Amelia QQQQQQQ");
            let mut z = with_part(&xlsx, "xl/worksheets/sheet1.xml", &sheet, None);
            let at = z.windows(7).position(|w| w == b"QQQQQQQ").unwrap();
            z[at..at + 7].copy_from_slice(PLANT.as_bytes());
            z
        }),
        (
            "broken-object.pdf",
            pdf(&[
                "<< /Type /Catalog /Pages 2 0 R >>",
                "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
                &format!("<< /Length 9999 >>\nstream\nBT ({PLANT}) Tj ] {PLANT} <{PLANT}> ET\nendstream"),
                &format!("<< /{PLANT} ({PLANT} [ /{PLANT}"),
            ]),
        ),
        (
            "broken-trailer.pdf",
            format!("%PDF-1.4\n1 0 obj\n<< /{PLANT} ({PLANT}) >>\nendobj\ntrailer\n<< /Root ({PLANT}) >>\nstartxref\n{PLANT}\n%%EOF\n")
                .into_bytes(),
        ),
        (
            "broken-entry.zip",
            {
                let mut z = zip_parts(&[(&*format!("{PLANT}.txt"), vec![b'x'; 64])], None);
                // Damage the central directory's record of the entry, past the name the local header holds.
                let dir = z.windows(4).rposition(|w| w == b"PK\x01\x02").unwrap();
                z[dir + 10] = 0x63;
                z
            },
        ),
    ];
    for (name, bytes) in &files {
        std::fs::write(input.join(name), bytes).unwrap();
    }
    let out = tmp.path().join("out");
    let mappings = test_mappings(&tmp.path().join("mappings"));
    let result = run_with(&input, &out, &mappings, &["-vv"]);
    assert_eq!(code(&result), 3, "{}", stderr(&result));
    let rows = manifest_rows(&out);
    assert_eq!(rows.len(), files.len(), "{rows:?}");
    let summary: Vec<String> = rows
        .iter()
        .map(|(p, r)| format!("{p}: {} ({})", r["status"], r["reason"]))
        .collect();
    eprintln!("{}", summary.join("\n"));
    for (name, _) in &files {
        let status = rows[*name]["status"].as_str().unwrap();
        assert!(
            ["corrupt", "unsupported_format", "unrecognised"].contains(&status),
            "{name}: {status}\n{}",
            summary.join("\n")
        );
    }
    // The damage itself is named: the form's path and the byte, not the text.
    assert_eq!(
        rows["broken-tag.xml"]["reason"],
        "malformed XML: a malformed attribute in a start tag ending at byte 62, inside /Form/Child/ChildFirstName"
    );
    assert_unplanted(&out, &result);
}

#[test]
fn a_part_named_twice_makes_a_container_corrupt() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let xlsx = xlsx_parts(tmp.path());
    let sheet = r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>"#;
    let docx = docx_parts("<w:p/>");
    let ods = ods_parts(r#"<table:table table:name="S"/>"#);
    let files = [
        (
            "twice.xlsx",
            with_part(
                &xlsx,
                "xl/worksheets/sheet1.xml",
                sheet,
                Some("xl/worksheets/sheetX.xml"),
            ),
        ),
        (
            "twice.docx",
            with_part(
                &docx,
                "word/document.xml",
                "<w:document/>",
                Some("word/documenX.xml"),
            ),
        ),
        (
            "twice.ods",
            with_part(&ods, "content.xml", "<x/>", Some("contenX.xml")),
        ),
    ];
    for (name, bytes) in &files {
        std::fs::write(input.join(name), bytes).unwrap();
    }
    let out = tmp.path().join("out");
    let result = run_with(
        &input,
        &out,
        &test_mappings(&tmp.path().join("m")),
        &["--quiet"],
    );
    assert_eq!(code(&result), 3, "{}", stderr(&result));
    let rows = manifest_rows(&out);
    for (name, _) in &files {
        assert_eq!(
            rows[*name]["status"], "corrupt",
            "{name}: {:?}",
            rows[*name]
        );
        assert_eq!(
            rows[*name]["reason"],
            "damaged zip container: two parts have the same name (which copy is the document is ambiguous)",
            "{name}"
        );
    }
}

#[test]
fn an_ods_of_repeated_sheets_is_bounded_over_the_whole_document() {
    // Ten sheets, each one row of 1,000 values repeated 990 times: under a million cells a sheet, ten million
    // together (about 3 GiB and 18 s when each sheet was bounded alone). A few hundred bytes compressed.
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let sheets: String = (0..10)
        .map(|i| {
            format!(
                r#"<table:table table:name="S{i}"><table:table-row table:number-rows-repeated="990"><table:table-cell table:number-columns-repeated="1000" office:value-type="float" office:value="1"/></table:table-row></table:table>"#
            )
        })
        .collect();
    let parts = ods_parts(&sheets);
    let parts: Vec<(&str, Vec<u8>)> = parts.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    std::fs::write(input.join("sheets.ods"), zip_parts(&parts, None)).unwrap();
    let out = tmp.path().join("out");
    let started = std::time::Instant::now();
    let result = run_with(
        &input,
        &out,
        &test_mappings(&tmp.path().join("m")),
        &["--quiet"],
    );
    assert_eq!(code(&result), 3, "{}", stderr(&result));
    let row = &manifest_rows(&out)["sheets.ods"];
    assert_eq!(row["status"], "too_large", "{row:?}");
    let reason = row["reason"].as_str().unwrap();
    assert!(
        reason.contains("over the whole document") && reason.contains("limit max_cells"),
        "{reason}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "refused before calamine expands it"
    );
}

/// Runs the binary with its output to files and returns (exit code, peak RSS in bytes) from `wait4`, which
/// measures that one child (getrusage's RUSAGE_CHILDREN would mix in every test's children).
#[cfg(target_os = "linux")]
#[expect(
    clippy::zombie_processes,
    reason = "the child is reaped by wait4, not Child::wait"
)]
fn run_measured(args: &[&str], log: &Path) -> (Option<i32>, u64) {
    let stderr = std::fs::File::create(log).unwrap();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_harmonise"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value; wait4 writes into both out-parameters.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4: {}", std::io::Error::last_os_error());
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    // ru_maxrss is in KiB on Linux.
    (code, u64::try_from(usage.ru_maxrss).unwrap() * 1024)
}

/// Reliability round 2: one file of every hostile class (`examples/gen_hostile_fixtures.rs`) beside the fixtures.
/// The night completes (exit 3, not 1), every input has a row, every report is written, memory stays under
/// 1 GiB, no planted value reaches an output or the log, and no CSV or xlsx cell starts a formula.
#[cfg(target_os = "linux")]
#[test]
fn hostile_round_2_files_cost_a_row_each_and_the_night_completes_under_1_gib() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    copy_tree(&root().join("fixtures/forms"), &input.join("forms"));
    copy_tree(
        &root().join("fixtures/hostile-round2"),
        &input.join("hostile"),
    );
    let out = tmp.path().join("out");
    let log = tmp.path().join("stderr.log");
    let (code, rss) = run_measured(
        &[
            "run",
            "--input",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--today",
            TODAY,
        ],
        &log,
    );
    let log = std::fs::read_to_string(&log).unwrap();
    assert_eq!(code, Some(3), "stderr: {log}");
    assert!(rss < 1 << 30, "peak RSS {} MiB", rss >> 20);

    let rows = manifest_rows(&out);
    assert_eq!(rows.len(), count_files(&input), "one row per input");
    let status = |p: &str| {
        rows.get(&format!("hostile/{p}"))
            .unwrap_or_else(|| panic!("hostile/{p} has no row"))["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(status("many-sheets.ods"), "too_large");
    assert_eq!(status("duplicate-part.xlsx"), "corrupt");
    assert_eq!(status("damaged-planted.xml"), "corrupt");
    for f in ["xml", "pdf", "docx", "xlsx"] {
        for i in 1..=2 {
            let s = status(&format!("long-key-{i}.{f}"));
            assert!(s == "ok" || s == "partial", "long-key-{i}.{f}: {s}");
        }
    }
    for f in ["report.html", "report.xlsx", "report.json", "records.csv"] {
        assert!(out.join(f).is_file(), "{f} written");
    }

    // A planted value never reaches a reason, a report or the log.
    let mut texts = vec![
        ("stderr", log),
        (
            "manifest.json",
            std::fs::read_to_string(out.join("manifest.json")).unwrap(),
        ),
        (
            "report.json",
            std::fs::read_to_string(out.join("report.json")).unwrap(),
        ),
        (
            "report.html",
            std::fs::read_to_string(out.join("report.html")).unwrap(),
        ),
    ];
    let xlsx = xlsx_cells(&out.join("report.xlsx"));
    texts.push(("report.xlsx", xlsx.join("\n")));
    for (name, text) in &texts {
        for planted in ["Zyxwvut", "Qwertyplant"] {
            assert!(
                !text.contains(planted),
                "{name} holds the planted {planted:?}"
            );
        }
    }

    // No cell of a CSV or xlsx the tool writes starts a formula (OWASP's list).
    let formula = |cell: &str| cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let mut csv = csv::Reader::from_path(out.join("records.csv")).unwrap();
    for row in csv.records() {
        for cell in row.unwrap().iter() {
            assert!(
                !formula(cell) || cell.parse::<f64>().is_ok(),
                "records.csv cell {cell:?}"
            );
        }
    }
    for cell in &xlsx {
        assert!(!formula(cell), "report.xlsx cell {cell:?}");
    }
    // Every report string is bounded below Excel's cell limit.
    assert!(xlsx.iter().all(|c| c.chars().count() <= 32_767));
}

/// Every non-empty cell of every sheet of a workbook, as text.
fn xlsx_cells(path: &Path) -> Vec<String> {
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto(path).unwrap();
    let mut cells = Vec::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).unwrap();
        cells.extend(
            range
                .used_cells()
                .map(|(_, _, c)| c.to_string())
                .filter(|c| !c.is_empty()),
        );
    }
    cells
}

/// The drift check counts what each rule read, not what its provenance text says: a sheet named
/// "Child, details" (whose provenance holds ", ") reports no answer as unread.
#[test]
fn a_sheet_name_with_a_comma_gives_no_false_drift() {
    let tmp = tempfile::tempdir().unwrap();
    let mapping = mapping_text("990", "Testshire")
        .replace("Request!", "'Child, details'!")
        .replace("sheet = \"Request\"", "sheet = \"Child, details\"");
    let mappings = mappings_with(&tmp.path().join("mappings"), &[("990-testshire", mapping)]);
    let input = tmp.path().join("in");
    for (i, forename) in ["Amy", "Ben"].iter().enumerate() {
        let path = input.join(format!("t{i}.xlsx"));
        write_form(&path, "Testshire", forename);
        // The same form with its sheet renamed: rewrite the workbook part.
        let bytes = std::fs::read(&path).unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for j in 0..archive.len() {
            use std::io::{Read, Write};
            let mut entry = archive.by_index(j).unwrap();
            let name = entry.name().unwrap().to_string();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            if name == "xl/workbook.xml" {
                data = String::from_utf8(data)
                    .unwrap()
                    .replace("name=\"Request\"", "name=\"Child, details\"")
                    .into_bytes();
            }
            out.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            out.write_all(&data).unwrap();
        }
        std::fs::write(&path, out.finish().unwrap().into_inner()).unwrap();
    }
    let out = tmp.path().join("out");
    let result = run_with(&input, &out, &mappings, &[]);
    assert_eq!(code(&result), 0, "{}", stderr(&result));
    let report: Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    let form = &report["forms"][0];
    assert_eq!(form["mapping"], "990-testshire");
    assert_eq!(form["documents"]["ok"], 2, "{form:#}");
    let unconsumed: Vec<&str> = form["drift"]["unconsumed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["key"].as_str().unwrap())
        .collect();
    assert!(
        unconsumed.iter().all(|k| !k.ends_with("!B2")),
        "the forename cell is read by a rule: {unconsumed:?}"
    );
}

#[test]
fn inspect_shows_each_pdf_widgets_page_box_and_printed_label() {
    let result = harmonise(&["inspect", "fixtures/forms/hollowmere/filled-01.pdf"]);
    assert_eq!(code(&result), 0, "{}", stderr(&result));
    let out = String::from_utf8(result.stdout).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    let after = |key: &str| -> Vec<&str> {
        let at = lines
            .iter()
            .position(|l| l.starts_with(&format!("{key}\t")))
            .unwrap_or_else(|| panic!("no {key} in\n{out}"));
        lines[at + 1..]
            .iter()
            .take_while(|l| l.starts_with("\twidget "))
            .copied()
            .collect()
    };
    // Printed left of the box, two label-box pairs on one line.
    assert_eq!(
        after("Text2"),
        ["\twidget p1 x=345..525 y=105..119\tprinted \"Forename\""]
    );
    // Printed above the box.
    assert_eq!(
        after("Text3"),
        ["\twidget p1 x=50..170 y=143..157\tprinted \"Date of birth (dd/mm/yyyy)\""]
    );
    // A radio group: one widget per option, each with its export value and its own label.
    assert_eq!(
        after("Group1"),
        [
            "\twidget p1 x=260..270 y=313..323 on=Choice1\tprinted \"Yes\"",
            "\twidget p1 x=320..330 y=313..323 on=Choice2\tprinted \"No\""
        ]
    );
    // A table's second row: nothing beside it, its header too far above.
    assert_eq!(
        after("Text21"),
        ["\twidget p1 x=50..270 y=623..637\tprinted -"]
    );
}
