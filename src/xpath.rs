//! The small XPath subset of `path` locators, compiled when a mapping loads and evaluated on a document's
//! [`XmlTree`].
//!
//! Grammar (absolute paths only):
//! ```text
//! path  := ( "/" | "//" ) step { ( "/" | "//" ) step } [ "/" "@" name ]
//! step  := ( name | "*" ) { "[" pred "]" }
//! pred  := digits                     position among same-parent matches, from 1
//!        | "@" name [ "=" literal ]    attribute present / equal
//!        | name "=" literal            a child element whose text equals
//! name  := [ prefix ":" ] local        prefix declared in [form.namespaces]
//! ```
//! `/a/b` is a child step, `//b` a descendant at any depth. A **prefixed** name matches only elements (or
//! attributes) in the namespace the mapping binds that prefix to, whatever prefix the document itself uses.
//! An **unprefixed** element name matches its local name in any namespace (so simple paths work on documents
//! with a default namespace without declaring anything); an unprefixed attribute name matches only an unprefixed
//! attribute, as in XML. Every matching element is returned in document order: a group field takes them all,
//! a single field the first.

use std::collections::HashMap;
use std::fmt;

use crate::diag::ParseError;
use crate::read::xml::{XmlAttr, XmlElement, XmlTree};

/// A compiled path.
#[derive(Debug, Clone, PartialEq)]
pub struct XPath {
    text: String,
    steps: Vec<Step>,
    attr: Option<NameTest>,
}

#[derive(Debug, Clone, PartialEq)]
struct Step {
    descendant: bool,
    test: NameTest,
    preds: Vec<Pred>,
}

#[derive(Debug, Clone, PartialEq)]
enum NameTest {
    Any,
    /// A local name; `Some(uri)` requires that namespace, `None` accepts any (elements) or none (attributes).
    Name(Option<String>, String),
}

#[derive(Debug, Clone, PartialEq)]
enum Pred {
    Position(usize),
    Attr(NameTest, Option<String>),
    Child(NameTest, String),
}

/// What a path selected: an element, or one of its attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selected {
    /// Index into [`XmlTree::elements`].
    pub element: usize,
    /// Index into that element's `attrs`, for a final `@name` step.
    pub attr: Option<usize>,
}

impl fmt::Display for XPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl XPath {
    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Compiles a path; prefixes resolve through `namespaces` (prefix, URI). The error says what is wrong and
    /// at which character (1-based) of the path.
    pub fn compile(text: &str, namespaces: &[(String, String)]) -> Result<XPath, ParseError> {
        let mut p = Parser {
            s: text,
            pos: 0,
            namespaces,
        };
        let mut steps = Vec::new();
        let mut attr = None;
        if !text.starts_with('/') {
            return Err(ParseError::at(0, "a path must start with `/` (or `//`)"));
        }
        while p.pos < text.len() {
            p.expect('/')?;
            let descendant = p.eat('/');
            if p.eat('@') {
                if descendant {
                    return Err(p.err("`//@attr` is not supported; write `//element/@attr`"));
                }
                attr = Some(p.name_test(true)?);
                if p.pos < text.len() {
                    return Err(p.err("an `@attribute` step must be the last step"));
                }
                break;
            }
            let test = if p.eat('*') {
                NameTest::Any
            } else {
                p.name_test(false)?
            };
            let mut preds = Vec::new();
            while p.eat('[') {
                preds.push(p.pred()?);
                p.expect(']')?;
            }
            steps.push(Step {
                descendant,
                test,
                preds,
            });
        }
        if steps.is_empty() {
            return Err(ParseError::new("a path needs at least one element step"));
        }
        Ok(XPath {
            text: text.to_string(),
            steps,
            attr,
        })
    }

