//! What a draft may quote from a document. Mapping files are shared and committed, so a draft must never hold a
//! child's data; yet from one filled document a cell that holds an answer ("Leo", "114 Mill Lane", a UPN) can look
//! like a label to the candidate finder. Every text taken from a document's content (cells, paragraphs, page lines)
//! is quoted only when it reads as printed form text: no value shape (an email, a postcode, a date, a long number,
//! a tick mark), no sentence about a person, and at least one word that forms print (from the template, the
//! synonym table, or the general form words below), or the punctuation of a question. Field names, control tags and
//! element names are the form's design, not its answers, and are not checked here.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use super::Synonyms;
use crate::label::{Plural, SUGGEST, singular, tokens};
use crate::template::Template;

/// Words that request forms print beyond the template's own labels.
const FORM_WORDS: &[&str] = &[
    "about",
    "address",
    "agency",
    "agree",
    "agreed",
    "assessment",
    "attached",
    "attendance",
    "authority",
    "behaviour",
    "birth",
    "carer",
    "consent",
    "contact",
    "council",
    "county",
    "date",
    "declaration",
    "describe",
    "description",
    "detail",
    "diagnosis",
    "document",
    "education",
    "email",
    "evidence",
    "exclusion",
    "form",
    "health",
    "history",
    "information",
    "involved",
    "language",
    "local",
    "medical",
    "name",
    "need",
    "number",
    "other",
    "parent",
    "phone",
    "photo",
    "photograph",
    "plan",
    "professional",
    "profile",
    "provision",
    "reason",
    "referral",
    "relationship",
    "report",
    "request",
    "school",
    "score",
    "section",
    "setting",
    "sign",
    "signature",
    "signed",
    "social",
    "support",
    "telephone",
    "title",
    "town",
    "type",
    "version",
    "view",
    "year",
];

/// Words that make a text a sentence about a person, which printed questions avoid ("his/her" aside).
const PERSONAL: &[&str] = &[
    "he", "she", "him", "his", "her", "hers", "himself", "herself",
];

static VALUE_SHAPES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r"[^\s@]+@[^\s@]+\.[^\s@]+",                         // an email address
        r"(?i)\b(?:https?://|www\.)",                        // a web address
        r"(?i)\b[A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2}\b", // a postcode
        r"\d{4,}",        // a long number: UPN, NHS number, phone, year
        r"\d[\d ]{6,}\d", // a number written in groups
        r"\b\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{2,4}\b", // a date
        r"(?i)\b\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)", // "3rd April"
        r"^\s*\d",                                  // a house number, a count
        r"^\s*[☒☑✓✔✗✘]",                            // a marked option: the mark is the answer
        r"(?i)^\s*(?:x|y|n|yes|no|true|false)\s*$", // a bare answer word
        r"£\s*\d",                                  // money
        r"\b\d+[a-z]+\d",                           // an age or a level: "5y2m", "2b3"
        r"(?i)\b(?:lane|road|street|avenue|close|drive|way|row|walk|crescent|gardens|terrace)\s*,", // an address
        r"\bSt\.?\s+[A-Z][a-z]", // a saint's name: a school, a church
        r"^[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*,\s+[A-Z][\w'-]+$", // "Brookside Surgery, Eddington": a place
    ]
    .iter()
    .filter_map(|p| Regex::new(p).ok())
    .collect()
});

/// An answer typed after a printed question in its cell.
static TYPED_AFTER: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"[:?](?: {2,}|\t|\s*\n)\s*\S").ok());

/// The vocabulary of printed form text, built once per draft.
pub struct Printed {
    words: HashSet<String>,
}

/// How the vocabulary reads plurals: a trailing `s` dropped from words of 5+ letters, alike in the vocabulary and
/// in the text checked ("Reports" finds "report").
const VOCABULARY_PLURAL: Plural = Plural::Strip {
    min_chars: 5,
    keep_ss: false,
};

/// A word in the form the vocabulary keeps.
fn stem(word: &str) -> String {
    singular(word, VOCABULARY_PLURAL)
}

impl Printed {
    /// The vocabulary: every word of the template's labels, sections and groups, of the synonym table, and
    /// [`FORM_WORDS`].
    pub fn new(template: &Template, synonyms: &Synonyms) -> Printed {
        let mut texts: Vec<&str> = FORM_WORDS.to_vec();
        for f in &template.fields {
            texts.push(&f.label);
            texts.push(&f.section);
        }
        for (name, about) in &template.groups {
            texts.push(name);
            texts.push(about);
        }
        for phrase in synonyms
            .fields
            .values()
            .flatten()
            .chain(&synonyms.split_name)
        {
            texts.push(phrase);
        }
        let words = texts
            .iter()
            .flat_map(|t| tokens(t, &SUGGEST))
            .map(|w| stem(&w))
            .filter(|w| w.chars().count() > 1)
            .collect();
        Printed { words }
    }

    /// True when `text` may be written into a draft.
    pub fn allows(&self, text: &str) -> bool {
        self.allows_with(text, true)
    }

    /// True when `text`, printed alike in every document of a folder, may be written into a draft: it has no
    /// value's shape (the words-and-names tests of [`Printed::allows`] are for one document, where nothing tells
    /// a label from an answer).
    pub fn allows_printed_alike(&self, text: &str) -> bool {
        let text = text.replace("{n}", "1");
        let t = text.trim();
        // A question's printed number ("1. Background information") is no house number when what follows reads
        // as form text even to the one-document test.
        let rest = crate::label::strip_numbering(t);
        if rest.len() < t.len() {
            return self.allows(rest);
        }
        !t.is_empty() && !VALUE_SHAPES.iter().any(|re| re.is_match(t))
    }

