//! Mapping files are checked before any document is read: every problem reported with file:line:column, and the
//! run exits 2 without writing outputs.

mod util;

use util::*;

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
        format!("{p}:10:9: error: `child.dob` is not a field of the national template"),
        "help: did you mean `child.date_of_birth`?".to_string(),
        format!("{p}:15:9: error: bad regex"),
        format!("{p}:18:8: error: expected a cell like `Sheet!C5`"),
        format!("{p}:22:8: error: `date` cannot yield `child.looked_after`, which is of type bool"),
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
        err.contains("990-broken.toml:3:1: error: unknown field `la_nam`"),
        "{err}"
    );
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
