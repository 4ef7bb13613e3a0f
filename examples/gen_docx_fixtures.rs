//! Writes the docx fixtures of two fictional local authorities and the records expected from them
//! (`fixtures/expected/docx.json`, computed here from the values written plus the defects planted, never by running
//! harmonise):
//!
//! - `fixtures/forms/ashcombe/`: LA 960 "Ashcombe Borough Council", a form of **content controls**: plain text,
//!   drop-downs (displayed text mapped to a value), date pickers, check boxes, a rich-text block found by its
//!   alias, and numbered parent controls (`Parent1Name`, `Parent2Name`). The council's name is in the page header.
//! - `fixtures/forms/fenwick/`: LA 961 "Fenwick County Council", a **table** of label and answer rows: the answer
//!   column is two grid columns merged (`w:gridSpan`), each section's title cell is merged down its rows
//!   (`w:vMerge`), the requester role is a row of tick-box options ("☒ Parent", "☐ School"), and the school and
//!   two yes/no answers are **legacy form fields** (FORMTEXT, FORMCHECKBOX) below the table.
//!
//! Each LA has a blank form and five filled ones. Planted: 03 a UPN with a wrong check letter, 04 an impossible
//! date of birth, 05 an empty surname (a `must` field) and a malformed postcode. Every name, number and address is
//! fictional: NHS numbers from the never-issued 999 range with valid modulus-11 check digits, UPNs with the right
//! check letter for the fictional LA numbers, postcodes in the unassigned areas AC and FW. The zip entries carry a
//! fixed timestamp, so two runs write byte-identical files.
//!
//! Run from the repository root: `cargo run --example gen_docx_fixtures` (or `scripts/gen-fixtures.sh`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "a fixture generator or measuring tool: a failure should stop it loudly, where the library must return an error"
)]

use std::io::{Cursor, Write};
use std::path::Path;

use harmonise::template::{Statutory, Template};
use harmonise::validate;
use serde_json::{Map, Value, json};

// ---- expected outcomes (the same shape as the other generators) ----

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

