//! The audit reports on the bundled fixtures, through the real binary: report.json against its schema and field
//! by field against the fixture mappings and expected records, drift on a changed form, no personal data in any
//! report, report.html in headless Chromium, report.xlsx read back with calamine, and `harmonise report`.
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::util::*;
use serde_json::Value;

const TODAY: &str = "2026-11-28";

/// Runs the fixtures (or `input`) with a mappings folder into `out`; returns report.json.
fn run(input: &Path, mappings: &Path, out: &Path) -> Value {
    let result = harmonise(&[
        "run",
        "--input",
        input.to_str().unwrap(),
        "--mappings",
        mappings.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--today",
        TODAY,
        "--quiet",
    ]);
    assert_eq!(code(&result), 0, "stderr: {}", stderr(&result));
    report_json(out)
}

fn report_json(out: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap()
}

/// The bundled fixtures run once for the tests that only read its outputs: its out folder and report.json.
fn shared_fixture_run() -> &'static (PathBuf, Value) {
    static RUN: OnceLock<(PathBuf, Value)> = OnceLock::new();
    RUN.get_or_init(|| {
        let out = shared_tempdir().join("out");
        let report = run(
            &root().join("fixtures/forms"),
            &root().join("mappings"),
            &out,
        );
        (out, report)
    })
}

/// The bundled fixtures run into a folder of the caller's own, for a test that changes what the run wrote.
fn fixture_run() -> (tempfile::TempDir, PathBuf, Value) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let report = run(
        &root().join("fixtures/forms"),
        &root().join("mappings"),
        &out,
    );
    (tmp, out, report)
}

fn form<'a>(report: &'a Value, mapping: &str) -> &'a Value {
    report["forms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["mapping"] == mapping)
        .unwrap_or_else(|| panic!("no form {mapping}"))
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x[key].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn report_json_validates_against_its_schema() {
    let (_out, report) = shared_fixture_run();
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schemas/report.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "report.json breaks its schema:\n{}",
        errors.join("\n")
    );
    // And the schema really constrains: a report missing a required key fails.
    let mut broken = report.clone();
    broken["forms"][0].as_object_mut().unwrap().remove("gaps");
    assert!(!validator.is_valid(&broken));
}

