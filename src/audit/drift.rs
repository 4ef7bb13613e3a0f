//! Drift: a form that has changed under its mapping.
//!
//! - **Locators that found nothing**: a mapped field came back `not_found` in a recognised document (a label
//!   moved, a sheet was renamed); the record's `source` holds the locator as written.
//! - **Unconsumed source fields**: non-empty cells, form fields or paths that no rule reads (see
//!   [`crate::harmonise::unconsumed`]). Printed furniture (titles, question text) is unconsumed too, so a key is
//!   reported only when it behaves like an answer: its content differs between the form's documents, or it is
//!   present in some of the form's recognised documents and absent (empty) in others. Furniture is present with
//!   the same content in every document. With a single document nothing can be told apart, so nothing is reported.
//!
//! Both are counted over every recognised document of the form (blank ones too), with up to [`MAX_EXAMPLES`]
//! example document paths (the first in input order).

use std::collections::BTreeMap;

use serde::Serialize;

/// Example document paths kept per finding.
pub const MAX_EXAMPLES: usize = 3;
/// Most distinct unconsumed keys tracked per form; further keys are only counted.
pub const MAX_KEYS: usize = 2_000;

/// A count with example paths.
#[derive(Debug, Clone, Default)]
pub struct Examples {
    /// Documents.
    pub count: u64,
    /// The first few paths.
    pub paths: Vec<String>,
}

impl Examples {
    /// Counts one document.
    pub fn add(&mut self, path: &str) {
        self.count += 1;
        if self.paths.len() < MAX_EXAMPLES {
            self.paths.push(path.to_string());
        }
    }
}

/// An unconsumed key's tally.
#[derive(Debug, Clone, Default)]
pub struct KeyTally {
    /// Documents holding it, with examples.
    pub seen: Examples,
    /// The first content digest.
    pub digest: u64,
    /// True once two documents disagree on its content.
    pub varies: bool,
}

/// The drift tallies of one form.
#[derive(Debug, Clone, Default)]
pub struct DriftTally {
    /// (field, locator) -> documents where it found nothing.
    pub not_found: BTreeMap<(String, String), Examples>,
    /// Unconsumed key -> tally.
    pub unconsumed: BTreeMap<String, KeyTally>,
    /// Unconsumed keys not tracked because of [`MAX_KEYS`].
    pub untracked: u64,
    /// Documents whose printed text differs from the reference form, by version.
    pub versions: super::versions::VersionsTally,
}

impl DriftTally {
    /// Counts a locator that found nothing.
    pub fn locator(&mut self, field: &str, locator: &str, path: &str) {
        self.not_found
            .entry((field.to_string(), locator.to_string()))
            .or_default()
            .add(path);
    }

    /// Counts an unconsumed source field.
    pub fn unconsumed(&mut self, key: &str, digest: u64, path: &str) {
        if let Some(t) = self.unconsumed.get_mut(key) {
            t.varies |= t.digest != digest;
            t.seen.add(path);
        } else if self.unconsumed.len() < MAX_KEYS {
            let mut t = KeyTally {
                digest,
                ..KeyTally::default()
            };
            t.seen.add(path);
            self.unconsumed.insert(key.to_string(), t);
        } else {
            self.untracked += 1;
        }
    }

    /// The report of this tally; `documents` is the number of recognised documents of the form, `form` its name
    /// as the versions' summaries give it.
    pub fn report(&self, documents: u64, form: &str) -> Drift {
        let not_found = self
            .not_found
            .iter()
            .map(|((field, locator), e)| LocatorDrift {
                field: field.clone(),
                locator: locator.clone(),
                documents: e.count,
                examples: e.paths.clone(),
            })
            .collect();
        let unconsumed = self
            .unconsumed
            .iter()
            .filter(|(_, t)| t.varies || t.seen.count < documents)
            .map(|(key, t)| UnconsumedDrift {
                key: key.clone(),
                documents: t.seen.count,
                examples: t.seen.paths.clone(),
            })
            .collect();
        Drift {
            versions: self.versions.report(form),
            not_found,
            unconsumed,
            untracked_keys: self.untracked,
        }
    }
}

/// A locator that found nothing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LocatorDrift {
    /// The national field.
    pub field: String,
    /// The locator as the mapping writes it.
    pub locator: String,
    /// Recognised documents where it found nothing.
    pub documents: u64,
    /// Example document paths.
    pub examples: Vec<String>,
}

/// A source field no rule consumes that behaves like an answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnconsumedDrift {
    /// Its locator (`Sheet!C41`, a field name, a path).
    pub key: String,
    /// Recognised documents where it holds something.
    pub documents: u64,
    /// Example document paths.
    pub examples: Vec<String>,
}

/// The drift of one form.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drift {
    /// Changed versions of the form (with a reference form): what an analyst acts on first.
    pub versions: Vec<super::versions::FormVersion>,
    /// Locators that found nothing.
    pub not_found: Vec<LocatorDrift>,
    /// Unconsumed source fields.
    pub unconsumed: Vec<UnconsumedDrift>,
    /// Unconsumed keys past the tracking limit (counted, not listed).
    pub untracked_keys: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn furniture_is_not_drift_but_answers_are() {
        let mut t = DriftTally::default();
        for (doc, answer) in [("a", 1), ("b", 2), ("c", 3)] {
            t.unconsumed("Request!B2", 7, doc); // the same title everywhere
            t.unconsumed("Request!C9", answer, doc); // a different answer in each
        }
        t.unconsumed("Request!C10", 5, "b"); // answered in one document only
        t.locator("child.gp_practice", "label /gp/ right", "a");
        let d = t.report(3, "F");
        let keys: Vec<&str> = d.unconsumed.iter().map(|u| u.key.as_str()).collect();
        assert_eq!(keys, ["Request!C10", "Request!C9"]);
        assert_eq!(d.unconsumed[1].examples, ["a", "b", "c"]);
        assert_eq!(d.not_found[0].documents, 1);
    }
}