    /// Every element (or attribute) the path selects, in document order. Value predicates (`[@a='v']`,
    /// `[child='v']`) read text through `values` (the document's fields), which the tree does not own.
    pub fn select(&self, tree: &XmlTree, values: &dyn Values) -> Vec<Selected> {
        let n = tree.elements.len();
        // Elements in the context set of the next step; before the first step, the document node.
        let mut current: Vec<bool> = Vec::new();
        let mut at_document = true;
        for step in &self.steps {
            let mut under = vec![false; if step.descendant { n } else { 0 }];
            let mut hits: Vec<usize> = Vec::new();
            for (i, el) in tree.elements.iter().enumerate() {
                let parent_in = match el.parent {
                    None => at_document,
                    Some(p) => current.get(p as usize).copied().unwrap_or(false),
                };
                let ok = if step.descendant {
                    // Parents precede children, so one pass marks everything below the context set.
                    let below = parent_in
                        || el
                            .parent
                            .and_then(|p| under.get(p as usize).copied())
                            .unwrap_or(false);
                    if let Some(u) = under.get_mut(i) {
                        *u = below;
                    }
                    below
                } else {
                    parent_in
                };
                if ok && element_matches(tree, el, &step.test) {
                    hits.push(i);
                }
            }
            for pred in &step.preds {
                hits = apply_pred(tree, values, hits, pred);
            }
            current = vec![false; n];
            for &i in &hits {
                if let Some(c) = current.get_mut(i) {
                    *c = true;
                }
            }
            at_document = false;
        }
        let elements = current
            .iter()
            .enumerate()
            .filter(|(_, c)| **c)
            .map(|(i, _)| i);
        match &self.attr {
            None => elements
                .map(|element| Selected {
                    element,
                    attr: None,
                })
                .collect(),
            Some(test) => elements
                .filter_map(|element| {
                    let el = tree.elements.get(element)?;
                    let a = el.attrs.iter().position(|a| attr_matches(tree, a, test))?;
                    Some(Selected {
                        element,
                        attr: Some(a),
                    })
                })
                .collect(),
        }
    }
}

impl XPath {
    /// The empty container a path that selects nothing runs into, as an index into [`XmlTree::elements`]: the
    /// deepest element reached by the path's leading plain child steps (`/a/b`: no `//`, no `*`, no predicate),
    /// when that element is not the root, the path goes on below it through an element step, and it has no
    /// child element and no text (`<Professionals/>`, `<Professionals></Professionals>`). Such a path finds no
    /// answer because there is none: `empty`, not drift. An element that has children (other than the ones the
    /// path names), or a missing attribute on an element that is there, gives `None`: that is a changed form.
    /// When several elements are reached at that depth, every one must be empty; the first is returned.
    pub fn empty_container(&self, tree: &XmlTree) -> Option<usize> {
        let plain = self
            .steps
            .iter()
            .take_while(|s| !s.descendant && s.preds.is_empty() && s.test != NameTest::Any);
        let mut reached: Vec<usize> = Vec::new();
        let mut depth = 0usize;
        for step in plain {
            let next: Vec<usize> = tree
                .elements
                .iter()
                .enumerate()
                .filter(|(_, el)| match el.parent {
                    None => depth == 0,
                    Some(p) => depth > 0 && reached.binary_search(&(p as usize)).is_ok(),
                })
                .filter(|(_, el)| element_matches(tree, el, &step.test))
                .map(|(i, _)| i)
                .collect();
            if next.is_empty() {
                break;
            }
            reached = next;
            depth = depth.saturating_add(1);
        }
        // Not the root (a document that is only an empty root holds no form), and an element step left to take.
        if depth < 2 || depth >= self.steps.len() {
            return None;
        }
        let empty = |&i: &usize| {
            tree.elements
                .get(i)
                .is_some_and(|el| el.text.is_none() && el.end as usize == i.saturating_add(1))
        };
        if reached.iter().all(empty) {
            reached.first().copied()
        } else {
            None
        }
    }
}

