//! Writes the PDF fixtures: two fictional LAs' fillable forms (Southport 954: a LiveCycle-style AcroForm with
//! hierarchical `form1[0].Section1[0]...` names, tooltips, a check box, a radio group and a combo box; Kingsmere
//! 955: flat field names, numbered parent and professional slots), flattened "print view" copies of two Kingsmere
//! forms (no AcroForm at all: the answers are page text, read by `mappings/956-kingsmere-flat.toml`), an encrypted
//! copy of one Southport form (RC4 128-bit, empty user password), and the records expected from them
//! (`fixtures/expected/pdf.json`), computed here from the values written.
//!
//! Built with lopdf's object API, Helvetica with WinAnsiEncoding. Deterministic: a fixed `/ID` per file, no
//! dates, and the arbitrary padding of the encryption dictionary's `/U` zeroed.
//!
//! Run from the repository root: `cargo run --example gen_pdf_fixtures`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "a fixture generator or measuring tool: a failure should stop it loudly, where the library must return an error"
)]

use std::path::Path;

use harmonise::template::{Statutory, Template};
use harmonise::validate;
use lopdf::{Dictionary, Document, Object, ObjectId, Stream, dictionary, text_string};
use serde_json::{Map, Value, json};

// ---- expectations (as in gen_xml_fixtures) ----

/// What a field should come out as.
enum Exp {
    Ok(Value),
    Empty,
    Invalid(String),
}

struct Item {
    source: String,
    exp: Exp,
}

enum Out {
    Single(Item),
    Group(Vec<Item>),
}

fn item(source: impl Into<String>, exp: Exp) -> Item {
    Item {
        source: source.into(),
        exp,
    }
}

fn single(source: impl Into<String>, exp: Exp) -> Out {
    Out::Single(item(source, exp))
}

fn item_json(i: &Item) -> Value {
    let mut m = Map::new();
    match &i.exp {
        Exp::Ok(v) => {
            m.insert("status".into(), json!("ok"));
            m.insert("value".into(), v.clone());
        }
        Exp::Empty => {
            m.insert("status".into(), json!("empty"));
        }
        Exp::Invalid(given) => {
            m.insert("status".into(), json!("invalid"));
            m.insert("value".into(), json!(given));
        }
    }
    m.insert("source".into(), json!(i.source));
    Value::Object(m)
}

fn status_of(i: &Item) -> &'static str {
    match i.exp {
        Exp::Ok(_) => "ok",
        Exp::Empty => "empty",
        Exp::Invalid(_) => "invalid",
    }
}

fn out_json(o: &Out) -> Value {
    match o {
        Out::Single(i) => item_json(i),
        Out::Group(items) => {
            let status = if items.iter().any(|i| status_of(i) == "invalid") {
                "invalid"
            } else if items.iter().any(|i| status_of(i) == "ok") {
                "ok"
            } else {
                "empty"
            };
            json!({"status": status, "items": items.iter().map(item_json).collect::<Vec<_>>()})
        }
    }
}

fn text(v: &str) -> Exp {
    if v.trim().is_empty() {
        Exp::Empty
    } else {
        Exp::Ok(json!(v.trim()))
    }
}

fn flag(b: Option<bool>) -> Exp {
    b.map_or(Exp::Empty, |b| Exp::Ok(json!(b)))
}

/// A date written in some format; `ymd` says which date it is meant to be (None when blank).
fn date(written: &str, ymd: Option<(i16, i8, i8)>) -> Exp {
    match ymd {
        None => Exp::Empty,
        Some((y, m, d)) => match jiff::civil::Date::new(y, m, d) {
            Ok(date) => Exp::Ok(json!(date.to_string())),
            Err(_) => Exp::Invalid(written.to_string()),
        },
    }
}

fn id(v: &str, check: fn(&str) -> Result<String, validate::Invalid>) -> Exp {
    if v.trim().is_empty() {
        return Exp::Empty;
    }
    match check(v) {
        Ok(n) => Exp::Ok(json!(n)),
        Err(_) => Exp::Invalid(v.trim().to_string()),
    }
}

fn canonical(v: &str, canon: &str) -> Exp {
    if v.trim().is_empty() {
        Exp::Empty
    } else {
        Exp::Ok(json!(canon))
    }
}

fn percent(v: &str) -> Exp {
    if v.trim().is_empty() {
        return Exp::Empty;
    }
    let n: f64 = v
        .trim()
        .trim_end_matches('%')
        .parse()
        .expect("a percentage");
    if n.fract() == 0.0 {
        Exp::Ok(json!(n as i64))
    } else {
        Exp::Ok(json!(n))
    }
}

// ---- identifiers ----

fn upn(la: &str, estab: &str, serial: u32) -> String {
    let body = format!("{la}{estab}25{serial:03}");
    let check = validate::upn_check_letter(&body).expect("a UPN body");
    format!("{check}{body}")
}

/// NHS numbers in the never-issued 999 range, with the modulus 11 check digit.
fn nhs(seed: u32) -> String {
    let mut n = 0;
    loop {
        let body = format!("999{:06}", seed * 53 + n);
        let sum: u32 = body
            .bytes()
            .zip((2..=10).rev())
            .map(|(b, w)| u32::from(b - b'0') * w)
            .sum();
        let c = (11 - sum % 11) % 11;
        if c != 10 {
            let s = format!("{body}{c}");
            assert!(validate::nhs_number(&s).is_ok());
            return s;
        }
        n += 1;
    }
}

// ---- the true answers ----

type Ymd = (i16, i8, i8);

