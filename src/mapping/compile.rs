//! Checks a parsed mapping against the national template and its form's format, and resolves it into a
//! [`Mapping`]. Every problem found is reported (not just the first), each at the span of the offending key or
//! value, saying what was expected and, where it can, what was probably meant.

use std::ops::Range;
use std::path::Path;

use regex::Regex;
use toml::Spanned;

use super::raw::{RawMapping, RawMatch, RawRule, RawValueMatch};
use super::transform::{Case, Replace, Split, Transforms};
use super::{
    CellRange, CellRef, JoinPart, LabelPattern, Locator, MAX_GROUP_MEMBERS, Mapping, Matcher, Rule,
    TICK_LABEL_PREFIX, Take, TickKey, ValueMatch, ValueTest,
};
use crate::diag::{Diagnostic, Diagnostics, Lint, Lint as L, ParseError, char_span};
use crate::read::{FieldKey, Format};
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
    let (raw, unknown, set_aside) = match parse(path, text) {
        Ok(parsed) => parsed,
        Err(diags) => return (None, diags),
    };
    let mut cx = Ctx {
        path,
        text,
        diags: unknown,
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
            // A locator key misspelled is said once, by the unknown key.
            if r.locator.is_none() && set_aside.contains(&span) {
                continue;
            }
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

    check_fallbacks(&mut cx, &raw, template);

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

    let gaps = compile_gaps(&mut cx, template, &raw, &fields);
    warn_unmapped_statutory(&mut cx, template, &fields, &gaps, raw.form.format.span());
    let extra_ids: Vec<String> = raw.extra.keys().map(|k| k.get_ref().clone()).collect();
    let repeated: Vec<String> = raw
        .extra
        .iter()
        .filter(|(_, r)| r.get_ref().repeat.as_ref().is_some_and(|b| *b.get_ref()))
        .map(|(k, _)| k.get_ref().clone())
        .collect();
    let (tests, found) =
        super::cases::compile_tests(path, text, &raw.test, template, &extra_ids, &repeated);
    cx.diags.extend(found);

    let Some(format) = format else {
        return (None, cx.diags);
    };
    if cx.diags.has_errors() {
        return (None, cx.diags);
    }
    let rules: Vec<&Rule> = fields.iter().chain(&extras).collect();
    let (reference, found) = super::anchors::load(
        path,
        text,
        raw.form.reference.as_ref(),
        format,
        &rules,
        raw.form.format.span(),
    );
    cx.diags.extend(found);
    if cx.diags.has_errors() {
        return (None, cx.diags);
    }
    // A changed reference changes what the mapping reads: its digest is part of the fingerprint.
    let fingerprint = match &reference {
        Some(r) => blake3::hash(format!("{}\n{}", text, r.digest).as_bytes()),
        None => blake3::hash(text.as_bytes()),
    };
    let id = path
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    let mut mapping = Mapping {
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
        fingerprint: fingerprint.to_hex().to_string(),
        reference,
        gaps,
        tests,
        label_set: None,
    };
    mapping.label_set = mapping.compile_label_set();
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
    let values = match_values(cx, m.values.as_ref(), format);
    let matcher = Matcher {
        sheet: m.sheet.as_ref().map(|s| s.get_ref().clone()),
        contains: m.contains.as_ref().map(|s| s.get_ref().to_lowercase()),
        field,
        root: m.root.as_ref().map(|s| s.get_ref().clone()),
        namespace: m.namespace.as_ref().map(|s| s.get_ref().clone()),
        control: m.control.as_ref().map(|s| s.get_ref().clone()),
        values,
    };
    if matcher.specificity() == 0 && m.field.is_none() && m.values.is_none() {
        cx.raise(
            L::BadMatch,
            raw.span(),
            "[form.match] needs at least one condition",
        )
        .help = Some("e.g. `sheet = \"Request\"` or `contains = \"Northmoor\"`".into());
    }
    matcher
}

/// `fallback` names a single (not group) template field other than the rule's own.
fn check_fallbacks(cx: &mut Ctx, raw: &RawMapping, template: &Template) {
    for (key, rule) in &raw.fields {
        let Some(f) = &rule.get_ref().fallback else {
            continue;
        };
        let target = f.get_ref();
        match template.get(target) {
            None => {
                cx.raise(
                    L::UnknownField,
                    f.span(),
                    format!("`fallback = \"{target}\"` is not a field of the national template"),
                );
            }
            Some(def) if def.group.is_some() || target == key.get_ref() => {
                cx.raise(
                    L::BadOption,
                    f.span(),
                    format!("`fallback` must name another, single field; `{target}` is not one"),
                )
                .help = Some("e.g. fallback = \"child.address\" on parents.address".into());
            }
            Some(_) => {}
        }
    }
}

/// How to write a `[form.match] values` condition.
const VALUES_HELP: &str = "e.g. values = [{ path = \"/CTfile/Header/DestSchool/LEA\", equals = \"985\" }], or `regex = '^98[0-9]$'` instead of `equals`";

