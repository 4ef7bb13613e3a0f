//! The run a report describes: when it was written, by which build, from which input folder, against which
//! template and mapping set. So a nightly report can be dated and matched to its inputs from the page alone.

use serde::Serialize;

use crate::mapping::MappingSet;

/// Metadata of the run (or `harmonise report`) that wrote a report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RunInfo {
    /// When the report was written, UTC, RFC 3339 (to the second). `SOURCE_DATE_EPOCH` fixes it.
    pub generated_at: String,
    /// harmonise's version.
    pub harmonise_version: String,
    /// The input folder, as an absolute path (`null` when a rebuild finds no manifest saying it).
    pub input_folder: Option<String>,
    /// The national template's version.
    pub template_version: String,
    /// How many LA mappings the set has.
    pub mappings: usize,
    /// blake3 of the mapping set: every mapping's id and fingerprint, one `id fingerprint` line each, by id. Two
    /// reports with the same digest were made with the same mappings.
    pub mapping_digest: String,
    /// True when written by `harmonise report` from a finished run's records, not by a run.
    pub rebuilt: bool,
}

impl RunInfo {
    /// The metadata of a run over `set` at `now`.
    pub fn new(
        set: &MappingSet,
        now: jiff::Timestamp,
        input_folder: Option<String>,
        rebuilt: bool,
    ) -> RunInfo {
        RunInfo {
            generated_at: now.round(jiff::Unit::Second).unwrap_or(now).to_string(),
            harmonise_version: env!("CARGO_PKG_VERSION").to_string(),
            input_folder,
            template_version: set.template.version.clone(),
            mappings: set.mappings.len(),
            mapping_digest: mapping_digest(set),
            rebuilt,
        }
    }
}

/// [`RunInfo::mapping_digest`].
pub fn mapping_digest(set: &MappingSet) -> String {
    let mut lines: Vec<String> = set
        .mappings
        .iter()
        .map(|m| format!("{} {}\n", m.id, m.fingerprint))
        .collect();
    lines.sort_unstable();
    let mut hasher = blake3::Hasher::new();
    for line in &lines {
        hasher.update(line.as_bytes());
    }
    hasher.finalize().to_hex().to_string()
}
