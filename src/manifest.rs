//! The run manifest: every input file exactly once, with what happened to it and why. The number of rows always
//! equals the number of inputs; a document that cannot be read is a row with a precise reason, never a gap.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::read::FailureKind;
use crate::record::RecordStatus;

/// What happened to one input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocStatus {
    /// Harmonised; every mapped field found and valid.
    Ok,
    /// Harmonised; some fields invalid, not found, or statutory ones empty.
    Partial,
    /// Harmonised; a blank form (nothing filled in).
    Blank,
    /// Read, but no mapping fits it.
    Unrecognised,
    /// Not a format harmonise reads.
    UnsupportedFormat,
    /// Password-protected.
    Encrypted,
    /// Damaged.
    Corrupt,
    /// Over a size limit.
    TooLarge,
    /// Over the time limit.
    Timeout,
    /// Image-only: needs OCR.
    NeedsOcr,
    /// The file could not be opened (permissions, a link loop).
    Unreadable,
    /// An internal error (a bug) while processing this document, or its worker process died (`--isolate`); the
    /// rest of the run went on.
    Failed,
    /// Unchanged since the previous run (same path, size and modification time, or the same content hash, and the
    /// same mapping): not read again; its record, if any, is carried forward. The row's `previous_status` keeps
    /// what the document was, and [`ManifestRow::is_harmonised`] goes by that.
    SkippedUnchanged,
}

impl DocStatus {
    /// True when the document produced a record in this run. A [`DocStatus::SkippedUnchanged`] row is decided by
    /// its previous status: use [`ManifestRow::is_harmonised`] (or [`ManifestRow::effective_status`]) on rows.
    pub fn is_harmonised(self) -> bool {
        matches!(self, DocStatus::Ok | DocStatus::Partial | DocStatus::Blank)
    }

    /// The status as written in the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            DocStatus::Ok => "ok",
            DocStatus::Partial => "partial",
            DocStatus::Blank => "blank",
            DocStatus::Unrecognised => "unrecognised",
            DocStatus::UnsupportedFormat => "unsupported_format",
            DocStatus::Encrypted => "encrypted",
            DocStatus::Corrupt => "corrupt",
            DocStatus::TooLarge => "too_large",
            DocStatus::Timeout => "timeout",
            DocStatus::NeedsOcr => "needs_ocr",
            DocStatus::Unreadable => "unreadable",
            DocStatus::Failed => "failed",
            DocStatus::SkippedUnchanged => "skipped_unchanged",
        }
    }
}

impl From<FailureKind> for DocStatus {
    fn from(k: FailureKind) -> Self {
        match k {
            FailureKind::UnsupportedFormat => DocStatus::UnsupportedFormat,
            FailureKind::Encrypted => DocStatus::Encrypted,
            FailureKind::Corrupt => DocStatus::Corrupt,
            FailureKind::TooLarge => DocStatus::TooLarge,
            FailureKind::Timeout => DocStatus::Timeout,
            FailureKind::NeedsOcr => DocStatus::NeedsOcr,
        }
    }
}

impl From<RecordStatus> for DocStatus {
    fn from(s: RecordStatus) -> Self {
        match s {
            RecordStatus::Ok => DocStatus::Ok,
            RecordStatus::Partial => DocStatus::Partial,
            RecordStatus::Blank => DocStatus::Blank,
        }
    }
}

/// One input file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestRow {
    /// Path relative to the input folder.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// blake3 of the content (absent when the file was not read).
    pub blake3: Option<String>,
    /// Format sniffed from the bytes.
    pub format: Option<String>,
    /// The mapping used.
    pub mapping: Option<String>,
    /// What happened.
    pub status: DocStatus,
    /// Why, for anything but ok.
    pub reason: Option<String>,
    /// Time taken, in milliseconds (the only field that differs between identical runs).
    pub elapsed_ms: u64,
    /// For `skipped_unchanged` rows: the status the document had when it was last processed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_status: Option<DocStatus>,
    /// The file name's raw bytes in hex, when they are not UTF-8 (`path` then shows it lossily, with U+FFFD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_bytes_hex: Option<String>,
    /// With a reference form, when the document's printed text differs from it: how many changes, and how many
    /// fields were re-anchored or lost (the record says which).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed_form: Option<String>,
}

