//! The writer side of a run: each outcome, in input order, appended to the record files, the manifest rows and the
//! state entries and folded into the audit; at the end every output finished under a temporary name.

use std::path::Path;

use super::discover::Input;
use super::process::{Known, Outcome, process};
use super::reports::{self, Staging};
use super::{RunError, RunOptions, joined};
use crate::audit::RunFacts;
use crate::audit::changes::ChangeTally;
use crate::audit::failures::FailureTally;
use crate::audit::run::RunInfo;
use crate::manifest::{self, DocStatus, ManifestRow, OutputFile, Totals};
use crate::mapping::MappingSet;
use crate::output::{ArrayStream, CsvStream, Encoded, Encoder, RecordWriter, Staged, WriteError};
use crate::record::Record;
use crate::state::{
    self, Carrier, Described, Entry, Prior, STATE_FILE, Stamp, StateWriter, Unconsumed,
};
use crate::tables::{self, DATAPACKAGE, VALUES_CSV, Written, stage_values};

/// The manifest's rows as CSV, beside `manifest.json`.
pub const MANIFEST_CSV: &str = "manifest.csv";

/// A run's outputs under temporary names, in commit order, and the reports that could not be rendered.
pub(super) struct Finished {
    pub(super) staged: Vec<Staged>,
    pub(super) failed_reports: Vec<reports::Failure>,
    /// The output set as the manifest lists it (the manifest itself aside).
    pub(super) outputs: Vec<OutputFile>,
}

/// Where a run's outcomes go, in input order, on the writer thread: the record files, the manifest rows, the state
/// entries, the totals and the audit.
pub(super) struct Sink<'p> {
    set: &'p MappingSet,
    opts: &'p RunOptions,
    out: &'p Path,
    prior: Option<&'p Prior>,
    encoder: &'p Encoder,
    writer: RecordWriter,
    // Manifest rows and state entries stream to temporary files: memory stays flat whatever the corpus size.
    rows: ArrayStream,
    /// The same rows as `manifest.csv`.
    rows_csv: CsvStream,
    entries: StateWriter,
    totals: Totals,
    /// The rows that produced no record, for the reports.
    failures: FailureTally,
    /// This run compared with the previous one, when there was one.
    changes: Option<ChangeTally>,
    /// Rows of documents processed now (not skipped as unchanged): the reports list failures, so a document read
    /// now (a new one that failed, a timeout retried) means they are written again even if no record changed.
    fresh: usize,
    audit: crate::audit::Audit<'p>,
    /// Records kept in place (see `RecordWriter::keep`), audited only when something turns out to have changed:
    /// if nothing did, the previous reports stand. They are the first documents, so auditing them late keeps the
    /// input order the audit's examples follow.
    kept: Vec<&'p Entry>,
    /// The previous `records.jsonl` and `records.csv`, for records carried forward once something changed.
    carrier: Carrier,
    csv_carrier: Carrier,
}

