//! Nightly operation through the real binary: incremental runs (skip, carry forward, re-read what changed),
//! atomic outputs under SIGKILL, the output-folder lock, hostile inputs, `--isolate` with crashing and hanging
//! workers, `--shareable`, and the progress and summary lines. These tests make their own forms and mappings, so
//! they do not depend on the bundled fixtures.
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::util::*;

struct Setup {
    _tmp: tempfile::TempDir,
    input: PathBuf,
    out: PathBuf,
    mappings: PathBuf,
}

/// Three Testshire forms, two Otherford forms and one form no mapping recognises.
fn setup() -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    for i in 1..=3 {
        write_form(
            &input.join(format!("testshire/t{i}.xlsx")),
            "Testshire",
            "Amy",
        );
    }
    for i in 1..=2 {
        write_form(
            &input.join(format!("otherford/o{i}.xlsx")),
            "Otherford",
            "Ben",
        );
    }
    write_form(&input.join("other/u1.xlsx"), "Nowhere", "Cat");
    let mappings = test_mappings(&tmp.path().join("mappings"));
    Setup {
        out: tmp.path().join("out"),
        input,
        mappings,
        _tmp: tmp,
    }
}

impl Setup {
    fn run(&self, extra: &[&str]) -> std::process::Output {
        let mut args = vec!["--quiet"];
        args.extend_from_slice(extra);
        run_with(&self.input, &self.out, &self.mappings, &args)
    }
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// An output of `out` with the run id of the reports blanked: it is the one thing two runs' reports differ in
/// (as `elapsed_ms` is in manifests).
fn without_run_id(out: &Path, file: &str) -> Vec<u8> {
    let report: serde_json::Value =
        serde_json::from_slice(&read(&out.join("report.json"))).unwrap();
    let id = report["run_id"].as_str().unwrap();
    assert!(!id.is_empty());
    String::from_utf8(read(&out.join(file)))
        .unwrap()
        .replace(id, "")
        .into_bytes()
}

/// A report without its changes since the previous run (report.json's `changes`, report.html's changes
/// section): what an incremental run and a full run into a new folder differ in, besides the run id.
fn without_changes(out: &Path, file: &str) -> Vec<u8> {
    let bytes = without_run_id(out, file);
    if file != "report.html" && file != "report.json" {
        return bytes;
    }
    if file == "report.json" {
        let mut report: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        report["changes"] = serde_json::Value::Null;
        return serde_json::to_vec(&report).unwrap();
    }
    let text = String::from_utf8(bytes).unwrap();
    let start = text
        .find("<section id=\"changes\">")
        .expect("a changes section");
    let end = start + text[start..].find("</section>").unwrap();
    format!("{}{}", &text[..start], &text[end..]).into_bytes()
}

#[test]
fn an_unchanged_rerun_skips_everything_and_writes_identical_records() {
    let s = setup();
    let first = s.run(&[]);
    assert_eq!(code(&first), 3, "one unrecognised form: {}", stderr(&first));
    let before = statuses(&s.out);
    assert_eq!(before["testshire/t1.xlsx"], "ok");
    assert_eq!(before["other/u1.xlsx"], "unrecognised");
    let (jsonl, csv) = (
        read(&s.out.join("records.jsonl")),
        read(&s.out.join("records.csv")),
    );

    let second = s.run(&[]);
    assert_eq!(
        code(&second),
        3,
        "skipped documents keep their outcome, so still exit 3"
    );
    let rows = manifest_rows(&s.out);
    assert_eq!(rows.len(), 6);
    for (path, row) in &rows {
        assert_eq!(row["status"], "skipped_unchanged", "{path}");
        assert_eq!(row["previous_status"], before[path].as_str(), "{path}");
    }
    assert_eq!(manifest(&s.out)["outcome_counts"]["ok"], 5);
    assert_eq!(
        read(&s.out.join("records.jsonl")),
        jsonl,
        "records.jsonl identical"
    );
    assert_eq!(
        read(&s.out.join("records.csv")),
        csv,
        "records.csv identical"
    );

    // Without the unrecognised form, an all-skipped night of harmonised forms exits 0.
    std::fs::remove_file(s.input.join("other/u1.xlsx")).unwrap();
    assert_eq!(code(&s.run(&[])), 0);

    // --full reads everything again.
    assert_eq!(code(&s.run(&["--full"])), 0);
    assert!(statuses(&s.out).values().all(|st| st == "ok"));
    assert_eq!(read(&s.out.join("records.csv")), {
        let mut lines: Vec<&[u8]> = csv.split(|b| *b == b'\n').collect();
        lines.retain(|l| !l.starts_with(b"other/u1.xlsx"));
        lines.join(&b'\n')
    });
}

#[test]
fn only_a_changed_document_is_read_again() {
    let s = setup();
    s.run(&[]);
    // New content, and a touch without a change of content (caught by the hash, not re-harmonised).
    write_form(&s.input.join("testshire/t2.xlsx"), "Testshire", "Zoe");
    let t3 = s.input.join("testshire/t3.xlsx");
    let bytes = read(&t3);
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(&t3, &bytes).unwrap();
    s.run(&[]);
    let st = statuses(&s.out);
    assert_eq!(st["testshire/t2.xlsx"], "ok", "changed: read again");
    for p in [
        "testshire/t1.xlsx",
        "testshire/t3.xlsx",
        "otherford/o1.xlsx",
        "other/u1.xlsx",
    ] {
        assert_eq!(st[p], "skipped_unchanged", "{p}");
    }
    let recs = records(&s.out);
    assert_eq!(recs.len(), 5, "every record still there");
    assert_eq!(
        recs["testshire/t2.xlsx"]["fields"]["child.forename"]["value"],
        "Zoe"
    );
    assert_eq!(
        recs["testshire/t1.xlsx"]["fields"]["child.forename"]["value"],
        "Amy"
    );
}

#[test]
fn a_changed_mapping_re_harmonises_only_its_documents_and_retries_unrecognised_ones() {
    let s = setup();
    s.run(&[]);
    let path = s.mappings.join("991-otherford.toml");
    let text = std::fs::read_to_string(&path).unwrap() + "# edited\n";
    std::fs::write(&path, text).unwrap();
    s.run(&[]);
    let st = statuses(&s.out);
    assert_eq!(st["otherford/o1.xlsx"], "ok");
    assert_eq!(st["otherford/o2.xlsx"], "ok");
    assert_eq!(
        st["other/u1.xlsx"], "unrecognised",
        "retried: a mapping changed"
    );
    for i in 1..=3 {
        assert_eq!(st[&format!("testshire/t{i}.xlsx")], "skipped_unchanged");
    }
    assert_eq!(records(&s.out).len(), 5);
}

#[test]
fn a_deleted_document_disappears_from_every_output() {
    let s = setup();
    s.run(&["--shareable"]);
    std::fs::remove_file(s.input.join("testshire/t1.xlsx")).unwrap();
    s.run(&["--shareable"]);
    assert!(!manifest_rows(&s.out).contains_key("testshire/t1.xlsx"));
    assert!(!records(&s.out).contains_key("testshire/t1.xlsx"));
    let csv = String::from_utf8(read(&s.out.join("records.csv"))).unwrap();
    assert!(!csv.contains("testshire/t1.xlsx"));
    assert_eq!(csv.lines().count(), 1 + 4);
    let shareable = String::from_utf8(read(&s.out.join("records.shareable.csv"))).unwrap();
    assert_eq!(shareable.lines().count(), 1 + 4);
    assert_eq!(manifest(&s.out)["inputs"], 5);
}

#[test]
fn the_shareable_csv_degrades_personal_data() {
    let s = setup();
    s.run(&["--shareable"]);
    let mut reader = csv::Reader::from_path(s.out.join("records.shareable.csv")).unwrap();
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    for dropped in [
        "file",
        "child.forename",
        "child.surname",
        "child.upn",
        "parents.name",
        "views.child",
    ] {
        assert!(!header.contains(&dropped.to_string()), "{dropped} dropped");
    }
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 5);
    for r in &rows {
        assert_eq!(&r[col("child.date_of_birth")], "2015-03");
        assert_eq!(&r[col("child.postcode")], "SW1A");
        assert_eq!(&r[col("setting.urn")], "100000");
        assert_eq!(r[col("document")].len(), 16);
    }
    let text = String::from_utf8(read(&s.out.join("records.shareable.csv"))).unwrap();
    for secret in ["Amy", "Ben", "Example", "1AA", "t1.xlsx"] {
        assert!(!text.contains(secret), "{secret} must not appear");
    }
    // A run without --shareable removes the stale copy.
    s.run(&[]);
    assert!(!s.out.join("records.shareable.csv").exists());
}