/// `[form.match] values`, xml forms only: each condition's path compiled with the mapping's namespaces (else
/// `bad-path`), and exactly one non-empty test, `equals` or `regex` (else `bad-match`).
fn match_values(
    cx: &mut Ctx,
    raw: Option<&Spanned<Vec<Spanned<RawValueMatch>>>>,
    format: Option<Format>,
) -> Vec<ValueMatch> {
    let Some(raw) = raw else {
        return Vec::new();
    };
    if let Some(f) = format
        && f != Format::Xml
    {
        cx.raise(
            L::BadMatch,
            raw.span(),
            format!("`match.values` only applies to xml forms; this form is {f}"),
        )
        .help = Some(match_help(f));
        return Vec::new();
    }
    if raw.get_ref().is_empty() {
        cx.raise(L::BadMatch, raw.span(), "`match.values` has no condition")
            .help = Some(VALUES_HELP.into());
    }
    let mut out = Vec::new();
    for cond in raw.get_ref() {
        let c = cond.get_ref();
        let test = match (&c.equals, &c.regex) {
            (Some(e), None) if e.get_ref().trim().is_empty() => {
                cx.raise(
                    L::BadMatch,
                    e.span(),
                    "`equals` is empty: the condition would hold for a blank form of any LA",
                )
                .help = Some(VALUES_HELP.into());
                None
            }
            (Some(e), None) => Some(ValueTest::Equals(e.get_ref().trim().to_string())),
            (None, Some(r)) if r.get_ref().is_empty() => {
                cx.raise(
                    L::BadMatch,
                    r.span(),
                    "`regex` is empty: the condition would hold for any value",
                )
                .help = Some(VALUES_HELP.into());
                None
            }
            (None, Some(r)) => regex(cx, r.get_ref(), r.span()).map(ValueTest::Regex),
            (None, None) => {
                cx.raise(
                    L::BadMatch,
                    cond.span(),
                    "this `values` condition has a path but no `equals` or `regex`",
                )
                .help = Some(VALUES_HELP.into());
                None
            }
            (Some(_), Some(r)) => {
                cx.raise(
                    L::BadMatch,
                    r.span(),
                    "a `values` condition takes `equals` or `regex`, not both",
                )
                .help = Some("write two conditions with the same path if both must hold".into());
                None
            }
        };
        let path = xml_path(cx, c.path.get_ref(), c.path.span());
        if let (Some(path), Some(test)) = (path, test) {
            out.push(ValueMatch { path, test });
        }
    }
    out
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
    let extra = match def {
        Some(def) => {
            check_extra_only_keys(cx, r, def);
            None
        }
        None => Some(extra_kind(cx, id, r)),
    };
    let group =
        def.and_then(|d| d.group.as_deref()).is_some() || extra.as_ref().is_some_and(|k| k.repeat);
    let errors_at_locator = cx.diags.errors().count();
    let locator = compile_locator(cx, id, r, format, group, extra.is_some(), key_span.clone());
    // On a fillable PDF a `choice` alone reads the boxes printed beside its options (`tick` with `label:` keys):
    // one construct for printed options, in text or as boxes.
    let boxes = locator.is_none()
        && format == Some(Format::Pdf)
        && cx.diags.errors().count() == errors_at_locator;
    let locator = match (&r.choice, boxes) {
        (Some(c), true) => Some(Locator::PdfTick(
            c.get_ref()
                .iter()
                .map(|(option, value)| (TickKey::Label(option.trim().to_string()), value.clone()))
                .collect(),
        )),
        _ => locator,
    };
    // `bool` with `date` and no `type` was reported once (`extra_kind`): no type to check them against.
    let undecided = def.is_none() && r.ty.is_none() && r.bool.is_some() && r.date.is_some();
    let ty = def
        .map(|d| &d.ty)
        .or(extra.as_ref().map(|k| &k.ty))
        .filter(|_| !undecided);
    let transforms = compile_transforms(cx, r, id, ty, group);
    // (A `choice` read as boxes has its values checked once, by `compile_choice`.)
    let values: Vec<&String> = match &locator {
        Some(Locator::Tick(options)) => options.iter().map(|(_, v)| v).collect(),
        Some(Locator::PdfTick(options)) if !boxes => options.iter().map(|(_, v)| v).collect(),
        _ => Vec::new(),
    };
    if let Some(FieldType::Bool) = ty {
        for value in &values {
            if !is_yes_no(&transforms, value) {
                let span = r.tick.as_ref().map_or(key_span.clone(), Spanned::span);
                cx.raise(
                    L::TypeMismatch,
                    span,
                    format!("tick value `{value}` is not a yes/no word for `{id}`, which is of type bool"),
                )
                .help = Some(format!(
                    "use yes/no words ({} / {}), or add the word under `bool = {{ yes = [...], no = [...] }}`",
                    super::transform::YES_WORDS.join(", "),
                    super::transform::NO_WORDS.join(", ")
                ));
            }
        }
    }
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
    let choice = compile_choice(cx, id, r, def, &locator).filter(|_| !boxes);
    if cx.diags.errors().count() > errors_before {
        return None;
    }
    if r.preprinted.is_some() && !group {
        cx.raise(
            L::GroupMismatch,
            key_span.clone(),
            format!("`preprinted` marks a group's printed column, but `{id}` is not a group field"),
        );
    }
    Some(Rule {
        target: id.to_string(),
        locator,
        choice,
        transforms,
        printed: r.printed.clone(),
        fallback: r.fallback.as_ref().map(|f| f.get_ref().clone()),
        preprinted: r.preprinted.unwrap_or(false),
        statutory_override: r.statutory_override.clone(),
        section: r.section.clone(),
        extra,
    })
}

/// `choice = { "Male" = "male", ... }`: at least two distinct, non-empty options, read through a locator that
/// gives text (not `tick`, which is its own choice over cells), with values the field's type allows.
fn compile_choice(
    cx: &mut Ctx,
    id: &str,
    r: &RawRule,
    def: Option<&FieldDef>,
    locator: &Option<Locator>,
) -> Option<crate::choice::Choice> {
    let c = r.choice.as_ref()?;
    let options = c.get_ref();
    if options.len() < 2 {
        cx.raise(
            L::BadOption,
            c.span(),
            "`choice` needs at least two printed options (option = value)",
        )
        .help = Some("e.g. choice = { \"Male\" = \"male\", \"Female\" = \"female\" }".into());
        return None;
    }
    let mut seen: Vec<String> = Vec::new();
    for option in options.keys() {
        let key = option.trim().to_lowercase();
        if key.is_empty() {
            cx.raise(L::BadOption, c.span(), "a `choice` option is empty")
                .help = Some("write each option as the form prints it".into());
            return None;
        }
        if seen.contains(&key) {
            cx.raise(
                L::BadOption,
                c.span(),
                format!("`choice` lists the option `{}` twice", option.trim()),
            );
            return None;
        }
        seen.push(key);
    }
    match locator {
        Some(Locator::Tick(_)) => {
            cx.raise(
                L::BadOption,
                c.span(),
                "`choice` and `tick` both choose an option; give one",
            )
            .help = Some(
                "`tick` reads tick-box cells; `choice` reads the printed options in one text"
                    .into(),
            );
            return None;
        }
        None => {
            cx.raise(
                L::BadOption,
                c.span(),
                "`choice` reads the text a locator finds, and this rule has none",
            )
            .help = Some("add e.g. `label = \"...\"` with `take = \"inside\"`".into());
            return None;
        }
        Some(_) => {}
    }
    if let Some(def) = def
        && r.map.is_none()
    {
        let bad: Vec<&String> = match &def.ty {
            FieldType::Enum(allowed) => options.values().filter(|v| !allowed.contains(v)).collect(),
            FieldType::Bool => options
                .values()
                .filter(|v| {
                    let v = v.trim().to_lowercase();
                    !crate::mapping::transform::YES_WORDS.contains(&v.as_str())
                        && !crate::mapping::transform::NO_WORDS.contains(&v.as_str())
                })
                .collect(),
            _ => Vec::new(),
        };
        if let Some(v) = bad.first() {
            let allowed = match &def.ty {
                FieldType::Enum(allowed) => allowed.join(", "),
                _ => "yes, no (or true, false)".into(),
            };
            cx.raise(
                L::TypeMismatch,
                c.span(),
                format!("choice value `{v}` is not allowed for `{id}`"),
            )
            .help = Some(format!("allowed: {allowed}"));
            return None;
        }
    }
    match crate::choice::Choice::new(
        options
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    ) {
        Ok(choice) => Some(choice),
        Err(e) => {
            cx.raise(
                L::BadRegex,
                c.span(),
                format!("a `choice` option is too long: {e}"),
            );
            None
        }
    }
}

