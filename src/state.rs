//! Incremental runs: the state file `OUT/.harmonise-state.json` remembers, per input, what the last run saw and
//! decided, so that the next run skips documents that have not changed and carries their records forward.
//!
//! **What makes a document unchanged.** Its path, size and modification time equal the state's (then not one
//! byte of it is read), or, when those differ, its blake3 equals the state's. **And** what decided its outcome is
//! unchanged: the whole state is dropped (a full run) when the harmonise build, the national template's
//! fingerprint or the limits differ, or when `records.jsonl` is not the file the state describes (a run killed
//! between two renames). Per document: one that a mapping recognised is redone when that mapping's fingerprint
//! changed or the mapping is gone; one that no mapping recognised is redone when any mapping changed, appeared or
//! went; `timeout`, `failed` and `unreadable` documents are always retried.
//!
//! A skipped document's record is read back from the previous `records.jsonl` at the byte offset the state
//! recorded ([`Carrier`]), one line at a time, in input order, so carrying forward costs no more memory than
//! writing. This module owns the file format and the decisions; [`crate::pipeline`] applies them.

use std::collections::BTreeMap;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use crate::manifest::{DocStatus, ManifestRow};
use crate::mapping::MappingSet;
use crate::output::{RecordSpan, Spans};
use crate::read::Limits;
use crate::record::Record;
use crate::record::SourceKey;

/// The state file's name in the output folder.
pub const STATE_FILE: &str = ".harmonise-state.json";

/// Bumped when the state file's shape changes; an older state means a full run.
const STATE_FORMAT: u32 = 2;

/// A file's size and modification time: the cheap "has it changed?" test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    /// Size in bytes.
    pub size: u64,
    /// Modification time: seconds since the Unix epoch.
    pub mtime_s: u64,
    /// Modification time: nanoseconds within the second.
    pub mtime_ns: u32,
}

impl Stamp {
    /// The stamp of a file's metadata; `None` when the platform gives no usable modification time.
    pub fn of(meta: &std::fs::Metadata) -> Option<Stamp> {
        let since = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
        Some(Stamp {
            size: meta.len(),
            mtime_s: since.as_secs(),
            mtime_ns: since.subsec_nanos(),
        })
    }
}

/// What the state remembers of one input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Path relative to the input folder (lossy when not UTF-8).
    pub path: String,
    /// The path's bytes in hex, when not UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_bytes_hex: Option<String>,
    /// Size and modification time when last processed.
    pub stamp: Option<Stamp>,
    /// Content hash.
    pub blake3: Option<String>,
    /// Sniffed format.
    pub format: Option<String>,
    /// The mapping that recognised it.
    pub mapping: Option<String>,
    /// That mapping's fingerprint then.
    pub mapping_fingerprint: Option<String>,
    /// What it was (never `skipped_unchanged`: a skipped document keeps the status it had).
    pub status: DocStatus,
    /// Why.
    pub reason: Option<String>,
    /// Where its record lies in `records.jsonl`, if it has one.
    pub record: Option<RecordSpan>,
    /// Where its row lies in `records.csv` (with the terminator), if it has one: carried forward as bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csv: Option<RecordSpan>,
    /// Source fields no rule consumed (keys and content digests), carried forward with the record so the drift
    /// audit of an incremental run sees skipped documents too. The file is as private as records.jsonl.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unconsumed: Vec<SourceKey>,
}

/// The whole state file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct State {
    /// [`STATE_FORMAT`].
    pub format: u32,
    /// The build that wrote it (version and executable stamp): a new build means a full run.
    pub engine: String,
    /// blake3 of the national template file.
    pub template_fingerprint: String,
    /// The limits in force (they decide `too_large` and `timeout`).
    pub limits: String,
    /// Every mapping's id and fingerprint.
    pub mappings: BTreeMap<String, String>,
    /// The stamp of the `records.jsonl` written with this state.
    pub records: Option<Stamp>,
    /// Every input, in input order.
    pub files: Vec<Entry>,
}

