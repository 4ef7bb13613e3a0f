//! Checks a parsed mapping against the national template and its form's format, and resolves it into a
//! [`Mapping`]. Every problem found is reported (not just the first), each at the span of the offending key or
//! value, saying what was expected and, where it can, what was probably meant.

use std::ops::Range;
use std::path::Path;

use regex::Regex;
use toml::Spanned;

use super::raw::{RawMapping, RawMatch, RawRule};
use super::transform::{Case, Split, Transforms};
use super::{
    CellRange, CellRef, JoinPart, LabelPattern, Locator, MAX_GROUP_MEMBERS, Mapping, Matcher, Rule,
    TICK_LABEL_PREFIX, Take, TickKey,
};
use crate::diag::{Diagnostic, Diagnostics, Lint, Lint as L, ParseError, char_span};
use crate::read::Format;
use crate::template::{FieldDef, FieldType, Statutory, Template};

/// Formats a mapping can be written for.
const FORMATS: &[&str] = &["xlsx", "pdf", "xml", "docx"];

struct Ctx<'a> {
    path: &'a Path,
    text: &'a str,
    diags: Diagnostics,
    /// `[form.namespaces]`: the prefixes `path` locators may use.
    namespaces: Vec<(String, String)>,
}

impl Ctx<'_> {
    /// Raises `lint` at `span`, with the lint's own severity.
    fn raise(&mut self, lint: Lint, span: Range<usize>, msg: impl Into<String>) -> &mut Diagnostic {
        self.diags
            .push(Diagnostic::lint(lint, self.path, self.text, span, msg));
        self.last()
    }

    /// Raises `lint` for a string value at `span` that does not parse: at the offending character when the
    /// error names one and the string is written plainly enough to find it, else at the whole value.
    fn raise_parse(
        &mut self,
        lint: Lint,
        span: Range<usize>,
        e: &ParseError,
        msg: impl Into<String>,
    ) -> &mut Diagnostic {
        let span = e
            .offset
            .and_then(|o| char_span(self.text, &span, o))
            .unwrap_or(span);
        self.raise(lint, span, msg)
    }

    #[allow(clippy::expect_used)] // just pushed
    fn last(&mut self) -> &mut Diagnostic {
        self.diags
            .items
            .last_mut()
            .expect("a diagnostic was just pushed")
    }
}

/// Parses and checks one mapping file. Returns the mapping when it has no errors, and every diagnostic.
pub fn compile(path: &Path, text: &str, template: &Template) -> (Option<Mapping>, Diagnostics) {
    let raw: RawMapping = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => return (None, Diagnostic::toml(path, text, &e).into()),
    };
    let mut cx = Ctx {
        path,
        text,
        diags: Diagnostics::default(),
        namespaces: raw
            .form
            .namespaces
            .iter()
            .map(|(p, u)| (p.clone(), u.clone()))
            .collect(),
    };
    let format = check_format(&mut cx, &raw.form.format);
    check_la_code(&mut cx, &raw.form.la_code);
    let matcher = compile_matcher(&mut cx, &raw.form.matcher, format);

    let mut fields = Vec::new();
    for (key, rule) in &raw.fields {
        let Some(def) = template.get(key.get_ref()) else {
            let d = cx.raise(
                L::UnknownField,
                key.span(),
                format!(
                    "`{}` is not a field of the national template",
                    key.get_ref()
                ),
            );
            if let Some(near) = template.closest(key.get_ref()) {
                d.help = Some(format!("did you mean `{near}`?"));
            } else {
                d.help = Some("template fields are listed in mappings/national-template.toml; put other questions under [extra]".into());
            }
            continue;
        };
        let span = key.span();
        if let Some(r) = compile_rule(
            &mut cx,
            key.get_ref(),
            rule,
            Some(def),
            format,
            span.clone(),
        ) {
            if r.locator.is_none() {
                cx.raise(
                    L::LocatorCount,
                    span,
                    format!("`{}` has no locator", key.get_ref()),
                )
                .help = Some(locator_help(format));
                continue;
            }
            fields.push(r);
        }
    }

    let mut extras = Vec::new();
    for (key, rule) in &raw.extra {
        let id = key.get_ref();
        if template.get(id).is_some() {
            cx.raise(
                L::BadExtra,
                key.span(),
                format!("`{id}` is a national template field: map it under [fields], not [extra]"),
            );
            continue;
        }
        if !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            || id.is_empty()
        {
            cx.raise(
                L::BadExtra,
                key.span(),
                format!("extra id `{id}` must be snake_case (a-z, 0-9, _)"),
            )
            .help = Some(format!("e.g. `{}`", snake_case(id)));
        }
        if rule.get_ref().printed.is_none() {
            cx.raise(
                L::BadExtra,
                key.span(),
                format!("extra `{id}` needs `printed`: the question as the form prints it"),
            )
            .help = Some(
                "the printed wording is what the duplicate and non-statutory analysis compares"
                    .into(),
            );
        }
        if let Some(r) = compile_rule(&mut cx, id, rule, None, format, key.span()) {
            extras.push(r);
        }
    }

    warn_unmapped_statutory(&mut cx, template, &fields, raw.form.format.span());
    let extra_ids: Vec<String> = raw.extra.keys().map(|k| k.get_ref().clone()).collect();
    let (tests, found) = super::cases::compile_tests(path, text, &raw.test, template, &extra_ids);
    cx.diags.extend(found);

    let Some(format) = format else {
        return (None, cx.diags);
    };
    if cx.diags.has_errors() {
        return (None, cx.diags);
    }
    let id = path
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    let mapping = Mapping {
        id,
        path: path.to_path_buf(),
        la_code: raw.form.la_code.get_ref().clone(),
        la_name: raw.form.la_name,
        form: raw.form.form,
        version: raw.form.version,
        format,
        matcher,
        namespaces: raw.form.namespaces.into_iter().collect(),
        fields,
        extras,
        fingerprint: blake3::hash(text.as_bytes()).to_hex().to_string(),
        tests,
    };
    (Some(mapping), cx.diags)
}

