//! Burden: what each LA form asks of a school, ranked worst first.
//!
//! Fields asked = mapped national fields + extras. Of these: statutory (mapped `must` and `should` fields),
//! non-statutory (mapped `no` fields + every extra) and duplicated (extras that ask again for a national field
//! the form maps: [`super::extras::duplicates`]). Ranked by non-statutory + duplicated (desc), then fields asked
//! (desc), then mapping id.

use serde::Serialize;

use crate::mapping::Mapping;
use crate::template::{Statutory, Template};

/// One form's burden.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BurdenRow {
    /// 1 = the heaviest.
    pub rank: usize,
    /// The mapping id.
    pub mapping: String,
    /// The LA's code.
    pub la_code: String,
    /// The LA's name.
    pub la_name: String,
    /// Mapped fields + extras.
    pub fields_asked: usize,
    /// Mapped must + should fields.
    pub statutory: usize,
    /// Mapped must fields.
    pub must: usize,
    /// Mapped should fields.
    pub should: usize,
    /// Mapped `no` fields + extras.
    pub non_statutory: usize,
    /// Extras that duplicate a mapped national field.
    pub duplicated: usize,
    /// Estimated SENCo minutes per request, when the mapping set has a SENCo-time model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minutes: Option<super::time::Minutes>,
}

/// One form's row, unranked.
pub fn row(
    mapping: &Mapping,
    template: &Template,
    duplicated: usize,
    minutes: Option<super::time::Minutes>,
) -> BurdenRow {
    let level = |s: Statutory| {
        mapping
            .fields
            .iter()
            .filter(|r| template.get(&r.target).is_some_and(|d| d.statutory == s))
            .count()
    };
    let (must, should, no) = (
        level(Statutory::Must),
        level(Statutory::Should),
        level(Statutory::No),
    );
    BurdenRow {
        rank: 0,
        mapping: mapping.id.clone(),
        la_code: mapping.la_code.clone(),
        la_name: mapping.la_name.clone(),
        fields_asked: mapping.fields.len() + mapping.extras.len(),
        statutory: must + should,
        must,
        should,
        non_statutory: no + mapping.extras.len(),
        duplicated,
        minutes,
    }
}

/// Sorts worst first and numbers the ranks.
pub fn rank(mut rows: Vec<BurdenRow>) -> Vec<BurdenRow> {
    rows.sort_by(|a, b| {
        (b.non_statutory + b.duplicated)
            .cmp(&(a.non_statutory + a.duplicated))
            .then(b.fields_asked.cmp(&a.fields_asked))
            .then(a.mapping.cmp(&b.mapping))
    });
    for (i, r) in rows.iter_mut().enumerate() {
        r.rank = i + 1;
    }
    rows
}
