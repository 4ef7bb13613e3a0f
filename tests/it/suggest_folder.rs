//! `harmonise suggest DIR` and `suggest FILE FILE...`: a draft from all documents of one form. No draft holds a
//! document's value (the values the real-layout generator planted: names, UPNs, NHS numbers, emails, addresses,
//! schools), whether drafted from the folder or from each filled document alone; a folder's draft passes `check`,
//! fits every document of its form and ends with a review list.
use std::collections::BTreeSet;
use std::path::Path;

use crate::util::*;

/// The real-layout LA folders: (split, LA).
const FORMS: &[(&str, &str)] = &[
    ("tune", "brackenridge"),
    ("tune", "coldmere"),
    ("tune", "thornbeck"),
    ("tune", "saltmarsh"),
    ("heldout", "fellbrook"),
    ("heldout", "quillon"),
];

/// Every text `inspect` shows of a document, lower-cased: what the form prints (for a blank form).
fn printed_text(doc: &Path) -> String {
    let out = harmonise(&["inspect", doc.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    String::from_utf8_lossy(&out.stdout).to_lowercase()
}

/// The values truth.json records for one LA's filled documents that the blank form does not print: whole values,
/// their lines, and their capitalised or numbered words of 4+ characters that neither the blank form (nor a draft of it) nor the national template prints.
fn planted_values(split: &str, la: &str) -> BTreeSet<String> {
    let dir = root().join("fixtures/real-layout");
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).unwrap()).unwrap();
    let blank_doc = dir.join(split).join(la).join("blank.docx");
    // What the blank form prints, and the draft's own wording (a draft of the blank alone).
    let blank_draft = harmonise(&["suggest", blank_doc.to_str().unwrap()]);
    let blank =
        printed_text(&blank_doc) + &String::from_utf8_lossy(&blank_draft.stdout).to_lowercase();
    let template = std::fs::read_to_string(root().join("mappings/national-template.toml"))
        .unwrap()
        .to_lowercase();
    let mut values = BTreeSet::new();
    let mut add = |v: &serde_json::Value| {
        let Some(s) = v.get("value").and_then(|v| v.as_str()) else {
            return;
        };
        let mut pieces: Vec<String> = vec![s.to_string()];
        pieces.extend(s.lines().map(str::to_string));
        // Words that identify someone: names and places (capitalised), numbers, addresses.
        pieces.extend(
            s.split(|c: char| !c.is_alphanumeric() && c != '@' && c != '.')
                .map(|w| w.trim_matches('.'))
                .filter(|w| {
                    w.starts_with(char::is_uppercase)
                        || w.contains(|c: char| c.is_ascii_digit() || c == '@')
                })
                .map(str::to_string),
        );
        for p in pieces {
            let p = p.trim().to_lowercase();
            if p.chars().count() >= 4
                && p.chars().any(|c| c.is_alphanumeric())
                && !blank.contains(&p)
                && !template.contains(&p)
            {
                values.insert(p);
            }
        }
    };
    for (path, entry) in truth.as_object().unwrap() {
        if !path.starts_with(&format!("{split}/{la}/filled")) {
            continue;
        }
        for f in entry["fields"].as_object().unwrap().values() {
            match f.get("items").and_then(|i| i.as_array()) {
                Some(items) => items.iter().for_each(&mut add),
                None => add(f),
            }
        }
    }
    values
}

fn assert_no_value(draft: &str, values: &BTreeSet<String>, what: &str) {
    let lower = draft.to_lowercase();
    let leaked: Vec<&String> = values
        .iter()
        .filter(|v| lower.contains(v.as_str()))
        .collect();
    assert!(
        leaked.is_empty(),
        "{what}: the draft quotes document values {leaked:?}:\n{draft}"
    );
}

#[test]
fn no_draft_from_a_folder_or_a_file_holds_a_planted_value() {
    for (split, la) in FORMS {
        let values = planted_values(split, la);
        assert!(
            values.len() > 40,
            "{la}: only {} planted values to look for",
            values.len()
        );
        let dir = root().join("fixtures/real-layout").join(split).join(la);
        let out = harmonise(&["suggest", dir.to_str().unwrap()]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let draft = String::from_utf8_lossy(&out.stdout);
        assert!(draft.contains("[fields."), "{la}: an empty draft:\n{draft}");
        assert_no_value(&draft, &values, &format!("{la} folder"));
        // The review list names fields and printed labels, never a value either.
        assert_no_value(&stderr(&out), &values, &format!("{la} folder, stderr"));
        for n in 1..=6 {
            let doc = dir.join(format!("filled-0{n}.docx"));
            let out = harmonise(&["suggest", doc.to_str().unwrap()]);
            assert_eq!(code(&out), 0, "{}", stderr(&out));
            assert_no_value(
                &String::from_utf8_lossy(&out.stdout),
                &values,
                &format!("{la} filled-0{n}"),
            );
        }
    }
}

#[test]
fn a_folders_draft_passes_check_fits_its_documents_and_lists_what_to_review() {
    let tmp = tempfile::tempdir().unwrap();
    let mappings = tmp.path();
    std::fs::copy(
        root().join("mappings/national-template.toml"),
        mappings.join("national-template.toml"),
    )
    .unwrap();
    let dir = root().join("fixtures/real-layout/tune/brackenridge");
    let draft = mappings.join("962-draft.toml");
    let out = harmonise(&[
        "suggest",
        dir.to_str().unwrap(),
        "--la-code",
        "962",
        "--out",
        draft.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("from 7 document(s)"), "{err}");
    assert!(err.contains("to review before use"), "{err}");
    assert!(
        err.contains("not found"),
        "statutory fields not found are listed: {err}"
    );
    let text = std::fs::read_to_string(&draft).unwrap();
    // Evidence in each entry; options read with `choice`; the stacked parent blocks as blocks.
    for want in [
        "answers right of the label (Table1!B1) in ",
        "choice = { \"Male\" = \"male\", \"Female\" = \"female\" }",
        "block = ",
        "labels = [",
        "contains = \"Brackenridge Borough Council\"",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    let out = harmonise(&["check", "--no-tests", mappings.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // Every document of the form is recognised by the draft.
    let run_out = tmp.path().join("out");
    let out = run_with(&dir, &run_out, mappings, &[]);
    assert!(
        out.status.code().is_some_and(|c| c == 0 || c == 3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let statuses = statuses(&run_out);
    assert_eq!(statuses.len(), 7, "{statuses:?}");
    assert!(
        statuses.values().all(|s| s != "unrecognised"),
        "{statuses:?}"
    );
}

#[test]
fn documents_of_two_formats_are_refused() {
    let out = harmonise(&[
        "suggest",
        "fixtures/forms/eastbridge/filled-01.xlsx",
        "fixtures/forms/fenwick/filled-01.docx",
    ]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("of one format"), "{}", stderr(&out));
}
