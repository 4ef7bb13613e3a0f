//! The mapping file as written: serde structs with spans, so that every later check can point at
//! `file:line:column`. Unknown keys are errors (`deny_unknown_fields`): a mapping is a closed language, and a typo
//! silently ignored would map nothing. Only [`super::compile`] turns these into a usable [`super::Mapping`].

use indexmap::IndexMap;
use serde::Deserialize;
use toml::Spanned;

/// A whole mapping file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMapping {
    /// Which form this is and how to recognise it.
    pub form: RawForm,
    /// National template fields, keyed by template id.
    #[serde(default)]
    pub fields: IndexMap<Spanned<String>, Spanned<RawRule>>,
    /// Non-statutory fields the form asks beyond the template, keyed by an id of the mapping's choosing.
    #[serde(default)]
    pub extra: IndexMap<Spanned<String>, Spanned<RawRule>>,
    /// Sample documents and the values expected from them (run by `harmonise check`).
    #[serde(default)]
    pub test: Vec<Spanned<RawTest>>,
    /// Coverage gaps the analyst knows of: a national field id the form does not ask for, and why (`check` does
    /// not warn about them; the reports still count them as gaps).
    #[serde(default)]
    pub gaps: IndexMap<Spanned<String>, Spanned<String>>,
}

/// `[form]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawForm {
    /// DfE 3-digit LA number or ONS code.
    pub la_code: Spanned<String>,
    /// The LA's name.
    pub la_name: String,
    /// The form's title.
    pub form: String,
    /// The form's version, e.g. `2024-09`.
    pub version: String,
    /// `xlsx`, `pdf`, `xml` or `docx`.
    pub format: Spanned<String>,
    /// How a document is recognised as this form.
    #[serde(rename = "match")]
    pub matcher: Spanned<RawMatch>,
    /// XML namespace prefixes used in `path` locators: prefix -> URI.
    #[serde(default)]
    pub namespaces: IndexMap<String, String>,
    /// A document of the form (its blank), relative to the mapping file: the printed text that anchors every
    /// fixed position (see `crate::reference`).
    pub reference: Option<Spanned<String>>,
}

/// `[form.match]`: every condition given must hold.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMatch {
    /// xlsx: a sheet that must exist.
    pub sheet: Option<Spanned<String>>,
    /// A phrase that must appear somewhere in the document's text (case-insensitive).
    pub contains: Option<Spanned<String>>,
    /// pdf: a form field that must exist (glob on the fully qualified name).
    pub field: Option<Spanned<String>>,
    /// xml: the root element's local name.
    pub root: Option<Spanned<String>>,
    /// xml: the root element's namespace URI.
    pub namespace: Option<Spanned<String>>,
    /// docx: a content control (tag, or else alias) that must exist.
    pub control: Option<Spanned<String>>,
    /// xml: values that elements or attributes must hold, by path; every one must hold.
    pub values: Option<Spanned<Vec<Spanned<RawValueMatch>>>>,
}

/// One `[form.match] values` entry: `{ path = "/CTfile/Header/DestSchool/LEA", equals = "985" }`, or `regex`
/// instead of `equals`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawValueMatch {
    /// An element or `@attribute` path, as in `path` locators.
    pub path: Spanned<String>,
    /// The value it must hold, compared exactly after trimming.
    pub equals: Option<Spanned<String>>,
    /// A regex the value must match (after trimming).
    pub regex: Option<Spanned<String>>,
}

