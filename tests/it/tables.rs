//! The tables for analysts' tools: `values.csv` (the records in long form), `datapackage.json` (a Table Schema
//! per CSV) and the byte order mark, read back by the tools analysts use: the `frictionless` and `duckdb` Python
//! packages (a missing package fails the test with the command that installs it; nothing is skipped).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{code, records, root, run_with, shared_tempdir, stderr};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One run over the fixture forms, shared by the tests that only read it.
fn fixture_run() -> &'static PathBuf {
    static RUN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    RUN.get_or_init(|| {
        let out = shared_tempdir().join("out");
        let done = run_with(
            &root().join("fixtures/forms"),
            &out,
            &root().join("mappings"),
            &["--quiet", "--shareable"],
        );
        assert_eq!(code(&done), 0, "{}", stderr(&done));
        out
    })
}

/// Runs a Python snippet in `dir` with `packages` importable, or fails saying how to install them.
fn python(dir: &Path, packages: &[&str], script: &str) -> String {
    let probe = Command::new("python3")
        .args(["-c", &format!("import {}", packages.join(", "))])
        .output();
    let ok = probe.as_ref().is_ok_and(|p| p.status.success());
    assert!(
        ok,
        "the Python packages {packages:?} are needed: install them with \
`python3 -m pip install --break-system-packages {}` (.ci/run does)",
        packages.join(" ")
    );
    let done = Command::new("python3")
        .args(["-c", script])
        .current_dir(dir)
        .output()
        .expect("python3 runs");
    assert!(
        done.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&done.stdout),
        String::from_utf8_lossy(&done.stderr)
    );
    String::from_utf8(done.stdout).unwrap()
}

#[test]
fn every_csv_starts_with_a_bom_unless_told_not_to_and_the_descriptor_lists_each() {
    let out = fixture_run();
    for csv in [
        "records.csv",
        "values.csv",
        "records.shareable.csv",
        "manifest.csv",
    ] {
        let bytes = std::fs::read(out.join(csv)).unwrap();
        assert!(bytes.starts_with(BOM), "{csv}");
    }
    let package: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("datapackage.json")).unwrap()).unwrap();
    let paths: Vec<&str> = package["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "records.csv",
            "values.csv",
            "manifest.csv",
            "records.shareable.csv"
        ]
    );
    let manifest = crate::util::manifest(out);
    let listed: Vec<&str> = manifest["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["file"].as_str().unwrap())
        .collect();
    for file in ["values.csv", "datapackage.json"] {
        assert!(listed.contains(&file), "{file} in {listed:?}");
    }

    let tmp = tempfile::tempdir().unwrap();
    let plain = tmp.path().join("out");
    let done = run_with(
        &root().join("fixtures/forms/northmoor"),
        &plain,
        &root().join("mappings"),
        &["--quiet", "--no-bom"],
    );
    assert_eq!(code(&done), 0, "{}", stderr(&done));
    for csv in ["records.csv", "values.csv"] {
        let bytes = std::fs::read(plain.join(csv)).unwrap();
        assert!(bytes.starts_with(b"file,"), "{csv}");
    }
}

#[test]
fn values_csv_has_every_field_of_every_record_with_its_status() {
    let out = fixture_run();
    let mut expected: BTreeMap<(String, String, String), (String, String)> = BTreeMap::new();
    for (file, record) in records(out) {
        for (field, outcome) in record["fields"].as_object().unwrap() {
            let text = |v: &serde_json::Value| match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            };
            match outcome["items"].as_array() {
                Some(items) if !items.is_empty() => {
                    for (n, item) in items.iter().enumerate() {
                        expected.insert(
                            (file.clone(), field.clone(), (n + 1).to_string()),
                            (
                                item["status"].as_str().unwrap().to_string(),
                                text(&item["value"]),
                            ),
                        );
                    }
                }
                _ => {
                    expected.insert(
                        (file.clone(), field.clone(), String::new()),
                        (
                            outcome["status"].as_str().unwrap().to_string(),
                            text(&outcome["value"]),
                        ),
                    );
                }
            }
        }
    }
    let mut reader = csv::Reader::from_path(out.join("values.csv")).unwrap();
    assert_eq!(
        reader.headers().unwrap(),
        vec![
            "file", "la_code", "mapping", "field", "member", "status", "value", "reason", "source"
        ],
        "the BOM is not part of the first column name"
    );
    let mut got = BTreeMap::new();
    for row in reader.records() {
        let row = row.unwrap();
        let value = row[6].strip_prefix('\'').unwrap_or(&row[6]).to_string();
        let old = got.insert(
            (row[0].to_string(), row[3].to_string(), row[4].to_string()),
            (row[5].to_string(), value),
        );
        assert!(old.is_none(), "one row per document, field and member");
    }
    assert_eq!(got.len(), expected.len());
    for (key, (status, value)) in &expected {
        let (got_status, got_value) = &got[key];
        assert_eq!(got_status, status, "{key:?}");
        // Numbers print as the CSV prints them; everything else is the value as recorded.
        if value.parse::<f64>().is_err() {
            assert_eq!(got_value, value, "{key:?}");
        }
    }
    let statuses: std::collections::BTreeSet<&str> =
        got.values().map(|(s, _)| s.as_str()).collect();
    for status in ["ok", "empty", "invalid", "not_collected"] {
        assert!(statuses.contains(status), "{status} in {statuses:?}");
    }
}

