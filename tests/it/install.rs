//! Running harmonise in production and testing it on a fresh machine: the mappings found through
//! `HARMONISE_MAPPINGS`, a summary that names every output, dated progress lines, and the list `scripts/test.sh`
//! fetches the real-world corpus from, checked against the corpus CI has in `../shared`.

use crate::util::*;

#[test]
fn a_cron_job_finds_the_mappings_through_harmonise_mappings() {
    let tmp = tempfile::tempdir().unwrap();
    let mappings = test_mappings(&tmp.path().join("m"));
    let m = mappings.to_str().unwrap();
    let checked = harmonise_env(&["check", "--no-tests"], &[("HARMONISE_MAPPINGS", m)]);
    assert_eq!(code(&checked), 0, "{}", stderr(&checked));
    assert!(
        stderr(&checked).contains("and 2 mapping(s) checked"),
        "{}",
        stderr(&checked)
    );
    let input = tmp.path().join("in");
    write_form(&input.join("t1.xlsx"), "Testshire", "Ada");
    let out = tmp.path().join("out");
    let ran = harmonise_env(
        &[
            "run",
            "--input",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--progress",
            "plain",
            "--today",
            "2026-11-28",
        ],
        &[("HARMONISE_MAPPINGS", m)],
    );
    let err = stderr(&ran);
    assert_eq!(code(&ran), 0, "{err}");
    assert_eq!(records(&out)["t1.xlsx"]["mapping"], "990-testshire");
    // The summary names every output written, and the progress line says when.
    let outputs = err.lines().find(|l| l.starts_with("Outputs in ")).unwrap();
    for file in [
        "records.jsonl",
        "records.csv",
        "values.csv",
        "datapackage.json",
        "report.json",
        "report.html",
        "report.xlsx",
        "manifest.json",
    ] {
        assert!(outputs.contains(file), "{file}: {outputs}");
    }
    let progress = err.lines().find(|l| l.contains("1/1 documents")).unwrap();
    let stamp = progress.split(' ').next().unwrap();
    assert!(
        stamp.parse::<jiff::Timestamp>().is_ok() && stamp.ends_with('Z'),
        "{progress}"
    );
    // An unchanged night names what it left in place.
    let again = harmonise_env(
        &[
            "run",
            "--input",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &[("HARMONISE_MAPPINGS", m)],
    );
    assert!(
        stderr(&again).contains(": manifest.json, manifest.csv. Left as they were (nothing they are made from changed): records.jsonl, records.csv, values.csv"),
        "{}",
        stderr(&again)
    );
}

/// The list scripts/test.sh fetches from is the corpus CI has: every file, with its SHA-256.
#[test]
fn the_corpus_fetch_list_is_the_corpus_in_shared() {
    let dir = corpus();
    let list = std::fs::read_to_string(root().join("scripts/real-corpus.tsv")).unwrap();
    let rows: Vec<Vec<&str>> = list
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split('\t').collect())
        .collect();
    let on_disk: std::collections::BTreeSet<String> = walkdir::WalkDir::new(&dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(&dir)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|f| f != "MANIFEST.md" && f != "expect.tsv")
        .collect();
    let listed: std::collections::BTreeSet<String> =
        rows.iter().map(|r| r[0].to_string()).collect();
    assert_eq!(listed, on_disk);
    for row in &rows {
        assert_eq!(row.len(), 5, "{row:?}");
        assert!(
            row[2].len() >= 7 && row[2].chars().all(|c| c.is_ascii_hexdigit()),
            "{row:?}"
        );
        let sum = std::process::Command::new("sha256sum")
            .arg(dir.join(row[0]))
            .output()
            .expect("sha256sum runs");
        let sum = String::from_utf8(sum.stdout).unwrap();
        assert_eq!(sum.split(' ').next().unwrap(), row[4], "{}", row[0]);
    }
    assert_eq!(
        std::fs::read(root().join("scripts/real-corpus-expect.tsv")).unwrap(),
        std::fs::read(dir.join("expect.tsv")).unwrap(),
        "the copy scripts/test.sh installs"
    );
}

#[test]
fn the_test_script_parses_and_runs_the_readme_test_command() {
    let script = root().join("scripts/test.sh");
    let parsed = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .status()
        .unwrap();
    assert!(parsed.success());
    let text = std::fs::read_to_string(&script).unwrap();
    assert!(text.contains("cargo test --locked \"$@\""));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&script).unwrap().permissions().mode();
        assert_ne!(mode & 0o111, 0, "executable");
    }
}
