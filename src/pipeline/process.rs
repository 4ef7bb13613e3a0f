//! Processing one document: read, identify, harmonise, never panicking and never failing; a document unchanged
//! since the previous run stops early.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::discover::Input;
use super::{RunOptions, ms};
use crate::harmonise::{harmonise, identify};
use crate::manifest::{DocStatus, ManifestRow};
use crate::mapping::MappingSet;
use crate::read;
use crate::record::Record;
use crate::state::{Entry, Stamp};
use crate::template::{Statutory, Template};

/// The outcome of one document.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocOutcome {
    /// Its manifest row.
    pub row: ManifestRow,
    /// Its record, when harmonised (or carried forward).
    pub record: Option<Record>,
    /// Its size and modification time, for the next run's "unchanged?" test.
    #[serde(default)]
    pub stamp: Option<Stamp>,
}

/// What processing one document came to: an outcome, or "unchanged since the previous run".
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // one per document, moved a handful of times: boxing buys nothing
pub enum Processed {
    /// Read (or failed): a fresh outcome.
    Done(DocOutcome),
    /// Same content as before: carry the previous outcome forward.
    Unchanged {
        /// Its current size and modification time.
        stamp: Option<Stamp>,
    },
}

/// The document's stamp when it equals the previous run's: unchanged without reading a byte.
pub fn unchanged_by_stamp(input: &Input, known: Option<&Entry>) -> Option<Stamp> {
    let known = known?;
    if input.error.is_some() {
        return None;
    }
    let meta = std::fs::metadata(input.path()).ok()?;
    let stamp = Stamp::of(&meta)?;
    (meta.is_file() && known.stamp == Some(stamp)).then_some(stamp)
}

/// Processes one document unless it is unchanged since the previous run (`known`: its previous entry, when that
/// outcome could still stand): first by size and modification time, then by content hash.
pub fn process_known(
    input: &Input,
    set: &MappingSet,
    opts: &RunOptions,
    known: Option<&Entry>,
) -> Processed {
    if let Some(stamp) = unchanged_by_stamp(input, known) {
        return Processed::Unchanged { stamp: Some(stamp) };
    }
    process_hashed(input, set, opts, known.and_then(|e| e.blake3.as_deref()))
}

/// Reads, identifies and harmonises one document; never panics, never returns an error.
pub fn process(input: &Input, set: &MappingSet, opts: &RunOptions) -> DocOutcome {
    match process_hashed(input, set, opts, None) {
        Processed::Done(outcome) => outcome,
        Processed::Unchanged { stamp } => unknown_unchanged(input, stamp),
    }
}

/// The outcome of a document found unchanged without a previous entry to carry: cannot happen (only a known
/// document can be unchanged), but it is accounted for all the same.
pub(super) fn unknown_unchanged(input: &Input, stamp: Option<Stamp>) -> DocOutcome {
    DocOutcome {
        row: ManifestRow {
            status: DocStatus::Failed,
            reason: Some("internal error: unchanged without a previous entry".into()),
            ..ManifestRow::new(
                input.rel.to_string(),
                input.path_bytes_hex.as_deref().map(str::to_string),
            )
        },
        record: None,
        stamp,
    }
}

/// Like [`process`], but stops with [`Processed::Unchanged`] as soon as the content hash equals `known_blake3`.
pub fn process_hashed(
    input: &Input,
    set: &MappingSet,
    opts: &RunOptions,
    known_blake3: Option<&str>,
) -> Processed {
    let started = Instant::now();
    let mut row = ManifestRow::new(
        input.rel.to_string(),
        input.path_bytes_hex.as_deref().map(str::to_string),
    );
    let mut stamp = None;
    let record = match catch_unwind(AssertUnwindSafe(|| {
        process_inner(input, set, opts, known_blake3, &mut row, &mut stamp)
    })) {
        Ok(Step::Unchanged) => return Processed::Unchanged { stamp },
        Ok(Step::Done(record)) => record,
        // Never the panic's message: it can quote the document (a slice error on its text, a parser's panic
        // formatting a value). Where it happened is in the log (the binary's panic hook).
        Err(_) => {
            row.status = DocStatus::Failed;
            row.reason = Some(
                "internal error (a bug in harmonise or a parser; please report): it panicked; the log says where"
                    .into(),
            );
            None
        }
    };
    row.elapsed_ms = ms(started);
    Processed::Done(DocOutcome { row, record, stamp })
}

#[allow(clippy::large_enum_variant)] // lives for one call
enum Step {
    Done(Option<Record>),
    Unchanged,
}

