//! The pages of fillable PDFs, remembered: every copy of one blank form has the same pages (the answers live in the
//! fields and their widgets, not in the pages' content), so each page's text is walked once per thread, not once a
//! document. (Page 1 first: its heading is what `contains` matches; then every page that shows a widget, for the
//! widgets' printed labels.)

use std::cell::RefCell;
use std::collections::{BTreeMap, HashSet};
use std::rc::Rc;

use lopdf::{Dictionary, Document, Object, ObjectId};

use super::{Deadline, Limits, PageText, ReadFailure, TextBudget, page_box, page_text};

/// Distinct pages each thread remembers (most recently used first: a few forms of a few pages each), and the most
/// text one may hold (a form's page holds a few KB; memory stays flat whatever the documents).
const FIRST_PAGES_KEPT: usize = 64;
const FIRST_PAGE_MAX_TEXT: usize = 64 << 10;
const FIRST_PAGE_MAX_LINES: usize = 2048;
/// A first page whose inputs hold more objects or stream/string bytes than this is not fingerprinted: its text is
/// read afresh every time (the walk, not the fingerprint, stays the worst case).
const FINGERPRINT_MAX_OBJECTS: usize = 20_000;
const FINGERPRINT_MAX_BYTES: usize = 16 << 20;
const FINGERPRINT_MAX_DEPTH: usize = 128;
const FINGERPRINT_BUFFER: usize = 16 << 10;

/// A first page's text as [`page_text`] returned it, and the bytes it took from the text budget.
struct Remembered {
    text: PageText,
    taken: usize,
}

thread_local! {
    /// Fingerprint -> text of the first pages this thread read last.
    static FIRST_PAGES: RefCell<Vec<([u8; 32], Rc<Remembered>)>> = const { RefCell::new(Vec::new()) };
}

/// The text of the given pages of a fillable PDF, in page order. Every copy of one blank form has the same pages
/// (the answers live in the fields and their widgets, not in the pages' content), so each page's text is
/// remembered per thread under a fingerprint of everything [`page_text`] reads for it: the objects reachable from the page's `/Contents` and from its
/// (inherited) `/Resources`, object ids included (form XObject cycles are guarded by id), the page box and the
/// stream-size limit. Only successful walks are remembered, and a remembered text is charged to the text budget
/// again, so `max_text_bytes`, the stream-size limit and every failure reason behave as with a fresh walk.
pub(super) fn text(
    doc: &Document,
    pages: &BTreeMap<u32, ObjectId>,
    limits: &Limits,
    deadline: &Deadline,
    budget: &mut TextBudget,
) -> Result<PageText, ReadFailure> {
    let mut all = PageText {
        lines: Vec::new(),
        phrases: Vec::new(),
        notes: Vec::new(),
        image_pages: 0,
    };
    for (&number, &page_id) in pages {
        let one = page(doc, number, page_id, limits, deadline, budget)?;
        all.lines.extend(one.lines);
        all.phrases.extend(one.phrases);
        all.notes.extend(one.notes);
        all.image_pages = all.image_pages.saturating_add(one.image_pages);
    }
    Ok(all)
}

/// One page's text (with its phrases), remembered as [`text`] says.
fn page(
    doc: &Document,
    number: u32,
    page_id: ObjectId,
    limits: &Limits,
    deadline: &Deadline,
    budget: &mut TextBudget,
) -> Result<PageText, ReadFailure> {
    let first = BTreeMap::from([(number, page_id)]);
    let Some(key) = fingerprint(doc, number, page_id, limits.max_pdf_stream_bytes) else {
        return page_text(doc, &first, limits, deadline, budget, true);
    };
    deadline.check()?;
    let hit = FIRST_PAGES.with(|cell| {
        let mut kept = cell.borrow_mut();
        let at = kept.iter().position(|(k, _)| *k == key)?;
        kept.get_mut(..=at)?.rotate_right(1);
        kept.first().map(|(_, r)| Rc::clone(r))
    });
    if let Some(hit) = hit {
        budget.take(hit.taken)?;
        return Ok(hit.text.clone());
    }
    let before = budget.used;
    let text = page_text(doc, &first, limits, deadline, budget, true)?;
    let taken = budget.used.saturating_sub(before);
    if taken > FIRST_PAGE_MAX_TEXT || text.lines.len() > FIRST_PAGE_MAX_LINES {
        return Ok(text);
    }
    let remembered = Rc::new(Remembered {
        text: text.clone(),
        taken,
    });
    FIRST_PAGES.with(|cell| {
        let mut kept = cell.borrow_mut();
        kept.truncate(FIRST_PAGES_KEPT.saturating_sub(1));
        kept.insert(0, (key, remembered));
    });
    Ok(text)
}

