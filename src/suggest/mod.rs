//! `harmonise suggest`: drafts a complete mapping file for an unseen LA form. The document is read with the same
//! readers as `run`; [`candidates`] lists its source fields with locators, [`matching`] pairs them with national
//! template fields, and [`write`] renders the draft: `[form]`, one `[fields."id"]` per match with its confidence,
//! unmatched statutory fields as `# TODO` comments, and everything else as `[extra.*]`.
//!
//! The draft is a starting point that passes `harmonise check` as written; an analyst reviews every entry. The
//! suggester never prints document values (the draft holds labels and locators only).

pub mod candidates;
pub mod eval;
pub mod matching;
pub mod printed;
pub mod write;

use std::path::Path;

use crate::diag::Diagnostics;
pub use crate::label::Synonyms;
use crate::label::{Plural, SUGGEST, SynonymFile, phrase_similarity, singular, tokens};
use crate::read::{Format, SourceDoc};
use crate::template::{Statutory, Template};
use candidates::{Candidate, Where};
use matching::{Phrases, assign, shape_score};

/// Group words ("parents", "professionals") and a numbered label's words are compared without a plural `s`.
const GROUP_PLURAL: Plural = Plural::Strip {
    min_chars: 1,
    keep_ss: true,
};

/// Below this score a candidate is left as an extra.
pub const THRESHOLD: f64 = 0.6;

/// Loads `mappings/suggest-synonyms.toml` (a missing file is an empty table), its field ids checked against the
/// template; a malformed file is a diagnostic with `file:line:column`.
pub fn load_synonyms(mappings: &Path, template: &Template) -> Result<Synonyms, Diagnostics> {
    Synonyms::load_in(mappings, SynonymFile::Suggest, &|id| {
        template.get(id).is_some()
    })
}

/// What the draft is for.
#[derive(Debug, Clone, Default)]
pub struct SuggestOptions {
    /// The LA's name (default: found in the document, or a placeholder).
    pub la_name: Option<String>,
    /// The LA's code (default: `000`, to be replaced).
    pub la_code: Option<String>,
    /// The document's file name, for the header comment.
    pub source_name: String,
}

/// One candidate matched to a national field.
#[derive(Debug, Clone)]
pub struct Matched {
    /// The national field.
    pub field: String,
    /// 0..=1.
    pub confidence: f64,
    /// The candidate.
    pub candidate: Candidate,
    /// A regex capture when one box feeds several fields (a full name).
    pub regex: Option<&'static str>,
}