fn check_format(cx: &mut Ctx, format: &Spanned<String>) -> Option<Format> {
    match format.get_ref().as_str() {
        "xlsx" => Some(Format::Xlsx),
        "pdf" => Some(Format::Pdf),
        "xml" => Some(Format::Xml),
        "docx" => Some(Format::Docx),
        other => {
            cx.raise(
                L::BadForm,
                format.span(),
                format!(
                    "unknown format `{other}`; expected one of {}",
                    FORMATS.join(", ")
                ),
            );
            None
        }
    }
}

/// DfE 3-digit LA numbers or ONS codes (E06, E08, E09, E10 + 6 digits).
fn check_la_code(cx: &mut Ctx, code: &Spanned<String>) {
    let c = code.get_ref();
    let dfe = c.len() == 3 && c.chars().all(|ch| ch.is_ascii_digit());
    let ons = c.len() == 9
        && ["E06", "E08", "E09", "E10"]
            .iter()
            .any(|p| c.starts_with(p))
        && c.chars().skip(3).all(|ch| ch.is_ascii_digit());
    if !dfe && !ons {
        cx.raise(L::BadForm, code.span(), format!("`{c}` is not an LA code"))
            .help = Some(
            "expected a DfE 3-digit LA number (e.g. 926) or an ONS code (e.g. E10000020)".into(),
        );
    }
}

fn compile_matcher(cx: &mut Ctx, raw: &Spanned<RawMatch>, format: Option<Format>) -> Matcher {
    let m = raw.get_ref();
    let only = |cx: &mut Ctx, key: &Option<Spanned<String>>, name: &str, fmt: Format| {
        if let (Some(k), Some(f)) = (key, format)
            && f != fmt
        {
            cx.raise(
                L::BadMatch,
                k.span(),
                format!("`match.{name}` only applies to {fmt} forms; this form is {f}"),
            )
            .help = Some(match_help(f));
        }
    };
    only(cx, &m.sheet, "sheet", Format::Xlsx);
    only(cx, &m.field, "field", Format::Pdf);
    only(cx, &m.root, "root", Format::Xml);
    only(cx, &m.namespace, "namespace", Format::Xml);
    only(cx, &m.control, "control", Format::Docx);
    let field = m
        .field
        .as_ref()
        .and_then(|f| match glob::Pattern::new(f.get_ref()) {
            Ok(p) => Some(p),
            Err(e) => {
                let at = glob_error(f.get_ref(), &e);
                cx.raise_parse(L::BadGlob, f.span(), &at, format!("bad field glob: {e}"))
                    .help = Some(GLOB_HELP.into());
                None
            }
        });
    let matcher = Matcher {
        sheet: m.sheet.as_ref().map(|s| s.get_ref().clone()),
        contains: m.contains.as_ref().map(|s| s.get_ref().to_lowercase()),
        field,
        root: m.root.as_ref().map(|s| s.get_ref().clone()),
        namespace: m.namespace.as_ref().map(|s| s.get_ref().clone()),
        control: m.control.as_ref().map(|s| s.get_ref().clone()),
    };
    if matcher.specificity() == 0 && m.field.is_none() {
        cx.raise(
            L::BadMatch,
            raw.span(),
            "[form.match] needs at least one condition",
        )
        .help = Some("e.g. `sheet = \"Request\"` or `contains = \"Northmoor\"`".into());
    }
    matcher
}

fn locator_help(format: Option<Format>) -> String {
    match format {
        Some(Format::Xlsx) => {
            "give one of `cell`, `cells`, `range`, `label`, `tick` or `join`".into()
        }
        Some(Format::Pdf) => {
            "give one of `field`, `cells`, `xfa`, `label`, `tick` or `join`".into()
        }
        Some(Format::Xml) => "give one of `path` or `join`".into(),
        Some(Format::Docx) => {
            "give one of `control`, `formfield`, `cell`, `cells`, `range`, `label`, `tick` or `join`".into()
        }
        _ => "give a locator such as `cell`, `label`, `field` or `path`".into(),
    }
}

/// Checks one `[fields."id"]` or `[extra."id"]` table; `def` is the template field (None for extras).
fn compile_rule(
    cx: &mut Ctx,
    id: &str,
    rule: &Spanned<RawRule>,
    def: Option<&FieldDef>,
    format: Option<Format>,
    key_span: Range<usize>,
) -> Option<Rule> {
    let r = rule.get_ref();
    let errors_before = cx.diags.errors().count();
    let group = def.and_then(|d| d.group.as_deref()).is_some();
    let locator = compile_locator(cx, id, r, format, group, key_span.clone());
    let transforms = compile_transforms(cx, r, def, group);
    let values: Vec<&String> = match &locator {
        Some(Locator::Tick(options)) => options.iter().map(|(_, v)| v).collect(),
        Some(Locator::PdfTick(options)) => options.iter().map(|(_, v)| v).collect(),
        _ => Vec::new(),
    };
    if let Some(def) = def
        && let FieldType::Enum(allowed) = &def.ty
    {
        for value in values {
            if !allowed.contains(value) {
                let span = r.tick.as_ref().map_or(key_span.clone(), Spanned::span);
                cx.raise(
                    L::TypeMismatch,
                    span,
                    format!("tick value `{value}` is not allowed for `{id}`"),
                )
                .help = Some(format!("allowed: {}", allowed.join(", ")));
            }
        }
    }
    if cx.diags.errors().count() > errors_before {
        return None;
    }
    Some(Rule {
        target: id.to_string(),
        locator,
        transforms,
        printed: r.printed.clone(),
        statutory_override: r.statutory_override.clone(),
    })
}

