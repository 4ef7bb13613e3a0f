//! `harmonise suggest`: drafts a complete mapping file for an unseen LA form from its documents (a folder of them,
//! blank and filled, or one alone). The documents are read with the same readers as `run`; [`candidates`] lists
//! their source fields with locators ([`folder`] compares several documents' grids cell by cell, so that what is
//! printed alike is a label and what differs an answer), [`matching`] pairs them with national
//! template fields, and [`write`] renders the draft: `[form]`, one `[fields."id"]` per match with its confidence,
//! unmatched statutory fields as `# TODO` comments, and everything else as `[extra.*]`.
//!
//! The draft is a starting point that passes `harmonise check` as written; an analyst reviews every entry. The
//! suggester never prints document values (the draft holds labels and locators only).

pub mod candidates;
pub mod eval;
pub mod folder;
pub mod lines;
pub mod matching;
pub mod printed;
pub mod write;

use std::path::Path;

use crate::diag::Diagnostics;
pub use crate::label::Synonyms;
use crate::label::{Plural, SUGGEST, SynonymFile, phrase_similarity, singular, tokens};
use crate::read::{Format, RawValue, SourceDoc};
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
    /// The document's file name (or the folder's), for the header comment.
    pub source_name: String,
    /// Documents of other forms (the bundled mappings'): a `[form.match]` phrase must be in none of them.
    pub others: Vec<SourceDoc>,
    /// `[form] reference` to write: the path of the blank form (or the document nearest to it), relative to
    /// where the draft is written.
    pub reference: Option<String>,
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
    /// A `replace` pattern (to empty) when one box feeds several fields (an address with its postcode).
    pub replace: Option<&'static str>,
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
    /// Candidates left unmatched whose best field scored not far below the threshold: (candidate, field, score).
    pub weak: Vec<(Candidate, String, f64)>,
    /// What a person must check (printed labels and field ids only, never a value).
    pub review: Vec<String>,
    /// How many documents the draft was made from.
    pub documents: usize,
    /// Where the document came from.
    pub source_name: String,
    /// `[form] reference`: the blank form (or the document nearest to it), as the draft names it.
    pub reference: Option<String>,
}

/// Which of a form's documents to name as the reference: the blank, or the one nearest to it (the fewest
/// non-empty fields: a blank form holds only its printed text); the first of equals.
pub fn nearest_blank(docs: &[&SourceDoc]) -> Option<usize> {
    docs.iter()
        .enumerate()
        .min_by_key(|(i, d)| (d.fields.iter().filter(|f| !f.value.is_empty()).count(), *i))
        .map(|(i, _)| i)
}

