//! XML documents through the real binary: `[form.match] values` tells apart CTF files that `contains` confuses,
//! and a path into an empty container (`<Professionals/>`) is the answer "none", not drift.
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::*;

/// A CTF mapping for LA `code`, recognised by `matcher` (TOML lines under `[form.match]`).
fn ctf_mapping(code: &str, matcher: &str) -> String {
    format!(
        r#"[form]
la_code = "{code}"
la_name = "Council {code}"
form = "Common Transfer File"
version = "23.0"
format = "xml"
[form.match]
root = "CTfile"
{matcher}
[fields."child.upn"]
path = "/CTfile/CTFpupilData/Pupil/UPN"
[fields."child.surname"]
path = "/CTfile/CTFpupilData/Pupil/Surname"
"#
    )
}

/// A CTF to LA `dest` whose pupil's UPN is `upn` (each test document's UPN holds the other LA's number).
fn ctf(dest: &str, upn: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<CTfile>
  <Header>
    <DocumentName>Common Transfer File</DocumentName>
    <SourceSchool><LEA>958</LEA><Estab>2001</Estab></SourceSchool>
    <DestSchool><LEA>{dest}</LEA><Estab>MMM</Estab></DestSchool>
  </Header>
  <CTFpupilData><Pupil><UPN>{upn}</UPN><Surname>Hart</Surname></Pupil></CTFpupilData>
</CTfile>
"#
    )
}

/// A valid UPN: the check letter, then `body`.
fn upn(body: &str) -> String {
    let letter = harmonise::validate::upn_check_letter(body).expect("a UPN body");
    format!("{letter}{body}")
}

fn ctf_input(dir: &Path) -> PathBuf {
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    // Valid UPNs of pupils from schools in the other LA: the first holds 986, the second 985.
    std::fs::write(input.join("to-985.xml"), ctf("985", &upn("986200125101"))).unwrap();
    std::fs::write(input.join("to-986.xml"), ctf("986", &upn("985200125101"))).unwrap();
    input
}

#[test]
fn value_conditions_tell_apart_ctf_files_that_contains_confuses() {
    let tmp = tempfile::tempdir().unwrap();
    let input = ctf_input(tmp.path());
    let by_value = |code: &str| {
        ctf_mapping(
            code,
            &format!(
                "values = [{{ path = \"/CTfile/Header/DestSchool/LEA\", equals = \"{code}\" }}]"
            ),
        )
    };
    let maps = mappings_with(
        &tmp.path().join("by-value"),
        &[("985-one", by_value("985")), ("986-two", by_value("986"))],
    );
    let out = tmp.path().join("out");
    let result = run_with(&input, &out, &maps, &[]);
    assert_eq!(code(&result), 0, "{}", stderr(&result));
    let recs = records(&out);
    assert_eq!(recs["to-985.xml"]["mapping"], "985-one");
    assert_eq!(recs["to-985.xml"]["la_code"], "985");
    assert_eq!(recs["to-986.xml"]["mapping"], "986-two");
    assert_eq!(
        recs["to-986.xml"]["fields"]["child.upn"]["value"],
        upn("985200125101")
    );
    assert_eq!(
        statuses(&out).values().collect::<Vec<_>>(),
        ["ok", "ok"],
        "{:?}",
        manifest_rows(&out)
    );

    // The workaround: each LA's number appears in the other LA's document too.
    let by_phrase = |code: &str| ctf_mapping(code, &format!("contains = \"{code}\""));
    let maps = mappings_with(
        &tmp.path().join("by-phrase"),
        &[("985-one", by_phrase("985")), ("986-two", by_phrase("986"))],
    );
    let out = tmp.path().join("out-phrase");
    let result = run_with(&input, &out, &maps, &[]);
    assert_eq!(code(&result), 3, "{}", stderr(&result));
    for row in manifest_rows(&out).values() {
        assert_eq!(row["status"], "unrecognised", "{row}");
        assert_eq!(
            row["reason"],
            "matches several mappings equally well: 985-one, 986-two"
        );
    }
}

