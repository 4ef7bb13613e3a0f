//! Incremental runs: the state file `OUT/.harmonise-state` remembers, per input, what the last run saw and
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
//! A skipped document's record stays where it is when nothing before it changed (the previous `records.jsonl`
//! is kept as it is, see [`crate::output::RecordWriter`]), or is read back from the previous `records.jsonl` at
//! the byte offset the state recorded ([`Carrier`]), one line at a time, in input order, so carrying forward costs
//! no more memory than writing. This module owns the file format and the decisions; [`crate::pipeline`] applies
//! them.
//!
//! **Format.** The state is binary ([postcard](https://docs.rs/postcard)): a [`Head`] then every [`Entry`]. It is
//! read whole at the start of every run and written whole at its end, so its cost is paid on every document even
//! when nothing changed; JSON made that the largest part of an unchanged re-run. The file is private (0600) and
//! only harmonise reads it; `--full` ignores its outcomes (it is still read for the pipeline's check that a run does
//! not drop most of the previous run's documents, [`Loaded::documents`]).

use std::collections::BTreeMap;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use crate::audit::changes::{Baseline, PreviousDoc};
use crate::manifest::{DocStatus, ManifestRow, OutputFile};
use crate::mapping::MappingSet;
use crate::output::{RecordSpan, Spans, Spill, Staged, WriteError};
use crate::read::Limits;
use crate::record::SourceKey;

/// The state file's name in the output folder.
pub const STATE_FILE: &str = ".harmonise-state";

/// Where builds before state format 3 kept a JSON state; removed by the next run.
pub const LEGACY_STATE_FILE: &str = ".harmonise-state.json";

/// Bumped when the state file's shape changes; an older state means a full run.
const STATE_FORMAT: u32 = 4;

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
    pub path_bytes_hex: Option<String>,
    /// Size and modification time when last processed.
    pub stamp: Option<Stamp>,
    /// Content hash.
    pub blake3: Option<String>,
    /// Sniffed format.
    pub format: Option<String>,
    /// The mapping that recognised it (whose fingerprint then is the head's).
    pub mapping: Option<String>,
    /// What it was (never `skipped_unchanged`: a skipped document keeps the status it had).
    pub status: DocStatus,
    /// Why.
    pub reason: Option<String>,
    /// Where its record lies in `records.jsonl`, if it has one.
    pub record: Option<RecordSpan>,
    /// Where its row lies in `records.csv` (with the terminator), if it has one: carried forward as bytes.
    pub csv: Option<RecordSpan>,
    /// Source fields no rule consumed (keys and content digests), carried forward with the record so the drift
    /// audit of an incremental run sees skipped documents too. The file is as private as records.jsonl.
    pub unconsumed: Unconsumed,
    /// Where the entry's own bytes lay in the state it was read from (not stored).
    #[serde(skip)]
    pub encoded: std::ops::Range<usize>,
}

/// A document's unconsumed source keys as the state stores them: postcard-encoded, decoded only when the audit
/// reads them. A run mostly copies them forward unread, and one allocation a document beats one per key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unconsumed(#[serde(with = "serde_bytes")] Vec<u8>);

impl Unconsumed {
    /// Encodes the keys.
    pub fn encode(keys: &[SourceKey]) -> Unconsumed {
        if keys.is_empty() {
            return Unconsumed::default();
        }
        // Encoding strings and integers into a Vec cannot fail.
        Unconsumed(postcard::to_stdvec(keys).unwrap_or_default())
    }

    /// The keys; `Err` when the bytes are not what [`Unconsumed::encode`] wrote.
    pub fn decode(&self) -> Result<Vec<SourceKey>, String> {
        if self.0.is_empty() {
            return Ok(Vec::new());
        }
        postcard::from_bytes(&self.0).map_err(|e| format!("unconsumed keys in the state: {e}"))
    }
}

/// What the state says besides its entries: what decided the outcomes, and which outputs it describes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Head {
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
    /// The stamp of the `records.csv` written with this state.
    pub records_csv: Option<Stamp>,
    /// The report files written from those records (name and stamp): kept as they are by a run that changes
    /// nothing they are derived from.
    pub reports: Vec<(String, Stamp)>,
    /// The output set these describe, as the manifest lists it (sizes, hashes, the run that wrote each): a run
    /// that leaves a file in place lists it from here without reading it.
    pub outputs: Vec<OutputFile>,
}

impl Entry {
    /// Where its record lies in the previous `records.jsonl` and `records.csv`, if it has one.
    pub fn spans(&self) -> Option<Spans> {
        Some(Spans {
            jsonl: self.record?,
            csv: self.csv?,
        })
    }
}

