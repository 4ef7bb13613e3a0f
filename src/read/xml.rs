//! The XML reader, on quick-xml's streaming `NsReader`: LA case-management exports, XML forms and CTF files.
//!
//! **Keys.** Every element with text and every attribute becomes a [`SourceField`] keyed by its concrete path,
//! written with the qualified names *as the document writes them* (so provenance reads like the file):
//! `/Request/Parents/Parent[2]/Name`, `/Request/Child/@id`, `/urn:IE815/urn:Header/urn1:MessageSender`. A step
//! carries `[n]` only on the 2nd and later sibling of the same expanded name (namespace URI + local name), so
//! the first of a kind reads `/Request/Parents/Parent/Name` and a form without repeats has no indexes at all;
//! this is also exactly what the XPath subset (`crate::xpath`) selects, because `Parent` means every `Parent` and
//! `Parent[1]` the first. Prefixes in keys are only for people: matching is done on namespace URIs through the
//! [`XmlTree`] kept beside the fields, so a mapping's own `[form.namespaces]` prefixes work whatever prefix (or
//! default namespace) a document uses.
//!
//! **Text.** Text, CDATA and character/predefined entity references are accumulated and trimmed once at the end
//! tag (never per fragment: that corrupts `O'Neil &amp; Sons`). An element's value is its whole text content
//! (descendants included) when it has text of its own (a leaf, or mixed content such as `a <b>b</b> c`);
//! elements holding only child elements and white space have no value.
//!
//! **Encodings.** The bytes are decoded here, then parsed as UTF-8 (quick-xml's own decoding is unreliable for
//! 8-bit encodings, see `shared/reference/crates.md` 2c): a BOM wins; then the `<?x` byte pattern (UTF-16
//! LE/BE without BOM; EBCDIC and UTF-32 are refused as unsupported); then the declared encoding (windows-1252,
//! ISO-8859-1, ...) through encoding_rs. Undecodable bytes are an error, never replacement characters, except
//! that a file with *no* declared encoding that is not UTF-8 is read as windows-1252 with a note.
//!
//! **Hostile XML.** The DTD is never processed: a DOCTYPE that declares entities is refused outright (billion
//! laughs, quadratic blow-up and external entities alike: nothing is expanded, nothing is fetched), and a
//! reference to any entity other than the five predefined ones and character references is refused. Nesting
//! is capped by `max_xml_depth`, the number of elements and attributes by `max_cells`, text and paths by
//! `max_text_bytes`, time by the [`Deadline`]. Failure reasons name elements, entities and limits, never text.

use std::collections::HashMap;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

use super::{
    Deadline, FailureKind, FieldKey, Limits, RawValue, ReadFailure, SourceDoc, SourceField,
};

/// The element structure of an XML document, for evaluating paths. Elements are in document order, so a
/// parent always comes before its children and an element's descendants are `index + 1 .. end`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct XmlTree {
    /// Namespace URIs, interned; elements and attributes refer to them by index.
    pub uris: Vec<String>,
    /// Every element, in document order.
    pub elements: Vec<XmlElement>,
}

/// One element.
#[derive(Debug, Clone, PartialEq)]
pub struct XmlElement {
    /// The parent's index; `None` for the root.
    pub parent: Option<u32>,
    /// One past the index of the last descendant.
    pub end: u32,
    /// Namespace URI (index into [`XmlTree::uris`]); `None` when unqualified.
    pub ns: Option<u32>,
    /// Local name.
    pub local: String,
    /// The concrete path (the key of its field): `/Request/Parents/Parent[2]`.
    pub path: String,
    /// Index into [`SourceDoc::fields`] of its text, when it has any.
    pub text: Option<usize>,
    /// Its attributes (namespace declarations excluded).
    pub attrs: Vec<XmlAttr>,
}

/// One attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct XmlAttr {
    /// Namespace URI index; `None` for unprefixed attributes (which are in no namespace).
    pub ns: Option<u32>,
    /// Local name.
    pub local: String,
    /// Index into [`SourceDoc::fields`].
    pub field: usize,
}

impl XmlTree {
    /// The URI of an interned namespace index.
    pub fn uri(&self, ns: Option<u32>) -> Option<&str> {
        ns.and_then(|i| self.uris.get(i as usize))
            .map(String::as_str)
    }
}