/// Drafts a mapping from one or more documents of one form (blank and filled); `docs` must not be empty (an
/// empty slice drafts from nothing: every statutory field a TODO).
pub fn suggest(
    docs: &[&SourceDoc],
    format: Format,
    template: &Template,
    synonyms: &Synonyms,
    opts: &SuggestOptions,
) -> Suggestion {
    let empty = SourceDoc::default();
    let doc: &SourceDoc = docs.first().copied().unwrap_or(&empty);
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
    // The template group a heading names ("Details of parent/carer" -> parents).
    let group_named = |text: &str| -> Option<String> {
        let words: Vec<String> = tokens(text, &SUGGEST)
            .iter()
            .map(|w| singular(w, GROUP_PLURAL))
            .collect();
        template
            .groups
            .iter()
            .find(|(name, about)| {
                tokens(&format!("{name} {about}"), &SUGGEST)
                    .iter()
                    .map(|w| singular(w, GROUP_PLURAL))
                    .filter(|g| g.len() > 3)
                    .any(|g| {
                        words
                            .iter()
                            .any(|w| *w == g || (w.len() >= 4 && g.starts_with(w.as_str())))
                    })
            })
            .map(|(name, _)| name.clone())
    };
    let cands = candidates::candidates_many(docs, &group_header, &group_label);
    let filled = cands
        .iter()
        .filter(|c| c.values.iter().any(|v| !v.is_empty()))
        .count()
        * 2
        > cands.len();

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

    // Options printed in the label ("Gender (Boy / Girl)", "Sex: M / F") answered by typing one in the cell.
    let cands: Vec<Candidate> = cands
        .into_iter()
        .map(|mut c| {
            if c.options.is_empty()
                && matches!(c.at, Where::Label { .. } | Where::Cell(_))
                && let Some(opts) = label_options(&c.label)
            {
                c.options = opts;
                c.options_typed = true;
            }
            c
        })
        .collect();
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
        let row_group = group_of_row(c).or_else(|| {
            // A group member in blocks or under a section heading: the group its heading names.
            c.context
                .as_deref()
                .or(c.section.as_deref())
                .filter(|_| c.group)
                .and_then(group_named)
        });
        let joined_name = matches!(c.at, Where::Labels { .. } | Where::Join(_));
        // One cell naming a group's members one per line ("Names of parents or carers"): a group field, split.
        let lines_of_group = !c.group
            && group_label(&c.label)
            && c.values.iter().any(|v| v.to_text().trim().contains('\n'));
        for def in &template.fields {
            if def.group.is_some() != c.group && !(lines_of_group && def.group.is_some()) {
                continue;
            }
            if row_group.is_some() && def.group != row_group {
                continue;
            }
            let enum_or_bool = matches!(
                def.ty,
                crate::template::FieldType::Enum(_) | crate::template::FieldType::Bool
            );
            if (matches!(c.at, Where::Tick(_)) || (!c.options.is_empty() && !c.options_typed))
                && !enum_or_bool
            {
                continue;
            }
            if joined_name {
                // Title / First name / Surname joined: the group's name, and nothing else.
                if def.id.ends_with(".name") {
                    scores.push((i, def.id.clone(), 0.9));
                }
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
            // Options that name the field's values fit it; options none of whose words name a value do not.
            let options = if c.options.is_empty() || (c.options_typed && !enum_or_bool) {
                0.0
            } else if write::option_map(&c.options, def).is_some() {
                if matches!(def.ty, crate::template::FieldType::Enum(_)) {
                    0.1
                } else {
                    0.0
                }
            } else {
                -0.5
            };
            let s = phrases.text_score(&label, &def.id).max(in_context).max(alt)
                + shape_score(&c.values, def)
                + options
                - unanswered;
            scores.push((i, def.id.clone(), s.min(1.0)));
        }
    }
    let all_scores = scores.clone();
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
                    replace: None,
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
        // "Surname, Forename" when the answers say so; else the first word and the rest ("Ana Da Silva").
        let texts: Vec<String> = c
            .values
            .iter()
            .filter(|v| !v.is_empty())
            .map(RawValue::to_text)
            .collect();
        let comma = !texts.is_empty() && texts.iter().all(|t| t.contains(','));
        let parts: [(&str, &'static str); 2] = if comma {
            [
                ("child.forename", r",\s*(.+)$"),
                ("child.surname", r"^([^,]+),"),
            ]
        } else {
            [
                ("child.forename", r"^(\S+)"),
                ("child.surname", r"^\S+\s+(.+)$"),
            ]
        };
        for (field, regex) in parts {
            fields.push((
                i,
                Matched {
                    field: field.into(),
                    confidence: 0.9,
                    candidate: c.clone(),
                    regex: Some(regex),
                    replace: None,
                },
            ));
        }
        used.push(i);
    }
    // An address "including postcode" in one box whose last line is the postcode: both fields from it.
    if !taken(&fields, "child.postcode")
        && let Some(k) = fields.iter().position(|(_, m)| m.field == "child.address")
        && let Some((i, m)) = fields.get_mut(k)
    {
        let texts: Vec<String> = m
            .candidate
            .values
            .iter()
            .filter(|v| !v.is_empty())
            .map(RawValue::to_text)
            .collect();
        let last_is_postcode = texts
            .iter()
            .filter(|t| {
                t.trim()
                    .lines()
                    .last()
                    .is_some_and(|l| crate::validate::postcode(l.trim()).is_ok())
            })
            .count();
        if !texts.is_empty() && last_is_postcode * 2 > texts.len() {
            m.replace = Some(r"\s*\n[^\n]*$");
            let postcode = Matched {
                field: "child.postcode".into(),
                confidence: m.confidence.min(0.9),
                candidate: m.candidate.clone(),
                regex: Some(r"([^\n]+)$"),
                replace: None,
            };
            let i = *i;
            fields.push((i, postcode));
        }
    }
    fields.sort_by_key(|f| f.0);
    let extras: Vec<Candidate> = cands
        .iter()
        .enumerate()
        .filter(|(i, _)| !used.contains(i))
        .map(|(_, c)| c.clone())
        .collect();
    // A weak match is a question for the reviewer, not a guess: the best field of a candidate left unmatched,
    // when that field is still free and the score is not far below the threshold.
    let weak: Vec<(Candidate, String, f64)> = cands
        .iter()
        .enumerate()
        .filter(|(i, _)| !used.contains(i))
        .filter_map(|(i, c)| {
            all_scores
                .iter()
                .filter(|(j, f, s)| *j == i && *s >= WEAK && !taken(&fields, f))
                .max_by(|a, b| a.2.total_cmp(&b.2))
                .map(|(_, f, s)| (c.clone(), f.clone(), *s))
        })
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
                matcher.push(("field", glob_escape(&f.key.text())));
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
    // The form's own heading (the LA's name, the title) is no question.
    let mut form_title =
        find_title(doc).unwrap_or_else(|| "Request for an EHC needs assessment".into());
    let printed = printed::Printed::new(template, synonyms);
    // `contains`: a printed phrase every given document holds and no other form's document does (the LA's name
    // first, then the title, then any other text printed alike in every document).
    let everywhere = |p: &str| {
        let lower = p.to_lowercase();
        !lower.trim().is_empty() && docs.iter().all(|d| d.contains_text(&lower))
    };
    let elsewhere = |p: &str| {
        let lower = p.to_lowercase();
        opts.others.iter().any(|d| d.contains_text(&lower))
    };
    let phrase = std::iter::once(la_name.clone())
        .chain(std::iter::once(form_title.clone()))
        .chain(document_texts(doc).map(str::to_string))
        .filter(|p| p.chars().count() >= 8 && p.chars().count() <= 100 && !p.contains('\n'))
        .filter(|p| p == &la_name && opts.la_name.is_some() || printed.allows_heading(p))
        .find(|p| everywhere(p) && !elsewhere(p));
    if let Some(p) = phrase {
        matcher.push(("contains", p));
    }
    let heading = |c: &Candidate| {
        c.label.eq_ignore_ascii_case(&la_name) || c.label.eq_ignore_ascii_case(&form_title)
    };
    let extras: Vec<Candidate> = extras.into_iter().filter(|c| !heading(c)).collect();

    // Nothing that reads as an answer reaches the draft: a match or an extra quoting one is left out (its
    // statutory field stays a TODO), and so is a found LA name or title that does not read as printed text.
    let quotable = |c: &Candidate| {
        quoted_texts(c).iter().all(|t| {
            if c.consensus {
                printed.allows_printed_alike(t)
            } else {
                printed.allows(t)
            }
        })
    };
    let before = fields.len() + extras.len();
    let fields: Vec<(usize, Matched)> = fields
        .into_iter()
        .filter(|(_, m)| quotable(&m.candidate))
        .collect();
    let extras: Vec<Candidate> = extras.into_iter().filter(|c| quotable(c)).collect();
    let withheld = before - fields.len() - extras.len();
    let weak: Vec<(Candidate, String, f64)> =
        weak.into_iter().filter(|(c, _, _)| quotable(c)).collect();
    let todo: Vec<(String, Statutory, String)> = template
        .fields
        .iter()
        .filter(|f| f.statutory.is_statutory())
        .filter(|f| !taken(&fields, &f.id))
        .map(|f| (f.id.clone(), f.statutory, f.label.clone()))
        .collect();
    let review = review_list(&fields, &weak, &todo, template);
    let la_name = if opts.la_name.is_some() || printed.allows_heading(&la_name) {
        la_name
    } else {
        "TODO: the LA's name".into()
    };
    if !printed.allows_heading(&form_title) {
        form_title = "Request for an EHC needs assessment".into();
    }
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
        weak,
        review,
        documents: docs.len(),
        source_name: opts.source_name.clone(),
        reference: opts.reference.clone(),
    }
}

