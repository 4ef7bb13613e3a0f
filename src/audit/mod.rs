//! The audit: folds harmonised records into per-form aggregates and derives, with the mappings, what the reports
//! show. Memory is sized by forms x national fields (plus capped drift tallies and a few example paths), never by
//! the number of documents: [`Audit::add`] keeps no record.
//!
//! One concern per module: [`gaps`] (coverage gaps, completeness), [`drift`] (locators that found nothing,
//! unconsumed source fields), [`extras`] (non-statutory demands, duplicates, clusters across LAs) and [`burden`]
//! (ranking). Labels are compared by [`crate::label`], with the synonym table the mapping set loads. Reports
//! carry counts, field ids, labels and file paths only, never a value from a record.

pub mod burden;
pub mod changes;
pub mod drift;
pub mod extras;
pub mod failures;
pub mod findings;
pub mod gaps;
pub mod run;
pub mod time;
pub mod versions;

use std::collections::{BTreeMap, HashMap};

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::mapping::{Mapping, MappingSet};
use crate::record::{FieldStatus, Record, RecordStatus};
use crate::template::Statutory;

use crate::label::{self, Normaliser};
use burden::BurdenRow;
use changes::{ChangeTally, Changes};
use drift::{Drift, DriftTally};
use extras::{Cluster, Duplicate};
use failures::{FailureGroup, FailureTally};
use findings::Finding;
use gaps::{Completeness, FieldRef, FieldTally};
use run::RunInfo;

/// The version of the report.json structure.
pub const REPORT_VERSION: u32 = 1;

/// Documents of one form by record status.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DocCounts {
    /// Recognised documents.
    pub total: u64,
    /// ok.
    pub ok: u64,
    /// partial.
    pub partial: u64,
    /// blank.
    pub blank: u64,
    /// ok + partial: the completeness denominator.
    pub filled: u64,
}

#[derive(Debug, Clone, Default)]
struct FormTally {
    docs: DocCounts,
    fields: BTreeMap<String, FieldTally>,
    drift: DriftTally,
}

/// The running audit of one run (or of a finished run's records.jsonl).
pub struct Audit<'s> {
    set: &'s MappingSet,
    unconsumed_checked: bool,
    forms: Vec<FormTally>,
    index: HashMap<String, usize>,
    without_mapping: BTreeMap<String, u64>,
    volumes: Option<crate::senco::Volumes>,
}

impl<'s> Audit<'s> {
    /// An empty audit of a mapping set, fed by a run (records carry their unconsumed source fields).
    pub fn new(set: &'s MappingSet) -> Audit<'s> {
        let forms = set
            .mappings
            .iter()
            .map(|m| FormTally {
                fields: m
                    .fields
                    .iter()
                    .map(|r| (r.target.clone(), FieldTally::default()))
                    .collect(),
                ..FormTally::default()
            })
            .collect();
        let index = set
            .mappings
            .iter()
            .enumerate()
            .map(|(i, m)| (m.id.clone(), i))
            .collect();
        Audit {
            set,
            unconsumed_checked: true,
            forms,
            index,
            without_mapping: BTreeMap::new(),
            volumes: None,
        }
    }

    /// With the analyst's volumes (requests a year per LA), for the national SENCo-time figures.
    pub fn with_volumes(self, volumes: Option<crate::senco::Volumes>) -> Audit<'s> {
        Audit { volumes, ..self }
    }

