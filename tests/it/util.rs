//! Shared helpers for the integration tests: a temp folder per test and the real `harmonise` binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (where Cargo.toml is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The clock every test run reads (`SOURCE_DATE_EPOCH`): 2026-11-28T02:15:00Z, so reports are reproducible.
pub const CLOCK: &str = "1795832100";

/// Runs the real binary from the repository root.
pub fn harmonise(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_harmonise"))
        .args(args)
        .env("SOURCE_DATE_EPOCH", CLOCK)
        .current_dir(root())
        .env_remove("NO_COLOR")
        .output()
        .expect("the harmonise binary runs")
}

/// Runs the real binary from the repository root with extra environment variables.
pub fn harmonise_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_harmonise"))
        .args(args)
        .env("SOURCE_DATE_EPOCH", CLOCK)
        .envs(env.iter().copied())
        .current_dir(root())
        .env_remove("NO_COLOR")
        .output()
        .expect("the harmonise binary runs")
}

/// The temp folders of runs shared by several tests (see [`shared_tempdir`]), removed when the process exits.
static SHARED: std::sync::Mutex<Vec<tempfile::TempDir>> = std::sync::Mutex::new(Vec::new());

/// A temp folder that lives as long as the test process: for a run that several tests only read, made once in a
/// `OnceLock` and shared (never for a run a test changes). A static is never dropped, so an `atexit` hook removes
/// the folders when the test binary exits.
pub fn shared_tempdir() -> PathBuf {
    #[cfg(unix)]
    {
        static HOOK: std::sync::Once = std::sync::Once::new();
        HOOK.call_once(|| {
            // SAFETY: registers a plain `extern "C" fn` that never unwinds.
            let registered = unsafe { libc::atexit(remove_shared) };
            assert_eq!(registered, 0, "atexit");
        });
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().to_path_buf();
    SHARED.lock().expect("shared folders").push(dir);
    path
}

/// Removes the shared folders (at exit; a poisoned lock leaves them).
#[cfg(unix)]
extern "C" fn remove_shared() {
    if let Ok(mut dirs) = SHARED.lock() {
        dirs.clear();
    }
}

/// Exit code of a finished command.
pub fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

/// Stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Copies every file below `from` into `to`, keeping relative paths.
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk");
        let rel = entry.path().strip_prefix(from).expect("prefix");
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &dest).expect("copy");
        }
    }
}

/// Number of files below a folder.
pub fn count_files(dir: &Path) -> usize {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .count()
}

/// Reads records.jsonl as JSON values keyed by file.
pub fn records(out: &Path) -> std::collections::BTreeMap<String, serde_json::Value> {
    let text = std::fs::read_to_string(out.join("records.jsonl")).expect("records.jsonl");
    text.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("a JSON record");
            (v["file"].as_str().expect("file").to_string(), v)
        })
        .collect()
}

/// Reads manifest.json.
pub fn manifest(out: &Path) -> serde_json::Value {
    serde_json::from_str(
        &std::fs::read_to_string(out.join("manifest.json")).expect("manifest.json"),
    )
    .expect("JSON")
}

/// The manifest's rows keyed by path.
pub fn manifest_rows(out: &Path) -> std::collections::BTreeMap<String, serde_json::Value> {
    manifest(out)["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|r| (r["path"].as_str().expect("path").to_string(), r.clone()))
        .collect()
}

/// A mappings folder for tests that do not depend on the bundled fixtures: the national template and two small
/// mappings, `990-testshire` and `991-otherford`, each recognising its own LA's xlsx form (see [`write_form`]).
pub fn test_mappings(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).expect("mkdir");
    std::fs::copy(
        root().join("mappings/national-template.toml"),
        dir.join("national-template.toml"),
    )
    .expect("template");
    for (code, la) in [("990", "Testshire"), ("991", "Otherford")] {
        std::fs::write(
            dir.join(format!("{code}-{}.toml", la.to_lowercase())),
            mapping_text(code, la),
        )
        .expect("mapping");
    }
    dir.to_path_buf()
}