/// The whole state file: its head, then every input in input order (the postcard layout [`StateWriter`] streams).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct State {
    /// What decided the outcomes.
    pub head: Head,
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
                .chain(
                    set.senco_time
                        .iter()
                        .map(|m| ("(senco-time)".to_string(), m.fingerprint.clone())),
                )
                .collect(),
        }
    }

    /// Adds an input of the reports that no document depends on (the volumes file), by its digest: when it
    /// changes, the reports are written again (and unrecognised documents retried, as for a changed mapping).
    /// The SENCo-time model of the set is one already.
    pub fn with_report_input(mut self, name: &str, fingerprint: Option<&str>) -> Context {
        if let Some(fp) = fingerprint {
            self.mappings.insert(name.to_string(), fp.to_string());
        }
        self
    }

    /// The head of this run's state, describing the outputs it wrote (or kept).
    pub fn head(&self, outputs: Described) -> Head {
        Head {
            format: STATE_FORMAT,
            engine: self.engine.clone(),
            template_fingerprint: self.template_fingerprint.clone(),
            limits: self.limits.clone(),
            mappings: self.mappings.clone(),
            records: outputs.records,
            records_csv: outputs.records_csv,
            reports: outputs.reports,
            outputs: outputs.outputs,
        }
    }
}

/// The outputs a state describes: their stamps when the state was written.
#[derive(Debug, Clone, Default)]
pub struct Described {
    /// `records.jsonl`.
    pub records: Option<Stamp>,
    /// `records.csv`.
    pub records_csv: Option<Stamp>,
    /// The reports, by file name.
    pub reports: Vec<(String, Stamp)>,
    /// The output set, as the manifest lists it.
    pub outputs: Vec<OutputFile>,
}

/// The stamp of `out/name` now, if it exists.
pub fn stamp_of(out: &Path, name: &str) -> Option<Stamp> {
    std::fs::metadata(out.join(name))
        .ok()
        .and_then(|m| Stamp::of(&m))
}

/// The previous run's state, checked against this run: the entries that may be skipped.
#[derive(Debug)]
pub struct Prior {
    /// Sorted by (path, path_bytes_hex), as inputs are.
    entries: Vec<Entry>,
    mappings_unchanged: bool,
    /// The ids of the mappings whose fingerprint is the same in the previous state and in this run.
    unchanged_mappings: std::collections::BTreeSet<String>,
    /// The state file as read: what [`Entry::encoded`] ranges point into.
    bytes: Vec<u8>,
    head: Head,
    reports_intact: bool,
}

/// A state file as read, before it is checked against this run: what the previous run saw, whether or not its
/// outcomes can stand.
#[derive(Debug)]
pub struct Loaded {
    head: Head,
    entries: Vec<Entry>,
    bytes: Vec<u8>,
}

impl Loaded {
    /// Reads and parses the state of `out`. `Err` says why there is none to use.
    pub fn read(out: &Path) -> Result<Loaded, String> {
        let path = out.join(STATE_FILE);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err("no previous state".into());
            }
            Err(e) => return Err(format!("cannot read {}: {}", path.display(), e.kind())),
        };
        // The format first (the head's first field): an older format must say so, not fail to parse as this one.
        let damaged = |e: postcard::Error| format!("cannot parse {}: {e}", path.display());
        let (format, _): (u32, _) = postcard::take_from_bytes(&bytes).map_err(damaged)?;
        if format != STATE_FORMAT {
            return Err(format!("state format {format} is not {STATE_FORMAT}"));
        }
        let (head, rest): (Head, _) = postcard::take_from_bytes(&bytes).map_err(damaged)?;
        // The entries one by one, each with where its bytes lie: an entry a run leaves as it was is written back
        // as those bytes.
        let (count, mut rest): (usize, _) = postcard::take_from_bytes(rest).map_err(damaged)?;
        let mut entries = Vec::with_capacity(count.min(bytes.len()));
        for _ in 0..count {
            let start = bytes.len() - rest.len();
            let (mut entry, after): (Entry, _) =
                postcard::take_from_bytes(rest).map_err(damaged)?;
            entry.encoded = start..bytes.len() - after.len();
            entries.push(entry);
            rest = after;
        }
        if !rest.is_empty() {
            return Err(format!(
                "cannot parse {}: bytes after the last entry",
                path.display()
            ));
        }
        if !entries.is_sorted_by(|a, b| key(a) <= key(b)) {
            entries.sort_by(|a, b| key(a).cmp(&key(b)));
        }
        Ok(Loaded {
            head,
            entries,
            bytes,
        })
    }

    /// The inputs the previous run accounted for, as (path, path_bytes_hex), sorted as inputs are.
    pub fn documents(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.entries.iter().map(key)
    }

    /// How many inputs the previous run accounted for.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the previous run had no input.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// What the previous run saw of each document, for the reports' changes since then.
    pub fn baseline(&self) -> Baseline {
        Baseline::new(
            self.entries
                .iter()
                .map(|e| PreviousDoc {
                    path: e.path.clone(),
                    path_bytes_hex: e.path_bytes_hex.clone(),
                    blake3: e.blake3.clone(),
                    status: e.status,
                })
                .collect(),
        )
    }
}

