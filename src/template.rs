//! The national template: every field a request for an EHC needs assessment may carry, with its type and
//! statutory level. It is loaded from `mappings/national-template.toml` so that adding a field is a data change.
//!
//! Invariants once loaded: ids are unique, every enum has values, every `id` field names a known validator, and
//! every group field's group is declared.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diag::{Diagnostic, Diagnostics};

/// How strongly the law requires a field on a request.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Statutory {
    /// Needed to meet a duty in the Children and Families Act 2014 or the SEND Regulations 2014.
    Must,
    /// Statutory guidance (SEND Code of Practice) the LA must have regard to.
    Should,
    /// Not required by law for a request: a data standard or a local demand.
    No,
}

impl Statutory {
    /// The level as written in the template and the reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Statutory::Must => "must",
            Statutory::Should => "should",
            Statutory::No => "no",
        }
    }

    /// True for `must` and `should`.
    pub fn is_statutory(self) -> bool {
        self != Statutory::No
    }
}

/// How a field appears in `records.shareable.csv` (`--shareable`), the copy of the records for wider sharing.
/// Set per field with `shareable = "..."` in the template; the default is `keep`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Shareable {
    /// Kept as is (not personal data, or not identifying on its own).
    #[default]
    Keep,
    /// Left out entirely (names, identifiers, contact details, addresses, free text).
    Drop,
    /// A date reduced to its month: `2015-03-14` -> `2015-03` (date of birth).
    Month,
    /// A postcode reduced to its outward code: `SW1A 1AA` -> `SW1A`.
    Outward,
}

impl Shareable {
    /// Degrades one valid value as text; `None` when the field is dropped.
    pub fn apply(self, text: &str) -> Option<String> {
        match self {
            Shareable::Keep => Some(text.to_string()),
            Shareable::Drop => None,
            Shareable::Month => Some(text.chars().take(7).collect()),
            Shareable::Outward => Some(
                text.split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            ),
        }
    }
}

/// The type of a template field, which decides how a raw value is converted and validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldType {
    /// Free text.
    Text,
    /// A calendar date, written as ISO 8601.
    Date,
    /// Yes or no.
    Bool,
    /// A number.
    Number,
    /// An amount in pounds, to the penny.
    Money,
    /// One of a closed list of values.
    Enum(Vec<String>),
    /// An identifier checked by the named validator (see [`crate::validate::by_name`]).
    Id(String),
}

impl FieldType {
    /// The type's name as written in the template.
    pub fn name(&self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Date => "date",
            FieldType::Bool => "bool",
            FieldType::Number => "number",
            FieldType::Money => "money",
            FieldType::Enum(_) => "enum",
            FieldType::Id(_) => "id",
        }
    }
}

/// One field of the national template.
#[derive(Debug, Clone)]
pub struct FieldDef {
    /// The fixed id, e.g. `child.date_of_birth`.
    pub id: String,
    /// Human label.
    pub label: String,
    /// Section (the id's prefix).
    pub section: String,
    /// Value type.
    pub ty: FieldType,
    /// Statutory level.
    pub statutory: Statutory,
    /// Qualifier of the statutory level, e.g. "over 18".
    pub statutory_note: Option<String>,
    /// Legal basis.
    pub basis: String,
    /// Extra value rule, e.g. `date_of_birth`.
    pub check: Option<String>,
    /// The repeating group this field belongs to (`parents`, `professionals`), if any.
    pub group: Option<String>,
    /// How the field appears in `records.shareable.csv`.
    pub shareable: Shareable,
}

/// The loaded national template, fields in file order.
#[derive(Debug, Clone)]
pub struct Template {
    /// Template version.
    pub version: String,
    /// Fields in template order (the order of records.csv columns).
    pub fields: Vec<FieldDef>,
    /// Repeating groups: name -> description.
    pub groups: BTreeMap<String, String>,
    index: HashMap<String, usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    version: String,
    #[serde(default)]
    groups: BTreeMap<String, String>,
    field: Vec<toml::Spanned<RawField>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    id: String,
    label: String,
    section: String,
    #[serde(rename = "type")]
    ty: String,
    #[serde(default)]
    values: Vec<String>,
    validator: Option<String>,
    check: Option<String>,
    statutory: Statutory,
    statutory_note: Option<String>,
    basis: String,
    #[serde(default)]
    shareable: Shareable,
}

/// Checks a value may be given to [`FieldDef::check`].
const CHECKS: &[&str] = &["date_of_birth"];

impl Template {
    /// The default template file inside a mappings folder.
    pub fn path_in(mappings: &Path) -> PathBuf {
        mappings.join("national-template.toml")
    }

