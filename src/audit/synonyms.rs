//! The synonym table, kept as data in `mappings/synonyms.toml` so that analysts can extend it without a rebuild.
//!
//! ```toml
//! # Words or phrases replaced before labels are compared (whole words, any case).
//! [terms]
//! sdq = "strengths and difficulties questionnaire"
//! photo = "photograph"
//!
//! # Other wordings of national template fields, for the within-form duplicate check.
//! [fields]
//! "setting.name" = ["name of setting", "current school"]
//! ```
//!
//! A missing file is an empty table; a malformed one is a diagnostic with `file:line:column`, reported by
//! [`crate::mapping::MappingSet::load`] with the mapping files (so `harmonise check` checks it too).

use std::path::Path;

use indexmap::IndexMap;
use serde::Deserialize;

use crate::diag::{Diagnostic, Diagnostics};

/// The file name inside the mappings folder.
pub const FILE_NAME: &str = "synonyms.toml";

/// The loaded synonym table.
#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    /// Word or phrase -> its replacement, in file order.
    pub terms: IndexMap<String, String>,
    /// National field id -> other printed wordings of it.
    pub fields: IndexMap<String, Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSynonyms {
    #[serde(default)]
    terms: IndexMap<String, String>,
    #[serde(default)]
    fields: IndexMap<toml::Spanned<String>, Vec<String>>,
}

impl Synonyms {
    /// Loads `synonyms.toml` from a mappings folder; a missing file is an empty table. Field ids are checked
    /// against `known` (the template's ids).
    pub fn load_in(dir: &Path, known: &dyn Fn(&str) -> bool) -> Result<Synonyms, Diagnostics> {
        let path = dir.join(FILE_NAME);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Synonyms::default()),
            Err(e) => {
                return Err(
                    Diagnostic::io(&path, format!("cannot read the synonym table: {e}")).into(),
                );
            }
        };
        Synonyms::parse(&path, &text, known)
    }

    /// Parses synonym-table text; `path` is used in diagnostics.
    pub fn parse(
        path: &Path,
        text: &str,
        known: &dyn Fn(&str) -> bool,
    ) -> Result<Synonyms, Diagnostics> {
        let raw: RawSynonyms = toml::from_str(text)
            .map_err(|e| Diagnostics::from(Diagnostic::toml(path, text, &e)))?;
        let mut diags = Diagnostics::default();
        let mut fields = IndexMap::new();
        for (id, words) in raw.fields {
            if !known(id.get_ref()) {
                diags.push(Diagnostic::error(
                    path,
                    text,
                    id.span(),
                    format!("`{}` is not a field of the national template", id.get_ref()),
                ));
                continue;
            }
            fields.insert(id.into_inner(), words);
        }
        diags.into_result(Synonyms {
            terms: raw.terms,
            fields,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_table_points_at_line_and_column() {
        let err =
            Synonyms::parse(Path::new("s.toml"), "[terms]\nsdq = 3\n", &|_| true).unwrap_err();
        let d = &err.items[0];
        assert_eq!((d.line, d.column), (2, 7), "{d}");
        let err = Synonyms::parse(
            Path::new("s.toml"),
            "[fields]\n\"child.dob\" = [\"dob\"]\n",
            &|id| id == "child.date_of_birth",
        )
        .unwrap_err();
        assert_eq!(err.items[0].line, 2);
        assert!(err.items[0].message.contains("child.dob"));
    }

    #[test]
    fn a_missing_table_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let s = Synonyms::load_in(dir.path(), &|_| true).unwrap();
        assert!(s.terms.is_empty() && s.fields.is_empty());
    }
}
