//! Non-statutory demands and duplicates: label normalisation, the similarity test, within-form duplicates (an
//! extra that asks again for a national field) and clusters of extras that mean the same thing across LAs.
//!
//! **Normalisation** of a printed label: lower-case; drop possessive `'s`; every run of characters that are not
//! letters or digits becomes a word break; drop [`STOP_WORDS`] and pure numbers; strip a plural `s` from words of
//! four letters or more (not `ss`); then replace [`Synonyms::terms`] (keys and expansions normalised the same way).
//!
//! **Same meaning**: two non-empty normalised labels mean the same when their token-set Jaccard index is at least
//! [`JACCARD_MIN`], or the normalised Levenshtein similarity (strsim) of their sorted, space-joined token sets is
//! at least [`LEVENSHTEIN_MIN`] (which catches spelling variants). Clusters are the connected components of that
//! relation (single linkage), so a cluster's members are linked by a chain of similar labels.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::synonyms::Synonyms;
use crate::mapping::Mapping;
use crate::template::Template;

/// Minimum token-set Jaccard index for two labels to mean the same.
pub const JACCARD_MIN: f64 = 0.6;
/// Minimum normalised Levenshtein similarity (of the sorted token strings) for two labels to mean the same.
pub const LEVENSHTEIN_MIN: f64 = 0.85;

/// Words that carry no meaning in a form question.
pub const STOP_WORDS: &[&str] = &[
    "a",
    "an",
    "the",
    "of",
    "and",
    "or",
    "to",
    "for",
    "in",
    "on",
    "at",
    "by",
    "with",
    "from",
    "as",
    "any",
    "all",
    "is",
    "are",
    "be",
    "been",
    "has",
    "have",
    "had",
    "was",
    "were",
    "if",
    "this",
    "that",
    "these",
    "those",
    "it",
    "its",
    "your",
    "their",
    "his",
    "her",
    "child",
    "children",
    "young",
    "person",
    "people",
    "pupil's",
    "please",
    "attached",
    "attach",
    "enclosed",
    "enclose",
    "completed",
    "complete",
    "provide",
    "provided",
    "give",
    "copy",
    "copies",
    "details",
    "detail",
    "include",
    "included",
    "including",
    "recent",
    "most",
    "latest",
    "last",
    "past",
    "yes",
    "no",
    "y",
    "n",
    "tick",
    "box",
    "where",
    "applicable",
    "relevant",
    "etc",
    "eg",
    "e",
    "g",
    "i",
    "s",
    "number",
    "month",
    "months",
    "year",
    "years",
    "week",
    "weeks",
];

/// A label as a sorted set of normalised tokens.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Normalised(pub BTreeSet<String>);

impl Normalised {
    /// The tokens joined by spaces, in sorted order.
    pub fn key(&self) -> String {
        self.0
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// True when nothing meaningful is left.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Splits and filters words, before synonym replacement.
fn tokens(label: &str) -> Vec<String> {
    let lower = label
        .to_lowercase()
        .replace(['\u{2019}', '`'], "'")
        .replace("'s", "");
    lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .filter(|w| !STOP_WORDS.contains(w))
        .filter(|w| !w.chars().all(|c| c.is_ascii_digit()))
        .map(|w| {
            if w.chars().count() >= 4 && w.ends_with('s') && !w.ends_with("ss") {
                w.trim_end_matches('s').to_string()
            } else {
                w.to_string()
            }
        })
        .collect()
}

/// A compiled synonym table: token sequences and their replacements.
#[derive(Debug, Clone, Default)]
pub struct Normaliser {
    terms: Vec<(Vec<String>, Vec<String>)>,
}

impl Normaliser {
    /// Compiles the terms of a synonym table (longest phrases first, so they win over their words).
    pub fn new(synonyms: &Synonyms) -> Normaliser {
        let mut terms: Vec<(Vec<String>, Vec<String>)> = synonyms
            .terms
            .iter()
            .map(|(k, v)| (tokens(k), tokens(v)))
            .filter(|(k, _)| !k.is_empty())
            .collect();
        terms.sort_by_key(|t| std::cmp::Reverse(t.0.len()));
        Normaliser { terms }
    }

    /// Normalises a printed label (see the module documentation).
    pub fn normalise(&self, label: &str) -> Normalised {
        let words = tokens(label);
        let mut out = Vec::with_capacity(words.len());
        let mut i = 0;
        'outer: while let Some(word) = words.get(i) {
            for (from, to) in &self.terms {
                if words.get(i..i.saturating_add(from.len())) == Some(from.as_slice()) {
                    out.extend(to.iter().cloned());
                    i = i.saturating_add(from.len());
                    continue 'outer;
                }
            }
            out.push(word.clone());
            i = i.saturating_add(1);
        }
        Normalised(out.into_iter().collect())
    }
}

/// The similarity of two normalised labels: (Jaccard index, normalised Levenshtein).
pub fn similarity(a: &Normalised, b: &Normalised) -> (f64, f64) {
    if a.is_empty() || b.is_empty() {
        return (0.0, 0.0);
    }
    let inter = a.0.intersection(&b.0).count() as f64;
    let union = a.0.union(&b.0).count() as f64;
    let jaccard = if union > 0.0 { inter / union } else { 0.0 };
    (jaccard, strsim::normalized_levenshtein(&a.key(), &b.key()))
}

/// True when two normalised labels mean the same (see the module documentation for the thresholds).
pub fn same_meaning(a: &Normalised, b: &Normalised) -> bool {
    let (j, l) = similarity(a, b);
    j >= JACCARD_MIN || l >= LEVENSHTEIN_MIN
}

/// An extra that asks again for a national field the same form already maps.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Duplicate {
    /// The extra's id.
    pub extra: String,
    /// The extra's printed label.
    pub printed: String,
    /// The national field it duplicates.
    pub field: String,
    /// That field's template label.
    pub field_label: String,
    /// The wording it matched: the template label or a synonym from `synonyms.toml`.
    pub matched: String,
}