fn process_inner(
    input: &Input,
    set: &MappingSet,
    opts: &RunOptions,
    known_blake3: Option<&str>,
    row: &mut ManifestRow,
    stamp: &mut Option<Stamp>,
) -> Step {
    let fail = |row: &mut ManifestRow, status: DocStatus, reason: String| {
        row.status = status;
        row.reason = Some(reason);
        Step::Done(None)
    };
    if let Some(e) = &input.error {
        return fail(row, DocStatus::Unreadable, format!("cannot open: {e}"));
    }
    let meta = match std::fs::metadata(input.path()) {
        Ok(m) => m,
        Err(e) => return fail(row, DocStatus::Unreadable, io_reason("cannot open", &e)),
    };
    *stamp = Stamp::of(&meta);
    row.size = meta.len();
    if !meta.is_file() {
        // Never open a named pipe or a device: reading one can block the night.
        return fail(
            row,
            DocStatus::Unreadable,
            format!("not a regular file ({})", kind_of(&meta)),
        );
    }
    let too_large = |row: &mut ManifestRow, size: u64| {
        fail(
            row,
            DocStatus::TooLarge,
            format!(
                "file is {}, over the {} limit (max_file_bytes)",
                read::size(size),
                read::size(opts.limits.max_file_bytes)
            ),
        )
    };
    if meta.len() > opts.limits.max_file_bytes {
        return too_large(row, meta.len());
    }
    let bytes = match read_capped(&input.path(), opts.limits.max_file_bytes) {
        Ok(b) => b,
        Err(e) => return fail(row, DocStatus::Unreadable, io_reason("cannot read", &e)),
    };
    #[cfg(debug_assertions)]
    test_panic_hook(&input.rel, &bytes);
    if bytes.len() as u64 > opts.limits.max_file_bytes {
        return too_large(row, bytes.len() as u64);
    }
    let hash = blake3::hash(&bytes).to_hex().to_string();
    if known_blake3 == Some(hash.as_str()) {
        return Step::Unchanged;
    }
    row.blake3 = Some(hash);
    let format = read::sniff(&bytes);
    row.format = Some(format.as_str().to_string());
    let doc = match read::read(&bytes, format, &opts.limits) {
        Ok(doc) => doc,
        Err(failure) => return fail(row, failure.kind.into(), failure.reason),
    };
    let mapping = match identify(&doc, format, &set.mappings) {
        Ok(m) => m,
        Err(why) => return fail(row, DocStatus::Unrecognised, why.reason(format)),
    };
    row.mapping = Some(mapping.id.clone());
    let record = harmonise(&doc, mapping, &set.template, &input.rel, opts.today);
    row.status = record.status.into();
    row.reason = match row.status {
        DocStatus::Partial => Some(partial_reason(&record, &set.template)),
        DocStatus::Blank => Some("blank form: no field is filled in".into()),
        _ => None,
    };
    Step::Done(Some(record))
}

/// Why a document could not be opened or read: `cannot read: permission denied`; a file listed by discovery and
/// gone since (deleted or renamed mid-run) says so rather than "entity not found".
fn io_reason(what: &str, e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::NotFound {
        "vanished during the run: listed, then gone (deleted or renamed) before it was read".into()
    } else {
        format!("{what}: {}", e.kind())
    }
}

/// Debug builds only (never in a release binary): panics in the middle of a document named by
/// `HARMONISE_TEST_PANIC_ON` (its last path component), with the document's first bytes in the message, so the
/// integration tests can check that a caught panic costs one `failed` row and that its message reaches neither
/// the log nor the manifest.
#[cfg(debug_assertions)]
#[allow(clippy::panic)]
fn test_panic_hook(rel: &str, bytes: &[u8]) {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    if std::env::var_os("HARMONISE_TEST_PANIC_ON").is_some_and(|v| v == name) {
        let head = String::from_utf8_lossy(bytes.get(..64).unwrap_or(bytes));
        panic!("byte index 3 is not a char boundary in `{head}`");
    }
}

/// Reads at most `max + 1` bytes, so a file that grows after it was measured cannot exhaust memory.
fn read_capped(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(max.saturating_add(1))
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// What kind of non-regular file this is.
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a named pipe";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_block_device() || t.is_char_device() {
            return "a device";
        }
    }
    let _ = meta;
    "not a file"
}

/// Names the fields that made a record partial (ids only, never values): invalid, not found, or empty `must`.
fn partial_reason(record: &Record, template: &Template) -> String {
    use crate::record::FieldStatus;
    let ids = |status: FieldStatus, must_only: bool| -> Vec<&str> {
        record
            .fields
            .iter()
            .filter(|(_, f)| f.status == status)
            .filter(|(id, _)| {
                !must_only
                    || template
                        .get(id)
                        .is_some_and(|d| d.statutory == Statutory::Must)
            })
            .map(|(id, _)| id.as_str())
            .collect()
    };
    let mut parts = Vec::new();
    for (status, label, must_only) in [
        (FieldStatus::Invalid, "invalid", false),
        (FieldStatus::NotFound, "not found", false),
        (FieldStatus::Empty, "empty (must)", true),
    ] {
        let found = ids(status, must_only);
        if !found.is_empty() {
            parts.push(format!("{label}: {}", found.join(", ")));
        }
    }
    parts.join("; ")
}