fn compile_locator(
    cx: &mut Ctx,
    id: &str,
    r: &RawRule,
    format: Option<Format>,
    group: bool,
    key_span: Range<usize>,
) -> Option<Locator> {
    let given: Vec<(&str, Range<usize>)> = [
        ("cell", r.cell.as_ref().map(Spanned::span)),
        ("cells", r.cells.as_ref().map(Spanned::span)),
        ("range", r.range.as_ref().map(Spanned::span)),
        ("label", r.label.as_ref().map(Spanned::span)),
        ("tick", r.tick.as_ref().map(Spanned::span)),
        ("field", r.field.as_ref().map(Spanned::span)),
        ("xfa", r.xfa.as_ref().map(Spanned::span)),
        ("path", r.path.as_ref().map(Spanned::span)),
        ("join", r.join.as_ref().map(Spanned::span)),
        ("control", r.control.as_ref().map(Spanned::span)),
        ("formfield", r.formfield.as_ref().map(Spanned::span)),
    ]
    .into_iter()
    .filter_map(|(k, s)| s.map(|s| (k, s)))
    .collect();
    if given.len() > 1 {
        let names: Vec<&str> = given.iter().map(|(k, _)| *k).collect();
        let span = given.get(1).map_or(key_span, |(_, s)| s.clone());
        cx.raise(
            L::LocatorCount,
            span,
            format!(
                "`{id}` has several locators ({}); give exactly one",
                names.join(", ")
            ),
        )
        .help = Some("keep one; to combine several sources use `join = [...]`".into());
        return None;
    }
    let (kind, span) = given.into_iter().next()?;
    let fits: &[Format] = match kind {
        "cell" | "range" => &[Format::Xlsx, Format::Docx],
        "cells" | "tick" => &[Format::Xlsx, Format::Docx, Format::Pdf],
        "control" | "formfield" => &[Format::Docx],
        "field" | "xfa" => &[Format::Pdf],
        "path" => &[Format::Xml],
        "label" => &[Format::Xlsx, Format::Pdf, Format::Docx],
        _ => &[Format::Xlsx, Format::Pdf, Format::Xml, Format::Docx],
    };
    if let Some(f) = format
        && !fits.contains(&f)
    {
        cx.raise(
            L::LocatorFormat,
            span,
            format!("`{kind}` does not apply to {f} forms"),
        )
        .help = Some(locator_help(format));
        return None;
    }
    let numbered = |s: &str| s.contains("{n}");
    let numbered_keys = [
        &r.label,
        &r.field,
        &r.path,
        &r.xfa,
        &r.control,
        &r.formfield,
    ];
    let group_capable = matches!(kind, "cells" | "range")
        || (matches!(
            kind,
            "label" | "field" | "path" | "xfa" | "control" | "formfield"
        ) && numbered_keys
            .iter()
            .any(|x| x.as_ref().is_some_and(|s| numbered(s.get_ref()))))
        || r.split.as_ref().is_some_and(|s| s.get_ref().part.is_none());
    if !group
        && group_capable
        && !matches!(
            kind,
            "label" | "field" | "path" | "xfa" | "control" | "formfield"
        )
    {
        cx.raise(
            L::GroupMismatch,
            span.clone(),
            format!("`{kind}` yields several values, but `{id}` is not a group field"),
        )
        .help = Some("use `cell` for a single value".into());
        return None;
    }
    if !group
        && numbered_keys
            .iter()
            .any(|x| x.as_ref().is_some_and(|s| numbered(s.get_ref())))
    {
        cx.raise(
            L::GroupMismatch,
            span,
            format!("`{{n}}` numbers the members of a group, but `{id}` is not a group field"),
        )
        .help = Some("remove `{n}`: only `parents.*` and `professionals.*` fields repeat".into());
        return None;
    }
    if r.take.is_some() && kind != "label" {
        let s = r.take.as_ref().map_or(span.clone(), Spanned::span);
        cx.raise(L::BadOption, s, "`take` goes with `label`").help =
            Some("remove `take`, or find the value by `label`".into());
    }
    let cell = |cx: &mut Ctx, s: &str, span: Range<usize>| match CellRef::parse(s) {
        Ok(c) => Some(c),
        Err(e) => {
            cx.raise_parse(L::BadCell, span, &e, e.message.clone());
            None
        }
    };
    match kind {
        "cell" => {
            let c = r.cell.as_ref()?;
            cell(cx, c.get_ref(), c.span()).map(Locator::Cell)
        }
        "cells" if format == Some(Format::Pdf) => {
            let cs = r.cells.as_ref()?;
            let ok = cs
                .get_ref()
                .iter()
                .filter(|f| pdf_field_glob(cx, f, cs.span()))
                .count();
            (ok == cs.get_ref().len()).then(|| Locator::Fields(cs.get_ref().clone()))
        }
        "tick" if format == Some(Format::Pdf) => {
            let t = r.tick.as_ref()?;
            if t.get_ref().len() < 2 {
                cx.raise(
                    L::BadOption,
                    t.span(),
                    "`tick` needs at least two options (field = value)",
                )
                .help = Some(
                    "e.g. tick = { \"Check Box1\" = \"male\", \"Check Box2\" = \"female\" }".into(),
                );
            }
            let opts: Vec<(TickKey, String)> = t
                .get_ref()
                .iter()
                .filter_map(|(k, v)| pdf_tick_key(cx, k, t.span()).map(|k| (k, v.clone())))
                .collect();
            (opts.len() == t.get_ref().len()).then_some(Locator::PdfTick(opts))
        }
        "cells" => {
            let cs = r.cells.as_ref()?;
            let parsed: Vec<CellRef> = cs
                .get_ref()
                .iter()
                .filter_map(|s| cell(cx, s, cs.span()))
                .collect();
            (parsed.len() == cs.get_ref().len()).then_some(Locator::Cells(parsed))
        }
        "range" => {
            let s = r.range.as_ref()?;
            match CellRange::parse_column(s.get_ref()) {
                Ok(range) => Some(Locator::Range(range)),
                Err(e) => {
                    cx.raise_parse(L::BadCell, s.span(), &e, e.message.clone());
                    None
                }
            }
        }
        "tick" => {
            let t = r.tick.as_ref()?;
            if t.get_ref().len() < 2 {
                cx.raise(
                    L::BadOption,
                    t.span(),
                    "`tick` needs at least two options (cell = value)",
                )
                .help = Some(
                    "e.g. tick = { \"Request!B5\" = \"yes\", \"Request!C5\" = \"no\" }".into(),
                );
            }
            let opts: Vec<(CellRef, String)> = t
                .get_ref()
                .iter()
                .filter_map(|(c, v)| cell(cx, c, t.span()).map(|c| (c, v.clone())))
                .collect();
            (opts.len() == t.get_ref().len()).then_some(Locator::Tick(opts))
        }
        "label" => {
            let l = r.label.as_ref()?;
            let take = match r.take.as_ref().map(|t| (t.get_ref().as_str(), t.span())) {
                None | Some(("right", _)) => Take::Right,
                Some(("below", _)) => Take::Below,
                Some((other, s)) => {
                    cx.raise(
                        L::BadOption,
                        s,
                        format!("unknown `take = \"{other}\"`; expected \"right\" or \"below\""),
                    );
                    return None;
                }
            };
            let pattern = if numbered(l.get_ref()) {
                let mut res = Vec::new();
                for n in 1..=MAX_GROUP_MEMBERS {
                    res.push(regex(
                        cx,
                        &l.get_ref().replace("{n}", &n.to_string()),
                        l.span(),
                    )?);
                }
                LabelPattern::Numbered(res)
            } else {
                LabelPattern::One(regex(cx, l.get_ref(), l.span())?)
            };
            let stop = match &r.stop {
                Some(s) => Some(regex(cx, s.get_ref(), s.span())?),
                None => None,
            };
            Some(Locator::Label {
                pattern,
                take,
                stop,
            })
        }
        "field" => {
            let f = r.field.as_ref()?;
            let glob = f.get_ref().replace("{n}", "1");
            glob::Pattern::new(&glob)
                .map_err(|e| {
                    // Replacing `{n}` moves what follows it: point at the whole value then.
                    let at = if glob == *f.get_ref() {
                        glob_error(&glob, &e)
                    } else {
                        ParseError::new(e.msg)
                    };
                    cx.raise_parse(L::BadGlob, f.span(), &at, format!("bad field glob: {e}"))
                        .help = Some(GLOB_HELP.into());
                })
                .ok()?;
            if group && !numbered(f.get_ref()) {
                // A group's glob: every match is a member.
                return Some(Locator::FieldMembers(f.get_ref().clone()));
            }
            Some(Locator::Field(f.get_ref().clone()))
        }
        "xfa" => r.xfa.as_ref().map(|x| Locator::Xfa(x.get_ref().clone())),
        "control" => r
            .control
            .as_ref()
            .map(|c| Locator::Control(c.get_ref().clone())),
        "formfield" => r
            .formfield
            .as_ref()
            .map(|f| Locator::FormField(f.get_ref().clone())),
        "path" => {
            let p = r.path.as_ref()?;
            xml_path(cx, p.get_ref(), p.span()).map(Locator::Path)
        }
        "join" => {
            let j = r.join.as_ref()?;
            if j.get_ref().len() < 2 {
                cx.raise(L::BadOption, j.span(), "`join` needs at least two locators")
                    .help = Some("e.g. join = [\"Request!C5\", \"Request!D5\"]; for one source use `cell`, `field` or `path`".into());
                return None;
            }
            // Each part is compiled (and linted) as the lone locator of the form's format would be.
            let parts: Vec<JoinPart> = j
                .get_ref()
                .iter()
                .filter_map(|s| match format {
                    Some(Format::Xlsx) => cell(cx, s, j.span()).map(JoinPart::Cell),
                    Some(Format::Xml) => xml_path(cx, s, j.span()).map(JoinPart::Path),
                    Some(Format::Pdf) => glob::Pattern::new(s)
                        .map_err(|e| {
                            cx.raise(
                                L::BadGlob,
                                j.span(),
                                format!("bad field glob in `join`: {e}"),
                            )
                            .help = Some(GLOB_HELP.into());
                        })
                        .ok()
                        .map(|_| JoinPart::Key(s.clone())),
                    // docx: a table cell, or a reader key (`sdt:Tag`, `ff:Name`).
                    _ => Some(
                        CellRef::parse(s).map_or_else(|_| JoinPart::Key(s.clone()), JoinPart::Cell),
                    ),
                })
                .collect();
            (parts.len() == j.get_ref().len())
                .then(|| Locator::Join(parts, r.separator.clone().unwrap_or_else(|| " ".into())))
        }
        _ => None,
    }
}