/// Options printed in a label: in its parentheses ("Gender (Boy / Girl)", "(Y/N)") or after its colon ("Sex: M
/// / F").
fn label_options(label: &str) -> Option<Vec<String>> {
    let inner = label
        .rfind('(')
        .and_then(|i| label.get(i.saturating_add(1)..))
        .and_then(|rest| rest.split_once(')'))
        .map(|(inside, _)| inside);
    let after_colon = label.split_once(':').map(|(_, rest)| rest);
    // "(dd/mm/yyyy)" is a date's format, not options.
    let format = |o: &Vec<String>| {
        o.iter()
            .any(|w| ["dd", "mm", "yy", "yyyy"].contains(&w.to_lowercase().as_str()))
    };
    inner
        .and_then(folder::parse_options)
        .or_else(|| after_colon.and_then(folder::parse_options))
        .filter(|o| !format(o))
}

/// Below [`THRESHOLD`] but at least this, a candidate's best field is named in the review list and the draft.
pub const WEAK: f64 = 0.45;

/// Below this confidence a matched field is on the review list.
pub const REVIEW_BELOW: f64 = 0.8;

/// What a person must check before using the draft: low-confidence fields, options that could not be mapped,
/// weak matches left undecided, statutory fields not found. Printed labels and field ids only.
fn review_list(
    fields: &[(usize, Matched)],
    weak: &[(Candidate, String, f64)],
    todo: &[(String, Statutory, String)],
    template: &Template,
) -> Vec<String> {
    let mut out = Vec::new();
    for (_, m) in fields {
        let label = m.candidate.label.replace('\n', " ");
        if m.confidence < REVIEW_BELOW {
            out.push(format!(
                "{}: low confidence {:.2} (printed {label:?})",
                m.field, m.confidence
            ));
        }
        if let Some(def) = template.get(&m.field)
            && !m.candidate.options.is_empty()
            && write::option_map(&m.candidate.options, def).is_none()
        {
            out.push(format!(
                "{}: options {:?} not mapped onto the field's values",
                m.field,
                m.candidate.options.join(" / ")
            ));
        }
    }
    for (c, f, s) in weak {
        out.push(format!(
            "{f}?: a weak match ({s:.2}) for printed {:?}, left as a TODO",
            c.label.replace('\n', " ")
        ));
    }
    for (id, level, _) in todo {
        out.push(format!("{id} ({}): not found", level.as_str()));
    }
    out
}