/// The columns of `manifest.csv`: the row's fields in [`ManifestRow`] order, `previous_status` beside `status`.
pub const CSV_HEADER: [&str; 11] = [
    "path",
    "size",
    "blake3",
    "format",
    "mapping",
    "status",
    "previous_status",
    "reason",
    "elapsed_ms",
    "path_bytes_hex",
    "changed_form",
];

impl ManifestRow {
    /// The row as `manifest.csv` has it ([`CSV_HEADER`]; absent values empty). The writer neutralises each cell.
    pub fn csv_fields(&self) -> [String; 11] {
        let text = |s: &Option<String>| s.clone().unwrap_or_default();
        [
            self.path.clone(),
            self.size.to_string(),
            text(&self.blake3),
            text(&self.format),
            text(&self.mapping),
            self.status.as_str().to_string(),
            self.previous_status
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            text(&self.reason),
            self.elapsed_ms.to_string(),
            text(&self.path_bytes_hex),
            text(&self.changed_form),
        ]
    }

    /// A row for an input, before anything is known about it.
    pub fn new(path: String, path_bytes_hex: Option<String>) -> ManifestRow {
        ManifestRow {
            path,
            size: 0,
            blake3: None,
            format: None,
            mapping: None,
            status: DocStatus::Unreadable,
            reason: None,
            elapsed_ms: 0,
            previous_status: None,
            path_bytes_hex,
            changed_form: None,
        }
    }

    /// What the document is: its status, or for a skipped document, the status it had before.
    pub fn effective_status(&self) -> DocStatus {
        match (self.status, self.previous_status) {
            (DocStatus::SkippedUnchanged, Some(prev)) => prev,
            (status, _) => status,
        }
    }

    /// True when the document has a record (harmonised now, or harmonised before and carried forward).
    pub fn is_harmonised(&self) -> bool {
        self.effective_status().is_harmonised()
    }
}

/// One file of the output set the manifest belongs with: a reader checks the set is whole by comparing each
/// file's size and blake3 with these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputFile {
    /// Its name in the output folder.
    pub file: String,
    /// Size in bytes.
    pub size: u64,
    /// blake3 of its content.
    pub blake3: String,
    /// The run (or `harmonise report`) that wrote it; the reports carry it inside too. A file a later run left in
    /// place because nothing it is made from changed keeps the id of the run that wrote it.
    pub run_id: String,
}

/// The manifest file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// harmonise's version.
    pub harmonise_version: String,
    /// The id of the run (or `harmonise report`) that wrote this manifest.
    #[serde(default)]
    pub run_id: String,
    /// The id of an earlier run whose interrupted commit this one completed before it started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repaired_commit: Option<String>,
    /// The input folder of the run, as an absolute path (so `harmonise report` can say it too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_folder: Option<String>,
    /// Number of input files (always equal to `files.len()`).
    pub inputs: usize,
    /// Count per status (`skipped_unchanged` counted as such).
    pub counts: BTreeMap<DocStatus, usize>,
    /// Count per effective status: skipped documents counted by what they were before (see
    /// [`ManifestRow::effective_status`]).
    pub outcome_counts: BTreeMap<DocStatus, usize>,
    /// The other files of the set, in commit order: `records.jsonl`, `records.csv`, `records.shareable.csv`
    /// (with `--shareable`) and the reports.
    #[serde(default)]
    pub outputs: Vec<OutputFile>,
    /// Every input, sorted by path.
    pub files: Vec<ManifestRow>,
}

impl Manifest {
    /// Builds the manifest from rows already in path order.
    pub fn new(files: Vec<ManifestRow>) -> Manifest {
        let mut counts = BTreeMap::new();
        let mut outcome_counts = BTreeMap::new();
        for f in &files {
            *counts.entry(f.status).or_insert(0) += 1;
            *outcome_counts.entry(f.effective_status()).or_insert(0) += 1;
        }
        Manifest {
            harmonise_version: env!("CARGO_PKG_VERSION").to_string(),
            run_id: String::new(),
            repaired_commit: None,
            input_folder: None,
            inputs: files.len(),
            counts,
            outcome_counts,
            outputs: Vec::new(),
            files,
        }
    }

