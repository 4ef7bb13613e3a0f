//! Processing one document, [`process`]: from an [`Input`] to its [`Outcome`], never panicking and never failing.
//! Its steps, in order: the discovery error; `stat`; **unchanged by stamp** (size and modification time equal the
//! previous run's: not a byte read); with `--isolate`, the rest in a worker process; the size limit; read;
//! **unchanged by hash** (the content hash equals the previous run's); sniff, read, identify, harmonise.

use std::ops::ControlFlow;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::discover::Input;
use super::isolate::WorkerPool;
use super::{RunOptions, ms};
use crate::harmonise::{harmonise, identify};
use crate::manifest::{DocStatus, ManifestRow};
use crate::mapping::MappingSet;
use crate::read;
use crate::record::Record;
use crate::state::{Entry, Stamp};
use crate::template::{Statutory, Template};

/// What processing one document came to (also a worker's answer on the wire, see [`super::isolate`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // one per document, moved a handful of times: boxing buys nothing
pub enum Outcome {
    /// Read now, or failed: a fresh manifest row.
    Done {
        /// Its manifest row.
        row: ManifestRow,
        /// Its record, when harmonised.
        record: Option<Record>,
        /// Its size and modification time, for the next run's "unchanged?" test.
        #[serde(default)]
        stamp: Option<Stamp>,
    },
    /// Unchanged since the previous run (same stamp, or same content): its previous outcome is carried forward.
    Unchanged {
        /// Its current size and modification time.
        stamp: Option<Stamp>,
    },
}

/// What the previous run knew of a document whose outcome could still stand: the evidence for the two
/// "unchanged" steps. [`Known::default`] knows nothing: the document is read whatever it is.
#[derive(Debug, Clone, Copy, Default)]
pub struct Known<'a> {
    /// Its size and modification time then.
    pub stamp: Option<Stamp>,
    /// Its content hash then.
    pub blake3: Option<&'a str>,
}

