//! The SENCo-time model: an estimate of the minutes a SENCo spends answering a form, from coefficients in a data
//! file (`mappings/senco-time.toml`: minutes per tick box, short answer, paragraph, attachment and signature, each
//! with its source or assumption), applied to a form's questions (its mapping's rules). And the volumes file an
//! analyst may give (`la_code`, requests a year) to scale the estimate to SENCo hours a year.
//!
//! Pure data and arithmetic: it sees mapping rules and template fields, never a document. Every figure it makes is
//! an estimate and is labelled one wherever it is shown.

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::diag::{Diagnostic, Diagnostics};
use crate::mapping::{Locator, Rule};
use crate::template::{FieldDef, FieldType, Template};

/// The model's file name in a mappings folder.
pub const FILE_NAME: &str = "senco-time.toml";

/// The kinds of question the model prices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A tick box, yes/no or one of a list.
    Tick,
    /// A fact written in a few words (a name, a date, an identifier).
    Short,
    /// A paragraph of free text (needs, views, progress).
    Paragraph,
    /// A document to find and attach (a report, a plan, evidence).
    Attachment,
    /// A signature.
    Signature,
}

impl Kind {
    /// Every kind, in the model file's order.
    pub const ALL: [Kind; 5] = [
        Kind::Tick,
        Kind::Short,
        Kind::Paragraph,
        Kind::Attachment,
        Kind::Signature,
    ];

    /// The kind as the model file and the reports write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Tick => "tick",
            Kind::Short => "short",
            Kind::Paragraph => "paragraph",
            Kind::Attachment => "attachment",
            Kind::Signature => "signature",
        }
    }
}

/// One coefficient: minutes per question of a kind, and where the figure comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coefficient {
    /// The kind of question.
    pub kind: Kind,
    /// Minutes a SENCo spends on one.
    pub minutes: f64,
    /// Its source, or the assumption it rests on.
    pub source: String,
}