/// Coverage gaps (must and should), read off the fixture mappings: the national fields each does not map.
#[test]
fn coverage_gaps_per_fixture_la() {
    let (_out, report) = shared_fixture_run();
    let gaps = |m: &str, level: &str| -> Vec<String> {
        form(report, m)["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["statutory"] == level)
            .map(|g| g["field"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(gaps("951-northmoor", "must"), ["parents.address"]);
    assert_eq!(
        gaps("951-northmoor", "should"),
        [
            "request.parent_agreement",
            "child.gp_practice",
            "child.year_group",
            "child.looked_after",
            "needs.primary_area",
            "needs.health",
            "needs.social_care",
            "evidence.attainment",
            "evidence.action_taken",
            "evidence.progress_with_support",
            "professionals.name",
            "professionals.service",
            "young_person.additional_time"
        ]
    );
    assert!(gaps("952-eastbridge", "must").is_empty());
    assert_eq!(
        gaps("952-eastbridge", "should"),
        [
            "child.gp_practice",
            "setting.headteacher_name",
            "needs.primary_area",
            "needs.social_care",
            "evidence.attainment",
            "evidence.action_taken",
            "evidence.progress_with_support",
            "views.parent",
            "professionals.name",
            "professionals.service",
            "young_person.additional_time"
        ]
    );
    assert!(gaps("953-westvale", "must").is_empty());
    assert_eq!(
        gaps("953-westvale", "should"),
        [
            "request.parent_agreement",
            "child.gp_practice",
            "child.looked_after",
            "needs.health",
            "needs.social_care",
            "evidence.attainment",
            "evidence.action_taken",
            "evidence.progress_with_support",
            "views.parent",
            "young_person.additional_time"
        ]
    );
    // Every template field is either mapped (a completeness row) or a gap, exactly once.
    let template_len = report["fields"].as_array().unwrap().len();
    for f in report["forms"].as_array().unwrap() {
        let n = f["gaps"].as_array().unwrap().len() + f["completeness"].as_array().unwrap().len();
        assert_eq!(n, template_len, "{}", f["mapping"]);
    }
    // The CTF (xml) carries identity and SEN data only: nine must fields are not in it.
    assert_eq!(
        gaps("959-ctf", "must"),
        [
            "request.date",
            "request.requester_role",
            "request.requester_name",
            "child.address",
            "child.postcode",
            "parents.name",
            "parents.relationship",
            "parents.address",
            "needs.description"
        ]
    );
    assert!(gaps("957-riverton", "must").is_empty());
    assert!(gaps("958-halden", "must").is_empty());
    // The pdf and docx forms: no parents' address anywhere but Eastbridge, Westvale and the xml exports; Kingsmere
    // (fillable and print view alike) never asks who makes the request; Fenwick never asks the relationship.
    assert_eq!(gaps("954-southport", "must"), ["parents.address"]);
    for kingsmere in ["955-kingsmere", "956-kingsmere-flat"] {
        assert_eq!(
            gaps(kingsmere, "must"),
            ["request.requester_role", "parents.address"]
        );
    }
    assert_eq!(gaps("960-ashcombe", "must"), ["parents.address"]);
    assert_eq!(
        gaps("961-fenwick", "must"),
        ["parents.relationship", "parents.address"]
    );
    assert_eq!(gaps("968-hollowmere", "must"), ["parents.address"]);
    assert_eq!(
        report["summary"]["must_gaps"],
        1 + 9 + 1 + 2 + 2 + 1 + 2 + 1
    );
}

/// Completeness, checked against an independent oracle: the generator's expected records.
#[test]
fn completeness_matches_the_expected_records() {
    let (_out, report) = shared_fixture_run();
    let mut expected: BTreeMap<String, Value> = BTreeMap::new();
    for entry in std::fs::read_dir(root().join("fixtures/expected")).unwrap() {
        let part: BTreeMap<String, Value> =
            serde_json::from_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap()).unwrap();
        expected.extend(part);
    }
    assert_eq!(report["forms"].as_array().unwrap().len(), 12);
    for f in report["forms"].as_array().unwrap() {
        let mapping = f["mapping"].as_str().unwrap();
        let filled: Vec<&Value> = expected
            .values()
            .filter(|r| r["mapping"] == mapping && r["status"] != "blank")
            .collect();
        assert_eq!(f["documents"]["filled"], filled.len() as u64, "{mapping}");
        assert!(
            filled.len() >= 2,
            "{mapping}: every fixture form has filled documents"
        );
        let blank = expected
            .values()
            .filter(|r| r["mapping"] == mapping && r["status"] == "blank")
            .count();
        assert_eq!(f["documents"]["blank"], blank as u64, "{mapping}");
        for c in f["completeness"].as_array().unwrap() {
            let id = c["field"].as_str().unwrap();
            let count = |status: &str| {
                filled
                    .iter()
                    .filter(|r| r["fields"][id]["status"] == status)
                    .count() as u64
            };
            for status in ["ok", "empty", "invalid", "not_found"] {
                assert_eq!(c[status], count(status), "{mapping} {id} {status}");
            }
            assert_eq!(c["filled"], filled.len() as u64);
        }
    }
    let field = |m: &str, id: &str| -> Value {
        form(report, m)["completeness"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["field"] == id)
            .unwrap()
            .clone()
    };
    let upn = field("951-northmoor", "child.upn");
    assert_eq!(
        (upn["ok"].as_u64(), upn["invalid"].as_u64()),
        (Some(5), Some(1))
    );
    assert_eq!(upn["invalid_share"], 0.1667);
    assert_eq!(
        upn["invalid_reasons"][0]["reason"],
        "UPN check letter is wrong"
    );
    let dob = field("952-eastbridge", "child.date_of_birth");
    assert_eq!(
        (
            dob["ok"].as_u64(),
            dob["empty"].as_u64(),
            dob["invalid"].as_u64()
        ),
        (Some(4), Some(1), Some(1))
    );
    assert_eq!(
        dob["invalid_reasons"][0]["reason"],
        "not a real calendar date"
    );
    let dob = field("953-westvale", "child.date_of_birth");
    assert_eq!(
        dob["invalid_reasons"][0]["reason"],
        "age 30 at the request date is outside 0-25"
    );
    assert_eq!(
        field("952-eastbridge", "child.preferred_name")["ok_share"],
        0.3333
    );
}

#[test]
fn non_statutory_demands_duplicates_clusters_and_burden() {
    let (_out, report) = shared_fixture_run();
    let demands = |m: &str| -> BTreeSet<String> {
        strings(&form(report, m)["non_statutory"], "id")
            .into_iter()
            .collect()
    };
    let set = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(
        demands("951-northmoor"),
        set(&[
            "child.gender",
            "child.upn",
            "child.nhs_number",
            "evidence.apdr_cycles",
            "evidence.costed_provision_map",
            "dob_again",
            "photograph",
            "boxall_profile"
        ])
    );
    assert_eq!(
        demands("952-eastbridge"),
        set(&[
            "child.preferred_name",
            "child.gender",
            "child.upn",
            "setting.senco_name",
            "evidence.ep_report",
            "photograph",
            "sdq_score",
            "fixed_term_exclusions"
        ])
    );
    assert_eq!(
        demands("953-westvale"),
        set(&[
            "child.upn",
            "child.nhs_number",
            "child.first_language",
            "child.pupil_premium",
            "needs.primary_need_type",
            "parents.phone",
            "consent.information_sharing",
            "setting.urn",
            "setting.type",
            "setting.senco_name",
            "setting.senco_contact",
            "evidence.attendance_percent",
            "name_of_setting",
            "exclusions",
            "boxall_profile",
            "sdq_total"
        ])
    );

    // Within a form: Northmoor asks the date of birth twice; Westvale asks "Name of setting" beside "Current school".
    let dups = |m: &str| -> Vec<(String, String)> {
        form(report, m)["duplicates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["extra"].as_str().unwrap().into(),
                    d["field"].as_str().unwrap().into(),
                )
            })
            .collect()
    };
    assert_eq!(
        dups("951-northmoor"),
        [("dob_again".into(), "child.date_of_birth".into())]
    );
    assert!(dups("952-eastbridge").is_empty());
    assert_eq!(
        dups("953-westvale"),
        [("name_of_setting".into(), "setting.name".into())]
    );

    // Across LAs: four demands made by several LAs each (counted by LA code), then the single-LA extras.
    let clusters: Vec<(u64, BTreeSet<(String, String)>)> = report["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let members = c["members"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| {
                    (
                        m["mapping"].as_str().unwrap().into(),
                        m["extra"].as_str().unwrap().into(),
                    )
                })
                .collect();
            (c["las"].as_u64().unwrap(), members)
        })
        .collect();
    let cluster = |las: u64, members: &[(&str, &str)]| {
        (
            las,
            members
                .iter()
                .map(|(m, e)| (m.to_string(), e.to_string()))
                .collect::<BTreeSet<_>>(),
        )
    };
    // Kingsmere's fillable form and its print view are one LA (955): its Boxall question counts once.
    let want_recurring = vec![
        cluster(
            5,
            &[
                ("951-northmoor", "boxall_profile"),
                ("953-westvale", "boxall_profile"),
                ("955-kingsmere", "boxall_profile"),
                ("956-kingsmere-flat", "boxall_profile"),
                ("958-halden", "boxall_profile"),
                ("961-fenwick", "boxall_profile"),
            ],
        ),
        cluster(
            5,
            &[
                ("951-northmoor", "photograph"),
                ("952-eastbridge", "photograph"),
                ("954-southport", "photograph"),
                ("957-riverton", "photograph"),
                ("960-ashcombe", "photograph"),
            ],
        ),
        // "Has the child been excluded in the last 12 months?" joins through the synonym table.
        cluster(
            4,
            &[
                ("952-eastbridge", "fixed_term_exclusions"),
                ("953-westvale", "exclusions"),
                ("958-halden", "exclusions"),
                ("961-fenwick", "exclusions_12_months"),
            ],
        ),
        cluster(
            4,
            &[
                ("952-eastbridge", "sdq_score"),
                ("953-westvale", "sdq_total"),
                ("954-southport", "sdq_score"),
                ("957-riverton", "sdq_score"),
            ],
        ),
    ];
    for want in &want_recurring {
        assert!(
            clusters.contains(want),
            "missing cluster {want:?} in {clusters:?}"
        );
    }
    assert_eq!(clusters.len(), 7, "{clusters:?}");
    assert_eq!(
        clusters
            .iter()
            .take(4)
            .map(|(las, _)| *las)
            .collect::<Vec<_>>(),
        [5, 5, 4, 4],
        "most widely demanded first"
    );
    assert!(
        clusters
            .iter()
            .skip(4)
            .all(|(las, m)| *las == 1 && m.len() == 1)
    );
    assert_eq!(report["summary"]["recurring_clusters"], 4);

    // Burden, worst first.
    let burden: Vec<(String, u64, u64, u64, u64)> = report["burden"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["mapping"].as_str().unwrap().into(),
                b["fields_asked"].as_u64().unwrap(),
                b["statutory"].as_u64().unwrap(),
                b["non_statutory"].as_u64().unwrap(),
                b["duplicated"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        burden,
        [
            ("953-westvale".to_string(), 35, 19, 16, 1),
            ("951-northmoor".to_string(), 23, 15, 8, 1),
            ("952-eastbridge".to_string(), 26, 18, 8, 0),
            ("957-riverton".to_string(), 25, 17, 8, 0),
            ("960-ashcombe".to_string(), 20, 14, 6, 0),
            ("958-halden".to_string(), 20, 15, 5, 0),
            ("954-southport".to_string(), 19, 14, 5, 0),
            ("961-fenwick".to_string(), 17, 12, 5, 0),
            ("955-kingsmere".to_string(), 18, 14, 4, 0),
            ("956-kingsmere-flat".to_string(), 18, 14, 4, 0),
            ("968-hollowmere".to_string(), 18, 15, 3, 0),
            ("959-ctf".to_string(), 7, 4, 3, 0),
        ]
    );
}

