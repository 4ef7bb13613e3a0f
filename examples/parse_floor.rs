//! The raw parse floor: what calamine, lopdf and quick-xml alone take to open and read every document of a
//! corpus once, in parallel on `--jobs` threads, and nothing else. `harmonise run` is measured against it
//! (`scripts/bench.sh`, `BENCHMARKS.md`).
//!
//! ```text
//! cargo run --release --example parse_floor -- target/bench-corpus/n10000 --jobs 2
//! ```
//!
//! Per document: read the file; then
//! - xlsx: open with calamine and stream every cell of every worksheet (`worksheet_cells_reader`, as our reader
//!   does: never the dense range), touching each value;
//! - pdf: load with lopdf, walk `/AcroForm /Fields` (through `/Kids`) dereferencing every `/V`; for a PDF without
//!   fields (a flat form) decode every page's content stream into operations, the text harmonise reads there;
//! - xml: decode to UTF-8 when it is not (BOM / UTF-16), then every event with namespaces resolved (`NsReader`).
//! - docx: open the zip (the zip crate), inflate `word/document.xml` and the headers, footers, footnotes and
//!   endnotes (the parts the docx reader reads), and every event of quick-xml's `Reader` over each, as the docx
//!   reader does (empty elements expanded); no table, text or control is built.
//!
//! Prints one line: `floor: <docs> documents, <items> items, <seconds> s` (items: cells + field values + events),
//! then one line per format: `floor <ext>: <docs> documents, <cpu seconds> s` (the seconds spent reading
//! documents of that format, summed over the threads).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "a fixture generator or measuring tool: a failure should stop it loudly, where the library must return an error"
)]

// The same allocator as harmonise (src/main.rs), so the floor measures the parsers, not the allocators.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::time::Instant;

use calamine::{DataRef, Reader, SheetType, Xlsx};
use lopdf::{Document, Object};
use quick_xml::events::Event;
use rayon::prelude::*;

fn main() {
    let mut args = std::env::args().skip(1);
    let mut dir = None;
    let mut jobs = 0usize;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--jobs" => jobs = args.next().and_then(|j| j.parse().ok()).expect("--jobs N"),
            _ => dir = Some(PathBuf::from(a)),
        }
    }
    let dir = dir.expect("usage: parse_floor DIR [--jobs N]");
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(&dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    files.sort();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .expect("thread pool");
    let started = Instant::now();
    let (items, failed, per) = pool.install(|| {
        files
            .par_iter()
            .map(|f| {
                let t = Instant::now();
                let got = read(f);
                let mut per = [(0u64, 0f64); FORMATS.len()];
                if let Some(i) = format_of(f) {
                    per[i] = (1, t.elapsed().as_secs_f64());
                }
                match got {
                    Some(n) => (n, 0, per),
                    None => (0, 1, per),
                }
            })
            .reduce(
                || (0, 0, [(0, 0.0); FORMATS.len()]),
                |a, b| {
                    let mut per = a.2;
                    for (p, q) in per.iter_mut().zip(b.2) {
                        p.0 += q.0;
                        p.1 += q.1;
                    }
                    (a.0 + b.0, a.1 + b.1, per)
                },
            )
    });
    let secs = started.elapsed().as_secs_f64();
    println!(
        "floor: {} documents, {items} items, {secs:.3} s ({failed} unreadable)",
        files.len()
    );
    for (ext, (docs, cpu)) in FORMATS.iter().zip(per) {
        if docs > 0 {
            println!("floor {ext}: {docs} documents, {cpu:.3} s");
        }
    }
    if failed > 0 {
        std::process::exit(1);
    }
}

/// The formats the floor reads, by file extension.
const FORMATS: [&str; 4] = ["xlsx", "pdf", "xml", "docx"];

fn format_of(path: &Path) -> Option<usize> {
    let ext = path.extension()?.to_str()?;
    FORMATS.iter().position(|f| *f == ext)
}

/// Reads one document; the number of items touched, or `None` when it cannot be read.
fn read(path: &Path) -> Option<u64> {
    let bytes = std::fs::read(path).ok()?;
    match path.extension().and_then(|e| e.to_str()) {
        Some("xlsx") => xlsx(&bytes),
        Some("pdf") => pdf(&bytes),
        Some("xml") => xml(&bytes),
        Some("docx") => docx(&bytes),
        _ => None,
    }
}