    /// True when the form's heading `text` (the LA's name, the form's title) may be written into a draft: as
    /// [`Printed::allows`], except that a council's name is a proper name and may be quoted.
    pub fn allows_heading(&self, text: &str) -> bool {
        self.allows_with(text, false)
    }

    fn allows_with(&self, text: &str, no_names: bool) -> bool {
        let text = text.replace("{n}", "1");
        let t = text.trim();
        if t.is_empty() || t.chars().count() > 120 || t.split_whitespace().count() > 16 {
            return false;
        }
        if VALUE_SHAPES.iter().any(|re| re.is_match(t)) {
            return false;
        }
        // "his/her" is how old forms print a question; "his" alone is a sentence about the child.
        let personal = t
            .split(|c: char| !(c.is_alphabetic() || c == '/'))
            .any(|w| PERSONAL.contains(&w.to_lowercase().as_str()));
        // A sentence: several words ending in a full stop after a word (not an abbreviation such as "D.O.B.").
        // Or a long text ending in a full stop, or running on after a semicolon: notes, not questions.
        let long = t.split_whitespace().count() >= 6;
        let sentence = long && (t.ends_with('.') || t.contains(';'))
            || t.split_whitespace().count() > 3
                && t.ends_with('.')
                && t.trim_end_matches('.')
                    .rsplit(char::is_whitespace)
                    .next()
                    .is_some_and(|w| w.chars().count() > 2 && !w.contains('.'));
        // Text set apart after a question's `:` or `?` (two spaces, a tab, a line break) is an answer typed
        // into the label's cell ("Surname:  Osei", "First name(s):\nInes").
        if personal || sentence || TYPED_AFTER.as_ref().is_none_or(|r| r.is_match(t)) {
            return false;
        }
        // A proper name: two capitalised words, the first no word forms print ("Quillon Longmeadow Primary
        // School", "Eddington College"); a question (ending `?` or `:`) is never a name.
        let mut words = t.split_whitespace();
        if let (Some(a), Some(b)) = (words.next(), words.next())
            && no_names
            && !t.ends_with('?')
            && !t.ends_with(':')
            && a.starts_with(char::is_uppercase)
            && b.starts_with(char::is_uppercase)
            && tokens(a, &SUGGEST).iter().all(|w| {
                !self.words.contains(&stem(w))
                    && !crate::label::SUGGEST_STOP_WORDS.contains(&w.as_str())
            })
        {
            return false;
        }
        // Each further line must read as printed too, unless it is a note in brackets: "Other Name(s) (in
        // full)" with the name typed on the next line is an answer.
        let mut lines = t.lines().map(str::trim).filter(|l| !l.is_empty());
        lines.next();
        if lines.any(|l| !(self.allows(l) || l.starts_with('(') && l.ends_with(')'))) {
            return false;
        }
        // Text after a question's `:` or `?` must itself read as printed ("Tel: Home / Mobile"), and hold no
        // number: else it is an answer typed after the label ("Name: Mrs Joanna Pike", "Year group: Year 6").
        if let Some(i) = t.find([':', '?'])
            && let Some(rest) = t.get(i.saturating_add(1)..).map(str::trim)
            && !rest.is_empty()
            && (rest.contains(|c: char| c.is_ascii_digit()) || !self.allows(rest))
        {
            return false;
        }
        t.ends_with('?')
            || t.ends_with(':')
            || tokens(t, &SUGGEST)
                .iter()
                .any(|w| self.words.contains(&stem(w)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn printed() -> Printed {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings");
        let template =
            Template::load(&Template::path_in(&root)).unwrap_or_else(|_| panic!("template loads"));
        let synonyms = super::super::load_synonyms(&root, &template).unwrap();
        Printed::new(&template, &synonyms)
    }

    #[test]
    fn questions_pass() {
        let p = printed();
        for q in [
            "Child's date of birth",
            "D.O.B.",
            "Gender (M/F)",
            "Recent photograph of the child attached?",
            "SDQ score",
            "Boxall Profile completed?",
            "Parent/Carer {n} name",
            "Does the parent agree with this request",
            "Please describe his/her needs",
            "Tel: Home / Mobile",
            "School Year Group\n(please state if offset)",
            "Town",
            "Name of setting",
            "Strengths and Difficulties Questionnaire (SDQ) total score",
        ] {
            assert!(p.allows(q), "{q:?} is printed form text");
        }
    }

    #[test]
    fn answers_are_withheld() {
        let p = printed();
        for a in [
            "Leo",
            "Maya Patel",
            "Osei",
            "114 Mill Lane, Holmby",
            "maya.patel@example.org",
            "T981256924224",
            "07700 900123",
            "RV12 9XY",
            "03/04/2015",
            "3rd April 2015",
            "X",
            "Yes",
            "☒ School",
            "He finds transitions hard and needs support at school.",
            "Struggles with reading and needs support in class.",
            "£1,200",
            "Surname:  Achterberg",
            "School Lane, Thornbeck",
            "Brookside Surgery, Eddington",
            "Reading age 5y2m at 7y10m; writing at pre-key stage standard 3.",
            "Name: Mrs Joanna Pike",
            "Religion: Roman Catholic",
            "Year group: Year 6",
            "Other Name(s) (in full)\nVesna",
            "Quillon Longmeadow Primary School",
            "Eddington College",
            "Thornbeck St Brannoc's Primary School",
            "First name(s):\nInes",
        ] {
            assert!(!p.allows(a), "{a:?} reads as an answer");
        }
    }
}