/// How one field is found and transformed. Exactly one locator (extras may have none: they are then only
/// documented, not captured).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    /// xlsx: a fixed cell, `Sheet!C5`.
    pub cell: Option<Spanned<String>>,
    /// xlsx: one cell per item of a repeating group.
    pub cells: Option<Spanned<Vec<String>>>,
    /// xlsx: a column of a table, `Sheet!A3:A20`; each non-empty row is an item.
    pub range: Option<Spanned<String>>,
    /// A regex matching the label printed next to the value.
    pub label: Option<Spanned<String>>,
    /// Where the value is relative to the label: `right` (default), `below` or `inside` (the label's own cell).
    pub take: Option<Spanned<String>>,
    /// Several label regexes whose answers are joined with `separator` (Title / Forename / Surname cells).
    pub labels: Option<Spanned<Vec<String>>>,
    /// Group fields: a regex matching each member's block heading; `label` or `labels` is searched within
    /// each block (stacked, or side by side in columns).
    pub block: Option<Spanned<String>>,
    /// A template field whose value is used when this answer is empty ("if different from the child's").
    pub fallback: Option<Spanned<String>>,
    /// Group fields: the values are printed on the form (one row per profession), so they make no member.
    pub preprinted: Option<bool>,
    /// A regex where a `below` paragraph stops (flat PDF text).
    pub stop: Option<Spanned<String>>,
    /// xlsx: tick-box options, cell -> value; the option whose cell is marked wins.
    pub tick: Option<Spanned<IndexMap<String, String>>>,
    /// Printed options, option -> value: the one the person marked (highlight, tick, bold, the others deleted
    /// or struck through) is the answer.
    pub choice: Option<Spanned<IndexMap<String, String>>>,
    /// pdf: an AcroForm field (fully qualified name, glob allowed).
    pub field: Option<Spanned<String>>,
    /// pdf: an XFA data path.
    pub xfa: Option<Spanned<String>>,
    /// xml: a path in a small XPath subset.
    pub path: Option<Spanned<String>>,
    /// docx: a content control by tag (or alias); `{n}` numbers group members.
    pub control: Option<Spanned<String>>,
    /// docx: a legacy form field (FORMTEXT, FORMCHECKBOX, FORMDROPDOWN) by name; `{n}` numbers group members.
    pub formfield: Option<Spanned<String>>,
    /// Several locators (cells, fields or paths) whose values are joined.
    pub join: Option<Spanned<Vec<String>>>,
    /// The separator for `join` (default a space).
    pub separator: Option<String>,
    /// Trim white space (default true).
    pub trim: Option<bool>,
    /// A regex; the first capture group (or the whole match) is kept.
    pub regex: Option<Spanned<String>>,
    /// Split the text and keep one part (or, for a group field, every part as an item).
    pub split: Option<Spanned<RawSplit>>,
    /// Replace whole values (compared case-insensitively).
    pub map: Option<Spanned<IndexMap<String, String>>>,
    /// `upper`, `lower` or `title`.
    pub case: Option<Spanned<String>>,
    /// Date formats (strftime), tried in order; ISO dates and Excel serials always work.
    pub date: Option<Spanned<Vec<String>>>,
    /// Extra words meaning yes and no.
    pub bool: Option<Spanned<RawBoolWords>>,
    /// The value used when the form's answer is empty.
    pub default: Option<Spanned<String>>,
    /// The question as the form prints it (for the duplicate and non-statutory analysis).
    pub printed: Option<String>,
    /// The heading of the form's section the question is printed under (whose detail it asks, when its wording
    /// does not say: the audit's duplicate and cluster matching).
    pub section: Option<String>,
    /// Why this LA treats the field differently from the template's statutory level.
    pub statutory_override: Option<String>,
    /// Keep the n-th (1-based) non-blank line of a multi-line answer.
    pub line: Option<Spanned<usize>>,
    /// Collapse every run of white space and line breaks into one space.
    pub collapse: Option<bool>,
    /// Replace every match of a regex.
    pub replace: Option<Spanned<RawReplace>>,
    /// Extras only: the value's type (`text`, `date`, `bool`, `number`, `money`); a field's is the template's.
    #[serde(rename = "type")]
    pub ty: Option<Spanned<String>>,
    /// Extras only: the extra repeats (one item per member), as a template group field does.
    pub repeat: Option<Spanned<bool>>,
}

/// `replace = { pattern = '\s*\(.*\)', with = "" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReplace {
    /// The regex; every match is replaced.
    pub pattern: Spanned<String>,
    /// The replacement (`$1`, `${name}` insert capture groups; `$$` is a literal `$`); default empty.
    #[serde(default)]
    pub with: String,
}

/// `split = { sep = ",", part = 2 }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSplit {
    /// The separator.
    pub sep: String,
    /// 1-based part to keep; omit on a group field to make every part an item.
    pub part: Option<usize>,
}

/// `bool = { yes = ["Agreed"], no = ["Declined"] }`, added to the built-in words.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBoolWords {
    /// Words meaning yes.
    #[serde(default)]
    pub yes: Vec<String>,
    /// Words meaning no.
    #[serde(default)]
    pub no: Vec<String>,
}

/// `[[test]]`: a sample document and values expected from it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTest {
    /// The document, relative to the mapping file.
    pub document: Spanned<String>,
    /// Expected values by field id (as they appear in records.jsonl).
    pub expect: IndexMap<Spanned<String>, toml::Value>,
}
