//! What changed since the previous run: documents added, changed and removed, failures new and resolved (from the
//! previous run's state, [`Baseline`]), and each form's burden before and after (from the previous `report.json`,
//! [`PreviousReport`]). A nightly report says what is new tonight.
//!
//! Counts and paths only (paths are the analyst's own input); never a value. Memory: the baseline is the previous
//! state's paths and hashes, which a run holds anyway; new failures are listed up to [`MAX_LISTED`].

use serde::{Deserialize, Serialize};

use super::burden::BurdenRow;
use crate::manifest::{DocStatus, ManifestRow};

/// Most new failures listed by path; further ones are counted.
pub const MAX_LISTED: usize = 1_000;

/// One document as the previous run left it.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviousDoc {
    /// Path relative to the input folder.
    pub path: String,
    /// The raw name in hex, for names that are not UTF-8.
    pub path_bytes_hex: Option<String>,
    /// Its content hash, when it was read.
    pub blake3: Option<String>,
    /// What it was (a skipped one by what it was before).
    pub status: DocStatus,
}

/// Every document of the previous run, sorted by (path, path_bytes_hex) as inputs are.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    docs: Vec<PreviousDoc>,
}

impl Baseline {
    /// From the previous run's documents, in any order.
    pub fn new(mut docs: Vec<PreviousDoc>) -> Baseline {
        docs.sort_by(|a, b| key(a).cmp(&key(b)));
        Baseline { docs }
    }

    fn find(&self, path: &str, hex: Option<&str>) -> Option<&PreviousDoc> {
        self.docs
            .binary_search_by(|d| key(d).cmp(&(path, hex)))
            .ok()
            .and_then(|i| self.docs.get(i))
    }
}

fn key(d: &PreviousDoc) -> (&str, Option<&str>) {
    (d.path.as_str(), d.path_bytes_hex.as_deref())
}

/// What the reports read of the previous `report.json`: its run and each form's burden. Unknown keys are ignored,
/// missing ones default, so a report of an older build still serves.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PreviousReport {
    /// The run that wrote it.
    #[serde(default)]
    pub run_id: String,
    /// When it was written, if it says.
    #[serde(default)]
    pub run: Option<PreviousRun>,
    /// Each form's burden.
    #[serde(default)]
    pub burden: Vec<PreviousBurden>,
}

/// The run metadata of the previous report.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PreviousRun {
    /// RFC 3339.
    #[serde(default)]
    pub generated_at: String,
}

/// One form's burden in the previous report.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PreviousBurden {
    /// The mapping id.
    pub mapping: String,
    /// Mapped fields + extras.
    #[serde(default)]
    pub fields_asked: usize,
    /// Mapped `no` fields + extras.
    #[serde(default)]
    pub non_statutory: usize,
    /// Extras that duplicate a mapped field.
    #[serde(default)]
    pub duplicated: usize,
}

/// One new failure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewFailure {
    /// The document.
    pub path: String,
    /// What happened to it.
    pub status: DocStatus,
}

/// A number before and after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Delta {
    /// In the previous report (`null`: the form was not in it).
    pub before: Option<usize>,
    /// Now (`null`: the form is gone).
    pub after: Option<usize>,
}

/// A form whose burden changed (or that came or went).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BurdenChange {
    /// The mapping id.
    pub mapping: String,
    /// Fields asked.
    pub fields_asked: Delta,
    /// Non-statutory fields.
    pub non_statutory: Delta,
    /// Duplicated fields.
    pub duplicated: Delta,
}

/// The changes since the previous run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Changes {
    /// The previous report's run id (empty when there was no report).
    pub previous_report: String,
    /// When the previous report was written (RFC 3339), if it says.
    pub previous_generated_at: Option<String>,
    /// Documents new since the previous run.
    pub added: u64,
    /// Documents whose content changed.
    pub changed: u64,
    /// Documents of the previous run that are gone.
    pub removed: u64,
    /// Documents as they were.
    pub unchanged: u64,
    /// Documents that produced no record now but did before (or are new), at most [`MAX_LISTED`].
    pub new_failures: Vec<NewFailure>,
    /// All new failures, listed or not.
    pub new_failure_count: u64,
    /// Documents that failed before and produced a record now.
    pub resolved_failures: u64,
    /// Forms whose burden differs from the previous report's, in mapping id order.
    pub burden: Vec<BurdenChange>,
}

impl Changes {
    /// True when nothing differs from the previous run.
    pub fn is_empty(&self) -> bool {
        self.added == 0
            && self.changed == 0
            && self.removed == 0
            && self.new_failure_count == 0
            && self.resolved_failures == 0
            && self.burden.is_empty()
    }
}

/// The running comparison of this run's manifest rows with the previous run's documents, in input order.
#[derive(Debug, Clone)]
pub struct ChangeTally {
    baseline: Baseline,
    previous: PreviousReport,
    matched: u64,
    changes: Changes,
}

impl ChangeTally {
    /// A comparison with the previous run's documents and its report (default when it has none that parses).
    pub fn new(baseline: Baseline, previous: PreviousReport) -> ChangeTally {
        let changes = Changes {
            previous_report: previous.run_id.clone(),
            previous_generated_at: previous
                .run
                .as_ref()
                .map(|r| r.generated_at.clone())
                .filter(|t| !t.is_empty()),
            added: 0,
            changed: 0,
            removed: 0,
            unchanged: 0,
            new_failures: Vec::new(),
            new_failure_count: 0,
            resolved_failures: 0,
            burden: Vec::new(),
        };
        ChangeTally {
            baseline,
            previous,
            matched: 0,
            changes,
        }
    }

