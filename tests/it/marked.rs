//! Forms as people fill them (issue 14): options picked by highlight, bold, strike, deletion or a tick glyph;
//! answers typed into the label's own cell; answers past an empty spacer column; a check box read through its
//! control consuming the cell that shows it. Each case runs the real binary on a Word form written here.

use std::path::Path;

use crate::util::*;
use serde_json::Value;

/// A mapping for the test form "Marlow Vale" (LA 962), using `choice`, `take = "inside"` and a spacer column.
const MAPPING: &str = r#"[form]
la_code = "962"
la_name = "Marlow Vale Council"
form = "Request for an EHC needs assessment"
version = "2025-01"
format = "docx"
[form.match]
contains = "Marlow Vale Council"

[fields."child.surname"]
label = "^Surname"
take = "inside"

[fields."child.forename"]
label = "^First names"

[fields."child.gender"]
label = "^Sex"
choice = { "Male" = "male", "Female" = "female" }

[fields."child.looked_after"]
label = "looked after\\?"
take = "inside"
choice = { "Y" = "yes", "N" = "no" }

[fields."request.parent_agreement"]
label = "^Parents agree"
choice = { "Yes" = "yes", "No" = "no" }

[fields."child.pupil_premium"]
label = "^Pupil premium"
choice = { "Yes" = "yes", "No" = "no" }

[fields."consent.information_sharing"]
formfield = "Consent"

[extra.social_worker]
printed = "Does the child have a social worker? Yes / No"
label = 'social worker\?'
choice = { "Yes" = "yes", "No" = "no" }
type = "bool"
"#;