impl<'p> Sink<'p> {
    pub(super) fn new(
        set: &'p MappingSet,
        opts: &'p RunOptions,
        prior: Option<&'p Prior>,
        encoder: &'p Encoder,
        changes: Option<ChangeTally>,
    ) -> Result<Sink<'p>, RunError> {
        let writer = match prior {
            Some(_) if !opts.shareable => {
                RecordWriter::resume(&opts.out, &set.template, opts.csv_bom)?
            }
            _ => RecordWriter::create(&opts.out, &set.template, opts.shareable, opts.csv_bom)?,
        };
        Ok(Sink {
            set,
            opts,
            out: &opts.out,
            prior,
            encoder,
            writer,
            rows: ArrayStream::create(&opts.out)?,
            rows_csv: CsvStream::create(&opts.out, &manifest::CSV_HEADER, opts.csv_bom)?,
            entries: StateWriter::create(&opts.out)?,
            totals: Totals::default(),
            failures: FailureTally::default(),
            fresh: 0,
            changes,
            audit: crate::audit::Audit::new(set).with_volumes(opts.volumes.clone()),
            kept: Vec::new(),
            carrier: Carrier::open(&opts.out),
            csv_carrier: Carrier::open_file(&opts.out.join("records.csv")),
        })
    }

    /// Writes one document's outcome, in input order.
    pub(super) fn write(&mut self, input: &Input, ready: Ready<'p>) -> Result<(), RunError> {
        let (row, record, stamp, encoded, unconsumed, row_json) = match ready {
            Ready::Fresh {
                row,
                record,
                stamp,
                encoded,
                unconsumed,
                row_json,
            } => (row, record, stamp, encoded, unconsumed, row_json),
            Ready::Unchanged {
                stamp,
                entry,
                row,
                row_json,
            } => {
                if self.unchanged(stamp, entry, row, row_json)? {
                    return Ok(());
                }
                // Its previous record cannot be carried forward: processed again, in full.
                let outcome = process(input, self.set, self.opts, Known::default(), None);
                return self.write(input, Ready::new(outcome, None, input, self.encoder));
            }
        };
        tracing::debug!(file = %row.path, status = row.status.as_str(), "document");
        self.fresh += 1;
        let spans = match (&record, encoded) {
            (Some(record), Some(encoded)) => {
                let encoded =
                    encoded.map_err(|e| WriteError::new("encoding a record for", self.out, e))?;
                self.audit_kept()?;
                self.audit.add(record);
                Some(self.writer.append(
                    &encoded.jsonl,
                    &encoded.csv,
                    encoded.shareable.as_deref(),
                )?)
            }
            _ => None,
        };
        self.entries
            .push(&state::entry(&row, stamp, spans, unconsumed))?;
        self.rows.push_encoded(
            &row_json.map_err(|e| WriteError::new("encoding a row for", self.out, e))?,
        )?;
        Ok(self.counted(&row)?)
    }

    /// A document unchanged since the previous run: its record kept in place, or carried forward as its previous
    /// bytes. `false` when those cannot be read back: the caller processes it again.
    fn unchanged(
        &mut self,
        stamp: Option<Stamp>,
        entry: &'p Entry,
        row: ManifestRow,
        row_json: std::io::Result<Vec<u8>>,
    ) -> Result<bool, RunError> {
        let row_json = row_json.map_err(|e| WriteError::new("encoding a row for", self.out, e))?;
        // In place in the previous records: nothing to read or write.
        let kept_at = entry.spans().and_then(|old| self.writer.keep(old));
        let spans = match kept_at {
            Some(spans) => Some(spans),
            None => {
                self.audit_kept()?;
                match self.carried_bytes(entry) {
                    Ok(Some(b)) => Some(self.writer.append(
                        &b.jsonl,
                        &b.csv,
                        b.shareable.as_deref(),
                    )?),
                    Ok(None) => None,
                    Err(why) => {
                        tracing::warn!(file = %entry.path, reason = %why, "cannot carry the record forward; processing again");
                        return Ok(false);
                    }
                }
            }
        };
        tracing::debug!(file = %row.path, status = row.status.as_str(), "document");
        // Kept in place with the same stamp: its entry is the previous one, byte for byte.
        let same = kept_at.is_some() && stamp == entry.stamp;
        match self.prior.and_then(|p| p.encoded(entry)).filter(|_| same) {
            Some(bytes) => self.entries.push_encoded(bytes)?,
            None => {
                self.entries
                    .push(&state::entry(&row, stamp, spans, entry.unconsumed.clone()))?
            }
        }
        self.rows.push_encoded(&row_json)?;
        self.counted(&row)?;
        if kept_at.is_some() {
            self.kept.push(entry);
        }
        Ok(true)
    }

    /// A row written: its CSV row, the totals and the failures.
    fn counted(&mut self, row: &ManifestRow) -> Result<(), WriteError> {
        self.rows_csv.push(row.csv_fields())?;
        self.totals.add(row);
        self.failures.add(row);
        if let Some(changes) = &mut self.changes {
            changes.add(row);
        }
        Ok(())
    }

    /// An unchanged document's previous bytes, folded into the audit through a borrowed view (no `Record` is
    /// built). `Err` says why they cannot be carried.
    fn carried_bytes(&mut self, entry: &Entry) -> Result<Option<Encoded>, String> {
        let bytes = carry(
            entry,
            &mut self.carrier,
            &mut self.csv_carrier,
            self.encoder,
        )?;
        if let Some(b) = &bytes {
            audit_line(
                &mut self.audit,
                &b.jsonl,
                &entry.path,
                &entry.unconsumed,
                &self.carrier,
            )?;
        }
        Ok(bytes)
    }

    /// Audits the records kept in place so far, in input order, reading each back from the previous
    /// `records.jsonl`.
    fn audit_kept(&mut self) -> Result<(), RunError> {
        for entry in self.kept.drain(..) {
            let Some(span) = entry.record else { continue };
            self.carrier
                .bytes(span)
                .and_then(|line| {
                    audit_line(
                        &mut self.audit,
                        &line,
                        &entry.path,
                        &entry.unconsumed,
                        &self.carrier,
                    )
                })
                .map_err(|reason| RunError::Kept { reason })?;
        }
        Ok(())
    }

    /// Finishes every output under a temporary name, in commit order (the state last, or not at all when it
    /// would be the previous one byte for byte), after checking that every one of `inputs` has its row.
    pub(super) fn finish(
        mut self,
        ctx: &state::Context,
        inputs: usize,
        run_id: &str,
        repaired: Option<&str>,
    ) -> Result<(Finished, Totals), RunError> {
        if self.totals.inputs != inputs {
            return Err(RunError::Accounting {
                inputs,
                rows: self.totals.inputs,
            });
        }
        let out = self.out;
        // Reports are derived from the records and the mappings: when neither changed, the previous ones stand.
        // Failures are in the reports too: every document must be one the previous run saw, skipped unchanged.
        let reports_stand = match self.prior {
            Some(prior)
                if self.writer.keeps_previous()
                    && self.fresh == 0
                    && prior.len() == self.totals.inputs =>
            {
                prior.reusable_reports()
            }
            _ => None,
        };
        if reports_stand.is_none() {
            self.audit_kept()?;
        }
        let Sink {
            set,
            opts,
            prior,
            writer,
            rows,
            rows_csv,
            entries,
            totals,
            audit,
            failures,
            changes,
            ..
        } = self;
        let input_folder = super::input_folder_name(&opts.input);
        // A file left in place is listed as the previous state lists it (not read again); one written now is
        // hashed from its temporary file.
        let kept = |name: &str| -> Result<OutputFile, WriteError> {
            let listed = prior.and_then(|p| p.outputs().iter().find(|o| o.file == name));
            match listed {
                Some(o) => Ok(o.clone()),
                None => listed_on_disk(out, name),
            }
        };
        let manifest_path = out.join("manifest.json");
        let manifest_csv = out.join(MANIFEST_CSV);
        let staged = std::thread::scope(|scope| -> Result<Finished, RunError> {
            // Each output is finished (copied into place under a temporary name, synced to disk and hashed) on its
            // own thread where it can be: tens of milliseconds each for a large corpus.
            let bom = opts.csv_bom;
            let records = scope.spawn(move || -> Result<_, WriteError> {
                let Some(records) = writer.finish()? else {
                    // The previous records stand, and with them their values.csv (written now if it is missing).
                    let values = match out.join(VALUES_CSV).is_file() {
                        true => None,
                        false => Some(stage_values(out, &out.join("records.jsonl"), bom)?),
                    };
                    return Ok((None, values));
                };
                let values = match records.first() {
                    Some(jsonl) => Some(stage_values(out, jsonl.staged_path(), bom)?),
                    None => None,
                };
                let listed = records
                    .iter()
                    .chain(&values)
                    .map(|s| s.listing(run_id))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((Some((records, listed)), values))
            });
            let reports = match reports_stand {
                Some(_) => Staging::default(),
                None => {
                    let mut report = audit.finish_with(RunFacts {
                        failures,
                        run: RunInfo::new(set, opts.now, Some(input_folder.clone()), false),
                        changes,
                    });
                    report.run_id = run_id.to_string();
                    reports::stage_all(out, &report)
                }
            };
            let mut described = Described::default();
            let mut staged = Vec::new();
            let mut outputs = Vec::new();
            let (records, values) = joined(records)?;
            let records_kept = records.is_none();
            match records {
                Some((records, listed)) => {
                    let stamp = |name: &str| {
                        records
                            .iter()
                            .find(|s| s.dest().ends_with(name))
                            .and_then(|s| s.metadata().ok())
                            .and_then(|m| Stamp::of(&m))
                    };
                    described.records = stamp("records.jsonl");
                    described.records_csv = stamp("records.csv");
                    staged.extend(records);
                    outputs.extend(listed);
                }
                None => {
                    described.records = state::stamp_of(out, "records.jsonl");
                    described.records_csv = state::stamp_of(out, "records.csv");
                    outputs.push(kept("records.jsonl")?);
                    outputs.push(kept("records.csv")?);
                    match &values {
                        Some(values) => outputs.push(values.listing(run_id)?),
                        None => outputs.push(kept(VALUES_CSV)?),
                    }
                }
            }
            staged.extend(values);
            let written = Written {
                shareable: opts.shareable,
            };
            match tables::stage_descriptor(out, &set.template, written, records_kept)? {
                Some(descriptor) => {
                    outputs.push(descriptor.listing(run_id)?);
                    staged.push(descriptor);
                }
                None => outputs.push(kept(DATAPACKAGE)?),
            }
            match reports_stand {
                Some(reports) => {
                    described.reports = reports.to_vec();
                    for (name, _) in reports {
                        outputs.push(kept(name)?);
                    }
                }
                None => {
                    // A report missing from the state means the next run writes all three again.
                    if reports.failed.is_empty() {
                        described.reports = reports
                            .staged
                            .iter()
                            .filter_map(|(name, report)| {
                                Some((name.to_string(), Stamp::of(&report.metadata().ok()?)?))
                            })
                            .collect();
                    }
                    for (_, report) in &reports.staged {
                        outputs.push(report.listing(run_id)?);
                    }
                }
            }
            // The manifest lists the set it belongs with.
            let mut manifest_head = totals.head();
            manifest_head.run_id = run_id.to_string();
            manifest_head.repaired_commit = repaired.map(str::to_string);
            manifest_head.input_folder = Some(input_folder);
            manifest_head.outputs = outputs.clone();
            let manifest = scope.spawn(move || rows.finish_into(&manifest_path, &manifest_head));
            let manifest_csv = scope.spawn(move || rows_csv.finish_into(&manifest_csv));
            described.outputs = outputs.clone();
            // The state goes last: it describes the files renamed before it. A run that changed nothing would
            // write the very same state: the previous file stays.
            let head = ctx.head(described);
            let state = match prior {
                Some(prior) if entries.repeats(prior, &head) => None,
                _ => Some(entries.finish_into(&out.join(STATE_FILE), &head)?),
            };
            staged.push(joined(manifest)?);
            staged.push(joined(manifest_csv)?);
            staged.extend(reports.staged.into_iter().map(|(_, report)| report));
            staged.extend(state);
            Ok(Finished {
                staged,
                failed_reports: reports.failed,
                outputs,
            })
        })?;
        Ok((staged, totals))
    }
}

