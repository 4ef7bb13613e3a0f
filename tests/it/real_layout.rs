//! The real-layout fixtures (`fixtures/real-layout/`, written by `examples/gen_real_layout_fixtures.rs`): every
//! document has a truth entry and every truth entry a document (the fresh split in its own `fresh/truth.json`), and
//! the generator is deterministic (run into a temporary folder with `--out`, it writes the committed bytes).

use std::collections::BTreeSet;

use crate::util::root;

#[allow(
    dead_code,
    clippy::all,
    reason = "the generator, included as it is so that this test runs exactly the code that wrote the fixtures"
)]
#[path = "../../examples/gen_real_layout_fixtures.rs"]
mod generator;

use crate::util::files_under as files;

/// A truth file and the documents it has entries for.
fn truth_and_entries(file: &std::path::Path) -> (serde_json::Value, BTreeSet<String>) {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let truth: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let entries = truth
        .as_object()
        .expect("an object")
        .keys()
        .cloned()
        .collect();
    (truth, entries)
}

#[test]
fn every_document_has_a_truth_entry_and_every_entry_a_document() {
    let dir = root().join("fixtures/real-layout");
    let (truth, entries) = truth_and_entries(&dir.join("truth.json"));
    // The fresh split keeps its own truth (fresh/truth.json): below.
    let docs: BTreeSet<String> = files(&dir)
        .into_iter()
        .filter(|f| f.ends_with(".docx") && !f.starts_with("fresh/"))
        .collect();
    assert_eq!(docs, entries, "documents and truth entries differ");
    assert_eq!(
        docs.len(),
        56,
        "eight LAs, a blank and six filled forms each"
    );
    for (path, entry) in truth.as_object().unwrap() {
        assert!(
            path.starts_with("tune/") || path.starts_with("heldout/"),
            "{path}"
        );
        let status = entry["record_status"].as_str().unwrap_or("");
        assert!(
            ["ok", "partial", "blank"].contains(&status),
            "{path}: {status}"
        );
        assert_eq!(status == "blank", path.ends_with("/blank.docx"), "{path}");
        assert!(
            entry["fields"].as_object().is_some_and(|f| !f.is_empty()),
            "{path}"
        );
    }
}