#[cfg(unix)]
#[test]
fn state_and_lock_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let s = setup();
    s.run(&["--shareable"]);
    for f in [
        ".harmonise-state",
        ".harmonise.lock",
        "records.shareable.csv",
    ] {
        let mode = std::fs::metadata(s.out.join(f))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "{f}");
    }
}

#[test]
fn a_second_run_on_a_locked_output_folder_exits_2() {
    let s = setup();
    std::fs::create_dir_all(&s.out).unwrap();
    let lock = std::fs::File::create(s.out.join(".harmonise.lock")).unwrap();
    lock.try_lock().unwrap();
    let blocked = run_with(&s.input, &s.out, &s.mappings, &[]);
    assert_eq!(code(&blocked), 2);
    let err = stderr(&blocked);
    assert!(err.contains("another harmonise run is writing to"), "{err}");
    assert!(err.contains(".harmonise.lock"), "{err}");
    assert!(!s.out.join("manifest.json").exists(), "nothing written");
    drop(lock);
    assert_eq!(
        code(&run_with(&s.input, &s.out, &s.mappings, &["--quiet"])),
        3
    );
}

#[test]
fn a_killed_run_leaves_the_previous_outputs_intact_and_the_next_run_completes() {
    let s = setup();
    assert_eq!(code(&s.run(&[])), 3);
    let saved: Vec<(String, Vec<u8>)> = [
        "records.jsonl",
        "records.csv",
        "manifest.json",
        ".harmonise-state",
    ]
    .iter()
    .map(|f| (f.to_string(), read(&s.out.join(f))))
    .collect();
    // A few thousand more documents, so the run is still going when it is killed.
    let one = read(&s.input.join("testshire/t1.xlsx"));
    for i in 0..3000 {
        let dir = s.input.join(format!("bulk/{:02}", i % 30));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("form-{i:05}.xlsx")), &one).unwrap();
    }
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_harmonise"))
        .args([
            "run",
            "--quiet",
            "--jobs",
            "1",
            "--today",
            "2026-11-28",
            "--input",
        ])
        .arg(&s.input)
        .arg("--out")
        .arg(&s.out)
        .arg("--mappings")
        .arg(&s.mappings)
        .spawn()
        .unwrap();
    let temps = |out: &Path| -> usize {
        std::fs::read_dir(out)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with(".harmonise-tmp-")
            })
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while temps(&s.out) == 0 {
        assert!(Instant::now() < deadline, "no temporary file appeared");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(200));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(temps(&s.out) > 0, "the killed run left its temporary files");
    for (f, bytes) in &saved {
        assert_eq!(&read(&s.out.join(f)), bytes, "{f} is the previous run's");
    }
    assert_eq!(
        manifest(&s.out)["inputs"],
        6,
        "the previous manifest parses"
    );
    assert_eq!(records(&s.out).len(), 5, "the previous records parse");

    let next = s.run(&[]);
    assert_eq!(code(&next), 3, "{}", stderr(&next));
    assert_eq!(temps(&s.out), 0, "stale temporary files cleaned up");
    let rows = manifest_rows(&s.out);
    assert_eq!(rows.len(), 3006);
    assert_eq!(rows["testshire/t1.xlsx"]["status"], "skipped_unchanged");
    assert_eq!(rows["bulk/00/form-00000.xlsx"]["status"], "ok");
    assert_eq!(records(&s.out).len(), 3005);
}

