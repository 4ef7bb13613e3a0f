//! Mapping files: one TOML file per LA form under `mappings/`, saying how to find each national template field in
//! that form. Loading is two steps, like vector's config builder: [`raw`] is what was written (with spans), and
//! [`compile`] checks it against the template and the form's format and resolves it into a [`Mapping`]. Only a
//! `Mapping` reaches the harmoniser, so a loaded mapping is always internally consistent.
//!
//! The whole set is checked before any document is read; every problem is reported, with `file:line:column`.

pub mod anchors;
pub mod cases;
pub mod cellref;
pub mod compile;
pub mod raw;
pub mod transform;

use std::path::{Path, PathBuf};

use regex::Regex;

pub use cellref::{CellRange, CellRef};
pub use transform::Transforms;

use crate::diag::{Diagnostic, Diagnostics};
use crate::label::{SynonymFile, Synonyms};
use crate::read::Format;
use crate::template::Template;

/// Most members a `{n}` locator is tried for (Parent/Carer 1 .. 9).
pub const MAX_GROUP_MEMBERS: usize = 9;

/// A checked mapping for one LA form.
#[derive(Debug, Clone)]
pub struct Mapping {
    /// The file stem, e.g. `951-northmoor`: the mapping's id in records and the manifest.
    pub id: String,
    /// The file.
    pub path: PathBuf,
    /// LA code.
    pub la_code: String,
    /// LA name.
    pub la_name: String,
    /// Form title.
    pub form: String,
    /// Form version.
    pub version: String,
    /// The document format it reads.
    pub format: Format,
    /// How documents are recognised.
    pub matcher: Matcher,
    /// XML namespace prefixes: (prefix, URI).
    pub namespaces: Vec<(String, String)>,
    /// Template fields, in file order.
    pub fields: Vec<Rule>,
    /// Extra (non-statutory) fields, in file order.
    pub extras: Vec<Rule>,
    /// blake3 of the file's bytes: a changed mapping re-harmonises its documents.
    pub fingerprint: String,
    /// `[[test]]` cases, run by `harmonise check`.
    pub tests: Vec<cases::TestCase>,
    /// The form's blank (`[form] reference`), whose printed text anchors the fixed positions.
    pub reference: Option<std::sync::Arc<crate::reference::Reference>>,
    /// `[gaps]`: the national fields the form is known not to ask for, each with the analyst's reason.
    pub gaps: Vec<(String, String)>,
    /// [`Mapping::label_regexes`] as one set, compiled at load: which of them a cell's text matches, in one pass
    /// over the document's cells instead of one per label (`None` when the set would not compile, e.g. past
    /// the size limit: each regex is then tried in turn).
    pub label_set: Option<regex::RegexSet>,
}

impl Mapping {
    /// Every label regex of the rules (`label` locators, each member's of a `{n}` label), in rule order: what
    /// the form prints as questions.
    pub fn label_regexes(&self) -> Vec<&Regex> {
        let mut labels = Vec::new();
        for rule in self.fields.iter().chain(&self.extras) {
            if let Some(Locator::Label { pattern, .. }) = &rule.locator {
                match pattern {
                    LabelPattern::One(re) => labels.push(re),
                    LabelPattern::Numbered(res) => labels.extend(res),
                }
            }
        }
        labels
    }

    /// The set of [`Mapping::label_regexes`], in their order (the same patterns, compiled alike).
    pub fn compile_label_set(&self) -> Option<regex::RegexSet> {
        regex::RegexSet::new(self.label_regexes().iter().map(|re| re.as_str())).ok()
    }
}

/// `[form.match]`, compiled. Every condition present must hold.
#[derive(Debug, Clone, Default)]
pub struct Matcher {
    /// xlsx: a sheet that must exist.
    pub sheet: Option<String>,
    /// A phrase that must appear in the document's text, lower-cased.
    pub contains: Option<String>,
    /// pdf: a field (glob) that must exist.
    pub field: Option<glob::Pattern>,
    /// xml: the root element's local name.
    pub root: Option<String>,
    /// xml: the root element's namespace URI.
    pub namespace: Option<String>,
    /// docx: a content control (tag, or else alias) that must exist.
    pub control: Option<String>,
    /// xml: values that elements or attributes must hold, by path; each counts as a condition.
    pub values: Vec<ValueMatch>,
}

/// One `[form.match] values` condition: some element or attribute the path selects holds the value.
#[derive(Debug, Clone)]
pub struct ValueMatch {
    /// The path, compiled with the mapping's namespaces.
    pub path: crate::xpath::XPath,
    /// What its value must be.
    pub test: ValueTest,
}

