//! The real XML corpus (`../shared/corpus/real/xml`, files from public parser test suites) and our hostile
//! samples (`fixtures/hostile`) through the real binary: every file ends with the outcome `expect.tsv` asks for
//! (or an alternative its notes allow), each refusal names its rule, and nothing outside a document is read.
use std::collections::BTreeMap;

use crate::util::*;

/// `expect.tsv` rows for xml files: path -> (expect, note).
fn expectations() -> BTreeMap<String, (String, String)> {
    corpus_rows(&["xml"])
        .into_iter()
        .map(|r| (r.path, (r.expect, r.note)))
        .collect()
}

const FAILED: &[&str] = &["corrupt", "too_large", "unsupported_format", "timeout"];

#[test]
fn real_and_hostile_xml_end_as_expected_without_reading_outside_the_document() {
    let expect = expectations();
    assert!(
        expect.len() >= 13,
        "xml rows in expect.tsv: {}",
        expect.len()
    );
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    for rel in expect.keys() {
        let dest = input.join(rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(corpus().join(rel), &dest).unwrap();
    }
    copy_tree(&root().join("fixtures/hostile"), &input.join("hostile"));
    let out = tmp.path().join("out");
    let result = harmonise(&[
        "run",
        "--input",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--today",
        "2026-11-28",
        "--quiet",
    ]);
    assert_eq!(code(&result), 3, "stderr: {}", stderr(&result));
    let rows = manifest_rows(&out);
    assert_eq!(rows.len(), count_files(&input), "one row per input");

    let mut problems = Vec::new();
    let status = |p: &str| rows[p]["status"].as_str().unwrap_or("").to_string();
    let reason = |p: &str| rows[p]["reason"].as_str().unwrap_or("").to_string();
    for (rel, (want, note)) in &expect {
        let (st, why) = (status(rel), reason(rel));
        let ok = match want.as_str() {
            // Read fine; no mapping is meant to fit these.
            "read" => {
                st == "unrecognised"
                    || (note.contains("unsupported encoding") || note.contains("clear error"))
                        && FAILED.contains(&st.as_str())
                        && (why.contains("unsupported encoding") || why.contains("malformed XML"))
            }
            "reject" => FAILED.contains(&st.as_str()) && !why.is_empty(),
            other => panic!("unknown expectation {other}"),
        };
        if !ok {
            problems.push(format!("{rel}: expected {want}, got {st} ({why})"));
        }
    }
    // Each refusal names its rule.
    let names = |rel: &str, needle: &str| {
        let why = reason(rel);
        if !why.contains(needle) {
            Some(format!("{rel}: reason should mention `{needle}`: {why}"))
        } else {
            None
        }
    };
    let rules = [
        (
            "xml/roxmltree--billion-laughs.xml",
            "entity declarations are not allowed",
        ),
        (
            "xml/defusedxml--quadratic.xml",
            "entity declarations are not allowed",
        ),
        (
            "xml/defusedxml--cyclic.xml",
            "entity declarations are not allowed",
        ),
        (
            "xml/defusedxml--external.xml",
            "declares an external entity;",
        ),
        ("xml/libxml2--lol_param.xml", "parameter entity"),
        ("xml/libxml2--truncated-utf16.xml", "not valid UTF-16LE"),
        (
            "xml/libxml2--ebcdic_566012.xml",
            "unsupported encoding: EBCDIC",
        ),
        (
            "hostile/billion-laughs.xml",
            "entity declarations are not allowed",
        ),
        ("hostile/xxe-local-file.xml", "nothing was fetched"),
        ("hostile/deep-nesting.xml", "limit max_xml_depth"),
    ];
    problems.extend(rules.iter().filter_map(|(rel, needle)| names(rel, needle)));
    for (rel, want) in [
        ("hostile/billion-laughs.xml", "corrupt"),
        ("hostile/xxe-local-file.xml", "corrupt"),
        ("hostile/deep-nesting.xml", "too_large"),
        ("hostile/utf16le-bom.xml", "unrecognised"),
        ("hostile/windows-1252.xml", "unrecognised"),
        ("xml/libxml2--ebcdic_566012.xml", "unsupported_format"),
    ] {
        if status(rel) != want {
            problems.push(format!("{rel}: expected {want}, got {}", status(rel)));
        }
    }
    for (rel, row) in &rows {
        if row["status"] == "failed" {
            problems.push(format!("{rel}: internal error: {}", reason(rel)));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // XXE: no byte of /etc/passwd reached any output.
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let marker_lines: Vec<&str> = passwd
        .lines()
        .filter(|l| l.len() > 8 && l.contains(':'))
        .collect();
    for entry in walkdir::WalkDir::new(&out) {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        let text = String::from_utf8_lossy(&std::fs::read(entry.path()).unwrap()).into_owned();
        assert!(
            !text.contains("root:x:0:0") && !marker_lines.iter().any(|l| text.contains(l)),
            "{} contains /etc/passwd content",
            entry.path().display()
        );
    }
}

#[test]
fn inspect_reads_the_encodings_of_the_real_corpus() {
    let dir = corpus().join("xml");
    for (file, key, value) in [
        (
            "quick-xml--utf16le-bom.xml",
            "/project/@name",
            "project-name",
        ),
        ("quick-xml--utf16be.xml", "/project/@name", "project-name"),
        ("libxml2--adjacent-cdata.xml", "/doc", "abcdefghi"),
        (
            "hmrc--IE815.xml",
            "/urn:IE815/urn:Header/urn1:MessageSender",
            "NDEA.GB",
        ),
    ] {
        let out = harmonise(&["inspect", dir.join(file).to_str().unwrap()]);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            text.lines().any(|l| l == format!("{key}\ttext\t{value}")),
            "{file}: no `{key}\ttext\t{value}` in\n{text}"
        );
    }
}