#[test]
fn the_fixtures_drift_only_where_the_ctf_carries_more_than_is_mapped() {
    let (_out, report) = shared_fixture_run();
    for f in report["forms"].as_array().unwrap() {
        assert_eq!(
            f["drift"]["not_found"],
            Value::Array(vec![]),
            "{}",
            f["mapping"]
        );
        if f["mapping"] != "959-ctf" {
            assert_eq!(
                f["drift"]["unconsumed"],
                Value::Array(vec![]),
                "{}",
                f["mapping"]
            );
        }
    }
    // The CTF mapping reads the rank-1 SEN need only, and not the header's time stamp: the other SEN need and the
    // time stamp vary between documents, so they are answers no rule reads. (SENtypeRank is read by the path's
    // predicate, which the hook does not count as consumption.)
    let ctf = &form(report, "959-ctf")["drift"]["unconsumed"];
    assert_eq!(
        strings(ctf, "key"),
        [
            "/CTfile/CTFpupilData/Pupil/SENhistory/SENneeds/SENneed/SENtype",
            "/CTfile/CTFpupilData/Pupil/SENhistory/SENneeds/SENneed/SENtypeRank",
            "/CTfile/CTFpupilData/Pupil/SENhistory/SENneeds/SENneed[2]/SENtypeRank",
            "/CTfile/Header/DateTime"
        ]
    );
    assert_eq!(ctf[0]["documents"], 6);
    assert_eq!(ctf[3]["documents"], 7);
    assert_eq!(report["summary"]["drift_warnings"], 4);
    assert_eq!(report["summary"]["unconsumed_checked"], true);
}