    /// Loads and checks the template; every problem is reported with its position.
    pub fn load(path: &Path) -> Result<Template, Diagnostics> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            let folder = path.parent().unwrap_or(path);
            Diagnostics::from(if e.kind() == std::io::ErrorKind::NotFound {
                // The usual cause: --mappings (or check's folder) names the wrong folder.
                Diagnostic {
                    help: Some(format!(
                        "{} holds no national-template.toml, so it is not a mappings folder: give the folder that holds national-template.toml and the LA mapping files (the bundled one is `mappings`: `harmonise check mappings`, `harmonise run --mappings mappings`, or set HARMONISE_MAPPINGS to it)",
                        folder.display()
                    )),
                    ..Diagnostic::io(path, "no national template here")
                }
            } else {
                Diagnostic::io(path, format!("cannot read the national template: {e}"))
            })
        })?;
        Template::parse(path, &text)
    }

    /// Parses template text; `path` is used in diagnostics.
    pub fn parse(path: &Path, text: &str) -> Result<Template, Diagnostics> {
        let raw: RawTemplate = toml::from_str(text)
            .map_err(|e| Diagnostics::from(Diagnostic::toml(path, text, &e)))?;
        let mut diags = Diagnostics::default();
        let mut fields = Vec::new();
        let mut index = HashMap::new();
        for spanned in raw.field {
            let span = spanned.span();
            let f = spanned.into_inner();
            let at = |msg: String| Diagnostic::error(path, text, span.clone(), msg);
            if index.contains_key(&f.id) {
                diags.push(at(format!("field `{}` is declared twice", f.id)));
                continue;
            }
            let ty = match f.ty.as_str() {
                "text" => FieldType::Text,
                "date" => FieldType::Date,
                "bool" => FieldType::Bool,
                "number" => FieldType::Number,
                "money" => FieldType::Money,
                "enum" if f.values.is_empty() => {
                    diags.push(at(format!("enum field `{}` has no `values`", f.id)));
                    continue;
                }
                "enum" => FieldType::Enum(f.values.clone()),
                "id" => match f.validator.as_deref() {
                    Some(v) if crate::validate::by_name(v).is_some() => {
                        FieldType::Id(v.to_string())
                    }
                    other => {
                        diags.push(at(format!(
                            "identifier field `{}` needs a known `validator` (upn, uln, nhs, postcode, urn), found {:?}",
                            f.id, other
                        )));
                        continue;
                    }
                },
                other => {
                    diags.push(at(format!(
                        "unknown type `{other}` for `{}`; expected text, date, bool, number, money, enum or id",
                        f.id
                    )));
                    continue;
                }
            };
            if let Some(c) = &f.check
                && !CHECKS.contains(&c.as_str())
            {
                diags.push(at(format!(
                    "unknown check `{c}`; expected one of {CHECKS:?}"
                )));
            }
            let group =
                f.id.split_once('.')
                    .map(|(g, _)| g)
                    .filter(|g| raw.groups.contains_key(*g))
                    .map(str::to_string);
            index.insert(f.id.clone(), fields.len());
            fields.push(FieldDef {
                id: f.id,
                label: f.label,
                section: f.section,
                ty,
                statutory: f.statutory,
                statutory_note: f.statutory_note,
                basis: f.basis,
                check: f.check,
                group,
                shareable: f.shareable,
            });
        }
        diags.into_result(Template {
            version: raw.version,
            fields,
            groups: raw.groups,
            index,
        })
    }

    /// The field with this id.
    pub fn get(&self, id: &str) -> Option<&FieldDef> {
        self.index.get(id).and_then(|&i| self.fields.get(i))
    }

    /// The position of a field in template order.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// The id closest to a misspelt one, for "did you mean" hints.
    pub fn closest(&self, id: &str) -> Option<&str> {
        self.fields
            .iter()
            .map(|f| (strsim::jaro_winkler(id, &f.id), f.id.as_str()))
            .filter(|(score, _)| *score > 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, id)| id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled() -> Template {
        Template::load(Path::new("mappings/national-template.toml")).unwrap()
    }

    #[test]
    fn bundled_template_has_every_domain_field() {
        let t = bundled();
        assert_eq!(t.fields.len(), 54);
        let dob = t.get("child.date_of_birth").unwrap();
        assert_eq!(dob.ty, FieldType::Date);
        assert_eq!(dob.statutory, Statutory::Must);
        assert_eq!(dob.check.as_deref(), Some("date_of_birth"));
        assert_eq!(t.get("child.upn").unwrap().ty, FieldType::Id("upn".into()));
        assert_eq!(
            t.get("parents.name").unwrap().group.as_deref(),
            Some("parents")
        );
        assert_eq!(t.get("child.forename").unwrap().group, None);
        assert!(
            matches!(&t.get("needs.primary_area").unwrap().ty, FieldType::Enum(v) if v.len() == 4)
        );
    }

    #[test]
    fn shareable_degrades_personal_data() {
        let t = bundled();
        let s = |id: &str| t.get(id).unwrap().shareable;
        for id in [
            "child.forename",
            "child.surname",
            "child.upn",
            "child.nhs_number",
            "child.address",
            "parents.name",
            "parents.email",
            "setting.senco_name",
            "needs.description",
            "views.child",
        ] {
            assert_eq!(s(id), Shareable::Drop, "{id}");
        }
        assert_eq!(s("child.date_of_birth"), Shareable::Month);
        assert_eq!(s("child.postcode"), Shareable::Outward);
        assert_eq!(s("setting.urn"), Shareable::Keep);
        assert_eq!(s("needs.primary_area"), Shareable::Keep);
        assert_eq!(
            Shareable::Month.apply("2015-03-14").as_deref(),
            Some("2015-03")
        );
        assert_eq!(
            Shareable::Outward.apply("SW1A 1AA").as_deref(),
            Some("SW1A")
        );
        assert_eq!(Shareable::Drop.apply("x"), None);
    }

    #[test]
    fn closest_suggests_a_real_id() {
        assert_eq!(
            bundled().closest("child.dob_of_birth"),
            Some("child.date_of_birth")
        );
        assert_eq!(bundled().closest("zzz"), None);
    }

    #[test]
    fn bad_template_reports_position() {
        let text = "version = \"1\"\n[[field]]\nid = \"a.b\"\nlabel = \"x\"\nsection = \"a\"\ntype = \"colour\"\nstatutory = \"no\"\nbasis = \"\"\n";
        let err = Template::parse(Path::new("t.toml"), text).unwrap_err();
        let first = &err.items[0];
        assert_eq!((first.line, first.column), (2, 1));
        assert!(
            first.message.contains("unknown type `colour`"),
            "{}",
            first.message
        );
    }
}