/// Types an extra may be given with `type`, as the template spells them.
const EXTRA_TYPES: &[&str] = &["text", "date", "bool", "number", "money"];

/// True when a tick option's value reads as yes or no (built-in words or the rule's own `bool` words).
fn is_yes_no(t: &Transforms, value: &str) -> bool {
    t.convert(
        &crate::read::RawValue::Text(value.to_string()),
        &FieldType::Bool,
    )
    .is_ok_and(|v| v.is_some())
}

/// `type` and `repeat` belong to extras: a template field takes both from the template.
fn check_extra_only_keys(cx: &mut Ctx, r: &RawRule, def: &FieldDef) {
    if let Some(t) = &r.ty {
        cx.raise(
            L::ExtraOnly,
            t.span(),
            format!(
                "`type` is for extras: the national template makes `{}` {}",
                def.id,
                def.ty.name()
            ),
        )
        .help =
            Some("remove `type`; to convert the answer first, use `map`, `regex` or `date`".into());
    }
    if let Some(rep) = &r.repeat {
        let shape = if def.group.is_some() {
            "a group field: it repeats already"
        } else {
            "a single field: it cannot repeat"
        };
        cx.raise(
            L::ExtraOnly,
            rep.span(),
            format!(
                "`repeat` is for extras: the national template makes `{}` {shape}",
                def.id
            ),
        )
        .help =
            Some("remove `repeat`; only `parents.*` and `professionals.*` fields repeat".into());
    }
}

/// An extra's type (its `type`, else inferred: `bool` words or a yes/no `tick` make it bool, a `date` list a
/// date, anything else text) and whether it repeats. A `type` it cannot have is `bad-extra`.
fn extra_kind(cx: &mut Ctx, id: &str, r: &RawRule) -> super::ExtraKind {
    let repeat = r.repeat.as_ref().is_some_and(|b| *b.get_ref());
    let written = r.ty.as_ref().and_then(|t| match t.get_ref().as_str() {
        "text" => Some(FieldType::Text),
        "date" => Some(FieldType::Date),
        "bool" => Some(FieldType::Bool),
        "number" => Some(FieldType::Number),
        "money" => Some(FieldType::Money),
        other => {
            let why = match other {
                "enum" | "id" => format!(
                    "an extra cannot be of type {other}: only template fields have allowed values or a validator"
                ),
                _ => format!(
                    "unknown type `{other}` for extra `{id}`; expected one of {}",
                    EXTRA_TYPES.join(", ")
                ),
            };
            cx.raise(L::BadExtra, t.span(), why).help = Some(format!(
                "an extra's type is one of {}; normalise words with `map`",
                EXTRA_TYPES.join(", ")
            ));
            None
        }
    });
    if let Some(ty) = written {
        return super::ExtraKind {
            ty,
            typed: true,
            repeat,
        };
    }
    if r.ty.is_some() {
        // A bad `type` was reported; text keeps the other checks quiet.
        return super::ExtraKind {
            ty: FieldType::Text,
            typed: true,
            repeat,
        };
    }
    let ty = match (&r.bool, &r.date) {
        (Some(_), Some(d)) => {
            cx.raise(
                L::TypeMismatch,
                d.span(),
                format!("`date` and `bool` cannot both apply to extra `{id}`: an answer is a date or a yes/no"),
            )
            .help = Some("keep one, or say which with `type = \"date\"` or `type = \"bool\"`".into());
            Some(FieldType::Text)
        }
        (Some(_), None) => Some(FieldType::Bool),
        (None, Some(_)) => Some(FieldType::Date),
        (None, None) => None,
    };
    let yes_no_tick = r.tick.as_ref().is_some_and(|t| {
        let words = Transforms {
            trim: true,
            yes: words(r.bool.as_ref().map(|b| &b.get_ref().yes)),
            no: words(r.bool.as_ref().map(|b| &b.get_ref().no)),
            ..Transforms::default()
        };
        !t.get_ref().is_empty() && t.get_ref().values().all(|v| is_yes_no(&words, v))
    });
    match ty {
        Some(ty) => super::ExtraKind {
            ty,
            typed: true,
            repeat,
        },
        None if yes_no_tick => super::ExtraKind {
            ty: FieldType::Bool,
            typed: true,
            repeat,
        },
        None => super::ExtraKind {
            ty: FieldType::Text,
            typed: false,
            repeat,
        },
    }
}

/// `bool` words as compared: trimmed, lower-cased.
fn words(list: Option<&Vec<String>>) -> Vec<String> {
    list.into_iter()
        .flatten()
        .map(|w| w.trim().to_lowercase())
        .collect()
}

