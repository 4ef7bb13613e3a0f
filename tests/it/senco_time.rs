//! The SENCo-time estimate: the model of `mappings/senco-time.toml` applied to a fixture form, checked against
//! minutes computed by hand, and the national hours a year from a volumes file; shown as an estimate, with its
//! model, in every report.

use std::path::PathBuf;

use crate::util::*;

/// A fixture run with a volumes file of Northmoor (951, 120 requests a year) and an LA with no form (999).
fn timed_run() -> &'static PathBuf {
    static RUN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    RUN.get_or_init(|| {
        let dir = shared_tempdir();
        let volumes = dir.join("volumes.csv");
        std::fs::write(&volumes, "la_code,requests\n951,120\n999,30\n").unwrap();
        let out = dir.join("out");
        let done = run_with(
            &root().join("fixtures/forms"),
            &out,
            &root().join("mappings"),
            &["--quiet", "--volumes", volumes.to_str().unwrap()],
        );
        assert_eq!(code(&done), 0, "{}", stderr(&done));
        out
    })
}

fn report(out: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap()
}

#[test]
fn northmoor_s_minutes_are_the_hand_computed_ones() {
    // Coefficients (mappings/senco-time.toml): tick 0.25, short 1, paragraph 15, attachment 10, signature 2;
    // a group question once per member (Northmoor's `cells` list two).
    // Statutory (must/should): full name (forename and surname: one printed question) 1, date of birth 1,
    // address 1, postcode 1, requester role (tick) 0.25, requester name 1, parents' names 2 x 1,
    // relationships 2 x 1, setting name 1, headteacher 1, needs description (paragraph) 15, child's views 15,
    // parents' views 15, date of request 1                                                       = 57.25
    // Non-statutory: gender (enum: tick) 0.25, UPN 1, NHS number 1, APDR cycles 1, costed provision map
    // ("attached?": attachment) 10, extras: photograph ("attached?") 10, Boxall Profile (text) 1  = 24.25
    // Duplicated: the extra "Child's date of birth" (a national field the form maps) 1           =  1
    let r = report(timed_run());
    let row = r["burden"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["mapping"] == "951-northmoor")
        .unwrap();
    let m = &row["minutes"];
    assert_eq!(m["statutory"], 57.25);
    assert_eq!(m["non_statutory"], 24.25);
    assert_eq!(m["duplicated"], 1.0);
    assert_eq!(m["total"], 82.5);
    assert_eq!(
        m["questions"],
        serde_json::json!([
            ["tick", 2],
            ["short", 15],
            ["paragraph", 3],
            ["attachment", 2]
        ])
    );
}

#[test]
fn volumes_give_national_hours_a_year_by_hand() {
    let r = report(timed_run());
    let t = &r["senco_time"];
    assert_eq!(t["estimate"], true);
    assert_eq!(t["coefficients"].as_array().unwrap().len(), 5);
    let n = &t["national"];
    assert_eq!(n["requests"], 120);
    assert_eq!(n["las"], 1);
    // 120 requests x 24.25 min / 60 = 48.5 h; x 1 min = 2 h; x 82.5 min = 165 h.
    assert_eq!(n["hours_non_statutory"], 48.5);
    assert_eq!(n["hours_duplicated"], 2.0);
    assert_eq!(n["hours_total"], 165.0);
    assert_eq!(n["hours_saved"], 50.5);
    let template = t["template_minutes"].as_f64().unwrap();
    let on_template = (template * 120.0 / 60.0 * 100.0).round() / 100.0;
    assert_eq!(n["hours_on_template"].as_f64().unwrap(), on_template);
    let gaps = n["hours_for_gaps"].as_f64().unwrap();
    assert!(
        (gaps - (on_template - (165.0 - 50.5)).max(0.0)).abs() < 0.02,
        "{gaps}"
    );
    assert_eq!(n["volumes_without_form"], serde_json::json!(["999"]));
    assert!(
        n["forms_without_volume"]
            .as_array()
            .unwrap()
            .contains(&"952".into())
    );
}

#[test]
fn every_report_labels_the_estimate_and_shows_its_model() {
    let out = timed_run();
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("Estimated SENCo time (an estimate, not a measurement)"),
        "html"
    );
    assert!(
        html.contains("assumption: draft about 150 words"),
        "the model on the page"
    );
    assert!(
        html.contains("<b>51 hours a year saved</b>")
            || html.contains("<b>50 hours a year saved</b>")
    );
    use calamine::{Reader, Xlsx, open_workbook};
    let mut book: Xlsx<_> = open_workbook(out.join("report.xlsx")).unwrap();
    let sheet = book.worksheet_range("SENCo time").unwrap();
    let text: Vec<String> = sheet.rows().flatten().map(|c| c.to_string()).collect();
    assert!(text.iter().any(|c| c.starts_with("ESTIMATE")), "{text:?}");
    assert!(text.iter().any(|c| c == "50.5"), "{text:?}");
    let burden = book.worksheet_range("Burden").unwrap();
    let header: Vec<String> = burden
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert!(
        header.contains(&"est_minutes_total".to_string()),
        "{header:?}"
    );
}

#[test]
fn a_bad_volumes_file_stops_the_run_before_anything_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let volumes = tmp.path().join("v.csv");
    std::fs::write(&volumes, "la_code,requests\n951,lots\n").unwrap();
    let out = tmp.path().join("out");
    let done = run_with(
        &root().join("fixtures/forms/northmoor"),
        &out,
        &root().join("mappings"),
        &["--volumes", volumes.to_str().unwrap()],
    );
    assert_eq!(code(&done), 2);
    assert!(
        stderr(&done).contains("line 2: the requests for 951 are not a whole number"),
        "{}",
        stderr(&done)
    );
    assert!(!out.join("manifest.json").exists());
}

#[test]
fn a_changed_volumes_file_rewrites_the_reports_and_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let volumes = tmp.path().join("v.csv");
    let run = |requests: u32| {
        std::fs::write(&volumes, format!("la_code,requests\n951,{requests}\n")).unwrap();
        let done = run_with(
            &root().join("fixtures/forms/northmoor"),
            &out,
            &root().join("mappings"),
            &["--volumes", volumes.to_str().unwrap()],
        );
        assert_eq!(code(&done), 0, "{}", stderr(&done));
        stderr(&done)
    };
    run(120);
    let same = run(120);
    assert!(
        same.contains("Outputs in ")
            && same.contains(": manifest.json, manifest.csv. Left as they were"),
        "{same}"
    );
    let changed = run(500);
    assert!(
        changed
            .contains(": report.json, report.html, report.xlsx, manifest.json, manifest.csv. Left as they were"),
        "{changed}"
    );
    assert_eq!(report(&out)["senco_time"]["national"]["requests"], 500);
}
