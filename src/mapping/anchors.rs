//! `[form] reference`: the form's blank, read when the mapping loads and reduced to the printed text that anchors
//! the mapping's fixed positions (see [`crate::reference`]). Lints: `bad-reference` (cannot be read, or another
//! format), `no-reference` (fixed positions and no reference), `unanchored` (a position with no printed text
//! beside or above it on the reference).

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use toml::Spanned;

use super::{JoinPart, Locator, Rule, TickKey};
use crate::diag::{Diagnostic, Diagnostics, Lint};
use crate::read::{self, FieldKey, Format, Limits};
use crate::reference::{Reference, Slot};

/// The fixed positions a locator reads: grid cells, and PDF field names (exact names only: a glob or `{n}`
/// pattern is found by name, not position).
#[derive(Debug, Default)]
pub struct Fixed {
    /// Cells: (sheet, row, col).
    pub cells: Vec<Slot>,
    /// PDF fields by exact name.
    pub fields: Vec<String>,
}

impl Fixed {
    fn is_empty(&self) -> bool {
        self.cells.is_empty() && self.fields.is_empty()
    }
}

fn is_pattern(name: &str) -> bool {
    name.contains(['*', '?', '[', '{'])
}

/// What a locator reads at fixed positions.
pub fn fixed(locator: &Locator) -> Fixed {
    let mut out = Fixed::default();
    let mut cell = |c: &super::CellRef| out.cells.push((c.sheet.clone(), c.row, c.col));
    match locator {
        Locator::Cell(c) => cell(c),
        Locator::Cells(cs) => cs.iter().for_each(cell),
        Locator::Tick(opts) => opts.iter().for_each(|(c, _)| cell(c)),
        Locator::Range(r) => {
            for row in r.first.0..=r.last.0 {
                out.cells.push((r.sheet.clone(), row, r.first.1));
            }
        }
        Locator::Join(parts, _) => {
            for p in parts {
                match p {
                    JoinPart::Cell(c) => out.cells.push((c.sheet.clone(), c.row, c.col)),
                    JoinPart::Range(r) => {
                        for row in r.first.0..=r.last.0 {
                            out.cells.push((r.sheet.clone(), row, r.first.1));
                        }
                    }
                    JoinPart::Key(FieldKey::Field(k)) if !is_pattern(k) => {
                        out.fields.push(k.clone())
                    }
                    _ => {}
                }
            }
        }
        Locator::Field(f) | Locator::FieldMembers(f) if !is_pattern(f) => {
            out.fields.push(f.clone())
        }
        Locator::Fields(fs) => out
            .fields
            .extend(fs.iter().filter(|f| !is_pattern(f)).cloned()),
        Locator::PdfTick(opts) => {
            for (key, _) in opts {
                if let TickKey::Field { name, option: None } = key
                    && !is_pattern(name)
                {
                    out.fields.push(name.clone());
                }
            }
        }
        _ => {}
    }
    out
}

/// Reads the reference (when there is one) and lints the mapping's fixed positions against it.
pub fn load(
    path: &Path,
    text: &str,
    written: Option<&Spanned<String>>,
    format: Format,
    rules: &[&Rule],
    form_span: Range<usize>,
) -> (Option<Arc<Reference>>, Diagnostics) {
    let mut diags = Diagnostics::default();
    let positions: Vec<(Fixed, &Rule)> = rules
        .iter()
        .filter_map(|r| r.locator.as_ref().map(|l| (fixed(l), *r)))
        .filter(|(f, _)| !f.is_empty())
        .collect();
    let Some(written) = written else {
        if let Some((_, rule)) = positions.first() {
            let mut d = Diagnostic::lint(
                Lint::NoReference,
                path,
                text,
                form_span,
                format!(
                    "{} field(s) are read at fixed positions (e.g. `{}`) and the mapping names no reference form: \
                     when the council inserts a row or renames a sheet, they read the wrong cells and say `ok`",
                    positions.len(),
                    rule.target
                ),
            );
            d.help = Some(
                "add `reference = \"<the blank form>\"` under [form] (a path relative to this file)".into(),
            );
            diags.push(d);
        }
        return (None, diags);
    };
    let span = written.span();
    let rel = written.get_ref();
    let doc_path = path.parent().unwrap_or(Path::new(".")).join(rel);
    let mut fail = |msg: String| {
        diags.push(Diagnostic::lint(
            Lint::BadReference,
            path,
            text,
            span.clone(),
            msg,
        ));
    };
    let bytes = match std::fs::read(&doc_path) {
        Ok(b) => b,
        Err(e) => {
            fail(format!(
                "cannot read the reference form {}: {e}",
                doc_path.display()
            ));
            return (None, diags);
        }
    };
    let found = read::sniff(&bytes);
    if found.mapping_format() != format {
        fail(format!(
            "the reference form {} is {found}, but the mapping reads {format}",
            doc_path.display()
        ));
        return (None, diags);
    }
    let doc = match read::read(&bytes, found, &Limits::default()) {
        Ok(doc) => doc,
        Err(f) => {
            fail(format!(
                "cannot read the reference form {}: {}",
                doc_path.display(),
                f.reason
            ));
            return (None, diags);
        }
    };
    let slots: Vec<Slot> = positions
        .iter()
        .flat_map(|(f, _)| f.cells.clone())
        .collect();
    let reference = Reference::new(
        rel.clone(),
        doc_path,
        blake3::hash(&bytes).to_hex().to_string(),
        found,
        &doc,
        &slots,
    );
    for (fixed, rule) in &positions {
        let why = fixed
            .cells
            .iter()
            .find_map(|(s, r, c)| reference.unanchorable(s, *r, *c))
            .or_else(|| {
                fixed
                    .fields
                    .iter()
                    .find_map(|f| reference.unanchorable_field(f))
            });
        if let Some(why) = why {
            diags.push(Diagnostic::lint(
                Lint::Unanchored,
                path,
                text,
                span.clone(),
                format!("`{}`: {why}", rule.target),
            ));
        }
    }
    (Some(Arc::new(reference)), diags)
}