    /// The most frequent reasons of documents that were not harmonised (effective status), most frequent first,
    /// ties by reason text: at most `n`.
    pub fn top_failure_reasons(&self, n: usize) -> Vec<(String, usize)> {
        let mut by_reason: BTreeMap<&str, usize> = BTreeMap::new();
        for f in self.files.iter().filter(|f| !f.is_harmonised()) {
            let reason = f.reason.as_deref().unwrap_or("no reason given");
            *by_reason.entry(reason).or_insert(0) += 1;
        }
        let mut all: Vec<(String, usize)> = by_reason
            .into_iter()
            .map(|(r, c)| (r.to_string(), c))
            .collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        all.truncate(n);
        all
    }
}

/// A manifest's totals, kept while its rows stream to disk ([`crate::output::ManifestWriter`]): memory does not
/// grow with the number of documents (only with the number of distinct failure reasons).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    /// Number of rows.
    pub inputs: usize,
    /// Count per status.
    pub counts: BTreeMap<DocStatus, usize>,
    /// Count per effective status.
    pub outcome_counts: BTreeMap<DocStatus, usize>,
    /// Skipped documents by what they were.
    pub skipped_as: BTreeMap<DocStatus, usize>,
    /// Documents not harmonised (effective status), by reason.
    pub failure_reasons: BTreeMap<String, usize>,
    /// Rows whose document is not harmonised.
    pub not_harmonised: usize,
}

impl Totals {
    /// Counts one row in.
    pub fn add(&mut self, row: &ManifestRow) {
        self.inputs += 1;
        *self.counts.entry(row.status).or_insert(0) += 1;
        *self
            .outcome_counts
            .entry(row.effective_status())
            .or_insert(0) += 1;
        if row.status == DocStatus::SkippedUnchanged {
            *self.skipped_as.entry(row.effective_status()).or_insert(0) += 1;
        }
        if !row.is_harmonised() {
            self.not_harmonised += 1;
            let reason = row.reason.as_deref().unwrap_or("no reason given");
            match self.failure_reasons.get_mut(reason) {
                Some(n) => *n += 1,
                None => {
                    self.failure_reasons.insert(reason.to_string(), 1);
                }
            }
        }
    }

    /// The most frequent failure reasons, most frequent first, ties by reason text: at most `n`.
    pub fn top_failure_reasons(&self, n: usize) -> Vec<(String, usize)> {
        let mut all: Vec<(String, usize)> = self
            .failure_reasons
            .iter()
            .map(|(r, c)| (r.clone(), *c))
            .collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        all.truncate(n);
        all
    }

    /// The manifest's head (everything but `files`; the run's id and outputs are left to the caller).
    pub fn head(&self) -> Manifest {
        Manifest {
            harmonise_version: env!("CARGO_PKG_VERSION").to_string(),
            run_id: String::new(),
            repaired_commit: None,
            input_folder: None,
            inputs: self.inputs,
            counts: self.counts.clone(),
            outcome_counts: self.outcome_counts.clone(),
            outputs: Vec::new(),
            files: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        path: &str,
        status: DocStatus,
        prev: Option<DocStatus>,
        reason: Option<&str>,
    ) -> ManifestRow {
        ManifestRow {
            status,
            previous_status: prev,
            reason: reason.map(str::to_string),
            ..ManifestRow::new(path.into(), None)
        }
    }

    #[test]
    fn skipped_rows_count_as_what_they_were() {
        let m = Manifest::new(vec![
            row("a", DocStatus::SkippedUnchanged, Some(DocStatus::Ok), None),
            row(
                "b",
                DocStatus::SkippedUnchanged,
                Some(DocStatus::Unrecognised),
                Some("no match"),
            ),
            row("c", DocStatus::Corrupt, None, Some("damaged zip")),
            row("d", DocStatus::Corrupt, None, Some("damaged zip")),
        ]);
        assert!(m.files[0].is_harmonised());
        assert!(!m.files[1].is_harmonised());
        assert_eq!(m.counts[&DocStatus::SkippedUnchanged], 2);
        assert_eq!(m.outcome_counts[&DocStatus::Ok], 1);
        assert_eq!(m.outcome_counts[&DocStatus::Unrecognised], 1);
        assert_eq!(
            m.top_failure_reasons(5),
            vec![("damaged zip".to_string(), 2), ("no match".to_string(), 1)]
        );
        let json = serde_json::to_string(&m.files[0]).unwrap();
        assert!(json.contains(r#""status":"skipped_unchanged","#), "{json}");
        assert!(json.contains(r#""previous_status":"ok""#), "{json}");
    }
}
