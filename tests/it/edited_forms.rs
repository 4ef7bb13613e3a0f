//! The edited-form fixtures (`fixtures/edited/`, written by `examples/gen_edited_forms.rs`; see
//! docs/edited-forms.md): three fictional LAs' blank forms, documents of the original forms, and documents of
//! edited versions, with `truth.json` saying what a correct reading of each gives. These tests check the
//! fixtures themselves: every document has a truth entry and every entry a document, the generator writes the
//! committed bytes, the hand-written mappings (run without their `reference` line) reproduce the truth exactly on
//! the original documents, and on the edited ones they read wrong values: the fault the blank form as reference
//! is for. Then the same mappings with their reference forms: every field of every document, edited or not, as
//! the truth says (moved fields re-anchored, removed ones `not_found`, none `ok` and wrong), and the reports'
//! version diff naming each edit.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::Value;

use crate::util::{code, mappings_with, records, root, run_with, shared_tempdir, stderr};

#[allow(
    dead_code,
    clippy::all,
    reason = "the generator, included as it is so that this test runs exactly the code that wrote the fixtures"
)]
#[path = "../../examples/gen_edited_forms.rs"]
mod generator;

/// The edit kinds a document may carry (docs/edited-forms.md).
const KINDS: [&str; 8] = [
    "row-inserted",
    "row-deleted",
    "column-added",
    "sheet-renamed",
    "label-reworded",
    "question-added",
    "fields-renumbered",
    "field-moved",
];

fn dir() -> PathBuf {
    root().join("fixtures/edited")
}

fn truth() -> serde_json::Map<String, Value> {
    let text = std::fs::read_to_string(dir().join("truth.json")).expect("truth.json");
    match serde_json::from_str(&text).expect("truth.json is JSON") {
        Value::Object(m) => m,
        other => panic!("truth.json is not an object: {other}"),
    }
}

use crate::util::files_under as files;

/// A document's file stem: `blank`, `v1-filled-01`, `row-inserted`, ...
fn stem(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.split('.').next().unwrap_or(name)
}

fn original(path: &str) -> bool {
    let s = stem(path);
    s == "blank" || s.starts_with("v1-filled-")
}

