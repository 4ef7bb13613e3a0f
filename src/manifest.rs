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
    /// An internal error (a bug) while processing this document; the rest of the run went on.
    Failed,
}

impl DocStatus {
    /// True when the document produced a record.
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
}

/// The manifest file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// harmonise's version.
    pub harmonise_version: String,
    /// Number of input files (always equal to `files.len()`).
    pub inputs: usize,
    /// Count per status.
    pub counts: BTreeMap<DocStatus, usize>,
    /// Every input, sorted by path.
    pub files: Vec<ManifestRow>,
}

impl Manifest {
    /// Builds the manifest from rows already in path order.
    pub fn new(files: Vec<ManifestRow>) -> Manifest {
        let mut counts = BTreeMap::new();
        for f in &files {
            *counts.entry(f.status).or_insert(0) += 1;
        }
        Manifest {
            harmonise_version: env!("CARGO_PKG_VERSION").to_string(),
            inputs: files.len(),
            counts,
            files,
        }
    }
}
