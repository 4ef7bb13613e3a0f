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

/// Runs the binary with its output to files and returns (exit code, peak RSS in bytes) from `wait4`, which
/// measures that one child (getrusage's RUSAGE_CHILDREN would mix in every test's children).
#[cfg(target_os = "linux")]
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