#[cfg(unix)]
#[test]
fn a_hostile_folder_gives_every_file_a_row_and_no_crash() {
    use std::io::Write;
    use std::os::unix::ffi::OsStrExt;
    let s = setup();
    let bad = s.input.join("bad");
    std::fs::create_dir_all(&bad).unwrap();
    // A zip bomb: 32 MiB of zeros as the workbook part, compressed about a thousand to one.
    {
        let f = std::fs::File::create(bad.join("bomb.xlsx")).unwrap();
        let mut zip = zip::ZipWriter::new(f);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("xl/workbook.xml", opts).unwrap();
        let block = vec![0u8; 1 << 20];
        for _ in 0..32 {
            zip.write_all(&block).unwrap();
        }
        zip.finish().unwrap();
    }
    std::fs::write(bad.join("zero.xlsx"), b"").unwrap();
    let locked = bad.join("locked.xlsx");
    std::fs::copy(s.input.join("testshire/t1.xlsx"), &locked).unwrap();
    std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    let root_reads_anyway = std::fs::read(&locked).is_ok();
    std::os::unix::fs::symlink("loop-b", bad.join("loop-a")).unwrap();
    std::os::unix::fs::symlink("loop-a", bad.join("loop-b")).unwrap();
    std::os::unix::fs::symlink(".", bad.join("dir-loop")).unwrap();
    let odd = std::ffi::OsStr::from_bytes(b"caf\xe9.xlsx");
    std::fs::copy(s.input.join("testshire/t2.xlsx"), bad.join(odd)).unwrap();
    std::fs::File::create(bad.join("sparse.xlsx"))
        .unwrap()
        .set_len(2 << 30)
        .unwrap();
    let fifo = bad.join("pipe.xlsx");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );

    let result = s.run(&["--max-unzipped-mib", "16"]);
    assert_eq!(code(&result), 3, "{}", stderr(&result));
    let m = manifest(&s.out);
    let rows = manifest_rows(&s.out);
    assert_eq!(m["inputs"].as_u64().unwrap() as usize, rows.len());
    let row = |p: &str| {
        rows.get(p)
            .unwrap_or_else(|| panic!("{p} has no row: {:?}", rows.keys()))
    };
    let status = |p: &str| row(p)["status"].as_str().unwrap().to_string();
    let reason = |p: &str| row(p)["reason"].as_str().unwrap_or("").to_string();

    assert_eq!(status("bad/bomb.xlsx"), "too_large");
    assert!(
        reason("bad/bomb.xlsx").contains("max_unzipped_bytes"),
        "{}",
        reason("bad/bomb.xlsx")
    );
    assert_eq!(status("bad/zero.xlsx"), "corrupt");
    assert_eq!(reason("bad/zero.xlsx"), "file is empty (0 bytes)");
    if root_reads_anyway {
        // As root, mode 000 does not stop reads: the file is simply harmonised.
        assert_eq!(status("bad/locked.xlsx"), "ok");
    } else {
        assert_eq!(status("bad/locked.xlsx"), "unreadable");
        assert!(reason("bad/locked.xlsx").contains("permission denied"));
    }
    for l in ["bad/loop-a", "bad/loop-b"] {
        assert_eq!(status(l), "unreadable", "{l}");
    }
    assert_eq!(status("bad/dir-loop"), "unreadable");
    assert_eq!(reason("bad/dir-loop"), "cannot open: symbolic link loop");
    let odd_row = rows
        .values()
        .find(|r| r["path_bytes_hex"].as_str().is_some())
        .expect("the non-UTF-8 name has a row");
    assert_eq!(odd_row["path"], "bad/caf\u{fffd}.xlsx");
    assert_eq!(odd_row["path_bytes_hex"], "6261642f636166e92e786c7378");
    assert_eq!(odd_row["status"], "ok");
    assert_eq!(status("bad/sparse.xlsx"), "too_large");
    assert!(reason("bad/sparse.xlsx").contains("max_file_bytes"));
    assert_eq!(status("bad/pipe.xlsx"), "unreadable");
    assert_eq!(reason("bad/pipe.xlsx"), "not a regular file (a named pipe)");
    for (p, r) in &rows {
        assert_ne!(r["status"], "failed", "{p}");
    }
    // And the incremental rerun accounts for them all again.
    assert_eq!(code(&s.run(&["--max-unzipped-mib", "16"])), 3);
    assert_eq!(manifest_rows(&s.out).len(), rows.len());
}