/// The span of a key written inside the inline table at `table` (`"key"` or `'key'`), else the whole table.
fn key_span(text: &str, table: &Range<usize>, key: &str) -> Range<usize> {
    let Some(inside) = text.get(table.clone()) else {
        return table.clone();
    };
    [format!("\"{key}\""), format!("'{key}'")]
        .iter()
        .find_map(|quoted| {
            let at = inside.find(quoted.as_str())?;
            let start = table.start.checked_add(at)?;
            Some(start..start.checked_add(quoted.len())?)
        })
        .unwrap_or_else(|| table.clone())
}

/// A pdf field name written where an exact name, else a glob, is read (`cells` on a pdf form): true when it
/// compiles as a glob, else a `bad-glob` error at the name.
fn pdf_field_glob(cx: &mut Ctx, name: &str, list: Range<usize>) -> bool {
    match glob::Pattern::new(name) {
        Ok(_) => true,
        Err(e) => {
            let span = key_span(cx.text, &list, name);
            let at = if span == list {
                ParseError::new(e.msg)
            } else {
                glob_error(name, &e)
            };
            cx.raise_parse(L::BadGlob, span, &at, format!("bad field glob: {e}"))
                .help = Some(GLOB_HELP.into());
            false
        }
    }
}

/// One key of a `tick` on a pdf form: `label:Male` (a printed label), `Gender=Male` (a radio group's option, when
/// no field has that whole name) or a field name (exact, else a glob). Errors point at the key.
fn pdf_tick_key(cx: &mut Ctx, key: &str, table: Range<usize>) -> Option<TickKey> {
    let span = key_span(cx.text, &table, key);
    let help = "a pdf tick key is a field name or glob (`Check Box1`), a radio group's option \
                (`Gender=Male`: the group, `=`, the option's export value) or a printed label (`label:Male`)";
    if let Some(label) = key.strip_prefix(TICK_LABEL_PREFIX) {
        let label = label.trim().trim_end_matches(':').trim();
        if label.is_empty() {
            cx.raise(
                L::BadTickKey,
                span,
                format!("tick key `{key}` names no printed label"),
            )
            .help = Some(help.into());
            return None;
        }
        return Some(TickKey::Label(label.to_string()));
    }
    if key.trim().is_empty() {
        cx.raise(L::BadTickKey, span, "an empty tick key names no field")
            .help = Some(help.into());
        return None;
    }
    let whole = glob::Pattern::new(key);
    let option = key.rsplit_once('=').map(|(g, v)| (g.trim(), v.trim()));
    match option {
        Some((group, export)) if group.is_empty() || export.is_empty() => {
            cx.raise(
                L::BadTickKey,
                span,
                format!(
                    "tick key `{key}` has `=` but no radio group before it or no option after it"
                ),
            )
            .help = Some(help.into());
            None
        }
        Some((group, export)) => match glob::Pattern::new(group) {
            Ok(_) => Some(TickKey::Field {
                name: key.to_string(),
                option: Some((group.to_string(), export.to_string())),
            }),
            Err(e) => {
                cx.raise(L::BadGlob, span, format!("bad field glob: {e}"))
                    .help = Some(GLOB_HELP.into());
                None
            }
        },
        None => match whole {
            Ok(_) => Some(TickKey::Field {
                name: key.to_string(),
                option: None,
            }),
            Err(e) => {
                let at = glob_error(key, &e);
                let d = if span == table {
                    cx.raise(L::BadGlob, span, format!("bad field glob: {e}"))
                } else {
                    cx.raise_parse(L::BadGlob, span, &at, format!("bad field glob: {e}"))
                };
                d.help = Some(GLOB_HELP.into());
                None
            }
        },
    }
}

