//! Writes the benchmark corpus: `N` mixed documents from every fixture LA, deterministic for a seed.
//!
//! ```text
//! cargo run --release --example gen_bench_corpus -- --n 10000 --seed 1 --out target/bench-corpus/n10000
//! ```
//!
//! The documents come from the fixture generators themselves (included below as modules), so a layout exists in
//! exactly one place: each generator exposes a `bench_document(la, seed, long)` that builds one of its forms with
//! values drawn from the seed. Mix: about 40% xlsx, 40% pdf (fillable and flat, a quarter with 2-4 continuation
//! pages), 20% xml; about one document in eight carries long free-text answers (1-6 KB). Output: `OUT/<la>/<nnnnnn>.<ext>`; the folder is emptied first.
//!
//! `--real-layout`: forms the team did not design as well. About 40% of the documents are then byte copies of the
//! real-layout Word forms (`fixtures/real-layout/tune/` and `heldout/`, blanks included; never `fresh/`), in
//! `OUT/real-<la>/`, and the other 60% the mix above. A corpus with them needs their mappings, so the generator
//! also writes a mappings folder, `MAPPINGS_OUT/mappings/` (default `OUT.mappings/mappings/`): the bundled
//! `mappings/` (with its `reference/` forms) plus `fixtures/real-layout/mappings/*.toml`, whose `reference` and
//! `[[test]]` paths (`../tune/...`, `../heldout/...`) resolve to copies of `tune/` and `heldout/` beside it.
//!
//! ```text
//! cargo run --release --example gen_bench_corpus -- --n 2000 --seed 1 --real-layout --out target/bench-corpus/real-n2000
//! target/release/harmonise run --input target/bench-corpus/real-n2000 \
//!     --mappings target/bench-corpus/real-n2000.mappings/mappings --out /tmp/out --full
//! ```
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "a fixture generator or measuring tool: a failure should stop it loudly, where the library must return an error"
)]

#[allow(dead_code, clippy::all)]
#[path = "gen_xlsx_fixtures.rs"]
mod xlsx_fixtures;

#[allow(dead_code, clippy::all)]
#[path = "gen_xml_fixtures.rs"]
mod xml_fixtures;

#[allow(dead_code, clippy::all)]
#[path = "gen_pdf_fixtures.rs"]
mod pdf_fixtures;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Context, Result};
use clap::Parser;
use rayon::prelude::*;

#[derive(Parser)]
struct Args {
    /// Number of documents.
    #[arg(long, default_value_t = 10_000)]
    n: usize,
    /// Seed: the same seed and `n` write the same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output folder (emptied first).
    #[arg(long, default_value = "target/bench-corpus/n10000")]
    out: PathBuf,
    /// About 40% of the documents copies of the real-layout Word forms (tune and held-out splits).
    #[arg(long)]
    real_layout: bool,
    /// With `--real-layout`: where the mappings folder goes (`DIR/mappings/`, `DIR/tune/`, `DIR/heldout/`);
    /// default `OUT.mappings`. Emptied first.
    #[arg(long)]
    mappings_out: Option<PathBuf>,
}

/// The real-layout splits a corpus copies (the fresh split is held out of everything but scoring).
const REAL_SPLITS: [&str; 2] = ["tune", "heldout"];

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every real-layout Word form of the tune and held-out splits, sorted: (`real-<la>`, bytes).
fn real_documents() -> Result<Vec<(&'static str, Vec<u8>)>> {
    let mut found = Vec::new();
    let mapped: Vec<String> = std::fs::read_dir(repo().join("fixtures/real-layout/mappings"))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    for split in REAL_SPLITS {
        for entry in walkdir::WalkDir::new(repo().join("fixtures/real-layout").join(split))
            .sort_by_file_name()
        {
            let entry = entry?;
            let path = entry.path();
            if !entry.file_type().is_file() || path.extension().is_none_or(|e| e != "docx") {
                continue;
            }
            let la = path
                .parent()
                .and_then(Path::file_name)
                .and_then(|n| n.to_str())
                .context("a real-layout form outside an LA folder")?;
            // Only forms with a mapping (976-977 are suggest's tune forms, mapped by no file on purpose).
            if !mapped.iter().any(|m| m.ends_with(&format!("-{la}.toml"))) {
                continue;
            }
            let dir: &'static str = Box::leak(format!("real-{la}").into_boxed_str());
            found.push((dir, std::fs::read(path)?));
        }
    }
    anyhow::ensure!(
        !found.is_empty(),
        "no real-layout forms under fixtures/real-layout"
    );
    Ok(found)
}