#[test]
fn every_document_has_a_truth_entry_and_every_entry_a_document() {
    let truth = truth();
    let forms = dir().join("forms");
    let docs = files(&forms);
    let entries: BTreeSet<String> = truth.keys().cloned().collect();
    assert_eq!(docs, entries, "documents and truth entries differ");
    assert_eq!(docs.len(), 33, "three LAs, eleven documents each");
    for (path, entry) in &truth {
        let size = std::fs::metadata(forms.join(path)).expect("stat").len();
        assert!(size < 100_000, "{path}: {size} bytes");
        let la = entry["la_code"].as_str().unwrap_or("");
        let ext = match la {
            "971" => "xlsx",
            "972" => "docx",
            "973" => "pdf",
            other => panic!("{path}: la_code {other}"),
        };
        assert!(path.ends_with(&format!(".{ext}")), "{path} is not {ext}");
        let edits = entry["edits"].as_array().expect("edits");
        let kinds: BTreeSet<&str> = edits.iter().filter_map(|e| e["kind"].as_str()).collect();
        assert!(kinds.iter().all(|k| KINDS.contains(k)), "{path}: {kinds:?}");
        match stem(path) {
            _ if original(path) => assert!(edits.is_empty(), "{path}: the original form"),
            "combined" => assert_eq!(kinds.len(), 3, "{path}: three edits"),
            s => assert_eq!(kinds, BTreeSet::from([s]), "{path}: its own edit only"),
        }
        let status = entry["record_status"].as_str().unwrap_or("");
        assert_eq!(status == "blank", stem(path) == "blank", "{path}: {status}");
        let fields = entry["fields"].as_object().expect("fields");
        assert!(fields.len() >= 25, "{path}: {} fields", fields.len());
        for (id, f) in fields {
            let s = f["status"].as_str().unwrap_or("");
            assert!(
                ["ok", "empty", "not_found"].contains(&s),
                "{path} {id}: {f}"
            );
            let group = id.starts_with("parents.") || id.starts_with("professionals.");
            assert_eq!(
                f.get("items").is_some(),
                group && s != "not_found",
                "{path} {id}: items for group fields only"
            );
            assert_eq!(f.get("value").is_some(), s == "ok" && !group, "{path} {id}");
        }
    }
    // Each mapping names its LA's blank form as the reference, relative to the mapping file.
    for (mapping, blank) in [
        ("971-fenbury.toml", "fenbury/blank.xlsx"),
        ("972-marshby.toml", "marshby/blank.docx"),
        ("973-oakhurst.toml", "oakhurst/blank.pdf"),
    ] {
        let text = std::fs::read_to_string(dir().join("mappings").join(mapping)).expect("mapping");
        let line = format!("reference = \"../forms/{blank}\"");
        assert_eq!(text.matches(&line).count(), 1, "{mapping}: {line}");
        assert!(dir().join("mappings/../forms").join(blank).is_file());
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
    let written_docs = generator::generate(&out);
    assert_eq!(written_docs.len(), 33);
    let written = files(tmp.path());
    // The mappings beside the fixtures are written by people, not by the generator.
    let committed: BTreeSet<String> = files(&dir())
        .into_iter()
        .filter(|f| !f.starts_with("mappings/"))
        .collect();
    assert_eq!(
        written, committed,
        "the generator writes other files than are committed"
    );
    for f in &written {
        let a = std::fs::read(tmp.path().join(f)).expect("read");
        let b = std::fs::read(dir().join(f)).expect("read");
        assert!(
            a == b,
            "{f} differs from the committed copy: run `cargo run --example gen_edited_forms`"
        );
    }
}

/// One run of the real binary over every document, with the three mappings as they are but for their
/// `reference` line: the records by path, made once for both tests below.
fn records_without_reference() -> &'static BTreeMap<String, Value> {
    static RUN: OnceLock<BTreeMap<String, Value>> = OnceLock::new();
    RUN.get_or_init(|| {
        let tmp = shared_tempdir();
        let stripped: Vec<(&str, String)> = ["971-fenbury", "972-marshby", "973-oakhurst"]
            .into_iter()
            .map(|stem| {
                let text = std::fs::read_to_string(dir().join(format!("mappings/{stem}.toml")))
                    .expect("mapping");
                let kept: Vec<&str> = text
                    .lines()
                    .filter(|l| !l.starts_with("reference = "))
                    .collect();
                assert_eq!(
                    kept.len() + 1,
                    text.lines().count(),
                    "{stem}: one reference line"
                );
                (stem, kept.join("\n") + "\n")
            })
            .collect();
        let mappings = mappings_with(&tmp.join("mappings"), &stripped);
        let out = tmp.join("out");
        let result = run_with(&dir().join("forms"), &out, &mappings, &[]);
        assert_eq!(code(&result), 0, "{}", stderr(&result));
        records(&out)
    })
}

/// A value as compared with the truth: its status and value.
fn key(v: Option<&Value>) -> (String, Value) {
    let v = v.unwrap_or(&Value::Null);
    (
        v["status"].as_str().unwrap_or("(none)").to_string(),
        v.get("value").cloned().unwrap_or(Value::Null),
    )
}

/// How a record's field differs from its truth, if it does: a single field by status and value, a group by
/// its status and every item's.
fn differs(got: &Value, want: &Value) -> Option<String> {
    let same = match want.get("items").and_then(Value::as_array) {
        Some(items) => {
            let got_items = got["items"].as_array().cloned().unwrap_or_default();
            got["status"] == want["status"]
                && got_items.len() == items.len()
                && got_items
                    .iter()
                    .zip(items)
                    .all(|(g, w)| key(Some(g)) == key(Some(w)))
        }
        None => key(Some(got)) == key(Some(want)),
    };
    (!same).then(|| format!("got {got}, want {want}"))
}