/// The fresh held-out split (974 Harrowdene, 975 Wyckham: forms nobody tunes on) has its own truth beside it,
/// `fresh/truth.json`, in the same format, keyed by the path under `fixtures/real-layout/`: every document an
/// entry and every entry a document, a blank and six filled forms per LA.
#[test]
fn the_fresh_split_has_its_own_truth_for_every_document() {
    let dir = root().join("fixtures/real-layout");
    let (truth, entries) = truth_and_entries(&dir.join("fresh/truth.json"));
    let docs: BTreeSet<String> = files(&dir)
        .into_iter()
        .filter(|f| f.ends_with(".docx") && f.starts_with("fresh/"))
        .collect();
    assert_eq!(docs, entries, "fresh documents and truth entries differ");
    assert_eq!(docs.len(), 14, "two LAs, a blank and six filled forms each");
    for (path, entry) in truth.as_object().unwrap() {
        let code = entry["la_code"].as_str().unwrap_or("");
        let la = if path.starts_with("fresh/harrowdene/") {
            "974"
        } else if path.starts_with("fresh/wyckham/") {
            "975"
        } else {
            panic!("{path}: not a fresh LA")
        };
        assert_eq!(code, la, "{path}");
        let status = entry["record_status"].as_str().unwrap_or("");
        assert!(
            ["ok", "partial", "blank"].contains(&status),
            "{path}: {status}"
        );
        assert_eq!(status == "blank", path.ends_with("/blank.docx"), "{path}");
        assert!(
            entry["fields"].as_object().is_some_and(|f| f.len() > 20),
            "{path}"
        );
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
    generator::generate(&out);
    let committed = root().join("fixtures/real-layout");
    let written = files(tmp.path());
    // The mappings beside the fixtures are written by people, not by the generator.
    let generated: BTreeSet<String> = files(&committed)
        .into_iter()
        .filter(|f| !f.starts_with("mappings/"))
        .collect();
    assert_eq!(
        written, generated,
        "the generator writes other files than are committed"
    );
    for f in &written {
        let a = std::fs::read(tmp.path().join(f)).expect("read");
        let b = std::fs::read(committed.join(f)).expect("read");
        assert!(
            a == b,
            "{f} differs from the committed copy: run `cargo run --example gen_real_layout_fixtures`"
        );
    }
}

/// Compares one expected entry of truth.json with what harmonise wrote; an invalid value is judged by its
/// status only (the record keeps the rejected text, the truth names the options marked).
fn same(got: Option<&serde_json::Value>, want: Option<&serde_json::Value>) -> bool {
    let key = |v: Option<&serde_json::Value>| {
        v.map(|v| {
            let status = v["status"].as_str().unwrap_or("").to_string();
            let value = if status == "invalid" {
                serde_json::Value::Null
            } else {
                v.get("value").cloned().unwrap_or(serde_json::Value::Null)
            };
            (status, value)
        })
    };
    key(got) == key(want)
}

/// Runs the bundled mappings over one split of the real-layout forms and scores every value, member and record
/// status against the truth: (right, total, what went wrong).
fn score(split: &str) -> (usize, usize, Vec<String>) {
    let dir = root().join("fixtures/real-layout");
    score_run(
        &dir.join(split),
        &dir.join("mappings"),
        &format!("real-layout-{split}"),
        &|file| Some(format!("{split}/{file}")),
    )
}

/// Runs a mappings folder over `input` and scores every record (whose truth entry `truth_of` names, from the
/// record's file) against the real-layout truth: (right, total, what went wrong).
fn score_run(
    input: &std::path::Path,
    mappings: &std::path::Path,
    name: &str,
    truth_of: &dyn Fn(&str) -> Option<String>,
) -> (usize, usize, Vec<String>) {
    use crate::util::{records, run_with, shared_tempdir};
    let dir = root().join("fixtures/real-layout");
    let out = shared_tempdir().join(name);
    let result = run_with(input, &out, mappings, &[]);
    assert!(
        result.status.code().is_some_and(|c| c == 0 || c == 3),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let records = records(&out);
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).unwrap()).unwrap();
    let (mut right, mut total, mut wrong) = (0, 0, Vec::new());
    for (file, got) in &records {
        let Some(path) = truth_of(file) else {
            continue;
        };
        let want = &truth[&path];
        assert!(want.is_object(), "{file}: no truth entry {path}");
        let mut judge = |ok: bool, what: String| {
            total += 1;
            if ok {
                right += 1;
            } else {
                wrong.push(what);
            }
        };
        judge(
            got["status"] == want["record_status"],
            format!(
                "{path}: record {} (expected {})",
                got["status"], want["record_status"]
            ),
        );
        for (id, w) in want["fields"].as_object().unwrap() {
            let g = &got["fields"][id];
            match w.get("items").and_then(|i| i.as_array()) {
                Some(items) => {
                    let got_items = g["items"].as_array().cloned().unwrap_or_default();
                    for n in 0..items.len().max(got_items.len()) {
                        judge(
                            same(got_items.get(n), items.get(n)),
                            format!(
                                "{path}: {id}[{n}] {:?} (expected {:?})",
                                got_items.get(n),
                                items.get(n)
                            ),
                        );
                    }
                }
                None => judge(
                    same(Some(g), Some(w)),
                    format!("{path}: {id} {g} (expected {w})"),
                ),
            }
        }
    }
    (right, total, wrong)
}

/// The bundled mappings of the real-layout LAs read their forms right: the tune split (962-965, mappings
/// written against those forms; 976-977 have no mapping, so no record, and are not scored) and the held-out split (966-967, mappings written by someone who had only the
/// README and the documents, before seeing any result). Both must reach 99% of values, members and statuses.
#[test]
fn real_layout_forms_are_read_right_through_their_mappings() {
    for split in ["tune", "heldout"] {
        let (right, total, wrong) = score(split);
        let share = right as f64 / total as f64;
        eprintln!(
            "real-layout {split}: {right}/{total} = {:.1}%",
            share * 100.0
        );
        assert!(total > 300, "{split}: only {total} values scored");
        assert!(
            share >= 0.99,
            "{split}: {right}/{total} right; wrong:\n{}",
            wrong.join("\n")
        );
    }
}

/// An edit of a Word document's body.
type Edit<'a> = dyn Fn(&str) -> String + 'a;

