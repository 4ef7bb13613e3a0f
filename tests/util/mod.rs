//! Shared helpers for the integration tests: a temp folder per test and the real `harmonise` binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (where Cargo.toml is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the real binary from the repository root.
pub fn harmonise(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_harmonise"))
        .args(args)
        .current_dir(root())
        .env_remove("NO_COLOR")
        .output()
        .expect("the harmonise binary runs")
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