impl Prior {
    /// Loads the state of `out` and checks it against this run. `Err` says why the run must be a full one.
    pub fn load(out: &Path, ctx: &Context) -> Result<Prior, String> {
        Prior::check(Loaded::read(out)?, out, ctx)
    }

    /// Checks a state read from `out` against this run. `Err` says why the run must be a full one.
    pub fn check(loaded: Loaded, out: &Path, ctx: &Context) -> Result<Prior, String> {
        let Loaded {
            head,
            entries,
            bytes,
        } = loaded;
        if head.engine != ctx.engine {
            return Err("harmonise itself changed since the previous run".into());
        }
        if head.template_fingerprint != ctx.template_fingerprint {
            return Err("the national template changed".into());
        }
        if head.limits != ctx.limits {
            return Err("the limits changed".into());
        }
        if stamp_of(out, "records.jsonl") != head.records {
            return Err("records.jsonl is not the one the previous state describes".into());
        }
        if stamp_of(out, "records.csv") != head.records_csv {
            return Err("records.csv is not the one the previous state describes".into());
        }
        let reports_intact = !head.reports.is_empty()
            && head
                .reports
                .iter()
                .all(|(name, stamp)| stamp_of(out, name) == Some(*stamp));
        let unchanged_mappings = head
            .mappings
            .iter()
            .filter(|(id, fp)| ctx.mappings.get(*id) == Some(fp))
            .map(|(id, _)| id.clone())
            .collect();
        Ok(Prior {
            mappings_unchanged: head.mappings == ctx.mappings,
            unchanged_mappings,
            bytes,
            head,
            reports_intact,
            entries,
        })
    }

    /// How many inputs the previous run accounted for.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the previous run had no input.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The output set the previous state describes, as the manifest lists it.
    pub fn outputs(&self) -> &[OutputFile] {
        &self.head.outputs
    }

    /// The previous reports, when they still stand for records that did not change: every mapping is as it was
    /// (a mapping added or changed changes the coverage tables even with no document of its form) and the report
    /// files are those the state describes.
    pub fn reusable_reports(&self) -> Option<&[(String, Stamp)]> {
        (self.mappings_unchanged && self.reports_intact).then_some(&self.head.reports)
    }