    /// An empty audit fed from records.jsonl, which does not carry unconsumed source fields.
    pub fn from_records(set: &'s MappingSet) -> Audit<'s> {
        Audit {
            unconsumed_checked: false,
            ..Audit::new(set)
        }
    }

    /// Folds one record in.
    pub fn add(&mut self, record: &Record) {
        self.add_view(&AuditView::of(record));
    }

    /// Folds in one record seen through [`AuditView`] (e.g. parsed straight from a `records.jsonl` line).
    pub fn add_view(&mut self, record: &AuditView<'_>) {
        let Some(form) = self
            .index
            .get(record.mapping.as_ref())
            .and_then(|&i| self.forms.get_mut(i))
        else {
            *self
                .without_mapping
                .entry(record.mapping.to_string())
                .or_default() += 1;
            return;
        };
        let filled = record.status != RecordStatus::Blank;
        form.docs.total += 1;
        match record.status {
            RecordStatus::Ok => form.docs.ok += 1,
            RecordStatus::Partial => form.docs.partial += 1,
            RecordStatus::Blank => form.docs.blank += 1,
        }
        if filled {
            form.docs.filled += 1;
        }
        for (id, outcome) in &record.fields.0 {
            if outcome.status == FieldStatus::NotFound {
                let locator = outcome.source.as_deref().unwrap_or("(unknown locator)");
                form.drift.locator(id, locator, &record.file);
            }
            if !filled {
                continue;
            }
            if let Some(tally) = form.fields.get_mut(id.as_ref()) {
                let reasons = outcome
                    .reason
                    .iter()
                    .chain(
                        outcome
                            .items
                            .iter()
                            .flatten()
                            .filter_map(|i| i.reason.as_ref()),
                    )
                    .map(AsRef::as_ref);
                tally.add(outcome.status, reasons);
            }
        }
        for (id, outcome) in &record.extras.0 {
            if outcome.status == FieldStatus::NotFound {
                let locator = outcome.source.as_deref().unwrap_or("(unknown locator)");
                form.drift
                    .locator(&format!("extra.{id}"), locator, &record.file);
            }
        }
        for key in record.unconsumed {
            form.drift.unconsumed(&key.key, key.digest, &record.file);
        }
        // With a reference form: re-anchored fields carry the mapping's locator, lost ones a reason with their
        // `not_found` (a plain `not_found` has none).
        let all = || record.fields.0.iter().chain(&record.extras.0);
        let reanchored: Vec<&str> = all()
            .filter(|(_, f)| f.reanchored.is_some())
            .map(|(id, _)| id.as_ref())
            .collect();
        let lost: Vec<&str> = all()
            .filter(|(_, f)| f.status == FieldStatus::NotFound && f.reason.is_some())
            .map(|(id, _)| id.as_ref())
            .collect();
        form.drift
            .versions
            .add(&record.file, &record.form_changes, &reanchored, &lost);
    }

    /// Derives the report from the records alone.
    pub fn finish(self) -> AuditReport {
        self.finish_with(RunFacts::default())
    }

    /// Derives the report, with what the run (or the rebuild) knows besides the records.
    pub fn finish_with(self, facts: RunFacts) -> AuditReport {
        let set = self.set;
        let template = &set.template;
        let norm = Normaliser::new(&set.synonyms);
        let order = gaps::statutory_order(template);
        let mut forms = Vec::with_capacity(set.mappings.len());
        let mut burden = Vec::with_capacity(set.mappings.len());
        for (mapping, tally) in set.mappings.iter().zip(&self.forms) {
            let duplicates = extras::duplicates(mapping, template, &set.synonyms, &norm);
            let minutes = set
                .senco_time
                .as_ref()
                .map(|model| time::form_minutes(mapping, template, model, &duplicates));
            burden.push(burden::row(mapping, template, duplicates.len(), minutes));
            let completeness = order
                .iter()
                .filter_map(|d| {
                    let t = tally.fields.get(&d.id)?;
                    Some(Completeness::new(FieldRef::of(d), tally.docs.filled, t))
                })
                .collect();
            forms.push(FormReport {
                mapping: mapping.id.clone(),
                la_code: mapping.la_code.clone(),
                la_name: mapping.la_name.clone(),
                form: mapping.form.clone(),
                version: mapping.version.clone(),
                format: mapping.format.as_str().to_string(),
                documents: tally.docs.clone(),
                gaps: gaps::coverage_gaps(mapping, template),
                completeness,
                drift: tally.drift.report(
                    tally.docs.total,
                    &format!("{} ({})", mapping.la_name, mapping.la_code),
                ),
                non_statutory: non_statutory(mapping, set, &duplicates),
                duplicates,
            });
        }
        let clusters = extras::clusters(&set.mappings, &norm);
        let failures = facts.failures.report();
        let docs = |f: fn(&DocCounts) -> u64| forms.iter().map(|r| f(&r.documents)).sum::<u64>();
        let summary = Summary {
            forms: forms.len(),
            documents: docs(|d| d.total),
            filled_documents: docs(|d| d.filled),
            blank_documents: docs(|d| d.blank),
            failed_documents: failures.iter().map(|g| g.count).sum(),
            records_without_mapping: self.without_mapping,
            unconsumed_checked: self.unconsumed_checked,
            must_gaps: forms
                .iter()
                .map(|f| {
                    f.gaps
                        .iter()
                        .filter(|g| g.statutory == Statutory::Must)
                        .count()
                })
                .sum(),
            should_gaps: forms
                .iter()
                .map(|f| {
                    f.gaps
                        .iter()
                        .filter(|g| g.statutory == Statutory::Should)
                        .count()
                })
                .sum(),
            non_statutory_demands: forms.iter().map(|f| f.non_statutory.len()).sum(),
            duplicates: forms.iter().map(|f| f.duplicates.len()).sum(),
            recurring_clusters: clusters.iter().filter(|c| c.las >= 2).count(),
            drift_warnings: forms
                .iter()
                .map(|f| f.drift.not_found.len() + f.drift.unconsumed.len())
                .sum(),
        };
        let burden = burden::rank(burden);
        let findings = findings::rank(&forms, &clusters, &failures, template);
        let senco_time = set
            .senco_time
            .as_ref()
            .map(|model| time::senco_time(model, template, &burden, self.volumes.as_ref()));
        AuditReport {
            report_version: REPORT_VERSION,
            run_id: String::new(),
            template_version: template.version.clone(),
            run: facts.run,
            findings,
            changes: facts.changes.map(|t| t.finish(&burden)),
            failures,
            summary,
            thresholds: Thresholds::current(),
            fields: order.into_iter().map(FieldRef::of).collect(),
            forms,
            burden,
            clusters,
            senco_time,
        }
    }
}

fn non_statutory(mapping: &Mapping, set: &MappingSet, duplicates: &[Duplicate]) -> Vec<Demand> {
    let mut out: Vec<Demand> = mapping
        .fields
        .iter()
        .filter_map(|r| {
            let def = set.template.get(&r.target)?;
            (def.statutory == Statutory::No).then(|| Demand {
                kind: DemandKind::Field,
                id: r.target.clone(),
                label: def.label.clone(),
                printed: r.printed.clone(),
                duplicates: None,
            })
        })
        .collect();
    out.extend(mapping.extras.iter().map(|r| {
        Demand {
            kind: DemandKind::Extra,
            id: r.target.clone(),
            label: r.printed.clone().unwrap_or_else(|| r.target.clone()),
            printed: r.printed.clone(),
            duplicates: duplicates
                .iter()
                .find(|d| d.extra == r.target)
                .map(|d| d.field.clone()),
        }
    }));
    out
}

/// Whether a demand is a mapped non-statutory national field or an extra.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DemandKind {
    /// A national field with `statutory = "no"`.
    Field,
    /// An extra field.
    Extra,
}