fn compile_locator(
    cx: &mut Ctx,
    id: &str,
    r: &RawRule,
    format: Option<Format>,
    group: bool,
    extra: bool,
    key_span: Range<usize>,
) -> Option<Locator> {
    let repeat_help = |single: &str| {
        if extra {
            format!("add `repeat = true` to make the extra repeat, or {single}")
        } else {
            single.to_string()
        }
    };
    let given: Vec<(&str, Range<usize>)> = [
        ("cell", r.cell.as_ref().map(Spanned::span)),
        ("cells", r.cells.as_ref().map(Spanned::span)),
        ("range", r.range.as_ref().map(Spanned::span)),
        ("label", r.label.as_ref().map(Spanned::span)),
        ("labels", r.labels.as_ref().map(Spanned::span)),
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
        "label" | "labels" => &[Format::Xlsx, Format::Pdf, Format::Docx],
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
        || r.split.as_ref().is_some_and(|s| s.get_ref().part.is_none())
        || r.block.is_some();
    if !group && r.block.is_some() {
        let s = r.block.as_ref().map_or(span.clone(), Spanned::span);
        cx.raise(
            L::GroupMismatch,
            s,
            format!("`block` yields one member per block, but `{id}` is not a group field"),
        )
        .help = Some("blocks are for `parents.*` and `professionals.*` fields".into());
        return None;
    }
    if r.block.is_some() && !matches!(kind, "label" | "labels") {
        let s = r.block.as_ref().map_or(span.clone(), Spanned::span);
        cx.raise(L::BadOption, s, "`block` goes with `label` or `labels`")
            .help = Some("find each member's value by its sub-label within the block".into());
        return None;
    }
    if !group
        && group_capable
        && !matches!(
            kind,
            "label" | "labels" | "field" | "path" | "xfa" | "control" | "formfield"
        )
    {
        cx.raise(
            L::GroupMismatch,
            span.clone(),
            format!("`{kind}` yields several values, but `{id}` is not a group field"),
        )
        .help = Some(repeat_help("use `cell` for a single value"));
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
        .help = Some(repeat_help(
            "remove `{n}`: only `parents.*` and `professionals.*` fields repeat",
        ));
        return None;
    }
    if r.take.is_some() && !matches!(kind, "label" | "labels") {
        let s = r.take.as_ref().map_or(span.clone(), Spanned::span);
        cx.raise(L::BadOption, s, "`take` goes with `label`").help =
            Some("remove `take`, or find the value by `label`".into());
    }
    let located = compile_kind(cx, id, r, format, group, kind)?;
    match &r.block {
        Some(b) => Some(Locator::Block {
            heading: regex(cx, b.get_ref(), b.span())?,
            inner: Box::new(located),
        }),
        None => Some(located),
    }
}

/// `take`, as written (default `right`).
fn compile_take(cx: &mut Ctx, r: &RawRule) -> Option<Take> {
    match r.take.as_ref().map(|t| (t.get_ref().as_str(), t.span())) {
        None | Some(("right", _)) => Some(Take::Right),
        Some(("below", _)) => Some(Take::Below),
        Some(("inside", _)) => Some(Take::Inside),
        Some((other, s)) => {
            cx.raise(
                L::BadOption,
                s,
                format!(
                    "unknown `take = \"{other}\"`; expected \"right\", \"below\" or \"inside\""
                ),
            );
            None
        }
    }
}

/// The locator of one kind, compiled and linted.
fn compile_kind(
    cx: &mut Ctx,
    id: &str,
    r: &RawRule,
    format: Option<Format>,
    group: bool,
    kind: &str,
) -> Option<Locator> {
    let numbered = |s: &str| s.contains("{n}");
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
        "labels" => {
            let l = r.labels.as_ref()?;
            if l.get_ref().len() < 2 {
                cx.raise(L::BadOption, l.span(), "`labels` needs at least two labels")
                    .help = Some("for one label use `label`".into());
                return None;
            }
            let take = compile_take(cx, r)?;
            let members = if l.get_ref().iter().any(|p| numbered(p)) {
                if !group {
                    cx.raise(
                        L::GroupMismatch,
                        l.span(),
                        format!("`{{n}}` numbers the members of a group, but `{id}` is not a group field"),
                    );
                    return None;
                }
                MAX_GROUP_MEMBERS
            } else {
                1
            };
            // Each label compiled once (per member when numbered), then laid out member by member.
            let mut compiled = Vec::new();
            for p in l.get_ref() {
                compiled.push(member_regexes(cx, p, l.span())?);
            }
            let patterns = (0..members)
                .map(|n| {
                    compiled
                        .iter()
                        .filter_map(|res| res.get(n).or_else(|| res.first()).cloned())
                        .collect()
                })
                .collect();
            Some(Locator::Labels {
                patterns,
                take,
                separator: r.separator.clone().unwrap_or_else(|| " ".into()),
            })
        }
        "label" => {
            let l = r.label.as_ref()?;
            let take = compile_take(cx, r)?;
            let mut res = member_regexes(cx, l.get_ref(), l.span())?;
            let pattern = if numbered(l.get_ref()) {
                LabelPattern::Numbered(res)
            } else {
                LabelPattern::One(res.pop()?)
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
            // Each part is compiled (and linted) as the lone locator of the form's format would be; on a group
            // field, xlsx and docx parts may be table columns (`Table3!B2:B5`), joined row by row.
            let range = |cx: &mut Ctx, s: &str| match CellRange::parse_column(s) {
                Ok(r) => Some(JoinPart::Range(r)),
                Err(e) => {
                    cx.raise_parse(L::BadCell, j.span(), &e, e.message.clone());
                    None
                }
            };
            let grid = matches!(format, Some(Format::Xlsx | Format::Docx));
            if grid && !group && j.get_ref().iter().any(|s| s.contains(':')) {
                cx.raise(
                    L::GroupMismatch,
                    j.span(),
                    format!("a `join` of table columns yields one value per row, but `{id}` is not a group field"),
                );
                return None;
            }
            let parts: Vec<JoinPart> = j
                .get_ref()
                .iter()
                .filter_map(|s| match format {
                    Some(Format::Xlsx | Format::Docx) if group && s.contains(':') => range(cx, s),
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
                        .map(|_| JoinPart::Key(FieldKey::parse(s))),
                    // docx: a table cell, or a reader key (`sdt:Tag`, `ff:Name`).
                    _ => Some(
                        CellRef::parse(s)
                            .map_or_else(|_| JoinPart::Key(FieldKey::parse(s)), JoinPart::Cell),
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

/// The first capture group a replacement names (`$1`, `$name`, `${name}`; `$$` is a literal `$`) that the regex
/// does not have, if any. The regex crate would silently insert nothing for it.
fn unknown_group(re: &Regex, with: &str) -> Option<String> {
    let mut rest = with;
    while let Some(at) = rest.find('$') {
        rest = rest.get(at + 1..).unwrap_or("");
        if let Some(after) = rest.strip_prefix('$') {
            rest = after;
            continue;
        }
        let (name, after) = match rest.strip_prefix('{') {
            Some(braced) => match braced.find('}') {
                Some(end) => (
                    braced.get(..end).unwrap_or(""),
                    braced.get(end + 1..).unwrap_or(""),
                ),
                None => continue,
            },
            None => {
                let end = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                (rest.get(..end).unwrap_or(""), rest.get(end..).unwrap_or(""))
            }
        };
        rest = after;
        if name.is_empty() {
            continue;
        }
        let known = match name.parse::<usize>() {
            Ok(n) => n < re.captures_len(),
            Err(_) => re.capture_names().flatten().any(|g| g == name),
        };
        if !known {
            return Some(name.to_string());
        }
    }
    None
}

/// A label regex as each group member reads it: with `{n}`, one per member 1..=[`MAX_GROUP_MEMBERS`]; else one.
fn member_regexes(cx: &mut Ctx, pattern: &str, span: Range<usize>) -> Option<Vec<Regex>> {
    if !pattern.contains("{n}") {
        return Some(vec![regex(cx, pattern, span)?]);
    }
    (1..=MAX_GROUP_MEMBERS)
        .map(|n| regex(cx, &pattern.replace("{n}", &n.to_string()), span.clone()))
        .collect()
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

/// The transforms of one rule; `ty` is the field's type (the template's, or an extra's own or inferred).
fn compile_transforms(
    cx: &mut Ctx,
    r: &RawRule,
    id: &str,
    ty: Option<&FieldType>,
    group: bool,
) -> Transforms {
    let mut t = Transforms {
        trim: r.trim.unwrap_or(true),
        collapse: r.collapse.unwrap_or(false),
        ..Transforms::default()
    };
    if let Some(n) = &r.line {
        if *n.get_ref() == 0 {
            cx.raise(L::BadOption, n.span(), "`line` counts from 1")
                .help = Some("use `line = 1` for the first line".into());
        }
        t.line = Some(*n.get_ref());
    }
    if let Some(rep) = &r.replace {
        let raw = rep.get_ref();
        let pattern = &raw.pattern;
        if pattern.get_ref().is_empty() {
            cx.raise(
                L::BadOption,
                pattern.span(),
                "`replace.pattern` must not be empty",
            )
            .help = Some("e.g. replace = { pattern = '\\s*\\(.*\\)', with = \"\" }".into());
        } else if let Some(re) = regex(cx, pattern.get_ref(), pattern.span()) {
            if let Some(bad) = unknown_group(&re, &raw.with) {
                cx.raise(
                    L::BadOption,
                    rep.span(),
                    format!("`replace.with` refers to `${bad}`, which is not a capture group of the pattern"),
                )
                .help = Some("groups are numbered from 1 (`$0` is the whole match); write `${1}x` when letters or digits follow, and `$$` for a literal `$`".into());
            }
            t.replace = Some(Replace {
                pattern: re,
                with: raw.with.clone(),
            });
        }
    }
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

/// The most unknown keys reported from one file: past it the file is likely not a mapping at all.
const MAX_UNKNOWN_KEYS: usize = 50;

/// Parses a mapping file into its raw form. An unknown key does not hide the file's other problems: it is
/// reported, taken out of the parsed document, and the parse goes on, so every unknown key is listed and the rest
/// of the file is still checked (the file's diagnostics then hold errors, so no mapping comes of it). `Err`: the
/// file is not TOML, or has another shape error (a missing key, a wrong type), which stops the parse there.
/// The third part of `Ok`: the spans of the keys of every table an unknown key was taken out of.
type Parsed = (RawMapping, Diagnostics, Vec<Range<usize>>);

fn parse(path: &Path, text: &str) -> Result<Parsed, Diagnostics> {
    use serde::Deserialize;
    let mut doc = toml::de::DeTable::parse(text).map_err(|e| Diagnostic::toml(path, text, &e))?;
    let mut unknown = Diagnostics::default();
    let mut within = Vec::new();
    loop {
        match RawMapping::deserialize(toml::de::Deserializer::from(doc.clone())) {
            Ok(raw) => return Ok((raw, unknown, within)),
            Err(e) => {
                let d = Diagnostic::toml(path, text, &e);
                // A key missing because it was misspelled is said once, by the unknown key's "did you mean".
                let misspelled = d.lint == Some(L::MissingKey)
                    && d.message.split('`').nth(1).is_some_and(|key| {
                        let meant = format!("did you mean `{key}`?");
                        unknown
                            .items
                            .iter()
                            .any(|u| u.help.as_deref() == Some(&meant))
                    });
                if misspelled {
                    return Err(unknown);
                }
                let removed = d.lint == Some(L::UnknownKey)
                    && e.span()
                        .is_some_and(|span| remove_key(doc.get_mut(), &span, &mut within));
                unknown.push(d);
                if !removed || unknown.items.len() >= MAX_UNKNOWN_KEYS {
                    return Err(unknown);
                }
            }
        }
    }
}

/// Removes the entry whose key is written at `span`, wherever it is nested; false when none is. `within` gets
/// the spans of the keys of the tables it was in (`fields`, `child.forename`).
fn remove_key(
    table: &mut toml::de::DeTable<'_>,
    span: &Range<usize>,
    within: &mut Vec<Range<usize>>,
) -> bool {
    let found = table.keys().find(|key| key.span() == *span).cloned();
    if let Some(key) = found {
        return table.remove(&key).is_some();
    }
    for (key, value) in table.iter_mut() {
        if remove_in(value.get_mut(), span, within) {
            within.push(key.span());
            return true;
        }
    }
    false
}

fn remove_in(
    value: &mut toml::de::DeValue<'_>,
    span: &Range<usize>,
    within: &mut Vec<Range<usize>>,
) -> bool {
    match value {
        toml::de::DeValue::Table(table) => remove_key(table, span, within),
        toml::de::DeValue::Array(items) => items
            .iter_mut()
            .any(|v| remove_in(v.get_mut(), span, within)),
        _ => false,
    }
}

/// `[gaps]`: each a national field the mapping does not map, with a reason.
fn compile_gaps(
    cx: &mut Ctx,
    template: &Template,
    raw: &RawMapping,
    rules: &[Rule],
) -> Vec<(String, String)> {
    let mut gaps = Vec::new();
    for (key, reason) in &raw.gaps {
        let id = key.get_ref();
        if template.get(id).is_none() {
            let d = cx.raise(
                L::UnknownField,
                key.span(),
                format!("`{id}` is not a field of the national template"),
            );
            d.help = template
                .closest(id)
                .map(|near| format!("did you mean `{near}`?"));
            continue;
        }
        if rules.iter().any(|r| r.target == *id) {
            cx.raise(
                L::BadGap,
                key.span(),
                format!("`{id}` is mapped under [fields]: it is not a gap"),
            )
            .help = Some(
                "remove the [gaps] entry, or the field's rule if the form does not ask it".into(),
            );
            continue;
        }
        if reason.get_ref().trim().is_empty() {
            cx.raise(
                L::BadGap,
                reason.span(),
                format!("the gap `{id}` has no reason"),
            )
            .help = Some(
                "say why the form does not ask it, e.g. \"the form asks it on page 2, by letter\""
                    .into(),
            );
            continue;
        }
        gaps.push((id.clone(), reason.get_ref().trim().to_string()));
    }
    gaps
}

/// Statutory fields a form never asks for are the coverage gaps; `check` warns (`must`) or notes (`should`) so
/// the analyst knows, except for the gaps the mapping acknowledges under `[gaps]`.
fn warn_unmapped_statutory(
    cx: &mut Ctx,
    template: &Template,
    rules: &[Rule],
    gaps: &[(String, String)],
    span: Range<usize>,
) {
    let missing = |level: Statutory| -> Vec<&str> {
        template
            .fields
            .iter()
            .filter(|f| f.statutory == level)
            .filter(|f| !rules.iter().any(|r| r.target == f.id))
            .filter(|f| !gaps.iter().any(|(id, _)| *id == f.id))
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
        Format::Xml => "`root`, `namespace`, `values`, `contains`",
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

    /// The errors of a body as (line, column, lint, message).
    fn linted(body: &str) -> Vec<(usize, usize, Lint, String)> {
        let text = format!("{HEAD}{body}");
        let (_, diags) = compile(Path::new("m.toml"), &text, &template());
        diags
            .errors()
            .map(|d| (d.line, d.column, d.lint.unwrap(), d.message.clone()))
            .collect()
    }

    fn extra(body: &str) -> Rule {
        let text = format!("{HEAD}[extra.x]\nprinted = \"X\"\n{body}");
        let (m, diags) = compile(Path::new("m.toml"), &text, &template());
        assert!(!diags.has_errors(), "{diags}");
        m.unwrap().extras.remove(0)
    }

    #[test]
    fn an_extra_has_a_type_written_or_inferred() {
        let kind = |body: &str| extra(body).extra.unwrap();
        let k = kind("cell = \"Request!B2\"\ntype = \"money\"\n");
        assert_eq!((k.ty, k.typed, k.repeat), (FieldType::Money, true, false));
        let k = kind("cell = \"Request!B2\"\nbool = { yes = [\"Attached\"] }\n");
        assert_eq!((k.ty, k.typed), (FieldType::Bool, true));
        let k = kind("cell = \"Request!B2\"\ndate = [\"%d %m %Y\"]\n");
        assert_eq!((k.ty, k.typed), (FieldType::Date, true));
        let k = kind("tick = { \"Request!B2\" = \"Yes\", \"Request!C2\" = \"No\" }\n");
        assert_eq!((k.ty, k.typed), (FieldType::Bool, true), "a yes/no tick");
        let k = kind("tick = { \"Request!B2\" = \"Email\", \"Request!C2\" = \"Phone\" }\n");
        assert_eq!(
            (k.ty, k.typed),
            (FieldType::Text, false),
            "a tick of other options"
        );
        let k = kind("cell = \"Request!B2\"\n");
        assert_eq!((k.ty, k.typed, k.repeat), (FieldType::Text, false, false));
        let k = kind("range = \"Request!B2:B9\"\nrepeat = true\ntype = \"number\"\n");
        assert_eq!((k.ty, k.repeat), (FieldType::Number, true));
        // Template fields take theirs from the template.
        let text = format!("{HEAD}[fields.\"child.forename\"]\ncell = \"Request!B2\"\n");
        let (m, _) = compile(Path::new("m.toml"), &text, &template());
        assert_eq!(m.unwrap().fields[0].extra, None);
    }

    #[test]
    fn type_and_repeat_on_a_template_field_are_extra_only_errors() {
        let errs = linted(
            "[fields.\"child.forename\"]\ncell = \"Request!B2\"\ntype = \"text\"\n[fields.\"parents.name\"]\nrange = \"Request!B3:B5\"\nrepeat = true\n",
        );
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert_eq!((errs[0].0, errs[0].1, errs[0].2), (11, 8, Lint::ExtraOnly));
        assert!(
            errs[0]
                .3
                .contains("the national template makes `child.forename` text"),
            "{errs:?}"
        );
        assert_eq!((errs[1].0, errs[1].1, errs[1].2), (14, 10, Lint::ExtraOnly));
        assert!(errs[1].3.contains("it repeats already"), "{errs:?}");
    }

    #[test]
    fn what_cannot_work_on_an_extra_is_linted_where_it_is_written() {
        let at = |body: &str| {
            linted(&format!("[extra.x]\nprinted = \"X\"\n{body}"))
                .into_iter()
                .map(|(l, c, lint, _)| (l, c, lint))
                .collect::<Vec<_>>()
        };
        // Line 9 is `[extra.x]`, 10 `printed`, so the body starts on line 11.
        assert_eq!(
            at("cell = \"Request!B2\"\ntype = \"colour\"\n"),
            [(12, 8, Lint::BadExtra)]
        );
        assert_eq!(
            at("cell = \"Request!B2\"\ntype = \"enum\"\n"),
            [(12, 8, Lint::BadExtra)]
        );
        assert_eq!(
            at("cell = \"Request!B2\"\ntype = \"text\"\ndate = [\"%d/%m/%Y\"]\n"),
            [(13, 8, Lint::TypeMismatch)],
            "a date format on a text extra"
        );
        assert_eq!(
            at("cell = \"Request!B2\"\ntype = \"number\"\nbool = { yes = [\"A\"] }\n"),
            [(13, 8, Lint::TypeMismatch)]
        );
        assert_eq!(
            at("cell = \"Request!B2\"\nbool = { yes = [\"A\"] }\ndate = [\"%d/%m/%Y\"]\n"),
            [(13, 8, Lint::TypeMismatch)],
            "bool and date cannot both apply"
        );
        assert_eq!(
            at(
                "tick = { \"Request!B2\" = \"Yes\", \"Request!C2\" = \"Maybe\" }\ntype = \"bool\"\n"
            ),
            [(11, 8, Lint::TypeMismatch)]
        );
        assert_eq!(
            at("cell = \"Request!B2\"\ntype = \"date\"\ndefault = \"soon\"\n"),
            [(13, 11, Lint::TypeMismatch)]
        );
        assert_eq!(
            at("range = \"Request!B2:B9\"\n"),
            [(11, 9, Lint::GroupMismatch)]
        );
        assert!(at("range = \"Request!B2:B9\"\nrepeat = true\n").is_empty());
        let errs = linted("[extra.x]\nprinted = \"X\"\nlabel = 'Score {n}'\n");
        assert_eq!(errs.len(), 1, "{errs:?}");
        let text = format!("{HEAD}[extra.x]\nprinted = \"X\"\nlabel = 'Score {{n}}'\n");
        let (_, diags) = compile(Path::new("m.toml"), &text, &template());
        let help = diags.errors().next().unwrap().help.clone().unwrap();
        assert!(help.starts_with("add `repeat = true`"), "{help}");
        // A tick on a bool template field is checked the same way.
        assert_eq!(
            at("tick = { \"Request!B2\" = \"Yes\", \"Request!C2\" = \"No\" }\n"),
            []
        );
        let errs = linted(
            "[fields.\"child.looked_after\"]\ntick = { \"Request!B2\" = \"Yes\", \"Request!C2\" = \"Unsure\" }\n",
        );
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(
            errs[0].3.contains("`Unsure` is not a yes/no word"),
            "{errs:?}"
        );
    }

    #[test]
    fn text_transform_options_are_linted() {
        let at = |body: &str| {
            linted(&format!(
                "[fields.\"child.forename\"]\ncell = \"Request!B2\"\n{body}"
            ))
        };
        let errs = at("line = 0\n");
        assert_eq!((errs[0].0, errs[0].1, errs[0].2), (11, 8, Lint::BadOption));
        let errs = at("replace = { pattern = '(unclosed', with = \"\" }\n");
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!((errs[0].0, errs[0].1, errs[0].2), (11, 23, Lint::BadRegex));
        assert!(errs[0].3.starts_with("bad regex"));
        let errs = at("replace = { pattern = '', with = \"x\" }\n");
        assert_eq!((errs[0].0, errs[0].1, errs[0].2), (11, 23, Lint::BadOption));
        let errs = at("replace = { pattern = '(\\d+)-(\\d+)', with = \"$1a $2\" }\n");
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].2, Lint::BadOption);
        assert!(errs[0].3.contains("`$1a`"), "{errs:?}");
        assert!(
            at("replace = { pattern = '(\\d+)-(?P<b>\\d+)', with = \"${1}a $b $$3 $0\" }\n")
                .is_empty()
        );
        assert!(at("line = 2\ncollapse = true\nreplace = { pattern = ' +' }\n").is_empty());
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

    /// An xml mapping whose `[form.match]` is `root = "CTfile"` and then `matcher` (TOML lines).
    fn ctf(matcher: &str) -> String {
        format!(
            "[form]\nla_code = \"985\"\nla_name = \"X\"\nform = \"F\"\nversion = \"1\"\nformat = \"xml\"\n[form.namespaces]\nc = \"urn:ctf\"\n[form.match]\nroot = \"CTfile\"\n{matcher}"
        )
    }

    #[test]
    fn value_conditions_compile_once_each_counting_towards_specificity() {
        let text = ctf(concat!(
            "values = [{ path = \"/CTfile/Header/DestSchool/LEA\", equals = \" 985 \" },\n",
            "          { path = \"/c:CTfile/c:Header/@version\", regex = '^2[0-9]' }]\n",
        ));
        let (m, diags) = compile(Path::new("m.toml"), &text, &template());
        assert!(!diags.has_errors(), "{diags}");
        let matcher = m.unwrap().matcher;
        assert_eq!(matcher.values.len(), 2);
        assert_eq!(matcher.specificity(), 3, "root and two values");
        assert_eq!(
            matcher.values[0].path.as_str(),
            "/CTfile/Header/DestSchool/LEA"
        );
        assert!(matcher.values[0].test.accepts("985"), "`equals` is trimmed");
        assert!(matcher.values[0].test.accepts(" 985\n"), "so is the value");
        assert!(
            !matcher.values[0].test.accepts("9850"),
            "and compared whole"
        );
        assert!(matcher.values[1].test.accepts("23.0"));
        assert!(!matcher.values[1].test.accepts("19.0"));
        // The same as an array of tables.
        let tables = ctf(
            "[[form.match.values]]\npath = \"/CTfile/Header/DestSchool/LEA\"\nequals = \"985\"\n",
        );
        let (m, diags) = compile(Path::new("m.toml"), &tables, &template());
        assert!(!diags.has_errors(), "{diags}");
        assert_eq!(m.unwrap().matcher.specificity(), 2);
    }

    #[test]
    fn bad_value_conditions_are_reported_where_they_are_written() {
        let at = |matcher: &str| -> Vec<(Option<Lint>, usize, usize, String)> {
            let (_, diags) = compile(Path::new("m.toml"), &ctf(matcher), &template());
            diags
                .errors()
                .map(|d| (d.lint, d.line, d.column, d.message.clone()))
                .collect()
        };
        // Line 11 is the first line under [form.match] after `root`.
        let errs = at("values = [{ path = \"/CTfile/q:LEA\", equals = \"985\" }]\n");
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(
            (errs[0].0, errs[0].1, errs[0].2),
            (Some(L::BadPath), 11, 29)
        );
        assert!(
            errs[0].3.contains("unknown namespace prefix `q`"),
            "{errs:?}"
        );
        let errs = at("values = [{ path = \"/CTfile/LEA\" }]\n");
        assert_eq!(
            (errs[0].0, errs[0].1, errs[0].2),
            (Some(L::BadMatch), 11, 11)
        );
        assert!(errs[0].3.contains("no `equals` or `regex`"), "{errs:?}");
        let errs = at("values = [{ path = \"/CTfile/LEA\", equals = \"  \" }]\n");
        assert_eq!((errs[0].0, errs[0].2), (Some(L::BadMatch), 44));
        assert!(errs[0].3.contains("`equals` is empty"), "{errs:?}");
        let errs = at("values = [{ path = \"/CTfile/LEA\", regex = '' }]\n");
        assert!(errs[0].3.contains("`regex` is empty"), "{errs:?}");
        let errs = at("values = [{ path = \"/CTfile/LEA\", regex = '(98' }]\n");
        assert_eq!(errs[0].0, Some(L::BadRegex), "{errs:?}");
        let errs = at("values = [{ path = \"/CTfile/LEA\", equals = \"985\", regex = '^985$' }]\n");
        assert!(errs[0].3.contains("not both"), "{errs:?}");
        let errs = at("values = []\n");
        assert_eq!(
            (errs[0].0, errs[0].1, errs[0].2),
            (Some(L::BadMatch), 11, 10)
        );
        assert!(errs[0].3.contains("has no condition"), "{errs:?}");
        let errs = at("values = [{ path = \"/CTfile/LEA\", equal = \"985\" }]\n");
        assert_eq!(errs[0].0, Some(L::UnknownKey), "{errs:?}");
        let errs = at("values = [{ equals = \"985\" }]\n");
        assert_eq!(errs[0].0, Some(L::MissingKey), "{errs:?}");
        // Only xml documents have paths.
        let xlsx = format!("{HEAD}values = [{{ path = \"/CTfile/LEA\", equals = \"985\" }}]\n");
        let (_, diags) = compile(Path::new("m.toml"), &xlsx, &template());
        let d = diags.errors().next().unwrap();
        assert_eq!((d.lint, d.line, d.column), (Some(L::BadMatch), 9, 10));
        assert!(
            d.message
                .contains("`match.values` only applies to xml forms; this form is xlsx"),
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
    fn a_choice_alone_on_a_pdf_reads_the_boxes_beside_its_options() {
        let body = "[fields.\"child.gender\"]\nchoice = { \"Male\" = \"male\", \"Female\" = \"female\" }\n";
        let (m, diags) = compile(
            Path::new("m.toml"),
            &format!("{PDF_HEAD}{body}"),
            &template(),
        );
        assert!(!diags.has_errors(), "{diags}");
        let rule = &m.unwrap().fields[0];
        assert!(rule.choice.is_none(), "the boxes are the choice");
        match rule.locator.clone().unwrap() {
            Locator::PdfTick(opts) => assert_eq!(
                opts,
                [
                    (TickKey::Label("Male".into()), "male".to_string()),
                    (TickKey::Label("Female".into()), "female".to_string())
                ]
            ),
            other => panic!("{other:?}"),
        }
        let bad =
            "[fields.\"child.gender\"]\nchoice = { \"Male\" = \"man\", \"Female\" = \"female\" }\n";
        let (_, diags) = compile(
            Path::new("m.toml"),
            &format!("{PDF_HEAD}{bad}"),
            &template(),
        );
        let errors: Vec<String> = diags.errors().map(|d| d.message.clone()).collect();
        assert_eq!(
            errors,
            ["choice value `man` is not allowed for `child.gender`"]
        );
    }

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

    #[test]
    fn choices_are_checked_where_they_are_written() {
        let ok = errors(
            "[fields.\"child.gender\"]\nlabel = \"^Sex\"\nchoice = { \"Male\" = \"male\", \"Female\" = \"female\" }\n[fields.\"child.looked_after\"]\nlabel = \"looked after\"\ntake = \"inside\"\nchoice = { \"Y\" = \"yes\", \"N\" = \"no\" }\n",
        );
        assert!(ok.is_empty(), "{ok:?}");
        let cases = [
            (
                "choice = { \"Male\" = \"male\" }",
                "at least two printed options",
            ),
            (
                "choice = { \"Male\" = \"male\", \"male\" = \"female\" }",
                "lists the option `male` twice",
            ),
            (
                "choice = { \"Male\" = \"man\", \"Female\" = \"female\" }",
                "choice value `man` is not allowed for `child.gender`",
            ),
            (
                "choice = { \" \" = \"male\", \"Female\" = \"female\" }",
                "a `choice` option is empty",
            ),
        ];
        for (choice, message) in cases {
            let errs = errors(&format!(
                "[fields.\"child.gender\"]\nlabel = \"^Sex\"\n{choice}\n"
            ));
            assert_eq!(errs.len(), 1, "{choice}: {errs:?}");
            let (line, column, got) = &errs[0];
            assert!(got.contains(message), "{choice}: {got}");
            assert_eq!((*line, *column), (HEAD.lines().count() + 3, 10), "{choice}");
        }
        let errs = errors(
            "[fields.\"request.requester_role\"]\ntick = { \"Request!B5\" = \"parent\", \"Request!C5\" = \"school\" }\nchoice = { \"Parent\" = \"parent\", \"School\" = \"school\" }\n",
        );
        assert!(
            errs[0].2.contains("`choice` and `tick` both choose"),
            "{errs:?}"
        );
        let errs = errors(
            "[fields.\"child.looked_after\"]\nlabel = \"LAC\"\nchoice = { \"Y\" = \"si\", \"N\" = \"no\" }\n",
        );
        assert!(
            errs[0].2.contains("choice value `si` is not allowed"),
            "{errs:?}"
        );
        let errs = errors("[fields.\"child.surname\"]\nlabel = \"^Surname\"\ntake = \"within\"\n");
        assert!(
            errs[0]
                .2
                .contains("expected \"right\", \"below\" or \"inside\""),
            "{errs:?}"
        );
    }
}