/// How the manifest lists an output already in place that the previous state does not list (it always does,
/// unless it was damaged): hashed as it is, the run that wrote it unknown.
fn listed_on_disk(out: &Path, name: &str) -> Result<OutputFile, WriteError> {
    let path = out.join(name);
    let mut hasher = blake3::Hasher::new();
    let size = std::fs::File::open(&path)
        .and_then(|f| hasher.update_reader(f).map(|_| ()))
        .and_then(|()| std::fs::metadata(&path))
        .map_err(|e| WriteError::new("reading", &path, e))?
        .len();
    Ok(OutputFile {
        file: name.to_string(),
        size,
        blake3: hasher.finalize().to_hex().to_string(),
        run_id: String::new(),
    })
}

/// One document's [`Outcome`] made ready for the writer on the worker thread: a fresh one's record bytes, unconsumed
/// keys and row JSON encoded, an unchanged one's `skipped_unchanged` row made from its previous entry, so the
/// writer only appends bytes (and folds the audit).
#[allow(clippy::large_enum_variant)] // one per document in the reorder window
pub(super) enum Ready<'p> {
    /// Processed now.
    Fresh {
        row: ManifestRow,
        record: Option<Record>,
        stamp: Option<Stamp>,
        /// The record's output bytes.
        encoded: Option<std::io::Result<Encoded>>,
        /// Its unconsumed keys as the state stores them.
        unconsumed: Unconsumed,
        /// The row's JSON.
        row_json: std::io::Result<Vec<u8>>,
    },
    /// Unchanged since the previous run.
    Unchanged {
        stamp: Option<Stamp>,
        /// Its previous entry.
        entry: &'p Entry,
        /// Its `skipped_unchanged` manifest row, and the row's JSON.
        row: ManifestRow,
        row_json: std::io::Result<Vec<u8>>,
    },
}

