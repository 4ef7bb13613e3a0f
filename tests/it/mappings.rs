//! Mapping files are checked before any document is read: every problem reported with file:line:column, and the
//! run exits 2 without writing outputs.
use crate::util::*;

fn broken_set(body: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("mappings/national-template.toml"),
        dir.path().join("national-template.toml"),
    )
    .unwrap();
    std::fs::write(dir.path().join("990-broken.toml"), body).unwrap();
    dir
}

const BROKEN: &str = r#"[form]
la_code = "990"
la_name = "Brokenshire"
form = "Request"
version = "1"
format = "xlsx"
[form.match]
sheet = "Request"

[fields."child.dob"]
cell = "Request!C5"

[fields."child.surname"]
cell = "Request!C6"
regex = '^(\S+'

[fields."child.gender"]
cell = "Request 5"

[fields."child.looked_after"]
cell = "Request!C9"
date = ["%d/%m/%Y"]
"#;

#[test]
fn check_reports_every_error_with_line_and_column() {
    let dir = broken_set(BROKEN);
    let out = harmonise(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    let path = dir.path().join("990-broken.toml");
    let p = path.display();
    for want in [
        format!(
            "{p}:10:9: error[unknown-field]: `child.dob` is not a field of the national template"
        ),
        "help: did you mean `child.date_of_birth`?".to_string(),
        format!("{p}:15:9: error[bad-regex]: bad regex"),
        format!("{p}:18:8: error[bad-cell]: expected a cell like `Sheet!C5`"),
        format!(
            "{p}:22:8: error[type-mismatch]: `date` cannot yield `child.looked_after`, which is of type bool"
        ),
        "4 problem(s) in the mapping files".to_string(),
    ] {
        assert!(err.contains(&want), "missing {want:?} in:\n{err}");
    }
}

#[test]
fn run_refuses_bad_mappings_before_reading_anything() {
    let dir = broken_set(BROKEN);
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    let out = harmonise(&[
        "run",
        "--mappings",
        dir.path().to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 2);
    assert!(!out_dir.exists(), "no outputs are written");
}

#[test]
fn toml_syntax_errors_have_positions_too() {
    let dir = broken_set("[form]\nla_code = \"990\"\nla_nam = \"x\"\n");
    let out = harmonise(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains("990-broken.toml:3:1: error[unknown-key]: unknown field `la_nam`"),
        "{err}"
    );
    assert!(err.contains("help: did you mean `la_name`?"), "{err}");
}

#[test]
fn bundled_mappings_are_valid() {
    let out = harmonise(&["check", "mappings"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn a_missing_input_folder_exits_2() {
    let out = harmonise(&[
        "run",
        "--input",
        "/nonexistent/forms",
        "--out",
        "/tmp/harmonise-never",
    ]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("cannot read the input folder"));
}

#[test]
fn the_readme_worked_example_is_a_valid_mapping() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let after = readme
        .split("### A worked example")
        .nth(1)
        .expect("the README has a worked example");
    let block = after
        .split("```toml\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a toml block");
    let dir = broken_set(block);
    let out = harmonise(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

const GOOD_HEAD: &str = r#"[form]
la_code = "990"
la_name = "Testshire"
form = "Request"
version = "1"
format = "xlsx"
[form.match]
sheet = "Request"

[fields."child.forename"]
label = "(?i)^first name$"
[fields."child.upn"]
cell = "Request!B2"
[fields."parents.name"]
label = "(?i)^parent {n} name$"
"#;

/// A tiny filled form: labels in column A, answers in column B.
fn write_form(path: &std::path::Path) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet().set_name("Request").unwrap();
    for (row, (label, value)) in [
        ("First name", "Amelia"),
        ("UPN", "not a upn"),
        ("Parent 1 name", "Jo Smith"),
        ("Parent 2 name", "Sam Smith"),
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(row as u32, 0, *label).unwrap();
        ws.write_string(row as u32, 1, *value).unwrap();
    }
    wb.save(path).unwrap();
}

fn set_with_test(expect: &str) -> tempfile::TempDir {
    let dir = broken_set(&format!(
        "{GOOD_HEAD}\n[[test]]\ndocument = \"forms/a.xlsx\"\nexpect = {expect}\n"
    ));
    std::fs::create_dir(dir.path().join("forms")).unwrap();
    write_form(&dir.path().join("forms/a.xlsx"));
    dir
}

#[test]
fn mapping_tests_pass_and_warnings_can_be_denied() {
    let dir = set_with_test(
        r#"{ "child.forename" = "Amelia", "child.upn" = { status = "invalid" }, "parents.name" = ["Jo Smith", "Sam Smith"] }"#,
    );
    let out = harmonise(&["check", dir.path().to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(code(&out), 0, "{err}");
    assert!(err.contains("1 test(s): 1 passed, 0 failed"), "{err}");
    assert!(err.contains("warning[unmapped-statutory]"), "{err}");
    // Notes are summed in one line per mapping; -v lists them; -q quiets warnings and notes.
    assert!(!err.contains("note[unmapped-should]"), "{err}");
    assert!(
        err.contains(
            "990-broken.toml: and 1 note(s): coverage gaps; `harmonise check -v` lists them"
        ),
        "{err}"
    );
    let verbose = stderr(&harmonise(&["check", "-v", dir.path().to_str().unwrap()]));
    assert!(verbose.contains("note[unmapped-should]"), "{verbose}");
    let quiet = harmonise(&["check", "-q", dir.path().to_str().unwrap()]);
    assert_eq!(code(&quiet), 0);
    assert_eq!(stderr(&quiet), "", "nothing but errors");
    let out = harmonise(&["check", "--deny-warnings", dir.path().to_str().unwrap()]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));

    // Acknowledged with a reason, the known gaps no longer warn, and --deny-warnings passes.
    let unmapped: Vec<String> = err
        .lines()
        .find(|l| l.contains("warning[unmapped-statutory]"))
        .and_then(|l| l.split("field(s): ").nth(1))
        .unwrap()
        .split(", ")
        .map(str::to_string)
        .collect();
    assert!(unmapped.len() > 3, "{unmapped:?}");
    let path = dir.path().join("990-broken.toml");
    let mut text = std::fs::read_to_string(&path).unwrap();
    let tests_at = text.find("[[test]]").unwrap();
    let gaps: String = unmapped
        .iter()
        .map(|id| format!("\"{id}\" = \"the pilot form asks it by letter\"\n"))
        .collect();
    text.insert_str(tests_at, &format!("[gaps]\n{gaps}\n"));
    // And its fixed cell anchored by a reference form (any document of the form will do), so that nothing warns.
    let text = text.replacen(
        "format = \"xlsx\"",
        "format = \"xlsx\"\nreference = \"forms/a.xlsx\"",
        1,
    );
    std::fs::write(&path, &text).unwrap();
    let out = harmonise(&["check", "--deny-warnings", dir.path().to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(code(&out), 0, "{err}");
    assert!(!err.contains("warning["), "{err}");
    assert!(
        err.contains(&format!(
            "0 warning(s), 1 note(s), {} gap(s) acknowledged",
            unmapped.len()
        )),
        "{err}"
    );
    // One mapping file alone, with the template of its folder.
    let one = harmonise(&["check", "--deny-warnings", path.to_str().unwrap()]);
    assert_eq!(code(&one), 0, "{}", stderr(&one));
    assert!(
        stderr(&one).contains("and 1 mapping(s) checked"),
        "{}",
        stderr(&one)
    );
}

#[test]
fn a_gap_must_name_a_template_field_the_mapping_does_not_map_and_say_why() {
    let body = format!(
        "{GOOD_HEAD}\n[gaps]\n\"child.dob\" = \"asked by letter\"\n\"child.forename\" = \"mapped\"\n\"child.address\" = \"  \"\n"
    );
    let dir = broken_set(&body);
    let out = harmonise(&["check", "--no-tests", dir.path().to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(code(&out), 2, "{err}");
    let line_of = |needle: &str| body.lines().position(|l| l.contains(needle)).unwrap() + 1;
    for (lint, line, col, what) in [
        (
            "unknown-field",
            line_of("\"child.dob\" ="),
            1,
            "`child.dob` is not a field of the national template",
        ),
        (
            "bad-gap",
            line_of("\"child.forename\" = \"mapped"),
            1,
            "`child.forename` is mapped under [fields]",
        ),
        (
            "bad-gap",
            line_of("\"child.address\" ="),
            19,
            "the gap `child.address` has no reason",
        ),
    ] {
        let want = format!("990-broken.toml:{line}:{col}: error[{lint}]: {what}");
        assert!(err.contains(&want), "{want} in {err}");
    }
    assert!(err.contains("did you mean `child.date_of_birth`?"), "{err}");
}

#[test]
fn an_unknown_key_does_not_hide_the_other_errors_of_its_file() {
    let body = GOOD_HEAD
        .replace(
            "sheet = \"Request\"",
            "sheet = \"Request\"\nsheets = \"Other\"",
        )
        .replace(
            "cell = \"Request!B2\"",
            "cel = \"Request!B2\"\nregex = \"(\"",
        )
        + "\n[fields.\"child.surnme\"]\ncell = \"Request!B9\"\n";
    let dir = broken_set(&body);
    let out = harmonise(&["check", "--no-tests", dir.path().to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(code(&out), 2, "{err}");
    for want in [
        "error[unknown-key]: unknown field `sheets`",
        "error[unknown-key]: unknown field `cel`",
        "error[bad-regex]",
        "error[unknown-field]: `child.surnme` is not a field of the national template",
    ] {
        assert!(err.contains(want), "{want} in {err}");
    }
    // Errors come first: no warning or note line before the last error.
    let last_error = err.rfind("error[").unwrap();
    assert!(!err[..last_error].contains("warning["), "{err}");
}

#[test]
fn a_failing_mapping_test_prints_a_diff_and_exits_2() {
    let dir = set_with_test(
        r#"{ "child.forename" = "Amelie", "child.upn" = { status = "ok" }, "parents.name" = ["Jo Smith"] }"#,
    );
    let out = harmonise(&["check", dir.path().to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(code(&out), 2, "{err}");
    assert!(
        err.contains("error[test-failed]: test 1 (forms/a.xlsx): 3 field(s) differ"),
        "{err}"
    );
    for want in [
        "field            expected  got",
        "child.forename   \"Amelie\"",
        "\"Amelia\"",
        "Request!B1",
        "parents.name[2]  no item",
    ] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
}

#[test]
fn a_test_document_claimed_by_another_mapping_fails() {
    let dir = set_with_test(r#"{ "child.forename" = "Amelia" }"#);
    let other = GOOD_HEAD.replace("990", "991").replace(
        "sheet = \"Request\"",
        "sheet = \"Request\"\ncontains = \"Amelia\"",
    );
    std::fs::write(dir.path().join("991-other.toml"), other).unwrap();
    let out = harmonise(&["check", dir.path().to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(code(&out), 2, "{err}");
    assert!(
        err.contains("the document is identified as `991-other`, not `990-broken`"),
        "{err}"
    );
}

#[test]
fn every_lint_is_documented_in_the_readme() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for lint in harmonise::diag::Lint::ALL {
        // The heading names the severity the lint raises, so the README cannot call an error a warning.
        let heading = lint.readme_heading();
        assert!(readme.contains(&heading), "README lacks {heading}");
        let section = readme.split(&heading).nth(1).unwrap();
        let section = section.split("\n#### ").next().unwrap();
        for part in ["**What it does:**", "**Why", "**Example:**"] {
            assert!(section.contains(part), "{heading} lacks {part}");
        }
        // The anchor the lint names is the one GitHub gives that heading.
        let slug: String = heading
            .trim_start_matches("#### ")
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == '-' || *c == ' ')
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        assert_eq!(lint.doc_anchor(), slug);
    }
    // And the README documents no lint the code does not have.
    let checking = readme
        .split("### Checking mappings")
        .nth(1)
        .and_then(|s| s.split("\n### ").next())
        .unwrap();
    let documented = checking.matches("\n#### `").count();
    assert_eq!(documented, harmonise::diag::Lint::ALL.len());
}

#[test]
fn the_readme_mapping_test_example_passes() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let block = readme
        .split("```toml\n[[test]]\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a [[test]] example");
    let mapping = std::fs::read_to_string(root().join("mappings/951-northmoor.toml")).unwrap();
    // The reference form, beside the mapping, is not beside the copy: point at it.
    let head = mapping.split("[[test]]").next().unwrap().replace(
        "reference = \"reference/",
        &format!(
            "reference = \"{}/",
            root().join("mappings/reference").display()
        ),
    );
    let dir = broken_set(&format!(
        "{head}[[test]]\n{}",
        block.replace(
            "../fixtures",
            &root().join("fixtures").display().to_string()
        )
    ));
    let out = harmonise(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1 test(s): 1 passed"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_docx_form_is_identified_by_a_content_control() {
    let tmp = tempfile::tempdir().unwrap();
    let (mappings, input) = (tmp.path().join("mappings"), tmp.path().join("in"));
    std::fs::create_dir_all(&mappings).unwrap();
    std::fs::copy(
        root().join("mappings/national-template.toml"),
        mappings.join("national-template.toml"),
    )
    .unwrap();
    let ashcombe = std::fs::read_to_string(root().join("mappings/960-ashcombe.toml")).unwrap();
    assert!(ashcombe.contains("control = \"ChildSurname\""));
    copy_tree(&root().join("fixtures/forms/ashcombe"), &input);
    let run = |mapping: &str| {
        std::fs::write(mappings.join("960-ashcombe.toml"), mapping).unwrap();
        let out = tmp.path().join("out");
        let _ = std::fs::remove_dir_all(&out);
        harmonise(&[
            "run",
            "--quiet",
            "--input",
            input.to_str().unwrap(),
            "--mappings",
            mappings.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        manifest_rows(&out)["filled-01.docx"]["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(run(&ashcombe), "ok");
    let renamed = ashcombe.replace("control = \"ChildSurname\"", "control = \"NoSuchControl\"");
    assert_eq!(
        run(&renamed),
        "unrecognised",
        "the control is a real condition"
    );
}

/// Riverton's mapping with `child.preferred_name` (which it does not map) as a `join` of its two name paths, with a
/// `[[test]]` expecting the joined name.
fn riverton_with_join(join: &str, expect: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("mappings/national-template.toml"),
        dir.path().join("national-template.toml"),
    )
    .unwrap();
    let text = std::fs::read_to_string(root().join("mappings/957-riverton.toml")).unwrap();
    let head = text.split("[[test]]").next().unwrap();
    let doc = root().join("fixtures/forms/riverton/filled-01.xml");
    let body = format!(
        "{head}\n[fields.\"child.preferred_name\"]\njoin = {join}\n\n[[test]]\ndocument = {:?}\nexpect = {{ {expect} }}\n",
        doc.to_str().unwrap()
    );
    std::fs::write(dir.path().join("957-riverton.toml"), body).unwrap();
    dir
}

#[test]
fn a_join_of_prefixed_xml_paths_reads_like_each_path() {
    let dir = riverton_with_join(
        r#"["/r:Request/r:Child/c:Name/@forename", "/r:Request/r:Child/c:Name/@surname"]"#,
        r#""child.preferred_name" = "Amelia Hart""#,
    );
    let out = harmonise(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1 passed, 0 failed"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn join_parts_are_linted_like_lone_locators() {
    let dir = riverton_with_join(r#"["/a/[[", "//zz:q"]"#, r#""child.forename" = "Amelia""#);
    let out = harmonise(&["check", "--no-tests", dir.path().to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(code(&out), 2, "{err}");
    assert_eq!(err.matches("error[bad-path]").count(), 2, "{err}");
    assert!(err.contains("957-riverton.toml:"), "{err}");
}

/// The rendering of the diagnostic whose first line contains `first`: that line to the end of its snippet.
fn rendered(err: &str, first: &str) -> String {
    let mut lines = err.lines().skip_while(|l| !l.contains(first));
    let mut block: Vec<&str> = Vec::new();
    for line in lines.by_ref() {
        block.push(line);
        if line.trim_start().starts_with('╰') {
            break;
        }
    }
    block.join("\n")
}

/// A bad cell reference, range and XML path are shown at the character that is wrong, not the whole value: in
/// literal and basic strings and past `$` anchors; a basic string with an escape before that character is shown
/// whole. The first lines are the text mappings always had, at a column that moved only inside the value.
#[test]
fn diagnostics_point_at_the_bad_character_inside_a_value() {
    let xlsx = r#"[form]
la_code = "990"
la_name = "Brokenshire"
form = "Request"
version = "1"
format = "xlsx"
[form.match]
sheet = "Request"

[fields."child.forename"]
cell = "Request!$C$0"

[fields."child.surname"]
cell = "Req\u0075est!C0"

[fields."parents.name"]
range = 'Request!C5:D9'
"#;
    let xml = r#"[form]
la_code = "991"
la_name = "Xmlshire"
form = "Request"
version = "1"
format = "xml"
[form.match]
root = "Request"

[fields."child.forename"]
path = '/Request/zz:Child/Forename'
"#;
    let dir = broken_set(xlsx);
    std::fs::write(dir.path().join("991-xml.toml"), xml).unwrap();
    let out = harmonise(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out).replace(&format!("{}/", dir.path().display()), "");
    let want = [
        "990-broken.toml:11:20: error[bad-cell]: `C0` is outside a worksheet (A1:XFD1048576)
    ╭─[990-broken.toml:11:20]
 10 │ [fields.\"child.forename\"]
 11 │ cell = \"Request!$C$0\"
    ·                    ┬
    ·                    ╰── here
 12 │ 
    ╰────",
        "990-broken.toml:14:8: error[bad-cell]: `C0` is outside a worksheet (A1:XFD1048576)
    ╭─[990-broken.toml:14:8]
 13 │ [fields.\"child.surname\"]
 14 │ cell = \"Req\\u0075est!C0\"
    ·        ────────┬────────
    ·                ╰── here
 15 │ 
    ╰────",
        "990-broken.toml:17:21: error[bad-cell]: a range must lie in one column: each row is one item of the group
    ╭─[990-broken.toml:17:21]
 16 │ [fields.\"parents.name\"]
 17 │ range = 'Request!C5:D9'
    ·                     ┬
    ·                     ╰── here
    ╰────",
        "991-xml.toml:11:18: error[bad-path]: bad path: unknown namespace prefix `zz` on an element: declare it under [form.namespaces] at character 10 (`z`) of the path
  help: paths are a small XPath subset: /a/b, //b, @attr, [n], [@attr='v'], [child='v'], prefix:name
    ╭─[991-xml.toml:11:18]
 10 │ [fields.\"child.forename\"]
 11 │ path = '/Request/zz:Child/Forename'
    ·                  ┬
    ·                  ╰── paths are a small XPath subset: /a/b, //b, @attr, [n], [@attr='v'], [child='v'], prefix:name
    ╰────",
    ];
    for want in want {
        let first = want.lines().next().unwrap();
        assert_eq!(rendered(&err, first), want, "{err}");
    }
}

/// A newcomer's usual slip: `--mappings` (or `check`'s folder) at a folder that is not a mappings folder.
#[test]
fn a_folder_without_the_template_is_named_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["check", dir.path().to_str().unwrap()],
        vec![
            "run",
            "--mappings",
            dir.path().to_str().unwrap(),
            "--out",
            dir.path().join("out").to_str().unwrap(),
        ],
    ] {
        let out = harmonise(&args);
        let err = stderr(&out);
        assert_eq!(code(&out), 2, "{args:?}: {err}");
        assert!(err.contains("no national template here"), "{err}");
        assert!(err.contains("holds no national-template.toml"), "{err}");
        assert!(err.contains("harmonise run --mappings mappings"), "{err}");
        assert!(!err.contains("os error"), "no bare OS error: {err}");
    }
}

#[test]
fn check_lints_pdf_tick_keys_and_field_lists_at_line_and_column() {
    let body = r#"[form]
la_code = "968"
la_name = "Hollowmere Borough Council"
form = "Request"
version = "1"
format = "pdf"
[form.match]
field = "Check Box1"
[fields."child.gender"]
tick = { "label:" = "male", "Check Box2" = "female" }
[fields."parents.name"]
cells = ["Text10", 'Text[12']
"#;
    let dir = broken_set(body);
    let out = harmonise(&["check", dir.path().to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(code(&out), 2, "{err}");
    let file = dir.path().join("990-broken.toml");
    let file = file.display();
    for want in [
        format!("{file}:10:10: error[bad-tick-key]: tick key `label:` names no printed label"),
        format!("{file}:12:25: error[bad-glob]: bad field glob"),
    ] {
        assert!(err.contains(&want), "missing {want:?} in\n{err}");
    }
}

#[test]
fn a_pdf_tick_with_two_boxes_checked_is_invalid_naming_the_options_not_the_values() {
    let input = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("fixtures/forms/hollowmere/filled-06.pdf"),
        input.path().join("filled-06.pdf"),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let result = run_with(input.path(), out.path(), &root().join("mappings"), &[]);
    assert_eq!(code(&result), 0, "{}", stderr(&result));
    let records = records(out.path());
    let gender = &records["filled-06.pdf"]["fields"]["child.gender"];
    assert_eq!(gender["status"], "invalid", "{gender}");
    assert_eq!(gender["source"], "Check Box2, Check Box3");
    assert_eq!(
        gender["reason"],
        "2 options ticked where one was expected: label:Female, label:Other"
    );
    let record = records["filled-06.pdf"].to_string();
    assert!(record.contains(r#""mapping":"968-hollowmere""#), "{record}");
}