/// Debug builds only: the crash and hang hooks are compiled out of release builds.
#[cfg(all(unix, debug_assertions))]
#[test]
fn isolated_workers_survive_a_crash_and_a_hang() {
    let s = setup();
    write_form(&s.input.join("zz/crash.xlsx"), "Testshire", "Dan");
    write_form(&s.input.join("zz/hang.xlsx"), "Testshire", "Eve");
    let started = Instant::now();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_harmonise"))
        .args([
            "run",
            "--isolate",
            "--jobs",
            "2",
            "--timeout-secs",
            "2",
            "--today",
            "2026-11-28",
        ])
        .arg("--input")
        .arg(&s.input)
        .arg("--out")
        .arg(&s.out)
        .arg("--mappings")
        .arg(&s.mappings)
        .env("SOURCE_DATE_EPOCH", CLOCK)
        .env("HARMONISE_TEST_CRASH_ON", "crash.xlsx")
        .env("HARMONISE_TEST_HANG_ON", "hang.xlsx")
        .output()
        .unwrap();
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the hang was cut short"
    );
    let rows = manifest_rows(&s.out);
    assert_eq!(rows.len(), 8);
    assert_eq!(rows["zz/crash.xlsx"]["status"], "failed");
    assert_eq!(
        rows["zz/crash.xlsx"]["reason"],
        "worker process died: signal 6 (abort); worker restarted"
    );
    assert_eq!(rows["zz/hang.xlsx"]["status"], "timeout");
    assert!(
        rows["zz/hang.xlsx"]["reason"]
            .as_str()
            .unwrap()
            .contains("2 s limit")
    );
    for i in 1..=3 {
        assert_eq!(rows[&format!("testshire/t{i}.xlsx")]["status"], "ok");
    }
    assert_eq!(rows["otherford/o2.xlsx"]["status"], "ok");
    assert_eq!(rows["other/u1.xlsx"]["status"], "unrecognised");
    let isolated = read(&s.out.join("records.jsonl"));

    // The same records as in-process, and the next incremental run retries only the failed and timed-out ones.
    let again = s.run(&["--full"]);
    assert_eq!(code(&again), 3);
    let inproc = records(&s.out);
    assert_eq!(
        inproc.len(),
        7,
        "in-process, crash and hang are ordinary forms"
    );
    let iso_text = String::from_utf8(isolated).unwrap();
    for line in iso_text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(&inproc[v["file"].as_str().unwrap()], &v);
    }
}