impl<'p> Ready<'p> {
    /// `entry`: the document's previous entry, when its outcome could stand (what it was processed knowing).
    pub(super) fn new(
        outcome: Outcome,
        entry: Option<&'p Entry>,
        input: &Input,
        encoder: &Encoder,
    ) -> Ready<'p> {
        let (row, record, stamp) = match (outcome, entry) {
            (Outcome::Done { row, record, stamp }, _) => (row, record, stamp),
            (Outcome::Unchanged { stamp }, Some(entry)) => {
                let row = state::skipped_row(entry, stamp);
                let row_json = ArrayStream::encode(&row);
                return Ready::Unchanged {
                    stamp,
                    entry,
                    row,
                    row_json,
                };
            }
            // Cannot happen (only a known document can be unchanged), but a worker's answer is accounted for all
            // the same.
            (Outcome::Unchanged { stamp }, None) => {
                let row = ManifestRow {
                    status: DocStatus::Failed,
                    reason: Some("internal error: unchanged without a previous entry".into()),
                    ..ManifestRow::new(
                        input.rel.to_string(),
                        input.path_bytes_hex.as_deref().map(str::to_string),
                    )
                };
                (row, None, stamp)
            }
        };
        let encoded = record.as_ref().map(|r| encoder.encode(r));
        let unconsumed = record
            .as_ref()
            .map(|r| Unconsumed::encode(&r.unconsumed))
            .unwrap_or_default();
        Ready::Fresh {
            row_json: ArrayStream::encode(&row),
            row,
            record,
            stamp,
            encoded,
            unconsumed,
        }
    }
}

