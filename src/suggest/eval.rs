//! Measuring `suggest` against hand-written mappings: for each filled sample document of an LA, draft a mapping
//! without looking at the LA's own one (the suggester reads only the template and the synonym table), then
//! compare (source location -> national field) pairs. A location is the first hit's provenance (`Sheet!C5`, a
//! field name, a path) found by [`DocIndex::locate`] under each mapping's rule, so a `label` and a `cell` that find
//! the same cell agree.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::locate::DocIndex;
use crate::mapping::{Mapping, MappingSet, compile};
use crate::read::{self, Limits};
use crate::template::Template;

use super::{SuggestOptions, Synonyms, suggest, write};

/// Pair counts; precision = correct / suggested, recall = correct / expected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Pairs suggested.
    pub suggested: usize,
    /// Pairs in the hand-written mapping.
    pub expected: usize,
    /// Suggested pairs that the hand-written mapping also has.
    pub correct: usize,
}

impl Counts {
    /// correct / suggested (1 when nothing was suggested).
    pub fn precision(&self) -> f64 {
        ratio(self.correct, self.suggested)
    }
    /// correct / expected (1 when nothing was expected).
    pub fn recall(&self) -> f64 {
        ratio(self.correct, self.expected)
    }
    fn add(&mut self, o: Counts) {
        self.suggested += o.suggested;
        self.expected += o.expected;
        self.correct += o.correct;
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// One LA's figures.
#[derive(Debug, Clone, Default)]
pub struct LaScore {
    /// The hand-written mapping's id.
    pub mapping: String,
    /// Documents evaluated.
    pub documents: usize,
    /// All national fields.
    pub all: Counts,
    /// Statutory (must + should) fields only.
    pub statutory: Counts,
    /// Wrong or missed pairs: (document, location, suggested field or "-", hand field or "-").
    pub misses: Vec<(String, String, String, String)>,
}

/// location -> national field, for every rule whose locator finds something.
fn pairs(mapping: &Mapping, index: &DocIndex) -> BTreeSet<(String, String)> {
    mapping
        .fields
        .iter()
        .filter_map(|r| {
            let hits = index.locate(r.locator.as_ref()?)?;
            let first = hits.first()?;
            let loc = first.source.split([',', '+']).next()?.trim().to_string();
            Some((loc, r.target.clone()))
        })
        .collect()
}

/// The documents an LA's mapping is evaluated on: the `filled-*` files of the folders its [[test]]s use.
pub fn documents_for(mapping: &Mapping) -> Vec<PathBuf> {
    let dirs: BTreeSet<PathBuf> = mapping
        .tests
        .iter()
        .filter_map(|t| t.document.parent().map(Path::to_path_buf))
        .collect();
    let mut docs: Vec<PathBuf> = dirs
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("filled"))
        })
        .collect();
    docs.sort();
    docs
}

/// Evaluates one mapping on its documents.
pub fn evaluate(mapping: &Mapping, template: &Template, synonyms: &Synonyms) -> LaScore {
    let mut score = LaScore {
        mapping: mapping.id.clone(),
        ..LaScore::default()
    };
    for path in documents_for(mapping) {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let format = read::sniff(&bytes);
        let Ok(doc) = read::read(&bytes, format, &Limits::default()) else {
            continue;
        };
        score.documents += 1;
        let s = suggest(&doc, format, template, synonyms, &SuggestOptions::default());
        let text = write::render(&s, template);
        let (drafted, _) = compile::compile(Path::new("suggested.toml"), &text, template);
        let index = DocIndex::new(&doc);
        let want = pairs(mapping, &index);
        let got = drafted.map(|d| pairs(&d, &index)).unwrap_or_default();
        let name = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let statutory = |f: &str| template.get(f).is_some_and(|d| d.statutory.is_statutory());
        let count = |only_statutory: bool| {
            let keep = |p: &&(String, String)| !only_statutory || statutory(&p.1);
            Counts {
                suggested: got.iter().filter(keep).count(),
                expected: want.iter().filter(keep).count(),
                correct: got.iter().filter(keep).filter(|p| want.contains(p)).count(),
            }
        };
        score.all.add(count(false));
        score.statutory.add(count(true));
        let by_loc = |set: &BTreeSet<(String, String)>| -> BTreeMap<String, String> {
            set.iter().map(|(l, f)| (l.clone(), f.clone())).collect()
        };
        let (g, w) = (by_loc(&got), by_loc(&want));
        for (loc, f) in &g {
            if !want.contains(&(loc.clone(), f.clone())) {
                let hand = w.get(loc).cloned().unwrap_or_else(|| "-".into());
                score
                    .misses
                    .push((name.clone(), loc.clone(), f.clone(), hand));
            }
        }
        for (loc, f) in &w {
            if !got.contains(&(loc.clone(), f.clone())) && !g.contains_key(loc) {
                score
                    .misses
                    .push((name.clone(), loc.clone(), "-".into(), f.clone()));
            }
        }
    }
    score
}

/// Evaluates every mapping of a set; returns the per-LA scores and the totals (all, statutory).
pub fn evaluate_set(set: &MappingSet, synonyms: &Synonyms) -> (Vec<LaScore>, Counts, Counts) {
    let scores: Vec<LaScore> = set
        .mappings
        .iter()
        .map(|m| evaluate(m, &set.template, synonyms))
        .filter(|s| s.documents > 0)
        .collect();
    let mut all = Counts::default();
    let mut statutory = Counts::default();
    for s in &scores {
        all.add(s.all);
        statutory.add(s.statutory);
    }
    (scores, all, statutory)
}
