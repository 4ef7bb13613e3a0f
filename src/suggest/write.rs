//! Rendering a [`Suggestion`] as a mapping file that passes `harmonise check` as written.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::candidates::Where;
use super::{Matched, Suggestion};
use crate::label::{PLAIN, phrase_similarity, tokens};
use crate::mapping::compile::snake_case;
use crate::template::{FieldType, Template};

/// A TOML string literal (toml picks a quoting that needs no escapes where it can).
fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// `(?i)^escaped label$`, white space runs matched loosely; `{n}` kept for numbered labels.
pub fn label_regex(label: &str) -> String {
    let parts: Vec<String> = label
        .split("{n}")
        .map(|part| {
            part.split_whitespace()
                .map(regex::escape)
                .collect::<Vec<_>>()
                .join(r"\s+")
        })
        .collect();
    let mut body = String::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            // The space around the number, when the label had one.
            body.push_str(r"\s*{n}\s*");
        }
        body.push_str(p);
    }
    format!("(?i)^{body}$")
}

fn locator_lines(at: &Where, group_ok: bool, tick_values: &dyn Fn(&str) -> String) -> String {
    match at {
        Where::Label { text, below, cell } => {
            let text = if group_ok {
                text.clone()
            } else {
                text.replace("{n}", "1")
            };
            let mut s = format!("label = {}", q(&label_regex(&text)));
            if *below {
                s.push_str("\ntake = \"below\"");
            }
            let _ = write!(s, "  # answer at {cell}");
            s
        }
        Where::Cell(c) => format!("cell = {}", q(c)),
        Where::Range(r) if group_ok => format!("range = {}", q(r)),
        Where::Range(r) => format!("cell = {}", q(r.split(':').next().unwrap_or(r))),
        Where::Tick(opts) => format!(
            "tick = {{ {} }}",
            opts.iter()
                .map(|(c, o)| format!("{} = {}", q(c), q(&tick_values(o))))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Where::Field(f) => {
            let f = super::glob_escape(f).replace("[{]n[}]", "{n}");
            let f = if group_ok { f } else { f.replace("{n}", "1") };
            format!("field = {}", q(&f))
        }
        Where::Path(p) => format!("path = {}", q(p)),
        Where::Text { text, below, stop } => {
            let text = if group_ok {
                text.clone()
            } else {
                text.replace("{n}", "1")
            };
            // Anchored at the line's start only: `right` takes the rest of the line after the label.
            let start = |t: &str| label_regex(t).trim_end_matches('$').to_string();
            let mut s = format!("label = {}", q(&start(&text)));
            s.push_str(if *below {
                "\ntake = \"below\""
            } else {
                "\ntake = \"right\""
            });
            if let Some(stop) = stop {
                let _ = write!(s, "\nstop = {}", q(&start(stop)));
            }
            s
        }
        Where::Control(c) => format!(
            "control = {}",
            q(&c.replace("{n}", if group_ok { "{n}" } else { "1" }))
        ),
        Where::FormField(f) => format!(
            "formfield = {}",
            q(&f.replace("{n}", if group_ok { "{n}" } else { "1" }))
        ),
    }
}

/// The enum value an option's text names best (plain word overlap: every word counts in short options).
fn enum_value(option: &str, allowed: &[String]) -> String {
    let words = |s: &str| tokens(s, &PLAIN);
    let o = words(option);
    allowed
        .iter()
        .map(|v| (phrase_similarity(&o, &words(&v.replace('_', " "))), v))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map_or_else(|| option.to_string(), |(_, v)| v.clone())
}

/// Renders the draft.
pub fn render(s: &Suggestion, template: &Template) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Drafted by `harmonise suggest` from {}.\n# Review every entry: the confidence is the matcher's guess from labels and answer shapes, not a fact.\n# Then replace la_code, check `version`, and add a [[test]] with a filled sample document.\n",
        s.source_name
    );
    let _ = writeln!(out, "[form]");
    let _ = writeln!(out, "la_code = {}", q(&s.la_code));
    let _ = writeln!(out, "la_name = {}", q(&s.la_name));
    let _ = writeln!(out, "form = {}", q(&s.form_title));
    let _ = writeln!(out, "version = \"draft\"");
    let _ = writeln!(out, "format = {}\n", q(s.format.mapping_format().as_str()));
    if !s.namespaces.is_empty() {
        let _ = writeln!(out, "[form.namespaces]");
        for (prefix, uri) in &s.namespaces {
            let _ = writeln!(out, "{prefix} = {}", q(uri));
        }
        out.push('\n');
    }
    let _ = writeln!(out, "[form.match]");
    for (k, v) in &s.matcher {
        let _ = writeln!(out, "{k} = {}", q(v));
    }
    out.push('\n');

    for m in &s.fields {
        write_field(&mut out, m, template);
    }

    if !s.todo.is_empty() {
        let _ = writeln!(
            out,
            "# --- Statutory fields not found in this document: map them by hand, or leave them as coverage gaps ---"
        );
        for (id, level, label) in &s.todo {
            let _ = writeln!(out, "# TODO {id} ({}): {label}", level.as_str());
        }
        out.push('\n');
    }

    if s.withheld > 0 {
        let _ = writeln!(
            out,
            "# {} text(s) of the document read as answers rather than printed questions and were left out: a draft never quotes a document's values. Map what they answer by hand.\n",
            s.withheld
        );
    }
    let mut ids: BTreeSet<String> = BTreeSet::new();
    if !s.extras.is_empty() {
        let _ = writeln!(out, "# --- Questions that match no national field ---\n");
    }
    for c in &s.extras {
        let label = c.label.replace("{n}", "1");
        let base: String = snake_case(&label)
            .split('_')
            .filter(|w| !w.is_empty())
            .take(6)
            .collect::<Vec<_>>()
            .join("_");
        let base = if base.starts_with(|ch: char| ch.is_ascii_digit()) {
            format!("q_{base}")
        } else {
            base
        };
        let mut id = base.clone();
        let mut n = 2;
        while !ids.insert(id.clone()) {
            id = format!("{base}_{n}");
            n += 1;
        }
        let _ = writeln!(out, "[extra.{id}]");
        let _ = writeln!(out, "printed = {}", q(&c.label));
        let _ = writeln!(out, "{}\n", locator_lines(&c.at, false, &|o| o.to_string()));
    }
    out
}