#[test]
fn check_points_at_bad_value_conditions() {
    let tmp = tempfile::tempdir().unwrap();
    let maps = mappings_with(
        tmp.path(),
        &[
            (
                "985-bad",
                ctf_mapping(
                    "985",
                    "values = [{ path = \"/CTfile/h:Header/LEA\", equals = \"985\" }, { path = \"/CTfile/Header\" }]",
                ),
            ),
            (
                "986-xlsx",
                ctf_mapping("986", "").replace("format = \"xml\"\n[form.match]\nroot = \"CTfile\"", "format = \"xlsx\"\n[form.match]\nsheet = \"Request\"\nvalues = [{ path = \"/a/b\", equals = \"1\" }]"),
            ),
        ],
    );
    let out = harmonise(&["check", maps.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    let bad = maps.join("985-bad.toml");
    let xlsx = maps.join("986-xlsx.toml");
    for want in [
        format!(
            "{}:9:29: error[bad-path]: bad path: unknown namespace prefix `h`",
            bad.display()
        ),
        format!(
            "{}:9:62: error[bad-match]: this `values` condition has a path but no `equals` or `regex`",
            bad.display()
        ),
        format!(
            "{}:9:10: error[bad-match]: `match.values` only applies to xml forms; this form is xlsx",
            xlsx.display()
        ),
    ] {
        assert!(err.contains(&want), "missing {want:?} in:\n{err}");
    }
}

/// A Request mapping whose professionals are a repeating group under `<Professionals>`.
const REQUEST: &str = r#"[form]
la_code = "990"
la_name = "Testshire Council"
form = "Request"
version = "1"
format = "xml"
[form.match]
root = "Request"
[fields."child.forename"]
path = "/Request/Child/Forename"
[fields."professionals.name"]
path = "/Request/Professionals/Professional/Name"
[fields."professionals.service"]
path = "/Request/Professionals/Professional/@service"
"#;

fn request(professionals: &str) -> String {
    format!("<Request>\n  <Child><Forename>Amy</Forename></Child>\n{professionals}</Request>\n")
}

#[test]
fn an_empty_container_is_empty_and_no_drift_while_an_absent_one_is_not_found() {
    let tmp = tempfile::tempdir().unwrap();
    let maps = mappings_with(
        &tmp.path().join("mappings"),
        &[("990-testshire", REQUEST.to_string())],
    );
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    for (name, professionals) in [
        ("a-self-closing.xml", "  <Professionals/>\n"),
        (
            "b-open-close.xml",
            "  <Professionals>\n  </Professionals>\n",
        ),
        (
            "c-one.xml",
            "  <Professionals><Professional service=\"CAMHS\"><Name>Dr Okafor</Name></Professional></Professionals>\n",
        ),
        ("d-absent.xml", ""),
    ] {
        std::fs::write(input.join(name), request(professionals)).unwrap();
    }
    let out = tmp.path().join("out");
    let result = run_with(&input, &out, &maps, &[]);
    assert_eq!(code(&result), 0, "{}", stderr(&result));

    let recs = records(&out);
    for file in ["a-self-closing.xml", "b-open-close.xml"] {
        for field in ["professionals.name", "professionals.service"] {
            let f = &recs[file]["fields"][field];
            assert_eq!(f["status"], "empty", "{file} {field}: {f}");
            assert_eq!(
                f["items"],
                Value::Array(vec![]),
                "{file} {field}: no members"
            );
            assert_eq!(f["source"], "/Request/Professionals", "{file} {field}");
        }
    }
    assert_eq!(
        recs["c-one.xml"]["fields"]["professionals.name"]["items"][0]["value"],
        "Dr Okafor"
    );
    let absent = &recs["d-absent.xml"]["fields"]["professionals.name"];
    assert_eq!(absent["status"], "not_found", "{absent}");
    assert_eq!(
        absent["source"],
        "path /Request/Professionals/Professional/Name"
    );

    // The manifest agrees: an empty list is a complete answer, an absent one is drift.
    let st = statuses(&out);
    assert_eq!(st["a-self-closing.xml"], "ok");
    assert_eq!(st["b-open-close.xml"], "ok");
    assert_eq!(st["c-one.xml"], "ok");
    assert_eq!(st["d-absent.xml"], "partial");

    // And so does the audit: the only drift is the absent container's, in that document only.
    let report: Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    let drift = &report["forms"][0]["drift"];
    let not_found = drift["not_found"].as_array().unwrap();
    assert_eq!(not_found.len(), 2, "{drift:#}");
    for nf in not_found {
        assert_eq!(nf["documents"], 1, "{nf}");
        assert_eq!(nf["examples"], serde_json::json!(["d-absent.xml"]));
    }
    let fields: Vec<&str> = not_found
        .iter()
        .map(|n| n["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["professionals.name", "professionals.service"]);
    assert_eq!(drift["unconsumed"], Value::Array(vec![]), "{drift:#}");
}

/// The README's `values` example, with the fixtures' destination LA, recognises the CTF fixtures; with another LA's
/// number it recognises none of them.
#[test]
fn the_readme_values_example_recognises_the_ctf_fixtures() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let block = readme
        .split("**`values`** (xml)")
        .nth(1)
        .and_then(|b| b.split("```toml\n").nth(1))
        .and_then(|b| b.split("```").next())
        .expect("a toml block after the `values` paragraph");
    let matcher = block
        .strip_prefix("[form.match]\nroot = \"CTfile\"\n")
        .expect("the example matches CTF files");
    assert!(matcher.contains("equals = \"985\""), "{matcher}");
    let ctf = std::fs::read_to_string(root().join("fixtures/forms/ctf/filled-01.xml")).unwrap();
    assert!(
        ctf.contains("<DestSchool>\n      <LEA>959</LEA>"),
        "the fixtures go to 959"
    );
    for (dest, want) in [("959", "ok"), ("985", "unrecognised")] {
        let tmp = tempfile::tempdir().unwrap();
        let maps = mappings_with(
            tmp.path(),
            &[("959-ctf", ctf_mapping("959", &matcher.replace("985", dest)))],
        );
        let out = tmp.path().join("out");
        let result = run_with(&root().join("fixtures/forms/ctf"), &out, &maps, &[]);
        assert!(matches!(code(&result), 0 | 3), "{}", stderr(&result));
        let st = statuses(&out);
        assert_eq!(st.len(), 7);
        for (file, status) in &st {
            let got = if status == "unrecognised" {
                "unrecognised"
            } else {
                "ok"
            };
            assert_eq!(got, want, "{dest}: {file} is {status}");
        }
    }
}
