//! Whose detail a question asks: the child's, a parent's, the current setting's, a previous setting's, a
//! professional's or the requester's. Two labels that share words but not their subject ("Parent's first
//! language" and the child's "First language"; "Other schools attended" and the current school's name) do not
//! mean the same, so the audit's duplicate and cluster matching requires compatible subjects.
//!
//! Read from the printed wording (before normalisation, which drops "child" and "person" as stop words), else from
//! the section heading the mapping gives the question (`section = "..."`); a national field's subject is its
//! label's, else its section's. Keyword lists, not a parser: the words that name a subject on a form are few.

use crate::template::FieldDef;

/// Whose detail a question asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    /// The child or young person.
    Child,
    /// A parent or carer.
    Parent,
    /// The current school or setting.
    Setting,
    /// A school or setting attended before.
    PreviousSetting,
    /// A professional or agency involved.
    Professional,
    /// The person making the request.
    Requester,
}

/// Phrases naming each subject, most specific subject first: the first subject with a phrase in the text wins
/// ("Parent's first language" is the parent's, "Child's school" the setting's).
const PHRASES: &[(Subject, &[&str])] = &[
    (
        Subject::PreviousSetting,
        &[
            "previous school",
            "previous setting",
            "previous placement",
            "other school",
            "other setting",
            "former school",
            "prior school",
            "schools attended",
            "settings attended",
            "school history",
        ],
    ),
    (
        Subject::Professional,
        &[
            "professional",
            "agency",
            "agencies",
            "therapist",
            "practitioner",
            "psychologist",
            "social worker",
            "health visitor",
            "paediatrician",
        ],
    ),
    (
        Subject::Requester,
        &[
            "person making the request",
            "person making this request",
            "referrer",
            "completed by",
            "person completing",
        ],
    ),
    (
        Subject::Parent,
        &[
            "parent",
            "carer",
            "mother",
            "father",
            "guardian",
            "parental",
            "person responsible",
        ],
    ),
    (
        Subject::Setting,
        &[
            "school",
            "setting",
            "nursery",
            "college",
            "academy",
            "headteacher",
            "head teacher",
            "senco",
        ],
    ),
    (
        Subject::Child,
        &["child", "pupil", "young person", "learner", "student"],
    ),
];

/// The subject a text names, if any: its words lower-cased, punctuation as spaces, matched as whole words (a
/// phrase's last word may carry a plural or possessive `s`).
pub fn of_wording(text: &str) -> Option<Subject> {
    let words: Vec<String> = text
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    PHRASES
        .iter()
        .find(|(_, phrases)| phrases.iter().any(|p| contains_phrase(&words, p)))
        .map(|(s, _)| *s)
}

fn contains_phrase(words: &[String], phrase: &str) -> bool {
    let want: Vec<&str> = phrase.split(' ').collect();
    let n = want.len();
    n > 0
        && words.windows(n).any(|w| {
            w.iter().zip(&want).enumerate().all(|(i, (got, want))| {
                got == want
                    || (i + 1 == n
                        && got.strip_suffix('s').is_some_and(|stem| {
                            stem == *want || stem.strip_suffix('\'') == Some(want)
                        }))
            })
        })
}

/// A national field's subject: its label's, else its section's (child, parents, setting, professionals,
/// request; the needs, evidence and views of a request are the child's).
pub fn of_field(def: &FieldDef) -> Subject {
    of_wording(&def.label).unwrap_or(match def.section.as_str() {
        "parents" => Subject::Parent,
        "setting" => Subject::Setting,
        "professionals" => Subject::Professional,
        "request" => Subject::Requester,
        _ => Subject::Child,
    })
}

/// A question's subject: its printed wording's, else its section heading's.
pub fn of_question(printed: &str, section: Option<&str>) -> Option<Subject> {
    of_wording(printed).or_else(|| section.and_then(of_wording))
}

/// True unless both subjects are known and differ, the child and the current setting aside: a label that names
/// no subject may be anyone's, and on a request the school writes about its own pupil, the child's details at
/// the setting ("Date of entry to present school", "Date the pupil started") are asked in either's words. A
/// parent, a previous setting, a professional or the requester is never the child nor the setting.
pub fn compatible(a: Option<Subject>, b: Option<Subject>) -> bool {
    let near = |s: Subject| matches!(s, Subject::Child | Subject::Setting);
    match (a, b) {
        (Some(x), Some(y)) => x == y || (near(x) && near(y)),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subject_is_whose_detail_is_asked() {
        for (text, subject) in [
            ("Parent's first language", Some(Subject::Parent)),
            ("First language", None),
            ("Child's date of birth", Some(Subject::Child)),
            (
                "Other schools/settings attended",
                Some(Subject::PreviousSetting),
            ),
            ("Name of school or setting", Some(Subject::Setting)),
            ("Child's school", Some(Subject::Setting)),
            ("Parent/carer 1 name", Some(Subject::Parent)),
            (
                "Name of person making the request",
                Some(Subject::Requester),
            ),
            (
                "Agencies involved: full contact details",
                Some(Subject::Professional),
            ),
            ("Schooling", None),
        ] {
            assert_eq!(of_wording(text), subject, "{text}");
        }
        assert_eq!(
            of_question("First language", Some("Section B: parents and carers")),
            Some(Subject::Parent)
        );
        assert!(compatible(None, Some(Subject::Child)));
        assert!(!compatible(Some(Subject::Parent), Some(Subject::Child)));
        assert!(!compatible(
            Some(Subject::PreviousSetting),
            Some(Subject::Setting)
        ));
        assert!(compatible(Some(Subject::Setting), Some(Subject::Child)));
    }
}
