//! Form versions: the documents of a form whose printed text differs from the mapping's reference form, grouped
//! by how it differs (the same [`Change`]s), each shown like a diff stat in the analyst's words with the fields
//! re-anchored and lost. A change's document text (a new sheet name, a new question's label) is shown only when
//! at least two documents of the version print the same text there: printed furniture, never one document's
//! answer.

use std::collections::BTreeMap;

use serde::Serialize;

use super::drift::Examples;
use crate::reference::Change;

/// The changes of a version without the document's text: what groups documents.
type Key = Vec<Change>;

/// One version's tally.
#[derive(Debug, Clone, Default)]
struct VersionTally {
    docs: Examples,
    /// Per change: the text the documents agree on (`None` once two disagree) and how many gave it.
    texts: Vec<(Option<String>, u64)>,
    reanchored: BTreeMap<String, u64>,
    lost: BTreeMap<String, u64>,
}

/// The versions of one form.
#[derive(Debug, Clone, Default)]
pub struct VersionsTally {
    versions: BTreeMap<Key, VersionTally>,
}

impl VersionsTally {
    /// Counts one document: its changes, and the fields re-anchored and lost in it.
    pub fn add(&mut self, path: &str, changes: &[Change], reanchored: &[&str], lost: &[&str]) {
        if changes.is_empty() && reanchored.is_empty() && lost.is_empty() {
            return;
        }
        let key: Key = changes
            .iter()
            .map(|c| Change {
                new: None,
                ..c.clone()
            })
            .collect();
        let t = self.versions.entry(key).or_default();
        t.docs.add(path);
        if t.texts.is_empty() {
            t.texts = changes.iter().map(|c| (c.new.clone(), 1)).collect();
        } else {
            for ((agreed, n), c) in t.texts.iter_mut().zip(changes) {
                if *agreed == c.new {
                    *n += 1;
                } else {
                    *agreed = None;
                }
            }
        }
        for f in reanchored {
            *t.reanchored.entry(f.to_string()).or_default() += 1;
        }
        for f in lost {
            *t.lost.entry(f.to_string()).or_default() += 1;
        }
    }

    /// The versions, most documents first; `form` names the form in the summary line.
    pub fn report(&self, form: &str) -> Vec<FormVersion> {
        let mut out: Vec<FormVersion> = self
            .versions
            .iter()
            .map(|(key, t)| {
                let changes: Vec<String> = key
                    .iter()
                    .zip(&t.texts)
                    .map(|(c, (text, n))| {
                        let shown = Change {
                            new: text.clone().filter(|_| *n >= 2),
                            ..c.clone()
                        };
                        shown.describe(shown.new.is_some())
                    })
                    .collect();
                let lost: Vec<String> = t.lost.keys().cloned().collect();
                let reanchored: Vec<String> = t.reanchored.keys().cloned().collect();
                let what = if changes.is_empty() {
                    "no printed change".to_string()
                } else {
                    changes.join("; ")
                };
                FormVersion {
                    summary: format!(
                        "{form}: {} document(s) of a changed form: {what}; {} field(s) re-anchored, {} lost",
                        t.docs.count,
                        reanchored.len(),
                        lost.len()
                    ),
                    documents: t.docs.count,
                    examples: t.docs.paths.clone(),
                    changes,
                    lost,
                    reanchored,
                }
            })
            .collect();
        out.sort_by(|a, b| {
            b.documents
                .cmp(&a.documents)
                .then(a.summary.cmp(&b.summary))
        });
        out
    }
}

/// One changed version of a form.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormVersion {
    /// The line an analyst reads: the form, the documents, the changes, the fields re-anchored and lost.
    pub summary: String,
    /// Documents of this version.
    pub documents: u64,
    /// Example document paths.
    pub examples: Vec<String>,
    /// Each change, in words.
    pub changes: Vec<String>,
    /// Fields whose printed label is gone: `not_found` (drift to act on).
    pub lost: Vec<String>,
    /// Fields read where their printed label moved.
    pub reanchored: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::ChangeKind;

    fn inserted(text: &str) -> Change {
        Change {
            kind: ChangeKind::RowInserted,
            sheet: Some("Part A".into()),
            row: Some(10),
            column: None,
            old: None,
            new: Some(text.into()),
        }
    }

    #[test]
    fn documents_group_by_change_and_text_shows_only_when_two_agree() {
        let mut t = VersionsTally::default();
        t.add(
            "a",
            &[inserted("Preferred pronouns")],
            &["child.religion"],
            &[],
        );
        t.add(
            "b",
            &[inserted("Preferred pronouns")],
            &["child.religion"],
            &[],
        );
        t.add("c", &[inserted("Leo Da Silva")], &[], &["child.upn"]);
        t.add("d", &[], &[], &[]);
        let v = t.report("Fenbury (971)");
        assert_eq!(
            v.len(),
            1,
            "one version: the same change, whatever its text"
        );
        assert_eq!(v[0].documents, 3);
        assert_eq!(
            v[0].changes,
            ["row inserted at 'Part A' row 10"],
            "documents disagree on the text: not shown"
        );
        let mut t = VersionsTally::default();
        t.add(
            "a",
            &[inserted("Preferred pronouns")],
            &["child.religion"],
            &[],
        );
        t.add(
            "b",
            &[inserted("Preferred pronouns")],
            &["child.religion"],
            &[],
        );
        let v = t.report("Fenbury (971)");
        assert_eq!(
            v[0].summary,
            "Fenbury (971): 2 document(s) of a changed form: row inserted at 'Part A' row 10 (\"Preferred \
             pronouns\"); 1 field(s) re-anchored, 0 lost"
        );
        let mut t = VersionsTally::default();
        t.add("a", &[inserted("Leo Da Silva")], &[], &[]);
        assert!(
            !t.report("F")[0].summary.contains("Leo"),
            "one document's text is never shown"
        );
    }
}