    /// Compares one row of this run.
    pub fn add(&mut self, row: &ManifestRow) {
        let c = &mut self.changes;
        let before = self.baseline.find(&row.path, row.path_bytes_hex.as_deref());
        let was_harmonised = before.map(|b| b.status.is_harmonised());
        match before {
            None => c.added += 1,
            Some(b) => {
                self.matched += 1;
                let differs = row.status != DocStatus::SkippedUnchanged
                    && row.blake3.is_some()
                    && b.blake3.is_some()
                    && row.blake3 != b.blake3;
                if differs {
                    c.changed += 1;
                } else {
                    c.unchanged += 1;
                }
            }
        }
        match (row.is_harmonised(), was_harmonised) {
            (false, None | Some(true)) => {
                c.new_failure_count += 1;
                if c.new_failures.len() < MAX_LISTED {
                    c.new_failures.push(NewFailure {
                        path: row.path.clone(),
                        status: row.effective_status(),
                    });
                }
            }
            (true, Some(false)) => c.resolved_failures += 1,
            _ => {}
        }
    }

    /// The changes, with the burden compared to this run's.
    pub fn finish(self, burden: &[BurdenRow]) -> Changes {
        let mut changes = self.changes;
        changes.removed = (self.baseline.docs.len() as u64).saturating_sub(self.matched);
        let mut ids: Vec<&str> = burden
            .iter()
            .map(|b| b.mapping.as_str())
            .chain(self.previous.burden.iter().map(|b| b.mapping.as_str()))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        // With no previous report there is nothing to compare the burden with.
        let compare = !self.previous.run_id.is_empty() || !self.previous.burden.is_empty();
        for id in ids.into_iter().filter(|_| compare) {
            let now = burden.iter().find(|b| b.mapping == id);
            let then = self.previous.burden.iter().find(|b| b.mapping == id);
            let delta = |a: Option<usize>, b: Option<usize>| Delta {
                before: a,
                after: b,
            };
            let change = BurdenChange {
                mapping: id.to_string(),
                fields_asked: delta(then.map(|b| b.fields_asked), now.map(|b| b.fields_asked)),
                non_statutory: delta(then.map(|b| b.non_statutory), now.map(|b| b.non_statutory)),
                duplicated: delta(then.map(|b| b.duplicated), now.map(|b| b.duplicated)),
            };
            let same = [change.fields_asked, change.non_statutory, change.duplicated]
                .iter()
                .all(|d| d.before == d.after);
            if !same {
                changes.burden.push(change);
            }
        }
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prev(path: &str, hash: &str, status: DocStatus) -> PreviousDoc {
        PreviousDoc {
            path: path.into(),
            path_bytes_hex: None,
            blake3: Some(hash.into()),
            status,
        }
    }

    fn row(path: &str, hash: &str, status: DocStatus) -> ManifestRow {
        ManifestRow {
            status,
            blake3: Some(hash.into()),
            ..ManifestRow::new(path.into(), None)
        }
    }

    #[test]
    fn documents_are_added_changed_removed_and_failures_new_or_resolved() {
        let baseline = Baseline::new(vec![
            prev("c.xlsx", "3", DocStatus::Corrupt),
            prev("a.xlsx", "1", DocStatus::Ok),
            prev("b.xlsx", "2", DocStatus::Ok),
            prev("gone.xlsx", "9", DocStatus::Ok),
        ]);
        let previous = PreviousReport {
            run_id: "r1".into(),
            run: None,
            burden: vec![PreviousBurden {
                mapping: "951-northmoor".into(),
                fields_asked: 30,
                non_statutory: 4,
                duplicated: 1,
            }],
        };
        let mut t = ChangeTally::new(baseline, previous);
        t.add(&ManifestRow {
            previous_status: Some(DocStatus::Ok),
            ..row("a.xlsx", "1", DocStatus::SkippedUnchanged)
        });
        t.add(&row("b.xlsx", "2b", DocStatus::Corrupt));
        t.add(&row("c.xlsx", "3b", DocStatus::Ok));
        t.add(&row("new.txt", "4", DocStatus::UnsupportedFormat));
        let burden = vec![BurdenRow {
            rank: 1,
            mapping: "951-northmoor".into(),
            la_code: "951".into(),
            la_name: "Northmoor".into(),
            fields_asked: 31,
            statutory: 20,
            must: 15,
            should: 5,
            non_statutory: 5,
            duplicated: 1,
            minutes: None,
        }];
        let c = t.finish(&burden);
        assert_eq!(
            (c.added, c.changed, c.removed, c.unchanged),
            (1, 2, 1, 1),
            "{c:?}"
        );
        assert_eq!(c.new_failure_count, 2);
        let new: Vec<&str> = c.new_failures.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(new, ["b.xlsx", "new.txt"]);
        assert_eq!(c.resolved_failures, 1);
        assert_eq!(c.burden.len(), 1);
        assert_eq!(
            c.burden[0].fields_asked,
            Delta {
                before: Some(30),
                after: Some(31)
            }
        );
        assert!(!c.is_empty());
    }
}