/// Every text of a document's content, in document order: cells, fields, lines.
fn document_texts(doc: &SourceDoc) -> impl Iterator<Item = &str> {
    doc.fields
        .iter()
        .filter_map(|f| match &f.value {
            RawValue::Text(t) => Some(t.trim()),
            _ => None,
        })
        .chain(doc.lines.iter().map(|l| l.text.trim()))
}

/// One document of each other form the set's mappings test on (the first readable one of each [[test]] folder),
/// leaving out `exclude` (the documents being drafted from): a draft's `[form.match]` must fit none of them.
pub fn documents_of_other_forms(
    set: &crate::mapping::MappingSet,
    exclude: &[std::path::PathBuf],
) -> Vec<SourceDoc> {
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let excluded: Vec<std::path::PathBuf> = exclude.iter().map(|p| canon(p)).collect();
    let dirs: std::collections::BTreeSet<std::path::PathBuf> = set
        .mappings
        .iter()
        .flat_map(|m| m.tests.iter())
        .filter_map(|t| t.document.parent().map(&canon))
        .collect();
    dirs.iter()
        .filter_map(|d| {
            let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(d)
                .ok()?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| !excluded.contains(&canon(p)))
                .collect();
            files.sort();
            files.iter().find_map(|p| {
                let bytes = std::fs::read(p).ok()?;
                let format = crate::read::sniff(&bytes);
                crate::read::read(&bytes, format, &crate::read::Limits::default()).ok()
            })
        })
        .collect()
}

/// The texts of a document's content that a draft would quote for this candidate: its label, and a tick's option
/// texts and a flat-text paragraph's `stop`. Field names, tags and element paths are the form's design: none.
fn quoted_texts(c: &Candidate) -> Vec<&str> {
    // Options found alike in several documents are printed; from one document they must read as form text.
    let options = c
        .options
        .iter()
        .map(String::as_str)
        .filter(|_| !c.consensus);
    match &c.at {
        Where::Label { block, .. } => std::iter::once(c.label.as_str())
            .chain(block.iter().map(String::as_str))
            .chain(options)
            .collect(),
        Where::Labels { texts, block, .. } => std::iter::once(c.label.as_str())
            .chain(texts.iter().map(String::as_str))
            .chain(block.iter().map(String::as_str))
            .collect(),
        Where::Inside { text, .. } => [c.label.as_str(), text.as_str()]
            .into_iter()
            .chain(options)
            .collect(),
        Where::Cell(_) | Where::Range(_) | Where::Cells(_) | Where::Join(_) => {
            std::iter::once(c.label.as_str()).chain(options).collect()
        }
        Where::Tick(opts) => std::iter::once(c.label.as_str())
            .chain(
                opts.iter()
                    .map(|(_, o)| o.as_str())
                    .filter(|_| !c.consensus),
            )
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