/// The mappings, written for the original forms, read every field of the blank form and of the original
/// documents exactly as the truth says (and the record status too): mappings and truth agree, so that what the
/// edited documents do to them is the edits' doing.
#[test]
fn original_documents_are_read_exactly_as_the_truth_says() {
    let records = records_without_reference();
    let mut wrong = Vec::new();
    let mut compared = 0;
    for (path, want) in truth().iter().filter(|(p, _)| original(p)) {
        let got = &records[path];
        if got["status"] != want["record_status"] {
            wrong.push(format!(
                "{path}: record {} (want {})",
                got["status"], want["record_status"]
            ));
        }
        let fields = want["fields"].as_object().expect("fields");
        for (id, w) in fields {
            compared += 1;
            if let Some(d) = differs(&got["fields"][id], w) {
                wrong.push(format!("{path}: {id}: {d}"));
            }
        }
        // The truth names every field the mapping maps: the rest are not collected.
        for (id, g) in got["fields"].as_object().expect("fields") {
            if !fields.contains_key(id) {
                assert_eq!(g["status"], "not_collected", "{path}: {id} has no truth");
            }
        }
    }
    assert!(compared > 400, "only {compared} fields compared");
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// The fault the blank form as reference mends: without it, on the edited documents the fixed positions of the
/// original form's mappings read other questions' answers and mark them `ok` (a mapping without a reference keeps
/// this behaviour).
#[test]
fn edited_documents_without_reference_read_wrong_values() {
    let records = records_without_reference();
    let mut wrong_ok = Vec::new();
    let (mut edited, mut fields) = (0, 0);
    for (path, want) in truth().iter().filter(|(p, _)| !original(p)) {
        edited += 1;
        for (id, w) in want["fields"].as_object().expect("fields") {
            fields += 1;
            let got = &records[path]["fields"][id];
            if got["status"] == "ok"
                && let Some(d) = differs(got, w)
            {
                wrong_ok.push(format!("{path}: {id}: {d}"));
            }
        }
    }
    assert_eq!(edited, 21);
    eprintln!(
        "edited documents without reference: {} of {fields} field(s) ok with a wrong value",
        wrong_ok.len()
    );
    assert!(
        !wrong_ok.is_empty(),
        "{} of the {fields} fields of the {edited} edited documents came out ok with a wrong value: the \
         edits no longer mislead a mapping without its reference, so the reference tests below prove less",
        wrong_ok.len()
    );
    // Every LA's edits mislead its mapping somewhere.
    for la in ["fenbury/", "marshby/", "oakhurst/"] {
        assert!(
            wrong_ok.iter().any(|w| w.starts_with(la)),
            "{la}: no wrong ok value among {} ({})",
            wrong_ok.len(),
            wrong_ok.join("\n")
        );
    }
}

/// One run of the real binary over every document with the mappings as committed, each naming its blank form as
/// reference: the output folder, made once for the tests below.
fn run_with_reference() -> &'static PathBuf {
    static RUN: OnceLock<PathBuf> = OnceLock::new();
    RUN.get_or_init(|| {
        let out = shared_tempdir().join("with-reference");
        let result = run_with(&dir().join("forms"), &out, &dir().join("mappings"), &[]);
        assert_eq!(code(&result), 0, "{}", stderr(&result));
        out
    })
}

/// With the reference, every field of every document (the edited ones too) is what the truth says: moved fields
/// re-anchored to their true values, removed or unrecognisably reworded ones `not_found`, and no value `ok` and
/// wrong; record statuses right.
#[test]
fn with_the_reference_every_field_of_every_version_is_read_as_the_truth_says() {
    let records = records(run_with_reference());
    let (mut wrong, mut wrong_ok, mut compared, mut reanchored) = (Vec::new(), 0, 0, 0);
    for (path, want) in truth().iter() {
        let got = &records[path];
        if got["status"] != want["record_status"] {
            wrong.push(format!(
                "{path}: record {} (want {})",
                got["status"], want["record_status"]
            ));
        }
        for (id, w) in want["fields"].as_object().expect("fields") {
            compared += 1;
            let g = &got["fields"][id];
            reanchored += usize::from(g.get("reanchored").is_some());
            if let Some(d) = differs(g, w) {
                wrong_ok += usize::from(g["status"] == "ok");
                wrong.push(format!("{path}: {id}: {d}"));
            }
        }
    }
    assert!(compared > 1000, "only {compared} fields compared");
    assert_eq!(wrong_ok, 0, "values ok and wrong:\n{}", wrong.join("\n"));
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(reanchored > 200, "only {reanchored} fields re-anchored");
    // A lost field says which printed label is gone.
    let lost = &records["fenbury/row-deleted.xlsx"]["fields"]["child.upn"];
    assert_eq!(lost["status"], "not_found");
    assert!(
        lost["reason"].as_str().unwrap_or("").contains("\"upn\""),
        "{lost}"
    );
}