#[test]
fn plain_progress_and_the_summary_paragraph() {
    let s = setup();
    let out = run_with(&s.input, &s.out, &s.mappings, &["--progress", "plain"]);
    let err = stderr(&out);
    assert!(err.contains("harmonise: 6/6 documents (100%)"), "{err}");
    assert!(
        err.contains(
            "harmonise: 6 document(s): 5 ok, 1 unrecognised. Full run (no previous state)."
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "Top failure reasons: 1 x \"no xlsx mapping's [form.match] fits this document\""
        ),
        "{err}"
    );
    assert!(err.contains("Outputs in "), "{err}");
    assert!(!err.contains("Amy"), "no values in logs");
    let out = run_with(
        &s.input,
        &s.out,
        &s.mappings,
        &["-vv", "--log-format", "json"],
    );
    let err = stderr(&out);
    assert!(
        err.contains("6 skipped_unchanged (5 ok, 1 unrecognised)"),
        "{err}"
    );
    assert!(err.contains(r#""file":"testshire/t1.xlsx""#), "{err}");
    assert!(!err.contains("Amy"), "no values in logs: {err}");
}

/// Debug builds only: the crash and hang hooks are compiled out of release builds.
#[cfg(all(unix, debug_assertions))]
#[test]
fn isolate_over_the_bundled_fixtures_matches_the_in_process_run() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    copy_tree(&root().join("fixtures/forms"), &input);
    let forms = count_files(&input);
    let sample = input.join("northmoor/filled-01.xlsx");
    std::fs::copy(&sample, input.join("crash.xlsx")).unwrap();
    std::fs::copy(&sample, input.join("hang.xlsx")).unwrap();
    let mappings = root().join("mappings");
    let (iso, inproc) = (tmp.path().join("iso"), tmp.path().join("inproc"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_harmonise"))
        .args([
            "run",
            "--quiet",
            "--isolate",
            "--jobs",
            "2",
            "--timeout-secs",
            "2",
        ])
        .args(["--today", "2026-11-28", "--input"])
        .arg(&input)
        .arg("--out")
        .arg(&iso)
        .arg("--mappings")
        .arg(&mappings)
        .env("SOURCE_DATE_EPOCH", CLOCK)
        .env("HARMONISE_TEST_CRASH_ON", "crash.xlsx")
        .env("HARMONISE_TEST_HANG_ON", "hang.xlsx")
        .output()
        .unwrap();
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let rows = manifest_rows(&iso);
    assert_eq!(rows.len(), forms + 2);
    assert_eq!(rows["crash.xlsx"]["status"], "failed");
    assert_eq!(rows["hang.xlsx"]["status"], "timeout");
    for (p, r) in rows.iter().filter(|(p, _)| p.contains('/')) {
        assert!(
            ["ok", "partial", "blank"].contains(&r["status"].as_str().unwrap()),
            "{p}: {r}"
        );
    }
    std::fs::remove_file(input.join("crash.xlsx")).unwrap();
    std::fs::remove_file(input.join("hang.xlsx")).unwrap();
    assert_eq!(code(&run_with(&input, &inproc, &mappings, &["--quiet"])), 0);
    assert_eq!(
        read(&iso.join("records.jsonl")),
        read(&inproc.join("records.jsonl")),
        "the same records, in or out of process"
    );
    // The same report (drift included), in or out of process, but for the two failures the isolated run lists.
    let report = |out: &Path| -> serde_json::Value {
        serde_json::from_slice(&without_run_id(out, "report.json")).unwrap()
    };
    let (mut iso_report, inproc_report) = (report(&iso), report(&inproc));
    let failed: Vec<(&str, &str)> = iso_report["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["status"].as_str().unwrap(),
                g["files"][0]["path"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(failed, [("timeout", "hang.xlsx"), ("failed", "crash.xlsx")]);
    iso_report["failures"] = serde_json::json!([]);
    iso_report["summary"]["failed_documents"] = 0.into();
    // Findings: the same but for the failures one (ranks shift by it).
    let findings = |r: &serde_json::Value| -> Vec<serde_json::Value> {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["kind"] != "failures")
            .map(|f| {
                let mut f = f.clone();
                f["rank"] = 0.into();
                f
            })
            .collect()
    };
    assert_eq!(findings(&iso_report), findings(&inproc_report));
    iso_report["findings"] = inproc_report["findings"].clone();
    assert_eq!(iso_report, inproc_report);
}

#[test]
fn an_unchanged_rerun_of_the_fixtures_writes_the_same_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let (input, mappings) = (root().join("fixtures/forms"), root().join("mappings"));
    assert_eq!(code(&run_with(&input, &out, &mappings, &["--quiet"])), 0);
    let first = read(&out.join("report.json"));
    assert!(
        String::from_utf8_lossy(&first).contains("\"unconsumed\""),
        "the fixtures have unconsumed source fields (the CTF's second SEN need)"
    );
    assert_eq!(code(&run_with(&input, &out, &mappings, &["--quiet"])), 0);
    assert!(statuses(&out).values().all(|s| s == "skipped_unchanged"));
    assert_eq!(
        read(&out.join("report.json")),
        first,
        "skipped documents carry their drift evidence forward"
    );
}

/// The modification time of an output, to tell a file left in place from one rewritten.
fn mtime(path: &Path) -> std::time::SystemTime {
    std::fs::metadata(path).unwrap().modified().unwrap()
}

#[test]
fn an_incremental_run_writes_what_a_full_run_writes_and_an_unchanged_one_rewrites_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (input, out, full) = (
        tmp.path().join("in"),
        tmp.path().join("out"),
        tmp.path().join("full"),
    );
    let mappings = root().join("mappings");
    copy_tree(&root().join("fixtures/forms"), &input);
    assert_eq!(code(&run_with(&input, &out, &mappings, &["--quiet"])), 0);

    // A night's changes in the middle of the input order: one form replaced by another of its LA, one deleted,
    // one added at the end.
    let northmoor = input.join("northmoor");
    std::fs::copy(
        northmoor.join("filled-05.xlsx"),
        northmoor.join("filled-02.xlsx"),
    )
    .unwrap();
    std::fs::remove_file(input.join("halden/filled-01.xml")).unwrap();
    std::fs::copy(
        input.join("westvale/filled-01.xlsx"),
        input.join("westvale/zz-new.xlsx"),
    )
    .unwrap();
    assert_eq!(code(&run_with(&input, &out, &mappings, &["--quiet"])), 0);
    let st = statuses(&out);
    assert_eq!(st["northmoor/filled-01.xlsx"], "skipped_unchanged");
    assert_ne!(
        st["northmoor/filled-02.xlsx"], "skipped_unchanged",
        "changed: read again"
    );
    assert_eq!(st["westvale/zz-new.xlsx"], "ok");
    assert!(!st.contains_key("halden/filled-01.xml"));

    // Byte for byte what a full run of the same folder writes: records, CSV and the audit (whose examples follow
    // the input order, so the records carried before the first change must be audited in their place).
    assert_eq!(code(&run_with(&input, &full, &mappings, &["--quiet"])), 0);
    for file in ["records.jsonl", "records.csv", "report.json", "report.html"] {
        assert!(
            without_changes(&out, file) == without_changes(&full, file),
            "{file} differs"
        );
    }

    // Nothing changed: records and reports are left as they are, and the run after that still carries them.
    let outputs = [
        "records.jsonl",
        "records.csv",
        "report.json",
        "report.html",
        "report.xlsx",
        ".harmonise-state",
    ];
    let before: Vec<_> = outputs.iter().map(|f| mtime(&out.join(f))).collect();
    let state = read(&out.join(".harmonise-state"));
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(code(&run_with(&input, &out, &mappings, &["--quiet"])), 0);
    let after: Vec<_> = outputs.iter().map(|f| mtime(&out.join(f))).collect();
    assert_eq!(before, after, "an unchanged run rewrote an output");
    assert!(
        read(&out.join(".harmonise-state")) == state,
        "nothing changed, so the state says what it said"
    );
    assert!(statuses(&out).values().all(|s| s == "skipped_unchanged"));
    assert!(read(&out.join("records.jsonl")) == read(&full.join("records.jsonl")));

    // A report deleted by hand is rebuilt though no record changed.
    std::fs::remove_file(out.join("report.json")).unwrap();
    assert_eq!(code(&run_with(&input, &out, &mappings, &["--quiet"])), 0);
    assert!(without_changes(&out, "report.json") == without_changes(&full, "report.json"));
    assert_eq!(mtime(&out.join("records.jsonl")), before[0]);

    // A mapping added changes the coverage tables, not one record: the reports are rebuilt, the records kept.
    let more = tmp.path().join("mappings");
    copy_tree(&mappings, &more);
    let added = std::fs::read_to_string(more.join("958-halden.toml"))
        .unwrap()
        .replace("la_code = \"958\"", "la_code = \"962\"")
        .replace("root = \"HaldenEHCRequest\"", "root = \"NoSuchForm\"");
    std::fs::write(more.join("962-halden-copy.toml"), added).unwrap();
    let run = run_with(&input, &out, &more, &["--quiet"]);
    assert_eq!(code(&run), 0, "{}", stderr(&run));
    assert_eq!(mtime(&out.join("records.jsonl")), before[0]);
    let report = String::from_utf8(read(&out.join("report.json"))).unwrap();
    assert!(
        report.contains("962-halden-copy"),
        "the new mapping is in the report"
    );
}

/// Every file of `out`, by name, as bytes (the lock file aside).
fn snapshot(out: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name() != ".harmonise.lock")
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                read(&e.path()),
            )
        })
        .collect()
}