/// Copies a folder's tree (files and folders only).
fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry?;
        let rel = entry.path().strip_prefix(from)?;
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest)?;
        } else if entry.file_type().is_file() {
            std::fs::copy(entry.path(), &dest)
                .with_context(|| format!("copying {}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// The mappings folder for a corpus with real-layout forms: `DIR/mappings/` (the bundled set and the real-layout
/// mappings), `DIR/tune/` and `DIR/heldout/` (what their `reference` and `[[test]]` paths name).
fn write_mappings(dir: &Path) -> Result<PathBuf> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("emptying {}", dir.display()))?;
    }
    let mappings = dir.join("mappings");
    copy_tree(&repo().join("mappings"), &mappings)?;
    let real = repo().join("fixtures/real-layout");
    for entry in std::fs::read_dir(real.join("mappings"))? {
        let path = entry?.path();
        let name = path.file_name().context("a mapping without a name")?;
        if path.extension().is_some_and(|e| e == "toml") && name != "national-template.toml" {
            std::fs::copy(&path, mappings.join(name))?;
        }
    }
    anyhow::ensure!(
        std::fs::read(real.join("mappings/national-template.toml"))?
            == std::fs::read(mappings.join("national-template.toml"))?,
        "the real-layout mappings use another national template than mappings/"
    );
    for split in REAL_SPLITS {
        copy_tree(&real.join(split), &dir.join(split))?;
    }
    Ok(mappings)
}

/// splitmix64: a small, well-mixed deterministic stream.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Eight long free-text answers (1-6 KB), built once.
fn long_texts() -> &'static [&'static str] {
    static TEXTS: OnceLock<Vec<&'static str>> = OnceLock::new();
    TEXTS.get_or_init(|| {
        const SENTENCES: &[&str] = &[
            "He finds the transition from break time back into class very difficult and often needs an adult to help him settle.",
            "Her reading age was assessed at six years and four months in the spring term, nearly three years below her chronological age.",
            "The school has put in place a visual timetable, a quiet workstation and daily check-ins with the SENCo.",
            "Despite two cycles of assess, plan, do and review, progress in writing and number has remained slow.",
            "At home he is anxious in the mornings and has refused to come into school on eleven occasions this term.",
            "The educational psychologist recommended small-group teaching and pre-teaching of key vocabulary.",
            "She communicates best with short instructions supported by pictures and benefits from extra processing time.",
            "We would like a plan that follows our child through the move to secondary school and beyond.",
        ];
        (0..8)
            .map(|t| {
                let target = 1024 + t * 700;
                let mut s = String::new();
                let mut k = t;
                while s.len() < target {
                    s.push_str(SENTENCES[k % SENTENCES.len()]);
                    s.push(' ');
                    k += 3;
                }
                &*Box::leak(s.trim_end().to_string().into_boxed_str())
            })
            .collect()
    })
}

