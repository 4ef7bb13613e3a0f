//! Measuring `suggest` against hand-written mappings: for each filled sample document of an LA, draft a mapping
//! without looking at the LA's own one (the suggester reads only the template and the synonym table), then
//! compare (source location -> national field) pairs. A location is the first hit's provenance (`Sheet!C5`, a
//! field name, a path) found by [`DocIndex::locate`] under each mapping's rule, so a `label` and a `cell` that find
//! the same cell agree.
//!
//! Pairs say whether a draft points at the right places; [`score_form`] says what matters to a user: draft a
//! mapping from an LA's documents (the folder, or its first filled document alone), run the unedited draft on every
//! document, and compare each field's status and value with what is known to be right: `truth.json` for the
//! real-layout fixtures, the hand-written mapping's own records for the designed ones.

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
        let s = suggest(
            &[&doc],
            format,
            template,
            synonyms,
            &SuggestOptions::default(),
        );
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

/// How the draft is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftFrom {
    /// From the first filled document alone (what `suggest FILE` does).
    First,
    /// From every document of the form (`suggest DIR`).
    Folder,
}

/// What is known to be right for one document: its record status and the fields the form asks, each as
/// `records.jsonl` writes it (`status`, `value`; `items` for groups).
#[derive(Debug, Clone)]
pub struct Known {
    /// The document.
    pub path: PathBuf,
    /// `ok`, `partial` or `blank`.
    pub status: String,
    /// Field id -> its expected outcome.
    pub fields: serde_json::Map<String, serde_json::Value>,
}

/// One LA's form with its documents and their known values.
#[derive(Debug, Clone)]
pub struct Form {
    /// The LA (its folder or mapping id).
    pub name: String,
    /// `designed`, `tune` or `heldout`.
    pub split: String,
    /// Every document (blank and filled), sorted.
    pub known: Vec<Known>,
}

/// Values right for one form.
#[derive(Debug, Clone, Default)]
pub struct ValueScore {
    /// The LA.
    pub name: String,
    /// Its split.
    pub split: String,
    /// Documents scored.
    pub documents: usize,
    /// Documents the draft's `[form.match]` does not fit (all their values count wrong).
    pub unrecognised: usize,
    /// Values (record statuses, single fields, group members) right.
    pub right: usize,
    /// Values scored.
    pub total: usize,
    /// What was wrong: `document: field` (never a value).
    pub wrong: Vec<String>,
    /// For each of `wrong`, the value wanted and the value the draft gave (the fixtures' invented values), to
    /// debug a draft on forms one tunes on.
    pub wrong_values: Vec<String>,
}

impl ValueScore {
    /// right / total.
    pub fn share(&self) -> f64 {
        ratio(self.right, self.total)
    }
}

/// The reference date for ages when a record has no request date, fixed so that scores do not move with the
/// calendar.
fn today() -> jiff::civil::Date {
    jiff::civil::date(2025, 10, 15)
}

fn read_doc(path: &Path) -> Option<(crate::read::Format, crate::read::SourceDoc)> {
    let bytes = std::fs::read(path).ok()?;
    let format = read::sniff(&bytes);
    let doc = read::read(&bytes, format, &Limits::default()).ok()?;
    Some((format, doc))
}

/// A record as `records.jsonl` writes it.
fn record_json(record: &crate::record::Record) -> serde_json::Value {
    serde_json::to_value(record).unwrap_or(serde_json::Value::Null)
}

/// The designed fixture forms: every bundled mapping with [[test]] documents, each document's known values being
/// what the hand-written mapping records.
pub fn designed_forms(set: &MappingSet) -> Vec<Form> {
    set.mappings
        .iter()
        .filter_map(|m| {
            let dirs: BTreeSet<PathBuf> = m
                .tests
                .iter()
                .filter_map(|t| t.document.parent().map(Path::to_path_buf))
                .collect();
            let mut paths: Vec<PathBuf> = dirs
                .iter()
                .filter_map(|d| std::fs::read_dir(d).ok())
                .flatten()
                .filter_map(|e| e.ok().map(|e| e.path()))
                .collect();
            paths.sort();
            let known: Vec<Known> = paths
                .into_iter()
                .filter_map(|path| {
                    let (_, doc) = read_doc(&path)?;
                    let rec = crate::harmonise::harmonise(&doc, m, &set.template, "", today());
                    let json = record_json(&rec);
                    let fields = json
                        .get("fields")?
                        .as_object()?
                        .iter()
                        .filter(|(_, v)| v["status"] != "not_collected")
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    Some(Known {
                        path,
                        status: json
                            .get("status")
                            .and_then(|v| v.as_str())
                            .unwrap_or("")
                            .to_string(),
                        fields,
                    })
                })
                .collect();
            (!known.is_empty()).then(|| Form {
                name: m.id.clone(),
                split: "designed".into(),
                known,
            })
        })
        .collect()
}

/// The real-layout fixture forms under `dir` (`fixtures/real-layout`), with the values of `truth.json` and of
/// `fresh/truth.json` (the split never tuned on). The forms of `heldout/` (966-967) were held out until suggest
/// was tuned on them too (issue 16): they count as `tune`; `fresh` is the held-out split now.
pub fn real_layout_forms(dir: &Path) -> Result<Vec<Form>, String> {
    let mut forms: BTreeMap<(String, String), Vec<Known>> = BTreeMap::new();
    for file in [dir.join("truth.json"), dir.join("fresh").join("truth.json")] {
        if !file.exists() && file != dir.join("truth.json") {
            continue;
        }
        let text =
            std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let truth: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        add_truth(dir, &truth, &mut forms);
    }
    Ok(forms
        .into_iter()
        .map(|((split, name), mut known)| {
            known.sort_by(|a, b| a.path.cmp(&b.path));
            Form { name, split, known }
        })
        .collect())
}