/// A mappings folder: the national template and these mappings, by file stem.
pub fn mappings_with(dir: &Path, files: &[(&str, String)]) -> PathBuf {
    std::fs::create_dir_all(dir).expect("mkdir");
    // The bundled mappings' reference forms, so that a bundled mapping's text works here too.
    copy_tree(&root().join("mappings/reference"), &dir.join("reference"));
    std::fs::copy(
        root().join("mappings/national-template.toml"),
        dir.join("national-template.toml"),
    )
    .expect("template");
    for (stem, text) in files {
        std::fs::write(dir.join(format!("{stem}.toml")), text).expect("mapping");
    }
    dir.to_path_buf()
}

/// The text of a test mapping.
pub fn mapping_text(code: &str, la: &str) -> String {
    format!(
        r#"[form]
la_code = "{code}"
la_name = "{la} Council"
form = "Request for EHC needs assessment"
version = "2025-01"
format = "xlsx"
[form.match]
sheet = "Request"
contains = "{la}"
[fields."child.forename"]
cell = "Request!B2"
[fields."child.surname"]
cell = "Request!B3"
[fields."child.date_of_birth"]
cell = "Request!B4"
[fields."child.postcode"]
cell = "Request!B5"
[fields."setting.urn"]
cell = "Request!B6"
"#
    )
}

/// Writes a small filled xlsx form of a test LA (`Testshire` or `Otherford`).
pub fn write_form(path: &Path, la: &str, forename: &str) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Request").expect("sheet name");
    let rows = [
        ("Local authority", format!("{la} Council")),
        ("Forename", forename.to_string()),
        ("Surname", "Example".to_string()),
        ("Date of birth", "2015-03-14".to_string()),
        ("Postcode", "SW1A 1AA".to_string()),
        ("School URN", "100000".to_string()),
    ];
    for (i, (label, value)) in rows.iter().enumerate() {
        let row = i as u32;
        sheet.write_string(row, 0, *label).expect("label");
        sheet.write_string(row, 1, value).expect("value");
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    book.save(path).expect("save xlsx");
}

/// Runs `harmonise run` over `input` into `out` with the mappings in `mappings`, plus extra arguments.
pub fn run_with(input: &Path, out: &Path, mappings: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "run",
        "--input",
        input.to_str().expect("utf-8 path"),
        "--out",
        out.to_str().expect("utf-8 path"),
        "--mappings",
        mappings.to_str().expect("utf-8 path"),
        "--today",
        "2026-11-28",
    ];
    args.extend_from_slice(extra);
    harmonise(&args)
}

/// The manifest's statuses keyed by path.
pub fn statuses(out: &Path) -> std::collections::BTreeMap<String, String> {
    manifest_rows(out)
        .into_iter()
        .map(|(p, r)| (p, r["status"].as_str().expect("status").to_string()))
        .collect()
}

/// The real-world corpus beside the repository. Missing is a failure, never a skip.
pub fn corpus() -> PathBuf {
    let dir = root().join("../shared/corpus/real");
    assert!(
        dir.join("expect.tsv").is_file(),
        "the real corpus is missing ({}); these tests need ../shared/corpus/real: scripts/test.sh fetches it \
(from the public repositories, SHA-256 checked) and runs the tests",
        dir.display()
    );
    dir
}

/// One row of the corpus's `expect.tsv`.
pub struct CorpusRow {
    /// Path relative to the corpus folder, e.g. `pdf/qpdf--bad1.pdf`.
    pub path: String,
    /// `xlsx`, `ods`, `pdf`, `xml`, `docx`.
    pub format: String,
    /// `read`, `reject` or `needs-ocr`.
    pub expect: String,
    /// What the file exercises, and acceptable alternatives.
    pub note: String,
}

/// The rows of `expect.tsv` whose format is one of `formats`.
pub fn corpus_rows(formats: &[&str]) -> Vec<CorpusRow> {
    let text = std::fs::read_to_string(corpus().join("expect.tsv")).expect("expect.tsv");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            let (path, format, expect) = (cols.first()?, cols.get(1)?, cols.get(2)?);
            formats.contains(format).then(|| CorpusRow {
                path: path.to_string(),
                format: format.to_string(),
                expect: expect.to_string(),
                note: cols.get(3).unwrap_or(&"").to_string(),
            })
        })
        .collect()
}

/// Copies corpus rows into `input`, keeping their relative paths.
pub fn copy_rows(rows: &[CorpusRow], input: &Path) {
    for row in rows {
        let dest = input.join(&row.path);
        std::fs::create_dir_all(dest.parent().expect("a parent")).expect("mkdir");
        std::fs::copy(corpus().join(&row.path), &dest)
            .unwrap_or_else(|e| panic!("copying {}: {e}", row.path));
    }
}