/// The document at position `j`: its LA folder, file extension and bytes. With real-layout forms, 40% are copies
/// of them and the rest is drawn as without (from another stream, so the mix of the rest is the same).
fn document(
    seed: u64,
    j: usize,
    real: Option<&[(&'static str, Vec<u8>)]>,
) -> Result<(&'static str, &'static str, Vec<u8>)> {
    let mut r = mix(seed ^ mix(j as u64));
    if let Some(real) = real {
        if r % 10 < 4 {
            let (dir, bytes) = &real[(r >> 32) as usize % real.len()];
            return Ok((dir, "docx", bytes.clone()));
        }
        r = mix(r);
    }
    let long = (r >> 8).is_multiple_of(8).then(|| {
        let texts = long_texts();
        texts[(r >> 16) as usize % texts.len()]
    });
    let variant = (r >> 24) as usize % 1_000_000;
    let family = (r >> 48) as usize;
    // 40% xlsx, 40% pdf, 20% xml.
    match r % 10 {
        0..=3 => {
            let (dir, bytes) =
                xlsx_fixtures::bench_document(family % xlsx_fixtures::N_LAS, variant, long)?;
            Ok((dir, "xlsx", bytes))
        }
        4..=7 => {
            let (dir, bytes) =
                pdf_fixtures::bench_document(family % pdf_fixtures::N_FAMILIES, variant, long);
            // One pdf in four is a longer submission: two to four continuation pages of free text.
            let extra = match (r >> 40) % 8 {
                0 | 1 => 2 + (r >> 44) as usize % 3,
                _ => 0,
            };
            Ok((dir, "pdf", with_pages(bytes, extra, long_texts())?))
        }
        _ => {
            let (dir, bytes) =
                xml_fixtures::bench_document(family % xml_fixtures::N_FAMILIES, variant, long);
            Ok((dir, "xml", bytes))
        }
    }
}

/// Appends `extra` continuation pages of Helvetica text ("Additional information") to a PDF.
fn with_pages(bytes: Vec<u8>, extra: usize, texts: &[&str]) -> Result<Vec<u8>> {
    use lopdf::{Document, Object, Stream, dictionary};
    if extra == 0 {
        return Ok(bytes);
    }
    let mut doc = Document::load_mem(&bytes)?;
    let pages_id = doc.catalog()?.get(b"Pages")?.as_reference()?;
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica", "Encoding" => "WinAnsiEncoding",
    });
    let mut kids = Vec::new();
    for p in 0..extra {
        let mut content =
            String::from("BT /F9 11 Tf 50 790 Td (Additional information, continued) Tj ET\n");
        let text = texts[p % texts.len()];
        let words: Vec<&str> = text.split(' ').collect();
        for (l, line) in words.chunks(12).take(60).enumerate() {
            let line = line.join(" ").replace(['(', ')', '\\'], " ");
            let y = 770 - 12 * l as i32;
            content.push_str(&format!("BT /F9 9 Tf 50 {y} Td ({line}) Tj ET\n"));
        }
        let contents = doc.add_object(Stream::new(dictionary! {}, content.into_bytes()));
        let page = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            "Resources" => dictionary! { "Font" => dictionary! { "F9" => font } },
            "Contents" => contents,
        });
        kids.push(Object::Reference(page));
    }
    let pages = doc.get_object_mut(pages_id)?.as_dict_mut()?;
    let count = pages.get(b"Count")?.as_i64()? + extra as i64;
    pages.get_mut(b"Kids")?.as_array_mut()?.extend(kids);
    pages.set("Count", count);
    let mut out = Vec::new();
    doc.save_to(&mut out)?;
    Ok(out)
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.out.exists() {
        std::fs::remove_dir_all(&args.out)
            .with_context(|| format!("emptying {}", args.out.display()))?;
    }
    let real = if args.real_layout {
        Some(real_documents()?)
    } else {
        None
    };
    let bytes: u64 = (0..args.n)
        .into_par_iter()
        .map(|j| -> Result<u64> {
            let (dir, ext, bytes) = document(args.seed, j, real.as_deref())?;
            let folder = args.out.join(dir);
            std::fs::create_dir_all(&folder)?;
            let path = folder.join(format!("{j:06}.{ext}"));
            std::fs::write(&path, &bytes).with_context(|| format!("writing {}", path.display()))?;
            Ok(bytes.len() as u64)
        })
        .try_reduce(|| 0, |a, b| Ok(a + b))?;
    eprintln!(
        "gen_bench_corpus: wrote {} documents ({} MiB) to {}",
        args.n,
        bytes >> 20,
        args.out.display()
    );
    if args.real_layout {
        let dir = args.mappings_out.clone().unwrap_or_else(|| {
            let mut name = args.out.clone().into_os_string();
            name.push(".mappings");
            PathBuf::from(name)
        });
        let mappings = write_mappings(&dir)?;
        eprintln!(
            "gen_bench_corpus: real-layout forms from {}; mappings in {}",
            REAL_SPLITS.join(" and "),
            mappings.display()
        );
    }
    Ok(())
}
