//! Extras through the real binary: typed and repeated extras in records.jsonl, an unticked box in an extra leaving a
//! blank form blank, the text transforms on a field, a `[[test]]` expecting a repeated extra's items, and the
//! reports (run and rebuilt by `harmonise report`) valid against their schema.
use std::path::Path;

use crate::util::*;
use serde_json::{Value, json};

/// Testshire's mapping (see [`mapping_text`]) with extras of every kind, a field read with the text transforms, and
/// a `[[test]]` on `filled.xlsx` beside the mappings.
fn mapping() -> String {
    format!(
        r#"{}
[fields."parents.name"]
cell = "Request!B9"
line = 1
[fields."child.address"]
cell = "Request!B10"
collapse = true
replace = {{ pattern = '\s*\(.*?\)', with = "" }}
[fields."request.date"]
cell = "Request!B11"

[extra.photograph]
printed = "Photograph attached"
cell = "Request!B8"
[extra.sdq_scores]
printed = "SDQ scores"
range = "Request!D2:D6"
repeat = true
type = "number"
[extra.reviews]
printed = "Review dates"
cells = ["Request!E2", "Request!E3"]
repeat = true
type = "date"
[extra.consent]
printed = "Consent to share"
tick = {{ "Request!C12" = "Yes", "Request!D12" = "No" }}

[[test]]
document = "filled.xlsx"
expect = {{ photograph = true, sdq_scores = [17, 12, {{ status = "invalid" }}], reviews = ["2025-04-03", "2025-04-22"], consent = true, "parents.name" = ["Jo Smith"] }}
"#,
        mapping_text("990", "Testshire")
    )
}

/// A Testshire form: the filled one has every answer; the blank one has only its labels and an unticked box.
fn write(path: &Path, filled: bool) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Request").unwrap();
    let labels = [
        "Local authority",
        "Forename",
        "Surname",
        "Date of birth",
        "Postcode",
        "School URN",
        "",
        "Photograph attached",
        "Parent name and contact details",
        "Address",
        "Request date",
        "Consent to share",
    ];
    for (row, label) in labels.iter().enumerate() {
        sheet.write_string(row as u32, 0, *label).unwrap();
    }
    sheet.write_string(0, 1, "Testshire Council").unwrap();
    // The check box: a TRUE/FALSE cell, unticked on the blank form.
    sheet.write_boolean(7, 1, filled).unwrap();
    if filled {
        for (row, value) in [
            (1, "Ada"),
            (2, "Example"),
            (3, "2015-03-14"),
            (4, "SW1A 1AA"),
            (5, "100000"),
            (8, "Jo Smith\n\n12 High Street\nTownley"),
            (9, "12 High Street,\n   Townley  (until May)"),
            (10, "3rd April 2026"),
        ] {
            sheet.write_string(row, 1, value).unwrap();
        }
        sheet.write_string(1, 3, "17").unwrap();
        sheet.write_number(2, 3, 12).unwrap();
        sheet.write_string(3, 3, "lots").unwrap();
        sheet.write_string(1, 4, "3rd April 2025").unwrap();
        sheet.write_string(2, 4, "April 22nd, 2025").unwrap();
        sheet.write_string(11, 2, "X").unwrap();
    }
    book.save(path).unwrap();
}

