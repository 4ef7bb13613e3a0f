//! Writes `fixtures/converted/`: three of Fenwick's docx forms (`fixtures/forms/fenwick/`, written by
//! `gen_docx_fixtures`) saved in the other word-processing formats that harmonise reads converted to docx, by
//! LibreOffice itself (`soffice --headless --convert-to`):
//!
//! - `fenwick-filled-01.doc` (legacy Word binary, "MS Word 97"),
//! - `fenwick-filled-02.rtf` (Rich Text Format),
//! - `fenwick-filled-03.odt` (OpenDocument text, "writer8").
//!
//! The end-to-end tests (`tests/it/convert.rs`) run them through the real binary and expect the values the docx
//! originals give. Deterministic for a given LibreOffice version: the converter runs with `SAL_RAND_REPEATABLE`
//! (LibreOffice's field-mark bookmarks get repeatable names instead of random ones) in a fresh profile, and the
//! odt's zip is rewritten with fixed entry timestamps (`mimetype` first and stored, as ODF requires). The files
//! committed were written by LibreOffice 7.4.7 (Debian bookworm's `libreoffice-writer-nogui`).
//!
//! Run from the repository root: `cargo run --example gen_word_formats` (needs soffice on PATH, or
//! `HARMONISE_SOFFICE` naming it).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "a fixture generator or measuring tool: a failure should stop it loudly, where the library must return an error"
)]

use std::io::{Cursor, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

/// (docx original under fixtures/forms/fenwick, target format)
const FIXTURES: [(&str, &str); 3] = [
    ("filled-01.docx", "doc"),
    ("filled-02.docx", "rtf"),
    ("filled-03.docx", "odt"),
];

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let soffice = std::env::var_os("HARMONISE_SOFFICE").unwrap_or_else(|| "soffice".into());
    let out = root.join("fixtures/converted");
    std::fs::create_dir_all(&out).unwrap();
    for (docx, ext) in FIXTURES {
        let work = tempfile::tempdir().unwrap();
        let stem = docx.trim_end_matches(".docx");
        let input = work.path().join(format!("fenwick-{stem}.docx"));
        std::fs::copy(root.join("fixtures/forms/fenwick").join(docx), &input).unwrap();
        let status = Command::new(&soffice)
            .arg(format!(
                "-env:UserInstallation=file://{}",
                work.path().join("profile").display()
            ))
            .args(["--headless", "--norestore", "--convert-to", ext, "--outdir"])
            .arg(work.path().join("out"))
            .arg(&input)
            .env("SAL_RAND_REPEATABLE", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .status()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", soffice.to_string_lossy()));
        assert!(status.success(), "soffice failed on {docx}: {status}");
        let name = format!("fenwick-{stem}.{ext}");
        let mut bytes = std::fs::read(work.path().join("out").join(&name)).unwrap();
        if ext == "odt" {
            bytes = fixed_times(&bytes);
        }
        std::fs::write(out.join(&name), &bytes).unwrap();
        println!("fixtures/converted/{name}: {} bytes", bytes.len());
    }
}

/// The same zip with every entry's timestamp fixed (`mimetype` first and stored, the others deflated).
fn fixed_times(odt: &[u8]) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(odt)).unwrap();
    let mut names: Vec<String> = archive
        .file_names()
        .map(|n| n.unwrap().into_owned())
        .collect();
    names.sort_by_key(|n| (n != "mimetype", archive.index_for_name(n)));
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for name in names {
        let mut body = Vec::new();
        archive
            .by_name(&name)
            .unwrap()
            .read_to_end(&mut body)
            .unwrap();
        let method = if name == "mimetype" {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(method)
            .last_modified_time(zip::DateTime::default());
        if name.ends_with('/') {
            zip.add_directory(name.trim_end_matches('/'), opts).unwrap();
        } else {
            zip.start_file(name, opts).unwrap();
            zip.write_all(&body).unwrap();
        }
    }
    zip.finish().unwrap().into_inner()
}