/// A held-out form (Fellbrook: a mapping written from the README alone, on a form nobody here laid out) edited as
/// councils edit theirs: a row inserted in the first table ("Preferred pronouns"), a table inserted before the
/// others (so every table's number shifts), and both. The answers are unchanged, so the truth of the original
/// document holds. With its reference the mapping reads them all right; without it, the fixed cells and table
/// columns read the wrong table (none `ok` and wrong here, but members lost as `empty`).
#[test]
fn a_held_out_form_edited_as_councils_do_is_read_right_through_its_reference() {
    use crate::util::{mappings_with, shared_tempdir, zip_parts};
    let dir = root().join("fixtures/real-layout");
    let tmp = shared_tempdir().join("real-layout-edited");
    let input = tmp.join("in");
    std::fs::create_dir_all(&input).unwrap();
    let row = regex::Regex::new(r"(?s)<w:tr[ >].*?</w:tr>").unwrap();
    let text = regex::Regex::new(r"(?s)(<w:t(?: [^>]*)?>)(.*?)(</w:t>)").unwrap();
    // A row's copy whose first text is `label` and whose other texts are empty.
    let relabel = |r: &str, label: &str| {
        let mut first = true;
        text.replace_all(r, |c: &regex::Captures| {
            let t = if std::mem::take(&mut first) {
                label
            } else {
                ""
            };
            format!("{}{t}{}", &c[1], &c[3])
        })
        .into_owned()
    };
    let insert_row = |x: &str| {
        let table = x.find("<w:tbl>").unwrap();
        let second = row.find_iter(&x[table..]).nth(1).unwrap();
        let copy = relabel(second.as_str(), "Preferred pronouns");
        format!(
            "{}{copy}{}",
            &x[..table + second.end()],
            &x[table + second.end()..]
        )
    };
    let insert_table = |x: &str| {
        let table = x.find("<w:tbl>").unwrap();
        let first = row.find(&x[table..]).unwrap();
        let head = &x[table..table + first.start()];
        let office = relabel(first.as_str(), "For office use only: reference number");
        format!("{}{head}{office}</w:tbl><w:p/>{}", &x[..table], &x[table..])
    };
    let mut edited = 0;
    for entry in std::fs::read_dir(dir.join("heldout/fellbrook")).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        if !stem.starts_with("filled-") {
            continue;
        }
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
        let mut parts: Vec<(String, Vec<u8>)> = Vec::new();
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).unwrap();
            let mut body = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut body).unwrap();
            parts.push((f.name().unwrap().to_string(), body));
        }
        let edits: [(&str, &Edit<'_>); 3] = [
            ("row", &insert_row),
            ("table", &insert_table),
            ("both", &|x: &str| insert_table(&insert_row(x))),
        ];
        for (name, edit) in edits {
            let doc: Vec<(&str, Vec<u8>)> = parts
                .iter()
                .map(|(n, b)| {
                    let b = if n == "word/document.xml" {
                        edit(std::str::from_utf8(b).unwrap()).into_bytes()
                    } else {
                        b.clone()
                    };
                    (n.as_str(), b)
                })
                .collect();
            std::fs::write(
                input.join(format!("{stem}-{name}.docx")),
                zip_parts(&doc, None),
            )
            .unwrap();
            edited += 1;
        }
    }
    assert_eq!(edited, 18, "six filled forms, three edits each");
    let mapping = std::fs::read_to_string(dir.join("mappings/966-fellbrook.toml")).unwrap();
    let with = mapping.replace(
        "reference = \"../heldout/",
        &format!("reference = \"{}/", dir.join("heldout").display()),
    );
    assert_ne!(with, mapping, "the mapping names its reference");
    let without: String = mapping
        .lines()
        .filter(|l| !l.starts_with("reference = "))
        .map(|l| format!("{l}\n"))
        .collect();
    let truth_of = |file: &str| {
        let base = file.rsplit_once('-').map(|(b, _)| b)?;
        Some(format!("heldout/fellbrook/{base}.docx"))
    };
    let (right, total, wrong) = score_run(
        &input,
        &mappings_with(&tmp.join("with"), &[("966-fellbrook", with)]),
        "real-layout-edited-with",
        &truth_of,
    );
    assert!(total > 400, "only {total} scored");
    assert_eq!(right, total, "with the reference:\n{}", wrong.join("\n"));
    let (right_without, _, _) = score_run(
        &input,
        &mappings_with(&tmp.join("without"), &[("966-fellbrook", without)]),
        "real-layout-edited-without",
        &truth_of,
    );
    eprintln!(
        "fellbrook edited: {right}/{total} with its reference, {right_without}/{total} without"
    );
    assert!(
        right_without < total,
        "the edits mislead a mapping without its reference"
    );
}