/// A mappings folder with the national template and one `format` mapping no document matches, so every readable
/// file comes back `unrecognised` whatever the repository's mappings are.
pub fn never_matching_mappings(dir: &Path, format: &str) -> PathBuf {
    std::fs::create_dir_all(dir).expect("mkdir");
    std::fs::copy(
        root().join("mappings/national-template.toml"),
        dir.join("national-template.toml"),
    )
    .expect("template");
    std::fs::write(
        dir.join("990-never.toml"),
        format!(
            "[form]\nla_code = \"990\"\nla_name = \"Nowhere\"\nform = \"none\"\nversion = \"1\"\nformat = \"{format}\"\n\
             [form.match]\ncontains = \"zz-no-document-says-this-zz\"\n"
        ),
    )
    .expect("mapping");
    dir.to_path_buf()
}

/// Runs the binary with a wall-clock limit (a hang fails the test); returns (exit code, stdout).
pub fn run_bin(args: &[&str], limit: std::time::Duration) -> (Option<i32>, String) {
    use std::process::Stdio;
    let out_file = tempfile::NamedTempFile::new().expect("temp file");
    let mut child = Command::new(env!("CARGO_BIN_EXE_harmonise"))
        .args(args)
        .stdout(out_file.reopen().expect("reopen"))
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("harmonise {args:?} did not finish within {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    (
        status.code(),
        std::fs::read_to_string(out_file.path()).unwrap_or_default(),
    )
}

/// A `harmonise run` over copies of corpus rows, with a mapping of `format` that no document matches.
pub struct CorpusRun {
    /// Holds the folders.
    pub tmp: tempfile::TempDir,
    /// The copies, by their corpus-relative paths.
    pub input: PathBuf,
    /// The run's output folder.
    pub out: PathBuf,
    /// The run's exit code.
    pub code: Option<i32>,
}

/// Runs the rows (20 s per document at most, `limit` for the whole run: a hang fails the test).
pub fn run_corpus(rows: &[CorpusRow], format: &str, limit: std::time::Duration) -> CorpusRun {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (input, out) = (tmp.path().join("in"), tmp.path().join("out"));
    copy_rows(rows, &input);
    let mappings = never_matching_mappings(&tmp.path().join("mappings"), format);
    let (code, _) = run_bin(
        &[
            "run",
            "--quiet",
            "--input",
            input.to_str().expect("utf-8"),
            "--mappings",
            mappings.to_str().expect("utf-8"),
            "--out",
            out.to_str().expect("utf-8"),
            "--timeout-secs",
            "20",
            "--today",
            "2025-01-15",
        ],
        limit,
    );
    CorpusRun {
        tmp,
        input,
        out,
        code,
    }
}

/// A zip of these parts, in order, with `alias` renamed to `name` in the bytes afterwards: the zip crate
/// refuses to write a name twice, so a duplicate is written under a same-length alias first.
pub fn zip_parts(parts: &[(&str, Vec<u8>)], alias: Option<(&str, &str)>) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, body) in parts {
        zip.start_file(*name, stored).unwrap();
        zip.write_all(body).unwrap();
    }
    let mut bytes = zip.finish().unwrap().into_inner();
    if let Some((from, to)) = alias {
        assert_eq!(from.len(), to.len());
        let hits: Vec<usize> = (0..bytes.len())
            .filter(|&i| bytes[i..].starts_with(from.as_bytes()))
            .collect();
        assert_eq!(
            hits.len(),
            2,
            "the alias is in the local header and the directory"
        );
        for i in hits {
            bytes[i..i + to.len()].copy_from_slice(to.as_bytes());
        }
    }
    bytes
}

pub fn docx_parts(body: &str) -> Vec<(String, Vec<u8>)> {
    let w = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;
    vec![
        ("[Content_Types].xml".into(), b"<Types/>".to_vec()),
        (
            "word/document.xml".into(),
            format!(r#"<?xml version="1.0"?><w:document {w}><w:body>{body}</w:body></w:document>"#)
                .into_bytes(),
        ),
    ]
}

/// Every file under `dir` (relative, with `/`), sorted.
pub fn files_under(dir: &Path) -> std::collections::BTreeSet<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.expect("walk"))
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(dir)
                .expect("under dir")
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect()
}