/// A non-statutory demand of one form.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Demand {
    /// field or extra.
    pub kind: DemandKind,
    /// The national field id or the extra's id.
    pub id: String,
    /// The template label (fields) or the printed label (extras).
    pub label: String,
    /// The question as the form prints it, when the mapping says.
    pub printed: Option<String>,
    /// For an extra that duplicates a mapped national field: that field.
    pub duplicates: Option<String>,
}

/// Everything the audit found about one LA form.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormReport {
    /// The mapping id.
    pub mapping: String,
    /// LA code.
    pub la_code: String,
    /// LA name.
    pub la_name: String,
    /// Form title.
    pub form: String,
    /// Form version.
    pub version: String,
    /// Document format.
    pub format: String,
    /// Recognised documents by status.
    pub documents: DocCounts,
    /// National fields the form does not ask for, must first.
    pub gaps: Vec<FieldRef>,
    /// Mapped fields, statutory first, over filled documents.
    pub completeness: Vec<Completeness>,
    /// Drift.
    pub drift: Drift,
    /// Mapped non-statutory fields, then extras.
    pub non_statutory: Vec<Demand>,
    /// Extras that ask again for a mapped national field.
    pub duplicates: Vec<Duplicate>,
}

/// Totals over all forms.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// LA forms (mappings).
    pub forms: usize,
    /// Recognised documents.
    pub documents: u64,
    /// Filled (ok or partial) documents.
    pub filled_documents: u64,
    /// Blank documents.
    pub blank_documents: u64,
    /// Documents that produced no record (unrecognised, unreadable, ...): [`AuditReport::failures`].
    pub failed_documents: u64,
    /// Records whose mapping is not in the mapping set (a report rebuilt with other mappings), by mapping id.
    pub records_without_mapping: BTreeMap<String, u64>,
    /// False when rebuilt from records.jsonl, which does not carry unconsumed source fields.
    pub unconsumed_checked: bool,
    /// Missing `must` fields, summed over forms.
    pub must_gaps: usize,
    /// Missing `should` fields, summed over forms.
    pub should_gaps: usize,
    /// Non-statutory demands, summed over forms.
    pub non_statutory_demands: usize,
    /// Within-form duplicates, summed over forms.
    pub duplicates: usize,
    /// Clusters of extras demanded by two or more LAs.
    pub recurring_clusters: usize,
    /// Drift findings (locators and unconsumed fields), summed over forms.
    pub drift_warnings: usize,
}

