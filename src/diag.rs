//! Diagnostics about configuration files (the template and the mappings): a position (`file:line:column`), what
//! was wrong, what was expected, and a hint. They are data; the CLI renders them (with a snippet) at the edge.
//!
//! Diagnostics never carry document values: they speak of mapping files, which hold no personal data.
//!
//! [`escape_controls`] makes any text safe to print on a terminal or in a log line.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// `text` with its control characters escaped as Rust does (`\n`, `\t`, `\u{1b}`), other characters (accents,
/// other scripts) kept readable: a file name holding a newline cannot forge a log line, nor an ANSI escape reach
/// the terminal.
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out.into()
}

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The file cannot be used; `run` and `check` exit 2.
    Error,
    /// The file works but something deserves a look; `check --deny-warnings` fails on it.
    Warning,
    /// Lower-priority information (e.g. an unmapped `should` field); never fails a check.
    Note,
}

/// One problem in a configuration file.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// Error, warning or note.
    pub severity: Severity,
    /// The lint's stable name (`bad-regex`, `unknown-field`, ...: see [`LINTS`]), when it comes from one.
    pub lint: Option<&'static str>,
    /// The file.
    pub path: PathBuf,
    /// 1-based line, 0 when unknown.
    pub line: usize,
    /// 1-based column (in characters), 0 when unknown.
    pub column: usize,
    /// Byte span in `source`, when known.
    pub span: Option<Range<usize>>,
    /// The file's text, for snippets.
    pub source: Option<Arc<str>>,
    /// What is wrong.
    pub message: String,
    /// A hint, e.g. "did you mean `child.date_of_birth`?".
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at a byte span of `text`.
    pub fn error(
        path: &Path,
        text: &str,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Diagnostic {
        let (line, column) = line_column(text, span.start);
        Diagnostic {
            severity: Severity::Error,
            lint: None,
            path: path.to_path_buf(),
            line,
            column,
            span: Some(span),
            source: Some(Arc::from(text)),
            message: message.into(),
            help: None,
        }
    }

    /// A warning at a byte span of `text`.
    pub fn warning(
        path: &Path,
        text: &str,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(path, text, span, message)
        }
    }

    /// An error about a file as a whole (it could not be read).
    pub fn io(path: &Path, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            lint: None,
            path: path.to_path_buf(),
            line: 0,
            column: 0,
            span: None,
            source: None,
            message: message.into(),
            help: None,
        }
    }

    /// A note (lower priority than a warning) at a byte span of `text`.
    pub fn note(
        path: &Path,
        text: &str,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            severity: Severity::Note,
            ..Diagnostic::error(path, text, span, message)
        }
    }

    /// A TOML syntax or shape error (unknown key, missing key, wrong type), positioned where the toml crate says.
    /// An unknown key gets the nearest valid key as its hint.
    pub fn toml(path: &Path, text: &str, err: &toml::de::Error) -> Diagnostic {
        let message = err.message().trim().to_string();
        let (lint, help) = if message.starts_with("unknown field") {
            (lint::UNKNOWN_KEY, unknown_key_help(&message))
        } else if message.starts_with("missing field") {
            (lint::MISSING_KEY, None)
        } else {
            (lint::TOML_SYNTAX, None)
        };
        let d = match err.span() {
            Some(span) => Diagnostic::error(path, text, span, message),
            None => Diagnostic::io(path, message),
        };
        Diagnostic {
            lint: Some(lint),
            help,
            ..d
        }
    }

    /// Names the lint this diagnostic comes from.
    pub fn with_lint(mut self, lint: &'static str) -> Diagnostic {
        self.lint = Some(lint);
        self
    }

    /// Adds a hint.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Turns toml's "unknown field `cel`, expected one of `cell`, `cells`, ..." into "did you mean `cell`?", or lists
/// the valid keys when none is close.
fn unknown_key_help(message: &str) -> Option<String> {
    let mut ticked = message.split('`').skip(1).step_by(2);
    let given = ticked.next()?;
    let valid: Vec<&str> = ticked.collect();
    let best = valid
        .iter()
        .map(|k| (strsim::normalized_damerau_levenshtein(given, k), *k))
        .filter(|(score, k)| *score >= 0.5 || k.starts_with(given) || given.starts_with(k))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((_, k)) => Some(format!("did you mean `{k}`?")),
        None if !valid.is_empty() => Some(format!("valid keys here: {}", valid.join(", "))),
        None => None,
    }
}