fn add_truth(
    dir: &Path,
    truth: &serde_json::Value,
    forms: &mut BTreeMap<(String, String), Vec<Known>>,
) {
    for (rel, entry) in truth.as_object().into_iter().flatten() {
        let mut parts = rel.split('/');
        let (Some(split), Some(la)) = (parts.next(), parts.next()) else {
            continue;
        };
        let split = if split == "heldout" { "tune" } else { split };
        forms
            .entry((split.to_string(), la.to_string()))
            .or_default()
            .push(Known {
                path: dir.join(rel),
                status: entry["record_status"].as_str().unwrap_or("").to_string(),
                fields: entry["fields"].as_object().cloned().unwrap_or_default(),
            });
    }
}

/// One outcome's (status, value) as compared: an invalid value is judged by its status only (the record keeps
/// the text, the truth names the options marked).
fn judged(v: Option<&serde_json::Value>) -> Option<(String, serde_json::Value)> {
    v.map(|v| {
        let status = v["status"].as_str().unwrap_or("").to_string();
        let value = if status == "invalid" {
            serde_json::Value::Null
        } else {
            v.get("value").cloned().unwrap_or(serde_json::Value::Null)
        };
        (status, value)
    })
}

/// Drafts a mapping for `form` (from its folder or its first filled document), runs the unedited draft on every
/// document and counts the values right. `others` are documents of other forms, which the draft's
/// `[form.match]` must not fit. Returns the score and the draft.
pub fn score_form(
    form: &Form,
    others: &[crate::read::SourceDoc],
    template: &Template,
    synonyms: &Synonyms,
    from: DraftFrom,
) -> (ValueScore, String) {
    let docs: Vec<(&Known, crate::read::Format, crate::read::SourceDoc)> = form
        .known
        .iter()
        .filter_map(|k| read_doc(&k.path).map(|(f, d)| (k, f, d)))
        .collect();
    let drafted_from: Vec<&crate::read::SourceDoc> = match from {
        DraftFrom::Folder => docs.iter().map(|(_, _, d)| d).collect(),
        DraftFrom::First => docs
            .iter()
            .find(|(k, _, _)| k.status != "blank")
            .or(docs.first())
            .map(|(_, _, d)| d)
            .into_iter()
            .collect(),
    };
    let format = docs
        .first()
        .map_or(crate::read::Format::Docx, |(_, f, _)| *f);
    let opts = SuggestOptions {
        others: others.to_vec(),
        ..SuggestOptions::default()
    };
    let s = suggest(&drafted_from, format, template, synonyms, &opts);
    let text = write::render(&s, template);
    (score_draft(form, &text, template), text)
}

/// Runs a draft (its TOML text), unedited, on every document of `form` and counts the values right.
pub fn score_draft(form: &Form, text: &str, template: &Template) -> ValueScore {
    let docs: Vec<(&Known, crate::read::Format, crate::read::SourceDoc)> = form
        .known
        .iter()
        .filter_map(|k| read_doc(&k.path).map(|(f, d)| (k, f, d)))
        .collect();
    let (drafted, _) = compile::compile(Path::new("draft.toml"), text, template);
    let mut score = ValueScore {
        name: form.name.clone(),
        split: form.split.clone(),
        ..ValueScore::default()
    };
    for (known, format, doc) in &docs {
        score.documents += 1;
        let name = known
            .path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let record = drafted.as_ref().and_then(|m| {
            crate::harmonise::identify(doc, *format, std::slice::from_ref(m))
                .ok()
                .map(|m| crate::harmonise::harmonise(doc, m, template, "", today()))
        });
        if record.is_none() {
            score.unrecognised += 1;
        }
        let got = record
            .as_ref()
            .map(record_json)
            .unwrap_or(serde_json::Value::Null);
        let mut judge = |ok: bool, what: String, values: &dyn Fn() -> String| {
            score.total += 1;
            if ok {
                score.right += 1;
            } else {
                score.wrong.push(format!("{name}: {what}"));
                score.wrong_values.push(values());
            }
        };
        judge(
            got.get("status").and_then(|v| v.as_str()) == Some(known.status.as_str()),
            "record status".into(),
            &|| format!("want {} got {:?}", known.status, got.get("status")),
        );
        for (id, want) in &known.fields {
            let g = got
                .get("fields")
                .and_then(|f| f.get(id))
                .unwrap_or(&serde_json::Value::Null);
            match want.get("items").and_then(|i| i.as_array()) {
                Some(items) => {
                    let got_items = g["items"].as_array().cloned().unwrap_or_default();
                    for n in 0..items.len().max(got_items.len()) {
                        judge(
                            judged(got_items.get(n)) == judged(items.get(n)),
                            format!("{id}[{n}]"),
                            &|| {
                                format!(
                                    "want {:?} got {:?}",
                                    judged(items.get(n)),
                                    judged(got_items.get(n))
                                )
                            },
                        );
                    }
                }
                None => judge(judged(Some(g)) == judged(Some(want)), id.clone(), &|| {
                    format!("want {:?} got {:?}", judged(Some(want)), judged(Some(g)))
                }),
            }
        }
        // A field the form does not ask, given a value by the draft, is wrong too.
        for (id, g) in got
            .get("fields")
            .and_then(|f| f.as_object())
            .into_iter()
            .flatten()
        {
            if !known.fields.contains_key(id) && (g["status"] == "ok" || g["status"] == "invalid") {
                judge(false, format!("{id} (not asked)"), &|| {
                    format!("got {:?}", judged(Some(g)))
                });
            }
        }
    }
    score
}