/// What a [`ValueMatch`]'s value must be; the document's value is trimmed first.
#[derive(Debug, Clone)]
pub enum ValueTest {
    /// Exactly this text (trimmed when the mapping loads).
    Equals(String),
    /// A match of this regex.
    Regex(Regex),
}

impl ValueTest {
    /// True when a value (an element's text or an attribute's value) passes.
    pub fn accepts(&self, value: &str) -> bool {
        let value = value.trim();
        match self {
            ValueTest::Equals(want) => value == want,
            ValueTest::Regex(re) => re.is_match(value),
        }
    }
}

impl Matcher {
    /// How many conditions are set: a document matched by several mappings goes to the most specific.
    pub fn specificity(&self) -> usize {
        [
            self.sheet.is_some(),
            self.contains.is_some(),
            self.field.is_some(),
            self.root.is_some(),
            self.namespace.is_some(),
            self.control.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count()
            + self.values.len()
    }
}

/// Which way from a label the value lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Take {
    /// The next cell (or text) to the right.
    Right,
    /// The cell (or text) below.
    Below,
    /// The rest of the label's own cell (or line), after the label.
    Inside,
}

/// A label regex; with `{n}` in it, one compiled regex per group member.
#[derive(Debug, Clone)]
pub enum LabelPattern {
    /// One label.
    One(Regex),
    /// `{n}` replaced by 1..=[`MAX_GROUP_MEMBERS`].
    Numbered(Vec<Regex>),
}

/// One part of a `join`.
#[derive(Debug, Clone)]
pub enum JoinPart {
    /// xlsx, docx: a cell (`Request!C5`, `Table1!C3`).
    Cell(CellRef),
    /// xml: a path (compiled with the mapping's namespaces); its first match.
    Path(crate::xpath::XPath),
    /// pdf: a field (exact, else its text form as a glob); docx: a content control or form field (`sdt:Tag`,
    /// `ff:Name`), parsed from the mapping's text once, when the mapping compiles.
    Key(crate::read::FieldKey),
    /// xlsx, docx: a table column (`Table3!B2:B5`): on a group field, row n of every range part makes member n.
    Range(CellRange),
}

impl std::fmt::Display for JoinPart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JoinPart::Cell(c) => write!(f, "{c}"),
            JoinPart::Path(p) => f.write_str(p.as_str()),
            JoinPart::Key(k) => write!(f, "{k}"),
            JoinPart::Range(r) => f.write_str(&r.to_string()),
        }
    }
}

/// One option of a `tick` on a PDF form (its key as the mapping writes it).
#[derive(Debug, Clone, PartialEq)]
pub enum TickKey {
    /// A field by name (exact, else a glob): a check box, or a one-character text box holding X. `name` is the
    /// whole key; `option` its split at the last `=` (`Gender=Male`): a radio group (exact name, else a glob) and
    /// the export value of the option, used when no field is named the whole key.
    Field {
        /// The whole key.
        name: String,
        /// The radio group and option, when the key holds a `=` with text either side.
        option: Option<(String, String)>,
    },
    /// `label:Male`: the widget whose printed label is this text (ignoring case, surrounding white space and a
    /// trailing colon), first in reading order.
    Label(String),
}

/// How a `tick` key names a widget by its printed label.
pub const TICK_LABEL_PREFIX: &str = "label:";

impl std::fmt::Display for TickKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TickKey::Field { name, .. } => f.write_str(name),
            TickKey::Label(l) => write!(f, "{TICK_LABEL_PREFIX}{l}"),
        }
    }
}