/// The national field an extra's printed label matches, if any: (field id, matched wording).
pub fn matching_field(
    printed: &str,
    template: &Template,
    synonyms: &Synonyms,
    norm: &Normaliser,
) -> Option<(String, String)> {
    let label = norm.normalise(printed);
    if label.is_empty() {
        return None;
    }
    let mut best: Option<(f64, String, String)> = None;
    for def in &template.fields {
        let wordings =
            std::iter::once(&def.label).chain(synonyms.fields.get(&def.id).into_iter().flatten());
        for w in wordings {
            let n = norm.normalise(w);
            if !same_meaning(&label, &n) {
                continue;
            }
            let (j, l) = similarity(&label, &n);
            let score = j.max(l);
            if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
                best = Some((score, def.id.clone(), w.clone()));
            }
        }
    }
    best.map(|(_, id, w)| (id, w))
}

/// The within-form duplicates of one mapping: extras matching a national field the mapping also maps.
pub fn duplicates(
    mapping: &Mapping,
    template: &Template,
    synonyms: &Synonyms,
    norm: &Normaliser,
) -> Vec<Duplicate> {
    mapping
        .extras
        .iter()
        .filter_map(|rule| {
            let printed = rule.printed.as_deref()?;
            let (field, matched) = matching_field(printed, template, synonyms, norm)?;
            if !mapping.fields.iter().any(|r| r.target == field) {
                return None;
            }
            let field_label = template
                .get(&field)
                .map_or_else(String::new, |d| d.label.clone());
            Some(Duplicate {
                extra: rule.target.clone(),
                printed: printed.to_string(),
                field,
                field_label,
                matched,
            })
        })
        .collect()
}

/// One extra field of one LA form, as a cluster member.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Member {
    /// The mapping id.
    pub mapping: String,
    /// The LA's code.
    pub la_code: String,
    /// The LA's name.
    pub la_name: String,
    /// The extra's id.
    pub extra: String,
    /// The question as printed.
    pub printed: String,
}

/// Extra fields of several forms that mean the same thing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cluster {
    /// A representative printed label: the member whose normalised label is commonest (ties: shortest).
    pub canonical: String,
    /// Its normalised tokens.
    pub normalised: String,
    /// How many distinct LAs (LA codes) demand it.
    pub las: usize,
    /// The members, by mapping then extra id.
    pub members: Vec<Member>,
}

