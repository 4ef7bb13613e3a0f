//! Printed labels: normalising a form's question into tokens, and comparing two of them. The audit (duplicates and
//! clusters of extras) and `suggest` (matching an unseen form's labels to national fields) read labels with the
//! same machinery and different knobs, each named here: [`AUDIT`] and [`SUGGEST`] are the two [`Normalisation`]s,
//! [`same_meaning`] the audit's test and [`phrase_similarity`] suggest's score. The synonym files behind both are
//! loaded by [`synonyms`].

pub mod subject;
pub mod synonyms;

use std::collections::BTreeSet;

pub use synonyms::{SynonymFile, Synonyms};

/// How a label's apostrophes are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Apostrophe {
    /// A possessive `'s` is dropped (`’` and `` ` `` read as `'`); any other apostrophe breaks words:
    /// "Child's name" is "child name".
    DropPossessive,
    /// Apostrophes (`'`, `’`) are removed, joining the word: "Pupil's surname" is "pupils surname".
    Elide,
    /// An apostrophe breaks words like any other punctuation: "Pupil's" is "pupil s".
    Split,
}

/// How a plural `s` is stripped from a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plural {
    /// Words are kept as they are.
    Keep,
    /// One trailing `s` is stripped from words of at least `min_chars` characters, unless `keep_ss` and the word
    /// ends in `ss` ("address").
    Strip {
        /// The shortest word stripped.
        min_chars: usize,
        /// Leave words ending in `ss` alone.
        keep_ss: bool,
    },
}

/// The knobs of [`tokens`]. Steps, in order: lower-case; apostrophes ([`Apostrophe`]); every run of characters
/// that are not letters or digits breaks words; runs of single letters joined (`join_initials`: "D.O.B." is
/// "dob"); stop words dropped (`keep_if_all_stop`: a label of stop words only keeps them all); bare numbers
/// dropped (`drop_numbers`); plurals ([`Plural`]).
#[derive(Debug, Clone, Copy)]
pub struct Normalisation {
    /// How apostrophes are read.
    pub apostrophe: Apostrophe,
    /// Join runs of single letters into one word.
    pub join_initials: bool,
    /// Words that carry no meaning.
    pub stop_words: &'static [&'static str],
    /// When every word is a stop word, keep them all rather than nothing.
    pub keep_if_all_stop: bool,
    /// Drop words of ASCII digits only.
    pub drop_numbers: bool,
    /// Plural stripping.
    pub plural: Plural,
}

/// The audit's normalisation (README, "When do two labels mean the same?"): possessive `'s` dropped, the
/// [`AUDIT_STOP_WORDS`] and bare numbers dropped, a plural `s` stripped from words of 4+ letters (not `ss`).
pub const AUDIT: Normalisation = Normalisation {
    apostrophe: Apostrophe::DropPossessive,
    join_initials: false,
    stop_words: AUDIT_STOP_WORDS,
    keep_if_all_stop: false,
    drop_numbers: true,
    plural: Plural::Strip {
        min_chars: 4,
        keep_ss: true,
    },
};

/// Suggest's normalisation (README, "Onboarding a new LA form"): apostrophes elided, initials joined
/// ("D.O.B." is "dob"), the [`SUGGEST_STOP_WORDS`] dropped unless nothing else is left; numbers and plurals kept.
pub const SUGGEST: Normalisation = Normalisation {
    apostrophe: Apostrophe::Elide,
    join_initials: true,
    stop_words: SUGGEST_STOP_WORDS,
    keep_if_all_stop: true,
    drop_numbers: false,
    plural: Plural::Keep,
};

/// Every word as printed, lower-cased: for short texts where every word counts (a tick option and an enum
/// value).
pub const PLAIN: Normalisation = Normalisation {
    apostrophe: Apostrophe::Split,
    join_initials: false,
    stop_words: &[],
    keep_if_all_stop: false,
    drop_numbers: false,
    plural: Plural::Keep,
};