/// Identifies the running build without reading it: the version and the executable's size and modification time.
pub fn engine() -> String {
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| std::fs::metadata(p).ok())
        .and_then(|m| Stamp::of(&m));
    match exe {
        Some(s) => format!(
            "{} {}:{}.{}",
            env!("CARGO_PKG_VERSION"),
            s.size,
            s.mtime_s,
            s.mtime_ns
        ),
        None => env!("CARGO_PKG_VERSION").to_string(),
    }
}

/// The fingerprints a state must agree with to be used.
#[derive(Debug, Clone)]
pub struct Context {
    engine: String,
    template_fingerprint: String,
    limits: String,
    mappings: BTreeMap<String, String>,
}

impl Context {
    /// The context of this run.
    pub fn new(set: &MappingSet, limits: &Limits) -> Context {
        Context {
            engine: engine(),
            template_fingerprint: set.template_fingerprint.clone(),
            limits: format!("{limits:?}"),
            mappings: set
                .mappings
                .iter()
                .map(|m| (m.id.clone(), m.fingerprint.clone()))
                .collect(),
        }
    }

    /// A state for this run, to be filled with entries.
    pub fn state(&self, records: Option<Stamp>, files: Vec<Entry>) -> State {
        State {
            format: STATE_FORMAT,
            engine: self.engine.clone(),
            template_fingerprint: self.template_fingerprint.clone(),
            limits: self.limits.clone(),
            mappings: self.mappings.clone(),
            records,
            files,
        }
    }

    /// The current fingerprint of a mapping.
    pub fn mapping_fingerprint(&self, id: &str) -> Option<&String> {
        self.mappings.get(id)
    }
}

/// The previous run's state, checked against this run: the entries that may be skipped.
#[derive(Debug)]
pub struct Prior {
    /// Sorted by (path, path_bytes_hex), as inputs are.
    entries: Vec<Entry>,
    mappings_unchanged: bool,
    current_mappings: BTreeMap<String, String>,
}

impl Prior {
    /// Loads the state of `out` and checks it against this run. `Err` says why the run must be a full one.
    pub fn load(out: &Path, ctx: &Context) -> Result<Prior, String> {
        let path = out.join(STATE_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err("no previous state".into());
            }
            Err(e) => return Err(format!("cannot read {}: {}", path.display(), e.kind())),
        };
        let state: State = serde_json::from_str(&text)
            .map_err(|e| format!("cannot parse {}: {e}", path.display()))?;
        if state.format != STATE_FORMAT {
            return Err(format!(
                "state format {} is not {STATE_FORMAT}",
                state.format
            ));
        }
        if state.engine != ctx.engine {
            return Err("harmonise itself changed since the previous run".into());
        }
        if state.template_fingerprint != ctx.template_fingerprint {
            return Err("the national template changed".into());
        }
        if state.limits != ctx.limits {
            return Err("the limits changed".into());
        }
        let records_now = std::fs::metadata(out.join("records.jsonl"))
            .ok()
            .and_then(|m| Stamp::of(&m));
        if records_now != state.records {
            return Err("records.jsonl is not the one the previous state describes".into());
        }
        let mut entries = state.files;
        if !entries.is_sorted_by(|a, b| key(a) <= key(b)) {
            entries.sort_by(|a, b| key(a).cmp(&key(b)));
        }
        Ok(Prior {
            mappings_unchanged: state.mappings == ctx.mappings,
            current_mappings: ctx.mappings.clone(),
            entries,
        })
    }

    /// The previous entry of an input, when its outcome could still stand if its content is unchanged.
    pub fn candidate(&self, rel: &str, path_bytes_hex: Option<&str>) -> Option<&Entry> {
        let entry = self
            .entries
            .binary_search_by(|e| key(e).cmp(&(rel, path_bytes_hex)))
            .ok()
            .and_then(|i| self.entries.get(i))?;
        let stands = match entry.status {
            DocStatus::Timeout
            | DocStatus::Failed
            | DocStatus::Unreadable
            | DocStatus::SkippedUnchanged => false,
            DocStatus::Unrecognised => self.mappings_unchanged,
            s if s.is_harmonised() => {
                entry.record.is_some()
                    && match (&entry.mapping, &entry.mapping_fingerprint) {
                        (Some(id), Some(fp)) => self.current_mappings.get(id) == Some(fp),
                        _ => false,
                    }
            }
            _ => true,
        };
        stands.then_some(entry)
    }
}