/// An open element while streaming.
struct Frame {
    index: u32,
    /// Where its text starts in the shared accumulator.
    text_start: usize,
    /// Non-white-space text directly inside it (not only in children).
    own_text: bool,
    /// Opened after text inside its parent: in a data-centric form that is damaged text read as a tag
    /// (`Amelia <Hart>`), so its name is never shown in a reason.
    suspect: bool,
    /// Occurrences of each child's expanded name so far, for positional indexes.
    seen: HashMap<(Option<u32>, String), u32>,
}

/// Reads an XML document.
pub fn read(bytes: &[u8], limits: &Limits, deadline: &Deadline) -> Result<SourceDoc, ReadFailure> {
    let (text, note) = decode(bytes)?;
    let mut doc = SourceDoc::default();
    doc.notes.extend(note);
    let mut tree = XmlTree::default();
    let mut reader = NsReader::from_str(&text);
    reader.config_mut().expand_empty_elements = true;
    let mut stack: Vec<Frame> = Vec::new();
    let mut acc = String::new();
    let mut budget = Budget::new(limits);
    let mut events: u32 = 0;
    let mut root_closed = false;
    loop {
        events = events.wrapping_add(1);
        if events.is_multiple_of(1024) {
            deadline.check()?;
        }
        let (ns, event) = match reader.read_resolved_event() {
            Ok((ResolveResult::Bound(n), event)) => (Some(n.as_ref().to_string()), event),
            Ok((_, event)) => (None, event),
            Err(e) => {
                let at = reader.error_position();
                return Err(malformed(&e, at, safe_path(&stack, &tree, &e)));
            }
        };
        match event {
            Event::Start(e) => {
                if root_closed {
                    return Err(ReadFailure::corrupt(format!(
                        "malformed XML: a second root element after the first one closed (at byte {})",
                        reader.buffer_position()
                    )));
                }
                if stack.len() >= limits.max_xml_depth {
                    return Err(ReadFailure::too_large(format!(
                        "elements nested deeper than {} levels (limit max_xml_depth)",
                        limits.max_xml_depth
                    )));
                }
                let index = u32::try_from(tree.elements.len())
                    .map_err(|_| ReadFailure::too_large("too many elements"))?;
                budget.count(1)?;
                let ns = ns.map(|u| intern(&mut tree.uris, u));
                let qname = e.name().as_ref().to_string();
                let local = e.local_name().as_ref().to_string();
                let (parent_index, parent_path, nth) = match stack.last_mut() {
                    Some(p) => {
                        let n = p.seen.entry((ns, local.clone())).or_insert(0);
                        *n = n.saturating_add(1);
                        let path = tree
                            .elements
                            .get(p.index as usize)
                            .map_or(String::new(), |el| el.path.clone());
                        (Some(p.index), path, *n)
                    }
                    None => (None, String::new(), 1),
                };
                let path = if nth > 1 {
                    format!("{parent_path}/{qname}[{nth}]")
                } else {
                    format!("{parent_path}/{qname}")
                };
                budget.text(path.len())?;
                if parent_index.is_none() {
                    doc.root = Some(local.clone());
                    doc.namespace = tree.uri(ns).map(str::to_string);
                }
                let mut attrs = Vec::new();
                for a in e.attributes() {
                    let a = a.map_err(|_| {
                        ReadFailure::corrupt(format!(
                            "malformed XML: a malformed attribute in a start tag ending at byte {}, {}",
                            reader.buffer_position(),
                            inside(&stack, &tree, None)
                        ))
                    })?;
                    if a.key.as_namespace_binding().is_some() {
                        continue;
                    }
                    let value = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(|err| {
                            entity_failure(&err, reader.buffer_position(), &stack, &tree)
                        })?;
                    let (ans, alocal) = reader.resolver().resolve_attribute(a.key);
                    let ans = match ans {
                        ResolveResult::Bound(n) => {
                            Some(intern(&mut tree.uris, n.as_ref().to_string()))
                        }
                        _ => None,
                    };
                    budget.count(1)?;
                    let key = format!("{path}/@{}", a.key.as_ref());
                    budget.text(key.len().saturating_add(value.len()))?;
                    attrs.push(XmlAttr {
                        ns: ans,
                        local: alocal.as_ref().to_string(),
                        field: doc.fields.len(),
                    });
                    doc.fields.push(SourceField {
                        key: FieldKey::Path(key),
                        label: None,
                        value: RawValue::Text(value.into_owned()),
                        pos: None,
                    });
                }
                tree.elements.push(XmlElement {
                    parent: parent_index,
                    end: index.saturating_add(1),
                    ns,
                    local,
                    path,
                    text: None,
                    attrs,
                });
                let suspect = stack.last().is_some_and(|p| p.own_text || p.suspect);
                stack.push(Frame {
                    index,
                    text_start: acc.len(),
                    own_text: false,
                    suspect,
                    seen: HashMap::new(),
                });
            }
            Event::End(_) => {
                let Some(frame) = stack.pop() else {
                    return Err(ReadFailure::corrupt("malformed XML: unexpected end tag"));
                };
                let end = u32::try_from(tree.elements.len()).unwrap_or(u32::MAX);
                let text = acc.get(frame.text_start..).map(str::trim).unwrap_or("");
                let field = if frame.own_text && !text.is_empty() {
                    budget.text(text.len())?;
                    let el = tree.elements.get(frame.index as usize);
                    doc.fields.push(SourceField {
                        key: FieldKey::Path(el.map_or(String::new(), |el| el.path.clone())),
                        label: None,
                        value: RawValue::Text(text.to_string()),
                        pos: None,
                    });
                    Some(doc.fields.len().saturating_sub(1))
                } else {
                    None
                };
                if let Some(el) = tree.elements.get_mut(frame.index as usize) {
                    el.end = end;
                    el.text = field;
                }
                if stack.is_empty() {
                    root_closed = true;
                    acc.clear();
                }
            }
            Event::Text(t) => {
                let t = t.xml10_content();
                push_text(&mut stack, &mut acc, &t, root_closed)?;
                budget.text(t.len())?;
            }
            Event::CData(t) => {
                let t = t.xml10_content();
                if let Some(f) = stack.last_mut() {
                    f.own_text = true;
                } else if !t.trim().is_empty() {
                    return Err(ReadFailure::corrupt(
                        "malformed XML: CDATA outside the root element",
                    ));
                }
                acc.push_str(&t);
                budget.text(t.len())?;
            }
            Event::GeneralRef(g) => {
                let resolved: String = match g.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => match resolve_predefined_entity(&g) {
                        Some(s) => s.to_string(),
                        None => {
                            return Err(ReadFailure::corrupt(format!(
                                "refused: an entity reference at byte {}, {}: only &lt; &gt; &amp; &apos; &quot; and character references are read",
                                reader.buffer_position(),
                                inside(&stack, &tree, None)
                            )));
                        }
                    },
                    Err(_) => {
                        return Err(ReadFailure::corrupt(format!(
                            "malformed XML: an invalid character reference near byte {}, {}",
                            reader.buffer_position(),
                            inside(&stack, &tree, None)
                        )));
                    }
                };
                push_text(&mut stack, &mut acc, &resolved, root_closed)?;
            }
            Event::DocType(d) => check_doctype(&d)?,
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::Empty(_) => {}
        }
    }
    if !stack.is_empty() {
        // Which of the open elements are real is unknown (damaged text reads as tags): only the count is shown.
        return Err(ReadFailure::corrupt(format!(
            "truncated XML: {} element(s) never closed (the text ends at byte {} of {})",
            stack.len(),
            reader.buffer_position(),
            text.len()
        )));
    }
    if tree.elements.is_empty() {
        return Err(ReadFailure::corrupt("not an XML document: no root element"));
    }
    doc.xml = Some(tree);
    Ok(doc)
}