/// The loaded model.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// The model file's `version`.
    pub version: String,
    /// One per kind, in [`Kind::ALL`] order.
    pub coefficients: Vec<Coefficient>,
    /// Members assumed for a group question (parents, professionals) whose form does not fix how many.
    pub group_members: u32,
    /// Words that make a question a signature, an attachment or a paragraph (lower case, matched in its printed
    /// wording or, without one, the template label).
    pub signature_words: Vec<String>,
    /// See `signature_words`.
    pub attachment_words: Vec<String>,
    /// See `signature_words`; for text questions only.
    pub paragraph_words: Vec<String>,
    /// Template fields that are free-text paragraphs whatever their wording.
    pub paragraph_fields: Vec<String>,
    /// blake3 of the file: a changed model rebuilds the reports.
    pub fingerprint: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    version: String,
    group_members: Spanned<i64>,
    minutes: RawMinutes,
    words: RawWords,
    #[serde(default)]
    paragraph_fields: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMinutes {
    tick: RawCoefficient,
    short: RawCoefficient,
    paragraph: RawCoefficient,
    attachment: RawCoefficient,
    signature: RawCoefficient,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCoefficient {
    minutes: Spanned<f64>,
    source: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWords {
    signature: Vec<String>,
    attachment: Vec<String>,
    paragraph: Vec<String>,
}

impl Model {
    /// Loads `senco-time.toml` from a mappings folder; `Ok(None)` when there is none (no estimate is made).
    pub fn load_in(dir: &Path, template: &Template) -> Result<Option<Model>, Diagnostics> {
        let path = dir.join(FILE_NAME);
        match std::fs::read_to_string(&path) {
            Ok(text) => Model::parse(&path, &text, template).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => {
                Err(Diagnostic::io(&path, format!("cannot read the SENCo-time model: {e}")).into())
            }
        }
    }

    /// Parses and checks the model's text: every minute figure a finite number from 0 to 600 with a source,
    /// `group_members` from 1 to 20, every paragraph field a template field.
    pub fn parse(path: &Path, text: &str, template: &Template) -> Result<Model, Diagnostics> {
        let raw: RawModel = toml::from_str(text).map_err(|e| Diagnostic::toml(path, text, &e))?;
        let mut diags = Diagnostics::default();
        let mut bad = |span: Range<usize>, message: String| {
            diags.push(Diagnostic::error(path, text, span, message));
        };
        let m = &raw.minutes;
        let mut coefficients = Vec::new();
        for (kind, c) in Kind::ALL.into_iter().zip([
            &m.tick,
            &m.short,
            &m.paragraph,
            &m.attachment,
            &m.signature,
        ]) {
            let minutes = *c.minutes.get_ref();
            if !(minutes.is_finite() && (0.0..=600.0).contains(&minutes)) {
                bad(
                    c.minutes.span(),
                    format!("{} minutes must be from 0 to 600", kind.as_str()),
                );
            }
            if c.source.get_ref().trim().is_empty() {
                bad(
                    c.source.span(),
                    format!(
                        "the {} figure needs its source or assumption",
                        kind.as_str()
                    ),
                );
            }
            coefficients.push(Coefficient {
                kind,
                minutes,
                source: c.source.get_ref().trim().to_string(),
            });
        }
        let group_members = *raw.group_members.get_ref();
        if !(1..=20).contains(&group_members) {
            bad(
                raw.group_members.span(),
                "group_members must be from 1 to 20".into(),
            );
        }
        for id in &raw.paragraph_fields {
            if template.get(id.get_ref()).is_none() {
                bad(
                    id.span(),
                    format!("`{}` is not a field of the national template", id.get_ref()),
                );
            }
        }
        if diags.has_errors() {
            return Err(diags);
        }
        let lower = |words: &[String]| words.iter().map(|w| w.to_lowercase()).collect();
        Ok(Model {
            version: raw.version,
            coefficients,
            group_members: u32::try_from(group_members).unwrap_or(1),
            signature_words: lower(&raw.words.signature),
            attachment_words: lower(&raw.words.attachment),
            paragraph_words: lower(&raw.words.paragraph),
            paragraph_fields: raw
                .paragraph_fields
                .into_iter()
                .map(Spanned::into_inner)
                .collect(),
            fingerprint: blake3::hash(text.as_bytes()).to_hex().to_string(),
        })
    }

    /// Minutes per question of `kind`.
    pub fn minutes(&self, kind: Kind) -> f64 {
        self.coefficients
            .iter()
            .find(|c| c.kind == kind)
            .map_or(0.0, |c| c.minutes)
    }

    /// The kind of a question: a signature or an attachment by its wording; a paragraph when it is a listed
    /// paragraph field or a text question worded as one; a tick box when it is yes/no, one of a list or read
    /// from tick boxes; else a short answer. `def` is the template field (none for an extra), `ty` its type.
    pub fn classify(&self, rule: &Rule, def: Option<&FieldDef>, ty: Option<&FieldType>) -> Kind {
        let wording = rule
            .printed
            .as_deref()
            .or(def.map(|d| d.label.as_str()))
            .unwrap_or(&rule.target)
            .to_lowercase();
        let has = |words: &[String]| words.iter().any(|w| wording.contains(w.as_str()));
        let ticked = rule.choice.is_some()
            || matches!(rule.locator, Some(Locator::Tick(_) | Locator::PdfTick(_)))
            || matches!(ty, Some(FieldType::Bool | FieldType::Enum(_)));
        if has(&self.signature_words) {
            Kind::Signature
        } else if has(&self.attachment_words) {
            Kind::Attachment
        } else if def.is_some_and(|d| self.paragraph_fields.contains(&d.id))
            || (!ticked && matches!(ty, Some(FieldType::Text)) && has(&self.paragraph_words))
        {
            Kind::Paragraph
        } else if ticked {
            Kind::Tick
        } else {
            Kind::Short
        }
    }

    /// How many times a question is answered: once, or for a group question once per member (as many as its
    /// locator lists, else [`Model::group_members`]).
    pub fn times(&self, rule: &Rule, group: bool) -> u32 {
        if !group {
            return 1;
        }
        match &rule.locator {
            Some(Locator::Cells(cells)) => u32::try_from(cells.len()).unwrap_or(1),
            Some(Locator::Fields(fields)) => u32::try_from(fields.len()).unwrap_or(1),
            _ => self.group_members,
        }
    }
}

/// Requests for an EHC needs assessment a year, per LA code: the analyst's volumes file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Volumes {
    /// (LA code, requests a year), in file order.
    pub rows: Vec<(String, u64)>,
    /// The file, for the report.
    pub path: PathBuf,
    /// blake3 of the file: a changed file rebuilds the reports.
    pub fingerprint: String,
}

/// Why a volumes file cannot be used: said with its line, never quoting more than the LA code.
#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct VolumesError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong, with the line.
    pub message: String,
}