impl<'a> Known<'a> {
    /// What a previous state entry knew (nothing without one).
    pub fn of(entry: Option<&'a Entry>) -> Known<'a> {
        entry.map_or_else(Known::default, |e| Known {
            stamp: e.stamp,
            blake3: e.blake3.as_deref(),
        })
    }
}

/// Processes one document (see the module docs for its steps). `known` is what the previous run knew of it;
/// `workers`, with `--isolate`, where the steps from reading on run (a worker answers by calling this with none).
pub fn process(
    input: &Input,
    set: &MappingSet,
    opts: &RunOptions,
    known: Known<'_>,
    workers: Option<&WorkerPool>,
) -> Outcome {
    let started = Instant::now();
    // Named only once it is a fresh row: an unchanged document (the nightly common case) allocates nothing here.
    let mut row = ManifestRow::new(String::new(), None);
    let mut stamp = None;
    let record = match catch_unwind(AssertUnwindSafe(|| {
        steps(input, set, opts, known, workers, &mut row, &mut stamp)
    })) {
        Ok(ControlFlow::Continue(record)) => record,
        Ok(ControlFlow::Break(short_cut)) => return short_cut,
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
    row.path = input.rel.to_string();
    row.path_bytes_hex = input.path_bytes_hex.as_deref().map(str::to_string);
    row.elapsed_ms = ms(started);
    Outcome::Done { row, record, stamp }
}

/// The steps of [`process`]: `Break` with an outcome decided early (unchanged, or a worker's answer), else
/// `Continue` with the record, if any, `row` and `stamp` filled in.
fn steps(
    input: &Input,
    set: &MappingSet,
    opts: &RunOptions,
    known: Known<'_>,
    workers: Option<&WorkerPool>,
    row: &mut ManifestRow,
    stamp: &mut Option<Stamp>,
) -> ControlFlow<Outcome, Option<Record>> {
    let fail = |row: &mut ManifestRow, status: DocStatus, reason: String| {
        row.status = status;
        row.reason = Some(reason);
        ControlFlow::Continue(None)
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
    // Unchanged by stamp: the nightly common case, decided without reading a byte.
    if stamp.is_some() && *stamp == known.stamp {
        return ControlFlow::Break(Outcome::Unchanged { stamp: *stamp });
    }
    if let Some(workers) = workers {
        return ControlFlow::Break(workers.process(input, known.blake3));
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
    // Unchanged by hash: touched, not changed.
    if known.blake3 == Some(hash.as_str()) {
        return ControlFlow::Break(Outcome::Unchanged { stamp: *stamp });
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
    row.changed_form = changed_form(&record);
    ControlFlow::Continue(Some(record))
}

/// The manifest's note on a document whose printed text differs from its mapping's reference form.
fn changed_form(record: &crate::record::Record) -> Option<String> {
    let fields = || record.fields.values().chain(record.extras.values());
    let reanchored = fields().filter(|f| f.reanchored.is_some()).count();
    let lost = fields()
        .filter(|f| f.status == crate::record::FieldStatus::NotFound && f.reason.is_some())
        .count();
    if record.form_changes.is_empty() && reanchored == 0 && lost == 0 {
        return None;
    }
    Some(format!(
        "changed form: {} change(s) from the reference; {reanchored} field(s) re-anchored, {lost} lost",
        record.form_changes.len()
    ))
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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    const FIXTURE: &str = "northmoor/filled-01.xlsx";

    fn opts(dir: &Path) -> RunOptions {
        RunOptions {
            input: dir.to_path_buf(),
            out: dir.join("out"),
            jobs: 1,
            limits: read::Limits::default(),
            today: jiff::civil::date(2026, 11, 28),
            now: jiff::Timestamp::UNIX_EPOCH,
            full: false,
            shareable: false,
            csv_bom: true,
            volumes: None,
            isolate: None,
            max_drop: super::super::DEFAULT_MAX_DROP,
        }
    }

    fn set() -> MappingSet {
        MappingSet::load(Path::new("mappings")).unwrap()
    }

    /// The fixture copied to `dir`, and its input.
    fn fixture(dir: &Path) -> (PathBuf, Input) {
        let path = dir.join("form.xlsx");
        std::fs::copy(Path::new("fixtures/forms").join(FIXTURE), &path).unwrap();
        let input = Input::new(path.clone(), "form.xlsx".into(), None, None);
        (path, input)
    }

    fn stamp_of(path: &Path) -> Stamp {
        Stamp::of(&std::fs::metadata(path).unwrap()).unwrap()
    }

    #[test]
    fn a_fixture_comes_to_its_row_record_and_stamp() {
        let dir = tempfile::tempdir().unwrap();
        let (path, input) = fixture(dir.path());
        let (set, opts) = (set(), opts(dir.path()));
        let Outcome::Done { row, record, stamp } =
            process(&input, &set, &opts, Known::default(), None)
        else {
            panic!("nothing was known: never unchanged");
        };
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(row.path, "form.xlsx");
        assert_eq!(row.status, DocStatus::Ok, "{:?}", row.reason);
        assert_eq!(row.reason, None);
        assert_eq!(row.size, bytes.len() as u64);
        assert_eq!(
            row.blake3.as_deref(),
            Some(blake3::hash(&bytes).to_hex().as_str())
        );
        assert_eq!(row.format.as_deref(), Some("xlsx"));
        assert_eq!(row.mapping.as_deref(), Some("951-northmoor"));
        let record = record.unwrap();
        assert_eq!(record.file, "form.xlsx");
        assert_eq!(record.mapping, "951-northmoor");
        assert_eq!(stamp, Some(stamp_of(&path)));
    }

    #[test]
    fn unchanged_by_stamp_reads_not_a_byte() {
        let dir = tempfile::tempdir().unwrap();
        let (path, input) = fixture(dir.path());
        let (set, opts) = (set(), opts(dir.path()));
        let stamp = stamp_of(&path);
        // Other bytes of the same size under the same modification time: only reading would tell.
        let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
        std::fs::write(&path, vec![b'x'; stamp.size as usize]).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
        assert_eq!(stamp_of(&path), stamp);
        let known = Known {
            stamp: Some(stamp),
            blake3: None,
        };
        assert!(matches!(
            process(&input, &set, &opts, known, None),
            Outcome::Unchanged { stamp: Some(s) } if s == stamp
        ));
        // Known by nothing, the same file is read: it is no workbook now.
        let Outcome::Done { row, .. } = process(&input, &set, &opts, Known::default(), None) else {
            panic!("read");
        };
        assert_ne!(row.status, DocStatus::Ok);
    }

    #[test]
    fn unchanged_by_hash_when_touched_but_not_changed() {
        let dir = tempfile::tempdir().unwrap();
        let (path, input) = fixture(dir.path());
        let (set, opts) = (set(), opts(dir.path()));
        let hash = blake3::hash(&std::fs::read(&path).unwrap())
            .to_hex()
            .to_string();
        let earlier = Stamp {
            mtime_s: stamp_of(&path).mtime_s.saturating_sub(60),
            ..stamp_of(&path)
        };
        let touched = Known {
            stamp: Some(earlier),
            blake3: Some(&hash),
        };
        assert!(matches!(
            process(&input, &set, &opts, touched, None),
            Outcome::Unchanged { stamp: Some(s) } if s == stamp_of(&path)
        ));
        let changed = Known {
            stamp: Some(earlier),
            blake3: Some("another hash"),
        };
        assert!(matches!(
            process(&input, &set, &opts, changed, None),
            Outcome::Done { row, .. } if row.status == DocStatus::Ok
        ));
    }

    #[test]
    fn what_cannot_be_read_is_unreadable_whatever_was_known() {
        let dir = tempfile::tempdir().unwrap();
        let (set, opts) = (set(), opts(dir.path()));
        let row = |input: &Input, known: Known<'_>| match process(input, &set, &opts, known, None) {
            Outcome::Done { row, .. } => row,
            Outcome::Unchanged { .. } => panic!("{}: unchanged", input.rel),
        };
        let refused = Input::new(
            dir.path().join("locked.xlsx"),
            "locked.xlsx".into(),
            None,
            Some("permission denied".into()),
        );
        let r = row(&refused, Known::default());
        assert_eq!(r.status, DocStatus::Unreadable);
        assert_eq!(r.reason.as_deref(), Some("cannot open: permission denied"));
        // A folder where a document was: not a regular file, even with the stamp it has now.
        let folder = dir.path().join("folder.xlsx");
        std::fs::create_dir(&folder).unwrap();
        let known = Known {
            stamp: Some(stamp_of(&folder)),
            blake3: None,
        };
        let r = row(&Input::new(folder, "folder.xlsx".into(), None, None), known);
        assert_eq!(r.status, DocStatus::Unreadable);
        assert_eq!(r.reason.as_deref(), Some("not a regular file (not a file)"));
    }
}