#[test]
fn a_run_that_would_drop_most_documents_is_refused_unless_max_drop_allows_it() {
    let s = setup();
    assert_eq!(code(&s.run(&[])), 3);
    let before = snapshot(&s.out);
    let empty = s.input.parent().unwrap().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    for extra in [&[][..], &["--full"][..]] {
        let refused = run_with(&empty, &s.out, &s.mappings, extra);
        assert_eq!(code(&refused), 2, "{extra:?}: {}", stderr(&refused));
        let err = stderr(&refused);
        assert!(
            err.contains("6 of the previous run's 6 documents are not in the input folder"),
            "{err}"
        );
        assert!(err.contains(empty.to_str().unwrap()), "{err}");
        assert!(err.contains("--max-drop 100"), "{err}");
        assert!(
            snapshot(&s.out) == before,
            "{extra:?}: the output folder changed"
        );
    }

    // Four of six gone is more than half: refused; three of six is not.
    for f in [
        "testshire/t1.xlsx",
        "testshire/t2.xlsx",
        "testshire/t3.xlsx",
    ] {
        std::fs::remove_file(s.input.join(f)).unwrap();
    }
    std::fs::rename(s.input.join("other"), empty.join("other")).unwrap();
    let refused = s.run(&[]);
    assert_eq!(code(&refused), 2);
    assert!(stderr(&refused).contains("4 of the previous run's 6"));
    assert!(snapshot(&s.out) == before);
    std::fs::rename(empty.join("other"), s.input.join("other")).unwrap();
    assert_eq!(code(&s.run(&[])), 3, "half is allowed by default");
    assert_eq!(manifest(&s.out)["inputs"], 3);

    // The analyst says the documents really went.
    let allowed = run_with(
        &empty,
        &s.out,
        &s.mappings,
        &["--quiet", "--max-drop", "100"],
    );
    assert_eq!(code(&allowed), 0, "{}", stderr(&allowed));
    assert_eq!(manifest(&s.out)["inputs"], 0);
    assert!(records(&s.out).is_empty());
    // An empty previous run is never a reason to refuse.
    assert_eq!(code(&s.run(&[])), 3);
}