/// How a value is found in a document.
#[derive(Debug, Clone)]
pub enum Locator {
    /// xlsx: a fixed cell.
    Cell(CellRef),
    /// xlsx: one cell per group member.
    Cells(Vec<CellRef>),
    /// xlsx: a table column; each non-empty row is a group member.
    Range(CellRange),
    /// The value beside or below a label.
    Label {
        /// The label.
        pattern: LabelPattern,
        /// Which way the value lies.
        take: Take,
        /// Where a `below` paragraph stops (flat text).
        stop: Option<Regex>,
    },
    /// xlsx: tick-box options (cell, value).
    Tick(Vec<(CellRef, String)>),
    /// pdf: an AcroForm field name (glob; `{n}` numbers group members).
    Field(String),
    /// pdf: an XFA data path.
    Xfa(String),
    /// xml: a path in the XPath subset, compiled at load (its text is kept for [`Locator::describe`]).
    Path(crate::xpath::XPath),
    /// Several native locators (cells, fields, paths) whose values are joined, each compiled as the lone
    /// locator of the form's format would be.
    Join(Vec<JoinPart>, String),
    /// Several labels whose answers are joined (a name over Title / Forename / Surname cells).
    Labels {
        /// The labels, in joining order: one list, or with `{n}` one list per group member.
        patterns: Vec<Vec<Regex>>,
        /// Which way each value lies.
        take: Take,
        /// The separator.
        separator: String,
    },
    /// A group laid out as blocks: each cell (or line) matching `heading` starts one member's block, and `inner`
    /// (a `label` or `labels`) is searched within each block.
    Block {
        /// The block heading.
        heading: Regex,
        /// What is read in each block.
        inner: Box<Locator>,
    },
    /// docx: a content control by tag or alias (`{n}` numbers group members).
    Control(String),
    /// docx: a legacy form field by name (`{n}` numbers group members).
    FormField(String),
    /// pdf: tick-box options (a field, a radio option or a printed label, and the value).
    PdfTick(Vec<(TickKey, String)>),
    /// pdf: one field per group member (`cells` on a pdf form), each an exact name, else a glob's first match.
    Fields(Vec<String>),
    /// pdf, on a group field: the exact field, else every field the glob matches, in the reading order of their
    /// widgets (page, top to bottom, left to right).
    FieldMembers(String),
}