/// The parts of a docx that the docx reader reads: the body, then headers, footers, footnotes and endnotes.
fn is_docx_part(name: &str) -> bool {
    let Some(file) = name.strip_prefix("word/") else {
        return false;
    };
    !file.contains('/')
        && file.ends_with(".xml")
        && (file == "document.xml"
            || file.starts_with("header")
            || file.starts_with("footer")
            || file == "footnotes.xml"
            || file == "endnotes.xml")
}

fn docx(bytes: &[u8]) -> Option<u64> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let parts: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .filter(|n| is_docx_part(n))
        .map(|n| n.into_owned())
        .collect();
    if !parts.iter().any(|p| p == "word/document.xml") {
        return None;
    }
    let mut n = 0u64;
    let mut xml = String::new();
    for part in parts {
        xml.clear();
        archive.by_name(&part).ok()?.read_to_string(&mut xml).ok()?;
        let mut reader = quick_xml::Reader::from_str(&xml);
        reader.config_mut().expand_empty_elements = true;
        loop {
            match reader.read_event().ok()? {
                Event::Eof => break,
                _ => n += 1,
            }
        }
    }
    Some(n)
}

fn xlsx(bytes: &[u8]) -> Option<u64> {
    let mut wb = Xlsx::new(Cursor::new(bytes)).ok()?;
    let sheets: Vec<String> = wb
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .map(|s| s.name.clone())
        .collect();
    let mut n = 0u64;
    for name in sheets {
        let mut cells = wb.worksheet_cells_reader(&name).ok()?;
        while let Some(cell) = cells.next_cell().ok()? {
            let touched = match cell.get_value() {
                DataRef::SharedString(s) => s.len(),
                DataRef::String(s) => s.len(),
                DataRef::Empty => 0,
                _ => 1,
            };
            n += u64::from(touched > 0);
        }
    }
    Some(n)
}

fn pdf(bytes: &[u8]) -> Option<u64> {
    let doc = Document::load_mem(bytes).ok()?;
    let mut n = 0u64;
    let fields = doc
        .catalog()
        .ok()
        .and_then(|c| c.get_deref(b"AcroForm", &doc).ok())
        .and_then(|a| a.as_dict().ok())
        .and_then(|a| a.get_deref(b"Fields", &doc).ok())
        .and_then(|f| f.as_array().ok());
    if let Some(fields) = fields {
        let mut stack: Vec<&Object> = fields.iter().collect();
        let mut budget = 100_000;
        while let Some(o) = stack.pop() {
            budget -= 1;
            if budget == 0 {
                break;
            }
            let Some(d) = doc.dereference(o).ok().and_then(|(_, o)| o.as_dict().ok()) else {
                continue;
            };
            if let Ok(v) = d.get_deref(b"V", &doc) {
                n += 1 + u64::from(matches!(v, Object::String(..)));
            }
            if let Ok(kids) = d.get(b"Kids").and_then(Object::as_array) {
                stack.extend(kids.iter());
            }
        }
    }
    if n == 0 {
        for page in doc.get_pages().into_values() {
            let content = doc.get_and_decode_page_content(page).ok()?;
            n += content.operations.len() as u64;
        }
    }
    Some(n)
}

fn xml(bytes: &[u8]) -> Option<u64> {
    let text = match encoding_rs::Encoding::for_bom(bytes) {
        Some((enc, bom)) => enc.decode_without_bom_handling(&bytes[bom..]).0,
        None => match std::str::from_utf8(bytes) {
            Ok(s) => s.into(),
            Err(_) => {
                encoding_rs::WINDOWS_1252
                    .decode_without_bom_handling(bytes)
                    .0
            }
        },
    };
    let mut reader = quick_xml::NsReader::from_str(&text);
    let mut n = 0u64;
    loop {
        match reader.read_resolved_event().ok()? {
            (_, Event::Eof) => return Some(n),
            (_, _) => n += 1,
        }
    }
}