/// A blake3 digest of what a page's text depends on (see [`text`]); `None` when there is too much of it.
fn fingerprint(doc: &Document, number: u32, page_id: ObjectId, limit: usize) -> Option<[u8; 32]> {
    let page = doc.get_dictionary(page_id).ok()?;
    let (top, left) = page_box(doc, page_id);
    let mut fp = Fingerprint {
        hasher: blake3::Hasher::new(),
        buf: Vec::with_capacity(FINGERPRINT_BUFFER),
        seen: HashSet::new(),
        queue: Vec::new(),
        objects: 0,
        bytes: 0,
    };
    fp.put(&number.to_le_bytes());
    fp.count(limit);
    fp.put(&top.to_bits().to_le_bytes());
    fp.put(&left.to_bits().to_le_bytes());
    match page.get(b"Contents") {
        Ok(contents) => {
            fp.put(&[1]);
            fp.object(contents, 0)?;
        }
        Err(_) => fp.put(&[0]),
    }
    match doc.get_page_resources(page_id) {
        Ok((own, inherited)) => {
            fp.put(&[1]);
            match own {
                Some(d) => {
                    fp.put(&[1]);
                    fp.dictionary(d, 0)?;
                }
                None => fp.put(&[0]),
            }
            fp.count(inherited.len());
            for id in inherited {
                fp.reference(id);
            }
        }
        Err(_) => fp.put(&[0]),
    }
    while let Some(id) = fp.queue.pop() {
        fp.id(id);
        match doc.objects.get(&id) {
            Some(o) => {
                fp.put(&[1]);
                fp.object(o, 0)?;
            }
            None => fp.put(&[0]),
        }
    }
    fp.flush();
    Some(*fp.hasher.finalize().as_bytes())
}

/// An injective serialisation of an object graph into a hasher: every value tagged, every length written,
/// references by id with each referenced object written once.
struct Fingerprint {
    hasher: blake3::Hasher,
    /// Small writes gathered before hashing (one `update` per write costs more than the write).
    buf: Vec<u8>,
    seen: HashSet<ObjectId>,
    queue: Vec<ObjectId>,
    objects: usize,
    bytes: usize,
}

impl Fingerprint {
    fn put(&mut self, b: &[u8]) {
        if self.buf.len().saturating_add(b.len()) > FINGERPRINT_BUFFER {
            self.flush();
        }
        if b.len() > FINGERPRINT_BUFFER {
            self.hasher.update(b);
        } else {
            self.buf.extend_from_slice(b);
        }
    }

    fn flush(&mut self) {
        self.hasher.update(&self.buf);
        self.buf.clear();
    }

    fn count(&mut self, n: usize) {
        self.put(&(n as u64).to_le_bytes());
    }

    fn id(&mut self, (number, generation): ObjectId) {
        self.put(&number.to_le_bytes());
        self.put(&generation.to_le_bytes());
    }

    fn bytes(&mut self, b: &[u8]) -> Option<()> {
        self.bytes = self.bytes.saturating_add(b.len());
        if self.bytes > FINGERPRINT_MAX_BYTES {
            return None;
        }
        self.count(b.len());
        self.put(b);
        Some(())
    }

    fn reference(&mut self, id: ObjectId) {
        self.put(b"R");
        self.id(id);
        if self.seen.insert(id) {
            self.queue.push(id);
        }
    }

    fn object(&mut self, o: &Object, depth: usize) -> Option<()> {
        self.objects = self.objects.saturating_add(1);
        if self.objects > FINGERPRINT_MAX_OBJECTS || depth > FINGERPRINT_MAX_DEPTH {
            return None;
        }
        match o {
            Object::Null => {
                self.put(b"n");
            }
            Object::Boolean(b) => {
                self.put(if *b { b"t" } else { b"f" });
            }
            Object::Integer(i) => {
                self.put(b"i");
                self.put(&i.to_le_bytes());
            }
            Object::Real(r) => {
                self.put(b"r");
                self.put(&r.to_bits().to_le_bytes());
            }
            Object::Name(n) => {
                self.put(b"/");
                self.bytes(n)?;
            }
            Object::String(s, format) => {
                self.put(match format {
                    lopdf::StringFormat::Literal => b"(",
                    lopdf::StringFormat::Hexadecimal => b"<",
                });
                self.bytes(s)?;
            }
            Object::Array(items) => {
                self.put(b"[");
                self.count(items.len());
                for item in items {
                    self.object(item, depth.saturating_add(1))?;
                }
            }
            Object::Dictionary(d) => self.dictionary(d, depth)?,
            Object::Stream(s) => {
                self.put(b"s");
                self.dictionary(&s.dict, depth)?;
                self.bytes(&s.content)?;
            }
            Object::Reference(id) => self.reference(*id),
        }
        Some(())
    }

    fn dictionary(&mut self, d: &Dictionary, depth: usize) -> Option<()> {
        self.put(b"d");
        self.count(d.len());
        for (k, v) in d.iter() {
            self.bytes(k)?;
            self.object(v, depth.saturating_add(1))?;
        }
        Some(())
    }
}