#[test]
fn report_on_a_locked_output_folder_exits_2() {
    let s = setup();
    assert_eq!(code(&s.run(&[])), 3);
    let before = snapshot(&s.out);
    let lock = std::fs::File::open(s.out.join(".harmonise.lock")).unwrap();
    lock.try_lock().unwrap();
    let args = [
        "report",
        s.out.to_str().unwrap(),
        "--mappings",
        s.mappings.to_str().unwrap(),
    ];
    let blocked = harmonise(&args);
    assert_eq!(code(&blocked), 2, "{}", stderr(&blocked));
    let err = stderr(&blocked);
    assert!(err.contains("another harmonise run is writing to"), "{err}");
    assert!(err.contains(".harmonise.lock"), "{err}");
    assert!(snapshot(&s.out) == before, "nothing rebuilt");
    drop(lock);
    let rebuilt = harmonise(&args);
    assert_eq!(code(&rebuilt), 0, "{}", stderr(&rebuilt));
    assert!(read(&s.out.join("report.json")) != before["report.json"]);
}

/// Checks that every output `manifest.json` lists has the size and blake3 it says, and that each report carries
/// the run id it is listed with; returns the run ids by file.
fn verified_set(out: &Path) -> std::collections::BTreeMap<String, String> {
    let m = manifest(out);
    let mut ids = std::collections::BTreeMap::new();
    for o in m["outputs"].as_array().unwrap() {
        let file = o["file"].as_str().unwrap();
        let bytes = read(&out.join(file));
        assert_eq!(o["size"], bytes.len() as u64, "{file}: size");
        assert_eq!(
            o["blake3"].as_str().unwrap(),
            blake3::hash(&bytes).to_hex().as_str(),
            "{file}: blake3"
        );
        ids.insert(file.to_string(), o["run_id"].as_str().unwrap().to_string());
    }
    for f in [
        "records.jsonl",
        "records.csv",
        "report.json",
        "report.html",
        "report.xlsx",
    ] {
        assert!(ids.contains_key(f), "{f} listed");
    }
    let report: serde_json::Value =
        serde_json::from_slice(&read(&out.join("report.json"))).unwrap();
    assert_eq!(report["run_id"], ids["report.json"].as_str());
    let html = String::from_utf8(read(&out.join("report.html"))).unwrap();
    assert!(html.contains(&format!("Run {}", ids["report.html"])));
    {
        use calamine::{Data, Reader, Xlsx, open_workbook};
        let mut book: Xlsx<_> = open_workbook(out.join("report.xlsx")).unwrap();
        let summary = book.worksheet_range("Summary").unwrap();
        let run = summary
            .rows()
            .find(|r| {
                r.first()
                    .is_some_and(|c| *c == Data::String("run id".into()))
            })
            .expect("a run id row");
        assert_eq!(run[1].to_string(), ids["report.xlsx"]);
    }
    ids
}