/// A locator's fixed positions checked on a document: `Ok(None)` when they are where the mapping says,
/// `Ok(Some(moved))` when their printed labels moved (the locator re-anchored), `Err(reason)` when a label is gone.
pub fn reanchor(
    locator: &Locator,
    alignment: &crate::reference::Alignment,
) -> Result<Option<Locator>, String> {
    use crate::reference::{Placed, PlacedField};
    let moved = std::cell::Cell::new(false);
    let cell = |c: &super::CellRef| -> Result<super::CellRef, String> {
        match alignment.place(&c.sheet, c.row, c.col) {
            Placed::Same => Ok(c.clone()),
            Placed::Moved(sheet, row, col) => {
                moved.set(true);
                Ok(super::CellRef { sheet, row, col })
            }
            Placed::Lost(why) => Err(why),
        }
    };
    let range = |r: &super::CellRange| -> Result<super::CellRange, String> {
        let first = cell(&super::CellRef {
            sheet: r.sheet.clone(),
            row: r.first.0,
            col: r.first.1,
        })?;
        let height = r.last.0 - r.first.0;
        let width = r.last.1 - r.first.1;
        Ok(super::CellRange {
            sheet: first.sheet,
            first: (first.row, first.col),
            last: (first.row + height, first.col + width),
        })
    };
    let new = match locator {
        Locator::Path(p) => match alignment.moved_path(p.as_str()) {
            Some(to) => match crate::xpath::XPath::compile(&to, &[]) {
                Ok(moved_to) => {
                    moved.set(true);
                    Locator::Path(moved_to)
                }
                Err(_) => Locator::Path(p.clone()),
            },
            None => Locator::Path(p.clone()),
        },
        Locator::Cell(c) => Locator::Cell(cell(c)?),
        Locator::Cells(cs) => Locator::Cells(cs.iter().map(cell).collect::<Result<_, _>>()?),
        Locator::Tick(opts) => Locator::Tick(
            opts.iter()
                .map(|(c, v)| Ok((cell(c)?, v.clone())))
                .collect::<Result<_, String>>()?,
        ),
        Locator::Range(r) => Locator::Range(range(r)?),
        Locator::Join(parts, sep) => {
            let mut out = Vec::with_capacity(parts.len());
            for p in parts {
                out.push(match p {
                    JoinPart::Cell(c) => JoinPart::Cell(cell(c)?),
                    JoinPart::Range(r) => JoinPart::Range(range(r)?),
                    other => other.clone(),
                });
            }
            Locator::Join(out, sep.clone())
        }
        other => other.clone(),
    };
    let rename = |name: &str| -> Result<String, String> {
        if is_pattern(name) {
            return Ok(name.to_string());
        }
        match alignment.place_field(name) {
            PlacedField::Same => Ok(name.to_string()),
            PlacedField::Renamed(n) => {
                moved.set(true);
                Ok(n)
            }
            PlacedField::Lost(why) => Err(why),
        }
    };
    let new = match new {
        Locator::Field(f) => Locator::Field(rename(&f)?),
        Locator::FieldMembers(f) => Locator::FieldMembers(rename(&f)?),
        Locator::Fields(fs) => {
            Locator::Fields(fs.iter().map(|f| rename(f)).collect::<Result<_, _>>()?)
        }
        Locator::PdfTick(opts) => Locator::PdfTick(
            opts.into_iter()
                .map(|(k, v)| match k {
                    TickKey::Field { name, option: None } => Ok((
                        TickKey::Field {
                            name: rename(&name)?,
                            option: None,
                        },
                        v,
                    )),
                    k => Ok((k, v)),
                })
                .collect::<Result<_, String>>()?,
        ),
        Locator::Join(parts, sep) if alignment.reference().is_pdf() => Locator::Join(
            parts
                .into_iter()
                .map(|p| match p {
                    JoinPart::Key(FieldKey::Field(k)) => {
                        Ok(JoinPart::Key(FieldKey::Field(rename(&k)?)))
                    }
                    p => Ok(p),
                })
                .collect::<Result<_, String>>()?,
            sep,
        ),
        other => other,
    };
    Ok(moved.get().then_some(new))
}
