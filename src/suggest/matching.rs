//! Matching candidate labels to national template fields: normalised label similarity ([`crate::label`]'s
//! [`SUGGEST`] tokens and [`phrase_similarity`]) against the template's label and the synonym table, adjusted by
//! the shape of the answers where the document is filled (dates, postcodes, UPN/NHS/ULN, yes/no words).

use std::collections::BTreeMap;

use indexmap::IndexMap;

use crate::label::{SUGGEST, phrase_similarity, strip_numbering, strip_parens, tokens};
use crate::mapping::transform::{NO_WORDS, YES_WORDS};
use crate::read::RawValue;
use crate::template::{FieldDef, FieldType, Template};
use crate::validate;

/// The score of a label that opens with a field's phrase of two or more words.
const PHRASE_OPENS: f64 = 0.85;

/// The phrases each field is known by: its template label, its synonyms.
pub struct Phrases {
    by_field: BTreeMap<String, Vec<Vec<String>>>,
    /// Phrases for one "full name" box feeding forename and surname.
    pub split_name: Vec<Vec<String>>,
}

impl Phrases {
    /// Builds the table from the template and the synonym file's entries.
    pub fn new(
        template: &Template,
        synonyms: &IndexMap<String, Vec<String>>,
        split_name: &[String],
    ) -> Phrases {
        let by_field = template
            .fields
            .iter()
            .map(|f| {
                let mut p = vec![tokens(&f.label, &SUGGEST)];
                for s in synonyms.get(&f.id).into_iter().flatten() {
                    p.push(tokens(s, &SUGGEST));
                }
                (f.id.clone(), p)
            })
            .collect();
        Phrases {
            by_field,
            split_name: split_name.iter().map(|s| tokens(s, &SUGGEST)).collect(),
        }
    }

    /// How well a label's tokens name a field, 0..=1. A label that opens with a phrase of two or more words
    /// ("Summary of the child's needs and how they affect ...", "Action taken by the setting so far") names the
    /// field nearly as well as the phrase alone: long questions open with what they ask.
    pub fn label_score(&self, label: &[String], field: &str) -> f64 {
        self.by_field
            .get(field)
            .into_iter()
            .flatten()
            .map(|p| {
                let opens = p.len() >= 2 && label.len() > p.len() && label.starts_with(p);
                let s = phrase_similarity(label, p);
                if opens { s.max(PHRASE_OPENS) } else { s }
            })
            .fold(0.0, f64::max)
    }

    /// How well a printed label names a field: the label as printed, or without its parenthesised
    /// instructions ("(Y/N)", "(minimum 2)").
    pub fn text_score(&self, label: &str, field: &str) -> f64 {
        let label = strip_numbering(label);
        let bare = strip_parens(label);
        let full = self.label_score(&tokens(label, &SUGGEST), field);
        let full = if bare == label {
            full
        } else {
            full.max(self.label_score(&tokens(&bare, &SUGGEST), field))
        };
        // A label of several questions ("Child in Care? Is the child subject to a care order?"): its first.
        match bare.split_once('?') {
            Some((first, rest)) if !rest.trim().is_empty() => {
                full.max(self.label_score(&tokens(first, &SUGGEST), field))
            }
            _ => full,
        }
    }
}

/// How the answers seen fit the field's type: a bonus for a clear fit, a penalty for a clear misfit, 0 when
/// there is nothing to judge.
pub fn shape_score(values: &[RawValue], def: &FieldDef) -> f64 {
    let texts: Vec<String> = values
        .iter()
        .filter(|v| !v.is_empty())
        .map(RawValue::to_text)
        .collect();
    if texts.is_empty() {
        return 0.0;
    }
    let share = |f: &dyn Fn(&RawValue, &str) -> bool| {
        let n = values
            .iter()
            .filter(|v| !v.is_empty())
            .filter(|v| f(v, &v.to_text()))
            .count();
        n as f64 / texts.len() as f64
    };
    let dateish = |v: &RawValue, t: &str| {
        matches!(v, RawValue::Date(_) | RawValue::DateTime(_)) || looks_like_date(t)
    };
    match &def.ty {
        FieldType::Date => {
            if share(&dateish) >= 0.5 {
                0.15
            } else {
                -0.4
            }
        }
        FieldType::Id(name) => {
            let ok = share(&|_, t| match name.as_str() {
                "upn" => validate::upn(t).is_ok(),
                "uln" => validate::uln(t).is_ok(),
                "nhs" => validate::nhs_number(t).is_ok(),
                "postcode" => validate::postcode(t).is_ok(),
                _ => t.chars().filter(char::is_ascii_digit).count() >= 5,
            });
            if ok >= 0.5 { 0.2 } else { -0.3 }
        }
        FieldType::Bool => {
            let yn = share(&|v, t| {
                matches!(v, RawValue::Bool(_)) || {
                    let w = t.trim().to_lowercase();
                    YES_WORDS.contains(&w.as_str())
                        || NO_WORDS.contains(&w.as_str())
                        || w == "attached"
                }
            });
            if yn >= 0.5 { 0.1 } else { -0.3 }
        }
        FieldType::Number | FieldType::Money => {
            let num = share(&|v, t| {
                matches!(v, RawValue::Number(_))
                    || t.trim().trim_end_matches('%').parse::<f64>().is_ok()
            });
            if num >= 0.5 { 0.05 } else { -0.3 }
        }
        FieldType::Text | FieldType::Enum(_) => {
            // A date or a check box answering a text question is suspicious.
            if share(&dateish) >= 0.5 || share(&|v, _| matches!(v, RawValue::Bool(_))) >= 0.5 {
                -0.3
            } else {
                0.0
            }
        }
    }
}

static DATE_TEXT: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)^(\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2}.*|\d{1,2}(st|nd|rd|th)?\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?\s+\d{4})$",
    )
    .ok()
});

fn looks_like_date(t: &str) -> bool {
    DATE_TEXT.as_ref().is_some_and(|r| r.is_match(t.trim()))
}

/// Greedy one-to-one assignment of candidates to fields by descending score. `scores` holds
/// (candidate index, field id, score); returns candidate index -> (field id, score).
pub fn assign(
    mut scores: Vec<(usize, String, f64)>,
    threshold: f64,
) -> BTreeMap<usize, (String, f64)> {
    scores.retain(|(_, _, s)| *s >= threshold);
    scores.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
    let mut out: BTreeMap<usize, (String, f64)> = BTreeMap::new();
    let mut taken: Vec<String> = Vec::new();
    for (c, f, s) in scores {
        if out.contains_key(&c) || taken.contains(&f) {
            continue;
        }
        taken.push(f.clone());
        out.insert(c, (f, s));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greedy_assignment_is_one_to_one() {
        let a = assign(
            vec![
                (0, "child.forename".into(), 0.9),
                (1, "child.forename".into(), 0.8),
                (1, "child.surname".into(), 0.7),
                (2, "child.gender".into(), 0.2),
            ],
            0.5,
        );
        assert_eq!(a.get(&0).map(|x| x.0.as_str()), Some("child.forename"));
        assert_eq!(a.get(&1).map(|x| x.0.as_str()), Some("child.surname"));
        assert!(!a.contains_key(&2));
    }
}