impl Volumes {
    /// Reads a CSV with a header naming `la_code` and `requests` (or `requests_per_year`), one row per LA; a UTF-8
    /// BOM is skipped. Every row must have an LA code, once, and a whole number of requests.
    pub fn load(path: &Path) -> Result<Volumes, VolumesError> {
        let fail = |message: String| VolumesError {
            path: path.to_path_buf(),
            message,
        };
        let bytes = std::fs::read(path).map_err(|e| fail(format!("cannot read it: {e}")))?;
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(bytes.as_slice());
        let header = reader
            .headers()
            .map_err(|e| fail(format!("not a CSV file: {e}")))?
            .clone();
        let column = |names: &[&str]| {
            header
                .iter()
                .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
        };
        let (Some(code), Some(requests)) = (
            column(&["la_code"]),
            column(&["requests", "requests_per_year"]),
        ) else {
            return Err(fail(
                "the header must name an `la_code` and a `requests` (or `requests_per_year`) column".into(),
            ));
        };
        let mut rows: Vec<(String, u64)> = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let line = i + 2;
            let record = record.map_err(|e| fail(format!("line {line}: {e}")))?;
            let la = record.get(code).unwrap_or_default().to_string();
            if la.is_empty() {
                return Err(fail(format!("line {line}: no la_code")));
            }
            let n = record
                .get(requests)
                .unwrap_or_default()
                .replace(',', "")
                .parse::<u64>()
                .map_err(|_| {
                    fail(format!(
                        "line {line}: the requests for {la} are not a whole number"
                    ))
                })?;
            if rows.iter().any(|(c, _)| *c == la) {
                return Err(fail(format!("line {line}: {la} is listed twice")));
            }
            rows.push((la, n));
        }
        Ok(Volumes {
            rows,
            path: path.to_path_buf(),
            fingerprint: blake3::hash(&bytes).to_hex().to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template() -> Template {
        Template::load(Path::new("mappings/national-template.toml")).unwrap()
    }

    #[test]
    fn the_bundled_model_loads_with_a_source_for_every_figure() {
        let model = Model::load_in(Path::new("mappings"), &template())
            .unwrap()
            .unwrap();
        assert_eq!(model.coefficients.len(), 5);
        assert!(model.coefficients.iter().all(|c| !c.source.is_empty()));
    }

    #[test]
    fn bad_figures_are_reported_at_their_place() {
        let text = std::fs::read_to_string("mappings/senco-time.toml")
            .unwrap()
            .replacen("minutes = 0.25", "minutes = -1", 1);
        let err = Model::parse(Path::new("s.toml"), &text, &template()).unwrap_err();
        let d = &err.items[0];
        assert!(
            d.message.contains("tick minutes must be from 0 to 600"),
            "{d}"
        );
        assert!(d.line > 1 && d.column > 1, "{d}");
    }

    #[test]
    fn volumes_need_their_columns_and_whole_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.csv");
        std::fs::write(
            &path,
            "\u{feff}LA_code,Requests\n951,\"1,200\"\nE09000033,40\n",
        )
        .unwrap();
        let v = Volumes::load(&path).unwrap();
        assert_eq!(
            v.rows,
            vec![("951".to_string(), 1200), ("E09000033".to_string(), 40)]
        );
        std::fs::write(&path, "la_code,requests\n951,many\n").unwrap();
        let e = Volumes::load(&path).unwrap_err().to_string();
        assert!(
            e.ends_with("line 2: the requests for 951 are not a whole number"),
            "{e}"
        );
        std::fs::write(&path, "code,n\n951,3\n").unwrap();
        assert!(Volumes::load(&path).is_err());
    }
}