/// The glob crate's error as a [`ParseError`]: its position counts characters, ours bytes.
fn glob_error(glob: &str, e: &glob::PatternError) -> ParseError {
    let offset = glob
        .char_indices()
        .nth(e.pos)
        .map_or(glob.len(), |(i, _)| i);
    ParseError::at(offset, e.msg)
}

/// An XML path compiled with the mapping's namespaces, or a `bad-path` error.
fn xml_path(cx: &mut Ctx, path: &str, span: Range<usize>) -> Option<crate::xpath::XPath> {
    crate::xpath::XPath::compile(path, &cx.namespaces)
        .map_err(|e| {
            cx.raise_parse(L::BadPath, span, &e, format!("bad path: {e}")).help = Some(
                "paths are a small XPath subset: /a/b, //b, @attr, [n], [@attr='v'], [child='v'], prefix:name".into(),
            );
        })
        .ok()
}

fn regex(cx: &mut Ctx, pattern: &str, span: Range<usize>) -> Option<Regex> {
    match Regex::new(pattern) {
        Ok(re) => Some(re),
        Err(e) => {
            let msg = e.to_string();
            let last = msg
                .lines()
                .last()
                .unwrap_or("invalid regex")
                .trim()
                .to_string();
            cx.raise(L::BadRegex, span, format!("bad regex: {last}")).help = Some(
                "expected Rust regex syntax (docs.rs/regex); escape literal ( ) . ? + * with `\\`, and write the regex in '...' so TOML leaves backslashes alone".into(),
            );
            None
        }
    }
}

fn compile_transforms(
    cx: &mut Ctx,
    r: &RawRule,
    def: Option<&FieldDef>,
    group: bool,
) -> Transforms {
    let ty = def.map(|d| &d.ty);
    let id = def.map_or("this extra", |d| d.id.as_str());
    let mut t = Transforms {
        trim: r.trim.unwrap_or(true),
        ..Transforms::default()
    };
    if let Some(re) = &r.regex {
        t.regex = regex(cx, re.get_ref(), re.span());
        if let Some(compiled) = &t.regex
            && compiled.captures_len() > 2
        {
            cx.raise(
                L::RegexCaptures,
                re.span(),
                "regex has several capture groups; only the first is kept",
            )
            .help = Some("make the others non-capturing: `(?:...)`".into());
        }
    }
    if let Some(s) = &r.split {
        let raw = s.get_ref();
        if raw.sep.is_empty() {
            cx.raise(L::BadOption, s.span(), "`split.sep` must not be empty")
                .help = Some("e.g. split = { sep = \",\", part = 1 }".into());
        }
        if raw.part == Some(0) {
            cx.raise(L::BadOption, s.span(), "`split.part` counts from 1")
                .help = Some("use `part = 1` for the first part".into());
        }
        if raw.part.is_none() && !group {
            cx.raise(
                L::GroupMismatch,
                s.span(),
                format!(
                    "`split` without `part` makes a group's items, but `{id}` is not a group field"
                ),
            )
            .help = Some("add `part = 1` to keep the first part".into());
        }
        t.split = Some(Split {
            sep: raw.sep.clone(),
            part: raw.part,
        });
    }
    if let Some(m) = &r.map {
        t.map = m
            .get_ref()
            .iter()
            .map(|(k, v)| (k.trim().to_lowercase(), v.clone()))
            .collect();
        if let Some(FieldType::Enum(allowed)) = ty {
            for v in m.get_ref().values() {
                if !allowed.contains(v) {
                    cx.raise(
                        L::TypeMismatch,
                        m.span(),
                        format!("map value `{v}` is not allowed for `{id}`"),
                    )
                    .help = Some(format!("allowed: {}", allowed.join(", ")));
                }
            }
        }
    }
    if let Some(c) = &r.case {
        t.case = match c.get_ref().as_str() {
            "upper" => Some(Case::Upper),
            "lower" => Some(Case::Lower),
            "title" => Some(Case::Title),
            other => {
                cx.raise(
                    L::BadOption,
                    c.span(),
                    format!("unknown case `{other}`; expected upper, lower or title"),
                );
                None
            }
        };
    }
    if let Some(d) = &r.date {
        if ty.is_some_and(|ty| *ty != FieldType::Date) {
            cx.raise(
                L::TypeMismatch,
                d.span(),
                format!(
                    "`date` cannot yield `{id}`, which is of type {}",
                    ty.map_or("", FieldType::name)
                ),
            )
            .help =
                Some("`date` goes with fields of type date; remove it, or map a date field".into());
        }
        for f in d.get_ref() {
            if jiff::fmt::strtime::format(f, jiff::civil::date(2015, 3, 14)).is_err()
                || !f.contains('%')
            {
                cx.raise(L::BadOption, d.span(), format!("bad date format `{f}`"))
                    .help = Some("use strftime directives, e.g. \"%d/%m/%Y\"".into());
            }
        }
        t.date_formats = d.get_ref().clone();
    }
    if let Some(b) = &r.bool {
        if ty.is_some_and(|ty| *ty != FieldType::Bool) {
            cx.raise(
                L::TypeMismatch,
                b.span(),
                format!(
                    "`bool` words cannot yield `{id}`, which is of type {}",
                    ty.map_or("", FieldType::name)
                ),
            )
            .help = Some("`bool` goes with fields of type bool; for other values use `map`".into());
        }
        t.yes = b
            .get_ref()
            .yes
            .iter()
            .map(|w| w.trim().to_lowercase())
            .collect();
        t.no = b
            .get_ref()
            .no
            .iter()
            .map(|w| w.trim().to_lowercase())
            .collect();
    }
    if let Some(d) = &r.default {
        t.default = Some(d.get_ref().clone());
        if let Some(ty) = ty {
            let probe = Transforms {
                trim: true,
                ..t.clone()
            };
            let mut plain = probe.clone();
            plain.regex = None;
            plain.split = None;
            if let Err(rejected) =
                plain.convert(&crate::read::RawValue::Text(d.get_ref().clone()), ty)
            {
                cx.raise(
                    L::TypeMismatch,
                    d.span(),
                    format!("default cannot yield `{id}`: {}", rejected.reason),
                )
                .help = Some(format!(
                    "expected a {} value; the default goes through the field's transforms",
                    ty.name()
                ));
            }
        }
    }
    t
}