/// A changed form: a label no longer found (Eastbridge) and a question no rule reads any more (Northmoor).
#[test]
fn drift_is_reported_when_forms_and_mappings_part_ways() {
    let tmp = tempfile::tempdir().unwrap();
    let maps = tmp.path().join("mappings");
    copy_tree(&root().join("mappings"), &maps);
    let east = std::fs::read_to_string(maps.join("952-eastbridge.toml")).unwrap();
    let (before, after) = east.split_once("[fields.\"needs.health\"]").unwrap();
    let rule_end = after.find("\n[").unwrap();
    let changed = format!(
        "{before}[fields.\"needs.health\"]\nprinted = \"Health needs\"\nlabel = '(?i)^medical needs$'\ntake = \"right\"\n{}",
        &after[rule_end..]
    );
    std::fs::write(maps.join("952-eastbridge.toml"), changed).unwrap();
    let north = std::fs::read_to_string(maps.join("951-northmoor.toml")).unwrap();
    let north = north.replace(
        "[fields.\"child.nhs_number\"]\nprinted = \"NHS number\"\ncell = \"Request!C9\"\n",
        "",
    );
    assert!(!north.contains("child.nhs_number"));
    std::fs::write(maps.join("951-northmoor.toml"), north).unwrap();

    let report = run(
        &root().join("fixtures/forms"),
        &maps,
        &tmp.path().join("out"),
    );
    let east = &form(&report, "952-eastbridge")["drift"];
    assert_eq!(east["not_found"].as_array().unwrap().len(), 1, "{east}");
    let nf = &east["not_found"][0];
    assert_eq!(nf["field"], "needs.health");
    assert_eq!(nf["locator"], "label /(?i)^medical needs$/ right");
    assert_eq!(
        nf["documents"], 7,
        "every recognised document, the blank one too"
    );
    assert_eq!(
        nf["examples"],
        serde_json::json!([
            "eastbridge/blank.xlsx",
            "eastbridge/filled-01.xlsx",
            "eastbridge/filled-02.xlsx"
        ])
    );
    let north = &form(&report, "951-northmoor")["drift"];
    let keys = strings(&north["unconsumed"], "key");
    assert_eq!(
        keys,
        ["Request!C9"],
        "the NHS number answers, not the printed question in B9"
    );
    assert_eq!(north["unconsumed"][0]["documents"], 5);
    assert!(
        form(&report, "953-westvale")["drift"]["unconsumed"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

/// Every value in records.jsonl that could identify a child (longer than 2 characters, not an enum, bool or
/// number) is absent from every report.
#[test]
fn no_personal_data_in_any_report() {
    let (out, _report) = shared_fixture_run();
    let template =
        harmonise::template::Template::load(&root().join("mappings/national-template.toml"))
            .unwrap();
    let mut values = BTreeSet::new();
    let text = std::fs::read_to_string(out.join("records.jsonl")).unwrap();
    // The template's own wording (a legal basis saying "Year 9+") is no personal value, even where an answer
    // ("Year 9") is the same words.
    let template_text =
        std::fs::read_to_string(root().join("mappings/national-template.toml")).unwrap();
    let mut collect = |field: &str, v: &Value| {
        let enum_field = template
            .get(field)
            .is_some_and(|d| matches!(d.ty, harmonise::template::FieldType::Enum(_)));
        if let Some(s) = v.as_str() {
            let plain = s.parse::<f64>().is_ok()
                || ["true", "false", "yes", "no"].contains(&s.to_lowercase().as_str());
            if s.chars().count() > 2 && !plain && !enum_field && !template_text.contains(s) {
                values.insert(s.to_string());
            }
        }
    };
    for line in text.lines() {
        let r: Value = serde_json::from_str(line).unwrap();
        for section in ["fields", "extras"] {
            for (id, f) in r[section].as_object().into_iter().flatten() {
                collect(id, &f["value"]);
                for item in f["items"].as_array().into_iter().flatten() {
                    collect(id, &item["value"]);
                }
            }
        }
    }
    assert!(
        values.len() > 50,
        "the fixtures hold personal values: {}",
        values.len()
    );
    let json = std::fs::read_to_string(out.join("report.json")).unwrap();
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let xlsx = xlsx_text(&out.join("report.xlsx"));
    for v in &values {
        for (name, text) in [
            ("report.json", &json),
            ("report.html", &html),
            ("report.xlsx", &xlsx),
        ] {
            assert!(
                !text.contains(v.as_str()),
                "{name} contains a record value ({} characters)",
                v.chars().count()
            );
        }
    }
}

fn xlsx_text(path: &Path) -> String {
    use calamine::{Reader, Xlsx, open_workbook};
    let mut book: Xlsx<_> = open_workbook(path).unwrap();
    let mut all = String::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).unwrap();
        for row in range.rows() {
            for c in row {
                all.push_str(&c.to_string());
                all.push('\t');
            }
            all.push('\n');
        }
    }
    all
}

#[test]
fn report_xlsx_has_one_sheet_per_table() {
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let (out, _report) = shared_fixture_run();
    let mut book: Xlsx<_> = open_workbook(out.join("report.xlsx")).unwrap();
    assert_eq!(
        book.sheet_names(),
        [
            "Findings",
            "Read-me",
            "Summary",
            "Failures",
            "Burden",
            "SENCo time",
            "Coverage",
            "Coverage list",
            "Gaps",
            "Completeness",
            "Non-statutory",
            "Duplicates",
            "Clusters",
            "Versions",
            "Drift"
        ]
    );
    let burden = book.worksheet_range("Burden").unwrap();
    let header: Vec<String> = burden
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(
        header,
        [
            "rank",
            "mapping",
            "la_code",
            "la_name",
            "fields_asked",
            "statutory",
            "must",
            "should",
            "non_statutory",
            "duplicated",
            "est_minutes_statutory",
            "est_minutes_non_statutory",
            "est_minutes_duplicated",
            "est_minutes_total"
        ]
    );
    let first: Vec<&Data> = burden.rows().nth(1).unwrap().iter().collect();
    assert_eq!(first[1], &Data::String("953-westvale".into()));
    assert_eq!(first[4], &Data::Float(35.0));
    let gaps = book.worksheet_range("Gaps").unwrap();
    let must = gaps
        .rows()
        .filter(|r| r.get(2) == Some(&Data::String("must".into())))
        .count();
    assert_eq!(must, 19);
    let coverage = book.worksheet_range("Coverage").unwrap();
    assert_eq!(
        coverage.rows().count(),
        1 + 12,
        "header, one row per LA form"
    );
    // Numbers only past the two label columns: no GAP / asked text among the shares.
    for row in coverage.rows().skip(1) {
        for cell in &row[2..] {
            assert!(
                matches!(cell, Data::Float(_) | Data::Empty),
                "a coverage cell that is not a number: {cell:?}"
            );
        }
    }
    let listed = book.worksheet_range("Coverage list").unwrap();
    assert_eq!(
        listed.rows().count(),
        1 + 12 * 54,
        "one row per form and field"
    );
    let readme = book.worksheet_range("Read-me").unwrap();
    let explained: BTreeSet<String> = readme.rows().skip(1).map(|r| r[0].to_string()).collect();
    for sheet in book.sheet_names() {
        assert!(
            sheet == "Read-me" || explained.contains(&sheet),
            "Read-me explains {sheet}"
        );
    }

    // What calamine does not expose, read from the workbook's XML: a filter on every sheet, the header row and
    // first column frozen, shares as percentages, the heatmap's colours as conditional formatting.
    let file = std::fs::File::open(out.join("report.xlsx")).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut part = |name: &str| -> String {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut text).unwrap();
        text
    };
    let styles = part("xl/styles.xml");
    assert!(
        styles.contains("formatCode=\"0%\""),
        "a percentage number format"
    );
    for i in 1..=book.sheet_names().len() {
        let sheet = part(&format!("xl/worksheets/sheet{i}.xml"));
        assert!(
            sheet.contains("<autoFilter ref=\"A1:"),
            "sheet {i} has a filter"
        );
        assert!(
            sheet.contains("xSplit=\"1\" ySplit=\"1\""),
            "sheet {i} freezes its header and first column"
        );
    }
    // The Coverage sheet, by its place in the workbook.
    let at = book
        .sheet_names()
        .iter()
        .position(|n| n == "Coverage")
        .expect("a Coverage sheet");
    let coverage = part(&format!("xl/worksheets/sheet{}.xml", at + 1));
    assert!(coverage.contains("<conditionalFormatting"));
    assert!(
        coverage.contains("<colorScale>")
            && coverage.contains("FF440154")
            && coverage.contains("FFFDE725")
    );
    let completeness = book.worksheet_range("Completeness").unwrap();
    let header: Vec<String> = completeness
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let ok_share = header.iter().position(|h| h == "ok_share").unwrap();
    assert!(matches!(
        completeness.rows().nth(1).unwrap()[ok_share],
        Data::Float(_)
    ));
    let clusters = book.worksheet_range("Clusters").unwrap();
    assert_eq!(
        clusters.rows().count(),
        1 + 6 + 5 + 4 + 4 + 1 + 1 + 1,
        "header and one row per extra"
    );
}