impl Locator {
    /// The locator as the analyst wrote it, for drift reports.
    pub fn describe(&self) -> String {
        match self {
            Locator::Cell(c) => c.to_string(),
            Locator::Cells(cs) => cs
                .iter()
                .map(CellRef::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            Locator::Range(r) => r.to_string(),
            Locator::Labels { patterns, .. } => format!(
                "labels {}",
                patterns
                    .first()
                    .into_iter()
                    .flatten()
                    .map(|r| format!("/{}/", r.as_str()))
                    .collect::<Vec<_>>()
                    .join(" + ")
            ),
            Locator::Block { heading, inner } => {
                format!("{} in each block /{}/", inner.describe(), heading.as_str())
            }
            Locator::Label { pattern, take, .. } => {
                let re = match pattern {
                    LabelPattern::One(r) => r.as_str().to_string(),
                    LabelPattern::Numbered(rs) => {
                        rs.first().map_or(String::new(), |r| r.as_str().to_string())
                    }
                };
                let take = match take {
                    Take::Right => "right",
                    Take::Below => "below",
                    Take::Inside => "inside",
                };
                format!("label /{re}/ {take}")
            }
            Locator::Tick(opts) => format!(
                "tick {}",
                opts.iter()
                    .map(|(c, _)| c.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Locator::Field(f) => format!("field {f}"),
            Locator::Xfa(p) => format!("xfa {p}"),
            Locator::Path(p) => format!("path {}", p.as_str()),
            Locator::Join(parts, _) => format!(
                "join {}",
                parts
                    .iter()
                    .map(JoinPart::to_string)
                    .collect::<Vec<_>>()
                    .join(" + ")
            ),
            Locator::Control(c) => format!("control {c}"),
            Locator::FormField(f) => format!("formfield {f}"),
            Locator::PdfTick(opts) => format!(
                "tick {}",
                opts.iter()
                    .map(|(k, _)| k.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Locator::Fields(fs) => format!("fields {}", fs.join(", ")),
            Locator::FieldMembers(f) => format!("field {f}"),
        }
    }
}

/// How one national (or extra) field is found and transformed.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The template id (for fields) or the extra's id.
    pub target: String,
    /// Where the value is; extras may have none.
    pub locator: Option<Locator>,
    /// A choice among printed options, applied to each hit before the transforms.
    pub choice: Option<crate::choice::Choice>,
    /// Transforms.
    pub transforms: Transforms,
    /// The question as printed on the form.
    pub printed: Option<String>,
    /// A field whose value is taken when this one is empty ("Address (if different)" -> `child.address`).
    pub fallback: Option<String>,
    /// Group fields: the values are printed on the form (a professions column), so they never make a member.
    pub preprinted: bool,
    /// The LA's own note on the field's statutory standing.
    pub statutory_override: Option<String>,
    /// The heading of the section the question is printed under (`section = "..."`).
    pub section: Option<String>,
    /// Extras only: the type and shape a template field takes from the template.
    pub extra: Option<ExtraKind>,
}

/// What an `[extra]` converts to: its type (written as `type`, or inferred from its transforms and locator) and
/// whether it repeats (`repeat = true`).
#[derive(Debug, Clone, PartialEq)]
pub struct ExtraKind {
    /// The type its answers are converted to and validated as.
    pub ty: crate::template::FieldType,
    /// False when nothing decides the type (no `type`, no `bool` or `date`, no yes/no `tick`): the extra is text,
    /// but an answer the reader gives as a check box (true or false) stays a boolean.
    pub typed: bool,
    /// One item per member (`cells`, `range`, `{n}`, every `path` match), as template group fields.
    pub repeat: bool,
}

impl ExtraKind {
    /// The type one raw answer is converted to.
    pub fn type_of<'a>(
        &'a self,
        raw: &crate::read::RawValue,
        transforms: &Transforms,
    ) -> &'a crate::template::FieldType {
        static BOOL: crate::template::FieldType = crate::template::FieldType::Bool;
        match raw {
            crate::read::RawValue::Bool(_) if !self.typed && !transforms.rewrites_text() => &BOOL,
            _ => &self.ty,
        }
    }
}

/// The national template and every mapping of a folder, all checked.
#[derive(Debug, Clone)]
pub struct MappingSet {
    /// The template.
    pub template: Template,
    /// Mappings in file-name order.
    pub mappings: Vec<Mapping>,
    /// Warnings found while checking (errors make loading fail).
    pub warnings: Diagnostics,
    /// blake3 of the national template file: a changed template re-harmonises everything.
    pub template_fingerprint: String,
    /// The audit's synonym table (`synonyms.toml`; empty when absent), checked with the mappings.
    pub synonyms: Synonyms,
    /// The SENCo-time model (`senco-time.toml`; none when absent: no estimate is made), checked with the mappings.
    pub senco_time: Option<crate::senco::Model>,
}

impl MappingSet {
    /// Loads `national-template.toml` and every other `*.toml` of a folder; all problems are reported at once.
    pub fn load(dir: &Path) -> Result<MappingSet, Diagnostics> {
        MappingSet::load_only(dir, None)
    }

    /// Loads one mapping file with the template (and synonym table) of its folder: `harmonise check FILE`.
    pub fn load_file(file: &Path) -> Result<MappingSet, Diagnostics> {
        let dir = match file.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if !file.is_file() {
            return Err(Diagnostic::io(file, "no such mapping file").into());
        }
        MappingSet::load_only(dir, file.file_name())
    }

    /// [`MappingSet::load`], keeping only the mapping file named `only` when given.
    fn load_only(dir: &Path, only: Option<&std::ffi::OsStr>) -> Result<MappingSet, Diagnostics> {
        let template_path = Template::path_in(dir);
        let template = Template::load(&template_path)?;
        let template_fingerprint = std::fs::read(&template_path)
            .map(|bytes| blake3::hash(&bytes).to_hex().to_string())
            .unwrap_or_default();
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| {
                Diagnostics::from(Diagnostic::io(
                    dir,
                    format!("cannot read the mappings folder: {e}"),
                ))
            })?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .filter(|p| {
                p.file_name().is_some_and(|n| {
                    n != "national-template.toml"
                        && n != SynonymFile::Audit.file_name()
                        && n != SynonymFile::Suggest.file_name()
                        && n != crate::senco::FILE_NAME
                        && only.is_none_or(|only| n == only)
                })
            })
            .collect();
        files.sort();
        // Files compile in parallel (regex compilation is most of a nightly run's fixed cost); results are taken
        // in file order, so mappings and diagnostics come out the same whatever the thread count.
        use rayon::prelude::*;
        let compiled: Vec<(Option<Mapping>, Diagnostics)> = files
            .par_iter()
            .map(|path| match std::fs::read_to_string(path) {
                Ok(text) => compile::compile(path, &text, &template),
                Err(e) => (
                    None,
                    Diagnostics::from(Diagnostic::io(
                        path,
                        format!("cannot read the mapping: {e}"),
                    )),
                ),
            })
            .collect();
        let mut diags = Diagnostics::default();
        let mut mappings = Vec::new();
        for (mapping, found) in compiled {
            diags.extend(found);
            mappings.extend(mapping);
        }
        let synonyms = Synonyms::load_in(dir, SynonymFile::Audit, &|id| template.get(id).is_some())
            .unwrap_or_else(|found| {
                diags.extend(found);
                Synonyms::default()
            });
        let senco_time = crate::senco::Model::load_in(dir, &template).unwrap_or_else(|found| {
            diags.extend(found);
            None
        });
        if mappings.is_empty() && !diags.has_errors() {
            diags.push(Diagnostic::io(
                dir,
                "no mapping files (*.toml) in the mappings folder",
            ));
        }
        if diags.has_errors() {
            return Err(diags);
        }
        Ok(MappingSet {
            template,
            mappings,
            warnings: diags,
            template_fingerprint,
            synonyms,
            senco_time,
        })
    }
}