#[test]
fn frictionless_validates_the_data_package_of_a_fixture_run() {
    let out = fixture_run();
    let report = python(
        out,
        &["frictionless"],
        "import json, frictionless\n\
         report = frictionless.Package('datapackage.json').validate()\n\
         print(json.dumps({'valid': report.valid, 'errors': [e.message for t in report.tasks for e in t.errors][:5], \
'tasks': [t.name for t in report.tasks]}))",
    );
    let report: serde_json::Value = serde_json::from_str(report.trim()).unwrap();
    assert_eq!(report["valid"], true, "{report}");
    assert_eq!(report["tasks"].as_array().unwrap().len(), 4, "{report}");
}

#[test]
fn the_data_package_types_identifiers_as_text_and_dates_as_dates() {
    let out = fixture_run();
    // Read through the descriptor, as an analyst's tool would: la_code, NHS number, URN and UPN stay text.
    let types = python(
        out,
        &["frictionless"],
        "import json, frictionless\n\
         p = frictionless.Package('datapackage.json')\n\
         r = p.get_resource('records')\n\
         rows = r.read_rows()\n\
         row = next(x for x in rows if x['child.date_of_birth'] is not None and x['child.nhs_number'] is not None \
and x['setting.urn'] is not None)\n\
         print(json.dumps({k: type(row[k]).__name__ for k in ['la_code', 'child.nhs_number', 'child.upn', \
'setting.urn', 'child.date_of_birth']}))",
    );
    let types: serde_json::Value = serde_json::from_str(types.trim()).unwrap();
    assert_eq!(
        types,
        serde_json::json!({"la_code": "str", "child.nhs_number": "str", "child.upn": "str",
            "setting.urn": "str", "child.date_of_birth": "date"})
    );
}

#[test]
fn duckdb_finds_the_share_of_records_per_la_with_an_invalid_upn() {
    let out = fixture_run();
    // From records.jsonl: per LA, records and records whose UPN is invalid.
    let mut expected: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for record in records(out).values() {
        let entry = expected
            .entry(record["la_code"].as_str().unwrap().to_string())
            .or_default();
        entry.0 += 1;
        if record["fields"]["child.upn"]["status"] == "invalid" {
            entry.1 += 1;
        }
    }
    assert!(
        expected.values().filter(|(_, bad)| *bad > 0).count() >= 2,
        "the fixtures have invalid UPNs in several LAs: {expected:?}"
    );
    let got = python(
        out,
        &["duckdb"],
        "import duckdb\n\
         rows = duckdb.sql(\"\"\"\n\
           SELECT la_code, count(DISTINCT file) AS records,\n\
                  count(DISTINCT file) FILTER (WHERE field = 'child.upn' AND status = 'invalid') AS invalid,\n\
                  round(invalid / records, 4) AS share\n\
           FROM read_csv('values.csv', all_varchar = true) GROUP BY la_code ORDER BY la_code\"\"\").fetchall()\n\
         for r in rows: print(*r, sep=',')",
    );
    let got: Vec<String> = got.lines().map(str::to_string).collect();
    let want: Vec<String> = expected
        .iter()
        .map(|(la, (n, bad))| {
            let share = (*bad as f64 / *n as f64 * 10_000.0).round() / 10_000.0;
            format!("{la},{n},{bad},{share:?}")
        })
        .collect();
    assert_eq!(got, want);
}

#[test]
fn duckdb_and_the_csv_reader_see_the_bom_as_no_part_of_the_header() {
    let out = fixture_run();
    let columns = python(
        out,
        &["duckdb"],
        "import duckdb\n\
         print(*[duckdb.sql(f\"SELECT * FROM read_csv('{f}')\").columns[0] for f in ['records.csv', 'values.csv']], sep='\\n')",
    );
    assert_eq!(columns, "file\nfile\n");
}

#[test]
fn values_csv_follows_the_records_through_incremental_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    crate::util::copy_tree(&root().join("fixtures/forms/northmoor"), &input);
    let out = tmp.path().join("out");
    let mappings = root().join("mappings");
    let run = || {
        let done = run_with(&input, &out, &mappings, &["--quiet"]);
        assert_eq!(code(&done), 0, "{}", stderr(&done));
    };
    run();
    let first = std::fs::read(out.join("values.csv")).unwrap();
    let descriptor = std::fs::metadata(out.join("datapackage.json"))
        .unwrap()
        .modified()
        .unwrap();
    run();
    assert_eq!(std::fs::read(out.join("values.csv")).unwrap(), first);
    assert_eq!(
        std::fs::metadata(out.join("datapackage.json"))
            .unwrap()
            .modified()
            .unwrap(),
        descriptor,
        "an unchanged descriptor is not rewritten"
    );
    // Lost, it is written again from the records kept in place.
    std::fs::remove_file(out.join("values.csv")).unwrap();
    run();
    assert_eq!(std::fs::read(out.join("values.csv")).unwrap(), first);
    // One document gone: its rows go with it.
    let gone = std::fs::read_dir(&input)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("filled-01"))
        .unwrap();
    std::fs::remove_file(&gone).unwrap();
    run();
    let after = String::from_utf8(std::fs::read(out.join("values.csv")).unwrap()).unwrap();
    assert!(
        !after.contains("filled-01"),
        "the removed document's rows are gone"
    );
    assert!(after.lines().count() > 1);
}