#[test]
fn report_html_renders_in_headless_chromium() {
    let (out, _report) = shared_bad_run();
    let tmp = tempfile::tempdir().unwrap();
    let chromium = Path::new("/usr/bin/chromium");
    assert!(
        chromium.exists(),
        "/usr/bin/chromium is missing: `sudo apt-get install chromium fonts-dejavu-core`, or run scripts/test.sh, which \
installs it; this test must not be skipped"
    );
    let html = out.join("report.html");
    let text = std::fs::read_to_string(&html).unwrap();
    for external in ["src=", "href=\"http", "@import", "url(", "<link"] {
        assert!(
            !text.contains(external),
            "report.html must be self-contained: {external}"
        );
    }
    assert_eq!(text.matches("<script").count(), 1, "one inline script");
    let browser = |page: &Path, extra: &[&str]| {
        let profile = tmp.path().join(format!("profile-{}", extra.len()));
        let out = Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--enable-logging=stderr",
                "--v=0",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(extra)
            .arg(format!("file://{}", page.display()))
            .output()
            .expect("chromium runs");
        assert!(
            out.status.success(),
            "chromium failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let log = String::from_utf8_lossy(&out.stderr).into_owned();
        for line in log.lines() {
            assert!(
                !line.contains("Uncaught") && !line.contains("Refused"),
                "console error: {line}"
            );
        }
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let dom = browser(&html, &["--dump-dom"]);
    let heatmap = dom
        .split("<table class=\"hm\">")
        .nth(1)
        .expect("the heatmap is a table");
    let heatmap = heatmap.split("</table>").next().unwrap();
    assert!(
        heatmap.matches("<td").count() >= 12 * 54,
        "a cell per LA and field"
    );
    // Labels in words (ids on hover), band headings in words, the share printed in each asked cell.
    assert!(
        heatmap.contains("title=\"child.forename (must)\"><span>Child's legal first name</span>")
    );
    assert!(heatmap.contains(">Required by law (must)</th>"));
    assert!(heatmap.contains("style=\"background:#fde725;color:#000\""));
    assert!(heatmap.contains(">100</td>"));
    for id in [
        "summary",
        "heatmap",
        "burden",
        "gaps",
        "completeness",
        "demands",
        "duplicates",
        "drift",
    ] {
        assert!(dom.contains(&format!("id=\"{id}\"")), "section {id}");
    }
    assert!(
        dom.matches("<table").count() >= 6,
        "the tables are rendered"
    );
    assert!(dom.contains("Westvale County Council"));
    // The findings come first, the failures are listed, and the script made the tables sortable and filterable.
    let first = dom.find("<section").unwrap();
    assert!(dom[first..].starts_with("<section id=\"findings\">"));
    assert!(
        dom.contains("<section id=\"failures\">") && dom.contains("<code>bad/notes.txt</code>")
    );
    assert!(
        dom.contains("<button type=\"button\" class=\"sort\">"),
        "sort buttons"
    );
    assert!(dom.contains("class=\"filter\""), "filter boxes");

    // A click on the burden table's "Fields asked" header sorts it; typing in its filter hides the other rows.
    // The page is copied with a script of the test's after the report's own, which runs first.
    let probe = tmp.path().join("probe.html");
    let script = r##"<script>
(function () {
  var table = document.querySelector("#burden table.data");
  var rows = function () { return Array.prototype.slice.call(table.tBodies[0].rows); };
  var before = rows().map(function (r) { return r.cells[3].textContent.trim(); });
  table.tHead.rows[0].cells[3].querySelector("button").click();
  var after = rows().map(function (r) { return r.cells[3].textContent.trim(); });
  var filter = document.querySelector("#burden input.filter");
  filter.value = "westvale";
  filter.dispatchEvent(new Event("input"));
  var shown = rows().filter(function (r) { return !r.hidden; }).length;
  document.body.setAttribute("data-before", before.join(","));
  document.body.setAttribute("data-after", after.join(","));
  document.body.setAttribute("data-shown", String(shown));
})();
</script></body>"##;
    std::fs::write(&probe, text.replace("</body>", script)).unwrap();
    let dom = browser(&probe, &["--dump-dom"]);
    let attr = |name: &str| -> String {
        let at = dom
            .find(&format!("{name}=\""))
            .unwrap_or_else(|| panic!("{name} set"))
            + name.len()
            + 2;
        dom[at..at + dom[at..].find('"').unwrap()].to_string()
    };
    let numbers = |s: String| -> Vec<u64> { s.split(',').map(|n| n.parse().unwrap()).collect() };
    let (before, after) = (numbers(attr("data-before")), numbers(attr("data-after")));
    let mut sorted = before.clone();
    sorted.sort_unstable();
    assert_eq!(after, sorted, "sorted by fields asked, ascending");
    assert_ne!(
        before, after,
        "the burden ranking is not the fields-asked order"
    );
    assert_eq!(attr("data-shown"), "1", "the filter leaves Westvale's row");

    // Screenshots at a laptop's width and a phone's, saved for a person to look at.
    for width in [1400, 390] {
        let shot = root().join(format!("target/report-{width}.png"));
        let _ = std::fs::remove_file(&shot);
        browser(
            &html,
            &[
                &format!("--screenshot={}", shot.display()),
                &format!("--window-size={width},2400"),
                "--hide-scrollbars",
            ],
        );
        let png = std::fs::read(&shot).expect("a screenshot");
        assert!(
            png.starts_with(b"\x89PNG") && png.len() > 20_000,
            "a real screenshot"
        );
        // The PNG's header holds its width.
        assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), width);
    }
}