/// `path:line:column: error[lint]: message`, the grep-friendly first line of every rendering.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        };
        let kind = match self.lint {
            Some(lint) => format!("{severity}[{lint}]"),
            None => severity.to_string(),
        };
        if self.line > 0 {
            write!(
                f,
                "{}:{}:{}: {kind}: {}",
                self.path.display(),
                self.line,
                self.column,
                self.message
            )?;
        } else {
            write!(f, "{}: {kind}: {}", self.path.display(), self.message)?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// 1-based line and character column of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

/// Every diagnostic found in one pass over the configuration.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    /// In the order found, files in name order.
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Adds one.
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    /// Adds all of another set.
    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    /// True when at least one is an error.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    /// The errors only.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| d.is_error())
    }

    /// The warnings only (not notes).
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Warning)
    }

    /// The notes only.
    pub fn notes(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| d.severity == Severity::Note)
    }

    /// `Ok(value)` unless there are errors (warnings are dropped: use the fields directly to keep them).
    pub fn into_result<T>(self, value: T) -> Result<T, Diagnostics> {
        if self.has_errors() {
            Err(self)
        } else {
            Ok(value)
        }
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics { items: vec![d] }
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.items {
            writeln!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// One named lint of `harmonise check`.
#[derive(Debug, Clone, Copy)]
pub struct Lint {
    /// The stable name shown as `error[name]`.
    pub name: &'static str,
    /// Its severity.
    pub severity: Severity,
    /// What it checks, in one line.
    pub summary: &'static str,
}

/// The names of every lint `harmonise check` reports; each is documented in the README ("Lints").
pub mod lint {
    /// Not valid TOML, or a value of the wrong TOML type.
    pub const TOML_SYNTAX: &str = "toml-syntax";
    /// A key the mapping language does not have.
    pub const UNKNOWN_KEY: &str = "unknown-key";
    /// A required key is absent.
    pub const MISSING_KEY: &str = "missing-key";
    /// A `[fields."id"]` id that is not a national template field.
    pub const UNKNOWN_FIELD: &str = "unknown-field";
    /// `[form]` problems: format, LA code.
    pub const BAD_FORM: &str = "bad-form";
    /// `[form.match]` problems.
    pub const BAD_MATCH: &str = "bad-match";
    /// A locator that does not apply to the form's format.
    pub const LOCATOR_FORMAT: &str = "locator-format";
    /// No locator, or several.
    pub const LOCATOR_COUNT: &str = "locator-count";
    /// A malformed cell reference or range.
    pub const BAD_CELL: &str = "bad-cell";
    /// A regex that does not compile.
    pub const BAD_REGEX: &str = "bad-regex";
    /// A field-name glob that does not compile.
    pub const BAD_GLOB: &str = "bad-glob";
    /// An XML path outside the supported XPath subset.
    pub const BAD_PATH: &str = "bad-path";
    /// A multi-valued locator on a single field, or `{n}` on a non-group field.
    pub const GROUP_MISMATCH: &str = "group-mismatch";
    /// A transform or value that cannot yield the field's type.
    pub const TYPE_MISMATCH: &str = "type-mismatch";
    /// A malformed locator or transform option.
    pub const BAD_OPTION: &str = "bad-option";
    /// A malformed `[extra]` entry.
    pub const BAD_EXTRA: &str = "bad-extra";
    /// A regex with several capture groups.
    pub const REGEX_CAPTURES: &str = "regex-captures";
    /// A `must` field the mapping leaves unmapped.
    pub const UNMAPPED_STATUTORY: &str = "unmapped-statutory";
    /// A `should` field the mapping leaves unmapped.
    pub const UNMAPPED_SHOULD: &str = "unmapped-should";
    /// A malformed `[[test]]`.
    pub const BAD_TEST: &str = "bad-test";
    /// A `[[test]]` whose document does not harmonise as expected.
    pub const TEST_FAILED: &str = "test-failed";
}

/// Every lint, for the README's lint list and its test.
pub const LINTS: &[Lint] = &[
    Lint {
        name: lint::TOML_SYNTAX,
        severity: Severity::Error,
        summary: "not valid TOML, or a value of the wrong TOML type",
    },
    Lint {
        name: lint::UNKNOWN_KEY,
        severity: Severity::Error,
        summary: "a key the mapping language does not have",
    },
    Lint {
        name: lint::MISSING_KEY,
        severity: Severity::Error,
        summary: "a required key is absent",
    },
    Lint {
        name: lint::UNKNOWN_FIELD,
        severity: Severity::Error,
        summary: "a field id that is not in the national template",
    },
    Lint {
        name: lint::BAD_FORM,
        severity: Severity::Error,
        summary: "an unknown format or a malformed LA code",
    },
    Lint {
        name: lint::BAD_MATCH,
        severity: Severity::Error,
        summary: "a [form.match] that cannot recognise documents",
    },
    Lint {
        name: lint::LOCATOR_FORMAT,
        severity: Severity::Error,
        summary: "a locator that does not apply to the form's format",
    },
    Lint {
        name: lint::LOCATOR_COUNT,
        severity: Severity::Error,
        summary: "a field with no locator, or several",
    },
    Lint {
        name: lint::BAD_CELL,
        severity: Severity::Error,
        summary: "a malformed cell reference or range",
    },
    Lint {
        name: lint::BAD_REGEX,
        severity: Severity::Error,
        summary: "a regex that does not compile",
    },
    Lint {
        name: lint::BAD_GLOB,
        severity: Severity::Error,
        summary: "a field-name glob that does not compile",
    },
    Lint {
        name: lint::BAD_PATH,
        severity: Severity::Error,
        summary: "an xml path outside the supported XPath subset",
    },
    Lint {
        name: lint::GROUP_MISMATCH,
        severity: Severity::Error,
        summary: "several values for a single field",
    },
    Lint {
        name: lint::TYPE_MISMATCH,
        severity: Severity::Error,
        summary: "a transform or value that cannot yield the field's type",
    },
    Lint {
        name: lint::BAD_OPTION,
        severity: Severity::Error,
        summary: "a malformed locator or transform option",
    },
    Lint {
        name: lint::BAD_EXTRA,
        severity: Severity::Error,
        summary: "a malformed [extra] entry",
    },
    Lint {
        name: lint::REGEX_CAPTURES,
        severity: Severity::Warning,
        summary: "a regex with several capture groups",
    },
    Lint {
        name: lint::UNMAPPED_STATUTORY,
        severity: Severity::Warning,
        summary: "a `must` national field the form never asks for",
    },
    Lint {
        name: lint::UNMAPPED_SHOULD,
        severity: Severity::Note,
        summary: "a `should` national field the form never asks for",
    },
    Lint {
        name: lint::BAD_TEST,
        severity: Severity::Error,
        summary: "a malformed [[test]]",
    },
    Lint {
        name: lint::TEST_FAILED,
        severity: Severity::Error,
        summary: "a [[test]] document that does not harmonise as expected",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_unicode_kept() {
        assert_eq!(escape_controls("Zoë Ørsted.xlsx"), "Zoë Ørsted.xlsx");
        assert_eq!(
            escape_controls("a\nERROR forged\u{1b}[31m\t\u{9b}.pdf"),
            "a\\nERROR forged\\u{1b}[31m\\t\\u{9b}.pdf"
        );
    }

    #[test]
    fn unknown_keys_get_the_nearest_valid_key() {
        let msg = "unknown field `cel`, expected one of `cell`, `cells`, `range`, `label`";
        assert_eq!(
            unknown_key_help(msg).as_deref(),
            Some("did you mean `cell`?")
        );
        let msg = "unknown field `zzzzzz`, expected `sep` or `part`";
        assert_eq!(
            unknown_key_help(msg).as_deref(),
            Some("valid keys here: sep, part")
        );
    }

    #[test]
    fn line_column_counts_characters_not_bytes() {
        let text = "a = 1\nb = \"é\" x\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        let x = text.find('x').unwrap();
        assert_eq!(line_column(text, x), (2, 9));
    }

    #[test]
    fn display_is_path_line_column() {
        let d = Diagnostic::error(Path::new("m.toml"), "a\nbc", 3..4, "bad").with_help("try d");
        assert_eq!(d.to_string(), "m.toml:2:2: error: bad\n  help: try d");
        let d = d.with_lint(lint::BAD_REGEX);
        assert_eq!(
            d.to_string(),
            "m.toml:2:2: error[bad-regex]: bad\n  help: try d"
        );
    }
}
