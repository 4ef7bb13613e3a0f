//! The synonym tables, kept as data in the mappings folder so that analysts can extend them without a rebuild.
//! Two files, one loader:
//!
//! ```toml
//! # mappings/synonyms.toml: the audit's label comparison.
//! # Words or phrases replaced before labels are compared (whole words, any case).
//! [terms]
//! sdq = "strengths and difficulties questionnaire"
//! # Other wordings of national template fields, for the within-form duplicate check.
//! [fields]
//! "setting.name" = ["name of setting", "current school"]
//! ```
//!
//! ```toml
//! # mappings/suggest-synonyms.toml: how `harmonise suggest` recognises a field's label.
//! split_name = ["full name"]   # phrases of one box feeding child.forename and child.surname
//! [fields]
//! "child.date_of_birth" = ["dob", "birth date"]
//! ```
//!
//! A missing file is an empty table; a malformed one, or a `[fields]` key that is no field of the national
//! template, is a diagnostic with `file:line:column` like the mapping files'.

use std::path::Path;

use indexmap::IndexMap;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::diag::{Diagnostic, Diagnostics};

/// Which synonym file: each has its own keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SynonymFile {
    /// `synonyms.toml`: `[terms]` and `[fields]`, for the audit.
    Audit,
    /// `suggest-synonyms.toml`: `split_name` and `[fields]`, for `harmonise suggest`.
    Suggest,
}

impl SynonymFile {
    /// The file's name inside the mappings folder.
    pub fn file_name(self) -> &'static str {
        match self {
            SynonymFile::Audit => "synonyms.toml",
            SynonymFile::Suggest => "suggest-synonyms.toml",
        }
    }
}

/// A loaded synonym table (the keys its file does not have are empty).
#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    /// Word or phrase -> its replacement, in file order (`synonyms.toml`).
    pub terms: IndexMap<String, String>,
    /// National field id -> other printed wordings of it, in file order.
    pub fields: IndexMap<String, Vec<String>>,
    /// Phrases of a single "full name" box (`suggest-synonyms.toml`).
    pub split_name: Vec<String>,
}

type Fields = IndexMap<toml::Spanned<String>, Vec<String>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAudit {
    #[serde(default)]
    terms: IndexMap<String, String>,
    #[serde(default)]
    fields: Fields,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuggest {
    #[serde(default)]
    split_name: Vec<String>,
    #[serde(default)]
    fields: Fields,
}

impl Synonyms {
    /// Loads a synonym file from a mappings folder; a missing file is an empty table. Field ids are checked
    /// against `known` (the template's ids).
    pub fn load_in(
        dir: &Path,
        file: SynonymFile,
        known: &dyn Fn(&str) -> bool,
    ) -> Result<Synonyms, Diagnostics> {
        let path = dir.join(file.file_name());
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Synonyms::default()),
            Err(e) => {
                return Err(
                    Diagnostic::io(&path, format!("cannot read the synonym table: {e}")).into(),
                );
            }
        };
        Synonyms::parse(&path, &text, file, known)
    }

    /// Parses synonym-file text; `path` is used in diagnostics.
    pub fn parse(
        path: &Path,
        text: &str,
        file: SynonymFile,
        known: &dyn Fn(&str) -> bool,
    ) -> Result<Synonyms, Diagnostics> {
        let (terms, split_name, raw_fields) = match file {
            SynonymFile::Audit => {
                let raw: RawAudit = from_toml(path, text)?;
                (raw.terms, Vec::new(), raw.fields)
            }
            SynonymFile::Suggest => {
                let raw: RawSuggest = from_toml(path, text)?;
                (IndexMap::new(), raw.split_name, raw.fields)
            }
        };
        let mut diags = Diagnostics::default();
        let mut fields = IndexMap::new();
        for (id, words) in raw_fields {
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
            terms,
            fields,
            split_name,
        })
    }
}

fn from_toml<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, Diagnostics> {
    toml::from_str(text).map_err(|e| Diagnostics::from(Diagnostic::toml(path, text, &e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_table_points_at_line_and_column() {
        let err = Synonyms::parse(
            Path::new("s.toml"),
            "[terms]\nsdq = 3\n",
            SynonymFile::Audit,
            &|_| true,
        )
        .unwrap_err();
        let d = &err.items[0];
        assert_eq!((d.line, d.column), (2, 7), "{d}");
        let err = Synonyms::parse(
            Path::new("s.toml"),
            "[fields]\n\"child.dob\" = [\"dob\"]\n",
            SynonymFile::Audit,
            &|id| id == "child.date_of_birth",
        )
        .unwrap_err();
        assert_eq!(err.items[0].line, 2);
        assert!(err.items[0].message.contains("child.dob"));
    }

    #[test]
    fn a_bad_suggest_table_points_at_line_and_column() {
        let path = Path::new("suggest-synonyms.toml");
        let err = Synonyms::parse(
            path,
            "split_name = [\"full name\"]\n[fields]\n\"child.gender\" = \"sex\"\n",
            SynonymFile::Suggest,
            &|_| true,
        )
        .unwrap_err();
        let d = &err.items[0];
        assert_eq!((d.line, d.column), (3, 18), "{d}");
        assert!(
            d.to_string().starts_with("suggest-synonyms.toml:3:18"),
            "{d}"
        );
        // Each file has its own keys.
        let err = Synonyms::parse(
            path,
            "[terms]\nsdq = \"x\"\n",
            SynonymFile::Suggest,
            &|_| true,
        )
        .unwrap_err();
        assert_eq!(err.items[0].line, 1, "{}", err.items[0]);
        let ok = Synonyms::parse(
            path,
            "split_name = [\"full name\"]\n[fields]\n\"child.gender\" = [\"sex\"]\n",
            SynonymFile::Suggest,
            &|_| true,
        )
        .unwrap();
        assert_eq!(ok.split_name, ["full name"]);
        assert_eq!(ok.fields["child.gender"], ["sex"]);
    }

    #[test]
    fn a_missing_table_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        for file in [SynonymFile::Audit, SynonymFile::Suggest] {
            let s = Synonyms::load_in(dir.path(), file, &|_| true).unwrap();
            assert!(s.terms.is_empty() && s.fields.is_empty() && s.split_name.is_empty());
        }
    }
}