#[derive(Clone, Default)]
struct Kid {
    request: Option<Ymd>,
    /// parent / school / young_person, or "".
    role: &'static str,
    requester: &'static str,
    agreed: Option<bool>,
    forename: &'static str,
    surname: &'static str,
    dob: Option<Ymd>,
    address: &'static str,
    postcode: &'static str,
    upn: String,
    nhs: String,
    /// (name, relationship as the family says it is written formally: Mother, Father, ...)
    parents: Vec<(&'static str, &'static str)>,
    setting: &'static str,
    /// A template area of need, or "".
    area: &'static str,
    /// Paragraphs; a `\n` is a line break typed by the school.
    description: &'static str,
    professionals: Vec<(&'static str, &'static str)>,
    ep_report: Option<bool>,
    photograph: Option<bool>,
    sdq: &'static str,
    attendance: &'static str,
    boxall: Option<bool>,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn dmy(d: Option<Ymd>) -> String {
    d.map_or(String::new(), |(y, m, d)| format!("{d:02}/{m:02}/{y:04}"))
}

fn long_date(d: Option<Ymd>) -> String {
    d.map_or(String::new(), |(y, m, d)| {
        format!("{d} {} {y}", MONTHS[(m - 1) as usize])
    })
}

/// Six filled requests with known values; from 03 on each plants one problem: 03 an empty surname (a must
/// field), 04 a UPN with a wrong check letter, 05 an impossible date of birth, 06 an invalid postcode.
fn kids(la: &str, estab: &str) -> Vec<Kid> {
    let base = Kid {
        request: Some((2025, 3, 14)),
        role: "school",
        requester: "Mrs Jane Patel",
        agreed: Some(true),
        forename: "Amelia",
        surname: "Hart",
        dob: Some((2016, 6, 2)),
        address: "12 Mill Lane",
        postcode: "SP1 2AB",
        upn: upn(la, estab, 101),
        nhs: nhs(11),
        parents: vec![("Laura Hart", "Mother"), ("", "")],
        setting: "Millbrook Primary School",
        area: "communication_interaction",
        description: "Amelia has significant difficulty understanding spoken language and following \
                      instructions in class. She uses single words and gesture to communicate with adults \
                      and rarely starts an interaction with her peers.",
        professionals: vec![
            ("Dr Sam Okafor", "Speech and language therapy"),
            ("", ""),
            ("", ""),
        ],
        ep_report: Some(true),
        photograph: Some(true),
        sdq: "17",
        attendance: "92%",
        boxall: Some(true),
    };
    let mut out = vec![base.clone()];
    out.push(Kid {
        request: Some((2025, 4, 1)),
        role: "parent",
        requester: "Grace O'Neil",
        forename: "Oliver",
        surname: "O'Neil",
        dob: Some((2013, 11, 30)),
        address: "Flat 3, 7 Quay Street",
        postcode: "SP12 9XY",
        upn: upn(la, estab, 102),
        nhs: nhs(12),
        parents: vec![("Grace O'Neil", "Mother"), ("Peter O'Neil", "Father")],
        area: "semh",
        description: "Oliver finds transitions very hard (fewer than 3 calm days a week, teacher log).\n\
                      He has been excluded twice this term.",
        professionals: vec![
            ("Ms Ada Lin", "Educational psychology"),
            ("Dr Ben Cole", "CAMHS"),
            ("Mr Raj Bhatt", "Early help"),
        ],
        ep_report: Some(false),
        photograph: Some(false),
        sdq: "24",
        attendance: "78.5%",
        boxall: Some(false),
        ..base.clone()
    });
    out.push(Kid {
        forename: "Noah",
        surname: "",
        dob: Some((2017, 1, 9)),
        upn: upn(la, estab, 103),
        nhs: nhs(13),
        parents: vec![("Ella Brook", "Mother"), ("", "")],
        area: "cognition_learning",
        description: "Noah's reading age is three years below his chronological age despite two terms of \
                      daily phonics intervention.",
        sdq: "",
        ..base.clone()
    });
    out.push(Kid {
        role: "young_person",
        requester: "Isla Reid",
        forename: "Isla",
        surname: "Reid",
        dob: Some((2008, 8, 21)),
        upn: upn(la, estab, 104),
        nhs: nhs(14),
        parents: vec![("Fiona Reid", "Mother"), ("Alan Reid", "Father")],
        area: "sensory_physical",
        description: "Isla has a moderate bilateral hearing loss and uses hearing aids.",
        ep_report: Some(false),
        ..base.clone()
    });
    out.push(Kid {
        forename: "Yusuf",
        surname: "Khan",
        dob: Some((2015, 2, 30)),
        upn: upn(la, estab, 105),
        nhs: nhs(15),
        parents: vec![("Samina Khan", "Mother"), ("", "")],
        description: "Yusuf has a diagnosis of autism and finds the noise of the classroom overwhelming.",
        photograph: Some(false),
        attendance: "100%",
        ..base.clone()
    });
    out.push(Kid {
        forename: "Maya",
        surname: "Singh",
        dob: Some((2012, 5, 5)),
        postcode: "QA1 1AA",
        upn: upn(la, estab, 106),
        nhs: nhs(16),
        parents: vec![("Priya Singh", "Mother"), ("Dev Singh", "Father")],
        area: "cognition_learning",
        description: "Maya needs adult support in most lessons.",
        professionals: vec![("Ms Ada Lin", "Educational psychology"), ("", ""), ("", "")],
        boxall: Some(false),
        ..base.clone()
    });
    // The 04 UPN must really be wrong: a check letter that differs from the right one.
    let right = out[3].upn.clone();
    let wrong = if right.starts_with('B') { 'C' } else { 'B' };
    out[3].upn = format!("{wrong}{}", &right[1..]);
    assert!(validate::upn(&out[3].upn).is_err());
    out
}

fn blank() -> Kid {
    Kid {
        parents: vec![("", ""), ("", "")],
        professionals: vec![("", ""), ("", ""), ("", "")],
        ..Kid::default()
    }
}

// ---- a small PDF builder on lopdf's object API ----

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;

/// One A4 page of Helvetica text plus AcroForm widgets.
struct Pdf {
    doc: Document,
    pages: ObjectId,
    page: ObjectId,
    content: String,
    annots: Vec<Object>,
    /// Root fields of the AcroForm (none: a flat document).
    fields: Vec<Object>,
    /// Shared check box appearances: (on, off).
    ap: Option<(ObjectId, ObjectId)>,
}

/// A PDF string literal for a content stream: WinAnsi bytes with `(`, `)` and `\` escaped.
fn pdf_literal(s: &str) -> String {
    let (bytes, _, bad) = encoding_rs::WINDOWS_1252.encode(s);
    assert!(!bad, "not WinAnsi: {s}");
    let mut out = String::from("(");
    for &b in bytes.iter() {
        match b {
            b'(' | b')' | b'\\' => {
                out.push('\\');
                out.push(b as char);
            }
            0x20..=0x7e => out.push(b as char),
            other => out.push_str(&format!("\\{other:03o}")),
        }
    }
    out.push(')');
    out
}

impl Pdf {
    fn new() -> Pdf {
        let mut doc = Document::with_version("1.7");
        let pages_id = doc.new_object_id();
        let page = doc.new_object_id();
        doc.objects.insert(
            pages_id,
            Object::Dictionary(
                dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 },
            ),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog);
        Pdf {
            doc,
            pages: pages_id,
            page,
            content: String::new(),
            annots: Vec::new(),
            fields: Vec::new(),
            ap: None,
        }
    }

    /// Text at (x, y from the top of the page).
    fn text(&mut self, x: f32, top: f32, size: f32, s: &str) {
        let y = PAGE_H - top;
        self.content.push_str(&format!(
            "BT /F1 {size} Tf 1 0 0 1 {x} {y} Tm {} Tj ET\n",
            pdf_literal(s)
        ));
    }

    /// A rectangle outline (the box a widget sits in).
    fn frame(&mut self, rect: [f32; 4]) {
        let [x1, y1, x2, y2] = rect;
        self.content.push_str(&format!(
            "0.6 G 0.5 w {x1} {y1} {} {} re S\n",
            x2 - x1,
            y2 - y1
        ));
    }

    fn rect(x: f32, top: f32, w: f32, h: f32) -> [f32; 4] {
        let y = PAGE_H - top;
        [x, y - 3.0, x + w, y - 3.0 + h]
    }

    /// A widget annotation dictionary (merged with its field when `t` is given).
    fn widget(&mut self, rect: [f32; 4]) -> Dictionary {
        self.frame(rect);
        let r: Vec<Object> = rect.iter().map(|v| Object::Real(*v)).collect();
        dictionary! {
            "Type" => "Annot", "Subtype" => "Widget", "Rect" => r, "F" => 4, "P" => self.page,
            "DA" => Object::string_literal("/Helv 9 Tf 0 g"),
        }
    }

    fn checkbox_ap(&mut self, on: &str) -> Dictionary {
        let (yes, off) = *self.ap.get_or_insert_with(|| {
            let yes = self.doc.add_object(Stream::new(
                dictionary! { "Type" => "XObject", "Subtype" => "Form", "BBox" => vec![0.into(), 0.into(), 12.into(), 12.into()] },
                b"0 g 2 2 8 8 re f".to_vec(),
            ));
            let off = self.doc.add_object(Stream::new(
                dictionary! { "Type" => "XObject", "Subtype" => "Form", "BBox" => vec![0.into(), 0.into(), 12.into(), 12.into()] },
                Vec::new(),
            ));
            (yes, off)
        });
        dictionary! { "N" => dictionary! { on => yes, "Off" => off } }
    }

    /// Adds an object and lists it in the page's /Annots (a widget) and optionally among the root fields.
    fn add_widget(&mut self, d: Dictionary, root: bool) -> ObjectId {
        let id = self.doc.add_object(d);
        self.annots.push(id.into());
        if root {
            self.fields.push(id.into());
        }
        id
    }

    /// A text field (merged field and widget) under `parent` (or a root field).
    fn text_field(
        &mut self,
        parent: Option<ObjectId>,
        name: &str,
        tooltip: &str,
        value: &str,
        rect: [f32; 4],
        multiline: bool,
    ) -> ObjectId {
        let mut d = self.widget(rect);
        d.set("FT", "Tx");
        d.set("T", text_string(name));
        d.set("TU", text_string(tooltip));
        if multiline {
            d.set("Ff", 1 << 12);
        }
        if !value.is_empty() {
            d.set("V", text_string(value));
        }
        self.child(parent, d)
    }