/// What a run (or `harmonise report`) knows besides the records, for [`Audit::finish_with`].
#[derive(Debug, Clone, Default)]
pub struct RunFacts {
    /// The manifest's rows that produced no record.
    pub failures: FailureTally,
    /// When, by what and from where.
    pub run: RunInfo,
    /// This run's rows compared with the previous run's, when there was one.
    pub changes: Option<ChangeTally>,
}

/// The thresholds the audit used, so that a report documents itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Thresholds {
    /// [`label::JACCARD_MIN`].
    pub jaccard_min: f64,
    /// [`label::LEVENSHTEIN_MIN`].
    pub levenshtein_min: f64,
    /// [`label::AUDIT_STOP_WORDS`].
    pub stop_words: Vec<String>,
    /// [`drift::MAX_EXAMPLES`].
    pub max_examples: usize,
    /// [`gaps::TOP_REASONS`].
    pub top_invalid_reasons: usize,
}

impl Thresholds {
    /// The thresholds of this build.
    pub fn current() -> Thresholds {
        Thresholds {
            jaccard_min: label::JACCARD_MIN,
            levenshtein_min: label::LEVENSHTEIN_MIN,
            stop_words: label::AUDIT_STOP_WORDS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            max_examples: drift::MAX_EXAMPLES,
            top_invalid_reasons: gaps::TOP_REASONS,
        }
    }
}

/// The whole audit: the content of report.json, and what the HTML and xlsx reports render.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditReport {
    /// [`REPORT_VERSION`].
    pub report_version: u32,
    /// The run (or `harmonise report`) that wrote the report: `manifest.json` lists it with each output it
    /// belongs with. Set by the writer of the outputs.
    pub run_id: String,
    /// The national template's version.
    pub template_version: String,
    /// When, by what build, from which input folder and mappings.
    pub run: RunInfo,
    /// What to look at first, ranked ([`findings`]).
    pub findings: Vec<Finding>,
    /// What changed since the previous run (`null` with none, and in a rebuilt report).
    pub changes: Option<Changes>,
    /// Documents that produced no record, by status and reason, most first (from the manifest's rows).
    pub failures: Vec<FailureGroup>,
    /// Totals.
    pub summary: Summary,
    /// Thresholds used.
    pub thresholds: Thresholds,
    /// National fields in report order (must, should, no): the heatmap's columns.
    pub fields: Vec<FieldRef>,
    /// One entry per LA form, in mapping id order.
    pub forms: Vec<FormReport>,
    /// Burden, worst first.
    pub burden: Vec<BurdenRow>,
    /// Clusters of extras across LAs, most LAs first.
    pub clusters: Vec<Cluster>,
    /// Estimated SENCo time (with its model, and national hours a year given volumes), when the mapping set has
    /// a SENCo-time model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub senco_time: Option<time::SencoTime>,
}

