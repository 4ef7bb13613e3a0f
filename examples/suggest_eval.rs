//! Measures `harmonise suggest` against the hand-written mappings: for every mapping with [[test]] documents,
//! drafts a mapping from each filled sample (the LA's own mapping unseen) and prints precision and recall of
//! (source location -> national field) pairs, per LA and in total, statutory (must + should) fields separately.
//!
//! With `--values`, it scores what matters to a user instead: for each LA (the designed fixture forms, and the
//! real-layout ones under `fixtures/real-layout`, tune and held-out apart), a draft made from the LA's folder
//! (and, for comparison, from its first filled document alone) is run unedited on every document, and each
//! field's status and value is compared with what is known to be right. `--wrong` lists what was wrong.
//!
//!     cargo run --example suggest_eval [MAPPINGS_DIR] [--misses]
//!     cargo run --example suggest_eval -- --values [--wrong | --wrong-values] [--drafts DIR] [--before BIN]
//!
//! `--wrong-values` also shows what was wanted and what the draft gave (the fixtures' invented values). Neither
//! lists the faults of the `fresh` split, nor does `--drafts` write its drafts: it is held out, scored only.
//!
//! `--before BIN` also scores the drafts another `harmonise` binary (an older build) makes with `suggest FILE` from
//! each form's first filled document: the figures before a change.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "a fixture generator or measuring tool: a failure should stop it loudly, where the library must return an error"
)]

use std::path::PathBuf;

use harmonise::mapping::MappingSet;
use harmonise::suggest::eval::{
    Counts, DraftFrom, designed_forms, evaluate_set, real_layout_forms, score_form,
};
use harmonise::suggest::load_synonyms;

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let show_misses = args.iter().any(|a| a == "--misses");
    // The mappings folder: the first argument that is no option and no option's value.
    let dir = PathBuf::from(
        args.iter()
            .enumerate()
            .find(|(i, a)| {
                !a.starts_with("--")
                    && (*i == 0
                        || args
                            .get(i - 1)
                            .is_none_or(|p| p != "--drafts" && p != "--before"))
            })
            .map_or("mappings", |(_, a)| a.as_str()),
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
    if args.iter().any(|a| a == "--values") {
        let drafts = args
            .iter()
            .position(|a| a == "--drafts")
            .and_then(|i| args.get(i + 1))
            .map(PathBuf::from);
        let before = args
            .iter()
            .position(|a| a == "--before")
            .and_then(|i| args.get(i + 1))
            .map(PathBuf::from);
        values(
            &set,
            &synonyms,
            args.iter().any(|a| a == "--wrong" || a == "--wrong-values"),
            args.iter().any(|a| a == "--wrong-values"),
            drafts.as_deref(),
            before.as_deref(),
        );
        return std::process::ExitCode::SUCCESS;
    }
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

/// Values right with the unedited draft, per LA and per split, drafted from the first filled document and from
/// the folder.
fn values(
    set: &MappingSet,
    synonyms: &harmonise::suggest::Synonyms,
    show_wrong: bool,
    show_values: bool,
    drafts: Option<&std::path::Path>,
    before: Option<&std::path::Path>,
) {
    let mut forms = designed_forms(set);
    forms.extend(real_layout_forms(&PathBuf::from("fixtures/real-layout")).unwrap());
    // One document of each form, to check that a draft's [form.match] fits no other form.
    let firsts: Vec<Option<harmonise::read::SourceDoc>> = forms
        .iter()
        .map(|f| {
            f.known.iter().find_map(|k| {
                let bytes = std::fs::read(&k.path).ok()?;
                let format = harmonise::read::sniff(&bytes);
                harmonise::read::read(&bytes, format, &harmonise::read::Limits::default()).ok()
            })
        })
        .collect();
    println!(
        "split     LA                     docs   one document          folder              unrecognised"
    );
    let mut totals: std::collections::BTreeMap<String, [usize; 4]> = Default::default();
    let mut before_totals: std::collections::BTreeMap<String, [usize; 2]> = Default::default();
    for (i, form) in forms.iter().enumerate() {
        let others: Vec<harmonise::read::SourceDoc> = firsts
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .filter_map(|(_, d)| d.clone())
            .collect();
        let (one, _) = score_form(form, &others, &set.template, synonyms, DraftFrom::First);
        let (all, draft) = score_form(form, &others, &set.template, synonyms, DraftFrom::Folder);
        // Nor are its drafts written: they are read only to score.
        if let Some(dir) = drafts.filter(|_| form.split != "fresh") {
            std::fs::create_dir_all(dir).unwrap();
            std::fs::write(dir.join(format!("{}.toml", form.name)), draft).unwrap();
        }
        let old = before.map(|bin| {
            let first = form
                .known
                .iter()
                .find(|k| k.status != "blank")
                .or(form.known.first())
                .unwrap();
            let out = std::process::Command::new(bin)
                .args([
                    "suggest",
                    first.path.to_str().unwrap(),
                    "--mappings",
                    "mappings",
                ])
                .output()
                .unwrap();
            harmonise::suggest::eval::score_draft(
                form,
                &String::from_utf8_lossy(&out.stdout),
                &set.template,
            )
        });
        if let Some(o) = &old {
            print!(
                "before {:>4}/{:<4} {:>5.1}%  ",
                o.right,
                o.total,
                o.share() * 100.0
            );
            let t = before_totals.entry(form.split.clone()).or_default();
            t[0] += o.right;
            t[1] += o.total;
        }
        println!(
            "{:<9} {:<22} {:>4}   {:>4}/{:<4} {:>5.1}%   {:>4}/{:<4} {:>5.1}%   {}",
            form.split,
            form.name,
            all.documents,
            one.right,
            one.total,
            one.share() * 100.0,
            all.right,
            all.total,
            all.share() * 100.0,
            all.unrecognised
        );
        let t = totals.entry(form.split.clone()).or_default();
        t[0] += one.right;
        t[1] += one.total;
        t[2] += all.right;
        t[3] += all.total;
        // The held-out split's faults are not listed: reading them would be tuning on it.
        if show_wrong && form.split != "fresh" {
            for (w, v) in all.wrong.iter().zip(&all.wrong_values) {
                if show_values {
                    println!("  wrong {} {w}: {v}", form.name);
                } else {
                    println!("  wrong {} {w}", form.name);
                }
            }
        }
    }
    for (split, t) in &totals {
        let pct = |a: usize, b: usize| {
            if b == 0 {
                100.0
            } else {
                a as f64 * 100.0 / b as f64
            }
        };
        if let Some(b) = before_totals.get(split) {
            print!("before {:>4}/{:<4} {:>5.1}%  ", b[0], b[1], pct(b[0], b[1]));
        }
        println!(
            "{split:<9} {:<22}        {:>4}/{:<4} {:>5.1}%   {:>4}/{:<4} {:>5.1}%",
            "total",
            t[0],
            t[1],
            pct(t[0], t[1]),
            t[2],
            t[3],
            pct(t[2], t[3])
        );
    }
}