    /// A check box; `value` None leaves it never set (no /V), as in a blank form.
    fn checkbox(
        &mut self,
        parent: Option<ObjectId>,
        name: &str,
        tooltip: &str,
        on: &str,
        value: Option<bool>,
        rect: [f32; 4],
    ) -> ObjectId {
        let mut d = self.widget(rect);
        d.set("FT", "Btn");
        d.set("T", text_string(name));
        d.set("TU", text_string(tooltip));
        d.set("AP", self.checkbox_ap(on));
        let state = if value == Some(true) { on } else { "Off" };
        d.set("AS", state);
        if value.is_some() {
            d.set("V", state);
        }
        self.child(parent, d)
    }

    /// A radio group: the field holds /V; each option is a widget kid with its own on-state (export value).
    fn radio(
        &mut self,
        parent: Option<ObjectId>,
        name: &str,
        tooltip: &str,
        options: &[(&str, [f32; 4])],
        value: &str,
    ) -> ObjectId {
        let field = self.doc.new_object_id();
        let mut kids = Vec::new();
        for (export, rect) in options {
            let mut w = self.widget(*rect);
            w.set("Parent", field);
            w.set("AP", self.checkbox_ap(export));
            w.set("AS", if *export == value { *export } else { "Off" });
            kids.push(Object::Reference(self.add_widget(w, false)));
        }
        let mut d = dictionary! {
            "FT" => "Btn", "Ff" => (1 << 15) | (1 << 14), "T" => text_string(name), "TU" => text_string(tooltip),
            "Kids" => kids,
        };
        if !value.is_empty() {
            d.set("V", value);
        }
        if let Some(p) = parent {
            d.set("Parent", p);
        }
        self.doc.objects.insert(field, Object::Dictionary(d));
        match parent {
            Some(p) => self.push_kid(p, field),
            None => self.fields.push(field.into()),
        }
        field
    }

    /// A root radio group as PDF editors make it: no tooltip, one widget per option.
    fn radio_untitled(&mut self, name: &str, options: &[(&str, [f32; 4])], value: &str) {
        let field = self.doc.new_object_id();
        let mut kids = Vec::new();
        for (export, rect) in options {
            let mut w = self.widget(*rect);
            w.set("Parent", field);
            w.set("AP", self.checkbox_ap(export));
            w.set("AS", if *export == value { *export } else { "Off" });
            kids.push(Object::Reference(self.add_widget(w, false)));
        }
        let mut d = dictionary! {
            "FT" => "Btn", "Ff" => (1 << 15) | (1 << 14), "T" => text_string(name), "Kids" => kids,
        };
        if !value.is_empty() {
            d.set("V", value);
        }
        self.doc.objects.insert(field, Object::Dictionary(d));
        self.fields.push(field.into());
    }

    /// A combo box with `[export display]` option pairs; /V holds the export value.
    fn combo(
        &mut self,
        parent: Option<ObjectId>,
        name: &str,
        tooltip: &str,
        options: &[(&str, &str)],
        value: &str,
        rect: [f32; 4],
    ) -> ObjectId {
        let mut d = self.widget(rect);
        d.set("FT", "Ch");
        d.set("Ff", 1 << 17);
        d.set("T", text_string(name));
        d.set("TU", text_string(tooltip));
        let opt: Vec<Object> = options
            .iter()
            .map(|(e, s)| Object::Array(vec![text_string(e), text_string(s)]))
            .collect();
        d.set("Opt", opt);
        if !value.is_empty() {
            d.set("V", text_string(value));
        }
        self.child(parent, d)
    }

    /// A root text field as form designers leave it: a generic name, no tooltip; `max_len` 1 for the one-character
    /// boxes of "Insert an X in the box that applies".
    fn generic_text(&mut self, name: &str, value: &str, rect: [f32; 4], max_len: Option<i64>) {
        let mut d = self.widget(rect);
        d.set("FT", "Tx");
        d.set("T", text_string(name));
        if let Some(n) = max_len {
            d.set("MaxLen", n);
        }
        if !value.is_empty() {
            d.set("V", text_string(value));
        }
        self.child(None, d);
    }

    /// A root check box with a generic name and no tooltip (on-state `Yes`); None leaves it never set.
    fn generic_checkbox(&mut self, name: &str, value: Option<bool>, rect: [f32; 4]) {
        let mut d = self.widget(rect);
        d.set("FT", "Btn");
        d.set("T", text_string(name));
        d.set("AP", self.checkbox_ap("Yes"));
        let state = if value == Some(true) { "Yes" } else { "Off" };
        d.set("AS", state);
        if value.is_some() {
            d.set("V", state);
        }
        self.child(None, d);
    }

    /// A non-terminal field (a LiveCycle subform): kids are added with `parent` = its id.
    fn node(&mut self, parent: Option<ObjectId>, name: &str) -> ObjectId {
        let id = self.doc.new_object_id();
        let mut d = dictionary! { "T" => text_string(name), "Kids" => Vec::<Object>::new() };
        if let Some(p) = parent {
            d.set("Parent", p);
            self.push_kid(p, id);
        } else {
            self.fields.push(id.into());
        }
        self.doc.objects.insert(id, Object::Dictionary(d));
        id
    }

    fn push_kid(&mut self, parent: ObjectId, kid: ObjectId) {
        let p = self.doc.get_dictionary_mut(parent).expect("parent field");
        let mut kids = p
            .get(b"Kids")
            .and_then(Object::as_array)
            .cloned()
            .unwrap_or_default();
        kids.push(kid.into());
        p.set("Kids", kids);
    }

    fn child(&mut self, parent: Option<ObjectId>, mut d: Dictionary) -> ObjectId {
        if let Some(p) = parent {
            d.set("Parent", p);
        }
        let id = self.add_widget(d, parent.is_none());
        if let Some(p) = parent {
            self.push_kid(p, id);
        }
        id
    }

    /// Finishes: page, fonts, AcroForm (when there are fields), a fixed /ID; returns the file's bytes.
    fn finish(mut self, file_id: &str, encrypt: bool) -> Vec<u8> {
        let font = self.doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica", "Encoding" => "WinAnsiEncoding",
        });
        let content = self.doc.add_object(Stream::new(
            dictionary! {},
            std::mem::take(&mut self.content).into_bytes(),
        ));
        let mut page = dictionary! {
            "Type" => "Page", "Parent" => self.pages, "Contents" => content,
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
            "MediaBox" => vec![0.into(), 0.into(), Object::Real(PAGE_W), Object::Real(PAGE_H)],
        };
        if !self.annots.is_empty() {
            page.set("Annots", std::mem::take(&mut self.annots));
        }
        self.doc.objects.insert(self.page, Object::Dictionary(page));
        if !self.fields.is_empty() {
            let acro = self.doc.add_object(dictionary! {
                "Fields" => std::mem::take(&mut self.fields),
                "DA" => Object::string_literal("/Helv 9 Tf 0 g"),
                "DR" => dictionary! { "Font" => dictionary! { "Helv" => font } },
                "NeedAppearances" => true,
            });
            let root = self
                .doc
                .trailer
                .get(b"Root")
                .and_then(Object::as_reference)
                .expect("root");
            self.doc
                .get_dictionary_mut(root)
                .expect("catalog")
                .set("AcroForm", acro);
        }
        let hash = blake3::hash(file_id.as_bytes());
        let id = Object::String(
            hash.as_bytes()[..16].to_vec(),
            lopdf::StringFormat::Hexadecimal,
        );
        self.doc.trailer.set("ID", vec![id.clone(), id]);
        if encrypt {
            encrypt_rc4(&mut self.doc);
        }
        let mut out = Vec::new();
        self.doc.save_to(&mut out).expect("save");
        out
    }
}

/// RC4 128-bit (V2, R3), empty user password, an owner password. lopdf fills bytes 16..32 of /U with random
/// padding (arbitrary by the spec, ignored by readers): zero it so that the file is the same every time.
fn encrypt_rc4(doc: &mut Document) {
    let state = lopdf::EncryptionState::try_from(lopdf::EncryptionVersion::V2 {
        document: &*doc,
        owner_password: "southport-owner",
        user_password: "",
        key_length: 128,
        permissions: lopdf::Permissions::PRINTABLE,
    })
    .expect("encryption state");
    doc.encrypt(&state).expect("encrypt");
    let by_ref = doc
        .trailer
        .get(b"Encrypt")
        .and_then(Object::as_reference)
        .ok();
    let enc = match by_ref {
        Some(id) => doc.get_dictionary_mut(id).expect("encrypt dict"),
        None => doc
            .trailer
            .get_mut(b"Encrypt")
            .and_then(Object::as_dict_mut)
            .expect("encrypt dict"),
    };
    if let Ok(Object::String(u, _)) = enc.get_mut(b"U") {
        for b in u.iter_mut().skip(16) {
            *b = 0;
        }
    }
}