#[cfg(unix)]
#[test]
fn a_commit_killed_between_two_renames_is_completed_by_the_next_run_or_report() {
    let s = setup();
    assert_eq!(code(&s.run(&[])), 3);
    let first = verified_set(&s.out);
    assert_eq!(manifest(&s.out)["run_id"], first["records.jsonl"].as_str());
    // A change, so that the next commit renames records, manifest, reports and state; it dies after two renames
    // (records.jsonl and records.csv), as a SIGKILL there would leave it.
    write_form(&s.input.join("testshire/t2.xlsx"), "Testshire", "Zoe");
    let died = std::process::Command::new(env!("CARGO_BIN_EXE_harmonise"))
        .args(["run", "--quiet", "--today", "2026-11-28", "--input"])
        .arg(&s.input)
        .arg("--out")
        .arg(&s.out)
        .arg("--mappings")
        .arg(&s.mappings)
        .env("HARMONISE_TEST_DIE_AFTER_RENAMES", "2")
        .output()
        .unwrap();
    assert_eq!(died.status.code(), None, "killed: {}", stderr(&died));
    let journal: serde_json::Value =
        serde_json::from_slice(&read(&s.out.join(".harmonise-commit"))).unwrap();
    let interrupted = journal["run_id"].as_str().unwrap().to_string();
    assert_ne!(interrupted, first["records.jsonl"]);
    // New records beside the old manifest: a reader can tell, for the manifest's listing does not match them.
    assert_eq!(
        records(&s.out)["testshire/t2.xlsx"]["fields"]["child.forename"]["value"],
        "Zoe"
    );
    let listed = &manifest(&s.out)["outputs"][0];
    assert_eq!(listed["file"], "records.jsonl");
    assert_ne!(
        listed["blake3"].as_str().unwrap(),
        blake3::hash(&read(&s.out.join("records.jsonl")))
            .to_hex()
            .as_str()
    );
    let copy = s.input.parent().unwrap().join("copy");
    copy_tree(&s.out, &copy);

    // The next run completes the commit, says so, and carries on from the completed set.
    let next = run_with(&s.input, &s.out, &s.mappings, &[]);
    assert_eq!(code(&next), 3, "{}", stderr(&next));
    let err = stderr(&next);
    let said = format!("epaired an interrupted commit of run {interrupted}");
    assert!(err.contains("WARN") && err.contains(&said), "{err}");
    assert!(!s.out.join(".harmonise-commit").exists());
    assert!(
        snapshot(&s.out)
            .keys()
            .all(|f| !f.starts_with(".harmonise-tmp-"))
    );
    let m = manifest(&s.out);
    assert_eq!(m["repaired_commit"], interrupted.as_str());
    assert!(
        statuses(&s.out)
            .values()
            .all(|st| st == "skipped_unchanged"),
        "the state was completed too"
    );
    let ids = verified_set(&s.out);
    assert!(
        ids.values().all(|id| *id == interrupted),
        "{ids:?}: one run's set"
    );
    assert_ne!(m["run_id"], interrupted.as_str());

    // `harmonise report` completes it too.
    let report = harmonise(&[
        "report",
        copy.to_str().unwrap(),
        "--mappings",
        s.mappings.to_str().unwrap(),
    ]);
    assert_eq!(code(&report), 0, "{}", stderr(&report));
    assert!(stderr(&report).contains(&said), "{}", stderr(&report));
    assert!(!copy.join(".harmonise-commit").exists());
    let m = manifest(&copy);
    assert_eq!(m["repaired_commit"], interrupted.as_str());
    let ids = verified_set(&copy);
    assert_eq!(ids["records.jsonl"], interrupted);
    assert_eq!(
        ids["report.json"],
        m["run_id"].as_str().unwrap(),
        "the reports rebuilt now"
    );
}

#[test]
fn a_report_that_cannot_be_written_costs_only_itself() {
    let s = setup();
    // report.xlsx cannot be renamed into place over a folder.
    std::fs::create_dir_all(s.out.join("report.xlsx/occupied")).unwrap();
    let first = run_with(&s.input, &s.out, &s.mappings, &["--progress", "none"]);
    let err = stderr(&first);
    assert_eq!(code(&first), 1, "{err}");
    assert!(
        err.contains("error: report.xlsx not written: renaming into"),
        "{err}"
    );
    assert!(
        err.contains("Outputs in "),
        "the summary still comes: {err}"
    );
    // The night's records, manifest, state and other reports landed.
    assert_eq!(records(&s.out).len(), 5);
    assert_eq!(manifest(&s.out)["inputs"], 6);
    for f in [
        ".harmonise-state",
        "records.csv",
        "report.json",
        "report.html",
    ] {
        assert!(s.out.join(f).is_file(), "{f}");
    }
    assert!(
        s.out.join("report.xlsx/occupied").is_dir(),
        "not ours to remove"
    );

    std::fs::remove_dir_all(s.out.join("report.xlsx")).unwrap();
    let next = s.run(&[]);
    assert_eq!(code(&next), 3, "{}", stderr(&next));
    assert_eq!(
        statuses(&s.out)["testshire/t1.xlsx"],
        "skipped_unchanged",
        "the state of the failed night was committed"
    );
    assert!(
        s.out.join("report.xlsx").is_file(),
        "the missing report is written even though nothing changed"
    );
}