fn key(e: &Entry) -> (&str, Option<&str>) {
    (e.path.as_str(), e.path_bytes_hex.as_deref())
}

/// The new state's entry for a document just processed (or carried).
pub fn entry(
    row: &ManifestRow,
    stamp: Option<Stamp>,
    spans: Option<Spans>,
    unconsumed: Vec<SourceKey>,
    ctx: &Context,
) -> Entry {
    Entry {
        path: row.path.clone(),
        path_bytes_hex: row.path_bytes_hex.clone(),
        stamp,
        blake3: row.blake3.clone(),
        format: row.format.clone(),
        mapping: row.mapping.clone(),
        mapping_fingerprint: row
            .mapping
            .as_deref()
            .and_then(|id| ctx.mapping_fingerprint(id))
            .cloned(),
        status: row.effective_status(),
        reason: row.reason.clone(),
        record: spans.map(|s| s.jsonl),
        csv: spans.map(|s| s.csv),
        unconsumed,
    }
}

/// The manifest row of a skipped document.
pub fn skipped_row(entry: &Entry, stamp: Option<Stamp>) -> ManifestRow {
    ManifestRow {
        path: entry.path.clone(),
        size: stamp.map_or(0, |s| s.size),
        blake3: entry.blake3.clone(),
        format: entry.format.clone(),
        mapping: entry.mapping.clone(),
        status: DocStatus::SkippedUnchanged,
        reason: entry.reason.clone(),
        elapsed_ms: 0,
        previous_status: Some(entry.status),
        path_bytes_hex: entry.path_bytes_hex.clone(),
    }
}

/// Reads records back from the previous `records.jsonl` (and their rows from `records.csv`) by offset. It holds
/// the file open from the start of the run, so it reads the previous file even after the new one has been renamed
/// over it.
pub struct Carrier {
    reader: Option<BufReader<std::fs::File>>,
    pos: u64,
    path: PathBuf,
}

impl Carrier {
    /// Opens the previous records of `out`, if there are any.
    pub fn open(out: &Path) -> Carrier {
        Carrier::open_file(&out.join("records.jsonl"))
    }

    /// Opens a previous output file, if it exists.
    pub fn open_file(path: &Path) -> Carrier {
        Carrier {
            reader: std::fs::File::open(path).ok().map(BufReader::new),
            pos: 0,
            path: path.to_path_buf(),
        }
    }

    /// The bytes at `span`; `Err` says why they cannot be read.
    pub fn bytes(&mut self, span: RecordSpan) -> Result<Vec<u8>, String> {
        let reader = self
            .reader
            .as_mut()
            .ok_or_else(|| format!("{} is missing", self.path.display()))?;
        let io = |e: std::io::Error| format!("reading {}: {}", self.path.display(), e.kind());
        match span.offset.checked_sub(self.pos) {
            Some(ahead) => reader
                .seek_relative(i64::try_from(ahead).map_err(|e| e.to_string())?)
                .map_err(io)?,
            None => {
                reader.seek(SeekFrom::Start(span.offset)).map_err(io)?;
            }
        }
        let len = usize::try_from(span.len).map_err(|e| e.to_string())?;
        let mut line = vec![0; len];
        reader.read_exact(&mut line).map_err(io)?;
        self.pos = span.offset.saturating_add(span.len);
        Ok(line)
    }

    /// The record at `span`, which must be that of `file`; `Err` says why it cannot be carried forward.
    pub fn read(&mut self, span: RecordSpan, file: &str) -> Result<Record, String> {
        let line = self.bytes(span)?;
        let record: Record = serde_json::from_slice(&line)
            .map_err(|e| format!("a damaged line in {}: {e}", self.path.display()))?;
        if record.file != file {
            return Err(format!(
                "{} holds another document at that offset",
                self.path.display()
            ));
        }
        Ok(record)
    }

    /// The file this carrier reads.
    pub fn path(&self) -> &Path {
        &self.path
    }
}