// ---- Southport 954: LiveCycle-style AcroForm ----

const SP: &str = "form1[0]";

struct Doc {
    rel: String,
    bytes: Vec<u8>,
    mapping: &'static str,
    fields: Vec<(&'static str, Out)>,
    extras: Vec<(&'static str, Out)>,
}

const AREAS: [(&str, &str, &str); 4] = [
    (
        "CI",
        "Communication and interaction",
        "communication_interaction",
    ),
    ("CL", "Cognition and learning", "cognition_learning"),
    ("SEMH", "Social, emotional and mental health", "semh"),
    ("SP", "Sensory and/or physical", "sensory_physical"),
];

fn area_code(area: &str) -> &'static str {
    AREAS
        .iter()
        .find(|(_, _, t)| *t == area)
        .map_or("", |(c, _, _)| c)
}

/// Southport's typed line breaks are `\r` in the field value (the reader makes them `\n`).
fn southport(rel: &str, k: &Kid, encrypt: bool) -> Doc {
    let mut p = Pdf::new();
    p.text(50.0, 50.0, 14.0, "Southport Metropolitan Borough");
    p.text(
        50.0,
        68.0,
        11.0,
        "Request for an Education, Health and Care needs assessment (SMB/EHC/2)",
    );
    let form = p.node(None, SP);
    let mut top = 100.0;
    let row = |p: &mut Pdf, top: &mut f32, label: &str| -> f32 {
        p.text(50.0, *top, 9.0, label);
        let t = *top;
        *top += 22.0;
        t
    };
    let field_rect = |t: f32| Pdf::rect(230.0, t, 315.0, 14.0);
    let box_rect = |t: f32| Pdf::rect(230.0, t, 12.0, 12.0);

    // Section 1: the child
    let s1 = p.node(Some(form), "Section1[0]");
    row(&mut p, &mut top, "Section 1 - About the child");
    let child = [
        (
            "ChildForename[0]",
            "Child's first name",
            k.forename.to_string(),
        ),
        (
            "ChildSurname[0]",
            "Child's last name",
            k.surname.to_string(),
        ),
        (
            "DateOfBirth[0]",
            "Date of birth (dd.mm.yyyy)",
            dmy(k.dob).replace('/', "."),
        ),
        ("HomeAddress[0]", "Home address", k.address.to_string()),
        ("Postcode[0]", "Postcode", k.postcode.to_string()),
        ("UPN[0]", "Unique Pupil Number (UPN)", k.upn.clone()),
        ("NHSNumber[0]", "NHS number", k.nhs.clone()),
    ];
    for (name, tip, v) in &child {
        let t = row(&mut p, &mut top, tip);
        p.text_field(Some(s1), name, tip, v, field_rect(t), false);
    }

    // Section 2: the request
    let s2 = p.node(Some(form), "Section2[0]");
    row(&mut p, &mut top, "Section 2 - The request");
    let t = row(&mut p, &mut top, "Date of request");
    p.text_field(
        Some(s2),
        "DateOfRequest[0]",
        "Date of request",
        &long_date(k.request),
        field_rect(t),
        false,
    );
    let t = row(&mut p, &mut top, "Request made by");
    let mut opts = Vec::new();
    for (i, (export, shown)) in [
        ("parent", "Parent/carer"),
        ("school", "School"),
        ("young_person", "Young person"),
    ]
    .iter()
    .enumerate()
    {
        let x = 230.0 + 105.0 * i as f32;
        p.text(x + 16.0, t, 9.0, shown);
        opts.push((*export, Pdf::rect(x, t, 12.0, 12.0)));
    }
    p.radio(
        Some(s2),
        "RequesterRole[0]",
        "Who is making this request?",
        &opts,
        k.role,
    );
    let t = row(&mut p, &mut top, "Name of person making the request");
    p.text_field(
        Some(s2),
        "RequesterName[0]",
        "Name of person making the request",
        k.requester,
        field_rect(t),
        false,
    );
    let t = row(
        &mut p,
        &mut top,
        "Parents/carers know of and agree with this request",
    );
    p.checkbox(
        Some(s2),
        "ParentAgreement[0]",
        "Parents/carers know of and agree with this request",
        "Yes",
        k.agreed,
        box_rect(t),
    );

    // Section 3: parents and carers (two slots)
    let s3 = p.node(Some(form), "Section3[0]");
    row(&mut p, &mut top, "Section 3 - Parents and carers");
    for (i, (name, rel)) in k.parents.iter().enumerate() {
        let n = i + 1;
        let t = row(&mut p, &mut top, &format!("Parent/carer {n} name"));
        p.text_field(
            Some(s3),
            &format!("Parent{n}Name[0]"),
            &format!("Parent/carer {n} name"),
            name,
            field_rect(t),
            false,
        );
        let t = row(
            &mut p,
            &mut top,
            &format!("Parent/carer {n} relationship to the child"),
        );
        p.text_field(
            Some(s3),
            &format!("Parent{n}Relationship[0]"),
            &format!("Parent/carer {n} relationship to the child"),
            rel,
            field_rect(t),
            false,
        );
    }

    // Section 4: setting and needs
    let s4 = p.node(Some(form), "Section4[0]");
    row(&mut p, &mut top, "Section 4 - School and needs");
    let t = row(&mut p, &mut top, "Current school or setting");
    p.text_field(
        Some(s4),
        "SchoolName[0]",
        "Current school or setting",
        k.setting,
        field_rect(t),
        false,
    );
    let t = row(&mut p, &mut top, "Primary area of need");
    let options: Vec<(&str, &str)> = AREAS.iter().map(|(c, s, _)| (*c, *s)).collect();
    p.combo(
        Some(s4),
        "PrimaryNeed[0]",
        "Primary area of need",
        &options,
        area_code(k.area),
        field_rect(t),
    );
    let t = row(&mut p, &mut top, "Description of the child's needs");
    top += 40.0;
    p.text_field(
        Some(s4),
        "NeedsDescription[0]",
        "Description of the child's needs",
        &k.description.replace('\n', "\r"),
        Pdf::rect(230.0, t + 40.0, 315.0, 56.0),
        true,
    );

    // Section 5: evidence the LA asks for
    let s5 = p.node(Some(form), "Section5[0]");
    row(&mut p, &mut top, "Section 5 - Evidence");
    let t = row(&mut p, &mut top, "Educational psychologist report attached");
    p.checkbox(
        Some(s5),
        "EPReport[0]",
        "Educational psychologist report attached",
        "Yes",
        k.ep_report,
        box_rect(t),
    );
    let t = row(&mut p, &mut top, "Recent photograph attached");
    p.checkbox(
        Some(s5),
        "Photograph[0]",
        "Recent photograph attached",
        "Yes",
        k.photograph,
        box_rect(t),
    );
    let t = row(&mut p, &mut top, "SDQ score");
    p.text_field(
        Some(s5),
        "SDQScore[0]",
        "SDQ score",
        k.sdq,
        Pdf::rect(230.0, t, 60.0, 14.0),
        false,
    );
    p.text(
        50.0,
        800.0,
        7.0,
        "Southport Metropolitan Borough - SEND Assessment Team - form SMB/EHC/2 (2024)",
    );
    let bytes = p.finish(rel, encrypt);

    let f = |sec: &str, leaf: &str| format!("{SP}.{sec}.{leaf}");
    let s = |sec: &str, leaf: &str, e: Exp| single(f(sec, leaf), e);
    let dob_written = dmy(k.dob).replace('/', ".");
    let group = |leaf: &str, relationship: bool| -> Out {
        Out::Group(
            k.parents
                .iter()
                .enumerate()
                .map(|(i, pr)| {
                    item(
                        f("Section3[0]", &leaf.replace("{n}", &(i + 1).to_string())),
                        text(if relationship { pr.1 } else { pr.0 }),
                    )
                })
                .collect(),
        )
    };
    let fields = vec![
        (
            "request.date",
            s(
                "Section2[0]",
                "DateOfRequest[0]",
                date(&long_date(k.request), k.request),
            ),
        ),
        (
            "request.requester_role",
            s("Section2[0]", "RequesterRole[0]", canonical(k.role, k.role)),
        ),
        (
            "request.requester_name",
            s("Section2[0]", "RequesterName[0]", text(k.requester)),
        ),
        (
            "request.parent_agreement",
            s("Section2[0]", "ParentAgreement[0]", flag(k.agreed)),
        ),
        (
            "child.forename",
            s("Section1[0]", "ChildForename[0]", text(k.forename)),
        ),
        (
            "child.surname",
            s("Section1[0]", "ChildSurname[0]", text(k.surname)),
        ),
        (
            "child.date_of_birth",
            s("Section1[0]", "DateOfBirth[0]", date(&dob_written, k.dob)),
        ),
        (
            "child.address",
            s("Section1[0]", "HomeAddress[0]", text(k.address)),
        ),
        (
            "child.postcode",
            s(
                "Section1[0]",
                "Postcode[0]",
                id(k.postcode, validate::postcode),
            ),
        ),
        (
            "child.upn",
            s("Section1[0]", "UPN[0]", id(&k.upn, validate::upn)),
        ),
        (
            "child.nhs_number",
            s(
                "Section1[0]",
                "NHSNumber[0]",
                id(&k.nhs, validate::nhs_number),
            ),
        ),
        ("parents.name", group("Parent{n}Name[0]", false)),
        (
            "parents.relationship",
            group("Parent{n}Relationship[0]", true),
        ),
        (
            "setting.name",
            s("Section4[0]", "SchoolName[0]", text(k.setting)),
        ),
        (
            "needs.primary_area",
            s("Section4[0]", "PrimaryNeed[0]", canonical(k.area, k.area)),
        ),
        (
            "needs.description",
            s("Section4[0]", "NeedsDescription[0]", text(k.description)),
        ),
        (
            "evidence.ep_report",
            s("Section5[0]", "EPReport[0]", flag(k.ep_report)),
        ),
    ];
    let extras = vec![
        (
            "photograph",
            s("Section5[0]", "Photograph[0]", flag(k.photograph)),
        ),
        ("sdq_score", s("Section5[0]", "SDQScore[0]", text(k.sdq))),
    ];
    Doc {
        rel: rel.to_string(),
        bytes,
        mapping: "954-southport",
        fields,
        extras,
    }
}

// ---- Kingsmere 955: the fillable form and its flattened print view (mapping 956-kingsmere-flat) ----

/// How Kingsmere parents write the relationship; the mapping maps it back.
fn informal(rel: &str) -> &str {
    match rel {
        "Mother" => "Mum",
        "Father" => "Dad",
        other => other,
    }
}

fn spaced_nhs(n: &str) -> String {
    if n.len() == 10 {
        format!("{} {} {}", &n[..3], &n[3..6], &n[6..])
    } else {
        n.to_string()
    }
}

/// Kingsmere's questions: (field name, printed label, the answer as typed).
fn kingsmere_rows(k: &Kid) -> Vec<(String, &'static str, String)> {
    let mut rows = vec![
        ("RequestDate".to_string(), "Date of request", dmy(k.request)),
        ("RequesterName".into(), "Your name", k.requester.to_string()),
        (
            "ChildForename".into(),
            "Child's forename",
            k.forename.into(),
        ),
        ("ChildSurname".into(), "Child's surname", k.surname.into()),
        ("DOB".into(), "Date of birth", dmy(k.dob)),
        ("Address".into(), "Home address", k.address.into()),
        ("Postcode".into(), "Postcode", k.postcode.into()),
        ("UPN".into(), "UPN", k.upn.clone()),
        ("NHSNo".into(), "NHS number", spaced_nhs(&k.nhs)),
        ("School".into(), "School attended", k.setting.into()),
        (
            "Attendance".into(),
            "Attendance this year",
            k.attendance.into(),
        ),
    ];
    for (i, (name, rel)) in k.parents.iter().enumerate() {
        let n = i + 1;
        rows.push((format!("Parent{n}Name"), PARENT_NAME[i], name.to_string()));
        rows.push((format!("Parent{n}Rel"), PARENT_REL[i], informal(rel).into()));
    }
    rows
}

const PARENT_NAME: [&str; 2] = ["Parent/carer 1 name", "Parent/carer 2 name"];
const PARENT_REL: [&str; 2] = ["Parent/carer 1 relationship", "Parent/carer 2 relationship"];
const PROF_NAME: [&str; 3] = [
    "Professional 1 name",
    "Professional 2 name",
    "Professional 3 name",
];
const PROF_SERVICE: [&str; 3] = [
    "Professional 1 service",
    "Professional 2 service",
    "Professional 3 service",
];

/// Wraps a description into print lines of at most `width` characters; a typed line break starts a new line.
fn wrap(s: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for para in s.split('\n') {
        let mut line = String::new();
        for word in para.split_whitespace() {
            if !line.is_empty() && line.len() + 1 + word.len() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        if !line.is_empty() {
            lines.push(line);
        }
    }
    lines
}

fn kingsmere(rel: &str, k: &Kid) -> Doc {
    let mut p = Pdf::new();
    p.text(50.0, 50.0, 14.0, "Kingsmere District Council");
    p.text(
        50.0,
        68.0,
        11.0,
        "EHC needs assessment request - to be completed by the school",
    );
    let mut top = 100.0;
    let rows = kingsmere_rows(k);
    for (name, label, v) in &rows {
        p.text(50.0, top, 9.0, label);
        p.text_field(
            None,
            name,
            label,
            v,
            Pdf::rect(220.0, top, 320.0, 14.0),
            false,
        );
        top += 20.0;
    }
    p.text(50.0, top, 9.0, "Parent/carer agrees with the request");
    let r = Pdf::rect(220.0, top, 12.0, 12.0);
    // Kingsmere's check boxes use the on-state name `On`, not `Yes`.
    p.checkbox(
        None,
        "ParentAgree",
        "Parent/carer agrees with the request",
        "On",
        k.agreed,
        r,
    );
    top += 20.0;
    p.text(50.0, top, 9.0, "Description of the child's needs");
    p.text_field(
        None,
        "NeedsDescription",
        "Description of the child's needs",
        &k.description.replace('\n', "\r"),
        Pdf::rect(220.0, top + 40.0, 320.0, 56.0),
        true,
    );
    top += 64.0;
    for (i, (name, service)) in k.professionals.iter().enumerate() {
        let n = i + 1;
        p.text(50.0, top, 9.0, PROF_NAME[i]);
        p.text_field(
            None,
            &format!("Prof{n}Name"),
            PROF_NAME[i],
            name,
            Pdf::rect(220.0, top, 320.0, 14.0),
            false,
        );
        top += 20.0;
        p.text(50.0, top, 9.0, PROF_SERVICE[i]);
        p.text_field(
            None,
            &format!("Prof{n}Service"),
            PROF_SERVICE[i],
            service,
            Pdf::rect(220.0, top, 320.0, 14.0),
            false,
        );
        top += 20.0;
    }
    p.text(50.0, top, 9.0, "Boxall profile completed");
    let r = Pdf::rect(220.0, top, 12.0, 12.0);
    p.checkbox(
        None,
        "Boxall",
        "Boxall profile completed",
        "On",
        k.boxall,
        r,
    );
    p.text(
        50.0,
        800.0,
        7.0,
        "Kingsmere District Council - SEND team - KDC EHC request v3",
    );
    let bytes = p.finish(rel, false);

    let fields = kingsmere_fields(k, |name, _| name.to_string());
    Doc {
        rel: rel.to_string(),
        bytes,
        mapping: "955-kingsmere",
        fields,
        extras: vec![("boxall_profile", single("Boxall", flag(k.boxall)))],
    }
}

/// Kingsmere's expected fields; `src(field name, printed label)` gives the provenance (the field name for the
/// fillable form, the page and label for the print view).
fn kingsmere_fields(k: &Kid, src: impl Fn(&str, &str) -> String) -> Vec<(&'static str, Out)> {
    let s = |name: &str, label: &str, e: Exp| single(src(name, label), e);
    let parents =
        |pick: fn(&(&'static str, &'static str)) -> String, field: &str, labels: [&str; 2]| {
            Out::Group(
                k.parents
                    .iter()
                    .enumerate()
                    .map(|(i, pr)| {
                        item(
                            src(&field.replace("{n}", &(i + 1).to_string()), labels[i]),
                            text(&pick(pr)),
                        )
                    })
                    .collect(),
            )
        };
    let profs =
        |pick: fn(&(&'static str, &'static str)) -> String, field: &str, labels: [&str; 3]| {
            Out::Group(
                k.professionals
                    .iter()
                    .enumerate()
                    .map(|(i, pr)| {
                        item(
                            src(&field.replace("{n}", &(i + 1).to_string()), labels[i]),
                            text(&pick(pr)),
                        )
                    })
                    .collect(),
            )
        };
    let fields = vec![
        (
            "request.date",
            s(
                "RequestDate",
                "Date of request",
                date(&dmy(k.request), k.request),
            ),
        ),
        (
            "request.requester_name",
            s("RequesterName", "Your name", text(k.requester)),
        ),
        (
            "request.parent_agreement",
            s(
                "ParentAgree",
                "Parent/carer agrees with the request",
                flag(k.agreed),
            ),
        ),
        (
            "child.forename",
            s("ChildForename", "Child's forename", text(k.forename)),
        ),
        (
            "child.surname",
            s("ChildSurname", "Child's surname", text(k.surname)),
        ),
        (
            "child.date_of_birth",
            s("DOB", "Date of birth", date(&dmy(k.dob), k.dob)),
        ),
        (
            "child.address",
            s("Address", "Home address", text(k.address)),
        ),
        (
            "child.postcode",
            s("Postcode", "Postcode", id(k.postcode, validate::postcode)),
        ),
        ("child.upn", s("UPN", "UPN", id(&k.upn, validate::upn))),
        (
            "child.nhs_number",
            s(
                "NHSNo",
                "NHS number",
                id(&spaced_nhs(&k.nhs), validate::nhs_number),
            ),
        ),
        (
            "parents.name",
            parents(|p| p.0.to_string(), "Parent{n}Name", PARENT_NAME),
        ),
        (
            "parents.relationship",
            parents(|p| p.1.to_string(), "Parent{n}Rel", PARENT_REL),
        ),
        (
            "setting.name",
            s("School", "School attended", text(k.setting)),
        ),
        (
            "needs.description",
            s(
                "NeedsDescription",
                "Description of the child's needs",
                text(k.description),
            ),
        ),
        (
            "evidence.attendance_percent",
            s("Attendance", "Attendance this year", percent(k.attendance)),
        ),
        (
            "professionals.name",
            profs(|p| p.0.to_string(), "Prof{n}Name", PROF_NAME),
        ),
        (
            "professionals.service",
            profs(|p| p.1.to_string(), "Prof{n}Service", PROF_SERVICE),
        ),
    ];
    fields
}

const FLAT_FOOTER: &str = "Printed from Kingsmere online form";
const DESCRIPTION_WIDTH: usize = 70;

/// The print view of a submitted Kingsmere form: no AcroForm; "Label: answer" on one line (label and answer
/// drawn as separate runs, as print engines do), the needs description as a heading with its paragraph below.
fn kingsmere_flat(rel: &str, k: &Kid) -> Doc {
    let mut p = Pdf::new();
    p.text(50.0, 50.0, 14.0, "Kingsmere District Council");
    p.text(
        50.0,
        68.0,
        11.0,
        "EHC needs assessment request - submitted answers",
    );
    let mut top = 100.0;
    let yes_no = |b: Option<bool>| match b {
        Some(true) => "Yes",
        Some(false) => "No",
        None => "",
    };
    let line = |p: &mut Pdf, top: &mut f32, label: &str, v: &str| {
        p.text(50.0, *top, 9.0, &format!("{label}:"));
        if !v.is_empty() {
            p.text(230.0, *top, 9.0, v);
        }
        *top += 16.0;
    };
    for (_, label, v) in kingsmere_rows(k) {
        line(&mut p, &mut top, label, &v);
    }
    line(
        &mut p,
        &mut top,
        "Parent/carer agrees with the request",
        yes_no(k.agreed),
    );
    line(
        &mut p,
        &mut top,
        "Boxall profile completed",
        yes_no(k.boxall),
    );
    top += 8.0;
    p.text(50.0, top, 11.0, "Description of the child's needs");
    top += 16.0;
    let desc = wrap(k.description, DESCRIPTION_WIDTH);
    for l in &desc {
        p.text(50.0, top, 9.0, l);
        top += 12.0;
    }
    top += 8.0;
    p.text(50.0, top, 11.0, "Professionals involved");
    top += 16.0;
    for (i, (name, service)) in k.professionals.iter().enumerate() {
        line(&mut p, &mut top, PROF_NAME[i], name);
        line(&mut p, &mut top, PROF_SERVICE[i], service);
    }
    p.text(50.0, 800.0, 7.0, FLAT_FOOTER);
    let bytes = p.finish(rel, false);

    let mut fields = kingsmere_fields(k, |_, label| format!("p1 \"{label}\""));
    // The print view shows yes/no as words; the paragraph comes back as its printed lines.
    for (id, out) in &mut fields {
        if *id == "needs.description" {
            *out = single(
                "p1 \"Description of the child's needs\"",
                text(&desc.join("\n")),
            );
        }
    }
    let extras = vec![(
        "boxall_profile",
        single("p1 \"Boxall profile completed\"", text(yes_no(k.boxall))),
    )];
    Doc {
        rel: rel.to_string(),
        bytes,
        mapping: "956-kingsmere-flat",
        fields,
        extras,
    }
}

// ---- Hollowmere 968: a fillable PDF as people make them ----

/// Hollowmere's postcodes are in an area no UK postcode uses (HW).
fn hollowmere_postcode(p: &str) -> &str {
    match p {
        "SP1 2AB" => "HW3 5PL",
        "SP12 9XY" => "HW11 4RD",
        other => other,
    }
}

/// Who a Hollowmere request may come from: the one-character boxes Text7..Text9, left to right.
const HM_ROLES: [(&str, &str, &str); 3] = [
    ("Text7", "Parent or carer", "parent"),
    ("Text8", "Young person", "young_person"),
    ("Text9", "School or setting", "school"),
];
/// The gender boxes: (field, printed label, template value).
const HM_GENDERS: [(&str, &str, &str); 3] = [
    ("Check Box1", "Male", "male"),
    ("Check Box2", "Female", "female"),
    ("Check Box3", "Other", "other"),
];

/// One Hollowmere request: the child's answers and how the boxes were filled in.
struct HmCase {
    kid: Kid,
    /// Gender boxes checked (template values).
    genders: Vec<&'static str>,
    /// Requester boxes marked, with the character typed (template value, mark).
    roles: Vec<(&'static str, &'static str)>,
}

/// Hollowmere Borough Council (fictional LA 968): an AcroForm made in a PDF editor. Every field has a generic
/// name (`Text1`..`Text25`, `Check Box1`..`Check Box4`, radio group `Group1` with options `Choice1`, `Choice2`)
/// and no tooltip: only the printed page text says what each box is. Labels are printed to the left of boxes on
/// the same line (two label-box pairs on one line for the child's names), or above them (date of birth, address,
/// needs); the requester is "Insert an X in the box that applies" in one-character text boxes; the professionals
/// table's fields were added bottom row first, so their document order is not their reading order.
fn hollowmere(rel: &str, c: &HmCase) -> Doc {
    let k = &c.kid;
    let mut p = Pdf::new();
    p.text(50.0, 50.0, 14.0, "Hollowmere Borough Council");
    p.text(50.0, 68.0, 11.0, "Request for an EHC needs assessment");
    p.text(50.0, 96.0, 11.0, "1. About the child");
    // Two label-box pairs on one line.
    p.text(50.0, 116.0, 9.0, "Surname");
    p.generic_text(
        "Text1",
        k.surname,
        Pdf::rect(100.0, 116.0, 160.0, 14.0),
        None,
    );
    p.text(290.0, 116.0, 9.0, "Forename");
    p.generic_text(
        "Text2",
        k.forename,
        Pdf::rect(345.0, 116.0, 180.0, 14.0),
        None,
    );
    // Labels above their boxes.
    p.text(50.0, 138.0, 9.0, "Date of birth (dd/mm/yyyy)");
    p.generic_text(
        "Text3",
        &dmy(k.dob),
        Pdf::rect(50.0, 154.0, 120.0, 14.0),
        None,
    );
    p.text(290.0, 138.0, 9.0, "NHS number");
    p.generic_text("Text4", &k.nhs, Pdf::rect(290.0, 154.0, 120.0, 14.0), None);
    p.text(50.0, 176.0, 9.0, "Home address");
    p.generic_text(
        "Text5",
        k.address,
        Pdf::rect(50.0, 192.0, 300.0, 14.0),
        None,
    );
    p.text(370.0, 192.0, 9.0, "Postcode");
    p.generic_text(
        "Text6",
        hollowmere_postcode(k.postcode),
        Pdf::rect(420.0, 192.0, 80.0, 14.0),
        None,
    );
    // Gender: a check box after each word.
    p.text(50.0, 214.0, 9.0, "Gender");
    let mut x = 120.0;
    for (name, label, value) in HM_GENDERS {
        p.text(x, 214.0, 9.0, label);
        p.generic_checkbox(
            name,
            (!c.genders.is_empty()).then(|| c.genders.contains(&value)),
            Pdf::rect(x + 40.0, 214.0, 10.0, 10.0),
        );
        x += 80.0;
    }
    p.text(50.0, 240.0, 11.0, "2. About the request");
    p.text(
        50.0,
        258.0,
        9.0,
        "Who is making this request? Insert an X in the box that applies",
    );
    let mut x = 50.0;
    for (name, label, value) in HM_ROLES {
        let mark = c
            .roles
            .iter()
            .find(|(v, _)| *v == value)
            .map_or("", |(_, m)| *m);
        p.text(x, 276.0, 9.0, label);
        p.generic_text(name, mark, Pdf::rect(x + 90.0, 276.0, 12.0, 12.0), Some(1));
        x += 140.0;
    }
    p.text(50.0, 298.0, 9.0, "Date of request");
    p.generic_text(
        "Text14",
        &dmy(k.request),
        Pdf::rect(150.0, 298.0, 100.0, 14.0),
        None,
    );
    p.text(290.0, 298.0, 9.0, "Your name");
    p.generic_text(
        "Text16",
        k.requester,
        Pdf::rect(345.0, 298.0, 180.0, 14.0),
        None,
    );
    // A radio group: Yes / No, each button after its word.
    p.text(50.0, 320.0, 9.0, "Do the parents agree with this request?");
    let yes = Pdf::rect(260.0, 320.0, 10.0, 10.0);
    let no = Pdf::rect(320.0, 320.0, 10.0, 10.0);
    p.text(240.0, 320.0, 9.0, "Yes");
    p.text(303.0, 320.0, 9.0, "No");
    let agreed = match k.agreed {
        Some(true) => "Choice1",
        Some(false) => "Choice2",
        None => "",
    };
    p.radio_untitled("Group1", &[("Choice1", yes), ("Choice2", no)], agreed);
    p.text(50.0, 346.0, 11.0, "3. Parents and carers");
    for (i, (name, rel)) in k.parents.iter().enumerate() {
        let top = 366.0 + 20.0 * i as f32;
        let n = i + 1;
        p.text(50.0, top, 9.0, &format!("Parent/carer {n} name"));
        p.generic_text(
            &format!("Text{}", 10 + 2 * i),
            name,
            Pdf::rect(150.0, top, 150.0, 14.0),
            None,
        );
        p.text(320.0, top, 9.0, "Relationship");
        p.generic_text(
            &format!("Text{}", 11 + 2 * i),
            rel,
            Pdf::rect(385.0, top, 140.0, 14.0),
            None,
        );
    }
    p.text(50.0, 420.0, 11.0, "4. The child's needs");
    p.text(50.0, 438.0, 9.0, "Name of school or setting");
    p.generic_text(
        "Text17",
        k.setting,
        Pdf::rect(180.0, 438.0, 345.0, 14.0),
        None,
    );
    p.text(50.0, 460.0, 9.0, "Describe the child's needs");
    p.generic_text(
        "Text15",
        &k.description.replace('\n', "\r"),
        Pdf::rect(50.0, 530.0, 475.0, 64.0),
        None,
    );
    p.text(
        50.0,
        552.0,
        9.0,
        "Educational psychologist's report attached",
    );
    p.generic_checkbox(
        "Check Box4",
        k.ep_report,
        Pdf::rect(260.0, 552.0, 10.0, 10.0),
    );
    p.text(50.0, 578.0, 11.0, "5. Professionals involved");
    p.text(50.0, 596.0, 9.0, "Name");
    p.text(290.0, 596.0, 9.0, "Service");
    // The table's rows, added bottom row first.
    for i in (0..k.professionals.len()).rev() {
        let top = 614.0 + 20.0 * i as f32;
        let (name, service) = k.professionals[i];
        p.generic_text(
            &format!("Text2{i}"),
            name,
            Pdf::rect(50.0, top, 220.0, 14.0),
            None,
        );
        p.generic_text(
            &format!("Text2{}", i + 3),
            service,
            Pdf::rect(290.0, top, 235.0, 14.0),
            None,
        );
    }
    p.text(
        50.0,
        800.0,
        7.0,
        "Hollowmere Borough Council - SEND 0-25 - form HBC/EHC/2",
    );
    let bytes = p.finish(rel, false);

    // ---- what harmonise should read ----
    let tick = |keys: &[&str], marked: Vec<(&str, &str)>| -> Out {
        // marked: (source, value)
        match marked.len() {
            0 => single(keys.join(", "), Exp::Empty),
            1 => single(marked[0].0, Exp::Ok(json!(marked[0].1))),
            _ => single(
                marked.iter().map(|m| m.0).collect::<Vec<_>>().join(", "),
                Exp::Invalid(marked.iter().map(|m| m.1).collect::<Vec<_>>().join("; ")),
            ),
        }
    };
    let gender_keys: Vec<String> = HM_GENDERS
        .iter()
        .map(|g| format!("label:{}", g.1))
        .collect();
    let gender_keys: Vec<&str> = gender_keys.iter().map(String::as_str).collect();
    let genders: Vec<(&str, &str)> = HM_GENDERS
        .iter()
        .filter(|g| c.genders.contains(&g.2))
        .map(|g| (g.0, g.2))
        .collect();
    let role_keys: Vec<&str> = HM_ROLES.iter().map(|r| r.0).collect();
    let roles: Vec<(&str, &str)> = HM_ROLES
        .iter()
        .filter(|r| c.roles.iter().any(|(v, _)| *v == r.2))
        .map(|r| (r.0, r.2))
        .collect();
    let agreement = match k.agreed {
        Some(true) => single("Group1=Choice1", Exp::Ok(json!(true))),
        Some(false) => single("Group1=Choice2", Exp::Ok(json!(false))),
        None => single("Group1=Choice1, Group1=Choice2", Exp::Empty),
    };
    let members = |first: usize, pick: fn(&(&'static str, &'static str)) -> &'static str| {
        Out::Group(
            k.professionals
                .iter()
                .enumerate()
                .map(|(i, pr)| item(format!("Text2{}", first + i), text(pick(pr))))
                .collect(),
        )
    };
    let fields = vec![
        (
            "request.date",
            single("Text14", date(&dmy(k.request), k.request)),
        ),
        ("request.requester_role", tick(&role_keys, roles)),
        (
            "request.requester_name",
            single("Text16", text(k.requester)),
        ),
        ("request.parent_agreement", agreement),
        ("child.forename", single("Text2", text(k.forename))),
        ("child.surname", single("Text1", text(k.surname))),
        (
            "child.date_of_birth",
            single("Text3", date(&dmy(k.dob), k.dob)),
        ),
        ("child.gender", tick(&gender_keys, genders)),
        ("child.address", single("Text5", text(k.address))),
        (
            "child.postcode",
            single(
                "Text6",
                id(hollowmere_postcode(k.postcode), validate::postcode),
            ),
        ),
        (
            "child.nhs_number",
            single("Text4", id(&k.nhs, validate::nhs_number)),
        ),
        (
            "parents.name",
            Out::Group(
                k.parents
                    .iter()
                    .enumerate()
                    .map(|(i, pr)| item(format!("Text{}", 10 + 2 * i), text(pr.0)))
                    .collect(),
            ),
        ),
        (
            "parents.relationship",
            Out::Group(
                k.parents
                    .iter()
                    .enumerate()
                    .map(|(i, pr)| item(format!("Text{}", 11 + 2 * i), text(pr.1)))
                    .collect(),
            ),
        ),
        ("setting.name", single("Text17", text(k.setting))),
        ("needs.description", single("Text15", text(k.description))),
        (
            "evidence.ep_report",
            single("Check Box4", flag(k.ep_report)),
        ),
        ("professionals.name", members(0, |p| p.0)),
        ("professionals.service", members(3, |p| p.1)),
    ];
    Doc {
        rel: rel.to_string(),
        bytes,
        mapping: "968-hollowmere",
        fields,
        extras: Vec::new(),
    }
}

/// Hollowmere's requests: the six children (postcodes moved to HW), a gender and a requester per child, and the
/// boxes filled in as people do: 02 marks its requester with a lower-case x, 04 with a tick, 05 marks two
/// requesters (invalid), 06 checks two gender boxes (invalid).
fn hollowmere_cases() -> Vec<HmCase> {
    let genders = ["female", "male", "male", "female", "male", "female"];
    kids("968", "4001")
        .into_iter()
        .enumerate()
        .map(|(i, kid)| {
            let mark = match i {
                1 => "x",
                3 => "\u{2713}",
                _ => "X",
            };
            let mut roles = vec![(kid.role, mark)];
            if i == 4 {
                roles.push(("parent", "X"));
            }
            let mut g = vec![genders[i]];
            if i == 5 {
                g.push("other");
            }
            HmCase {
                kid,
                genders: g,
                roles,
            }
        })
        .collect()
}

fn write(path: &Path, bytes: &[u8]) {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    std::fs::write(path, bytes).expect("write");
}

/// For `examples/gen_bench_corpus.rs`, which includes this file as a module: the document of form `family` (of
/// [`N_FAMILIES`]: Southport fillable, Kingsmere fillable, Kingsmere print view) for seed `i`: one of the fixtures'
/// children (or the blank form) with a fresh name, UPN and NHS number, the need description replaced by `long`
/// when given. Returns the fixture folder name and the bytes.
#[allow(dead_code)] // unused by this example itself
pub(crate) fn bench_document(
    family: usize,
    i: usize,
    long: Option<&'static str>,
) -> (&'static str, Vec<u8>) {
    const FORENAMES: &[&str] = &[
        "Amelia", "Oliver", "Isla", "Noah", "Freya", "Leo", "Maya", "Arlo", "Poppy", "Theo", "Zoë",
    ];
    const SURNAMES: &[&str] = &[
        "Hart", "O'Neil", "Reid", "Khan", "Singh", "Brook", "Okafor", "Nowak", "Adeyemi", "Brontë",
    ];
    let family = family % N_FAMILIES;
    let (dir, la, estab) = match family {
        0 => ("southport", "954", "3001"),
        1 => ("kingsmere", "955", "2002"),
        _ => ("kingsmere-flat", "955", "2002"),
    };
    let all = kids(la, estab);
    let blank_allowed = family != 2;
    let case = i % (all.len() + usize::from(blank_allowed));
    let mut k = match all.get(case) {
        Some(k) => k.clone(),
        None => blank(),
    };
    if case < all.len() {
        if family != 0 {
            k.postcode = match k.postcode {
                "SP1 2AB" => "KM4 7QT",
                "SP12 9XY" => "KM11 2HD",
                other => other,
            };
        }
        k.forename = FORENAMES[i % FORENAMES.len()];
        if !k.surname.is_empty() {
            k.surname = SURNAMES[(i / 7) % SURNAMES.len()];
        }
        if validate::upn(&k.upn).is_ok() {
            k.upn = upn(la, estab, (i % 1000) as u32);
        }
        k.nhs = nhs((i % 5_000) as u32);
        if let Some(long) = long {
            k.description = long;
        }
    }
    let rel = format!("{dir}/bench.pdf");
    let doc = match family {
        0 => southport(&rel, &k, false),
        1 => kingsmere(&rel, &k),
        _ => kingsmere_flat(&rel, &k),
    };
    (dir, doc.bytes)
}

/// How many forms [`bench_document`] draws from.
#[allow(dead_code)]
pub(crate) const N_FAMILIES: usize = 3;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let template = Template::load(&root.join("mappings/national-template.toml")).expect("template");
    let must = |id: &str| template.get(id).map(|d| d.statutory) == Some(Statutory::Must);