/// Clusters every extra of every mapping; sorted by LAs (desc), then size (desc), then canonical label.
pub fn clusters(mappings: &[Mapping], norm: &Normaliser) -> Vec<Cluster> {
    let items: Vec<(Member, Normalised)> = mappings
        .iter()
        .flat_map(|m| {
            m.extras.iter().map(move |r| {
                let printed = r
                    .printed
                    .clone()
                    .unwrap_or_else(|| r.target.replace('_', " "));
                (
                    Member {
                        mapping: m.id.clone(),
                        la_code: m.la_code.clone(),
                        la_name: m.la_name.clone(),
                        extra: r.target.clone(),
                        printed,
                    },
                    norm.normalise(r.printed.as_deref().unwrap_or(&r.target.replace('_', " "))),
                )
            })
        })
        .collect();
    // Union-find over the "same meaning" relation.
    let mut parent: Vec<usize> = (0..items.len()).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while let Some(&p) = parent.get(i) {
            if p == i {
                break;
            }
            let grand = parent.get(p).copied().unwrap_or(p);
            if let Some(slot) = parent.get_mut(i) {
                *slot = grand;
            }
            i = p;
        }
        i
    }
    for (i, (_, a)) in items.iter().enumerate() {
        for (j, (_, b)) in items.iter().enumerate().skip(i.saturating_add(1)) {
            if same_meaning(a, b) {
                let (ri, rj) = (find(&mut parent, i), find(&mut parent, j));
                if let Some(slot) = parent.get_mut(ri.max(rj)) {
                    *slot = ri.min(rj);
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..items.len() {
        let root = find(&mut parent, i);
        groups.entry(root).or_default().push(i);
    }
    let mut out: Vec<Cluster> = groups
        .into_values()
        .map(|idx| {
            let mut members: Vec<(Member, Normalised)> =
                idx.iter().filter_map(|&i| items.get(i).cloned()).collect();
            members.sort_by(|a, b| a.0.cmp(&b.0));
            let mut freq: BTreeMap<String, usize> = BTreeMap::new();
            for (_, n) in &members {
                *freq.entry(n.key()).or_default() += 1;
            }
            let (canonical, normalised) = members
                .iter()
                .min_by(|a, b| {
                    let fa = freq.get(&a.1.key()).copied().unwrap_or(0);
                    let fb = freq.get(&b.1.key()).copied().unwrap_or(0);
                    fb.cmp(&fa)
                        .then(a.0.printed.len().cmp(&b.0.printed.len()))
                        .then(a.0.printed.cmp(&b.0.printed))
                })
                .map(|(m, n)| (m.printed.clone(), n.key()))
                .unwrap_or_default();
            let las = members
                .iter()
                .map(|(m, _)| m.la_code.as_str())
                .collect::<BTreeSet<_>>()
                .len();
            Cluster {
                canonical,
                normalised,
                las,
                members: members.into_iter().map(|(m, _)| m).collect(),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.las
            .cmp(&a.las)
            .then(b.members.len().cmp(&a.members.len()))
            .then(a.canonical.cmp(&b.canonical))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Synonyms {
        let mut s = Synonyms::default();
        for (k, v) in [
            ("sdq", "strengths and difficulties questionnaire"),
            ("photo", "photograph"),
            ("exclusions", "fixed-term exclusions"),
        ] {
            s.terms.insert(k.into(), v.into());
        }
        s.fields
            .insert("setting.name".into(), vec!["name of setting".into()]);
        s
    }

    fn n(label: &str) -> String {
        Normaliser::new(&table()).normalise(label).key()
    }

    #[test]
    fn normalisation_strips_case_punctuation_stop_words_and_plurals() {
        assert_eq!(n("Child's date of birth"), "birth date");
        assert_eq!(n("Boxall Profile (attached)"), "boxall profile");
        assert_eq!(
            n("Please attach the completed Boxall profiles"),
            "boxall profile"
        );
        assert_eq!(n("Photo of the child"), "photograph");
        assert_eq!(n("SDQ scores"), "difficultie questionnaire score strength");
        assert_eq!(n("Exclusions"), "exclusion fixed term");
        assert_eq!(n("???"), "");
    }

    #[test]
    fn similar_labels_mean_the_same_and_others_do_not() {
        let norm = Normaliser::new(&table());
        let same = |a: &str, b: &str| same_meaning(&norm.normalise(a), &norm.normalise(b));
        assert!(same(
            "SDQ scores",
            "Strengths and Difficulties Questionnaire"
        ));
        assert!(same("Recent photograph", "Photo of child"));
        assert!(same("Boxall profile", "Boxall Profile completed?"));
        assert!(same("Number of fixed-term exclusions", "Exclusions"));
        assert!(
            same("Costed provison map", "Costed provision map"),
            "a typo"
        );
        assert!(!same("Boxall profile", "SDQ"));
        assert!(!same("Parent email", "Parent phone"));
        assert!(!same("", ""));
    }

    #[test]
    fn clusters_group_across_las_and_count_distinct_las() {
        use crate::mapping::{Rule, Transforms};
        let rule = |id: &str, printed: &str| Rule {
            target: id.into(),
            locator: None,
            transforms: Transforms::default(),
            printed: Some(printed.into()),
            statutory_override: None,
        };
        let mapping = |id: &str, code: &str, extras: Vec<Rule>| Mapping {
            id: id.into(),
            path: id.into(),
            la_code: code.into(),
            la_name: format!("LA {code}"),
            form: "f".into(),
            version: "1".into(),
            format: crate::read::Format::Xlsx,
            matcher: Default::default(),
            namespaces: vec![],
            fields: vec![],
            extras,
            fingerprint: String::new(),
        };
        let ms = vec![
            mapping(
                "a",
                "1",
                vec![rule("sdq", "SDQ scores"), rule("boxall", "Boxall profile")],
            ),
            mapping(
                "b",
                "2",
                vec![rule("sdq_q", "Strengths and difficulties questionnaire")],
            ),
            mapping("c", "3", vec![rule("photo", "Photo"), rule("sdq", "SDQ")]),
        ];
        let cs = clusters(&ms, &Normaliser::new(&table()));
        assert_eq!(cs.len(), 3);
        let first = &cs[0];
        assert_eq!(first.las, 3);
        assert_eq!(
            first
                .members
                .iter()
                .map(|m| m.mapping.as_str())
                .collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
        assert_eq!(first.canonical, "SDQ");
        assert_eq!(cs[1].las, 1);
    }
}