/// Words that carry no meaning in a form question, for the audit. Listed in `report.json` (`thresholds.stop_words`)
/// in this order.
pub const AUDIT_STOP_WORDS: &[&str] = &[
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

/// Words that carry no meaning in a form question, for suggest. Shorter than the audit's: suggest must still tell
/// "Number of exclusions" from "Exclusions", and "Year group" from "Group".
pub const SUGGEST_STOP_WORDS: &[&str] = &[
    "the", "of", "a", "an", "to", "for", "is", "are", "and", "or", "in", "on", "this", "your",
    "please", "s", "child", "childs", "young", "person", "persons", "yp", "cyp", "what", "enter",
    "give", "their", "his", "her", "if", "any", "does", "do", "with", "by",
];

/// A printed label's words under a [`Normalisation`], in label order.
pub fn tokens(label: &str, how: &Normalisation) -> Vec<String> {
    let lower = match how.apostrophe {
        Apostrophe::DropPossessive => label
            .to_lowercase()
            .replace(['\u{2019}', '`'], "'")
            .replace("'s", ""),
        Apostrophe::Elide => label.to_lowercase().replace(['\'', '\u{2019}'], ""),
        Apostrophe::Split => label.to_lowercase(),
    };
    let words = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string);
    let words: Vec<String> = if how.join_initials {
        join_initials(words)
    } else {
        words.collect()
    };
    let kept: Vec<String> = words
        .iter()
        .filter(|w| !how.stop_words.contains(&w.as_str()))
        .cloned()
        .collect();
    let kept = if kept.is_empty() && how.keep_if_all_stop {
        words
    } else {
        kept
    };
    kept.into_iter()
        .filter(|w| !(how.drop_numbers && w.chars().all(|c| c.is_ascii_digit())))
        .map(|w| singular(&w, how.plural))
        .collect()
}

/// "d o b" -> "dob": a run of single letters is an abbreviation.
fn join_initials(words: impl Iterator<Item = String>) -> Vec<String> {
    let mut merged: Vec<String> = Vec::new();
    let mut run = String::new();
    for w in words {
        if w.chars().count() == 1 && w.chars().all(char::is_alphabetic) {
            run.push_str(&w);
            continue;
        }
        if !run.is_empty() {
            merged.push(std::mem::take(&mut run));
        }
        merged.push(w);
    }
    if !run.is_empty() {
        merged.push(run);
    }
    merged
}

/// A word without its plural `s`, by the rule given.
pub fn singular(word: &str, plural: Plural) -> String {
    match plural {
        Plural::Strip { min_chars, keep_ss }
            if word.chars().count() >= min_chars && !(keep_ss && word.ends_with("ss")) =>
        {
            word.strip_suffix('s').unwrap_or(word).to_string()
        }
        _ => word.to_string(),
    }
}

/// The label without `(...)` parts, whitespace collapsed.
/// A question's printed number taken off its front: "1. Background", "Q3 Views", "2a) Health", "B4: Setting".
pub fn strip_numbering(label: &str) -> &str {
    static NUMBER: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"^\s*(?:(?i:q|question)\s*)?(?:\d{1,2}[a-z]?|[A-Z]\d{1,2})(?:[.):]\s*|\s+)",
        )
        .ok()
    });
    NUMBER
        .as_ref()
        .and_then(|re| re.find(label))
        .filter(|m| label[m.end()..].chars().any(char::is_alphabetic))
        .map_or(label, |m| &label[m.end()..])
}

/// Runs of leader dots or underscores that a printed form leaves to write on ("Surname ........", "Date ____"):
/// four or more (or two or more `…`), with the spaces around them. Shorter runs ("etc...") are the writer's own.
pub fn leaders() -> Option<&'static regex::Regex> {
    static LEADERS: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"[ \t]*(?:[.…]{4,}|…{2,}|_{4,})[ \t]*").ok()
    });
    LEADERS.as_ref()
}