    let mut docs = Vec::new();
    docs.push(southport("southport/blank.pdf", &blank(), false));
    let sp = kids("954", "3001");
    for (i, k) in sp.iter().enumerate() {
        docs.push(southport(
            &format!("southport/filled-{:02}.pdf", i + 1),
            k,
            false,
        ));
    }
    docs.push(southport("southport/filled-01-encrypted.pdf", &sp[0], true));

    docs.push(kingsmere("kingsmere/blank.pdf", &blank()));
    let km: Vec<Kid> = kids("955", "2002")
        .into_iter()
        .map(|mut k| {
            k.postcode = match k.postcode {
                "SP1 2AB" => "KM4 7QT",
                "SP12 9XY" => "KM11 2HD",
                other => other,
            };
            k
        })
        .collect();
    for (i, k) in km.iter().enumerate() {
        docs.push(kingsmere(&format!("kingsmere/filled-{:02}.pdf", i + 1), k));
    }
    // Print views of two submitted forms: 01 (clean) and 03 (the empty surname).
    docs.push(kingsmere_flat("kingsmere-flat/filled-01.pdf", &km[0]));
    docs.push(kingsmere_flat("kingsmere-flat/filled-03.pdf", &km[2]));

    docs.push(hollowmere(
        "hollowmere/blank.pdf",
        &HmCase {
            kid: blank(),
            genders: Vec::new(),
            roles: Vec::new(),
        },
    ));
    for (i, c) in hollowmere_cases().iter().enumerate() {
        docs.push(hollowmere(
            &format!("hollowmere/filled-{:02}.pdf", i + 1),
            c,
        ));
    }