/// A run of text with run properties.
fn run(props: &str, text: &str) -> String {
    format!(r#"<w:r><w:rPr>{props}</w:rPr><w:t xml:space="preserve">{text}</w:t></w:r>"#)
}

/// A table cell of `runs`, spanning `span` grid columns.
fn cell(span: u32, runs: &str) -> String {
    format!(r#"<w:tc><w:tcPr><w:gridSpan w:val="{span}"/></w:tcPr><w:p>{runs}</w:p></w:tc>"#)
}

/// A label row: label in column A, an empty spacer column B, the answer merged over C:E.
fn row(label: &str, answer: &str) -> String {
    format!(
        "<w:tr>{}{}{}</w:tr>",
        cell(1, &run("", label)),
        cell(1, ""),
        cell(3, answer)
    )
}

/// A row that is one cell over the whole width: the question and its answer in one cell.
fn whole(runs: &str) -> String {
    format!("<w:tr>{}</w:tr>", cell(5, runs))
}

/// A consent check box (FORMCHECKBOX) in a cell, shown as ☒/☐ before its wording.
fn consent(checked: bool) -> String {
    let state = if checked { "<w:checked/>" } else { "" };
    whole(&format!(
        r#"<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="Consent"/><w:checkBox>{state}</w:checkBox></w:ffData></w:fldChar></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>{}"#,
        run("", " I consent to information sharing")
    ))
}

struct Form<'a> {
    surname: &'a str,
    forename: &'a str,
    sex: String,
    looked_after: String,
    agree: String,
    premium: String,
    consent: bool,
    /// The options of a question asked in a paragraph, outside the table.
    social_worker: String,
}

fn write_docx(path: &Path, form: &Form) {
    let body = format!(
        "<w:p>{}</w:p><w:p>{}{}</w:p><w:tbl>{}{}{}{}{}{}{}</w:tbl>",
        run(
            "",
            "Marlow Vale Council: request for an EHC needs assessment"
        ),
        run("", "Does the child have a social worker? "),
        form.social_worker,
        whole(&run("", &format!("Surname  {}", form.surname))),
        row("First names", &run("", form.forename)),
        row("Sex", &form.sex),
        whole(&format!(
            "{}{}",
            run("", "Is the child looked after? "),
            form.looked_after
        )),
        row("Parents agree", &form.agree),
        row("Pupil premium", &form.premium),
        consent(form.consent),
    );
    let parts = docx_parts(&body);
    let parts: Vec<(&str, Vec<u8>)> = parts.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    std::fs::write(path, zip_parts(&parts, None)).unwrap();
}

const HIGHLIGHT: &str = r#"<w:highlight w:val="green"/>"#;

/// Options printed one after another, each with its own run properties.
fn options(marked: &[(&str, &str)]) -> String {
    marked
        .iter()
        .enumerate()
        .map(|(i, (props, text))| {
            let sep = if i > 0 { run("", " / ") } else { String::new() };
            format!("{sep}{}", run(props, text))
        })
        .collect()
}

#[test]
fn options_marked_as_people_mark_them_are_read_and_never_guessed() {
    let dir = shared_tempdir().join("marked");
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    let mappings = mappings_with(
        &dir.join("mappings"),
        &[("962-marlow", MAPPING.to_string())],
    );

    // Filled: Female highlighted, N deleted from "Y / N", both Yes and No highlighted for the agreement,
    // pupil premium printed but not marked, consent ticked.
    write_docx(
        &input.join("filled.docx"),
        &Form {
            surname: "Osei",
            forename: "Sarah",
            sex: options(&[("", "Male"), (HIGHLIGHT, "Female")]),
            looked_after: run("", "Y /"),
            agree: options(&[(HIGHLIGHT, "Yes"), (HIGHLIGHT, "No")]),
            premium: options(&[("", "Yes"), ("", "No")]),
            consent: true,
            social_worker: options(&[("", "Yes"), (HIGHLIGHT, "No")]),
        },
    );
    // Struck and bold: Male struck through leaves Female; No in bold against a plain Yes.
    write_docx(
        &input.join("struck.docx"),
        &Form {
            surname: "Da Silva",
            forename: "Leo",
            sex: options(&[("<w:strike/>", "Male"), ("", "Female")]),
            looked_after: format!("{}{}", run("", "Y / "), run("<w:b/>", "N")),
            agree: run("", "☐ Yes ☒ No"),
            premium: options(&[("<w:u/>", "Yes"), ("", "No")]),
            consent: false,
            social_worker: options(&[("", "Yes"), ("<w:strike/>", "No")]),
        },
    );
    // The blank form: every option printed, nothing marked.
    write_docx(
        &input.join("blank.docx"),
        &Form {
            surname: "",
            forename: "",
            sex: options(&[("", "Male"), ("", "Female")]),
            looked_after: run("", "Y / N"),
            agree: options(&[("", "Yes"), ("", "No")]),
            premium: options(&[("", "Yes"), ("", "No")]),
            consent: false,
            social_worker: options(&[("", "Yes"), ("", "No")]),
        },
    );

    let out = dir.join("out");
    let result = run_with(&input, &out, &mappings, &[]);
    assert!(
        [0, 3].contains(&code(&result)),
        "stderr: {}",
        stderr(&result)
    );
    let records = records(&out);
    let field = |file: &str, id: &str| records[file]["fields"][id].clone();
    let value = |file: &str, id: &str| field(file, id)["value"].clone();
    let status = |file: &str, id: &str| field(file, id)["status"].as_str().unwrap().to_string();

    assert_eq!(value("filled.docx", "child.surname"), "Osei");
    assert_eq!(
        value("filled.docx", "child.forename"),
        "Sarah",
        "past the spacer column"
    );
    assert_eq!(value("filled.docx", "child.gender"), "female");
    assert!(
        field("filled.docx", "child.gender")["source"]
            .as_str()
            .unwrap()
            .ends_with("(highlighted)")
    );
    assert_eq!(value("filled.docx", "child.looked_after"), true);
    assert_eq!(status("filled.docx", "request.parent_agreement"), "invalid");
    let reason = field("filled.docx", "request.parent_agreement")["reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(reason.contains("'Yes', 'No'"), "{reason}");
    assert_eq!(status("filled.docx", "child.pupil_premium"), "empty");
    assert!(
        field("filled.docx", "child.pupil_premium")["reason"]
            .as_str()
            .unwrap()
            .starts_with("none of the options ('Yes', 'No') is marked")
    );
    assert_eq!(value("filled.docx", "consent.information_sharing"), true);
    assert_eq!(records["filled.docx"]["status"], "partial");

    assert_eq!(value("struck.docx", "child.surname"), "Da Silva");
    assert_eq!(value("struck.docx", "child.gender"), "female");
    assert_eq!(value("struck.docx", "child.looked_after"), false);
    assert_eq!(value("struck.docx", "request.parent_agreement"), false);
    assert_eq!(value("struck.docx", "child.pupil_premium"), true);

    // A question asked in a paragraph reads its marks the same way.
    let extra = |file: &str| records[file]["extras"]["social_worker"].clone();
    assert_eq!(extra("filled.docx")["value"], false);
    assert_eq!(extra("struck.docx")["value"], true);
    assert_eq!(extra("blank.docx")["status"], "empty");
    assert_eq!(records["blank.docx"]["status"], "blank");
    for id in [
        "child.gender",
        "child.looked_after",
        "child.surname",
        "child.forename",
    ] {
        assert_eq!(status("blank.docx", id), "empty", "{id}");
    }

    // The consent cell (☒ I consent ...) is the check box's other appearance: reading the box consumes it.
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let form = report["forms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["mapping"] == "962-marlow")
        .unwrap();
    let unconsumed: Vec<&str> = form["drift"]["unconsumed"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|k| k["key"].as_str())
        .collect();
    assert!(
        !unconsumed
            .iter()
            .any(|k| k.starts_with("Table1!A7") || k.starts_with("ff:")),
        "the consent cell and its check box are consumed together: {unconsumed:?}"
    );
    // No child's data in any reason.
    let all = std::fs::read_to_string(out.join("records.jsonl")).unwrap();
    for line in all.lines() {
        let rec: Value = serde_json::from_str(line).unwrap();
        for f in rec["fields"].as_object().unwrap().values() {
            if let Some(r) = f["reason"].as_str() {
                for name in ["Osei", "Sarah", "Silva", "Leo"] {
                    assert!(!r.contains(name), "a reason quotes the document: {r}");
                }
            }
        }
    }
}

/// On a fillable PDF, `choice` alone reads the boxes printed beside its options: Hollowmere's gender, mapped
/// with `choice` instead of `tick = { "label:Male" = ... }`, comes out the same in every document.
#[test]
fn a_choice_on_a_pdf_reads_the_boxes_beside_the_options() {
    let dir = shared_tempdir().join("pdf-choice");
    let original = root().join("mappings/968-hollowmere.toml");
    let text = std::fs::read_to_string(&original).unwrap();
    let tick =
        r#"tick = { "label:Male" = "male", "label:Female" = "female", "label:Other" = "other" }"#;
    assert!(
        text.contains(tick),
        "the fixture mapping reads gender by tick"
    );
    let as_choice = text.replace(
        tick,
        r#"choice = { "Male" = "male", "Female" = "female", "Other" = "other" }"#,
    );
    let mut gender = Vec::new();
    for (name, mapping) in [("tick", text.clone()), ("choice", as_choice)] {
        let mappings = mappings_with(
            &dir.join(name).join("mappings"),
            &[("968-hollowmere", mapping)],
        );
        let out = dir.join(name).join("out");
        let result = run_with(
            &root().join("fixtures/forms/hollowmere"),
            &out,
            &mappings,
            &[],
        );
        assert!([0, 3].contains(&code(&result)), "{}", stderr(&result));
        let records = records(&out);
        assert_eq!(records.len(), 7, "a blank and six filled forms");
        gender.push(
            records
                .iter()
                .map(|(f, r)| (f.clone(), r["fields"]["child.gender"].clone()))
                .collect::<Vec<_>>(),
        );
    }
    assert_eq!(gender[0], gender[1]);
    let statuses: Vec<&str> = gender[1]
        .iter()
        .map(|(_, g)| g["status"].as_str().unwrap())
        .collect();
    assert!(
        statuses.contains(&"ok") && statuses.contains(&"invalid"),
        "{statuses:?}"
    );
}