/// Each edit is named in the records' `form_changes`, in the report's version diff (json, html, xlsx) and in the
/// manifest; the original documents have none.
#[test]
fn the_version_diff_names_each_edit() {
    let out = run_with_reference();
    let records = records(out);
    // What each edit kind of the generator shows as, by format.
    let shows = |kind: &str, format: &str, edit: &Value| -> Vec<&'static str> {
        let pdf = format == "pdf";
        match kind {
            "row-inserted" | "question-added" if pdf => vec!["field_added"],
            "row-inserted" | "question-added" => vec!["row_inserted"],
            "row-deleted" if pdf => vec!["field_removed"],
            "row-deleted" => vec!["row_deleted"],
            "column-added" => vec!["column_inserted"],
            "sheet-renamed" if format == "docx" => vec!["table_added"],
            "sheet-renamed" => vec!["sheet_renamed"],
            "label-reworded" if edit["recognisable"] == true => vec!["label_reworded"],
            "label-reworded" if pdf => vec!["field_removed", "field_added"],
            "label-reworded" => vec!["label_replaced"],
            "fields-renumbered" => vec!["fields_renumbered"],
            _ => vec![],
        }
    };
    for (path, want) in truth().iter() {
        let got: Vec<&str> = records[path]["form_changes"]
            .as_array()
            .map(|cs| cs.iter().filter_map(|c| c["kind"].as_str()).collect())
            .unwrap_or_default();
        let edits = want["edits"].as_array().cloned().unwrap_or_default();
        if edits.is_empty() {
            assert!(
                got.is_empty(),
                "{path}: an original document with changes {got:?}"
            );
            continue;
        }
        let format = path.rsplit('.').next().unwrap_or("");
        for edit in &edits {
            let kind = edit["kind"].as_str().unwrap_or("");
            for expected in shows(kind, format, edit) {
                assert!(
                    got.contains(&expected),
                    "{path}: {kind} not shown as {expected}: {got:?}"
                );
            }
        }
    }
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let versions: Vec<&Value> = report["forms"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["drift"]["versions"].as_array().unwrap())
        .collect();
    let edited = truth()
        .values()
        .filter(|w| w["edits"].as_array().is_some_and(|e| !e.is_empty()))
        .count();
    // Every edited document but the one whose field moved with its label is of a changed version.
    let in_versions: u64 = versions
        .iter()
        .map(|v| v["documents"].as_u64().unwrap())
        .sum();
    assert_eq!(in_versions as usize, edited - 1, "{versions:#?}");
    let summaries: Vec<&str> = versions
        .iter()
        .map(|v| v["summary"].as_str().unwrap())
        .collect();
    for needle in [
        "Fenbury County Council (971): 1 document(s) of a changed form: row inserted at 'Request' row 9; 25 \
         field(s) re-anchored, 0 lost",
        "sheet 'Request' renamed",
        "row deleted at 'Request' row 13 (\"UPN\")",
        "label replaced at 'Request' row 17: \"Ethnicity\"",
        "table added at 'Table1'",
        "fields renamed (the form renumbered)",
        "field Text8 (\"Ethnicity\") removed",
    ] {
        assert!(
            summaries.iter().any(|s| s.contains(needle)),
            "{needle} not in {summaries:#?}"
        );
    }
    // The findings say so first, per form.
    let findings: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "drift")
        .filter_map(|f| f["text"].as_str())
        .collect();
    for la in ["Fenbury", "Marshby", "Oakhurst"] {
        assert!(
            findings
                .iter()
                .any(|f| f.starts_with(la) && f.contains("changed version(s) of the form")),
            "{la}: {findings:#?}"
        );
    }
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("Changed forms") && html.contains("row deleted at &#39;Request&#39; row 13")
            || html.contains("row deleted at 'Request' row 13"),
        "the html report shows the versions"
    );
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(
        manifest.contains(
            "changed form: 1 change(s) from the reference; 20 field(s) re-anchored, 1 lost"
        )
    );
}