    let forms = root.join("fixtures/forms");
    let mut expected = Map::new();
    for d in &docs {
        write(&forms.join(&d.rel), &d.bytes);
        let answered = |o: &Out| match o {
            Out::Single(i) => !matches!(i.exp, Exp::Empty),
            Out::Group(items) => items.iter().any(|i| !matches!(i.exp, Exp::Empty)),
        };
        let is_blank = !d.fields.iter().chain(&d.extras).any(|(_, o)| answered(o));
        let partial = d.fields.iter().any(|(id, o)| {
            let st = out_json(o)["status"].as_str().unwrap_or("").to_string();
            st == "invalid" || (st == "empty" && must(id))
        });
        let status = if is_blank {
            "blank"
        } else if partial {
            "partial"
        } else {
            "ok"
        };
        let mut fields = Map::new();
        for (id, o) in &d.fields {
            fields.insert((*id).to_string(), out_json(o));
        }
        let mut extras = Map::new();
        for (id, o) in &d.extras {
            extras.insert((*id).to_string(), out_json(o));
        }
        expected.insert(
            d.rel.clone(),
            json!({"mapping": d.mapping, "status": status, "fields": fields, "extras": extras}),
        );
    }
    let text = serde_json::to_string_pretty(&Value::Object(expected)).expect("json");
    write(
        &root.join("fixtures/expected/pdf.json"),
        format!("{text}\n").as_bytes(),
    );
    eprintln!(
        "wrote {} PDF forms and fixtures/expected/pdf.json",
        docs.len()
    );
}