/// The previous record of an unchanged document, as it was written: its JSONL line and CSV row (and a fresh
/// shareable row). `Ok(None)`: it had no record. `Err` (the bytes cannot be read back) means: process it again.
fn carry(
    entry: &Entry,
    carrier: &mut Carrier,
    csv_carrier: &mut Carrier,
    encoder: &Encoder,
) -> Result<Option<Encoded>, String> {
    match (entry.record, entry.csv) {
        (Some(span), Some(csv_span)) => {
            let jsonl = carrier.bytes(span)?;
            let csv = csv_carrier.bytes(csv_span)?;
            let shareable = if encoder.shareable() {
                let record: Record = serde_json::from_slice(&jsonl).map_err(|e| e.to_string())?;
                encoder
                    .shareable_row(&record)
                    .transpose()
                    .map_err(|e| e.to_string())?
            } else {
                None
            };
            Ok(Some(Encoded {
                jsonl,
                csv,
                shareable,
            }))
        }
        (None, None) => Ok(None),
        _ => Err("the previous state lacks the record's CSV row".into()),
    }
}

/// Folds a record line of the previous `records.jsonl` into the audit through a borrowed view (no `Record` is
/// built); `Err` when the line is not `file`'s record.
fn audit_line(
    audit: &mut crate::audit::Audit,
    line: &[u8],
    file: &str,
    unconsumed: &Unconsumed,
    carrier: &Carrier,
) -> Result<(), String> {
    let unconsumed = unconsumed.decode()?;
    let mut view: crate::audit::AuditView<'_> = serde_json::from_slice(line)
        .map_err(|e| format!("a damaged line in {}: {e}", carrier.path().display()))?;
    if *view.file != *file {
        return Err(format!(
            "{} holds another document at that offset",
            carrier.path().display()
        ));
    }
    view.unconsumed = &unconsumed;
    audit.add_view(&view);
    Ok(())
}