/// The text of what a path selected: an element's text (`None` when it has none) or an attribute's value.
pub fn selected_text<'v>(tree: &XmlTree, values: &'v dyn Values, s: Selected) -> Option<&'v str> {
    let el = tree.elements.get(s.element)?;
    match s.attr {
        Some(a) => values.text(el.attrs.get(a)?.field),
        None => values.text(el.text?),
    }
}

impl Values for crate::read::SourceDoc {
    fn text(&self, field: usize) -> Option<&str> {
        match &self.fields.get(field)?.value {
            crate::read::RawValue::Text(t) => Some(t),
            _ => None,
        }
    }
}

/// Reads a field's text by index: the document's fields hold the values the tree points at.
pub trait Values {
    /// The text of a field.
    fn text(&self, field: usize) -> Option<&str>;
}

fn element_matches(tree: &XmlTree, el: &XmlElement, test: &NameTest) -> bool {
    match test {
        NameTest::Any => true,
        NameTest::Name(None, local) => el.local == *local,
        NameTest::Name(Some(uri), local) => el.local == *local && tree.uri(el.ns) == Some(uri),
    }
}

fn attr_matches(tree: &XmlTree, a: &XmlAttr, test: &NameTest) -> bool {
    match test {
        NameTest::Any => true,
        NameTest::Name(None, local) => a.ns.is_none() && a.local == *local,
        NameTest::Name(Some(uri), local) => a.local == *local && tree.uri(a.ns) == Some(uri),
    }
}

/// Filters one step's matches; positions count per parent, in document order.
fn apply_pred(tree: &XmlTree, values: &dyn Values, hits: Vec<usize>, pred: &Pred) -> Vec<usize> {
    let text = |field: Option<usize>| field.and_then(|f| values.text(f)).unwrap_or("").trim();
    match pred {
        Pred::Position(n) => {
            let mut seen: HashMap<Option<u32>, usize> = HashMap::new();
            hits.into_iter()
                .filter(|&i| {
                    let parent = tree.elements.get(i).and_then(|e| e.parent);
                    let c = seen.entry(parent).or_insert(0);
                    *c = c.saturating_add(1);
                    *c == *n
                })
                .collect()
        }
        Pred::Attr(test, want) => hits
            .into_iter()
            .filter(|&i| {
                tree.elements.get(i).is_some_and(|el| {
                    el.attrs.iter().any(|a| {
                        attr_matches(tree, a, test)
                            && want.as_ref().is_none_or(|w| text(Some(a.field)) == w)
                    })
                })
            })
            .collect(),
        Pred::Child(test, want) => hits
            .into_iter()
            .filter(|&i| {
                let Some(el) = tree.elements.get(i) else {
                    return false;
                };
                let me = u32::try_from(i).ok();
                let below = i.saturating_add(1)..(el.end as usize).min(tree.elements.len());
                tree.elements.get(below).unwrap_or(&[]).iter().any(|c| {
                    c.parent == me && element_matches(tree, c, test) && text(c.text) == want
                })
            })
            .collect(),
    }
}

