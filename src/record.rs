//! Harmonised records: one per recognised document, every national field in template order with its value,
//! status and provenance. This is the shape of `records.jsonl`; `records.csv` flattens it.

use indexmap::IndexMap;
use jiff::civil;
use serde::{Deserialize, Serialize, Serializer};

/// A harmonised value, typed by its template field.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// Text, enum values and normalised identifiers.
    Text(String),
    /// Yes or no.
    Bool(bool),
    /// Numbers and money (money rounded to the penny).
    Number(f64),
}

impl Value {
    /// A date, written as ISO 8601.
    pub fn date(d: civil::Date) -> Value {
        Value::Text(d.to_string())
    }

    /// The value as a CSV cell shows it.
    pub fn to_text(&self) -> String {
        match self {
            Value::Text(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => crate::read::format_number(*n),
        }
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Text(t) => s.serialize_str(t),
            Value::Bool(b) => s.serialize_bool(*b),
            // Integral numbers as integers: `3`, not `3.0`.
            Value::Number(n) if n.fract() == 0.0 && n.abs() < 9e15 => s.serialize_i64(*n as i64),
            Value::Number(n) => s.serialize_f64(*n),
        }
    }
}

/// What happened to one national field in one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldStatus {
    /// A valid value.
    Ok,
    /// The form asks for it but the answer is blank.
    Empty,
    /// An answer that fails its type or validator; the value is kept with the reason.
    Invalid,
    /// The mapping's locator found nothing in this document (a label moved, a sheet renamed): drift.
    NotFound,
    /// The LA's form does not ask for it (the mapping does not map it).
    NotCollected,
}

impl FieldStatus {
    /// The status as written in the outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldStatus::Ok => "ok",
            FieldStatus::Empty => "empty",
            FieldStatus::Invalid => "invalid",
            FieldStatus::NotFound => "not_found",
            FieldStatus::NotCollected => "not_collected",
        }
    }
}

/// One value with its provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// ok, empty or invalid.
    pub status: FieldStatus,
    /// The harmonised value (for invalid answers, the answer as given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// Why the value is invalid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Where it came from: `Sheet!C5`, a PDF field name, an XML path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// One national field of a record. Single fields carry one [`Item`] flattened; group fields (`parents.*`,
/// `professionals.*`) carry `items`, one per parent or professional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldOutcome {
    /// Overall status: for groups, `ok` when every item is ok, `invalid` when any is, `empty` when none has a value.
    pub status: FieldStatus,
    /// The value (single fields).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// Why it is invalid (single fields).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Provenance (single fields), or the locator that found nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// One entry per group member (group fields).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<Item>>,
    /// With a reference form: the locator as the mapping writes it, when its printed label stood elsewhere on
    /// this document and the value was read there (`source` says where).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reanchored: Option<String>,
}

impl FieldOutcome {
    /// A field the form does not ask for.
    pub fn not_collected() -> FieldOutcome {
        FieldOutcome::bare(FieldStatus::NotCollected, None)
    }

    /// A field whose locator found nothing.
    pub fn not_found(locator: String) -> FieldOutcome {
        FieldOutcome::bare(FieldStatus::NotFound, Some(locator))
    }

    /// A field whose printed label, on the reference form, is not on this document: drift, with the reason.
    pub fn lost(locator: String, reason: String) -> FieldOutcome {
        FieldOutcome {
            reason: Some(reason),
            ..FieldOutcome::not_found(locator)
        }
    }

    fn bare(status: FieldStatus, source: Option<String>) -> FieldOutcome {
        FieldOutcome {
            status,
            value: None,
            reason: None,
            source,
            items: None,
            reanchored: None,
        }
    }

    /// A single field's outcome.
    pub fn single(item: Item) -> FieldOutcome {
        FieldOutcome {
            status: item.status,
            value: item.value,
            reason: item.reason,
            source: item.source,
            items: None,
            reanchored: None,
        }
    }

    /// A group field's outcome.
    pub fn group(items: Vec<Item>) -> FieldOutcome {
        let status = if items.iter().any(|i| i.status == FieldStatus::Invalid) {
            FieldStatus::Invalid
        } else if items.iter().any(|i| i.status == FieldStatus::Ok) {
            FieldStatus::Ok
        } else {
            FieldStatus::Empty
        };
        FieldOutcome {
            items: Some(items),
            ..FieldOutcome::bare(status, None)
        }
    }

    /// Every item, whether single or group.
    pub fn values(&self) -> Vec<&Value> {
        match &self.items {
            Some(items) => items.iter().filter_map(|i| i.value.as_ref()).collect(),
            None => self.value.iter().collect(),
        }
    }
}

/// The status of a harmonised document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    /// Every mapped field found; none invalid; every mapped `must` field answered.
    Ok,
    /// Some mapped field invalid, not found, or a mapped `must` field empty.
    Partial,
    /// Recognised, but nothing is filled in: a blank form.
    Blank,
}

/// One harmonised document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The document, relative to the input folder.
    pub file: String,
    /// The mapping that harmonised it (its file stem).
    pub mapping: String,
    /// The LA's code.
    pub la_code: String,
    /// ok, partial or blank.
    pub status: RecordStatus,
    /// Every national field, in template order.
    pub fields: IndexMap<String, FieldOutcome>,
    /// The form's extra (non-statutory) fields that the mapping captures.
    #[serde(skip_serializing_if = "IndexMap::is_empty", default)]
    pub extras: IndexMap<String, FieldOutcome>,
    /// Non-empty source fields of the document that no rule consumed (for the drift audit). Never serialized:
    /// `records.jsonl` does not carry it, so a report rebuilt from records has no unconsumed-field drift.
    #[serde(skip)]
    pub unconsumed: Vec<SourceKey>,
    /// With a reference form: how this document's printed text differs from it (empty when it does not).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub form_changes: Vec<crate::reference::Change>,
}

/// A source field no rule consumed: its locator, and a digest of its content that only tells the audit whether
/// the content is the same in every document of a form (printed furniture) or varies (an answer). No report
/// carries the digest or the content; the private state file keeps the digest for incremental runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceKey {
    /// The locator, e.g. `Request!C41`.
    pub key: String,
    /// A digest of the content (trimmed, lower-cased).
    pub digest: u64,
}