/// A written answer without the leaders it was written on: each run becomes one space, every line is trimmed,
/// and lines left empty are dropped. Text without leaders is returned as it is.
pub fn without_leaders(text: &str) -> String {
    let Some(re) = leaders().filter(|re| re.is_match(text)) else {
        return text.to_string();
    };
    re.replace_all(text, " ")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The label without anything in brackets, spaces collapsed.
pub fn strip_parens(label: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in label.chars() {
        match c {
            '(' => depth = depth.saturating_add(1),
            ')' => depth = depth.saturating_sub(1),
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Token Jaccard index in 0..=1: shared tokens (each token of `a` found in `b`) over all distinct tokens. For
/// token sets this is the usual set Jaccard; 0 when both are empty.
pub fn jaccard<T: PartialEq>(a: &[T], b: &[T]) -> f64 {
    let inter = a.iter().filter(|t| b.contains(t)).count() as f64;
    let union = (a.len() + b.len()) as f64 - inter;
    if union > 0.0 { inter / union } else { 0.0 }
}

/// Suggest's score of two token lists in 0..=1: the better of token Jaccard and Sørensen-Dice on the joined text,
/// each a little below 1 unless the texts are equal (the same words in another order is close, not identical).
pub fn phrase_similarity(a: &[String], b: &[String]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (ja, jb) = (a.join(" "), b.join(" "));
    if ja == jb {
        return 1.0;
    }
    let dice = strsim::sorensen_dice(&ja, &jb);
    (jaccard(a, b) * 0.98).max(dice * 0.95)
}

/// Minimum token-set Jaccard index for two labels to mean the same.
pub const JACCARD_MIN: f64 = 0.6;
/// Minimum normalised Levenshtein similarity (of the sorted token strings) for two labels to mean the same.
pub const LEVENSHTEIN_MIN: f64 = 0.85;

/// A label as the audit compares it: a sorted set of [`AUDIT`] tokens after the synonym terms.
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

/// The audit's normaliser: [`AUDIT`] tokens, then the synonym table's `[terms]` replaced (whole token sequences;
/// keys and expansions normalised the same way).
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
            .map(|(k, v)| (tokens(k, &AUDIT), tokens(v, &AUDIT)))
            .filter(|(k, _)| !k.is_empty())
            .collect();
        terms.sort_by_key(|t| std::cmp::Reverse(t.0.len()));
        Normaliser { terms }
    }

    /// Normalises a printed label.
    pub fn normalise(&self, label: &str) -> Normalised {
        let words = tokens(label, &AUDIT);
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

/// The similarity of two normalised labels: (Jaccard index, normalised Levenshtein of their keys).
pub fn similarity(a: &Normalised, b: &Normalised) -> (f64, f64) {
    if a.is_empty() || b.is_empty() {
        return (0.0, 0.0);
    }
    let (ta, tb): (Vec<&String>, Vec<&String>) = (a.0.iter().collect(), b.0.iter().collect());
    (
        jaccard(&ta, &tb),
        strsim::normalized_levenshtein(&a.key(), &b.key()),
    )
}

/// True when two normalised labels mean the same: Jaccard at least [`JACCARD_MIN`] or Levenshtein at least
/// [`LEVENSHTEIN_MIN`] (which catches spelling variants).
pub fn same_meaning(a: &Normalised, b: &Normalised) -> bool {
    let (j, l) = similarity(a, b);
    j >= JACCARD_MIN || l >= LEVENSHTEIN_MIN
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A small synonym table, shared with the audit's tests.
    pub(crate) fn table() -> Synonyms {
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

    fn s(label: &str) -> Vec<String> {
        tokens(label, &SUGGEST)
    }

    fn a(label: &str) -> Vec<String> {
        tokens(label, &AUDIT)
    }

    #[test]
    fn the_two_normalisations_differ_where_documented() {
        assert_eq!(s("D.O.B."), ["dob"]);
        assert_eq!(a("D.O.B."), ["d", "o", "b"]);
        assert_eq!(s("Pupil's surname"), ["pupils", "surname"]);
        assert_eq!(a("Pupil's surnames"), ["pupil", "surname"]);
        assert_eq!(s("Home post code"), ["home", "post", "code"]);
        assert_eq!(
            s("Number of exclusions in 12 months"),
            ["number", "exclusions", "12", "months"]
        );
        assert_eq!(a("Number of exclusions in 12 months"), ["exclusion"]);
        assert_eq!(a("Home address"), ["home", "address"]);
        // Only stop words: suggest keeps them, the audit has nothing left.
        assert_eq!(s("What is this?"), ["what", "is", "this"]);
        assert!(a("Please tick").is_empty());
        assert_eq!(
            tokens("Pupil's 2 (the) boxes", &PLAIN),
            ["pupil", "s", "2", "the", "boxes"]
        );
    }

    #[test]
    fn plurals_by_rule() {
        let audit = Plural::Strip {
            min_chars: 4,
            keep_ss: true,
        };
        assert_eq!(singular("days", audit), "day");
        assert_eq!(singular("address", audit), "address");
        let loose = Plural::Strip {
            min_chars: 5,
            keep_ss: false,
        };
        assert_eq!(singular("days", loose), "days");
        assert_eq!(singular("address", loose), "addres");
        assert_eq!(singular("days", Plural::Keep), "days");
    }

    #[test]
    fn phrase_similarity_scores() {
        assert_eq!(
            phrase_similarity(&s("Date of birth"), &s("date of birth")),
            1.0
        );
        assert!(phrase_similarity(&s("Legal forename"), &s("forename")) >= 0.5);
        assert!(phrase_similarity(&s("Telephone"), &s("Date of birth")) < 0.3);
        assert!(phrase_similarity(&s("setting name"), &s("name setting")) < 1.0);
        assert_eq!(phrase_similarity(&[], &s("name")), 0.0);
    }

    #[test]
    fn jaccard_of_sets_and_lists() {
        let v = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(jaccard(&v(&["a", "b"]), &v(&["b", "c"])), 1.0 / 3.0);
        assert_eq!(jaccard::<String>(&[], &[]), 0.0);
    }
}
