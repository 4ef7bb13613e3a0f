//! Measures `harmonise suggest` against the hand-written mappings: for every mapping with [[test]] documents,
//! drafts a mapping from each filled sample (the LA's own mapping unseen) and prints precision and recall of
//! (source location -> national field) pairs, per LA and in total, statutory (must + should) fields separately.
//!
//!     cargo run --example suggest_eval [MAPPINGS_DIR] [--misses]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "a fixture generator or measuring tool: a failure should stop it loudly, where the library must return an error"
)]

use std::path::PathBuf;

use harmonise::mapping::MappingSet;
use harmonise::suggest::eval::{Counts, evaluate_set};
use harmonise::suggest::load_synonyms;

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let show_misses = args.iter().any(|a| a == "--misses");
    let dir = PathBuf::from(
        args.iter()
            .find(|a| !a.starts_with("--"))
            .map_or("mappings", String::as_str),
    );
    let set = match MappingSet::load(&dir) {
        Ok(s) => s,
        Err(d) => {
            eprint!("{d}");
            return std::process::ExitCode::from(2);
        }
    };
    let synonyms = match load_synonyms(&dir, &set.template) {
        Ok(s) => s,
        Err(d) => {
            eprint!("{d}");
            return std::process::ExitCode::from(2);
        }
    };
    let (scores, all, statutory) = evaluate_set(&set, &synonyms);
    let row = |name: &str, docs: usize, a: &Counts, s: &Counts| {
        println!(
            "{name:<16} {docs:>4}  {:>5.1}% {:>5.1}%  ({}/{} of {})   {:>5.1}% {:>5.1}%  ({}/{} of {})",
            a.precision() * 100.0,
            a.recall() * 100.0,
            a.correct,
            a.suggested,
            a.expected,
            s.precision() * 100.0,
            s.recall() * 100.0,
            s.correct,
            s.suggested,
            s.expected
        );
    };
    println!(
        "mapping          docs  all fields: prec recall (correct/suggested of expected)   statutory: prec recall"
    );
    for s in &scores {
        row(&s.mapping, s.documents, &s.all, &s.statutory);
    }
    let docs = scores.iter().map(|s| s.documents).sum();
    row("total", docs, &all, &statutory);
    if show_misses {
        for s in &scores {
            for (doc, loc, got, want) in &s.misses {
                println!(
                    "miss {} {doc} {loc}: suggested {got}, hand-written {want}",
                    s.mapping
                );
            }
        }
    }
    std::process::ExitCode::SUCCESS
}