/// Text between tags: inside an element it counts as the element's own text unless it is white space;
/// outside the root only white space is allowed.
fn push_text(
    stack: &mut [Frame],
    acc: &mut String,
    t: &str,
    root_closed: bool,
) -> Result<(), ReadFailure> {
    match stack.last_mut() {
        Some(f) => {
            if !t.trim().is_empty() {
                f.own_text = true;
            }
            acc.push_str(t);
            Ok(())
        }
        None if t.trim().is_empty() => Ok(()),
        None => Err(ReadFailure::corrupt(if root_closed {
            "malformed XML: text after the root element"
        } else {
            "malformed XML: text before the root element"
        })),
    }
}

/// Counts against the element/attribute and text limits.
struct Budget<'l> {
    limits: &'l Limits,
    nodes: usize,
    text: usize,
}

impl<'l> Budget<'l> {
    fn new(limits: &'l Limits) -> Budget<'l> {
        Budget {
            limits,
            nodes: 0,
            text: 0,
        }
    }

    fn count(&mut self, n: usize) -> Result<(), ReadFailure> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > self.limits.max_cells {
            return Err(ReadFailure::too_large(format!(
                "more than {} elements and attributes (limit max_cells)",
                self.limits.max_cells
            )));
        }
        Ok(())
    }