#[test]
fn harmonise_report_rebuilds_the_reports_from_records() {
    let (_tmp, out, from_run) = fixture_run();
    for f in ["report.json", "report.html", "report.xlsx"] {
        std::fs::remove_file(out.join(f)).unwrap();
    }
    let result = harmonise(&["report", out.to_str().unwrap(), "--quiet"]);
    assert_eq!(code(&result), 0, "{}", stderr(&result));
    let rebuilt = report_json(&out);
    assert!(out.join("report.html").exists() && out.join("report.xlsx").exists());
    assert_eq!(rebuilt["summary"]["unconsumed_checked"], false);
    let mut a = from_run.clone();
    a["summary"]["unconsumed_checked"] = Value::Bool(false);
    // A rebuild is a commit of its own, under a new run id that the manifest lists with the reports.
    assert_ne!(rebuilt["run_id"], from_run["run_id"]);
    let listed =
        serde_json::from_str::<Value>(&std::fs::read_to_string(out.join("manifest.json")).unwrap())
            .unwrap()["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["file"] == "report.json")
            .unwrap()["run_id"]
            .clone();
    assert_eq!(listed, rebuilt["run_id"]);
    a["run_id"] = rebuilt["run_id"].clone();
    // Its metadata says it was rebuilt, from the input folder the manifest names; a rebuild has no changes.
    assert_eq!(rebuilt["run"]["rebuilt"], true);
    assert_eq!(
        rebuilt["run"]["input_folder"],
        from_run["run"]["input_folder"]
    );
    assert!(rebuilt["changes"].is_null());
    a["run"]["rebuilt"] = Value::Bool(true);
    let ctf = a["forms"]
        .as_array()
        .unwrap()
        .iter()
        .position(|f| f["mapping"] == "959-ctf")
        .unwrap();
    a["forms"][ctf]["drift"]["unconsumed"] = Value::Array(vec![]);
    a["summary"]["drift_warnings"] = Value::from(0);
    // Without that check, the CTF's drift finding (answers no rule reads) is gone too.
    let texts = |r: &Value| -> Vec<String> { strings(&r["findings"], "text") };
    let mut expected = texts(&a);
    expected.retain(|t| !t.contains("(959-ctf)"));
    assert_eq!(texts(&rebuilt), expected);
    a["findings"] = rebuilt["findings"].clone();
    assert_eq!(
        a, rebuilt,
        "the same report, but for the unconsumed-field check"
    );

    let empty = tempfile::tempdir().unwrap();
    let result = harmonise(&["report", empty.path().to_str().unwrap()]);
    assert_eq!(code(&result), 2);
    assert!(
        stderr(&result).contains("records.jsonl"),
        "{}",
        stderr(&result)
    );

    let bad = tempfile::tempdir().unwrap();
    copy_tree(&root().join("mappings"), bad.path());
    std::fs::write(bad.path().join("synonyms.toml"), "[terms]\nsdq = [1]\n").unwrap();
    let result = harmonise(&[
        "report",
        out.to_str().unwrap(),
        "--mappings",
        bad.path().to_str().unwrap(),
    ]);
    assert_eq!(code(&result), 2);
    assert!(
        stderr(&result).contains("synonyms.toml:2:7"),
        "{}",
        stderr(&result)
    );
}

/// The cells of one sheet of a workbook, as text.
fn sheet_cells(path: &Path, sheet: &str) -> Vec<Vec<String>> {
    use calamine::{Reader, Xlsx, open_workbook};
    let mut book: Xlsx<_> = open_workbook(path).unwrap();
    let range = book.worksheet_range(sheet).unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

#[test]
fn a_source_key_longer_than_an_excel_cell_is_cut_visibly_in_every_report() {
    // An XML element name of 32,768 characters, which no rule reads: it reaches the drift tables. It used to
    // abort report.xlsx (Excel's cell limit) and with it the whole run.
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let halden = root().join("fixtures/forms/halden");
    std::fs::copy(halden.join("filled-02.xml"), input.join("filled-02.xml")).unwrap();
    let form = std::fs::read_to_string(halden.join("filled-01.xml")).unwrap();
    let name = "E".repeat(32_768);
    let long = form.replace(
        "</HaldenEHCRequest>",
        &format!("<{name}>x</{name}></HaldenEHCRequest>"),
    );
    assert_ne!(long, form);
    std::fs::write(input.join("long.xml"), long).unwrap();
    let out = tmp.path().join("out");
    let report = run(&input, &root().join("mappings"), &out);

    let cut = "E… (32786 characters)";
    let keys: Vec<String> = report["forms"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| strings(&f["drift"]["unconsumed"], "key"))
        .filter(|k| k.contains("EEEE"))
        .collect();
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(
        keys[0].starts_with("/HaldenEHCRequest/EEEE") && keys[0].ends_with(cut),
        "{}",
        &keys[0][keys[0].len() - 40..]
    );
    assert_eq!(keys[0].chars().count(), 1_000);

    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains(cut));
    assert!(
        !html.contains(&"E".repeat(1_000)),
        "the page holds the cut key only"
    );

    let drift = sheet_cells(&out.join("report.xlsx"), "Drift");
    let cells: Vec<&String> = drift
        .iter()
        .flatten()
        .filter(|c| c.contains("EEEE"))
        .collect();
    assert_eq!(cells.len(), 1);
    assert_eq!(
        cells[0], &keys[0],
        "the workbook shows the key as report.json does"
    );
}

#[test]
fn formula_like_values_and_file_names_are_neutralised_in_the_csv_and_the_workbook() {
    let tmp = tempfile::tempdir().unwrap();
    let maps = test_mappings(&tmp.path().join("mappings"));
    // A rule that finds nothing, so the workbook's drift sheet names the document.
    std::fs::write(
        maps.join("990-testshire.toml"),
        mapping_text("990", "Testshire")
            + "[fields.\"child.gender\"]\nlabel = '(?i)^no such question$'\ntake = \"right\"\n",
    )
    .unwrap();
    let input = tmp.path().join("in");
    let value = r#"=HYPERLINK("http://example.invalid/x","Amelia")"#;
    let file = r#"=HYPERLINK("http:example.invalid","x").xlsx"#;
    write_form(&input.join(file), "Testshire", value);
    write_form(&input.join("plain.xlsx"), "Testshire", "Amy");
    let out = tmp.path().join("out");
    let result = run_with(&input, &out, &maps, &["--quiet"]);
    assert_eq!(code(&result), 0, "{}", stderr(&result));

    let mut reader = csv::Reader::from_path(out.join("records.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let files: Vec<&str> = rows.iter().map(|r| &r[col("file")]).collect();
    assert_eq!(files, [format!("'{file}").as_str(), "plain.xlsx"]);
    assert_eq!(&rows[0][col("child.forename")], format!("'{value}"));
    assert_eq!(
        &rows[1][col("child.forename")],
        "Amy",
        "other values as they were"
    );
    // records.jsonl keeps the value as it is: it is data, not a spreadsheet.
    assert_eq!(
        records(&out)[file]["fields"]["child.forename"]["value"],
        value
    );

    let drift = sheet_cells(&out.join("report.xlsx"), "Drift");
    let examples = drift[1].last().unwrap();
    assert_eq!(examples, &format!("'{file}, plain.xlsx"));
}

/// The fixtures and `fixtures/bad` run once (exit 3): its out folder and report.json.
fn shared_bad_run() -> &'static (PathBuf, Value) {
    static RUN: OnceLock<(PathBuf, Value)> = OnceLock::new();
    RUN.get_or_init(|| {
        let dir = shared_tempdir();
        let input = dir.join("in");
        copy_tree(&root().join("fixtures/forms"), &input);
        copy_tree(&root().join("fixtures/bad"), &input.join("bad"));
        let out = dir.join("out");
        let result = run_with(&input, &out, &root().join("mappings"), &["--quiet"]);
        assert_eq!(code(&result), 3, "stderr: {}", stderr(&result));
        let report = report_json(&out);
        (out, report)
    })
}

#[test]
fn a_run_with_bad_files_shows_its_failures_in_every_report() {
    let (out, report) = shared_bad_run();
    // report.json: grouped by status and reason, most documents first, and in the summary.
    let groups: Vec<(String, u64)> = report["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["status"].as_str().unwrap().to_string(),
                g["count"].as_u64().unwrap(),
            )
        })
        .collect();
    let by_status: BTreeMap<&str, u64> = groups.iter().fold(BTreeMap::new(), |mut m, (s, n)| {
        *m.entry(s.as_str()).or_default() += n;
        m
    });
    assert_eq!(
        by_status,
        BTreeMap::from([
            ("corrupt", 2),
            ("unrecognised", 2),
            ("unsupported_format", 1)
        ]),
        "{groups:?}"
    );
    assert!(groups.windows(2).all(|w| w[0].1 >= w[1].1), "most first");
    assert_eq!(report["summary"]["failed_documents"], 5);
    let files: BTreeSet<String> = report["failures"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| strings(&g["files"], "path"))
        .collect();
    assert!(
        files.contains("bad/notes.txt") && files.contains("bad/corrupt.xlsx"),
        "{files:?}"
    );
    assert_eq!(files.len(), 5);

    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let section = html
        .split("<section id=\"failures\">")
        .nth(1)
        .expect("a failures section");
    let section = section.split("</section>").next().unwrap();
    for f in &files {
        assert!(
            section.contains(&format!("<code>{f}</code>")),
            "{f} in the failures section"
        );
    }
    assert!(
        section.contains("5 document(s) could not be harmonised"),
        "{section}"
    );
    assert!(section.contains("file is empty (0 bytes)"));

    let sheet = sheet_cells(&out.join("report.xlsx"), "Failures");
    assert_eq!(
        sheet[0],
        ["status", "reason", "documents", "path", "skipped_unchanged"]
    );
    let paths: BTreeSet<&str> = sheet[1..].iter().map(|r| r[3].as_str()).collect();
    assert_eq!(paths, files.iter().map(String::as_str).collect());
    let summary = sheet_cells(&out.join("report.xlsx"), "Summary");
    assert!(
        summary
            .iter()
            .any(|r| r[0] == "documents not harmonised (see Failures)" && r[1] == "5"),
        "{summary:?}"
    );

    // manifest.csv: the manifest's rows, one per input, cells neutralised like records.csv.
    let mut reader = csv::Reader::from_path(out.join("manifest.csv")).unwrap();
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(header[..2], ["path", "size"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let json_rows = manifest_rows(out);
    assert_eq!(rows.len(), json_rows.len());
    let status = header.iter().position(|h| h == "status").unwrap();
    for row in &rows {
        assert_eq!(json_rows[&row[0]]["status"], row[status], "{}", &row[0]);
    }
}

#[test]
fn a_failure_added_to_an_unchanged_folder_reaches_the_reports() {
    // No record changes, so the reports used to stand as they were; they list failures now, so they are rewritten.
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    copy_tree(&root().join("fixtures/forms/northmoor"), &input);
    let out = tmp.path().join("out");
    let maps = root().join("mappings");
    assert_eq!(code(&run_with(&input, &out, &maps, &["--quiet"])), 0);
    assert_eq!(report_json(&out)["failures"], serde_json::json!([]));
    std::fs::copy(
        root().join("fixtures/bad/notes.txt"),
        input.join("notes.txt"),
    )
    .unwrap();
    assert_eq!(code(&run_with(&input, &out, &maps, &["--quiet"])), 3);
    let report = report_json(&out);
    assert_eq!(report["failures"][0]["files"][0]["path"], "notes.txt");
    // Skipped unchanged the night after, it is still listed, as what it was.
    assert_eq!(code(&run_with(&input, &out, &maps, &["--quiet"])), 3);
    let report = report_json(&out);
    assert_eq!(report["failures"][0]["status"], "unsupported_format");
    assert_eq!(report["summary"]["failed_documents"], 1);
    // And gone when the file is.
    std::fs::remove_file(input.join("notes.txt")).unwrap();
    assert_eq!(code(&run_with(&input, &out, &maps, &["--quiet"])), 0);
    assert_eq!(report_json(&out)["failures"], serde_json::json!([]));
}

#[test]
fn every_report_carries_its_run_and_the_changes_since_the_previous_one() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    copy_tree(
        &root().join("fixtures/forms/northmoor"),
        &input.join("northmoor"),
    );
    copy_tree(
        &root().join("fixtures/forms/westvale"),
        &input.join("westvale"),
    );
    let (out, again) = (tmp.path().join("out"), tmp.path().join("again"));
    let maps = root().join("mappings");
    assert_eq!(code(&run_with(&input, &out, &maps, &["--quiet"])), 0);
    let first = report_json(&out);
    let run = &first["run"];
    assert_eq!(
        run["generated_at"], "2026-11-28T02:15:00Z",
        "SOURCE_DATE_EPOCH"
    );
    assert_eq!(run["harmonise_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(run["input_folder"], input.to_str().unwrap());
    assert_eq!(run["template_version"], first["template_version"]);
    assert_eq!(run["mapping_digest"].as_str().unwrap().len(), 64);
    assert!(
        first["changes"].is_null(),
        "a first run has nothing to compare with"
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<time datetime=\"2026-11-28T02:15:00Z\">"));
    assert!(html.contains(&format!("<code>{}</code>", input.display())));
    let summary = sheet_cells(&out.join("report.xlsx"), "Summary");
    let value = |k: &str| summary.iter().find(|r| r[0] == k).unwrap()[1].clone();
    assert_eq!(value("written at (UTC)"), "2026-11-28T02:15:00Z");
    assert_eq!(
        value("mapping digest (blake3)"),
        run["mapping_digest"].as_str().unwrap()
    );

    // For a fixed clock the reports are the same bytes, but for the run id.
    assert_eq!(code(&run_with(&input, &again, &maps, &["--quiet"])), 0);
    for file in ["report.json", "report.html"] {
        let text = |o: &Path| {
            let id = report_json(o)["run_id"].as_str().unwrap().to_string();
            std::fs::read_to_string(o.join(file))
                .unwrap()
                .replace(&id, "")
        };
        assert!(
            text(&out) == text(&again),
            "{file} differs between two runs"
        );
    }

    // A night's changes: one form replaced by another, one removed, a corrupt file added.
    let northmoor = input.join("northmoor");
    std::fs::copy(
        northmoor.join("filled-05.xlsx"),
        northmoor.join("filled-02.xlsx"),
    )
    .unwrap();
    std::fs::remove_file(northmoor.join("filled-03.xlsx")).unwrap();
    std::fs::copy(
        root().join("fixtures/bad/corrupt.xlsx"),
        input.join("broken.xlsx"),
    )
    .unwrap();
    assert_eq!(code(&run_with(&input, &out, &maps, &["--quiet"])), 3);
    let report = report_json(&out);
    let c = &report["changes"];
    assert_eq!(
        (
            &c["added"],
            &c["changed"],
            &c["removed"],
            &c["new_failure_count"]
        ),
        (&1.into(), &1.into(), &1.into(), &1.into()),
        "{c}"
    );
    assert_eq!(c["previous_report"], first["run_id"]);
    assert_eq!(c["new_failures"][0]["path"], "broken.xlsx");
    assert_eq!(c["new_failures"][0]["status"], "corrupt");
    assert_eq!(c["burden"], serde_json::json!([]), "no mapping changed");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let section = html.split("<section id=\"changes\">").nth(1).unwrap();
    assert!(
        section.contains("1 document(s) added, 1 changed, 1 removed"),
        "{}",
        &section[..400]
    );
    assert!(section.contains("<code>broken.xlsx</code>"));
    let summary = sheet_cells(&out.join("report.xlsx"), "Summary");
    assert!(
        summary
            .iter()
            .any(|r| r[0] == "changes: new failures" && r[1] == "1")
    );
}

#[test]
fn the_findings_come_first_ranked_and_each_links_to_its_detail() {
    let (out, report) = shared_bad_run();
    let findings = report["findings"].as_array().unwrap();
    assert!(findings.len() >= 5, "{findings:?}");
    let counts: Vec<u64> = findings
        .iter()
        .map(|f| f["count"].as_u64().unwrap())
        .collect();
    assert!(
        counts.windows(2).all(|w| w[0] >= w[1]),
        "ranked: {counts:?}"
    );
    let kinds: BTreeSet<&str> = findings
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    for kind in [
        "statutory_gap",
        "failures",
        "non_statutory_demand",
        "asked_twice",
    ] {
        assert!(kinds.contains(kind), "{kind} in {kinds:?}");
    }
    // A statutory gap names its legal basis from the template.
    let template =
        harmonise::template::Template::load(&root().join("mappings/national-template.toml"))
            .unwrap();
    let gap = findings
        .iter()
        .find(|f| f["kind"] == "statutory_gap")
        .unwrap();
    let def = template.get(gap["field"].as_str().unwrap()).unwrap();
    assert_eq!(gap["basis"], def.basis.as_str());
    assert!(gap["text"].as_str().unwrap().contains(&def.basis), "{gap}");
    let failures = findings.iter().find(|f| f["kind"] == "failures").unwrap();
    assert_eq!(failures["count"], 5);
    assert_eq!(failures["anchor"], "failures");

    // In the page: the first section, and every link lands on an element of the page.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let first = html.find("<section").unwrap();
    assert!(
        html[first..].starts_with("<section id=\"findings\">"),
        "findings are the first section"
    );
    for f in findings {
        let anchor = f["anchor"].as_str().unwrap();
        assert!(
            html.contains(&format!("href=\"#{anchor}\"")),
            "{anchor} linked"
        );
        assert!(
            html.contains(&format!("id=\"{anchor}\"")),
            "{anchor} is on the page"
        );
    }
    // And the first sheet of the workbook.
    use calamine::{Reader, Xlsx, open_workbook};
    let book: Xlsx<_> = open_workbook(out.join("report.xlsx")).unwrap();
    assert_eq!(book.sheet_names()[0], "Findings");
    let sheet = sheet_cells(&out.join("report.xlsx"), "Findings");
    assert_eq!(sheet.len(), findings.len() + 1);
    assert_eq!(sheet[1][1], findings[0]["text"].as_str().unwrap());
}