/// What the audit reads of a record: no values. Deserializes from a `records.jsonl` line borrowing its strings
/// (values are skipped unparsed), so a carried-forward record is audited without building a [`Record`].
#[derive(Debug, Deserialize)]
pub struct AuditView<'a> {
    /// The document.
    #[serde(borrow)]
    pub file: Cow<'a, str>,
    /// The mapping.
    #[serde(borrow)]
    pub mapping: Cow<'a, str>,
    /// ok, partial or blank.
    pub status: RecordStatus,
    /// National fields, in order.
    #[serde(borrow)]
    pub fields: Ordered<'a>,
    /// Extra fields, in order.
    #[serde(borrow, default)]
    pub extras: Ordered<'a>,
    /// Unconsumed source fields (not in records.jsonl: set by the caller).
    #[serde(skip)]
    pub unconsumed: &'a [crate::record::SourceKey],
    /// How the document's printed text differs from the mapping's reference form.
    #[serde(default)]
    pub form_changes: Cow<'a, [crate::reference::Change]>,
}

/// Fields by id, in document order.
#[derive(Debug, Default)]
pub struct Ordered<'a>(pub Vec<(Cow<'a, str>, FieldView<'a>)>);

/// What the audit reads of one field.
#[derive(Debug, Deserialize)]
pub struct FieldView<'a> {
    /// Its status.
    pub status: FieldStatus,
    /// Why invalid.
    #[serde(borrow, default)]
    pub reason: Option<Cow<'a, str>>,
    /// Provenance or the locator that found nothing.
    #[serde(borrow, default)]
    pub source: Option<Cow<'a, str>>,
    /// Group members.
    #[serde(borrow, default)]
    pub items: Option<Vec<ItemView<'a>>>,
    /// The mapping's locator, when the field was re-anchored.
    #[serde(borrow, default)]
    pub reanchored: Option<Cow<'a, str>>,
}

/// What the audit reads of one group member.
#[derive(Debug, Deserialize)]
pub struct ItemView<'a> {
    /// Why invalid.
    #[serde(borrow, default)]
    pub reason: Option<Cow<'a, str>>,
}

impl<'de: 'a, 'a> Deserialize<'de> for Ordered<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visit<'a> {
            type Value = Ordered<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map of fields")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> Result<Self::Value, M::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(64));
                while let Some(entry) = map.next_entry::<BorrowedKey<'a>, FieldView<'a>>()? {
                    out.push((entry.0.0, entry.1));
                }
                Ok(Ordered(out))
            }
        }
        d.deserialize_map(Visit(std::marker::PhantomData))
    }
}

/// A map key that borrows when it can.
#[derive(Deserialize)]
struct BorrowedKey<'a>(#[serde(borrow)] Cow<'a, str>);

impl<'a> AuditView<'a> {
    /// A view of a record in memory.
    pub fn of(record: &'a Record) -> AuditView<'a> {
        let view = |fields: &'a indexmap::IndexMap<String, crate::record::FieldOutcome>| {
            Ordered(
                fields
                    .iter()
                    .map(|(id, f)| {
                        (
                            Cow::Borrowed(id.as_str()),
                            FieldView {
                                status: f.status,
                                reason: f.reason.as_deref().map(Cow::Borrowed),
                                source: f.source.as_deref().map(Cow::Borrowed),
                                reanchored: f.reanchored.as_deref().map(Cow::Borrowed),
                                items: f.items.as_ref().map(|items| {
                                    items
                                        .iter()
                                        .map(|i| ItemView {
                                            reason: i.reason.as_deref().map(Cow::Borrowed),
                                        })
                                        .collect()
                                }),
                            },
                        )
                    })
                    .collect(),
            )
        };
        AuditView {
            file: Cow::Borrowed(&record.file),
            mapping: Cow::Borrowed(&record.mapping),
            status: record.status,
            fields: view(&record.fields),
            extras: view(&record.extras),
            unconsumed: &record.unconsumed,
            form_changes: Cow::Borrowed(&record.form_changes),
        }
    }
}