/// Statutory fields a form never asks for are the coverage gaps; `check` warns (`must`) or notes (`should`) so
/// the analyst knows.
fn warn_unmapped_statutory(cx: &mut Ctx, template: &Template, rules: &[Rule], span: Range<usize>) {
    let missing = |level: Statutory| -> Vec<&str> {
        template
            .fields
            .iter()
            .filter(|f| f.statutory == level)
            .filter(|f| !rules.iter().any(|r| r.target == f.id))
            .map(|f| f.id.as_str())
            .collect()
    };
    let must = missing(Statutory::Must);
    if !must.is_empty() {
        cx.raise(
            L::UnmappedStatutory,
            span.clone(),
            format!(
                "the form does not ask for {} statutory (must) field(s): {}",
                must.len(),
                must.join(", ")
            ),
        )
        .help = Some(
            "map each under [fields.\"id\"] if the form asks for it; if it does not, this is a coverage gap to report"
                .into(),
        );
    }
    let should = missing(Statutory::Should);
    if !should.is_empty() {
        cx.raise(
            L::UnmappedShould,
            span,
            format!(
                "the form does not ask for {} `should` field(s): {}",
                should.len(),
                should.join(", ")
            ),
        );
    }
}

/// How to write a field-name glob.
const GLOB_HELP: &str = "expected a glob on the fully qualified field name: `*` any text, `?` one character, `[abc]` one of a set";

/// Which `[form.match]` conditions apply to a format.
fn match_help(format: Format) -> String {
    let keys = match format {
        Format::Xlsx => "`sheet`, `contains`",
        Format::Pdf => "`field`, `contains`",
        Format::Xml => "`root`, `namespace`, `contains`",
        _ => "`contains`",
    };
    format!("{format} forms are matched by {keys}")
}