struct Parser<'a> {
    s: &'a str,
    pos: usize,
    namespaces: &'a [(String, String)],
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.s.get(self.pos..).and_then(|r| r.chars().next())
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<(), ParseError> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.err(&format!("expected `{c}`")))
        }
    }

    /// `msg` at the current position: the message names it as a character count, the offset lets the
    /// diagnostic point at it.
    fn err(&self, msg: &str) -> ParseError {
        let col = self.s.get(..self.pos).map_or(0, |s| s.chars().count()) + 1;
        let message = match self.peek() {
            Some(c) => format!("{msg} at character {col} (`{c}`) of the path"),
            None => format!("{msg} at the end of the path"),
        };
        ParseError::at(self.pos, message)
    }

    fn ident(&mut self) -> Result<String, ParseError> {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c.is_alphanumeric() || matches!(c, '_' | '-' | '.') {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
        let id = self.s.get(start..self.pos).unwrap_or("");
        if id.is_empty() || id.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.') {
            self.pos = start;
            return Err(self.err("expected an element or attribute name"));
        }
        Ok(id.to_string())
    }

    /// `local` or `prefix:local`.
    fn name_test(&mut self, attribute: bool) -> Result<NameTest, ParseError> {
        let start = self.pos;
        let first = self.ident()?;
        if !self.eat(':') {
            return Ok(NameTest::Name(None, first));
        }
        let local = self.ident()?;
        match self.namespaces.iter().find(|(p, _)| *p == first) {
            Some((_, uri)) => Ok(NameTest::Name(Some(uri.clone()), local)),
            None if first == "xml" => Ok(NameTest::Name(
                Some("http://www.w3.org/XML/1998/namespace".into()),
                local,
            )),
            None => {
                self.pos = start;
                let what = if attribute { "attribute" } else { "element" };
                Err(self.err(&format!(
                    "unknown namespace prefix `{first}` on an {what}: declare it under [form.namespaces]"
                )))
            }
        }
    }

    fn pred(&mut self) -> Result<Pred, ParseError> {
        if let Some(c) = self.peek().filter(char::is_ascii_digit) {
            let _ = c;
            let start = self.pos;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.pos += 1;
            }
            let n: usize = self
                .s
                .get(start..self.pos)
                .and_then(|d| d.parse().ok())
                .unwrap_or(0);
            if n == 0 {
                self.pos = start;
                return Err(self.err("positions count from 1"));
            }
            return Ok(Pred::Position(n));
        }
        let attribute = self.eat('@');
        let test = self.name_test(attribute)?;
        self.skip_spaces();
        if !self.eat('=') {
            if attribute {
                return Ok(Pred::Attr(test, None));
            }
            return Err(self.err("expected `=` and a quoted value"));
        }
        self.skip_spaces();
        let value = self.literal()?;
        self.skip_spaces();
        Ok(if attribute {
            Pred::Attr(test, Some(value))
        } else {
            Pred::Child(test, value)
        })
    }

    fn skip_spaces(&mut self) {
        while self.peek() == Some(' ') {
            self.pos += 1;
        }
    }

    fn literal(&mut self) -> Result<String, ParseError> {
        let quote = match self.peek() {
            Some(q @ ('\'' | '"')) => q,
            _ => return Err(self.err("expected a quoted value")),
        };
        self.pos += 1;
        let start = self.pos;
        let len = self
            .s
            .get(start..)
            .and_then(|r| r.find(quote))
            .ok_or_else(|| self.err("unterminated quoted value"))?;
        self.pos = start + len + 1;
        Ok(self.s.get(start..start + len).unwrap_or("").to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::{Deadline, Limits, SourceDoc};
    use std::time::Duration;

    struct Doc(SourceDoc);
    impl Values for Doc {
        fn text(&self, field: usize) -> Option<&str> {
            match &self.0.fields.get(field)?.value {
                crate::read::RawValue::Text(t) => Some(t),
                _ => None,
            }
        }
    }

    const DOC: &str = r#"<r:Request xmlns:r="urn:riv" xmlns="urn:riv" xmlns:p="urn:photo">
      <Child id="c1"><Name>Ann</Name><p:Photo p:attached="true" attached="no"/></Child>
      <Parents>
        <Parent role="mother"><Name>Mo</Name><Rank>1</Rank></Parent>
        <Parent role="father"><Name>Pa</Name><Rank>2</Rank></Parent>
      </Parents>
      <Deep><Deeper><Name>Dee</Name></Deeper></Deep>
    </r:Request>"#;

    fn doc() -> Doc {
        Doc(crate::read::xml::read(
            DOC.as_bytes(),
            &Limits::default(),
            &Deadline::after(Duration::from_secs(5)),
        )
        .unwrap())
    }

    fn ns() -> Vec<(String, String)> {
        vec![
            ("x".into(), "urn:riv".into()),
            ("ph".into(), "urn:photo".into()),
        ]
    }

    /// The concrete paths (and attribute names) a path selects.
    fn sel(path: &str) -> Vec<String> {
        let d = doc();
        let tree = d.0.xml.as_ref().unwrap();
        XPath::compile(path, &ns())
            .unwrap()
            .select(tree, &d)
            .iter()
            .map(|s| {
                let el = &tree.elements[s.element];
                match s.attr {
                    Some(a) => d.0.fields[el.attrs[a].field].key.to_string(),
                    None => el.path.clone(),
                }
            })
            .collect()
    }

    #[test]
    fn child_descendant_position_and_attribute_steps() {
        assert_eq!(
            sel("/Request/Parents/Parent/Name"),
            [
                "/r:Request/Parents/Parent/Name",
                "/r:Request/Parents/Parent[2]/Name"
            ]
        );
        assert_eq!(
            sel("/Request/Parents/Parent[2]/Name"),
            ["/r:Request/Parents/Parent[2]/Name"]
        );
        assert_eq!(
            sel("/Request/Parents/Parent[1]/Name"),
            ["/r:Request/Parents/Parent/Name"]
        );
        assert!(sel("/Request/Parents/Parent[3]/Name").is_empty());
        assert_eq!(sel("//Name").len(), 4);
        assert_eq!(sel("//Deeper/Name"), ["/r:Request/Deep/Deeper/Name"]);
        assert_eq!(sel("/Request/Child/@id"), ["/r:Request/Child/@id"]);
        assert_eq!(sel("/Request/*/Name").len(), 1);
        assert!(sel("/Parents").is_empty());
    }

    #[test]
    fn value_predicates() {
        assert_eq!(
            sel("/Request/Parents/Parent[@role='father']/Name"),
            ["/r:Request/Parents/Parent[2]/Name"]
        );
        assert_eq!(
            sel("/Request/Parents/Parent[Rank=\"1\"]/Name"),
            ["/r:Request/Parents/Parent/Name"]
        );
        assert_eq!(sel("/Request/Parents/Parent[@role]").len(), 2);
        assert!(sel("/Request/Parents/Parent[@role='aunt']").is_empty());
    }

    #[test]
    fn prefixes_are_the_mappings_not_the_documents() {
        assert_eq!(sel("/x:Request/x:Child/x:Name"), ["/r:Request/Child/Name"]);
        assert!(sel("/x:Request/ph:Child").is_empty());
        assert_eq!(
            sel("/x:Request/x:Child/ph:Photo/@ph:attached"),
            ["/r:Request/Child/p:Photo/@p:attached"]
        );
        assert_eq!(
            sel("/Request/Child/Photo/@attached"),
            ["/r:Request/Child/p:Photo/@attached"]
        );
    }

    /// The concrete path of the empty container `path` runs into in `xml`, if any.
    fn container(xml: &str, path: &str) -> Option<String> {
        let doc = crate::read::xml::read(
            xml.as_bytes(),
            &Limits::default(),
            &Deadline::after(Duration::from_secs(5)),
        )
        .unwrap();
        let tree = doc.xml.as_ref().unwrap();
        let p = XPath::compile(path, &ns()).unwrap();
        assert!(p.select(tree, &doc).is_empty(), "{path} selects nothing");
        p.empty_container(tree)
            .map(|i| tree.elements[i].path.clone())
    }

    #[test]
    fn an_empty_container_is_the_deepest_element_of_the_leading_plain_steps_when_it_holds_nothing()
    {
        const FORM: &str = r#"<Request>
          <Child><Name>Ann</Name></Child>
          <Professionals/>
          <Parents>
          </Parents>
          <Setting urn="1"/>
          <Note>text</Note>
          <Needs><Other/></Needs>
          <List/><List><Other/></List>
        </Request>"#;
        let c = |path: &str| container(FORM, path);
        for path in [
            "/Request/Professionals/Professional/Name",
            "/Request/Professionals/Professional/@name",
            "/Request/Professionals/Professional[2]/Name",
            "/Request/Professionals/Professional[@role='lead']",
            "/Request/Professionals//Name",
            "/Request/Professionals/*",
        ] {
            assert_eq!(c(path).as_deref(), Some("/Request/Professionals"), "{path}");
        }
        assert_eq!(
            c("/Request/Parents/Parent/Name").as_deref(),
            Some("/Request/Parents"),
            "white space is no content"
        );
        assert_eq!(
            c("/Request/Setting/Address").as_deref(),
            Some("/Request/Setting"),
            "attributes are no content"
        );
        // A container that holds something the path does not name is a changed form, as is a missing attribute on
        // an element that is there, or a container that is absent.
        assert_eq!(c("/Request/Needs/Need"), None, "a child element");
        assert_eq!(c("/Request/Note/Sub"), None, "text");
        assert_eq!(c("/Request/Setting/@name"), None, "an attribute step");
        assert_eq!(c("/Request/Missing/Thing"), None, "absent");
        assert_eq!(c("/Request/List/Item"), None, "one of two is not empty");
        // `//` and `*` are no plain child steps, and the root is no container.
        assert_eq!(c("//Professionals/Professional"), None);
        assert_eq!(c("/Request/*/Professional"), None);
        assert_eq!(c("/Request//Professionals/Professional"), None);
        assert_eq!(
            container("<Request/>", "/Request/Professionals/Professional"),
            None
        );
        assert_eq!(
            container("<Request><Child/></Request>", "/Request/Child/Name").as_deref(),
            Some("/Request/Child")
        );
        assert_eq!(
            container("<Request><Child/></Request>", "/Request/Child/@id"),
            None
        );
    }

    #[test]
    fn empty_containers_are_found_by_namespace_uri() {
        let c = |path: &str| container(DOC, path);
        assert_eq!(
            c("/x:Request/x:Child/ph:Photo/ph:Caption").as_deref(),
            Some("/r:Request/Child/p:Photo")
        );
        assert_eq!(
            c("/x:Request/x:Child/x:Photo/x:Caption"),
            None,
            "Photo is in another namespace: Child, which holds it, is not empty"
        );
    }

    #[test]
    fn compile_errors_say_what_and_where() {
        let e = XPath::compile("/a/zz:b", &ns()).unwrap_err();
        assert_eq!(e.offset, Some(3), "the prefix");
        let e = e.message;
        assert!(
            e.contains("unknown namespace prefix `zz`") && e.contains("character 4"),
            "{e}"
        );
        assert!(
            XPath::compile("a/b", &[])
                .unwrap_err()
                .message
                .contains("must start with `/`")
        );
        assert!(
            XPath::compile("/a[0]", &[])
                .unwrap_err()
                .message
                .contains("count from 1")
        );
        assert!(
            XPath::compile("/a[@b='c]", &[])
                .unwrap_err()
                .message
                .contains("unterminated")
        );
        assert!(
            XPath::compile("/a/@b/c", &[])
                .unwrap_err()
                .message
                .contains("last step")
        );
        assert!(
            XPath::compile("/a/", &[])
                .unwrap_err()
                .message
                .contains("name")
        );
        assert!(
            XPath::compile("/a[b]", &[])
                .unwrap_err()
                .message
                .contains("expected `=`")
        );
        let at = |p: &str| XPath::compile(p, &[]).unwrap_err().offset;
        assert_eq!(at("a/b"), Some(0));
        assert_eq!(at("/a[0]"), Some(3));
        assert_eq!(at("/a[b]"), Some(4), "where `=` should be");
        assert_eq!(at("/a/"), Some(3), "the end");
        assert_eq!(at("/a/@b/c"), Some(5));
        assert_eq!(at("/@b"), None, "no element step: the whole path");
        assert_eq!(
            XPath::compile("//a[2]/@x", &[]).unwrap().as_str(),
            "//a[2]/@x"
        );
    }
}