fn s(source: impl Into<String>, exp: Exp) -> Out {
    Out::Single(Item {
        source: source.into(),
        exp,
    })
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

fn canonical(v: &str, canon: &str) -> Exp {
    if v.trim().is_empty() {
        Exp::Empty
    } else {
        Exp::Ok(json!(canon))
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

/// A date the form holds as `written`; `ymd` is the date meant (None: blank, or impossible when written).
fn date(written: &str, ymd: Option<(i16, i8, i8)>) -> Exp {
    match ymd {
        Some((y, m, d)) => Exp::Ok(json!(format!("{y:04}-{m:02}-{d:02}"))),
        None if written.is_empty() => Exp::Empty,
        None => Exp::Invalid(written.to_string()),
    }
}

// ---- identifiers ----

fn upn(la: &str, estab: &str, serial: u32) -> String {
    let body = format!("{la}{estab}14{serial:03}");
    let check = validate::upn_check_letter(&body).expect("a UPN body");
    format!("{check}{body}")
}

/// The same UPN with the next letter of the alphabet as its check letter: wrong.
fn bad_upn(good: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRTUVWXYZ";
    let first = good.as_bytes()[0];
    let at = ALPHABET.iter().position(|&b| b == first).expect("letter");
    let wrong = ALPHABET[(at + 1) % ALPHABET.len()] as char;
    let bad = format!("{wrong}{}", &good[1..]);
    assert!(validate::upn(&bad).is_err());
    bad
}

/// NHS numbers in the never-issued 999 range, with the modulus 11 check digit.
fn nhs(seed: u32) -> String {
    let mut n = 0;
    loop {
        let body = format!("999{:06}", seed * 41 + n);
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

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

fn dmy(d: Option<(i16, i8, i8)>) -> String {
    d.map_or(String::new(), |(y, m, d)| format!("{d:02}/{m:02}/{y:04}"))
}

// ---- the children ----

#[derive(Clone, Default)]
struct Kid {
    request: Option<(i16, i8, i8)>,
    /// `parent`, `school` or "".
    role: &'static str,
    requester: &'static str,
    forename: &'static str,
    surname: &'static str,
    dob: Option<(i16, i8, i8)>,
    /// An impossible date typed as text (planted).
    dob_bad: Option<&'static str>,
    /// `female`, `male` or "".
    gender: &'static str,
    address: &'static str,
    postcode: String,
    upn: String,
    nhs: String,
    looked_after: bool,
    agreed: bool,
    consent: bool,
    /// (name, relationship); "" is a blank block.
    parents: [(&'static str, &'static str); 2],
    setting: &'static str,
    /// Paragraphs.
    needs: Vec<&'static str>,
    /// Ashcombe: photograph attached (Yes/No); Fenwick: Boxall profile completed (Yes/No).
    extra1: &'static str,
    /// Ashcombe: preferred contact method.
    extra2: &'static str,
}

impl Kid {
    fn dob_written(&self) -> String {
        self.dob_bad.map_or_else(|| dmy(self.dob), str::to_string)
    }
}

/// (forename, surname, gender, date of birth, mother's forename).
type Person = (
    &'static str,
    &'static str,
    &'static str,
    (i16, i8, i8),
    &'static str,
);

fn kids(la: &str, estab: &str, area: &str, town: &str) -> Vec<Kid> {
    let base = Kid {
        request: Some((2025, 9, 15)),
        role: "school",
        requester: "Ms Priya Anand",
        forename: "Elodie",
        surname: "Marchbank",
        dob: Some((2016, 4, 21)),
        dob_bad: None,
        gender: "female",
        address: "",
        postcode: String::new(),
        upn: upn(la, estab, 101),
        nhs: nhs(11),
        looked_after: false,
        agreed: true,
        consent: true,
        parents: [("Helen Marchbank", "Mother"), ("Tomas Marchbank", "Father")],
        setting: "",
        needs: vec![
            "Severe anxiety around transitions; needs adult support at the start of each day.",
            "Reading age three years below chronological age despite daily intervention.",
        ],
        extra1: "Yes",
        extra2: "Email",
    };
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    let mut out = Vec::new();
    let people: [Person; 5] = [
        ("Elodie", "Marchbank", "female", (2016, 4, 21), "Helen"),
        ("Rafferty", "Okonjo", "male", (2014, 11, 3), "Grace"),
        ("Sunniva", "Pellow", "female", (2018, 1, 30), "Maren"),
        ("Caspian", "Thwaite", "male", (2015, 7, 9), "Ruth"),
        ("Imogen", "Loxley", "female", (2017, 2, 14), "Claire"),
    ];
    for (i, (fore, sur, gender, dob, mum)) in people.iter().enumerate() {
        let n = i as u32 + 1;
        let mut k = base.clone();
        k.forename = fore;
        k.surname = sur;
        k.gender = gender;
        k.dob = Some(*dob);
        k.request = Some((2025, 9, 10 + i as i8));
        k.address = leak(format!("{} Quarry Lane, {town}", 10 + 7 * n));
        k.postcode = format!("{area}{n} {n}{}", ["AB", "DE", "FG", "HJ", "LN"][i]);
        k.upn = upn(la, estab, 100 + n);
        k.nhs = nhs(10 + n);
        k.setting = leak(format!(
            "{town} {} Primary School",
            ["Oak", "Ash", "Elm", "Yew", "Fir"][i]
        ));
        k.parents = [
            (leak(format!("{mum} {sur}")), "Mother"),
            (leak(format!("Sam {sur}")), "Father"),
        ];
        k.looked_after = i == 2;
        k.consent = i != 1;
        k.extra1 = if i % 2 == 0 { "Yes" } else { "No" };
        k.extra2 = ["Email", "Phone", "Letter", "Email", "Phone"][i];
        match i {
            1 => {
                k.role = "parent";
                k.requester = leak(format!("{mum} {sur}"));
                k.parents[1] = ("", "");
                k.agreed = false;
            }
            2 => k.upn = bad_upn(&k.upn),
            3 => {
                k.dob = None;
                k.dob_bad = Some("31/02/2015");
            }
            4 => {
                k.surname = "";
                k.postcode = format!("{area}5 5L");
            }
            _ => {}
        }
        out.push(k);
    }
    out
}

fn blank() -> Kid {
    Kid {
        parents: [("", ""), ("", "")],
        ..Kid::default()
    }
}

struct Doc {
    rel: String,
    bytes: Vec<u8>,
    mapping: &'static str,
    fields: Vec<(&'static str, Out)>,
    extras: Vec<(&'static str, Out)>,
}

// ---- the docx container ----

const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml""#;

/// A minimal, valid docx: content types, package relationships, the body and (optionally) one header.
fn package(body: &str, header: Option<&str>) -> Vec<u8> {
    let mut types = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>"#,
    );
    let mut doc_rels = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    );
    let mut sect = String::from("<w:sectPr>");
    if header.is_some() {
        types.push_str(r#"<Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>"#);
        doc_rels.push_str(r#"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header1.xml"/>"#);
        sect.push_str(r#"<w:headerReference w:type="default" r:id="rId1"/>"#);
    }
    types.push_str("</Types>");
    doc_rels.push_str("</Relationships>");
    sect.push_str(r#"<w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="708" w:footer="708" w:gutter="0"/></w:sectPr>"#);
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document {W}><w:body>{body}{sect}</w:body></w:document>"
    );
    let rels = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;
    let mut parts: Vec<(&str, String)> = vec![
        ("[Content_Types].xml", types),
        ("_rels/.rels", rels.to_string()),
        ("word/document.xml", document),
        ("word/_rels/document.xml.rels", doc_rels),
    ];
    if let Some(h) = header {
        parts.push((
            "word/header1.xml",
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:hdr {W}>{h}</w:hdr>"),
        ));
    }
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for (name, body) in parts {
        zip.start_file(name, opts).expect("zip entry");
        zip.write_all(body.as_bytes()).expect("zip write");
    }
    zip.finish().expect("zip").into_inner()
}

fn run(t: &str) -> String {
    format!("<w:r><w:t xml:space=\"preserve\">{}</w:t></w:r>", esc(t))
}

fn para(t: &str) -> String {
    format!("<w:p>{}</w:p>", run(t))
}

fn heading(t: &str) -> String {
    format!(
        "<w:p><w:pPr><w:pStyle w:val=\"Heading1\"/></w:pPr><w:r><w:rPr><w:b/></w:rPr><w:t xml:space=\"preserve\">{}</w:t></w:r></w:p>",
        esc(t)
    )
}

// ---- Ashcombe 960: content controls ----

const PLACEHOLDER: &str = "Click or tap here to enter text.";

fn sdt_pr(tag: &str, alias: Option<&str>, placeholder: bool, kind: &str) -> String {
    let alias = alias.map_or(String::new(), |a| {
        format!("<w:alias w:val=\"{}\"/>", esc(a))
    });
    let plc = if placeholder {
        "<w:showingPlcHdr/>"
    } else {
        ""
    };
    format!("<w:sdtPr>{alias}<w:tag w:val=\"{tag}\"/>{plc}{kind}</w:sdtPr>")
}

/// A plain-text control in a run; blank shows the placeholder.
fn c_text(tag: &str, value: &str) -> String {
    let (plc, shown) = if value.is_empty() {
        (true, PLACEHOLDER)
    } else {
        (false, value)
    };
    format!(
        "<w:sdt>{}<w:sdtContent>{}</w:sdtContent></w:sdt>",
        sdt_pr(tag, None, plc, "<w:text/>"),
        run(shown)
    )
}

/// A drop-down of (display, value) items showing `display` (blank: the placeholder).
fn c_list(tag: &str, items: &[(&str, &str)], display: &str) -> String {
    let list: String = items
        .iter()
        .map(|(d, v)| {
            format!(
                "<w:listItem w:displayText=\"{}\" w:value=\"{}\"/>",
                esc(d),
                esc(v)
            )
        })
        .collect();
    let (plc, shown) = if display.is_empty() {
        (true, "Choose an item.")
    } else {
        (false, display)
    };
    format!(
        "<w:sdt>{}<w:sdtContent>{}</w:sdtContent></w:sdt>",
        sdt_pr(
            tag,
            None,
            plc,
            &format!("<w:dropDownList>{list}</w:dropDownList>")
        ),
        run(shown)
    )
}

/// A date picker: a real date carries `w:fullDate`; text Word could not read as a date (planted) does not.
fn c_date(tag: &str, d: Option<(i16, i8, i8)>, typed: Option<&str>) -> String {
    let fmt = "<w:dateFormat w:val=\"dd/MM/yyyy\"/><w:lid w:val=\"en-GB\"/><w:storeMappedDataAs w:val=\"dateTime\"/><w:calendar w:val=\"gregorian\"/>";
    let (plc, full, shown) = match (d, typed) {
        (Some((y, m, dd)), _) => (
            false,
            format!(" w:fullDate=\"{y:04}-{m:02}-{dd:02}T00:00:00Z\""),
            dmy(d),
        ),
        (None, Some(t)) => (false, String::new(), t.to_string()),
        (None, None) => (true, String::new(), "Click or tap to enter a date.".into()),
    };
    format!(
        "<w:sdt>{}<w:sdtContent>{}</w:sdtContent></w:sdt>",
        sdt_pr(tag, None, plc, &format!("<w:date{full}>{fmt}</w:date>")),
        run(&shown)
    )
}

fn c_check(tag: &str, on: bool) -> String {
    let kind = format!(
        "<w14:checkbox><w14:checked w14:val=\"{}\"/><w14:checkedState w14:val=\"2612\" w14:font=\"MS Gothic\"/><w14:uncheckedState w14:val=\"2610\" w14:font=\"MS Gothic\"/></w14:checkbox>",
        u8::from(on)
    );
    format!(
        "<w:sdt>{}<w:sdtContent>{}</w:sdtContent></w:sdt>",
        sdt_pr(tag, None, false, &kind),
        run(if on { "☒" } else { "☐" })
    )
}

/// A block-level rich-text control of paragraphs, with an alias (its title).
fn c_block(tag: &str, alias: &str, paragraphs: &[&str]) -> String {
    let plc = paragraphs.is_empty();
    let content: String = if plc {
        para(PLACEHOLDER)
    } else {
        paragraphs.iter().map(|p| para(p)).collect()
    };
    format!(
        "<w:sdt>{}<w:sdtContent>{content}</w:sdtContent></w:sdt>",
        sdt_pr(tag, Some(alias), plc, "")
    )
}

fn line(label: &str, control: String) -> String {
    format!("<w:p>{}{control}</w:p>", run(&format!("{label}: ")))
}

fn ashcombe(rel: String, k: &Kid) -> Doc {
    let role_items = [
        ("Parent or carer", "parent"),
        ("School or setting", "school"),
        ("Young person", "young_person"),
    ];
    let role_shown = role_items
        .iter()
        .find(|(_, v)| *v == k.role)
        .map_or("", |(d, _)| *d);
    let gender_items = [
        ("Girl", "female"),
        ("Boy", "male"),
        ("Prefer not to say", "not_known"),
    ];
    let gender_shown = gender_items
        .iter()
        .find(|(_, v)| *v == k.gender)
        .map_or("", |(d, _)| *d);
    let yes_no = [("Yes", "Yes"), ("No", "No")];
    let contact = [("Email", "Email"), ("Phone", "Phone"), ("Letter", "Letter")];
    let mut b = String::new();
    b.push_str(&heading(
        "Request for an Education, Health and Care needs assessment",
    ));
    b.push_str(&para(
        "Please complete every section. Form ABC/EHC/1 (2025-01).",
    ));
    b.push_str(&heading("Section 1: About the request"));
    b.push_str(&line(
        "Date of request",
        c_date("RequestDate", k.request, None),
    ));
    b.push_str(&line(
        "I am making this request as",
        c_list("RequesterRole", &role_items, role_shown),
    ));
    b.push_str(&line(
        "Name of person making the request",
        c_text("RequesterName", k.requester),
    ));
    b.push_str(&heading("Section 2: About the child"));
    b.push_str(&line("First name", c_text("ChildForename", k.forename)));
    b.push_str(&line("Last name", c_text("ChildSurname", k.surname)));
    b.push_str(&line("Date of birth", c_date("ChildDOB", k.dob, k.dob_bad)));
    b.push_str(&line(
        "Gender",
        c_list("ChildGender", &gender_items, gender_shown),
    ));
    b.push_str(&line("Home address", c_text("ChildAddress", k.address)));
    b.push_str(&line("Postcode", c_text("ChildPostcode", &k.postcode)));
    b.push_str(&line("Unique Pupil Number", c_text("ChildUPN", &k.upn)));
    b.push_str(&line("NHS number", c_text("ChildNHS", &k.nhs)));
    b.push_str(&format!(
        "<w:p>{}{}</w:p>",
        c_check("LookedAfter", k.looked_after),
        run(" The child is looked after by a local authority")
    ));
    b.push_str(&line(
        "Current school or setting",
        c_text("SettingName", k.setting),
    ));
    b.push_str(&heading("Section 3: Parents and carers"));
    for (i, (name, relationship)) in k.parents.iter().enumerate() {
        let n = i + 1;
        b.push_str(&line(
            &format!("Parent/carer {n} name"),
            c_text(&format!("Parent{n}Name"), name),
        ));
        b.push_str(&line(
            &format!("Parent/carer {n} relationship to the child"),
            c_text(&format!("Parent{n}Relationship"), relationship),
        ));
    }
    b.push_str(&format!(
        "<w:p>{}{}</w:p>",
        c_check("ParentsAgree", k.agreed),
        run(" The parents agree to this request")
    ));
    b.push_str(&heading("Section 4: The child's needs"));
    b.push_str(&para("Describe the child's special educational needs:"));
    b.push_str(&c_block("Needs", "Description of needs", &k.needs));
    b.push_str(&heading("Section 5: Further information"));
    b.push_str(&line(
        "Photograph of the child attached?",
        c_list("Photo", &yes_no, k.extra1),
    ));
    b.push_str(&line(
        "Preferred method of contact",
        c_list("Contact", &contact, k.extra2),
    ));
    b.push_str(&format!(
        "<w:p>{}{}</w:p>",
        c_check("Consent", k.consent),
        run(" I consent to information being shared with the professionals named in this request")
    ));
    let header = para("Ashcombe Borough Council - SEND Assessment Team");
    let bytes = package(&b, Some(&header));

    let group = |f: fn(&(&'static str, &'static str)) -> &'static str, what: &str| {
        Out::Group(
            k.parents
                .iter()
                .enumerate()
                .map(|(i, p)| Item {
                    source: format!("sdt:Parent{}{what}", i + 1),
                    exp: text(f(p)),
                })
                .collect(),
        )
    };
    let fields = vec![
        (
            "request.date",
            s("sdt:RequestDate", date(&dmy(k.request), k.request)),
        ),
        (
            "request.requester_role",
            s("sdt:RequesterRole", canonical(role_shown, k.role)),
        ),
        (
            "request.requester_name",
            s("sdt:RequesterName", text(k.requester)),
        ),
        (
            "request.parent_agreement",
            s("sdt:ParentsAgree", Exp::Ok(json!(k.agreed))),
        ),
        ("child.forename", s("sdt:ChildForename", text(k.forename))),
        ("child.surname", s("sdt:ChildSurname", text(k.surname))),
        (
            "child.date_of_birth",
            s("sdt:ChildDOB", date(&k.dob_written(), k.dob)),
        ),
        (
            "child.gender",
            s("sdt:ChildGender", canonical(gender_shown, k.gender)),
        ),
        ("child.address", s("sdt:ChildAddress", text(k.address))),
        (
            "child.postcode",
            s("sdt:ChildPostcode", id(&k.postcode, validate::postcode)),
        ),
        ("child.upn", s("sdt:ChildUPN", id(&k.upn, validate::upn))),
        (
            "child.nhs_number",
            s("sdt:ChildNHS", id(&k.nhs, validate::nhs_number)),
        ),
        (
            "child.looked_after",
            s("sdt:LookedAfter", Exp::Ok(json!(k.looked_after))),
        ),
        ("parents.name", group(|p| p.0, "Name")),
        ("parents.relationship", group(|p| p.1, "Relationship")),
        ("setting.name", s("sdt:SettingName", text(k.setting))),
        (
            "needs.description",
            s("sdt:Needs", text(&k.needs.join("\n"))),
        ),
        (
            "consent.information_sharing",
            s("sdt:Consent", Exp::Ok(json!(k.consent))),
        ),
    ];
    let extras = vec![
        ("photograph", s("sdt:Photo", text(k.extra1))),
        ("contact_method", s("sdt:Contact", text(k.extra2))),
    ];
    Doc {
        rel,
        bytes,
        mapping: "960-ashcombe",
        fields,
        extras,
    }
}

// ---- Fenwick 961: a table of label and answer rows, tick boxes, legacy form fields ----

/// A table cell: properties, then paragraphs of text.
fn tc(pr: &str, content: &str) -> String {
    let body = if content.is_empty() {
        "<w:p/>".to_string()
    } else {
        content.lines().map(para).collect()
    };
    format!("<w:tc><w:tcPr><w:tcW w:w=\"0\" w:type=\"auto\"/>{pr}</w:tcPr>{body}</w:tc>")
}

fn formtext(name: &str, value: &str) -> String {
    let result = if value.is_empty() {
        "\u{2002}".repeat(5)
    } else {
        value.to_string()
    };
    format!(
        "<w:r><w:fldChar w:fldCharType=\"begin\"><w:ffData><w:name w:val=\"{name}\"/><w:enabled/><w:calcOnExit w:val=\"0\"/><w:textInput/></w:ffData></w:fldChar></w:r><w:r><w:instrText xml:space=\"preserve\"> FORMTEXT </w:instrText></w:r><w:r><w:fldChar w:fldCharType=\"separate\"/></w:r>{}<w:r><w:fldChar w:fldCharType=\"end\"/></w:r>",
        run(&result)
    )
}

fn formcheckbox(name: &str, on: bool) -> String {
    let checked = if on { "<w:checked/>" } else { "" };
    format!(
        "<w:r><w:fldChar w:fldCharType=\"begin\"><w:ffData><w:name w:val=\"{name}\"/><w:enabled/><w:calcOnExit w:val=\"0\"/><w:checkBox><w:sizeAuto/><w:default w:val=\"0\"/>{checked}</w:checkBox></w:ffData></w:fldChar></w:r><w:r><w:instrText xml:space=\"preserve\"> FORMCHECKBOX </w:instrText></w:r><w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:fldChar w:fldCharType=\"end\"/></w:r>"
    )
}

fn fenwick(rel: String, k: &Kid) -> Doc {
    const SPAN: &str = "<w:gridSpan w:val=\"2\"/>";
    const RESTART: &str = "<w:vMerge w:val=\"restart\"/>";
    const CONT: &str = "<w:vMerge/>";
    // Rows: (section title on the section's first row, label, answer). Grid: A section, B label, C:D answer.
    let tick = |on: bool, what: &str| format!("{} {what}", if on { "☒" } else { "☐" });
    let rows: Vec<(Option<&str>, &str, String)> = vec![
        (
            Some("Section A: The child"),
            "Child's forename",
            k.forename.into(),
        ),
        (None, "Child's surname", k.surname.into()),
        (None, "Date of birth (dd/mm/yyyy)", k.dob_written()),
        (None, "Unique Pupil Number (UPN)", k.upn.clone()),
        (None, "NHS number", k.nhs.clone()),
        (None, "Home address", k.address.into()),
        (None, "Postcode", k.postcode.clone()),
        (
            Some("Section B: The request"),
            "Requester role",
            String::new(),
        ),
        (
            None,
            "Name of person making the request",
            k.requester.into(),
        ),
        (None, "Date of request (dd/mm/yyyy)", dmy(k.request)),
        (None, "Parent/carer 1 name", k.parents[0].0.into()),
        (None, "Parent/carer 2 name", k.parents[1].0.into()),
        (
            Some("Section C: Needs"),
            "Description of the child's needs",
            k.needs.join("\n"),
        ),
        (None, "Boxall profile completed (Yes/No)", k.extra1.into()),
    ];
    let mut t = String::from(
        "<w:tbl><w:tblPr><w:tblStyle w:val=\"TableGrid\"/><w:tblW w:w=\"0\" w:type=\"auto\"/></w:tblPr><w:tblGrid><w:gridCol w:w=\"2000\"/><w:gridCol w:w=\"3000\"/><w:gridCol w:w=\"2000\"/><w:gridCol w:w=\"2000\"/></w:tblGrid>",
    );
    for (section, label, answer) in &rows {
        t.push_str("<w:tr>");
        t.push_str(&match section {
            Some(title) => tc(RESTART, title),
            None => tc(CONT, ""),
        });
        t.push_str(&tc("", label));
        if *label == "Requester role" {
            // Two option cells, one grid column each.
            t.push_str(&tc("", &tick(k.role == "parent", "Parent")));
            t.push_str(&tc("", &tick(k.role == "school", "School")));
        } else {
            t.push_str(&tc(SPAN, answer));
        }
        t.push_str("</w:tr>");
    }
    t.push_str("</w:tbl>");
    let mut b = String::new();
    b.push_str(&heading("Fenwick County Council"));
    b.push_str(&para(
        "Request for an Education, Health and Care needs assessment (FCC SEN 1, 2024)",
    ));
    b.push_str(&t);
    b.push_str(&heading("Section D: School and agreement"));
    b.push_str(&format!(
        "<w:p>{}{}</w:p>",
        run("Name of current school: "),
        formtext("SchoolName", k.setting)
    ));
    b.push_str(&format!(
        "<w:p>{}{}</w:p>",
        formcheckbox("ParentsAgree", k.agreed),
        run(" The child's parents agree to this request")
    ));
    b.push_str(&format!(
        "<w:p>{}{}</w:p>",
        formcheckbox("Consent", k.consent),
        run(" Consent to share information has been given")
    ));
    b.push_str(&para(
        "Has the child been excluded in the last 12 months? (answer in the covering letter)",
    ));
    let bytes = package(&b, None);

    let cell = |row: usize| format!("Table1!C{row}");
    let role_source = if k.role.is_empty() {
        "Table1!C8, Table1!D8".to_string()
    } else if k.role == "parent" {
        "Table1!C8".to_string()
    } else {
        "Table1!D8".to_string()
    };
    let fields = vec![
        ("child.forename", s(cell(1), text(k.forename))),
        ("child.surname", s(cell(2), text(k.surname))),
        (
            "child.date_of_birth",
            s(cell(3), date(&k.dob_written(), k.dob)),
        ),
        ("child.upn", s(cell(4), id(&k.upn, validate::upn))),
        (
            "child.nhs_number",
            s(cell(5), id(&k.nhs, validate::nhs_number)),
        ),
        ("child.address", s(cell(6), text(k.address))),
        (
            "child.postcode",
            s(cell(7), id(&k.postcode, validate::postcode)),
        ),
        (
            "request.requester_role",
            s(role_source, canonical(k.role, k.role)),
        ),
        ("request.requester_name", s(cell(9), text(k.requester))),
        (
            "request.date",
            s(cell(10), date(&dmy(k.request), k.request)),
        ),
        (
            "parents.name",
            Out::Group(vec![
                Item {
                    source: cell(11),
                    exp: text(k.parents[0].0),
                },
                Item {
                    source: cell(12),
                    exp: text(k.parents[1].0),
                },
            ]),
        ),
        ("needs.description", s(cell(13), text(&k.needs.join("\n")))),
        ("setting.name", s("ff:SchoolName", text(k.setting))),
        (
            "request.parent_agreement",
            s("ff:ParentsAgree", Exp::Ok(json!(k.agreed))),
        ),
        (
            "consent.information_sharing",
            s("ff:Consent", Exp::Ok(json!(k.consent))),
        ),
    ];
    let extras = vec![("boxall_profile", s(cell(14), text(k.extra1)))];
    Doc {
        rel,
        bytes,
        mapping: "961-fenwick",
        fields,
        extras,
    }
}

fn write(path: &Path, bytes: &[u8]) {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    std::fs::write(path, bytes).expect("write");
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let template = Template::load(&root.join("mappings/national-template.toml")).expect("template");
    let must = |id: &str| template.get(id).map(|d| d.statutory) == Some(Statutory::Must);

    let mut docs = vec![ashcombe("ashcombe/blank.docx".into(), &blank())];
    for (i, k) in kids("960", "3001", "AC", "Ashcombe").iter().enumerate() {
        docs.push(ashcombe(format!("ashcombe/filled-{:02}.docx", i + 1), k));
    }
    docs.push(fenwick("fenwick/blank.docx".into(), &blank()));
    for (i, k) in kids("961", "2002", "FW", "Fenwick").iter().enumerate() {
        docs.push(fenwick(format!("fenwick/filled-{:02}.docx", i + 1), k));
    }

    let forms = root.join("fixtures/forms");
    let mut expected = Map::new();
    for d in &docs {
        write(&forms.join(&d.rel), &d.bytes);
        // An unticked box does not fill a form in (see record_status in src/harmonise.rs).
        let filled = |e: &Exp| !matches!(e, Exp::Empty | Exp::Ok(Value::Bool(false)));
        let answered = |o: &Out| match o {
            Out::Single(i) => filled(&i.exp),
            Out::Group(items) => items.iter().any(|i| filled(&i.exp)),
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
        &root.join("fixtures/expected/docx.json"),
        format!("{text}\n").as_bytes(),
    );
    eprintln!(
        "wrote {} docx forms and fixtures/expected/docx.json",
        docs.len()
    );
}
