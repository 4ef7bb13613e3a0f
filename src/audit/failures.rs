//! The documents that produced no record: unrecognised, encrypted, corrupt, too large, timed out, needing OCR,
//! unreadable or failed. Folded from the manifest rows a run writes (or a rebuild reads back from
//! `manifest.json`), grouped by status and reason with counts, so that every human report says what could not be
//! read and why, not only `manifest.json`.
//!
//! Reasons never carry a document's text (see [`crate::manifest`]); file paths are the analyst's own input, shown
//! as they are (each report escapes them). Memory grows with the number of failing documents only up to
//! [`MAX_LISTED`] paths; past that they are counted, not listed.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::manifest::{DocStatus, ManifestRow};

/// Most failing documents listed by path over all groups; further ones are counted in
/// [`FailureGroup::not_listed`] (every one is in `manifest.json`).
pub const MAX_LISTED: usize = 10_000;

/// One failing document as the reports list it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailedFile {
    /// Its path relative to the input folder (as `manifest.json` has it).
    pub path: String,
    /// When the last run did not read it (`skipped_unchanged`), the status it then had is this group's.
    pub skipped_unchanged: bool,
}

/// Failing documents of one status and reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailureGroup {
    /// What happened (the manifest's effective status: a skipped document by what it was).
    pub status: DocStatus,
    /// Why, as the manifest says.
    pub reason: String,
    /// How many documents.
    pub count: u64,
    /// The documents, in input order (at most [`MAX_LISTED`] over all groups).
    pub files: Vec<FailedFile>,
    /// Documents of this group past [`MAX_LISTED`], counted only.
    pub not_listed: u64,
}

/// The running tally, fed one manifest row at a time in input order.
#[derive(Debug, Clone, Default)]
pub struct FailureTally {
    groups: BTreeMap<(DocStatus, String), FailureGroup>,
    listed: usize,
}

impl FailureTally {
    /// Counts one row in; harmonised documents (now or carried forward) are not failures.
    pub fn add(&mut self, row: &ManifestRow) {
        if row.is_harmonised() {
            return;
        }
        let status = row.effective_status();
        let reason = row.reason.as_deref().unwrap_or("no reason given");
        let group = self
            .groups
            .entry((status, reason.to_string()))
            .or_insert_with(|| FailureGroup {
                status,
                reason: reason.to_string(),
                count: 0,
                files: Vec::new(),
                not_listed: 0,
            });
        group.count += 1;
        if self.listed < MAX_LISTED {
            self.listed += 1;
            group.files.push(FailedFile {
                path: row.path.clone(),
                skipped_unchanged: row.status == DocStatus::SkippedUnchanged,
            });
        } else {
            group.not_listed += 1;
        }
    }

    /// The groups, most documents first; ties by status, then reason.
    pub fn report(self) -> Vec<FailureGroup> {
        let mut groups: Vec<FailureGroup> = self.groups.into_values().collect();
        groups.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| a.status.cmp(&b.status))
                .then_with(|| a.reason.cmp(&b.reason))
        });
        groups
    }
}

/// Failing documents by status (a plain-words tally for the summary), most first.
pub fn by_status(groups: &[FailureGroup]) -> Vec<(DocStatus, u64)> {
    let mut counts: BTreeMap<DocStatus, u64> = BTreeMap::new();
    for g in groups {
        *counts.entry(g.status).or_default() += g.count;
    }
    let mut all: Vec<(DocStatus, u64)> = counts.into_iter().collect();
    all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    all
}

/// A status in plain words, for the reports' prose.
pub fn describe(status: DocStatus) -> &'static str {
    match status {
        DocStatus::Ok => "harmonised",
        DocStatus::Partial => "harmonised in part",
        DocStatus::Blank => "blank",
        DocStatus::Unrecognised => "not recognised as any LA's form",
        DocStatus::UnsupportedFormat => "not a format harmonise reads",
        DocStatus::Encrypted => "password-protected",
        DocStatus::Corrupt => "damaged",
        DocStatus::TooLarge => "over a size limit",
        DocStatus::Timeout => "over the time limit",
        DocStatus::NeedsOcr => "scanned images (need OCR)",
        DocStatus::Unreadable => "could not be opened",
        DocStatus::Failed => "failed (an internal error)",
        DocStatus::SkippedUnchanged => "unchanged",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(path: &str, status: DocStatus, reason: &str) -> ManifestRow {
        ManifestRow {
            status,
            reason: Some(reason.into()),
            ..ManifestRow::new(path.into(), None)
        }
    }

    #[test]
    fn failures_are_grouped_by_status_and_reason_most_first() {
        let mut t = FailureTally::default();
        t.add(&row("a.xlsx", DocStatus::Ok, ""));
        t.add(&row("b.xlsx", DocStatus::Corrupt, "damaged zip"));
        t.add(&row("c.txt", DocStatus::UnsupportedFormat, "plain text"));
        t.add(&row("d.xlsx", DocStatus::Corrupt, "damaged zip"));
        t.add(&ManifestRow {
            previous_status: Some(DocStatus::Unrecognised),
            ..row("e.xlsx", DocStatus::SkippedUnchanged, "no mapping")
        });
        t.add(&ManifestRow {
            previous_status: Some(DocStatus::Ok),
            ..row("f.xlsx", DocStatus::SkippedUnchanged, "")
        });
        let groups = t.report();
        let summary: Vec<(DocStatus, &str, u64)> = groups
            .iter()
            .map(|g| (g.status, g.reason.as_str(), g.count))
            .collect();
        assert_eq!(
            summary,
            [
                (DocStatus::Corrupt, "damaged zip", 2),
                (DocStatus::Unrecognised, "no mapping", 1),
                (DocStatus::UnsupportedFormat, "plain text", 1),
            ]
        );
        assert_eq!(groups[0].files[1].path, "d.xlsx");
        assert!(groups[1].files[0].skipped_unchanged);
        assert_eq!(
            by_status(&groups),
            [
                (DocStatus::Corrupt, 2),
                (DocStatus::Unrecognised, 1),
                (DocStatus::UnsupportedFormat, 1)
            ]
        );
    }

    #[test]
    fn paths_past_the_cap_are_counted_not_listed() {
        let mut t = FailureTally::default();
        for i in 0..MAX_LISTED + 3 {
            t.add(&row(&format!("{i}.xlsx"), DocStatus::Corrupt, "damaged"));
        }
        let groups = t.report();
        assert_eq!(groups[0].count, (MAX_LISTED + 3) as u64);
        assert_eq!(groups[0].files.len(), MAX_LISTED);
        assert_eq!(groups[0].not_listed, 3);
    }
}