    fn text(&mut self, n: usize) -> Result<(), ReadFailure> {
        self.text = self.text.saturating_add(n);
        if self.text > self.limits.max_text_bytes {
            return Err(ReadFailure::too_large(format!(
                "text and element paths exceed {} bytes (limit max_text_bytes)",
                self.limits.max_text_bytes
            )));
        }
        Ok(())
    }
}

fn intern(uris: &mut Vec<String>, uri: String) -> u32 {
    let i = match uris.iter().position(|u| *u == uri) {
        Some(i) => i,
        None => {
            uris.push(uri);
            uris.len().saturating_sub(1)
        }
    };
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// A reason for quick-xml's error: the kind of damage, where, and the path of the elements around it that are
/// not in doubt. quick-xml's own message is never shown: it quotes tag, attribute and entity names.
fn malformed(e: &quick_xml::Error, pos: u64, inside: String) -> ReadFailure {
    ReadFailure::corrupt(format!(
        "malformed XML at byte {pos}: {}, {inside}",
        super::xml_damage(e)
    ))
}

/// The path of the innermost open element that is not in doubt, as "inside /a/b" ("before the root element"
/// when there is none). In doubt are elements opened after text in their parent (see [`Frame::suspect`]) and,
/// for an end tag that closes an outer element, every element it skipped.
fn inside(stack: &[Frame], tree: &XmlTree, closes: Option<&str>) -> String {
    let mut sure = stack.iter().position(|f| f.suspect).unwrap_or(stack.len());
    if let Some(local) = closes {
        let local = local.rsplit(':').next().unwrap_or(local);
        sure = stack
            .get(..sure)
            .and_then(|s| {
                s.iter().rposition(|f| {
                    tree.elements
                        .get(f.index as usize)
                        .is_some_and(|e| e.local == local)
                })
            })
            .map_or(0, |i| i.saturating_add(1));
    }
    sure.checked_sub(1)
        .and_then(|i| stack.get(i))
        .and_then(|f| tree.elements.get(f.index as usize))
        .map_or("before the root element".to_string(), |e| {
            format!("inside {}", e.path)
        })
}

/// [`inside`] for a reader error: a mismatched end tag names the element it closes.
fn safe_path(stack: &[Frame], tree: &XmlTree, e: &quick_xml::Error) -> String {
    match e {
        quick_xml::Error::IllFormed(quick_xml::errors::IllFormedError::MismatchedEndTag {
            found,
            ..
        }) => inside(stack, tree, Some(found)),
        _ => inside(stack, tree, None),
    }
}

/// Attribute values with an unknown entity are refused like text.
fn entity_failure(e: &quick_xml::Error, pos: u64, stack: &[Frame], tree: &XmlTree) -> ReadFailure {
    match e {
        quick_xml::Error::Escape(quick_xml::escape::EscapeError::UnrecognizedEntity(..)) => {
            ReadFailure::corrupt(format!(
                "refused: an entity reference in an attribute of a start tag ending at byte {pos}, {}",
                inside(stack, tree, None)
            ))
        }
        other => ReadFailure::corrupt(format!(
            "malformed XML: a bad attribute value ({}) in a start tag ending at byte {pos}, {}",
            super::xml_damage(other),
            inside(stack, tree, None)
        )),
    }
}

/// The internal DTD subset is never processed; declaring entities at all is refused (defusedxml's
/// `forbid_entities`), so neither internal expansion (billion laughs, quadratic blow-up) nor external entities
/// (XXE: files, URLs) can happen whatever a later stage might do.
pub(crate) fn check_doctype(d: &str) -> Result<(), ReadFailure> {
    let Some(at) = d.find("<!ENTITY") else {
        return Ok(());
    };
    let rest = d.get(at.saturating_add(8)..).unwrap_or("");
    let mut words = rest.split_whitespace();
    let parameter = words.next() == Some("%");
    if parameter {
        words.next();
    }
    let external = matches!(words.next(), Some("SYSTEM" | "PUBLIC"));
    let kind = match (parameter, external) {
        (true, _) => "a parameter entity",
        (false, true) => "an external entity",
        (false, false) => "an entity",
    };
    let what = if external {
        "nothing was fetched"
    } else {
        "nothing was expanded"
    };
    Err(ReadFailure::corrupt(format!(
        "refused: entity declarations are not allowed (the DOCTYPE declares {kind}; {what})"
    )))
}

/// Decodes the document to UTF-8 text; a note when the encoding had to be guessed.
pub(crate) fn decode(bytes: &[u8]) -> Result<(String, Option<String>), ReadFailure> {
    let unsupported = |what: &str| {
        ReadFailure::new(
            FailureKind::UnsupportedFormat,
            format!("unsupported encoding: {what}; save the file as UTF-8"),
        )
    };
    // UTF-32 BOMs first: FF FE 00 00 also starts like the UTF-16LE BOM.
    if bytes.starts_with(&[0, 0, 0xFE, 0xFF])
        || bytes.starts_with(&[0xFF, 0xFE, 0, 0])
        || bytes.starts_with(&[0, 0, 0, b'<'])
        || bytes.starts_with(&[b'<', 0, 0, 0])
    {
        return Err(unsupported("UTF-32"));
    }
    if bytes.starts_with(&[0x4C, 0x6F, 0xA7, 0x94]) {
        return Err(unsupported(
            "EBCDIC (the declaration `<?xm` is in EBCDIC bytes)",
        ));
    }
    let (enc, body) = if let Some((enc, bom)) = Encoding::for_bom(bytes) {
        (enc, bytes.get(bom..).unwrap_or(&[]))
    } else if bytes.starts_with(&[b'<', 0]) {
        (UTF_16LE, bytes)
    } else if bytes.starts_with(&[0, b'<']) {
        (UTF_16BE, bytes)
    } else {
        match declared_encoding(bytes) {
            Some(label) => match Encoding::for_label(label.as_bytes()) {
                // An 8-bit file that claims UTF-16 (no BOM, no zero bytes) is read as UTF-8.
                Some(e) if !e.is_ascii_compatible() => (UTF_8, bytes),
                Some(e) => (e, bytes),
                None => {
                    return Err(unsupported(
                        "the declared encoding is not one encoding_rs knows",
                    ));
                }
            },
            None => {
                return match UTF_8.decode_without_bom_handling_and_without_replacement(bytes) {
                    Some(s) => Ok((s.into_owned(), None)),
                    None => Ok((
                        WINDOWS_1252
                            .decode_without_bom_handling(bytes)
                            .0
                            .into_owned(),
                        Some(
                            "no encoding declared and not valid UTF-8: read as windows-1252".into(),
                        ),
                    )),
                };
            }
        }
    };
    match enc.decode_without_bom_handling_and_without_replacement(body) {
        Some(s) => Ok((s.into_owned(), None)),
        None => Err(ReadFailure::corrupt(format!(
            "not valid {} text (truncated or damaged bytes)",
            enc.name()
        ))),
    }
}

/// The `encoding` of an XML declaration at the very start of an ASCII-compatible document.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = bytes.get(..bytes.len().min(1024)).unwrap_or(bytes);
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let decl = head.get(start..)?;
    if !decl.starts_with(b"<?xml") {
        return None;
    }
    let end = decl.iter().position(|&b| b == b'>')?;
    let decl = std::str::from_utf8(decl.get(..end)?).ok()?;
    let at = decl.find("encoding")?;
    let rest = decl.get(at.saturating_add(8)..)?.trim_start();
    let rest = rest.strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let rest = rest.get(1..)?;
    let close = rest.find(quote)?;
    Some(rest.get(..close)?.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn read_str(s: &str) -> Result<SourceDoc, ReadFailure> {
        read_bytes(s.as_bytes())
    }

    fn read_bytes(b: &[u8]) -> Result<SourceDoc, ReadFailure> {
        read(
            b,
            &Limits::default(),
            &Deadline::after(Duration::from_secs(10)),
        )
    }

    fn fields(doc: &SourceDoc) -> Vec<(String, String)> {
        doc.fields
            .iter()
            .map(|f| (f.key.to_string(), f.value.to_text()))
            .collect()
    }

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn paths_indexes_and_attributes() {
        let doc = read_str(
            "<?xml version='1.0'?>\n<Request><Child id='c1'><Name> Ann  Lee </Name></Child>\
             <Parents><Parent role='mother'><Name>Mo</Name></Parent><Parent><Name>Pa</Name></Parent>\
             <Parent/></Parents></Request>",
        )
        .unwrap();
        assert_eq!(
            fields(&doc),
            pairs(&[
                ("/Request/Child/@id", "c1"),
                ("/Request/Child/Name", "Ann  Lee"),
                ("/Request/Parents/Parent/@role", "mother"),
                ("/Request/Parents/Parent/Name", "Mo"),
                ("/Request/Parents/Parent[2]/Name", "Pa"),
            ])
        );
        let tree = doc.xml.as_ref().unwrap();
        assert_eq!(tree.elements.len(), 9);
        assert_eq!(tree.elements[0].end, 9);
        assert_eq!(tree.elements[8].path, "/Request/Parents/Parent[3]");
        assert_eq!(doc.root.as_deref(), Some("Request"));
        assert_eq!(doc.namespace, None);
    }

    #[test]
    fn namespaces_resolve_to_uris_and_keys_keep_the_documents_prefixes() {
        let doc = read_str(
            r#"<r:Request xmlns:r="urn:a" xmlns="urn:b"><Child r:id="1" plain="2"><x:N xmlns:x="urn:a">v</x:N></Child></r:Request>"#,
        )
        .unwrap();
        assert_eq!(doc.root.as_deref(), Some("Request"));
        assert_eq!(doc.namespace.as_deref(), Some("urn:a"));
        assert_eq!(
            fields(&doc),
            pairs(&[
                ("/r:Request/Child/@r:id", "1"),
                ("/r:Request/Child/@plain", "2"),
                ("/r:Request/Child/x:N", "v"),
            ])
        );
        let t = doc.xml.unwrap();
        assert_eq!(t.uri(t.elements[1].ns), Some("urn:b"));
        assert_eq!(t.uri(t.elements[2].ns), Some("urn:a"));
        assert_eq!(t.uri(t.elements[1].attrs[0].ns), Some("urn:a"));
        assert_eq!(t.elements[1].attrs[1].ns, None);
    }

    #[test]
    fn cdata_entities_and_mixed_content_are_trimmed_once() {
        let doc = read_str(
            "<a><n>  O'Neil &amp; Sons &#233; </n><c><![CDATA[abc]]><![CDATA[def]]><![CDATA[<b>ghi</b>]]></c>\
             <m>He has <b>severe</b> dyslexia</m><box>\n  <i>x</i>\n</box></a>",
        )
        .unwrap();
        assert_eq!(
            fields(&doc),
            pairs(&[
                ("/a/n", "O'Neil & Sons é"),
                ("/a/c", "abcdef<b>ghi</b>"),
                ("/a/m/b", "severe"),
                ("/a/m", "He has severe dyslexia"),
                ("/a/box/i", "x"),
            ])
        );
    }

    #[test]
    fn encodings() {
        let utf16le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(
                "<?xml version='1.0' encoding='UTF-16'?><a>é</a>"
                    .encode_utf16()
                    .flat_map(u16::to_le_bytes),
            )
            .collect();
        assert_eq!(
            fields(&read_bytes(&utf16le).unwrap()),
            pairs(&[("/a", "é")])
        );
        let be_no_bom: Vec<u8> = "<?xml version='1.0'?><a>ü</a>"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(
            fields(&read_bytes(&be_no_bom).unwrap()),
            pairs(&[("/a", "ü")])
        );
        let le_no_bom: Vec<u8> = "<a>ü</a>"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(
            fields(&read_bytes(&le_no_bom).unwrap()),
            pairs(&[("/a", "ü")])
        );
        let bom8 = b"\xEF\xBB\xBF<a>caf\xC3\xA9</a>";
        assert_eq!(fields(&read_bytes(bom8).unwrap()), pairs(&[("/a", "café")]));
        let cp1252 = b"<?xml version=\"1.0\" encoding=\"windows-1252\"?><a>Zo\xEB \x80</a>";
        assert_eq!(
            fields(&read_bytes(cp1252).unwrap()),
            pairs(&[("/a", "Zoë €")])
        );
        let latin1 = b"<?xml version='1.0' encoding='ISO-8859-1'?><a>caf\xE9</a>";
        assert_eq!(
            fields(&read_bytes(latin1).unwrap()),
            pairs(&[("/a", "café")])
        );
        let undeclared = b"<a>caf\xE9</a>";
        let doc = read_bytes(undeclared).unwrap();
        assert_eq!(fields(&doc), pairs(&[("/a", "café")]));
        assert!(doc.notes[0].contains("windows-1252"));
        let ebcdic = [0x4C, 0x6F, 0xA7, 0x94, 0x93, 0x40];
        let e = read_bytes(&ebcdic).unwrap_err();
        assert_eq!(e.kind, FailureKind::UnsupportedFormat);
        assert!(
            e.reason.contains("unsupported encoding: EBCDIC"),
            "{}",
            e.reason
        );
        let e = read_str("<?xml version='1.0' encoding='IBM037'?><a/>").unwrap_err();
        assert!(
            e.reason
                .contains("unsupported encoding: the declared encoding is not one")
                && !e.reason.contains("IBM037"),
            "{}",
            e.reason
        );
        let truncated = [0xFF, 0xFE, 0x3C, 0, 0x64, 0, 0x2F, 0, 0x3E, 0, 0x61];
        let e = read_bytes(&truncated).unwrap_err();
        assert_eq!(e.kind, FailureKind::Corrupt);
        assert!(e.reason.contains("not valid UTF-16LE"), "{}", e.reason);
    }

    #[test]
    fn billion_laughs_is_refused_unexpanded() {
        let mut s = String::from("<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n");
        for i in 1..=9 {
            let prev = if i == 1 {
                "lol".to_string()
            } else {
                format!("lol{}", i - 1)
            };
            s.push_str(&format!(
                "<!ENTITY lol{i} \"{}\">\n",
                format!("&{prev};").repeat(10)
            ));
        }
        s.push_str("]>\n<lolz>&lol9;</lolz>");
        let e = read_str(&s).unwrap_err();
        assert_eq!(e.kind, FailureKind::Corrupt);
        assert!(
            e.reason
                .contains("entity declarations are not allowed (the DOCTYPE declares an entity;")
                && !e.reason.contains("lol"),
            "{}",
            e.reason
        );
    }

    #[test]
    fn external_entities_are_refused_unfetched() {
        let e = read_str("<!DOCTYPE r [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><r>&xxe;</r>")
            .unwrap_err();
        assert!(
            e.reason.contains("declares an external entity"),
            "{}",
            e.reason
        );
        assert!(e.reason.contains("nothing was fetched"));
        assert!(!e.reason.contains("passwd"));
        let e = read_str("<!DOCTYPE r [<!ENTITY % p SYSTEM \"http://x/\"> %p;]><r/>").unwrap_err();
        assert!(
            e.reason.contains("declares a parameter entity"),
            "{}",
            e.reason
        );
    }

    #[test]
    fn undeclared_entities_are_refused() {
        let e = read_str("<r><s>&nbsp;</s></r>").unwrap_err();
        assert_eq!(
            e.reason,
            "refused: an entity reference at byte 12, inside /r/s: only &lt; &gt; &amp; &apos; &quot; and character references are read"
        );
        let e = read_str("<r a='&foo;'/>").unwrap_err();
        assert_eq!(
            e.reason,
            "refused: an entity reference in an attribute of a start tag ending at byte 14, before the root element"
        );
        // A DOCTYPE without entity declarations (an external DTD is never read) is fine.
        let doc = read_str("<!DOCTYPE r SYSTEM \"file:///etc/passwd\"><r>x</r>").unwrap();
        assert_eq!(fields(&doc), pairs(&[("/r", "x")]));
    }

    #[test]
    fn damaged_text_never_reaches_a_reason() {
        let cases = [
            "<Form><Child><ChildFirstName>Amelia <Hart </ChildFirstName></Child></Form>",
            "<Form><Child><ChildFirstName>Amelia <Hart> x</ChildFirstName></Child></Form>",
            "<Form><Child><ChildFirstName><Hart></ChildFirstName></Child></Form>",
            "<Form><Child><ChildFirstName>Amelia <Hart><Jones x=1/></ChildFirstName></Child></Form>",
            "<Form><Child><ChildFirstName>Amelia <Hart>",
            "<Form><Child><ChildFirstName>Amelia &Hart;</ChildFirstName></Child></Form>",
            "<Form><Child Name='&Hart;'/></Form>",
            "<Form><Child Name='Amelia' Name='Hart'/></Form>",
            "<Form/><Hart/>",
            "<Form><Child>&#xHart;</Child></Form>",
            "<!DOCTYPE Form [<!ENTITY Hart 'x'>]><Form/>",
            "<?xml version='1.0' encoding='Hart'?><Form/>",
        ];
        for case in cases {
            let e = read_str(case).unwrap_err();
            assert!(
                !e.reason.contains("Hart") && !e.reason.contains("Amelia"),
                "{case}: {}",
                e.reason
            );
        }
        let e = read_str(cases[0]).unwrap_err();
        assert_eq!(
            e.reason,
            "malformed XML: a malformed attribute in a start tag ending at byte 59, inside /Form/Child/ChildFirstName"
        );
        let e = read_str(cases[2]).unwrap_err();
        assert!(
            e.reason.contains(
                "an end tag that does not match its start tag, inside /Form/Child/ChildFirstName"
            ),
            "{}",
            e.reason
        );
    }

    #[test]
    fn deep_nesting_hits_the_depth_limit() {
        let s = format!("{}{}", "<a>".repeat(100_000), "</a>".repeat(100_000));
        let e = read_str(&s).unwrap_err();
        assert_eq!(e.kind, FailureKind::TooLarge);
        assert!(
            e.reason
                .contains("deeper than 256 levels (limit max_xml_depth)"),
            "{}",
            e.reason
        );
        assert!(read_str(&format!("{}{}", "<a>".repeat(256), "</a>".repeat(256))).is_ok());
    }

    #[test]
    fn node_and_text_limits() {
        let limits = Limits {
            max_cells: 10,
            ..Limits::default()
        };
        let s = format!("<r>{}</r>", "<x/>".repeat(20));
        let e = read(
            s.as_bytes(),
            &limits,
            &Deadline::after(Duration::from_secs(5)),
        )
        .unwrap_err();
        assert!(e.reason.contains("limit max_cells"), "{}", e.reason);
        let limits = Limits {
            max_text_bytes: 100,
            ..Limits::default()
        };
        let s = format!("<r>{}</r>", "y".repeat(200));
        let e = read(
            s.as_bytes(),
            &limits,
            &Deadline::after(Duration::from_secs(5)),
        )
        .unwrap_err();
        assert!(e.reason.contains("limit max_text_bytes"), "{}", e.reason);
    }

    #[test]
    fn malformed_documents_are_corrupt_with_position() {
        let e = read_str("<a><b></a>").unwrap_err();
        assert_eq!(e.kind, FailureKind::Corrupt);
        // `</a>` closes `a`, so `b` is in doubt and not named.
        assert_eq!(
            e.reason,
            "malformed XML at byte 6: an end tag that does not match its start tag, inside /a"
        );
        let e = read_str("<a><b>secret").unwrap_err();
        assert_eq!(e.kind, FailureKind::Corrupt);
        assert!(!e.reason.contains("secret"), "{}", e.reason);
        let e = read_str("<a/><b/>").unwrap_err();
        assert!(e.reason.contains("second root"), "{}", e.reason);
        assert!(read_str("   ").is_err());
    }
}
