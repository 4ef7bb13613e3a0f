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
    ]
    .iter()
    .filter_map(|p| Regex::new(p).ok())
    .collect()
});

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
        let sentence = t.split_whitespace().count() > 3
            && t.ends_with('.')
            && t.trim_end_matches('.')
                .rsplit(char::is_whitespace)
                .next()
                .is_some_and(|w| w.chars().count() > 2 && !w.contains('.'));
        if personal || sentence {
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
        ] {
            assert!(!p.allows(a), "{a:?} reads as an answer");
        }
    }
}
