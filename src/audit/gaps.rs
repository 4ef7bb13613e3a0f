//! Coverage gaps (from the mapping alone) and completeness (folded from filled records).
//!
//! A **coverage gap** is a national field the form's mapping does not map: the form never asks for it. Gaps are
//! listed `must` first, then `should`, then `no`, in template order within a level.
//!
//! **Completeness** of a mapped field is counted over the form's *filled* documents (records `ok` or `partial`;
//! `blank` forms are left out): how many came back ok, empty, invalid or not_found, their shares, and the
//! commonest invalid reasons (reasons name rules, never values).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::mapping::Mapping;
use crate::record::FieldStatus;
use crate::template::{FieldDef, Statutory, Template};

/// Most distinct invalid reasons kept per field; further ones are counted under [`OTHER_REASONS`].
pub const MAX_REASONS: usize = 32;
/// The bucket for reasons past [`MAX_REASONS`].
pub const OTHER_REASONS: &str = "(other reasons)";
/// How many invalid reasons are reported per field.
pub const TOP_REASONS: usize = 3;

/// A national field as the report lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldRef {
    /// Template id.
    pub field: String,
    /// Template label.
    pub label: String,
    /// must, should or no.
    pub statutory: Statutory,
    /// The template's section (`child`, `parents`, ...): the HTML heatmap groups its columns by it. Not in
    /// report.json, whose shape it would change in every table that lists a field.
    #[serde(skip)]
    pub section: String,
}

impl FieldRef {
    /// From a template field.
    pub fn of(def: &FieldDef) -> FieldRef {
        FieldRef {
            field: def.id.clone(),
            label: def.label.clone(),
            statutory: def.statutory,
            section: def.section.clone(),
        }
    }
}

/// Template fields ordered for reports: must, then should, then no; template order within a level.
pub fn statutory_order(template: &Template) -> Vec<&FieldDef> {
    let mut defs: Vec<&FieldDef> = template.fields.iter().collect();
    defs.sort_by_key(|d| d.statutory);
    defs
}

/// The coverage gaps of one mapping.
pub fn coverage_gaps(mapping: &Mapping, template: &Template) -> Vec<FieldRef> {
    statutory_order(template)
        .into_iter()
        .filter(|d| !mapping.fields.iter().any(|r| r.target == d.id))
        .map(FieldRef::of)
        .collect()
}

/// Counts for one mapped field of one form, over filled documents.
#[derive(Debug, Clone, Default)]
pub struct FieldTally {
    /// ok.
    pub ok: u64,
    /// empty.
    pub empty: u64,
    /// invalid.
    pub invalid: u64,
    /// not_found.
    pub not_found: u64,
    /// Invalid reasons and their counts (at most [`MAX_REASONS`] + 1 entries).
    pub reasons: BTreeMap<String, u64>,
}

impl FieldTally {
    /// Adds one document's status for the field, with its invalid reasons.
    pub fn add<'a>(&mut self, status: FieldStatus, reasons: impl Iterator<Item = &'a str>) {
        match status {
            FieldStatus::Ok => self.ok += 1,
            FieldStatus::Empty => self.empty += 1,
            FieldStatus::Invalid => {
                self.invalid += 1;
                for r in reasons {
                    let key = if self.reasons.contains_key(r) || self.reasons.len() < MAX_REASONS {
                        r
                    } else {
                        OTHER_REASONS
                    };
                    *self.reasons.entry(key.to_string()).or_default() += 1;
                }
            }
            FieldStatus::NotFound => self.not_found += 1,
            FieldStatus::NotCollected => {}
        }
    }
}

/// An invalid reason and how often it occurred.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReasonCount {
    /// The reason (never a value).
    pub reason: String,
    /// Occurrences (group fields count each invalid member).
    pub count: u64,
}

/// Completeness and validity of one mapped field of one form.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Completeness {
    /// The field.
    #[serde(flatten)]
    pub field: FieldRef,
    /// Filled documents of the form (the denominator).
    pub filled: u64,
    /// Documents where it was ok.
    pub ok: u64,
    /// ... empty.
    pub empty: u64,
    /// ... invalid.
    pub invalid: u64,
    /// ... not found (drift).
    pub not_found: u64,
    /// ok / filled (null without filled documents); likewise below.
    pub ok_share: Option<f64>,
    /// empty / filled.
    pub empty_share: Option<f64>,
    /// invalid / filled.
    pub invalid_share: Option<f64>,
    /// not_found / filled.
    pub not_found_share: Option<f64>,
    /// The commonest invalid reasons, most frequent first (at most [`TOP_REASONS`]).
    pub invalid_reasons: Vec<ReasonCount>,
}

/// A share rounded to 4 decimals; `None` without a denominator.
pub fn share(n: u64, of: u64) -> Option<f64> {
    (of > 0).then(|| (n as f64 / of as f64 * 10_000.0).round() / 10_000.0)
}

impl Completeness {
    /// From a tally.
    pub fn new(field: FieldRef, filled: u64, t: &FieldTally) -> Completeness {
        let mut reasons: Vec<ReasonCount> = t
            .reasons
            .iter()
            .map(|(r, c)| ReasonCount {
                reason: r.clone(),
                count: *c,
            })
            .collect();
        reasons.sort_by(|a, b| b.count.cmp(&a.count).then(a.reason.cmp(&b.reason)));
        reasons.truncate(TOP_REASONS);
        Completeness {
            field,
            filled,
            ok: t.ok,
            empty: t.empty,
            invalid: t.invalid,
            not_found: t.not_found,
            ok_share: share(t.ok, filled),
            empty_share: share(t.empty, filled),
            invalid_share: share(t.invalid, filled),
            not_found_share: share(t.not_found, filled),
            invalid_reasons: reasons,
        }
    }
}