/// A snake_case rendering of an id, for hints.
pub fn snake_case(id: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in id.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            out.push('_');
        }
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
    }
    let trimmed = out.trim_end_matches('_');
    if trimmed.is_empty() {
        "extra_field".into()
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template() -> Template {
        Template::load(Path::new("mappings/national-template.toml")).unwrap()
    }

    const HEAD: &str = "[form]\nla_code = \"951\"\nla_name = \"X\"\nform = \"F\"\nversion = \"1\"\nformat = \"xlsx\"\n[form.match]\nsheet = \"Request\"\n";

    fn errors(body: &str) -> Vec<(usize, usize, String)> {
        let text = format!("{HEAD}{body}");
        let (_, diags) = compile(Path::new("m.toml"), &text, &template());
        diags
            .errors()
            .map(|d| (d.line, d.column, d.message.clone()))
            .collect()
    }

    #[test]
    fn a_good_rule_compiles() {
        let text = format!(
            "{HEAD}[fields.\"child.forename\"]\ncell = \"Request!C5\"\nregex = '^(\\S+)'\n"
        );
        let (m, diags) = compile(Path::new("m.toml"), &text, &template());
        assert!(!diags.has_errors(), "{diags}");
        let m = m.unwrap();
        assert_eq!(m.fields.len(), 1);
        assert!(matches!(&m.fields[0].locator, Some(Locator::Cell(c)) if c.row == 4));
        assert!(
            diags
                .warnings()
                .any(|w| w.message.contains("child.surname"))
        );
    }

    #[test]
    fn unknown_field_points_at_key_with_hint() {
        let text = format!("{HEAD}[fields.\"child.dob\"]\ncell = \"Request!C5\"\n");
        let (_, diags) = compile(Path::new("m.toml"), &text, &template());
        let d = diags.errors().next().unwrap();
        assert_eq!((d.line, d.column), (9, 9));
        assert_eq!(
            d.help.as_deref(),
            Some("did you mean `child.date_of_birth`?")
        );
    }

    #[test]
    fn every_problem_is_reported_with_its_position() {
        let errs = errors(concat!(
            "[fields.\"child.forename\"]\ncell = \"C5\"\n",
            "[fields.\"child.surname\"]\ncell = \"Request!C5\"\nregex = '(unclosed'\n",
            "[fields.\"child.gender\"]\ncell = \"Request!C6\"\nmap = { M = \"man\" }\n",
            "[fields.\"child.looked_after\"]\ncell = \"Request!C7\"\ndate = [\"%d/%m/%Y\"]\n",
            "[fields.\"child.upn\"]\nfield = \"UPN\"\n",
        ));
        let lines: Vec<usize> = errs.iter().map(|e| e.0).collect();
        assert_eq!(lines, vec![10, 13, 16, 19, 21], "{errs:?}");
        assert!(errs[0].2.contains("expected a cell like `Sheet!C5`"));
        assert!(errs[1].2.starts_with("bad regex"));
        assert!(errs[2].2.contains("map value `man` is not allowed"));
        assert!(
            errs[3]
                .2
                .contains("`date` cannot yield `child.looked_after`")
        );
        assert!(errs[4].2.contains("`field` does not apply to xlsx forms"));
    }

    #[test]
    fn unknown_keys_are_syntax_errors_with_position() {
        let errs = errors("[fields.\"child.forename\"]\ncel = \"Request!C5\"\n");
        assert_eq!(errs.len(), 1);
        assert_eq!((errs[0].0, errs[0].1), (10, 1));
        assert!(errs[0].2.contains("unknown field `cel`"), "{}", errs[0].2);
    }

    #[test]
    fn every_diagnostic_has_a_documented_lint_name() {
        let text = format!(
            "{HEAD}[fields.\"child.dob\"]\ncell = \"C5\"\n[fields.\"child.surname\"]\ncell = \"Request!C5\"\nregex = '(a)(b)'\n"
        );
        let (_, diags) = compile(Path::new("m.toml"), &text, &template());
        let names: Vec<&str> = diags
            .items
            .iter()
            .filter_map(|d| d.lint.map(Lint::name))
            .collect();
        assert_eq!(names.len(), diags.items.len(), "{diags}");
        for want in [
            "unknown-field",
            "regex-captures",
            "unmapped-statutory",
            "unmapped-should",
        ] {
            assert!(names.contains(&want), "{names:?}");
        }
    }

    #[test]
    fn unknown_keys_suggest_the_nearest() {
        let text = format!("{HEAD}[fields.\"child.forename\"]\ncel = \"Request!C5\"\n");
        let (_, diags) = compile(Path::new("m.toml"), &text, &template());
        let d = diags.errors().next().unwrap();
        assert_eq!(d.lint, Some(Lint::UnknownKey));
        assert_eq!(d.help.as_deref(), Some("did you mean `cell`?"));
    }

    #[test]
    fn snake_case_hints() {
        assert_eq!(snake_case("CostedMap"), "costed_map");
        assert_eq!(snake_case("Costed provision map?"), "costed_provision_map");
        assert_eq!(snake_case("!!"), "extra_field");
    }

    #[test]
    fn group_rules() {
        assert!(errors("[fields.\"parents.name\"]\nlabel = \"Parent {n} name\"\n").is_empty());
        let errs = errors("[fields.\"child.forename\"]\nlabel = \"Name {n}\"\n");
        assert!(errs[0].2.contains("not a group field"));
        let errs = errors("[fields.\"child.forename\"]\nrange = \"Request!A1:A5\"\n");
        assert!(errs[0].2.contains("not a group field"));
    }

    #[test]
    fn extras_need_printed_wording_and_snake_case_ids() {
        let errs = errors("[extra.CostedMap]\ncell = \"Request!B12\"\n");
        assert_eq!(errs.len(), 2, "{errs:?}");
        let errs = errors("[extra.\"child.upn\"]\nprinted = \"UPN\"\n");
        assert!(errs[0].2.contains("map it under [fields]"));
    }

    #[test]
    fn xml_paths_compile_at_load_with_the_mappings_prefixes() {
        let head = "[form]\nla_code = \"957\"\nla_name = \"X\"\nform = \"F\"\nversion = \"1\"\nformat = \"xml\"\n[form.namespaces]\nr = \"urn:r\"\n[form.match]\nroot = \"Request\"\n";
        let good =
            format!("{head}[fields.\"child.forename\"]\npath = \"/r:Request/r:Child/@forename\"\n");
        let (m, diags) = compile(Path::new("m.toml"), &good, &template());
        assert!(!diags.has_errors(), "{diags}");
        let m = m.unwrap();
        assert!(
            matches!(&m.fields[0].locator, Some(Locator::Path(p)) if p.as_str() == "/r:Request/r:Child/@forename")
        );
        assert_eq!(
            m.fields[0].locator.as_ref().unwrap().describe(),
            "path /r:Request/r:Child/@forename"
        );
        let bad = format!("{head}[fields.\"child.forename\"]\npath = \"/q:Request/Child\"\n");
        let (_, diags) = compile(Path::new("m.toml"), &bad, &template());
        let d = diags.errors().next().unwrap();
        assert_eq!(
            (d.line, d.column),
            (12, 10),
            "at the prefix, not the value's quote"
        );
        assert!(
            d.message.contains("unknown namespace prefix `q`"),
            "{}",
            d.message
        );
    }

    #[test]
    fn bad_globs_point_at_the_character_glob_blames() {
        let head = "[form]\nla_code = \"954\"\nla_name = \"X\"\nform = \"F\"\nversion = \"1\"\nformat = \"pdf\"\n[form.match]\nfield = 'form1[0].***'\n";
        let body = "[fields.\"child.forename\"]\nfield = 'ab***'\n[fields.\"parents.name\"]\nfield = 'Name {n} ***'\n";
        let (_, diags) = compile(Path::new("m.toml"), &format!("{head}{body}"), &template());
        let at: Vec<(usize, usize)> = diags
            .errors()
            .filter(|d| d.lint == Some(Lint::BadGlob))
            .map(|d| (d.line, d.column))
            .collect();
        // `***` is blamed at its third `*` (glob's own position); after `{n}` the whole value is shown.
        assert_eq!(at, [(8, 21), (10, 14), (12, 9)], "{diags}");
    }

    const PDF_HEAD: &str = "[form]\nla_code = \"968\"\nla_name = \"X\"\nform = \"F\"\nversion = \"1\"\nformat = \"pdf\"\n[form.match]\nfield = 'Text1'\n";

    #[test]
    fn pdf_ticks_cells_and_group_globs_compile() {
        let body = concat!(
            "[fields.\"child.gender\"]\ntick = { \"label:Male\" = \"male\", \"Check Box2\" = \"female\", \"Group1=Choice3\" = \"other\" }\n",
            "[fields.\"parents.relationship\"]\ncells = [\"Text11\", \"Text1[3]\"]\n",
            "[fields.\"professionals.name\"]\nfield = \"Text2*\"\n",
            "[fields.\"parents.name\"]\nfield = \"Parent{n}\"\n",
            "[fields.\"child.surname\"]\nfield = \"Text*\"\n",
        );
        let (m, diags) = compile(
            Path::new("m.toml"),
            &format!("{PDF_HEAD}{body}"),
            &template(),
        );
        assert!(!diags.has_errors(), "{diags}");
        let m = m.unwrap();
        let loc = |i: usize| m.fields[i].locator.clone().unwrap();
        match loc(0) {
            Locator::PdfTick(opts) => assert_eq!(
                opts.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>(),
                [
                    TickKey::Label("Male".into()),
                    TickKey::Field {
                        name: "Check Box2".into(),
                        option: None
                    },
                    TickKey::Field {
                        name: "Group1=Choice3".into(),
                        option: Some(("Group1".into(), "Choice3".into()))
                    },
                ]
            ),
            other => panic!("{other:?}"),
        }
        assert!(matches!(loc(1), Locator::Fields(f) if f == ["Text11", "Text1[3]"]));
        assert!(matches!(loc(2), Locator::FieldMembers(f) if f == "Text2*"));
        assert!(
            matches!(loc(3), Locator::Field(f) if f == "Parent{n}"),
            "{{n}} numbers, as before"
        );
        assert!(
            matches!(loc(4), Locator::Field(_)),
            "a single field takes the first match"
        );
        assert_eq!(
            loc(0).describe(),
            "tick label:Male, Check Box2, Group1=Choice3"
        );
        // A tick value outside the enum is still a type mismatch.
        let bad = format!(
            "{PDF_HEAD}[fields.\"child.gender\"]\ntick = {{ \"label:M\" = \"man\", \"label:F\" = \"female\" }}\n"
        );
        let (_, diags) = compile(Path::new("m.toml"), &bad, &template());
        assert!(
            diags.errors().any(|d| d.lint == Some(Lint::TypeMismatch)),
            "{diags}"
        );
    }

    #[test]
    fn bad_pdf_tick_keys_and_field_lists_point_at_the_key() {
        let body = concat!(
            "[fields.\"child.gender\"]\n",
            "tick = { \"label:\" = \"male\", 'Gender=' = \"female\", \"=Other\" = \"other\" }\n",
            "[fields.\"parents.name\"]\ncells = [\"Text10\", 'Text[12']\n",
            "[fields.\"request.requester_role\"]\ntick = { \"Text7\" = \"parent\", 'Te[xt8' = \"school\" }\n",
        );
        let (_, diags) = compile(
            Path::new("m.toml"),
            &format!("{PDF_HEAD}{body}"),
            &template(),
        );
        let at: Vec<(usize, usize, &str)> = diags
            .errors()
            .map(|d| (d.line, d.column, d.lint.map_or("", Lint::name)))
            .collect();
        assert_eq!(
            at,
            [
                (10, 10, "bad-tick-key"),
                (10, 29, "bad-tick-key"),
                (10, 51, "bad-tick-key"),
                // At the `[` glob blames, inside the quoted name.
                (12, 25, "bad-glob"),
                (14, 33, "bad-glob"),
            ],
            "{diags}"
        );
        // On an xlsx form a tick key is still a cell.
        let errs = errors(
            "[fields.\"child.gender\"]\ntick = { \"label:Male\" = \"male\", \"Request!C5\" = \"female\" }\n",
        );
        assert!(errs.iter().any(|e| e.2.contains("Sheet!C5")), "{errs:?}");
    }

    #[test]
    fn defaults_must_fit_the_type() {
        let errs = errors(
            "[fields.\"request.requester_role\"]\ncell = \"Request!C5\"\ndefault = \"headteacher\"\n",
        );
        assert!(errs[0].2.starts_with("default cannot yield"), "{errs:?}");
        assert!(
            errors(
                "[fields.\"request.requester_role\"]\ncell = \"Request!C5\"\ndefault = \"school\"\n"
            )
            .is_empty()
        );
    }

    #[test]
    fn docx_locators_compile_and_only_for_docx() {
        let head = "[form]\nla_code = \"960\"\nla_name = \"X\"\nform = \"F\"\nversion = \"1\"\nformat = \"docx\"\n[form.match]\ncontains = \"X\"\n";
        let good = format!(
            "{head}[fields.\"child.forename\"]\ncontrol = \"ChildForename\"\n[fields.\"parents.name\"]\ncontrol = \"Parent{{n}}Name\"\n[fields.\"child.looked_after\"]\nformfield = \"LAC\"\n[fields.\"child.surname\"]\ncell = \"Table2!B3\"\n[fields.\"request.requester_role\"]\ntick = {{ \"Table1!B5\" = \"parent\", \"Table1!C5\" = \"school\" }}\n"
        );
        let (m, diags) = compile(Path::new("m.toml"), &good, &template());
        assert!(!diags.has_errors(), "{diags}");
        let m = m.unwrap();
        assert_eq!(
            m.fields[0].locator.as_ref().unwrap().describe(),
            "control ChildForename"
        );
        assert_eq!(
            m.fields[2].locator.as_ref().unwrap().describe(),
            "formfield LAC"
        );
        let errs = errors("[fields.\"child.forename\"]\ncontrol = \"ChildForename\"\n");
        assert!(
            errs[0].2.contains("`control` does not apply to xlsx forms"),
            "{errs:?}"
        );
        let bad = format!("{head}[fields.\"child.forename\"]\nformfield = \"Name{{n}}\"\n");
        let (_, diags) = compile(Path::new("m.toml"), &bad, &template());
        assert!(
            diags
                .errors()
                .any(|d| d.message.contains("not a group field"))
        );
    }
}