/// The suggester's result, before rendering.
#[derive(Debug, Clone)]
pub struct Suggestion {
    /// Format sniffed.
    pub format: Format,
    /// LA name.
    pub la_name: String,
    /// LA code.
    pub la_code: String,
    /// A title for the form.
    pub form_title: String,
    /// `[form.namespaces]`: (prefix, URI), for XML paths.
    pub namespaces: Vec<(String, String)>,
    /// `[form.match]` lines: (key, value).
    pub matcher: Vec<(&'static str, String)>,
    /// Matched fields, in document order.
    pub fields: Vec<Matched>,
    /// Unmatched candidates, in document order.
    pub extras: Vec<Candidate>,
    /// How many texts were left out because they read as answers, not printed questions ([`printed`]).
    pub withheld: usize,
    /// Statutory fields left unmatched: (id, level, label).
    pub todo: Vec<(String, Statutory, String)>,
    /// Where the document came from.
    pub source_name: String,
}

/// Drafts a mapping for a document.
pub fn suggest(
    doc: &SourceDoc,
    format: Format,
    template: &Template,
    synonyms: &Synonyms,
    opts: &SuggestOptions,
) -> Suggestion {
    let phrases = Phrases::new(template, &synonyms.fields, &synonyms.split_name);
    let group_header = |labels: &[String]| {
        template.groups.keys().any(|g| {
            labels
                .iter()
                .filter(|l| {
                    template
                        .fields
                        .iter()
                        .filter(|f| f.group.as_deref() == Some(g.as_str()))
                        .any(|f| phrases.text_score(l, &f.id) >= 0.8)
                })
                .count()
                >= 2
        })
    };
    // "Parent/carer {n} name" numbers a group's members; "Address line {n}" does not.
    let group_words: Vec<String> = template
        .groups
        .iter()
        .flat_map(|(name, about)| tokens(&format!("{name} {about}"), &SUGGEST))
        .map(|w| singular(&w, GROUP_PLURAL))
        .filter(|w| w.len() > 3)
        .collect();
    let group_label = |label: &str| {
        let before = label.split("{n}").next().unwrap_or(label);
        // "Prof" abbreviates "professional": a word of 4+ letters that starts a group word counts.
        tokens(before, &SUGGEST).iter().any(|w| {
            let w = singular(w, GROUP_PLURAL);
            group_words
                .iter()
                .any(|g| *g == w || (w.len() >= 4 && g.starts_with(&w)))
        })
    };
    let cands = candidates::candidates(doc, &group_header, &group_label);
    let filled = cands.iter().filter(|c| !c.values.is_empty()).count() * 2 > cands.len();

    // Which group each table row belongs to: the group most of its columns name.
    let group_of_row = |c: &Candidate| -> Option<String> {
        if c.siblings.is_empty() {
            return None;
        }
        template
            .groups
            .keys()
            .max_by_key(|g| {
                c.siblings
                    .iter()
                    .filter(|l| {
                        template
                            .fields
                            .iter()
                            .filter(|f| f.group.as_deref() == Some(g.as_str()))
                            .any(|f| phrases.text_score(l, &f.id) >= 0.8)
                    })
                    .count()
            })
            .cloned()
    };

    let mut scores = Vec::new();
    let mut split_names: Vec<usize> = Vec::new();
    for (i, c) in cands.iter().enumerate() {
        // The label in its context (XML: the enclosing element's words), so `Requester/@name` is no full name.
        // A PDF field's name is more specific than a tooltip such as "Name".
        let t = tokens(
            &match (&c.context, &c.alt_label) {
                (Some(ctx), _) => format!("{ctx} {}", c.label),
                (None, Some(alt)) => alt.clone(),
                (None, None) => c.label.replace("{n}", " "),
            },
            &SUGGEST,
        );
        if !c.group
            && phrases
                .split_name
                .iter()
                .any(|p| phrase_similarity(&t, p) >= 0.9)
        {
            split_names.push(i);
            continue;
        }
        let row_group = group_of_row(c);
        for def in &template.fields {
            if def.group.is_some() != c.group {
                continue;
            }
            if row_group.is_some() && def.group != row_group {
                continue;
            }
            if matches!(c.at, Where::Tick(_))
                && !matches!(def.ty, crate::template::FieldType::Enum(_))
            {
                continue;
            }
            // In a filled document, a question with no answer is more likely a heading.
            let unanswered = if filled && c.values.is_empty() {
                0.15
            } else {
                0.0
            };
            let label = c.label.replace("{n}", " ");
            let in_context = c.context.as_ref().map_or(0.0, |ctx| {
                phrases.text_score(&format!("{ctx} {label}"), &def.id)
            });
            let alt = c
                .alt_label
                .as_ref()
                .map_or(0.0, |a| phrases.text_score(a, &def.id));
            let s = phrases.text_score(&label, &def.id).max(in_context).max(alt)
                + shape_score(&c.values, def)
                - unanswered;
            scores.push((i, def.id.clone(), s.min(1.0)));
        }
    }
    let mut chosen = assign(scores, THRESHOLD);
    let mut fields: Vec<(usize, Matched)> = Vec::new();
    for (i, (field, confidence)) in std::mem::take(&mut chosen) {
        if let Some(c) = cands.get(i) {
            fields.push((
                i,
                Matched {
                    field,
                    confidence,
                    candidate: c.clone(),
                    regex: None,
                },
            ));
        }
    }
    let taken = |fields: &[(usize, Matched)], id: &str| fields.iter().any(|(_, m)| m.field == id);
    let mut used: Vec<usize> = fields.iter().map(|(i, _)| *i).collect();
    if let Some(&i) = split_names.first()
        && let Some(c) = cands.get(i)
        && !taken(&fields, "child.forename")
        && !taken(&fields, "child.surname")
    {
        for (field, regex) in [("child.forename", r"^(\S+)"), ("child.surname", r"(\S+)$")] {
            fields.push((
                i,
                Matched {
                    field: field.into(),
                    confidence: 0.9,
                    candidate: c.clone(),
                    regex: Some(regex),
                },
            ));
        }
        used.push(i);
    }
    fields.sort_by_key(|f| f.0);
    let extras: Vec<Candidate> = cands
        .iter()
        .enumerate()
        .filter(|(i, _)| !used.contains(i))
        .map(|(_, c)| c.clone())
        .collect();
    let la_name = opts
        .la_name
        .clone()
        .or_else(|| find_la_name(doc))
        .unwrap_or_else(|| "TODO: the LA's name".into());
    let mut matcher = Vec::new();
    match format {
        Format::Xlsx => {
            if let Some(s) = doc.sheets.first() {
                matcher.push(("sheet", s.clone()));
            }
        }
        Format::Pdf => {
            if let Some(f) = doc.fields.first() {
                matcher.push(("field", glob_escape(&f.key)));
            }
        }
        Format::Xml => {
            if let Some(r) = &doc.root {
                matcher.push(("root", r.clone()));
            }
            if let Some(n) = &doc.namespace {
                matcher.push(("namespace", n.clone()));
            }
        }
        _ => {}
    }
    if doc.contains_text(&la_name.to_lowercase()) {
        matcher.push(("contains", la_name.clone()));
    }
    // The form's own heading (the LA's name, the title) is no question.
    let mut form_title =
        find_title(doc).unwrap_or_else(|| "Request for an EHC needs assessment".into());
    let heading = |c: &Candidate| {
        c.label.eq_ignore_ascii_case(&la_name) || c.label.eq_ignore_ascii_case(&form_title)
    };
    let extras: Vec<Candidate> = extras.into_iter().filter(|c| !heading(c)).collect();

    // Nothing that reads as an answer reaches the draft: a match or an extra quoting one is left out (its
    // statutory field stays a TODO), and so is a found LA name or title that does not read as printed text.
    let printed = printed::Printed::new(template, synonyms);
    let quotable = |c: &Candidate| quoted_texts(c).iter().all(|t| printed.allows(t));
    let before = fields.len() + extras.len();
    let fields: Vec<(usize, Matched)> = fields
        .into_iter()
        .filter(|(_, m)| quotable(&m.candidate))
        .collect();
    let extras: Vec<Candidate> = extras.into_iter().filter(|c| quotable(c)).collect();
    let withheld = before - fields.len() - extras.len();
    let todo = template
        .fields
        .iter()
        .filter(|f| f.statutory.is_statutory())
        .filter(|f| !taken(&fields, &f.id))
        .map(|f| (f.id.clone(), f.statutory, f.label.clone()))
        .collect();
    let la_name = if opts.la_name.is_some() || printed.allows(&la_name) {
        la_name
    } else {
        "TODO: the LA's name".into()
    };
    if !printed.allows(&form_title) {
        form_title = "Request for an EHC needs assessment".into();
    }
    matcher
        .retain(|(k, v)| *k != "contains" || printed.allows(v) || opts.la_name.as_ref() == Some(v));
    if matcher.is_empty() {
        matcher.push(("contains", "TODO: a phrase only this form prints".into()));
    }
    Suggestion {
        format,
        la_name,
        la_code: opts.la_code.clone().unwrap_or_else(|| "000".into()),
        form_title,
        namespaces: doc
            .xml
            .as_ref()
            .map(|t| {
                (0u32..)
                    .zip(&t.uris)
                    .map(|(i, u)| (candidates::ns_prefix(i), u.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        matcher,
        fields: fields.into_iter().map(|(_, m)| m).collect(),
        extras,
        withheld,
        todo,
        source_name: opts.source_name.clone(),
    }
}

/// The texts of a document's content that a draft would quote for this candidate: its label, and a tick's option
/// texts and a flat-text paragraph's `stop`. Field names, tags and element paths are the form's design: none.
fn quoted_texts(c: &Candidate) -> Vec<&str> {
    match &c.at {
        Where::Label { .. } | Where::Cell(_) | Where::Range(_) => vec![c.label.as_str()],
        Where::Tick(opts) => std::iter::once(c.label.as_str())
            .chain(opts.iter().map(|(_, o)| o.as_str()))
            .collect(),
        Where::Text { stop, .. } => std::iter::once(c.label.as_str())
            .chain(stop.as_deref())
            .collect(),
        Where::Field(_) | Where::Control(_) | Where::FormField(_) | Where::Path(_) => Vec::new(),
    }
}

fn glob_escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '*' | '?' | '[' | ']' => format!("[{c}]"),
            c => c.to_string(),
        })
        .collect()
}

/// The first text naming a council (or borough, county, city).
fn find_la_name(doc: &SourceDoc) -> Option<String> {
    let re = regex::Regex::new(r"\b([A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*\s+(?:Borough|County|City|District|Metropolitan Borough)?\s*Council)\b").ok()?;
    doc.fields
        .iter()
        .filter_map(|f| match &f.value {
            crate::read::RawValue::Text(t) => Some(t.as_str()),
            _ => None,
        })
        .chain(doc.lines.iter().map(|l| l.text.as_str()))
        .find_map(|t| {
            re.captures(t)
                .and_then(|c| c.get(1))
                .map(|m| m.as_str().trim().to_string())
        })
}

/// A text mentioning an EHC needs assessment request, for `form =`.
fn find_title(doc: &SourceDoc) -> Option<String> {
    doc.fields
        .iter()
        .filter_map(|f| match &f.value {
            crate::read::RawValue::Text(t) => Some(t.trim()),
            _ => None,
        })
        .chain(doc.lines.iter().map(|l| l.text.trim()))
        .find(|t| {
            let l = t.to_lowercase();
            l.contains("request")
                && (l.contains("ehc") || l.contains("education, health"))
                && t.len() < 160
        })
        .map(str::to_string)
}