/// Blank stays blank: an answer the reference itself holds (Marshby prints "British" as the nationality) does not
/// make a blank form filled in; without the reference the same blank reads as filled.
#[test]
fn a_value_prefilled_on_the_reference_does_not_make_a_blank_filled() {
    let tmp = shared_tempdir().join("prefilled");
    let text = std::fs::read_to_string(dir().join("mappings/972-marshby.toml")).unwrap();
    let with_extra =
        format!("{text}\n[extra.nationality]\nprinted = \"Nationality\"\ncell = \"Table1!B7\"\n")
            .replace(
                "reference = \"../forms/",
                &format!("reference = \"{}/", dir().join("forms").display()),
            );
    let without = with_extra
        .lines()
        .filter(|l| !l.starts_with("reference = "))
        .collect::<Vec<_>>()
        .join("\n");
    let blank = tmp.join("in");
    std::fs::create_dir_all(&blank).unwrap();
    std::fs::copy(
        dir().join("forms/marshby/blank.docx"),
        blank.join("blank.docx"),
    )
    .unwrap();
    let mut statuses = Vec::new();
    for (name, mapping) in [("with", with_extra), ("without", without)] {
        let maps = mappings_with(&tmp.join(name), &[("972-marshby", mapping)]);
        let out = tmp.join(format!("out-{name}"));
        let result = run_with(&blank, &out, &maps, &[]);
        assert!([0, 3].contains(&code(&result)), "{}", stderr(&result));
        let record = &records(&out)["blank.docx"];
        assert_eq!(
            record["extras"]["nationality"]["value"], "British",
            "{record}"
        );
        statuses.push(record["status"].as_str().unwrap().to_string());
    }
    assert_eq!(
        statuses,
        ["blank", "partial"],
        "with, then without the reference"
    );
}

/// XML with a reference: an element moved under another parent is read where it went (re-anchored), one renamed
/// is `not_found` and reported by its path, and an unchanged document has no changes.
#[test]
fn xml_elements_moved_are_reanchored_and_renamed_ones_reported_by_path() {
    let tmp = shared_tempdir().join("xml-reference");
    let filled =
        std::fs::read_to_string(root().join("fixtures/forms/halden/filled-01.xml")).unwrap();
    let first = "  <ChildFirstName>Amelia</ChildFirstName>\n";
    assert!(filled.contains(first), "the fixture's first name");
    let input = tmp.join("in");
    std::fs::create_dir_all(&input).unwrap();
    let moved = filled.replace(first, "").replacen(
        "  <ChildLastName>",
        &format!("  <Child>\n  {first}  </Child>\n  <ChildLastName>"),
        1,
    );
    let renamed = filled
        .replace("<ChildSex>", "<ChildGender>")
        .replace("</ChildSex>", "</ChildGender>");
    for (name, text) in [
        ("same.xml", &filled),
        ("moved.xml", &moved),
        ("renamed.xml", &renamed),
    ] {
        std::fs::write(input.join(name), text).unwrap();
    }
    let mapping = std::fs::read_to_string(root().join("mappings/958-halden.toml"))
        .unwrap()
        .replacen(
            "format = \"xml\"",
            &format!(
                "format = \"xml\"\nreference = \"{}\"",
                root().join("fixtures/forms/halden/blank.xml").display()
            ),
            1,
        );
    let maps = mappings_with(&tmp.join("mappings"), &[("958-halden", mapping)]);
    let out = tmp.join("out");
    let result = run_with(&input, &out, &maps, &[]);
    assert!([0, 3].contains(&code(&result)), "{}", stderr(&result));
    let records = records(&out);
    let forename = &records["moved.xml"]["fields"]["child.forename"];
    assert_eq!(forename["value"], "Amelia", "{forename}");
    assert_eq!(forename["source"], "/HaldenEHCRequest/Child/ChildFirstName");
    assert_eq!(
        forename["reanchored"],
        "path /HaldenEHCRequest/ChildFirstName"
    );
    let gender = &records["renamed.xml"]["fields"]["child.gender"];
    assert_eq!(gender["status"], "not_found", "{gender}");
    let changes = records["renamed.xml"]["form_changes"].to_string();
    assert!(
        changes.contains(r#"{"kind":"element_removed","old":"/HaldenEHCRequest/ChildSex"}"#),
        "{changes}"
    );
    assert!(records["same.xml"].get("form_changes").is_none());
    assert_eq!(
        records["same.xml"]["fields"]["child.gender"]["value"],
        "female"
    );
}
