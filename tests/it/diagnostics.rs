//! Snapshots of what `harmonise check` prints for a broken mapping, in full: the grep-friendly
//! `file:line:column: error[lint]: ...` line, the source snippet (miette's, uncoloured as stderr is not a
//! terminal), the help and the closing count, against text committed under `tests/it/snapshots/` with the
//! mappings folder written `<dir>`. The folder's template is a small one of its own with no statutory field, so
//! the output is the error alone (no coverage warnings that change with the national template), and only lints
//! whose span is a whole key are snapshotted, so the snippet's underline is stable.
//! `UPDATE_SNAPSHOTS=1 cargo test diagnostics::` rewrites the files.

use crate::util::*;

/// A national template of two fields, neither statutory.
const TEMPLATE: &str = r#"version = "1"

[[field]]
id = "child.surname"
label = "Surname"
section = "child"
type = "text"
statutory = "no"
basis = "none"

[[field]]
id = "child.date_of_birth"
label = "Date of birth"
section = "child"
type = "date"
statutory = "no"
basis = "none"
"#;

/// Checks a mappings folder holding [`TEMPLATE`] and `990-broken.toml` (`body`), and compares the whole stderr to
/// `tests/it/snapshots/<name>.txt`.
fn assert_check_output(name: &str, body: &str) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("national-template.toml"), TEMPLATE).unwrap();
    std::fs::write(dir.path().join("990-broken.toml"), body).unwrap();
    let out = harmonise(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let got = stderr(&out).replace(dir.path().to_str().unwrap(), "<dir>");
    let file = root().join(format!("tests/it/snapshots/{name}.txt"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&file, &got).unwrap();
    }
    let want = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_SNAPSHOTS=1 writes it)", file.display()));
    assert_eq!(
        got,
        want,
        "`harmonise check` printed otherwise than {} (UPDATE_SNAPSHOTS=1 rewrites it)",
        file.display()
    );
}

/// A field id the national template does not have, with the nearest one as help.
#[test]
fn an_unknown_field_is_printed_with_its_snippet_and_help() {
    assert_check_output(
        "unknown-field",
        r#"[form]
la_code = "990"
la_name = "Brokenshire"
form = "Request"
version = "1"
format = "xlsx"
[form.match]
sheet = "Request"

[fields."child.surname"]
cell = "Request!C4"

[fields."child.dob"]
cell = "Request!C5"
"#,
    );
}

/// A key the mapping language does not have (a TOML-level error), with the nearest key as help.
#[test]
fn an_unknown_key_is_printed_with_its_snippet_and_help() {
    assert_check_output(
        "unknown-key",
        "[form]\nla_code = \"990\"\nla_nam = \"Brokenshire\"\nform = \"Request\"\n",
    );
}