fn write_field(out: &mut String, m: &Matched, template: &Template) {
    let def = template.get(&m.field);
    let _ = writeln!(out, "[fields.{}]", q(&m.field));
    let _ = writeln!(out, "# confidence {:.2}", m.confidence);
    let _ = writeln!(out, "printed = {}", q(&m.candidate.label));
    let allowed: Vec<String> = match def.map(|d| &d.ty) {
        Some(FieldType::Enum(v)) => v.clone(),
        _ => Vec::new(),
    };
    let _ = writeln!(
        out,
        "{}",
        locator_lines(
            &m.candidate.at,
            def.is_some_and(|d| d.group.is_some()),
            &|o| {
                if allowed.is_empty() {
                    o.to_string()
                } else {
                    enum_value(o, &allowed)
                }
            }
        )
    );
    if let Some(re) = m.regex {
        let _ = writeln!(out, "regex = {}", q(re));
    }
    match def.map(|d| &d.ty) {
        Some(FieldType::Date) => {
            let _ = writeln!(out, "date = [\"%d/%m/%Y\", \"%d.%m.%Y\", \"%d-%m-%Y\"]");
        }
        Some(FieldType::Enum(v)) if !matches!(m.candidate.at, Where::Tick(_)) => {
            let _ = writeln!(
                out,
                "# TODO: map the form's answers onto {} with `map = {{ \"...\" = \"...\" }}`",
                v.join(", ")
            );
        }
        _ => {}
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_regexes_are_anchored_escaped_and_numbered() {
        assert_eq!(label_regex("D.O.B."), r"(?i)^D\.O\.B\.$");
        assert_eq!(
            label_regex("Pupil's  first name"),
            r"(?i)^Pupil's\s+first\s+name$"
        );
        let re = label_regex("Parent/carer {n} name");
        assert_eq!(re, r"(?i)^Parent/carer\s*{n}\s*name$");
        assert!(
            regex::Regex::new(&re.replace("{n}", "2"))
                .unwrap()
                .is_match("parent/carer 2 name")
        );
    }

    #[test]
    fn options_name_enum_values() {
        let allowed: Vec<String> = ["parent", "young_person", "school", "other"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(enum_value("Parent / carer", &allowed), "parent");
        assert_eq!(
            enum_value("Young person (over 16)", &allowed),
            "young_person"
        );
        assert_eq!(enum_value("School or setting", &allowed), "school");
    }
}