#[test]
fn typed_and_repeated_extras_reach_the_records_and_a_blank_form_stays_blank() {
    let tmp = tempfile::tempdir().unwrap();
    let mappings = mappings_with(
        &tmp.path().join("mappings"),
        &[("990-testshire", mapping())],
    );
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    write(&input.join("blank.xlsx"), false);
    write(&input.join("filled.xlsx"), true);
    write(&mappings.join("filled.xlsx"), true);

    // The mapping's own test expects the repeated extras' items, in order.
    let check = harmonise(&["check", mappings.to_str().unwrap()]);
    assert_eq!(code(&check), 0, "{}", stderr(&check));
    assert!(stderr(&check).contains("1 passed"), "{}", stderr(&check));

    let out = tmp.path().join("out");
    let run = run_with(&input, &out, &mappings, &["--quiet"]);
    assert_eq!(code(&run), 0, "{}", stderr(&run));
    let records = records(&out);

    let filled = &records["filled.xlsx"];
    let extras = &filled["extras"];
    assert_eq!(
        extras["photograph"],
        json!({"status": "ok", "value": true, "source": "Request!B8"}),
        "an untyped extra keeps a check box's answer as a boolean"
    );
    let scores = &extras["sdq_scores"];
    assert_eq!(scores["status"], "invalid");
    let items = scores["items"].as_array().unwrap();
    assert_eq!(
        items.len(),
        3,
        "one item per row down to the last filled one"
    );
    assert_eq!(
        items[0],
        json!({"status": "ok", "value": 17, "source": "Request!D2"})
    );
    assert_eq!(items[1]["value"], json!(12));
    assert_eq!(items[2]["status"], "invalid");
    assert_eq!(items[2]["value"], "lots");
    assert_eq!(
        items[2]["reason"], "not a number",
        "a reason never quotes the value"
    );
    let reviews: Vec<&Value> = extras["reviews"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["value"])
        .collect();
    assert_eq!(reviews, [&json!("2025-04-03"), &json!("2025-04-22")]);
    assert_eq!(
        extras["consent"]["value"],
        json!(true),
        "a yes/no tick is a bool"
    );
    let fields = &filled["fields"];
    assert_eq!(fields["parents.name"]["items"][0]["value"], "Jo Smith");
    assert_eq!(fields["child.address"]["value"], "12 High Street, Townley");
    assert_eq!(fields["request.date"]["value"], "2026-04-03");

    // The blank form: the unticked box is false, not the text FALSE, and does not fill the form in.
    let blank = &records["blank.xlsx"];
    assert_eq!(blank["status"], "blank", "{blank}");
    assert_eq!(blank["extras"]["photograph"]["value"], json!(false));
    assert_eq!(blank["extras"]["sdq_scores"]["status"], "empty");
    assert_eq!(statuses(&out)["blank.xlsx"], "blank");

    // records.csv carries the national fields only; the reports, run and rebuilt, keep to their schema.
    let csv = std::fs::read_to_string(out.join("records.csv")).unwrap();
    assert!(!csv.lines().next().unwrap().contains("sdq_scores"));
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schemas/report.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let report = |out: &Path| -> Value {
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap()
    };
    let first = report(&out);
    assert!(validator.is_valid(&first));
    let rebuilt = harmonise(&[
        "report",
        out.to_str().unwrap(),
        "--mappings",
        mappings.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(code(&rebuilt), 0, "{}", stderr(&rebuilt));
    let second = report(&out);
    assert!(validator.is_valid(&second));
    for key in ["documents", "non_statutory", "duplicates"] {
        assert_eq!(first["forms"][0][key], second["forms"][0][key], "{key}");
    }
    let form = &second["forms"][0];
    assert_eq!(form["documents"]["blank"], 1);
    let extras: Vec<&str> = form["non_statutory"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "extra")
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(extras, ["photograph", "sdq_scores", "reviews", "consent"]);
}

#[test]
fn check_points_at_what_cannot_work_on_extras_and_fields() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = test_mappings(tmp.path());
    let broken = format!(
        "{}{}",
        mapping_text("992", "Elsewhere"),
        concat!(
            "[fields.\"child.upn\"]\n",
            "cell = \"Request!B7\"\n",
            "type = \"text\"\n",
            "[extra.scores]\n",
            "printed = \"Scores\"\n",
            "range = \"Request!D2:D6\"\n",
            "[extra.met]\n",
            "printed = \"Date last met\"\n",
            "cell = \"Request!B8\"\n",
            "type = \"number\"\n",
            "date = [\"%d %m %Y\"]\n",
            "[extra.notes]\n",
            "printed = \"Notes\"\n",
            "cell = \"Request!B9\"\n",
            "replace = { pattern = '(a', with = \"\" }\n",
        )
    );
    let path = dir.join("992-elsewhere.toml");
    std::fs::write(&path, broken).unwrap();
    let out = harmonise(&["check", dir.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    let file = path.display().to_string();
    for want in [
        format!("{file}:22:8: error[extra-only]: `type` is for extras"),
        format!("{file}:25:9: error[group-mismatch]: `range` yields several values"),
        format!("{file}:30:8: error[type-mismatch]: `date` cannot yield `met`"),
        format!("{file}:34:23: error[bad-regex]: bad regex"),
    ] {
        assert!(err.contains(&want), "no `{want}` in:\n{err}");
    }
    assert!(err.contains("help: add `repeat = true`"), "{err}");
}