    /// The bytes `entry` (one of this state's) was read from: written back as they are when nothing in it changed.
    pub fn encoded(&self, entry: &Entry) -> Option<&[u8]> {
        self.bytes
            .get(entry.encoded.clone())
            .filter(|b| !b.is_empty())
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
                    && entry
                        .mapping
                        .as_ref()
                        .is_some_and(|id| self.unchanged_mappings.contains(id))
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
    unconsumed: Unconsumed,
) -> Entry {
    Entry {
        path: row.path.clone(),
        path_bytes_hex: row.path_bytes_hex.clone(),
        stamp,
        blake3: row.blake3.clone(),
        format: row.format.clone(),
        mapping: row.mapping.clone(),
        status: row.effective_status(),
        reason: row.reason.clone(),
        record: spans.map(|s| s.jsonl),
        csv: spans.map(|s| s.csv),
        unconsumed,
        encoded: 0..0,
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
        // Its carried-forward record keeps what changed; the row of a skipped document does not repeat it.
        changed_form: None,
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

    /// The file this carrier reads.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Streams a state file: entries go to a temporary file as documents finish (memory stays flat whatever the
/// corpus size), and [`StateWriter::finish_into`] writes the head, the count and the entries: exactly the postcard
/// encoding of [`State`].
pub struct StateWriter {
    spill: Spill,
    count: usize,
    buf: Vec<u8>,
    /// True while every entry came as a previous state's bytes ([`StateWriter::push_encoded`]).
    all_encoded: bool,
}

impl StateWriter {
    /// Starts a state in the output folder `out`.
    pub fn create(out: &Path) -> Result<StateWriter, WriteError> {
        Ok(StateWriter {
            spill: Spill::create(out)?,
            count: 0,
            buf: Vec::new(),
            all_encoded: true,
        })
    }

    /// Appends one entry.
    pub fn push(&mut self, entry: &Entry) -> Result<(), WriteError> {
        self.all_encoded = false;
        self.buf.clear();
        postcard::to_io(entry, &mut self.buf).map_err(|e| self.spill.error(encoding(e)))?;
        self.spill.write_all(&self.buf)?;
        self.count += 1;
        Ok(())
    }

    /// Appends one entry as the bytes a previous state held for it ([`Prior::encoded`]).
    pub fn push_encoded(&mut self, entry: &[u8]) -> Result<(), WriteError> {
        self.spill.write_all(entry)?;
        self.count += 1;
        Ok(())
    }

    /// True when the state written would be `prior`'s byte for byte: the same head, and every one of its entries
    /// (taken in input order, which is the state's) written back as it was. The file can then stay as it is.
    pub fn repeats(&self, prior: &Prior, head: &Head) -> bool {
        self.all_encoded && self.count == prior.entries.len() && *head == prior.head
    }

    /// Writes `dest`: `head`, then the entries; staged for [`crate::output::commit_all`].
    pub fn finish_into(self, dest: &Path, head: &Head) -> Result<Staged, WriteError> {
        let mut prefix =
            postcard::to_stdvec(head).map_err(|e| WriteError::new("writing", dest, encoding(e)))?;
        // A sequence's length is a varint usize, as is a usize.
        postcard::to_io(&self.count, &mut prefix)
            .map_err(|e| WriteError::new("writing", dest, encoding(e)))?;
        self.spill.finish_into(dest, &prefix, &[])
    }
}

fn encoding(e: postcard::Error) -> std::io::Error {
    std::io::Error::other(format!("encoding the state: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::commit_all;

    fn entry(path: &str, offset: u64) -> Entry {
        Entry {
            path: path.into(),
            path_bytes_hex: None,
            stamp: Some(Stamp {
                size: 10,
                mtime_s: 1,
                mtime_ns: 2,
            }),
            blake3: Some("ab".into()),
            format: Some("xlsx".into()),
            mapping: Some("951-northmoor".into()),
            status: DocStatus::Ok,
            reason: None,
            record: Some(RecordSpan { offset, len: 5 }),
            csv: Some(RecordSpan { offset, len: 3 }),
            unconsumed: Unconsumed::encode(&[SourceKey {
                key: format!("{path}!B2"),
                digest: 7,
            }]),
            encoded: 0..0,
        }
    }

    #[test]
    fn a_streamed_state_reads_back_entry_by_entry_and_writes_back_byte_for_byte() {
        let set = MappingSet::load(Path::new("mappings")).unwrap();
        let ctx = Context::new(&set, &Limits::default());
        let dir = tempfile::tempdir().unwrap();
        let entries = vec![entry("a.xlsx", 0), entry("b.xlsx", 6)];
        let head = ctx.head(Described::default());
        let mut writer = StateWriter::create(dir.path()).unwrap();
        for e in &entries {
            writer.push(e).unwrap();
        }
        let path = dir.path().join(STATE_FILE);
        commit_all(
            dir.path(),
            "test",
            vec![writer.finish_into(&path, &head).unwrap()],
        )
        .unwrap();
        let bytes = std::fs::read(&path).unwrap();

        // The file is the postcard encoding of `State`, as documented.
        let whole: State = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(whole.head, head);
        assert_eq!(whole.files, entries);

        let prior = Prior::load(dir.path(), &ctx).unwrap();
        let b = prior.candidate("b.xlsx", None).unwrap();
        assert_eq!(b.record, entries[1].record);
        assert_eq!(
            b.unconsumed.decode().unwrap(),
            vec![SourceKey {
                key: "b.xlsx!B2".into(),
                digest: 7
            }]
        );

        // Every entry written back as the bytes it was read from: the same file, which `repeats` knows.
        let mut again = StateWriter::create(dir.path()).unwrap();
        for p in ["a.xlsx", "b.xlsx"] {
            let e = prior.candidate(p, None).unwrap();
            again.push_encoded(prior.encoded(e).unwrap()).unwrap();
        }
        assert!(again.repeats(&prior, &head));
        let copy = dir.path().join("copy");
        commit_all(
            dir.path(),
            "test",
            vec![again.finish_into(&copy, &head).unwrap()],
        )
        .unwrap();
        assert_eq!(std::fs::read(&copy).unwrap(), bytes);

        // One entry encoded afresh, or another head: not a repeat.
        let mut changed = StateWriter::create(dir.path()).unwrap();
        changed.push(&entries[0]).unwrap();
        changed
            .push_encoded(
                prior
                    .encoded(prior.candidate("b.xlsx", None).unwrap())
                    .unwrap(),
            )
            .unwrap();
        assert!(!changed.repeats(&prior, &head));
        let other = ctx.head(Described {
            records: Some(Stamp {
                size: 1,
                mtime_s: 1,
                mtime_ns: 1,
            }),
            ..Described::default()
        });
        assert!(!again_repeats(&prior, &other));
    }

    /// A writer that wrote every entry back as it was, judged against `head`.
    fn again_repeats(prior: &Prior, head: &Head) -> bool {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = StateWriter::create(dir.path()).unwrap();
        for e in &prior.entries {
            writer.push_encoded(prior.encoded(e).unwrap()).unwrap();
        }
        writer.repeats(prior, head)
    }
}
