//! Writes Word request forms laid out like real LAs' published forms, for ten **fictional** local authorities
//! (codes 962-967, 974-977), and the truth about every one of them (`truth.json`), computed here from what was written,
//! never by running harmonise. `docs/real-layouts.md` says which public form each layout follows.
//!
//! | code | LA | split | follows the layout of | answers marked by |
//! |---|---|---|---|---|
//! | 962 | Brackenridge Borough Council | tune | a sectioned A-F request (stacked parent blocks) | highlighting (one doc: shading) |
//! | 963 | Coldmere County Council | tune | an early-years "statutory assessment and funding" request (parents side by side) | bold; striking |
//! | 964 | Thornbeck Metropolitan Borough Council | tune | a "statutory school age request" of tick boxes | FORMCHECKBOX; content-control check boxes |
//! | 965 | Saltmarsh and Eddington Children's Trust | tune | an FE college and training provider request | an X or tick before the option |
//! | 966 | Fellbrook Council | heldout | an "EHC assessment application" with a pre-printed agencies table | underlining; a tick after the option |
//! | 967 | Quillon Vale Council | heldout | an old "Form 1 / Appendix B" of label-and-answer cells | deleting the other options |
//! | 974 | Harrowdene Borough Council | fresh | a "Request for Statutory Assessment" of dotted lines (answers typed over the dots) | deleting; typing the word; an X in a box |
//! | 975 | Wyckham County Council | fresh | a request opening with the parents' consent, each parent one cell of labelled lines | coloured font; typed answers |
//! | 976 | Kestrelford Borough Council | tune | a "Stage 4" referral of underscored lines in two columns, titles "(Mr/Mrs/Miss/Ms)" | deleting; typing the number on the rule |
//! | 977 | Marrowby County Council | tune | a head teacher's request (SAR.1): Y and N in cells of their own, UPN boxes, parents' cells side by side | shading the cell; deleting; an X; typed answers |
//!
//! Each LA has a blank form (options printed, nothing marked) and six filled ones, written under
//! `tune/<la>/`, `heldout/<la>/` or `fresh/<la>/` of the output folder. The fresh split (never tuned on) has its
//! truth in `fresh/truth.json`, so that `truth.json` and what counts it are unchanged. Every name, number and address is invented: NHS numbers
//! from the never-issued 999 range with valid modulus-11 check digits, UPNs with the right check letter for the
//! fictional LA number, postcodes in unassigned areas (AC, FW, JH, UD, ZF, YH, GD, WK, KX, PX), telephone numbers from Ofcom's
//! drama ranges, e-mail addresses at example.org. The zip entries carry a fixed timestamp: two runs write
//! byte-identical files.
//!
//! The truth, per document: `la_code`, `record_status` (as `record_status` in src/harmonise.rs derives it) and
//! `fields`, one entry per national template field the form asks: `{status, value}` (`ok`, `empty`, `invalid`),
//! or `{items: [...]}` for the repeating `parents.*` and `professionals.*` fields. Rules (docs/real-layouts.md):
//! text trimmed, "N/A" / "NA" empty; dates ISO; identifiers normalised; an option question with nothing marked
//! (or nothing deleted or struck) empty, with two marked invalid (`marked` lists them); a group item per parent
//! or professional the document names (a wholly blank block or row is no item); "Address (if different)" blank,
//! or "As above", is the child's address.
//!
//! Run from the repository root: `cargo run --example gen_real_layout_fixtures [-- --out DIR]` (default
//! `fixtures/real-layout`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "a fixture generator: a failure should stop it loudly, where the library must return an error"
)]

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use harmonise::template::{Statutory, Template};
use harmonise::validate;
use serde_json::{Map, Value, json};

// ---------------------------------------------------------------------------------------------------------------
// The truth
// ---------------------------------------------------------------------------------------------------------------

/// One value as a correct mapping would record it.
#[derive(Clone, Debug)]
enum V {
    Ok(Value),
    Empty,
    /// Typed text that fails its type (kept as written, trimmed).
    Invalid(String),
    /// An option question with several options marked (their printed wordings).
    Marked(Vec<String>),
}

impl V {
    fn json(&self) -> Value {
        match self {
            V::Ok(v) => json!({"status": "ok", "value": v}),
            V::Empty => json!({"status": "empty"}),
            V::Invalid(s) => json!({"status": "invalid", "value": s}),
            V::Marked(m) => json!({"status": "invalid", "marked": m}),
        }
    }
    fn status(&self) -> &'static str {
        match self {
            V::Ok(_) => "ok",
            V::Empty => "empty",
            V::Invalid(_) | V::Marked(_) => "invalid",
        }
    }
    /// Makes a form filled in (an unticked box does not: see record_status in src/harmonise.rs).
    fn filled(&self) -> bool {
        match self {
            V::Ok(Value::Bool(false)) | V::Empty => false,
            V::Ok(_) | V::Invalid(_) | V::Marked(_) => true,
        }
    }
}

enum F {
    One(V),
    Items(Vec<V>),
}

impl F {
    fn status(&self) -> &'static str {
        match self {
            F::One(v) => v.status(),
            F::Items(items) if items.iter().any(|i| i.status() == "invalid") => "invalid",
            F::Items(items) if items.iter().any(|i| i.status() == "ok") => "ok",
            F::Items(_) => "empty",
        }
    }
    fn filled(&self) -> bool {
        match self {
            F::One(v) => v.filled(),
            F::Items(items) => items.iter().any(V::filled),
        }
    }
    fn json(&self) -> Value {
        match self {
            F::One(v) => v.json(),
            F::Items(items) => json!({"items": items.iter().map(V::json).collect::<Vec<_>>()}),
        }
    }
}

#[derive(Default)]
struct Tr(Vec<(&'static str, F)>);

impl Tr {
    fn one(&mut self, id: &'static str, v: V) {
        assert!(self.0.iter().all(|(i, _)| *i != id), "{id} twice");
        self.0.push((id, F::One(v)));
    }
    fn items(&mut self, id: &'static str, items: Vec<V>) {
        assert!(self.0.iter().all(|(i, _)| *i != id), "{id} twice");
        self.0.push((id, F::Items(items)));
    }
}

fn na(s: &str) -> bool {
    let t = s.trim();
    t.is_empty() || t.eq_ignore_ascii_case("n/a") || t.eq_ignore_ascii_case("na")
}

fn txt(s: &str) -> V {
    if na(s) {
        V::Empty
    } else {
        V::Ok(json!(s.trim()))
    }
}

fn idv(s: &str, check: fn(&str) -> Result<String, validate::Invalid>) -> V {
    if na(s) {
        return V::Empty;
    }
    match check(s) {
        Ok(n) => V::Ok(json!(n)),
        Err(_) => V::Invalid(s.trim().to_string()),
    }
}

fn bo(b: bool) -> V {
    V::Ok(json!(b))
}

type Ymd = (i16, i8, i8);

#[derive(Clone, Copy)]
enum Df {
    /// 3/4/2015
    Slash,
    /// 03/04/2015
    SlashPad,
    /// 03.04.2015
    Dot,
    /// 3rd April 2015
    Ordinal,
    /// 2015-04-03
    Iso,
    /// 03/04/15 (a two-digit year)
    Short,
    /// 3 April 2015
    Long,
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

fn fmt_date((y, m, d): Ymd, df: Df) -> String {
    match df {
        Df::Slash => format!("{d}/{m}/{y}"),
        Df::SlashPad => format!("{d:02}/{m:02}/{y:04}"),
        Df::Dot => format!("{d:02}.{m:02}.{y:04}"),
        Df::Iso => format!("{y:04}-{m:02}-{d:02}"),
        Df::Short => format!("{d:02}/{m:02}/{:02}", y % 100),
        Df::Long => format!("{d} {} {y}", MONTHS[(m - 1) as usize]),
        Df::Ordinal => {
            let suffix = match (d % 10, d) {
                (_, 11..=13) => "th",
                (1, _) => "st",
                (2, _) => "nd",
                (3, _) => "rd",
                _ => "th",
            };
            format!("{d}{suffix} {} {y}", MONTHS[(m - 1) as usize])
        }
    }
}

/// A date written in `df` (blank form: nothing) and its truth.
fn date(d: Option<Ymd>, df: Df) -> (String, V) {
    match d {
        Some(ymd) => (
            fmt_date(ymd, df),
            V::Ok(json!(format!("{:04}-{:02}-{:02}", ymd.0, ymd.1, ymd.2))),
        ),
        None => (String::new(), V::Empty),
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Identifiers
// ---------------------------------------------------------------------------------------------------------------

fn upn(la: &str, estab: &str, serial: u32) -> String {
    let body = format!("{la}{estab}15{serial:03}");
    let check = validate::upn_check_letter(&body).expect("a UPN body");
    let s = format!("{check}{body}");
    assert!(validate::upn(&s).is_ok());
    s
}

/// The same UPN with the next letter of the alphabet as its check letter: wrong.
fn bad_upn(good: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRTUVWXYZ";
    let at = ALPHABET
        .iter()
        .position(|&b| b == good.as_bytes()[0])
        .expect("letter");
    let bad = format!(
        "{}{}",
        ALPHABET[(at + 1) % ALPHABET.len()] as char,
        &good[1..]
    );
    assert!(validate::upn(&bad).is_err());
    bad
}

/// NHS numbers in the never-issued 999 range, with the modulus 11 check digit.
fn nhs(seed: u32) -> String {
    let mut n = 0;
    loop {
        let body = format!("999{:06}", seed * 7919 % 1_000_000 + n);
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

/// 999 123 4567, 999-123-4567.
fn nhs_split(n: &str, sep: &str) -> String {
    format!("{}{sep}{}{sep}{}", &n[..3], &n[3..6], &n[6..])
}

/// A ULN with its check digit (fictional: not linked to any learner).
fn uln(seed: u32) -> String {
    let mut n = 0;
    loop {
        let body = format!("48{:07}", seed * 104_729 % 10_000_000 + n);
        let sum: u32 = body
            .bytes()
            .zip((2..=10).rev())
            .map(|(b, w)| u32::from(b - b'0') * w)
            .sum();
        let r = sum % 11;
        if r != 0 {
            let s = format!("{body}{}", 10 - r);
            if validate::uln(&s).is_ok() {
                return s;
            }
        }
        n += 1;
    }
}

// ---------------------------------------------------------------------------------------------------------------
// WordprocessingML
// ---------------------------------------------------------------------------------------------------------------

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn run(t: &str) -> String {
    format!("<w:r><w:t xml:space=\"preserve\">{}</w:t></w:r>", esc(t))
}

fn run_pr(t: &str, pr: &str) -> String {
    format!(
        "<w:r><w:rPr>{pr}</w:rPr><w:t xml:space=\"preserve\">{}</w:t></w:r>",
        esc(t)
    )
}

fn p(runs: &str) -> String {
    format!("<w:p>{runs}</w:p>")
}

fn para(t: &str) -> String {
    p(&run(t))
}

fn heading(t: &str) -> String {
    format!(
        "<w:p><w:pPr><w:pStyle w:val=\"Heading1\"/></w:pPr>{}</w:p>",
        run_pr(t, "<w:b/><w:sz w:val=\"28\"/>")
    )
}

fn subheading(t: &str) -> String {
    format!(
        "<w:p><w:pPr><w:pStyle w:val=\"Heading2\"/></w:pPr>{}</w:p>",
        run_pr(t, "<w:b/>")
    )
}

/// A legacy check-box form field (FORMCHECKBOX).
fn formcheckbox(name: &str, on: bool) -> String {
    let checked = if on { "<w:checked/>" } else { "" };
    format!(
        "<w:r><w:fldChar w:fldCharType=\"begin\"><w:ffData><w:name w:val=\"{name}\"/><w:enabled/><w:calcOnExit w:val=\"0\"/><w:checkBox><w:sizeAuto/><w:default w:val=\"0\"/>{checked}</w:checkBox></w:ffData></w:fldChar></w:r><w:r><w:instrText xml:space=\"preserve\"> FORMCHECKBOX </w:instrText></w:r><w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:fldChar w:fldCharType=\"end\"/></w:r>"
    )
}

/// A content-control check box (`w14:checkbox`) showing ☒ or ☐.
fn sdt_check(tag: &str, on: bool) -> String {
    format!(
        "<w:sdt><w:sdtPr><w:tag w:val=\"{tag}\"/><w14:checkbox><w14:checked w14:val=\"{}\"/><w14:checkedState w14:val=\"2612\" w14:font=\"MS Gothic\"/><w14:uncheckedState w14:val=\"2610\" w14:font=\"MS Gothic\"/></w14:checkbox></w:sdtPr><w:sdtContent>{}</w:sdtContent></w:sdt>",
        u8::from(on),
        run_pr(
            if on { "☒" } else { "☐" },
            "<w:rFonts w:ascii=\"MS Gothic\" w:hAnsi=\"MS Gothic\"/>"
        )
    )
}

/// How a filled form marks the chosen option among printed ones.
#[derive(Clone, Copy, PartialEq)]
enum Mk {
    /// `w:highlight` of this colour.
    Hi(&'static str),
    /// `w:shd` fill of this colour (shading, not highlighting).
    Shd(&'static str),
    Bold,
    Under,
    /// The other options deleted.
    Del,
    /// The other options deleted, the separator after the kept one left behind ("Male /").
    DelSlash,
    /// The other options struck through (`w:strike`).
    Strike,
    /// The other options double-struck (`w:dstrike`).
    DStrike,
    /// A glyph typed before the option ("X No").
    Before(&'static str),
    /// A glyph typed after the option ("No ✓").
    After(&'static str),
    /// The option's font coloured (`w:color`), the others left black.
    Colour(&'static str),
}

/// The runs of a printed options line (`Male / Female`) with `marked` marked as `mk` says.
fn options(labels: &[&str], marked: &[usize], mk: Mk, sep: &str) -> String {
    if matches!(mk, Mk::Del | Mk::DelSlash) && marked.len() == 1 {
        let i = marked[0];
        let mut s = run(labels[i]);
        if mk == Mk::DelSlash && i + 1 < labels.len() {
            s.push_str(&run(sep.trim_end()));
        }
        return s;
    }
    let any = !marked.is_empty();
    let mut s = String::new();
    for (i, l) in labels.iter().enumerate() {
        if i > 0 {
            s.push_str(&run(sep));
        }
        let on = marked.contains(&i);
        s.push_str(&match mk {
            Mk::Hi(c) if on => run_pr(l, &format!("<w:highlight w:val=\"{c}\"/>")),
            Mk::Shd(f) if on => run_pr(
                l,
                &format!("<w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"{f}\"/>"),
            ),
            Mk::Bold if on => run_pr(l, "<w:b/><w:bCs/>"),
            Mk::Under if on => run_pr(l, "<w:u w:val=\"single\"/>"),
            Mk::Strike if any && !on => run_pr(l, "<w:strike/>"),
            Mk::DStrike if any && !on => run_pr(l, "<w:dstrike/>"),
            Mk::Before(g) if on => format!("{}{}", run(&format!("{g} ")), run(l)),
            Mk::After(g) if on => format!("{}{}", run(l), run(&format!(" {g}"))),
            Mk::Colour(c) if on => run_pr(l, &format!("<w:color w:val=\"{c}\"/>")),
            _ => run(l),
        });
    }
    s
}

/// What a correct mapping makes of an options line.
fn opt_v(labels: &[&str], values: &[Value], marked: &[usize], mk: Mk) -> V {
    let removes = matches!(mk, Mk::Del | Mk::DelSlash | Mk::Strike | Mk::DStrike);
    match marked.len() {
        0 => V::Empty,
        1 => V::Ok(values[marked[0]].clone()),
        n if removes && n == labels.len() => V::Empty,
        _ => V::Marked(marked.iter().map(|&i| labels[i].to_string()).collect()),
    }
}

fn yes_no() -> [Value; 2] {
    [json!(true), json!(false)]
}

/// A table cell: grid span, extra `w:tcPr` content, paragraphs (each the runs of one `w:p`).
struct C {
    span: usize,
    pr: String,
    paras: Vec<String>,
}

/// A cell of text: one paragraph per line.
fn t(s: &str) -> C {
    C {
        span: 1,
        pr: String::new(),
        paras: if s.is_empty() {
            vec![String::new()]
        } else {
            s.split('\n').map(run).collect()
        },
    }
}

/// A cell of one paragraph of runs.
fn r(runs: String) -> C {
    C {
        span: 1,
        pr: String::new(),
        paras: vec![runs],
    }
}

impl C {
    fn span(mut self, n: usize) -> C {
        self.span = n;
        self
    }
    /// A shaded label cell (cell shading, `w:tcPr/w:shd`).
    fn shade(mut self, fill: &str) -> C {
        self.pr.push_str(&format!(
            "<w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"{fill}\"/>"
        ));
        self
    }
    fn bold(mut self) -> C {
        for para in &mut self.paras {
            *para = para.replace("<w:r><w:t", "<w:r><w:rPr><w:b/></w:rPr><w:t");
        }
        self
    }
}

/// A table on the grid `grid` (column widths in twips).
fn tbl(grid: &[u32], rows: Vec<Vec<C>>) -> String {
    let mut s = String::from(
        "<w:tbl><w:tblPr><w:tblStyle w:val=\"TableGrid\"/><w:tblW w:w=\"0\" w:type=\"auto\"/><w:tblLook w:val=\"04A0\"/></w:tblPr><w:tblGrid>",
    );
    for w in grid {
        s.push_str(&format!("<w:gridCol w:w=\"{w}\"/>"));
    }
    s.push_str("</w:tblGrid>");
    for row in rows {
        s.push_str("<w:tr>");
        let mut col = 0;
        for c in row {
            let width: u32 = grid[col..col + c.span].iter().sum();
            col += c.span;
            let span = if c.span > 1 {
                format!("<w:gridSpan w:val=\"{}\"/>", c.span)
            } else {
                String::new()
            };
            s.push_str(&format!(
                "<w:tc><w:tcPr><w:tcW w:w=\"{width}\" w:type=\"dxa\"/>{span}{}</w:tcPr>",
                c.pr
            ));
            for para in &c.paras {
                s.push_str(&p(para));
            }
            s.push_str("</w:tc>");
        }
        assert_eq!(col, grid.len(), "a row must fill the grid");
        s.push_str("</w:tr>");
    }
    s.push_str("</w:tbl>");
    // Word separates consecutive tables with a paragraph.
    s.push_str("<w:p/>");
    s
}

const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml""#;

/// A minimal, valid docx: content types, package relationships, the body and (optionally) one page header.
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
    sect.push_str(r#"<w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1134" w:right="1134" w:bottom="1134" w:left="1134" w:header="708" w:footer="708" w:gutter="0"/></w:sectPr>"#);
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

// ---------------------------------------------------------------------------------------------------------------
// The fictional children and families
// ---------------------------------------------------------------------------------------------------------------

#[derive(Clone)]
struct Parent {
    title: &'static str,
    fore: &'static str,
    sur: String,
    rel: &'static str,
    /// None: lives with the child.
    addr: Option<String>,
    phone: String,
    email: String,
    pr: bool,
}

impl Parent {
    fn name(&self) -> String {
        format!("{} {}", self.fore, self.sur)
    }
}

#[derive(Clone)]
struct Kid {
    fore: &'static str,
    sur: &'static str,
    pref: &'static str,
    dob: Ymd,
    male: bool,
    street: String,
    town: &'static str,
    pc: String,
    upn: String,
    nhs: String,
    uln: String,
    school: String,
    urn: String,
    head: String,
    year: String,
    gp: String,
    lang: &'static str,
    religion: &'static str,
    ethnicity: &'static str,
    lac: bool,
    parents: Vec<Parent>,
    needs: &'static str,
    action: &'static str,
    attain: &'static str,
    health: &'static str,
    vchild: &'static str,
    vparent: &'static str,
    /// (profession index into [`PROFESSIONS`], name, contact lines).
    pros: Vec<(usize, String, String)>,
    req: Ymd,
    requester: String,
    req_contact: String,
    agree: bool,
}

impl Kid {
    fn addr(&self) -> String {
        format!("{}, {}", self.street, self.town)
    }
}

const PROFESSIONS: [&str; 8] = [
    "Educational Psychologist",
    "Speech and Language Therapist",
    "Occupational Therapist",
    "Paediatrician",
    "Advisory Teacher for Visual Impairment",
    "Advisory Teacher for Hearing Impairment",
    "Social Worker",
    "CAMHS",
];

const FORENAMES: [&str; 60] = [
    "Amara", "Tobias", "Ines", "Kofi", "Lyra", "Mateo", "Saoirse", "Idris", "Wren", "Anouk",
    "Bram", "Calla", "Dario", "Elska", "Fenn", "Galen", "Hester", "Ivo", "Juno", "Kasimir",
    "Liesl", "Marek", "Nell", "Oren", "Pia", "Quinn", "Rosalind", "Soren", "Tamsin", "Ulric",
    "Vesna", "Wilf", "Xanthe", "Yusuf", "Zelie", "Anselm", "Briony", "Cosmo", "Delphine", "Emrys",
    "Flavia", "Gethin", "Honor", "Ignatius", "Jessamy", "Lorcan", "Mireille", "Osric", "Aurelie",
    "Benedikt", "Cressida", "Dmitri", "Esme", "Florian", "Greta", "Hamish", "Isolde", "Jasper",
    "Kezia", "Leander",
];
const SURNAMES: [&str; 60] = [
    "Osei",
    "Pellingham",
    "Achterberg",
    "Wrenfield",
    "Castellane",
    "Drummock",
    "Brindlecombe",
    "Quarrie",
    "Tolliver",
    "Marchetti",
    "Oyelaran",
    "Haverstock",
    "Kilbride",
    "Nussbaum",
    "Ferreira-Lowe",
    "Ashdown",
    "Penhallow",
    "Sixsmith",
    "Throssell",
    "Vickery",
    "Yarwood",
    "Zielinski",
    "Abernethy",
    "Bellweather",
    "Corrigan",
    "Dunmore",
    "Eastwick",
    "Fairbairn",
    "Gorecki",
    "Hollins",
    "Iredale",
    "Jessop",
    "Kavanagh",
    "Lomax-Reid",
    "Okafor",
    "Prendergast",
    "Quennell",
    "Rushworth",
    "Stallbrook",
    "Trevithick-Ames",
    "Underhay",
    "Vardon",
    "Whitcombe",
    "Yelland",
    "Ambrosetti",
    "Blackwood-Nkemelu",
    "Cheverton",
    "Dallimore",
    "Quillfeather",
    "Ravensworth",
    "Santangelo",
    "Thistlewood",
    "Umfreville",
    "Vanstone",
    "Wolstenholme",
    "Ashworth-Obi",
    "Brigstock",
    "Coverdale",
    "Delacourt",
    "Fenwright",
];
const MUMS: [&str; 12] = [
    "Abena", "Helena", "Marta", "Rosa", "Priya", "Joanne", "Sinead", "Farah", "Ilse", "Carys",
    "Dorota", "Yemi",
];
const DADS: [&str; 12] = [
    "Kwame", "Daniel", "Piotr", "Gareth", "Arjun", "Lewis", "Declan", "Tariq", "Jonas", "Rhys",
    "Marcin", "Tunde",
];
const PREFERRED: [&str; 6] = ["", "Toby", "", "", "Rosie", ""];
const STREETS: [&str; 12] = [
    "Heron Row",
    "Tanner's Yard",
    "Lantern Court",
    "Ropewalk",
    "Chapel Walk",
    "Mill Lane",
    "Quarry Close",
    "Sedge Way",
    "Orchard Rise",
    "Kiln Street",
    "Beacon Terrace",
    "Withy Bank",
];
const INWARD: [&str; 12] = [
    "2LN", "7QP", "4RT", "9HB", "3WD", "6SJ", "1PX", "8EG", "5UA", "2ZF", "7NY", "4BQ",
];
const LANGS: [&str; 6] = [
    "English",
    "Polish",
    "Twi",
    "English",
    "Bengali",
    "Portuguese",
];
const RELIGIONS: [&str; 6] = [
    "None",
    "Christian",
    "Muslim",
    "None",
    "Hindu",
    "Roman Catholic",
];
const ETHNICITIES: [&str; 6] = [
    "White British",
    "White Other",
    "Black African",
    "Mixed White and Asian",
    "Asian Bangladeshi",
    "White and Black Caribbean",
];
const NEEDS: [&str; 6] = [
    "Significant difficulties with expressive and receptive language; speaks in two- or three-word phrases and struggles to follow instructions with more than one step.",
    "Diagnosed autism; finds unstructured times very hard and needs a visual timetable and an adult to manage transitions.",
    "Working well below age-related expectations in reading, writing and number; processing speed is slow and retention is poor.",
    "Frequent emotional dysregulation with withdrawal from class; anxiety about attending has grown over two terms.",
    "Moderate hearing loss (aided bilaterally) with delayed language; relies on lip-reading and a radio aid.",
    "Global developmental delay; not yet toilet trained, limited play skills and few words.",
];
const ACTIONS: [&str; 6] = [
    "Daily small-group language intervention and a weekly session with a teaching assistant trained by the speech and language therapy service.",
    "Individual visual timetable, a quiet workstation and a named adult at the start and end of each day.",
    "Precision teaching three times a week and a structured phonics programme delivered one to one.",
    "Key adult check-ins twice a day, a nurture group and a reduced timetable for six weeks.",
    "Radio aid, seating plan, pre-teaching of vocabulary and advice from the sensory support service.",
    "Additional adult in the room for 15 hours a week and a personalised play plan.",
];
const ATTAIN: [&str; 6] = [
    "Reading age 5y2m at 7y10m; writing at pre-key stage standard 3.",
    "Working within expectations in maths, below in writing; progress has stalled since Year 2.",
    "Standardised scores below 70 in reading and maths across three assessment points.",
    "Attainment broadly average but attendance has fallen to 81%.",
    "Vocabulary two years behind; maths close to expectations.",
    "Developmental milestones at 18-24 months in most areas at 3y6m.",
];
const HEALTH: [&str; 6] = [
    "Glue ear treated with grommets in 2023.",
    "No significant health needs.",
    "Asthma, managed with an inhaler in school.",
    "Under the paediatrician for sleep difficulties.",
    "Moderate bilateral hearing loss, aided.",
    "Epilepsy, with a care plan and rescue medication in school.",
];
const VCHILD: [&str; 6] = [
    "I like drawing and Lego. I don't like it when it is noisy.",
    "I want to have a friend to play with at lunch.",
    "Reading is hard and it makes me feel sad.",
    "I feel worried in the mornings. I like my key adult.",
    "I like football. I can't always hear the teacher.",
    "Gathered through observation: enjoys water play and music.",
];
const VPARENT: [&str; 6] = [
    "We want help so that she can make herself understood.",
    "He is exhausted when he gets home; we worry about secondary school.",
    "We think she needs more help than the school can give.",
    "We support the request; mornings are very difficult at home.",
    "We would like specialist advice for his hearing and language.",
    "We want to know what support she will need to start school.",
];
const PRO_NAMES: [&str; 8] = [
    "Dr Miriam Oakes",
    "Beth Tranter",
    "Colm Ferris",
    "Dr Aisha Penrose",
    "Hannah Lisle",
    "Ravi Dutta",
    "Jo Calloway",
    "Dr Felix Amberley",
];

/// The national curriculum year group in the school year 2025/26 of a child born on `dob` (Year 14 at most).
fn year_group(dob: Ymd) -> String {
    let cohort = i32::from(dob.0) - i32::from(dob.1 < 9);
    match 2025 - cohort - 5 {
        n if n <= 0 => "Reception".to_string(),
        n => format!("Year {}", n.min(14)),
    }
}

/// Six fictional children for LA `la` (index `a` varies the names), born from `born` on.
fn kids(a: usize, la: &str, area: &str, town: &'static str, estab: &str, born: i16) -> Vec<Kid> {
    (0..6)
        .map(|i| {
            let k = a * 6 + i;
            let n = u32::try_from(k).unwrap();
            let sur = SURNAMES[k];
            let pc = format!("{area}{} {}", i + 2, INWARD[(k + a) % 12]);
            let mum = Parent {
                title: if i % 3 == 1 { "Ms" } else { "Mrs" },
                fore: MUMS[(k + 5) % 12],
                sur: sur.to_string(),
                rel: "Mother",
                addr: None,
                phone: format!("07700 900{:03}", 100 + k * 7 % 800),
                email: format!(
                    "{}.{}@example.org",
                    MUMS[(k + 5) % 12].to_lowercase(),
                    sur.to_lowercase()
                ),
                pr: true,
            };
            let dad = Parent {
                title: "Mr",
                fore: DADS[(k + 3) % 12],
                sur: sur.to_string(),
                rel: "Father",
                addr: None,
                phone: format!("07700 900{:03}", 400 + k * 11 % 500),
                email: format!(
                    "{}{}@example.org",
                    DADS[(k + 3) % 12].to_lowercase(),
                    k + 10
                ),
                pr: true,
            };
            let pros: Vec<(usize, String, String)> = match i {
                0 => vec![(1, PRO_NAMES[1].into(), format!("Children's Therapy Service, {town}\n01632 960{:03}", 200 + k))],
                1 => vec![
                    (0, PRO_NAMES[0].into(), format!("{town} Educational Psychology Service\n01632 960{:03}\nm.oakes@example.org", 300 + k)),
                    (3, PRO_NAMES[3].into(), format!("Child Development Centre, {town} General Hospital\n01632 960{:03}", 400 + k)),
                ],
                3 => vec![
                    (7, PRO_NAMES[7].into(), format!("CAMHS {town}\n01632 960{:03}", 500 + k)),
                    (6, PRO_NAMES[6].into(), format!("Children's Services, {town}\n01632 960{:03}\nj.calloway@example.org", 600 + k)),
                    (0, PRO_NAMES[0].into(), format!("{town} Educational Psychology Service\n01632 960{:03}", 300 + k)),
                ],
                4 => vec![(5, PRO_NAMES[5].into(), format!("Sensory Support Service\n01632 960{:03}", 700 + k))],
                _ => vec![],
            };
            let dob = (born + (i as i16 * 7) % 5, ((k * 5) % 12 + 1) as i8, ((k * 11) % 27 + 1) as i8);
            Kid {
                fore: FORENAMES[k],
                sur,
                pref: PREFERRED[i],
                dob,
                male: i % 2 == 1,
                street: format!("{} {}", 3 + k * 13 % 90, STREETS[k % 12]),
                town,
                pc,
                upn: upn(la, estab, 101 + n),
                nhs: nhs(1000 + n),
                uln: uln(500 + n),
                school: (format!("{town} {} School", ["St Brannoc's Primary", "Longmeadow Primary", "Hollins Vale Infant", "Riverside Junior", "Eastgate Primary", "Saxon Fields Primary"][i])),
                urn: format!("{la}{:03}", 210 + i),
                head: ["Mrs Joanna Pike", "Mr Samuel Otway", "Ms Grace Huntley", "Mr Idris Vaughan", "Mrs Leah Morland", "Dr Nina Castell"][i].to_string(),
                year: year_group(dob),
                gp: format!("{} Surgery, {town}", ["Brookside", "Wellgate", "Marsh Lane", "Abbey View", "Fountain", "Greenhill"][i]),
                lang: LANGS[i],
                religion: RELIGIONS[(i + a) % 6],
                ethnicity: ETHNICITIES[(i + a) % 6],
                lac: i == 2,
                parents: if i == 2 { vec![mum] } else { vec![mum, dad] },
                needs: NEEDS[(i + a) % 6],
                action: ACTIONS[(i + a) % 6],
                attain: ATTAIN[(i + a) % 6],
                health: HEALTH[(i + a) % 6],
                vchild: VCHILD[(i + a) % 6],
                vparent: VPARENT[(i + a) % 6],
                pros,
                req: (2025, (9 + i % 3) as i8, (3 + i * 4) as i8),
                requester: ["Ms Priya Anand", "Mr Tom Gallagher", "Mrs Elin Rowe", "Ms Dana Whitlock", "Mr Kieran Boyd", "Mrs Ruth Okoro"][(i + a) % 6].to_string(),
                req_contact: format!("senco{}@example.org", k + 1),
                agree: i != 3,
            }
        })
        .inspect(|k: &Kid| {
            // The truth takes every date of birth as valid: before the request, age 0 to 25 at it.
            let dob = jiff::civil::date(k.dob.0, k.dob.1, k.dob.2);
            let req = jiff::civil::date(k.req.0, k.req.1, k.req.2);
            assert!(validate::date_of_birth(dob, req).is_ok(), "{} {}", k.fore, k.sur);
        })
        .collect()
}

/// A field's written answer: the kid's value when filled, nothing on the blank form.
fn g(k: Option<&Kid>, f: impl Fn(&Kid) -> String) -> String {
    k.map_or(String::new(), f)
}

/// The marked option indices: `pick` when filled, none on the blank form.
fn mk_of(k: Option<&Kid>, pick: &[usize]) -> Vec<usize> {
    if k.is_some() {
        pick.to_vec()
    } else {
        Vec::new()
    }
}

fn gender_ix(k: &Kid) -> usize {
    usize::from(!k.male)
}

fn mf() -> [Value; 2] {
    [json!("male"), json!("female")]
}

const LABEL: &str = "D9E2F3";
const GREY: &str = "E7E6E6";

// ---------------------------------------------------------------------------------------------------------------
// 962 Brackenridge: sections A-F, stacked parent blocks, answers highlighted
// ---------------------------------------------------------------------------------------------------------------

fn brackenridge(k: Option<&Kid>, i: usize) -> (String, Option<String>, Tr) {
    let mut tr = Tr::default();
    let mut b = String::new();
    b.push_str(&heading(
        "Request for an Education, Health and Care Assessment",
    ));
    b.push_str(&para(
        "NB: Education, Health and Care will be referred to as EHC throughout this document.",
    ));
    b.push_str(&para("All sections of the form should be completed. Where options are given, please highlight your answer."));
    b.push_str(&subheading("Section A: Child's or young person's details"));
    let grid = [2200, 2700, 2200, 2700];
    let mark = |base: Mk| -> Mk {
        match i {
            1 => Mk::Hi("green"),
            3 => Mk::Shd("FFFF00"),
            _ => base,
        }
    };
    // In filled-03 the SENCo typed the names into the label cells and left the answer cells empty.
    let in_label = k.is_some() && i == 2;
    let sur = g(k, |k| {
        if i == 1 {
            format!("{} ", k.sur)
        } else {
            k.sur.to_string()
        }
    });
    let fore = g(k, |k| k.fore.to_string());
    tr.one("child.surname", txt(&sur));
    tr.one("child.forename", txt(&fore));
    let mut rows = Vec::new();
    if in_label {
        rows.push(vec![
            t(&format!("Surname:  {sur}")).shade(LABEL),
            t(""),
            t(&format!("First name(s):\n{fore}")).shade(LABEL),
            t(""),
        ]);
    } else {
        rows.push(vec![
            t("Surname:").shade(LABEL),
            t(&sur),
            t("First name(s):").shade(LABEL),
            t(&fore),
        ]);
    }
    let pref = g(k, |k| k.pref.to_string());
    tr.one("child.preferred_name", txt(&pref));
    rows.push(vec![t("Known as:").shade(LABEL), t(&pref).span(3)]);
    let df = match i {
        2 => Df::SlashPad,
        5 => Df::Dot,
        _ => Df::Slash,
    };
    let (dob, dv) = date(k.map(|k| k.dob), df);
    tr.one("child.date_of_birth", dv);
    let year = g(k, |k| k.year.clone());
    tr.one("child.year_group", txt(&year));
    rows.push(vec![
        t("Date of birth:").shade(LABEL),
        t(&dob),
        t("School Year Group\n(please state if offset)").shade(LABEL),
        t(&year),
    ]);
    // Gender: highlighted; filled-03 deleted the other; filled-05 highlighted both; filled-06 left it.
    let gl = ["Male", "Female"];
    let (gm, gpick) = match (k, i) {
        (Some(_), 2) => (Mk::Del, k.map(gender_ix).into_iter().collect::<Vec<_>>()),
        (Some(_), 4) => (Mk::Hi("yellow"), vec![0, 1]),
        (Some(_), 5) => (Mk::Hi("yellow"), vec![]),
        (Some(k), _) => (mark(Mk::Hi("yellow")), vec![gender_ix(k)]),
        (None, _) => (Mk::Hi("yellow"), vec![]),
    };
    tr.one("child.gender", opt_v(&gl, &mf(), &gpick, gm));
    rows.push(vec![
        t("Gender:").shade(LABEL),
        r(options(&gl, &gpick, gm, " / ")),
        t("Language spoken at home:").shade(LABEL),
        {
            let lang = g(k, |k| k.lang.to_string());
            tr.one("child.first_language", txt(&lang));
            t(&lang)
        },
    ]);
    let addr = g(k, Kid::addr);
    tr.one("child.address", txt(&addr));
    rows.push(vec![t("Home address:").shade(LABEL), t(&addr).span(3)]);
    let pc = g(k, |k| k.pc.clone());
    tr.one("child.postcode", idv(&pc, validate::postcode));
    let upn_w = g(k, |k| k.upn.clone());
    tr.one("child.upn", idv(&upn_w, validate::upn));
    rows.push(vec![
        t("Postcode:").shade(LABEL),
        t(&pc),
        t("UPN:").shade(LABEL),
        t(&upn_w),
    ]);
    let school = g(k, |k| {
        if i == 3 {
            format!("{}  ", k.school)
        } else {
            k.school.clone()
        }
    });
    tr.one("setting.name", txt(&school));
    rows.push(vec![
        t("Educational placement attended by the child or young person").shade(LABEL),
        t(&school).span(3),
    ]);
    rows.push(vec![
        t("Date the pupil started at the educational placement:").shade(LABEL),
        t(&g(k, |_| "September 2021".into())).span(3),
    ]);
    b.push_str(&tbl(&grid, rows));

    b.push_str(&subheading(
        "Section B: Family details and Social Care involvement",
    ));
    let pgrid = [3600, 6200];
    let mut rows = Vec::new();
    let mut names = Vec::new();
    let mut rels = Vec::new();
    let mut addrs = Vec::new();
    let mut phones = Vec::new();
    let mut emails = Vec::new();
    for n in 0..2 {
        let parent = k.and_then(|k| k.parents.get(n));
        let title = if n == 0 {
            "Details of parent/carer with whom the pupil normally lives"
        } else {
            "Details of other parents/carers"
        };
        rows.push(vec![t(title).span(2).shade(GREY).bold()]);
        let pt = parent.map_or("", |p| p.title);
        let pf = parent.map_or("", |p| p.fore);
        let ps = parent.map_or(String::new(), |p| p.sur.clone());
        rows.push(vec![t("Title/s:"), t(pt)]);
        rows.push(vec![t("First name/s:"), t(pf)]);
        rows.push(vec![t("Surname/s:"), t(&ps)]);
        let rel = parent.map_or("", |p| p.rel);
        rows.push(vec![t("Relationship to child / young person:"), t(rel)]);
        // filled-04: parent 1 wrote "As above"; parent 2 lives elsewhere.
        let (addr_w, addr_v) = match (parent, i, n) {
            (Some(_), 3, 0) => ("As above".to_string(), txt(&addr)),
            (Some(p), 3, 1) => {
                let a = format!("9 Mill Lane, {}", k.unwrap().town);
                let _ = p;
                (a.clone(), txt(&a))
            }
            (Some(_), _, _) => (addr.clone(), txt(&addr)),
            (None, _, _) => (String::new(), V::Empty),
        };
        rows.push(vec![t("Home address:"), t(&addr_w)]);
        let phone = parent.map_or(String::new(), |p| p.phone.clone());
        rows.push(vec![t("Tel: Home / Mobile"), t(&phone)]);
        let email = parent.map_or(String::new(), |p| p.email.clone());
        rows.push(vec![t("Email:"), t(&email)]);
        rows.push(vec![
            t("How would you like to be contacted?"),
            t(&parent.map_or(String::new(), |_| "Email".into())),
        ]);
        if let Some(p) = parent {
            names.push(txt(&[pt, pf, &ps]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" ")));
            let _ = p;
            rels.push(txt(rel));
            addrs.push(addr_v);
            phones.push(txt(&phone));
            emails.push(txt(&email));
        }
    }
    tr.items("parents.name", names);
    tr.items("parents.relationship", rels);
    tr.items("parents.address", addrs);
    tr.items("parents.phone", phones);
    tr.items("parents.email", emails);
    let yn = ["Yes", "No"];
    rows.push(vec![
        t("Are parents/carers in the armed forces?"),
        r(options(&yn, &mk_of(k, &[1]), mark(Mk::Hi("yellow")), " / ")),
    ]);
    let lac_pick = mk_of(k, &[usize::from(!k.is_some_and(|k| k.lac))]);
    let lac_mk = if i == 1 {
        Mk::Hi("cyan")
    } else {
        mark(Mk::Hi("yellow"))
    };
    tr.one(
        "child.looked_after",
        opt_v(&yn, &yes_no(), &lac_pick, lac_mk),
    );
    rows.push(vec![
        t("Is the child or young person looked after?"),
        r(options(&yn, &lac_pick, lac_mk, " / ")),
    ]);
    b.push_str(&tbl(&pgrid, rows));

    b.push_str(&subheading(
        "Section C: Evidence of the child's or young person's strengths and difficulties",
    ));
    let needs = g(k, |k| k.needs.to_string());
    tr.one("needs.description", txt(&needs));
    b.push_str(&tbl(
        &[9800],
        vec![
            vec![t("Please summarise the child's special educational needs:").shade(LABEL)],
            vec![t(&needs)],
        ],
    ));
    b.push_str(&subheading("Section D: Current provision"));
    let action = g(k, |k| k.action.to_string());
    tr.one("evidence.action_taken", txt(&action));
    b.push_str(&tbl(
        &[9800],
        vec![
            vec![t("What support is currently in place?").shade(LABEL)],
            vec![t(&action)],
        ],
    ));
    b.push_str(&subheading("Section E: Views and advice"));
    let vc = g(k, |k| k.vchild.to_string());
    let vp = g(k, |k| k.vparent.to_string());
    tr.one("views.child", txt(&vc));
    tr.one("views.parent", txt(&vp));
    b.push_str(&tbl(
        &[3600, 6200],
        vec![
            vec![t("Views of the child or young person").shade(LABEL), t(&vc)],
            vec![t("Views of the parents/carers").shade(LABEL), t(&vp)],
        ],
    ));
    b.push_str(&subheading("Section F: Consent"));
    let agree_pick = match k {
        Some(_) if i == 5 => vec![],
        Some(k) => vec![usize::from(!k.agree)],
        None => vec![],
    };
    tr.one(
        "request.parent_agreement",
        opt_v(&yn, &yes_no(), &agree_pick, mark(Mk::Hi("yellow"))),
    );
    let req_name = g(k, |k| k.requester.clone());
    tr.one("request.requester_name", txt(&req_name));
    let (req_date, rv) = date(k.map(|k| k.req), df);
    tr.one("request.date", rv);
    b.push_str(&tbl(
        &[3600, 3100, 1200, 1900],
        vec![
            vec![
                t("The parent/carer agrees to this request being made").shade(LABEL),
                r(options(&yn, &agree_pick, mark(Mk::Hi("yellow")), " / ")).span(3),
            ],
            vec![
                t("Name of person completing this form").shade(LABEL),
                t(&req_name),
                t("Date:").shade(LABEL),
                t(&req_date),
            ],
        ],
    ));
    (
        b,
        Some(para(
            "Brackenridge Borough Council  |  SEND Statutory Assessment Team",
        )),
        tr,
    )
}

// ---------------------------------------------------------------------------------------------------------------
// 963 Coldmere: early-years request, parents side by side, bold and struck options
// ---------------------------------------------------------------------------------------------------------------

/// A row of the side-by-side parents table: the two labels and what it shows of a parent.
type SideRow<'a> = (
    &'static str,
    &'static str,
    Box<dyn Fn(&Parent) -> String + 'a>,
);

fn coldmere(k: Option<&Kid>, i: usize) -> (String, Option<String>, Tr) {
    let mut tr = Tr::default();
    let mut b = String::new();
    b.push_str(&heading("Coldmere County Council"));
    b.push_str(&para(
        "Request Form for Statutory Assessment and Additional Funding",
    ));
    b.push_str(&para(
        "Schools and PVI settings - Foundation Stage 1 and Funded Two Year Olds only",
    ));
    b.push_str(&para("N.B. Sections 1, 2 and 3 must be completed in full in order to process the request for Statutory Assessment."));
    let yn = ["Yes", "No"];
    let box_line = |q: &str, on: bool| -> String {
        let (y, n) = if k.is_some() {
            (on, !on)
        } else {
            (false, false)
        };
        p(&format!(
            "{}{}{}{}",
            run(q),
            run(if y { "  ☒ Yes" } else { "  ☐ Yes" }),
            run(if n { "  ☒ No" } else { "  ☐ No" }),
            run("")
        ))
    };
    b.push_str(&box_line(
        "Are you applying for Statutory Assessment?",
        true,
    ));
    b.push_str(&box_line(
        "Are you applying for additional funding?",
        i.is_multiple_of(2),
    ));
    b.push_str(&subheading("1. Basic Information"));
    let grid = [2300, 2600, 2300, 2600];
    let mut rows = Vec::new();
    let setting = g(k, |k| {
        let nursery = format!(
            "{} {} Nursery",
            k.town,
            [
                "Fernhill",
                "Little Acorns",
                "Brook Street",
                "Sunflower",
                "Willow Tree",
                "Orchard"
            ][i]
        );
        let name = if i == 4 {
            format!("{nursery} ")
        } else {
            nursery
        };
        format!("{name}\n{} Chapel Walk\n{}", 2 + i, k.town)
    });
    tr.one(
        "setting.name",
        txt(setting.split('\n').next().unwrap_or("")),
    );
    rows.push(vec![
        t("Name & Address of School /Setting:"),
        t(&setting).span(3),
    ]);
    let sur = g(k, |k| k.sur.to_string());
    let fore = g(k, |k| {
        if i == 1 {
            format!("{} Grace", k.fore)
        } else {
            k.fore.to_string()
        }
    });
    tr.one("child.surname", txt(&sur));
    tr.one("child.forename", txt(&fore));
    rows.push(vec![t("Surname:"), t(&sur), t("Other names:"), t(&fore)]);
    let addr = g(k, Kid::addr);
    tr.one("child.address", txt(&addr));
    rows.push(vec![t("Home Address:"), t(&addr).span(3)]);
    let pc = g(k, |k| k.pc.clone());
    tr.one("child.postcode", idv(&pc, validate::postcode));
    rows.push(vec![t("Postcode:"), t(&pc), t(""), t("")]);
    let gl = ["Male", "Female"];
    let gpick = match k {
        Some(_) if i == 3 => vec![0, 1],
        Some(_) if i == 5 => vec![],
        Some(k) => vec![gender_ix(k)],
        None => vec![],
    };
    tr.one("child.gender", opt_v(&gl, &mf(), &gpick, Mk::Bold));
    let rel = g(k, |k| {
        if i == 2 {
            "N/A".into()
        } else {
            k.religion.to_string()
        }
    });
    tr.one("child.religion", txt(&rel));
    rows.push(vec![
        t("Gender:"),
        r(options(&gl, &gpick, Mk::Bold, " / ")),
        t("Religion:"),
        t(&rel),
    ]);
    let (dob, dv) = date(k.map(|k| k.dob), if i == 4 { Df::Slash } else { Df::Dot });
    tr.one("child.date_of_birth", dv);
    rows.push(vec![
        t("Date of Birth:"),
        t(&dob),
        t("Age:"),
        t(&g(k, |k| format!("{} years", 2025 - i32::from(k.dob.0)))),
    ]);
    let lang = g(k, |k| k.lang.to_string());
    tr.one("child.first_language", txt(&lang));
    rows.push(vec![t("Home Language:"), t(&lang).span(3)]);
    // Options inside the question's own cell: the other one struck (filled-04 double-struck, filled-06 neither).
    let lmk = if i == 3 { Mk::DStrike } else { Mk::Strike };
    let lpick = match k {
        Some(_) if i == 5 => vec![],
        Some(k) => vec![usize::from(!k.lac)],
        None => vec![],
    };
    tr.one("child.looked_after", opt_v(&yn, &yes_no(), &lpick, lmk));
    rows.push(vec![
        r(format!(
            "{}{}{}",
            run("Is the young person a looked after child? "),
            options(&yn, &lpick, lmk, "/"),
            run(" (please circle)")
        ))
        .span(4),
    ]);
    rows.push(vec![
        t("What legal status do they have?"),
        t(&g(k, |k| {
            if k.lac {
                "Interim care order".into()
            } else {
                String::new()
            }
        }))
        .span(3),
    ]);
    b.push_str(&tbl(&grid, rows));

    // Parents side by side: numbered labels, then an unnumbered "Relationship to child:" on both sides.
    b.push_str(&para("Who has parental responsibility, is it shared? If so who with e.g. Local Authority, other parent, grandparent (please mark N/A if no other parent involved)?"));
    let mut rows = Vec::new();
    let side = |n: usize, f: &dyn Fn(&Parent) -> String| -> String {
        match k {
            Some(k) => match k.parents.get(n) {
                Some(p) => f(p),
                None => "N/A".into(),
            },
            None => String::new(),
        }
    };
    let addr_of = |p: &Parent| -> String {
        match (&p.addr, i) {
            (Some(a), _) => a.clone(),
            (None, 4) if p.rel == "Father" => {
                format!("Flat 3, 27 Kiln Street, {}", k.unwrap().town)
            }
            (None, _) => addr.clone(),
        }
    };
    let fields: [SideRow; 5] = [
        (
            "Surname (1):",
            "Surname (2):",
            Box::new(|p: &Parent| p.sur.clone()),
        ),
        (
            "Other names (1):",
            "Other names (2):",
            Box::new(|p: &Parent| p.fore.to_string()),
        ),
        ("Home address (1):", "Home address (2):", Box::new(&addr_of)),
        (
            "Telephone number (1):",
            "Telephone number (2):",
            Box::new(|p: &Parent| p.phone.clone()),
        ),
        (
            "Relationship to child:",
            "Relationship to child:",
            Box::new(|p: &Parent| p.rel.to_string()),
        ),
    ];
    for (l1, l2, f) in &fields {
        rows.push(vec![
            t(l1),
            t(&side(0, f.as_ref())),
            t(l2),
            t(&side(1, f.as_ref())),
        ]);
    }
    let present: Vec<&Parent> = k.map(|k| k.parents.iter().collect()).unwrap_or_default();
    tr.items(
        "parents.name",
        present.iter().map(|p| txt(&p.name())).collect(),
    );
    tr.items(
        "parents.address",
        present.iter().map(|p| txt(&addr_of(p))).collect(),
    );
    tr.items(
        "parents.phone",
        present.iter().map(|p| txt(&p.phone)).collect(),
    );
    tr.items(
        "parents.relationship",
        present.iter().map(|p| txt(p.rel)).collect(),
    );
    b.push_str(&tbl(&grid, rows));

    b.push_str(&subheading("2. Agencies involved"));
    let agrid = [2400, 2400, 1000, 1000, 1200, 1800];
    let mut rows = vec![
        vec![
            t("Agency").bold(),
            t("Named Contact").bold(),
            t("Involvement").bold().span(2),
            t("Report Attached").bold(),
            t("Date of Report").bold(),
        ],
        vec![t(""), t(""), t("Start"), t("Finish"), t(""), t("")],
    ];
    let pros: Vec<(usize, String, String)> = k.map(|k| k.pros.clone()).unwrap_or_default();
    for n in 0..5 {
        match pros.get(n) {
            Some((svc, name, _)) => rows.push(vec![
                t(PROFESSIONS[*svc]),
                t(name),
                t("01/2025"),
                t(""),
                t("Yes"),
                t("14.03.2025"),
            ]),
            None => rows.push(vec![t(""), t(""), t(""), t(""), t(""), t("")]),
        }
    }
    tr.items(
        "professionals.name",
        pros.iter().map(|(_, n, _)| txt(n)).collect(),
    );
    tr.items(
        "professionals.service",
        pros.iter().map(|(s, _, _)| txt(PROFESSIONS[*s])).collect(),
    );
    b.push_str(&tbl(&agrid, rows));

    b.push_str(&subheading("3. Special Educational Need"));
    b.push_str(&para("SEN Descriptor which is the best fit judgement/s - Please number in order, 1 being the primary need (you do not need to list all those below, only those relevant)."));
    let areas = [
        ("Cognition and Learning", "cognition_learning"),
        ("Communication and Interaction", "communication_interaction"),
        ("Physical and Sensory", "sensory_physical"),
        ("Behaviour, Emotional and Social", "semh"),
    ];
    let primary: Option<usize> = match k {
        Some(_) if i == 4 => None,
        Some(_) => Some([1, 1, 0, 3, 2, 0][i]),
        None => None,
    };
    let mut rows = vec![vec![
        t("Area of need").bold(),
        t("Number (1 = primary)").bold(),
        t("Band (1 to 6)").bold(),
    ]];
    for (n, (label, _)) in areas.iter().enumerate() {
        let rank = match primary {
            Some(pix) if pix == n => "1".to_string(),
            Some(pix) if (pix + 1) % 4 == n && k.is_some() => "2".to_string(),
            _ => String::new(),
        };
        rows.push(vec![
            t(label),
            t(&rank),
            t(if rank.is_empty() { "" } else { "4" }),
        ]);
    }
    tr.one(
        "needs.primary_area",
        match primary {
            Some(pix) => V::Ok(json!(areas[pix].1)),
            None => V::Empty,
        },
    );
    b.push_str(&tbl(&[4800, 2500, 2500], rows));
    let needs = g(k, |k| k.needs.to_string());
    tr.one("needs.description", txt(&needs));
    b.push_str(&tbl(&[9800], vec![vec![t("Summary of the child's needs and how they affect access to the Early Years Foundation Stage")], vec![t(&needs)]]));
    let name = g(k, |k| k.requester.clone());
    tr.one("request.requester_name", txt(&name));
    let (d, dv) = date(k.map(|k| k.req), Df::Dot);
    tr.one("request.date", dv);
    b.push_str(&tbl(
        &[3200, 3400, 1000, 2200],
        vec![vec![
            t("Name of person completing this request:"),
            t(&name),
            t("Date:"),
            t(&d),
        ]],
    ));
    (b, None, tr)
}

// ---------------------------------------------------------------------------------------------------------------
// 964 Thornbeck: statutory school age request, check boxes, spacer columns, parents one per row
// ---------------------------------------------------------------------------------------------------------------

fn thornbeck(k: Option<&Kid>, i: usize) -> (String, Option<String>, Tr) {
    let mut tr = Tr::default();
    let mut b = String::new();
    b.push_str(&para(
        "Community Learning & Commissioning                                        November 2024",
    ));
    b.push_str(&heading("Statutory School Age request/contribution to an Education Health and Care Needs Assessment"));
    b.push_str(&para("Request must be typed/word processed. Please ensure that you have read the EHCP Application guidance provided before completion."));
    b.push_str(&p(&format!(
        "{}{}{}{}{}{}",
        run("Please tick whether this form is:  Request for an EHC Needs Assessment "),
        formcheckbox("IsRequest", k.is_some()),
        run("   OR New or Updated Submission of Statutory Advice:  New "),
        formcheckbox("IsNew", false),
        run(" Updated "),
        formcheckbox("IsUpdated", false)
    )));
    let (rd, rdv) = date(
        k.map(|k| k.req),
        if i == 4 { Df::SlashPad } else { Df::Ordinal },
    );
    tr.one("request.date", rdv);
    // Label | narrow spacer column | answer over three grid columns.
    let grid = [3300, 240, 2080, 2080, 2100];
    let row = |label: &str, answer: &str| vec![t(label).shade(LABEL), t(""), t(answer).span(3)];
    let mut rows = vec![row("Date of Request:", &rd)];
    b.push_str(&tbl(&grid, std::mem::take(&mut rows)));
    b.push_str(&subheading("1  Child/young person's personal details"));
    b.push_str(&para("1a  Names/personal details"));
    let sur = g(k, |k| k.sur.to_string());
    let fore = g(k, |k| {
        if i == 5 {
            format!("{}   ", k.fore)
        } else {
            k.fore.to_string()
        }
    });
    tr.one("child.surname", txt(&sur));
    tr.one("child.forename", txt(&fore));
    rows.push(row("Child's/Young Person's Legal Surname:", &sur));
    rows.push(row("Forename(s):", &fore));
    rows.push(row("Surname also known as (if applicable):", ""));
    let pref = g(k, |k| k.pref.to_string());
    tr.one("child.preferred_name", txt(&pref));
    rows.push(row("Prefers to be known as:", &pref));
    let (dob, dv) = date(
        k.map(|k| k.dob),
        if i == 4 { Df::SlashPad } else { Df::Ordinal },
    );
    tr.one("child.date_of_birth", dv);
    rows.push(row("Date of Birth:", &dob));
    // Gender: a legacy check box per option, each in its own grid column.
    let gpick = match k {
        Some(_) if i == 3 => vec![0, 1],
        Some(_) if i == 5 => vec![],
        Some(k) => vec![gender_ix(k)],
        None => vec![],
    };
    tr.one(
        "child.gender",
        opt_v(&["Male", "Female"], &mf(), &gpick, Mk::Bold),
    );
    rows.push(vec![
        t("Gender:").shade(LABEL),
        t(""),
        r(format!(
            "{}{}",
            formcheckbox("Male", gpick.contains(&0)),
            run(" Male")
        )),
        r(format!(
            "{}{}",
            formcheckbox("Female", gpick.contains(&1)),
            run(" Female")
        )),
        t(""),
    ]);
    // The address cell holds the postcode on its last line.
    let pc = g(k, |k| {
        if i == 2 {
            k.pc.replace(' ', "")
        } else {
            k.pc.clone()
        }
    });
    let addr_lines = g(k, |k| format!("{}\n{}", k.street, k.town));
    let addr_cell = if k.is_some() {
        format!("{addr_lines}\n{pc}")
    } else {
        String::new()
    };
    tr.one("child.address", txt(&addr_lines));
    tr.one("child.postcode", idv(&pc, validate::postcode));
    rows.push(row(
        "Address of Child/Young Person (including postcode):",
        &addr_cell,
    ));
    let nhs_w = g(k, |k| match i {
        1 => k.nhs.clone(),
        3 => nhs_split(&k.nhs, "-"),
        _ => nhs_split(&k.nhs, " "),
    });
    tr.one("child.nhs_number", idv(&nhs_w, validate::nhs_number));
    rows.push(row("NHS Number:", &nhs_w));
    let upn_w = g(k, |k| k.upn.clone());
    tr.one("child.upn", idv(&upn_w, validate::upn));
    rows.push(row("UPN:", &upn_w));
    b.push_str(&tbl(&grid, std::mem::take(&mut rows)));

    b.push_str(&para("1b  Current educational setting & care status"));
    let school = g(k, |k| k.school.clone());
    tr.one("setting.name", txt(&school));
    rows.push(row("Setting name:", &school));
    let urn_w = g(k, |k| k.urn.clone());
    tr.one("setting.urn", idv(&urn_w, validate::urn));
    rows.push(row("Setting URN:", &urn_w));
    rows.push(row(
        "Setting address (& postal address if different) (including postcode):",
        &g(k, |k| format!("School Lane, {}", k.town)),
    ));
    let year = g(k, |k| k.year.replace("Year ", "Y"));
    tr.one("child.year_group", txt(&year));
    rows.push(row("NCY/Preschool:", &year));
    rows.push(vec![
        t("Is the child placed in their chronological year?").shade(LABEL),
        t(""),
        r(format!(
            "{}{}",
            formcheckbox("ChronYes", k.is_some()),
            run(" Yes")
        )),
        r(format!("{}{}", formcheckbox("ChronNo", false), run(" No*"))),
        t("* If No, in which year?"),
    ]);
    // Child in Care: content-control check boxes, whose cells show ☒ / ☐.
    let lpick = match k {
        Some(_) if i == 4 => vec![],
        Some(k) => vec![usize::from(!k.lac)],
        None => vec![],
    };
    tr.one(
        "child.looked_after",
        opt_v(&["Yes", "No"], &yes_no(), &lpick, Mk::Bold),
    );
    rows.push(vec![
        t("Child in Care? Is the child/young person subject to a care order or any other court order?").shade(LABEL),
        t(""),
        r(format!("{}{}", sdt_check("CareYes", lpick.contains(&0)), run(" Yes*"))),
        r(format!("{}{}", sdt_check("CareNo", lpick.contains(&1)), run(" No"))),
        t(""),
    ]);
    b.push_str(&tbl(&grid, std::mem::take(&mut rows)));

    b.push_str(&para("1c  Parent/Carer/Other details (names and addresses of ALL persons who hold parental responsibility under Children & Families Act 2014). Attach a separate sheet if necessary."));
    let pgrid = [900, 1900, 2100, 2300, 2600];
    let mut prows = vec![vec![
        t("Title").shade(LABEL),
        t("Forename(s)").shade(LABEL),
        t("Surname").shade(LABEL),
        t("Relationship to child").shade(LABEL),
        t("Holds parental responsibility").shade(LABEL),
    ]];
    let parents: Vec<Parent> = k.map(|k| k.parents.clone()).unwrap_or_default();
    let (mut names, mut rels, mut prs, mut addrs, mut phones, mut emails) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for n in 0..2 {
        let pa = parents.get(n);
        let title = pa.map_or("", |p| if i == 1 && n == 1 { "" } else { p.title });
        let pf = pa.map_or("", |p| p.fore);
        let ps = pa.map_or(String::new(), |p| p.sur.clone());
        let rel = pa.map_or("", |p| p.rel);
        let pr = pa.is_some_and(|p| p.pr && !(i == 5 && n == 1));
        prows.push(vec![
            t(title),
            t(pf),
            t(&ps),
            t(rel),
            r(format!(
                "{}{}",
                formcheckbox(&format!("PR{}", n + 1), pr),
                run(" Yes")
            )),
        ]);
        if pa.is_some() {
            names.push(txt(&[title, pf, &ps]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" ")));
            rels.push(txt(rel));
            prs.push(bo(pr));
        }
    }
    prows.push(vec![
        t("Address (if different from the child's)")
            .shade(LABEL)
            .span(3),
        t("Telephone").shade(LABEL),
        t("Email").shade(LABEL),
    ]);
    for n in 0..2 {
        let pa = parents.get(n);
        let diff = if i == 4 && n == 1 {
            format!(
                "Flat 2, 8 Ropewalk, Thornbeck {}",
                k.map_or(String::new(), |k| k.pc.clone())
            )
        } else {
            String::new()
        };
        let phone = pa.map_or(String::new(), |p| p.phone.clone());
        let email = pa.map_or(String::new(), |p| p.email.clone());
        prows.push(vec![t(&diff).span(3), t(&phone), t(&email)]);
        if pa.is_some() {
            addrs.push(if diff.is_empty() {
                txt(&addr_lines)
            } else {
                txt(&diff)
            });
            phones.push(txt(&phone));
            emails.push(txt(&email));
        }
    }
    tr.items("parents.name", names);
    tr.items("parents.relationship", rels);
    tr.items("parents.parental_responsibility", prs);
    tr.items("parents.address", addrs);
    tr.items("parents.phone", phones);
    tr.items("parents.email", emails);
    b.push_str(&tbl(&pgrid, prows));

    b.push_str(&subheading("2  Person making this request"));
    let role_pick = match k {
        Some(_) if i == 1 => vec![0],
        Some(_) => vec![1],
        None => vec![],
    };
    tr.one(
        "request.requester_role",
        opt_v(
            &["Parent/carer", "School/setting", "Young person"],
            &[json!("parent"), json!("school"), json!("young_person")],
            &role_pick,
            Mk::Bold,
        ),
    );
    rows.push(vec![
        t("Request made by:").shade(LABEL),
        t(""),
        r(format!(
            "{}{}",
            formcheckbox("ByParent", role_pick.contains(&0)),
            run(" Parent/carer")
        )),
        r(format!(
            "{}{}",
            formcheckbox("BySchool", role_pick.contains(&1)),
            run(" School/setting")
        )),
        r(format!(
            "{}{}",
            formcheckbox("ByYP", role_pick.contains(&2)),
            run(" Young person")
        )),
    ]);
    let rname = g(k, |k| {
        if i == 1 {
            k.parents[0].name()
        } else {
            k.requester.clone()
        }
    });
    let rcontact = g(k, |k| {
        if i == 1 {
            k.parents[0].phone.clone()
        } else {
            format!("{} / 01632 960{:03}", k.req_contact, 100 + i)
        }
    });
    tr.one("request.requester_name", txt(&rname));
    tr.one("request.requester_contact", txt(&rcontact));
    rows.push(row("Name:", &rname));
    rows.push(row("Contact (telephone and email):", &rcontact));
    b.push_str(&tbl(&grid, std::mem::take(&mut rows)));
    let agree = k.is_some_and(|k| k.agree);
    tr.one("request.parent_agreement", bo(agree));
    b.push_str(&p(&format!(
        "{}{}",
        formcheckbox("ParentAgrees", agree),
        run(" The parent/carer knows about this request and agrees with it")
    )));

    b.push_str(&subheading("3  The child's needs"));
    let needs = g(k, |k| k.needs.to_string());
    let action = g(k, |k| k.action.to_string());
    let health = g(k, |k| {
        if i == 1 {
            "N/A".into()
        } else {
            k.health.to_string()
        }
    });
    tr.one("needs.description", txt(&needs));
    tr.one("evidence.action_taken", txt(&action));
    tr.one("needs.health", txt(&health));
    b.push_str(&tbl(
        &[3540, 6260],
        vec![
            vec![
                t("Description of the child's special educational needs").shade(LABEL),
                t(&needs),
            ],
            vec![
                t("Action taken by the setting so far (graduated approach)").shade(LABEL),
                t(&action),
            ],
            vec![
                t("Health needs (attach medical reports)").shade(LABEL),
                t(&health),
            ],
        ],
    ));
    (b, Some(para("Thornbeck Metropolitan Borough Council")), tr)
}

// ---------------------------------------------------------------------------------------------------------------
// 965 Saltmarsh and Eddington: FE college request, X or tick before the option
// ---------------------------------------------------------------------------------------------------------------

fn saltmarsh(k: Option<&Kid>, i: usize) -> (String, Option<String>, Tr) {
    let mut tr = Tr::default();
    let mut b = String::new();
    b.push_str(&heading("Further education college and training provider request for an education, health and care needs assessment"));
    b.push_str(&para(
        "This request is made in accordance with section 36 of the Children and Families Act 2014.",
    ));
    b.push_str(&para("If there is a safeguarding concern please refer to the Single Point of Access Team on 01632 960000."));
    b.push_str(&para(
        "Where options are given, put an X beside your answer.",
    ));
    let grid = [3900, 5900];
    let head = |s: &str| vec![t(s).span(2).shade(GREY).bold()];
    let row = |l: &str, a: &str| vec![t(l), t(a)];
    let glyph = if i == 2 { "✓" } else { "X" };
    let yn = ["Yes", "No"];
    let mut rows = vec![vec![
        t("Please indicate whether this form is a request, or is advice"),
        r(options(
            &["Request", "Advice"],
            &mk_of(k, &[0]),
            Mk::Before(glyph),
            " / ",
        )),
    ]];
    rows.push(head("Young person's details"));
    let name = g(k, |k| {
        if i == 1 {
            format!("{} {} ", k.fore, k.sur)
        } else {
            format!("{} {}", k.fore, k.sur)
        }
    });
    tr.one("child.forename", k.map_or(V::Empty, |k| txt(k.fore)));
    tr.one("child.surname", k.map_or(V::Empty, |k| txt(k.sur)));
    rows.push(row("Name", &name));
    let addr = g(k, Kid::addr);
    tr.one("child.address", txt(&addr));
    rows.push(row("Current address", &addr));
    let pc = g(k, |k| {
        if i == 3 {
            k.pc.replace(' ', "").to_lowercase()
        } else {
            k.pc.clone()
        }
    });
    tr.one("child.postcode", idv(&pc, validate::postcode));
    rows.push(row("Postcode", &pc));
    rows.push(row("Previous address", ""));
    rows.push(row(
        "Contact number",
        &g(k, |k| format!("07700 900{:03}", 900 - k.dob.2 as i32)),
    ));
    let (dob, dv) = date(
        k.map(|k| k.dob),
        if i == 1 { Df::SlashPad } else { Df::Iso },
    );
    tr.one("child.date_of_birth", dv);
    rows.push(row("Date of birth", &dob));
    let uln_w = g(k, |k| {
        if i == 5 {
            "9999999999".into()
        } else {
            k.uln.clone()
        }
    });
    tr.one("child.uln", idv(&uln_w, validate::uln));
    rows.push(row("Unique Learner Number (ULN)", &uln_w));
    let setting = g(k, |k| format!("{} College", k.town));
    tr.one("setting.name", txt(&setting));
    rows.push(row("Setting, school or college", &setting));
    rows.push(row("Date started", &g(k, |_| "September 2024".into())));
    let year = g(k, |k| k.year.clone());
    tr.one("child.year_group", txt(&year));
    rows.push(row("National Curriculum year group", &year));
    rows.push(row(
        "If behind chronological year group, please state number of years",
        "",
    ));
    let lpick = match k {
        Some(_) if i == 4 => vec![0, 1],
        Some(_) if i == 5 => vec![],
        Some(k) => vec![usize::from(!k.lac)],
        None => vec![],
    };
    tr.one(
        "child.looked_after",
        opt_v(&yn, &yes_no(), &lpick, Mk::Before(glyph)),
    );
    rows.push(vec![
        t("Is this young person looked after?"),
        r(options(&yn, &lpick, Mk::Before(glyph), " / ")),
    ]);
    rows.push(vec![
        t("Is this young person the subject of a child protection plan?"),
        r(options(&yn, &mk_of(k, &[1]), Mk::Before(glyph), " / ")),
    ]);
    rows.push(head("Referrer's details"));
    let rname = g(k, |k| k.requester.clone());
    tr.one("request.requester_name", txt(&rname));
    rows.push(row("Name of referrer", &rname));
    rows.push(row(
        "Position or role",
        &g(k, |_| "Additional Learning Support Manager".into()),
    ));
    let rcontact = g(k, |k| k.req_contact.replace("senco", "als"));
    tr.one("request.requester_contact", txt(&rcontact));
    rows.push(row("Preferred contact", &rcontact));
    let (rd, rdv) = date(k.map(|k| k.req), if i == 3 { Df::Slash } else { Df::Iso });
    tr.one("request.date", rdv);
    rows.push(row("Date of referral", &rd));
    let apick = match k {
        Some(_) if i == 0 => vec![],
        Some(k) => vec![usize::from(!k.agree)],
        None => vec![],
    };
    tr.one(
        "request.parent_agreement",
        opt_v(&yn, &yes_no(), &apick, Mk::Before(glyph)),
    );
    rows.push(vec![
        t("Has the young person (or their parent/carer) agreed to this referral?"),
        r(options(&yn, &apick, Mk::Before(glyph), " / ")),
    ]);
    rows.push(head("Parents' or carers' details"));
    let pnames = g(k, |k| {
        if i == 3 {
            "N/A".into()
        } else {
            k.parents
                .iter()
                .map(Parent::name)
                .collect::<Vec<_>>()
                .join("\n")
        }
    });
    tr.items(
        "parents.name",
        if na(&pnames) {
            vec![]
        } else {
            pnames.split('\n').map(txt).collect()
        },
    );
    rows.push(row(
        "Name of parents or carers who have parental responsibility",
        &pnames,
    ));
    rows.push(row(
        "Other contact details",
        &g(k, |k| {
            if i == 3 {
                String::new()
            } else {
                k.parents[0].phone.clone()
            }
        }),
    ));
    rows.push(head("Additional information about this young person"));
    let gp = g(k, |k| k.gp.clone());
    tr.one("child.gp_practice", txt(&gp));
    rows.push(row("GP practice", &gp));
    let more = g(k, |k| {
        if 2025 - i32::from(k.dob.0) >= 19 {
            "Missed most of Year 11 through illness; needs a further year to complete Entry Level 3 and a supported internship.".into()
        } else {
            "N/A".into()
        }
    });
    tr.one("young_person.additional_time", txt(&more));
    rows.push(row("If the young person is 19 or over, why is more time needed to complete their education or training?", &more));
    b.push_str(&tbl(&grid, rows));

    b.push_str(&para("Which other services or agencies are already involved? Please provide names, contact details, period of involvement."));
    let pros: Vec<(usize, String, String)> = k.map(|k| k.pros.clone()).unwrap_or_default();
    let mut srows = vec![vec![
        t("Service").bold(),
        t("Name & full contact details").bold(),
        t("Period of involvement").bold(),
    ]];
    for n in 0..4 {
        match pros.get(n) {
            Some((svc, name, contact)) => srows.push(vec![
                t(PROFESSIONS[*svc]),
                t(&format!("{name}\n{contact}")),
                t("2023 - present"),
            ]),
            None => srows.push(vec![t(""), t(""), t("")]),
        }
    }
    tr.items(
        "professionals.name",
        pros.iter().map(|(_, n, _)| txt(n)).collect(),
    );
    tr.items(
        "professionals.service",
        pros.iter().map(|(s, _, _)| txt(PROFESSIONS[*s])).collect(),
    );
    b.push_str(&tbl(&[2600, 4600, 2600], srows));
    let needs = g(k, |k| k.needs.to_string());
    let action = g(k, |k| k.action.to_string());
    let vc = g(k, |k| k.vchild.to_string());
    tr.one("needs.description", txt(&needs));
    tr.one("evidence.action_taken", txt(&action));
    tr.one("views.child", txt(&vc));
    b.push_str(&tbl(
        &grid,
        vec![
            vec![t("Summary of the young person's needs"), t(&needs)],
            vec![t("Support already provided by the college"), t(&action)],
            vec![t("The young person's views and aspirations"), t(&vc)],
        ],
    ));
    (
        b,
        Some(para("Saltmarsh and Eddington Children's Trust")),
        tr,
    )
}

// ---------------------------------------------------------------------------------------------------------------
// 966 Fellbrook: application with an evidence checklist and a pre-printed agencies table
// ---------------------------------------------------------------------------------------------------------------

fn fellbrook(k: Option<&Kid>, i: usize) -> (String, Option<String>, Tr) {
    let mut tr = Tr::default();
    let mut b = String::new();
    b.push_str(&heading(
        "Education, Health and Care assessment application",
    ));
    b.push_str(&para(
        "Fellbrook Council - Special Educational Needs Service",
    ));
    b.push_str(&para("Please complete ALL sections. Please only include the following (where applicable) with your application:"));
    let tick = if i == 3 { "✓" } else { "√" };
    let checklist = [
        "Completed school advice (below)",
        "Latest medical report to detail diagnosis / CAMHS report",
        "Latest EP report",
        "Latest speech and language report",
        "Latest costed provision map",
        "Copy of the reviewed SEN Support Plan",
    ];
    let mut rows = vec![vec![
        t("Information from:").bold(),
        t("Tick √").bold(),
        t("Dated").bold(),
    ]];
    for (n, item) in checklist.iter().enumerate() {
        let on = k.is_some()
            && match n {
                2 => i % 2 == 1,
                4 => i != 2,
                _ => n == 0 || (n + i).is_multiple_of(3),
            };
        rows.push(vec![
            t(item),
            t(if on { tick } else { "" }),
            t(if on { "06/2025" } else { "" }),
        ]);
        let v = if on { bo(true) } else { V::Empty };
        match n {
            2 => tr.one("evidence.ep_report", v),
            4 => tr.one("evidence.costed_provision_map", v),
            _ => {}
        }
    }
    b.push_str(&tbl(&[6000, 1600, 2200], rows));
    b.push_str(&para("A summary of interventions recommended by outreach services should be detailed in your submission."));
    b.push_str(&para(
        "Reason for referral: Request for Education, Health and Care assessment",
    ));
    // Label | spacer | answer merged over three columns.
    let grid = [2600, 200, 2330, 2330, 2340];
    let row = |l: &str, a: C| vec![t(l).bold(), t(""), a.span(3)];
    let mut rows = Vec::new();
    let name = g(k, |k| format!("{}, {}", k.sur, k.fore));
    tr.one("child.forename", k.map_or(V::Empty, |k| txt(k.fore)));
    tr.one("child.surname", k.map_or(V::Empty, |k| txt(k.sur)));
    rows.push(row("Name (surname, forename):", t(&name)));
    let (dob, dv) = date(
        k.map(|k| k.dob),
        match i {
            1 => Df::Dot,
            4 => Df::Iso,
            _ => Df::Slash,
        },
    );
    tr.one("child.date_of_birth", dv);
    rows.push(row("Date of Birth:", t(&dob)));
    let gpick = match k {
        Some(_) if i == 2 => vec![0, 1],
        Some(_) if i == 4 => vec![],
        Some(k) => vec![gender_ix(k)],
        None => vec![],
    };
    tr.one(
        "child.gender",
        opt_v(&["M", "F"], &mf(), &gpick, Mk::After("✓")),
    );
    rows.push(row(
        "Gender:",
        r(options(&["M", "F"], &gpick, Mk::After("✓"), " / ")),
    ));
    let addr = g(k, Kid::addr);
    tr.one("child.address", txt(&addr));
    rows.push(row("Address:", t(&addr)));
    let pc = g(k, |k| k.pc.clone());
    tr.one("child.postcode", idv(&pc, validate::postcode));
    rows.push(row("Postcode:", t(&pc)));
    rows.push(row(
        "Telephone Numbers:",
        t(&g(k, |k| k.parents[0].phone.clone())),
    ));
    let pnames = g(k, |k| {
        k.parents
            .iter()
            .map(Parent::name)
            .collect::<Vec<_>>()
            .join("\n")
    });
    tr.items(
        "parents.name",
        if k.is_some() {
            pnames.split('\n').map(txt).collect()
        } else {
            vec![]
        },
    );
    rows.push(row("Name of parents/carers:", t(&pnames)));
    rows.push(row(
        "Name of person with parental responsibility:",
        t(&g(k, |k| {
            if k.lac {
                "Fellbrook Council (shared)".into()
            } else {
                "Both parents".into()
            }
        })),
    ));
    let year = g(k, |k| k.year.clone());
    tr.one("child.year_group", txt(&year));
    rows.push(row("Year group:", t(&year)));
    rows.push(row(
        "Chronological age:",
        t(&g(k, |k| format!("{}", 2025 - i32::from(k.dob.0)))),
    ));
    let lang = g(k, |k| {
        if i == 5 {
            format!("{} ", k.lang)
        } else {
            k.lang.to_string()
        }
    });
    tr.one("child.first_language", txt(&lang));
    rows.push(row("Home language:", t(&lang)));
    // Primary need: the answer underlined among plain codes.
    let codes = ["SpLD", "MLD", "SLCN", "ASD", "SEMH", "HI"];
    let code_values = ["SPLD", "MLD", "SLCN", "ASD", "SEMH", "HI"].map(|c| json!(c));
    let npick = match k {
        Some(_) if i == 1 => vec![1, 3],
        Some(_) if i == 5 => vec![],
        Some(_) => vec![[2, 3, 0, 4, 5, 1][i]],
        None => vec![],
    };
    tr.one(
        "needs.primary_need_type",
        opt_v(&codes, &code_values, &npick, Mk::Under),
    );
    rows.push(row(
        "Primary need (underline):",
        r(options(&codes, &npick, Mk::Under, " / ")),
    ));
    rows.push(row("Secondary need:", t("")));
    let lpick = match k {
        Some(k) => vec![usize::from(!k.lac)],
        None => vec![],
    };
    tr.one(
        "child.looked_after",
        opt_v(&["Y", "N"], &yes_no(), &lpick, Mk::After("✓")),
    );
    rows.push(row(
        "Looked after child:",
        r(options(&["Y", "N"], &lpick, Mk::After("✓"), " / ")),
    ));
    let school = g(k, |k| k.school.clone());
    tr.one("setting.name", txt(&school));
    rows.push(row("School:", t(&school)));
    let urn_w = g(k, |k| {
        if i == 3 {
            format!("{}1", k.urn)
        } else {
            k.urn.clone()
        }
    });
    tr.one("setting.urn", idv(&urn_w, validate::urn));
    rows.push(row("URN:", t(&urn_w)));
    let head = g(k, |k| k.head.clone());
    tr.one("setting.headteacher_name", txt(&head));
    rows.push(row("Headteacher:", t(&head)));
    b.push_str(&tbl(&grid, rows));

    // Agencies involved: one pre-printed row per profession, most left empty.
    let pros: Vec<(usize, String, String)> = k.map(|k| k.pros.clone()).unwrap_or_default();
    let mut rows = vec![vec![
        t("Agencies Involved").bold(),
        t("Name & full contact details").bold(),
        t("Date of last involvement").bold(),
    ]];
    let mut names = Vec::new();
    let mut services = Vec::new();
    for (n, prof) in PROFESSIONS.iter().enumerate() {
        let who = pros.iter().find(|(s, _, _)| *s == n);
        let cell = match who {
            Some((_, name, contact)) => format!("{name}\n{contact}"),
            None if k.is_some() && i == 0 && n == 2 => "N/A".into(),
            None => String::new(),
        };
        if let Some((_, name, _)) = who {
            names.push(txt(name));
            services.push(txt(prof));
        }
        rows.push(vec![
            t(prof),
            t(&cell),
            t(if who.is_some() { "05/2025" } else { "" }),
        ]);
    }
    tr.items("professionals.name", names);
    tr.items("professionals.service", services);
    b.push_str(&tbl(&[3300, 4400, 2100], rows));

    let needs = g(k, |k| k.needs.to_string());
    let attain = g(k, |k| k.attain.to_string());
    tr.one("needs.description", txt(&needs));
    tr.one("evidence.attainment", txt(&attain));
    b.push_str(&tbl(&[9800], vec![
        vec![t("1. Background Information (please provide brief details):").bold()],
        vec![t(&needs)],
        vec![t("2. Academic Levels (please detail the pupil's academic levels and the expected academic levels for their age):").bold()],
        vec![t(&attain)],
    ]));
    let rname = g(k, |k| k.requester.clone());
    tr.one("request.requester_name", txt(&rname));
    let (rd, rdv) = date(k.map(|k| k.req), if i == 2 { Df::Ordinal } else { Df::Dot });
    tr.one("request.date", rdv);
    b.push_str(&tbl(
        &[2000, 3400, 1400, 3000],
        vec![
            vec![
                t("Completed by:").bold(),
                t(&rname),
                t("Position:").bold(),
                t(&g(k, |_| "SENCo".into())),
            ],
            vec![t("Signed:").bold(), t(""), t("Date:").bold(), t(&rd)],
        ],
    ));
    (b, None, tr)
}

// ---------------------------------------------------------------------------------------------------------------
// 967 Quillon Vale: "Form 1 / Appendix B", answers typed into the label cells, options deleted
// ---------------------------------------------------------------------------------------------------------------

fn quillon(k: Option<&Kid>, i: usize) -> (String, Option<String>, Tr) {
    let mut tr = Tr::default();
    let mut b = String::new();
    b.push_str(&para("FORM 1/APPENDIX B"));
    b.push_str(&heading(
        "REQUEST FOR CONSIDERATION OF AN EDUCATION, HEALTH AND CARE NEEDS ASSESSMENT",
    ));
    b.push_str(&para(
        "EVIDENCE SUBMITTED BY THE HEADTEACHER OF THE CHILD'S SCHOOL",
    ));
    b.push_str(&para("Please complete ALL sections. Do not leave any section blank; enter NA where appropriate. Delete as applicable."));
    let grid = [3300, 3300, 3200];
    // A cell holding "Label: answer" (the answer typed after the printed label).
    let la = |label: &str, answer: &str| -> C {
        t(&if answer.is_empty() {
            label.to_string()
        } else {
            format!("{label} {answer}")
        })
    };
    let mut rows = vec![vec![t("Child").bold().span(3).shade(GREY)]];
    let sur = g(k, |k| {
        if i == 3 {
            format!("{}  ", k.sur)
        } else {
            k.sur.to_string()
        }
    });
    let fore = g(k, |k| k.fore.to_string());
    tr.one("child.surname", txt(&sur));
    tr.one("child.forename", txt(&fore));
    let sex_pick = match k {
        Some(_) if i == 3 => vec![],
        Some(k) => vec![gender_ix(k)],
        None => vec![],
    };
    let sex_mk = if i == 1 || i == 5 {
        Mk::DelSlash
    } else {
        Mk::Del
    };
    tr.one("child.gender", opt_v(&["M", "F"], &mf(), &sex_pick, sex_mk));
    rows.push(vec![
        la("Surname:", &sur).span(2),
        r(format!(
            "{}{}",
            run("Sex: "),
            options(&["M", "F"], &sex_pick, sex_mk, " / ")
        )),
    ]);
    let (dob, dv) = date(
        k.map(|k| k.dob),
        match i {
            2 => Df::Ordinal,
            4 => Df::Dot,
            _ => Df::Slash,
        },
    );
    tr.one("child.date_of_birth", dv);
    rows.push(vec![
        t(&if fore.is_empty() {
            "Other Name(s) (in full)".to_string()
        } else {
            format!("Other Name(s) (in full)\n{fore}")
        })
        .span(2),
        la("Date of Birth:", &dob),
    ]);
    let addr = g(k, Kid::addr);
    tr.one("child.address", txt(&addr));
    let pc = g(k, |k| k.pc.clone());
    tr.one("child.postcode", idv(&pc, validate::postcode));
    rows.push(vec![
        la("Home Address:", &addr).span(2),
        la("Postcode:", &pc),
    ]);
    let rel = g(k, |k| {
        if i % 3 == 1 {
            "NA".into()
        } else {
            k.religion.to_string()
        }
    });
    let lang = g(k, |k| k.lang.to_string());
    let eth = g(k, |k| k.ethnicity.to_string());
    tr.one("child.religion", txt(&rel));
    tr.one("child.first_language", txt(&lang));
    tr.one("child.ethnicity", txt(&eth));
    rows.push(vec![
        la("Religion:", &rel),
        la("Home Language:", &lang),
        la("Ethnic Origin:", &eth),
    ]);
    let nhs_w = g(k, |k| nhs_split(&k.nhs, if i == 2 { " " } else { "-" }));
    tr.one("child.nhs_number", idv(&nhs_w, validate::nhs_number));
    let upn_w = g(k, |k| {
        if i == 5 {
            bad_upn(&k.upn)
        } else {
            k.upn.clone()
        }
    });
    tr.one("child.upn", idv(&upn_w, validate::upn));
    // Y / N inside the question's cell: the wrong one deleted ("Y /" or "N"); filled-05 deleted neither.
    let lpick = match k {
        Some(_) if i == 4 => vec![],
        Some(k) => vec![usize::from(!k.lac)],
        None => vec![],
    };
    tr.one(
        "child.looked_after",
        opt_v(&["Y", "N"], &yes_no(), &lpick, Mk::DelSlash),
    );
    rows.push(vec![
        la("NHS number:", &nhs_w),
        la("UPN:", &upn_w),
        r(format!(
            "{}{}",
            run("Is the child looked after? "),
            options(&["Y", "N"], &lpick, Mk::DelSlash, " / ")
        )),
    ]);
    let need = g(k, |_| {
        format!(
            "{}{}",
            ["SLCN", "ASD", "MLD", "SEMH", "HI", "SLCN"][i],
            if i == 1 { "  " } else { "" }
        )
    });
    tr.one(
        "needs.primary_need_type",
        if need.is_empty() {
            V::Empty
        } else {
            V::Ok(json!(need.trim()))
        },
    );
    rows.push(vec![
        la("Major Need: (please use the SEN2 codes)", &need).span(3),
    ]);
    b.push_str(&tbl(&grid, rows));

    // Parent blocks: the same unnumbered labels twice.
    let mut rows = vec![vec![
        t("Parent(s)/Person(s) Responsible:")
            .bold()
            .span(3)
            .shade(GREY),
    ]];
    let parents: Vec<Parent> = k.map(|k| k.parents.clone()).unwrap_or_default();
    let (mut names, mut rels, mut addrs, mut phones) = (vec![], vec![], vec![], vec![]);
    for n in 0..2 {
        let pa = parents.get(n);
        let name = pa.map_or(String::new(), |p| format!("{} {}", p.title, p.name()));
        let rel = pa.map_or("", |p| p.rel);
        let (diff, diff_pc) = match (pa, i, n) {
            (Some(_), 1, 1) | (Some(_), 5, 1) => (
                format!("{} Sedge Way, Quillon", 40 + i),
                format!("YH9 {}", INWARD[i]),
            ),
            _ => (String::new(), String::new()),
        };
        let phone = pa.map_or(String::new(), |p| p.phone.clone());
        rows.push(vec![
            la("Name:", &name).span(2),
            la("Relationship to Child:", rel),
        ]);
        rows.push(vec![
            la("Address (if different from above):", &diff).span(2),
            la("Postcode:", &diff_pc),
        ]);
        rows.push(vec![la("Tel. No.", &phone).span(3)]);
        if pa.is_some() {
            names.push(txt(&name));
            rels.push(txt(rel));
            addrs.push(if diff.is_empty() {
                txt(&addr)
            } else {
                txt(&diff)
            });
            phones.push(txt(&phone));
        }
    }
    tr.items("parents.name", names);
    tr.items("parents.relationship", rels);
    tr.items("parents.address", addrs);
    tr.items("parents.phone", phones);
    b.push_str(&tbl(&grid, rows));

    let mut rows = vec![vec![t("School:").bold().span(3).shade(GREY)]];
    let school = g(k, |k| k.school.clone());
    tr.one("setting.name", txt(&school));
    rows.push(vec![
        la("Present School:", &school).span(2),
        la("Date of entry:", &g(k, |_| "09/2022".into())),
    ]);
    let head = g(k, |k| k.head.clone());
    tr.one("setting.headteacher_name", txt(&head));
    rows.push(vec![
        la("Headteacher:", &head).span(2),
        la(
            "Tel. No.",
            &g(k, |k| format!("01632 960{:03}", 800 + k.dob.2 as i32)),
        ),
    ]);
    let year = g(k, |k| k.year.clone());
    tr.one("child.year_group", txt(&year));
    rows.push(vec![
        la("Year Group in which child is placed:", &year).span(2),
        la("Number in class:", &g(k, |_| "28".into())),
    ]);
    b.push_str(&tbl(&grid, rows));

    let needs = g(k, |k| k.needs.to_string());
    tr.one("needs.description", txt(&needs));
    b.push_str(&tbl(
        &[9800],
        vec![
            vec![t("1  Summary of reason for request for an EHC needs assessment").bold()],
            vec![t(&needs)],
        ],
    ));
    let apick = match k {
        Some(_) if i == 4 => vec![],
        Some(k) => vec![usize::from(!k.agree)],
        None => vec![],
    };
    tr.one(
        "request.parent_agreement",
        opt_v(&["YES", "NO"], &yes_no(), &apick, Mk::Del),
    );
    b.push_str(&tbl(&[7600, 2200], vec![vec![
        t("2  Are you attaching any written information (e.g. a letter from the parent or notes of a meeting with the parent) which indicates their agreement to this request?"),
        r(options(&["YES", "NO"], &apick, Mk::Del, " / ")),
    ]]));
    let rname = g(k, |k| k.requester.clone());
    tr.one("request.requester_name", txt(&rname));
    let (rd, rdv) = date(
        k.map(|k| k.req),
        if i == 3 { Df::Ordinal } else { Df::SlashPad },
    );
    tr.one("request.date", rdv);
    b.push_str(&tbl(
        &[6600, 3200],
        vec![
            vec![
                la("Name of person completing the form:", &rname),
                la("Date:", &rd),
            ],
            vec![
                t("Signed (Headteacher):"),
                t("LA use only: Request received:"),
            ],
        ],
    ));
    (
        b,
        Some(para("Quillon Vale Council - Children's Services")),
        tr,
    )
}

// ---------------------------------------------------------------------------------------------------------------
// 974 Harrowdene (fresh): a "Request for Statutory Assessment" of dotted lines, answers typed over the dots
// ---------------------------------------------------------------------------------------------------------------

/// The leader dots a printed answer line ends in.
const DOTS: &str = "……………………………";

/// An answer typed on a dotted line: over the dots (style 0), before what is left of them (1) or among them
/// (2). Nothing typed leaves the dots. The dots are never part of the answer.
fn dotted(answer: &str, style: usize) -> String {
    match (answer.is_empty(), style) {
        (true, _) => DOTS.to_string(),
        (false, 0) => answer.to_string(),
        (false, 1) => format!("{answer}…………"),
        (false, _) => format!("……{answer}………"),
    }
}

/// One printed line: each label followed by its (dotted) answer, the pairs a few spaces apart.
fn dline(parts: &[(&str, String)]) -> String {
    let mut s = String::new();
    for (n, (label, answer)) in parts.iter().enumerate() {
        if n > 0 {
            s.push_str(&run("     "));
        }
        s.push_str(&run(&format!("{label} ")));
        s.push_str(&run(answer));
    }
    p(&s)
}

/// A run holding a tab (columns of a paragraph laid out by tab stops).
fn tab_run() -> String {
    "<w:r><w:tab/></w:r>".to_string()
}

/// A paragraph of tab-separated columns.
fn tabbed(cols: &[String]) -> String {
    let mut s = String::new();
    for (n, c) in cols.iter().enumerate() {
        if n > 0 {
            s.push_str(&tab_run());
        }
        s.push_str(&run(c));
    }
    p(&s)
}

fn male_female(male: bool) -> V {
    V::Ok(json!(if male { "male" } else { "female" }))
}

const HARROW_ETHNIC: [&str; 14] = [
    "White British",
    "Any other White background",
    "Indian",
    "Pakistani",
    "Bangladeshi",
    "Any other Asian background",
    "Caribbean",
    "African",
    "Any other Black background",
    "White and Black Caribbean",
    "White and Asian",
    "Any other mixed background",
    "Chinese",
    "Any other ethnic group",
];

/// The printed ethnicity option a kid's ethnicity is.
fn harrow_ethnic_ix(k: &Kid) -> usize {
    match k.ethnicity {
        "White British" => 0,
        "White Other" => 1,
        "Black African" => 7,
        "Mixed White and Asian" => 10,
        "Asian Bangladeshi" => 4,
        "White and Black Caribbean" => 9,
        other => panic!("no printed option for {other}"),
    }
}

fn harrowdene(k: Option<&Kid>, i: usize) -> (String, Option<String>, Tr) {
    let mut tr = Tr::default();
    let mut b = String::new();
    // How this document's typist filled the dotted lines.
    let style = i % 3;
    let d = |s: &str| dotted(s, style);
    b.push_str(&heading("REQUEST FOR STATUTORY ASSESSMENT"));
    b.push_str(&para(
        "of special educational needs (Education, Health and Care needs assessment)",
    ));
    b.push_str(&para("April 14"));
    b.push_str(&para("The local authority, when considering a request, looks for the relevant and purposeful action the school or setting has taken to identify, assess and provide support (SEND Code of Practice 2014)."));
    b.push_str(&subheading("SECTION 1"));
    b.push_str(&subheading("Child and Parent Details"));

    let sur = g(k, |k| k.sur.to_string());
    let fore = g(k, |k| k.fore.to_string());
    tr.one("child.surname", txt(&sur));
    tr.one("child.forename", txt(&fore));
    // "Boy/Girl": the word typed on the dots; 03 deleted the other word and typed nothing, 05 left it, 06 typed
    // "Male" / "Female".
    let (prompt, typed, gv) = match k {
        None => ("Boy/Girl".to_string(), String::new(), V::Empty),
        Some(_) if i == 4 => ("Boy/Girl".to_string(), String::new(), V::Empty),
        Some(k) if i == 2 => (
            (if k.male { "Boy" } else { "Girl" }).to_string(),
            String::new(),
            male_female(k.male),
        ),
        Some(k) => {
            let w = match (i, k.male) {
                (5, true) => "Male",
                (5, false) => "Female",
                (_, true) => "Boy",
                (_, false) => "Girl",
            };
            ("Boy/Girl".to_string(), w.to_string(), male_female(k.male))
        }
    };
    tr.one("child.gender", gv);
    b.push_str(&dline(&[
        ("Surname of child", d(&sur)),
        (prompt.as_str(), d(&typed)),
    ]));
    b.push_str(&dline(&[("Other names", d(&fore))]));
    let (dob, dv) = date(
        k.map(|k| k.dob),
        [
            Df::Slash,
            Df::Ordinal,
            Df::SlashPad,
            Df::Dot,
            Df::Short,
            Df::Long,
        ][i],
    );
    tr.one("child.date_of_birth", dv);
    let year = g(k, |k| k.year.clone());
    tr.one("child.year_group", txt(&year));
    b.push_str(&dline(&[
        ("Date of Birth", d(&dob)),
        ("NC Year Group", d(&year)),
    ]));
    let lang = g(k, |k| k.lang.to_string());
    let rel = g(k, |k| {
        if i == 3 {
            "N/A".to_string()
        } else {
            k.religion.to_string()
        }
    });
    tr.one("child.first_language", txt(&lang));
    tr.one("child.religion", txt(&rel));
    b.push_str(&dline(&[
        ("Home Language", d(&lang)),
        ("Religion", d(&rel)),
    ]));
    let school = g(k, |k| {
        if i == 1 {
            format!("{}  ", k.school)
        } else {
            k.school.clone()
        }
    });
    tr.one("setting.name", txt(&school));
    b.push_str(&dline(&[(
        "School/Early Years setting currently attended",
        d(&school),
    )]));
    b.push_str(&dline(&[(
        "Date of child's admission into current school/Early Years setting",
        d(&g(k, |_| "September 2022".into())),
    )]));
    b.push_str(&dline(&[(
        "Previous school(s)/Early Years settings attended (if any) with dates",
        d(&g(k, |_| {
            (if i.is_multiple_of(2) { "None" } else { "N/A" }).into()
        })),
    )]));
    b.push_str(&p(&run(DOTS)));
    let parents: Vec<Parent> = k.map(|k| k.parents.clone()).unwrap_or_default();
    b.push_str(&para("Name(s) of parent / guardian with whom the child lives - if Foster Carers, please indicate:"));
    b.push_str(&p(&run(&d(&parents
        .iter()
        .map(|p| format!("{} {}", p.title, p.name()))
        .collect::<Vec<_>>()
        .join(" and ")))));
    let street = g(k, |k| k.street.clone());
    let town = g(k, |k| k.town.to_string());
    let addr = if k.is_some() {
        format!("{street}\n{town}")
    } else {
        String::new()
    };
    tr.one("child.address", txt(&addr));
    let pc = g(k, |k| {
        if i == 4 {
            k.pc.replace(' ', "")
        } else {
            k.pc.clone()
        }
    });
    tr.one("child.postcode", idv(&pc, validate::postcode));
    b.push_str(&dline(&[("Address where child lives", d(&street))]));
    b.push_str(&p(&run(&d(&town))));
    b.push_str(&dline(&[
        ("……………………", String::new()),
        ("Post Code", d(&pc)),
    ]));
    b.push_str(&para(
        "Telephone number(s) of parent / guardian with whom the child lives: -",
    ));
    b.push_str(&dline(&[
        ("Home /Mobile", d(&g(k, |k| k.parents[0].phone.clone()))),
        ("Work", d("")),
    ]));
    // Looked after: "Yes/No [please delete]"; 01 left the instruction, 02 deleted it too, 03 left "Yes/", 04
    // deleted nothing, 06 deleted nothing but typed the answer after the line.
    let lpick = match k {
        Some(_) if i == 3 || i == 5 => vec![],
        Some(k) => vec![usize::from(!k.lac)],
        None => vec![],
    };
    let lmk = if i == 2 { Mk::DelSlash } else { Mk::Del };
    let mut line = run("Is the child 'Looked After' by the local authority? ");
    line.push_str(&options(&["Yes", "No"], &lpick, lmk, "/"));
    if i != 1 {
        line.push_str(&run(" [please delete]"));
    }
    match k {
        Some(k) if i == 5 => {
            line.push_str(&run(if k.lac { "   Yes" } else { "   No" }));
            tr.one("child.looked_after", bo(k.lac));
        }
        _ => tr.one(
            "child.looked_after",
            opt_v(&["Yes", "No"], &yes_no(), &lpick, lmk),
        ),
    }
    b.push_str(&p(&line));

    b.push_str(&para("Name(s) and address(es) of all parents/persons with parental responsibility. (If the child is Looked After include the name and address of the responsible Social Worker at item (iii) below. Do not include foster parents unless they hold a residence order.)"));
    b.push_str(&tabbed(&[
        String::new(),
        "Name".into(),
        "Relationship to child".into(),
        "Address (if different to child's)".into(),
    ]));
    // (i) and (ii) the parents, (iii) the social worker of a looked-after child.
    let mut entries: Vec<Option<(String, String, String)>> = vec![None, None, None];
    for (n, pa) in parents.iter().enumerate() {
        let diff = match (i, n) {
            (1, 1) => format!("27 Kiln Street, {town}"),
            (4, 0) => "as above".to_string(),
            _ => String::new(),
        };
        entries[n] = Some((
            format!("{} {}", pa.title, pa.name()),
            pa.rel.to_string(),
            diff,
        ));
    }
    if k.is_some_and(|k| k.lac) {
        entries[2] = Some((
            "Jo Calloway".to_string(),
            "Social Worker".to_string(),
            format!("Children's Services, {town} Civic Centre"),
        ));
    }
    let (mut names, mut rels, mut addrs) = (vec![], vec![], vec![]);
    for (n, e) in entries.iter().enumerate() {
        let num = ["(i)", "(ii)", "(iii)"][n];
        match e {
            Some((name, rel, diff)) => {
                b.push_str(&tabbed(&[num.into(), name.clone(), rel.clone(), d(diff)]));
                names.push(txt(name));
                rels.push(txt(rel));
                addrs.push(
                    if diff.is_empty() || diff.eq_ignore_ascii_case("as above") {
                        txt(&addr)
                    } else {
                        txt(diff)
                    },
                );
            }
            None => b.push_str(&tabbed(&[
                num.into(),
                DOTS.into(),
                DOTS.into(),
                DOTS.into(),
            ])),
        }
        b.push_str(&tabbed(&[
            String::new(),
            DOTS.into(),
            DOTS.into(),
            DOTS.into(),
        ]));
    }
    tr.items("parents.name", names);
    tr.items("parents.relationship", rels);
    tr.items("parents.address", addrs);
    let fpick = if k.is_some() && i != 3 {
        vec![1]
    } else {
        vec![]
    };
    b.push_str(&p(&format!(
        "{}{}",
        run("If they are the parents/have parental responsibility, are they an HM Forces family? "),
        options(&["YES", "NO"], &fpick, Mk::Del, "/")
    )));

    // Ethnicity: a grid of options, each with a box to mark; 03 marked none, 06 two.
    b.push_str(&para(
        "ETHNICITY - please indicate the child's ethnic origins:",
    ));
    let (epick, glyph): (Vec<usize>, &str) = match k {
        None => (vec![], ""),
        Some(_) if i == 2 => (vec![], ""),
        Some(_) if i == 5 => (vec![6, 9], "X"),
        Some(k) => (vec![harrow_ethnic_ix(k)], ["X", "✓", "", "x", "X", ""][i]),
    };
    tr.one(
        "child.ethnicity",
        match epick.len() {
            0 => V::Empty,
            1 => txt(HARROW_ETHNIC[epick[0]]),
            _ => V::Marked(
                epick
                    .iter()
                    .map(|&e| HARROW_ETHNIC[e].to_string())
                    .collect(),
            ),
        },
    );
    let mut rows = Vec::new();
    for pair in 0..7 {
        let mut row = Vec::new();
        for e in [pair * 2, pair * 2 + 1] {
            row.push(t(HARROW_ETHNIC[e]));
            row.push(t(if epick.contains(&e) { glyph } else { "" }));
        }
        rows.push(row);
    }
    b.push_str(&tbl(&[3600, 700, 3600, 700], rows));

    b.push_str(&subheading("SECTION 2"));
    b.push_str(&subheading("Reasons for the Request"));
    let prompts: [(&'static str, &str, String); 4] = [
        (
            "needs.description",
            "(a) Summary of the child's special educational needs:",
            g(k, |k| k.needs.to_string()),
        ),
        (
            "evidence.action_taken",
            "(b) Action taken by the school/Early Years setting to meet these needs (SEN Support), and its effect:",
            g(k, |k| k.action.to_string()),
        ),
        (
            "needs.health",
            "(c) Medical / health information (if any):",
            g(k, |k| {
                if i == 1 {
                    "N/A".to_string()
                } else {
                    k.health.to_string()
                }
            }),
        ),
        (
            "views.parent",
            "(d) The parents' views of this request:",
            g(k, |k| {
                if i == 4 {
                    String::new()
                } else {
                    k.vparent.to_string()
                }
            }),
        ),
    ];
    for (id, prompt, answer) in &prompts {
        tr.one(id, txt(answer));
        b.push_str(&para(prompt));
        if answer.is_empty() {
            b.push_str(&p(&run(DOTS)));
            b.push_str(&p(&run(DOTS)));
        } else {
            b.push_str(&para(answer));
        }
    }

    b.push_str(&subheading("SECTION 3"));
    b.push_str(&para("Other agencies involved with the child (please give the name of the worker and the date of their last involvement):"));
    let pros: Vec<(usize, String, String)> = k.map(|k| k.pros.clone()).unwrap_or_default();
    for n in 0..4 {
        match pros.get(n) {
            Some((svc, name, _)) => b.push_str(&dline(&[
                ("Agency", d(PROFESSIONS[*svc])),
                ("Name of worker", d(name)),
                (
                    "Date",
                    d(["Spring 2025", "06/2025", "July 2025", "10/3/25"][n]),
                ),
            ])),
            None if n == 0 && i == 5 => b.push_str(&dline(&[
                ("Agency", d("None")),
                ("Name of worker", d("")),
                ("Date", d("")),
            ])),
            None => b.push_str(&dline(&[
                ("Agency", d("")),
                ("Name of worker", d("")),
                ("Date", d("")),
            ])),
        }
    }
    tr.items(
        "professionals.name",
        pros.iter().map(|(_, n, _)| txt(n)).collect(),
    );
    tr.items(
        "professionals.service",
        pros.iter().map(|(s, _, _)| txt(PROFESSIONS[*s])).collect(),
    );

    b.push_str(&subheading("SECTION 4"));
    b.push_str(&subheading("Consent and Signatures"));
    let apick = match k {
        Some(_) if i == 5 => vec![],
        Some(k) => vec![usize::from(!k.agree)],
        None => vec![],
    };
    tr.one(
        "request.parent_agreement",
        opt_v(&["YES", "NO"], &yes_no(), &apick, Mk::Del),
    );
    b.push_str(&p(&format!(
        "{}{}{}",
        run("I/We agree to this request for statutory assessment being made: "),
        options(&["YES", "NO"], &apick, Mk::Del, "/"),
        run(" [please delete]")
    )));
    b.push_str(&dline(&[
        ("Signature of parent/carer", DOTS.to_string()),
        ("Date", DOTS.to_string()),
    ]));
    b.push_str(&dline(&[("Signed (Headteacher/SENCo)", DOTS.to_string())]));
    let rname = g(k, |k| k.requester.clone());
    tr.one("request.requester_name", txt(&rname));
    let (rd, rdv) = date(
        k.map(|k| k.req),
        match i {
            1 => Df::Dot,
            3 => Df::Ordinal,
            5 => Df::Short,
            _ => Df::SlashPad,
        },
    );
    tr.one("request.date", rdv);
    b.push_str(&dline(&[
        ("Name (please print)", d(&rname)),
        ("Position", d(&g(k, |_| "SENCo".into()))),
        ("Date", d(&rd)),
    ]));
    (b, Some(para("Harrowdene Borough Council")), tr)
}

// ---------------------------------------------------------------------------------------------------------------
// 975 Wyckham (fresh): the parents' consent first, parents' blocks each in one cell, options coloured
// ---------------------------------------------------------------------------------------------------------------

/// A cell of several paragraphs of runs.
fn cell(paras: Vec<String>) -> C {
    C {
        span: 1,
        pr: String::new(),
        paras,
    }
}

/// What a typed gender ("F", "Male", "girl") reads as.
fn typed_gender(s: &str) -> V {
    match s.trim().to_ascii_lowercase().as_str() {
        "" => V::Empty,
        "m" | "male" | "boy" => V::Ok(json!("male")),
        "f" | "female" | "girl" => V::Ok(json!("female")),
        _ => V::Invalid(s.trim().to_string()),
    }
}

/// Age in whole years on `on`.
fn age_on(dob: Ymd, on: Ymd) -> i16 {
    on.0 - dob.0 - i16::from((on.1, on.2) < (dob.1, dob.2))
}

fn wyckham(k: Option<&Kid>, i: usize) -> (String, Option<String>, Tr) {
    let mut tr = Tr::default();
    let mut b = String::new();
    b.push_str(&heading(
        "Request for an Education, Health and Care Needs Assessment",
    ));
    b.push_str(&para("The information on this form is confidential to the pupil, those with parental responsibility and the people professionally involved. The form should be signed by the parent/main carer, the Headteacher and the SENCO, and an electronic copy returned to the SEN Team at Wyckham House."));
    let red = Mk::Colour("FF0000");

    // The parents' consent, on the first page, before anything about the child.
    let agree = k.is_some_and(|k| k.agree);
    tr.one("request.parent_agreement", bo(agree));
    let parents: Vec<Parent> = k.map(|k| k.parents.clone()).unwrap_or_default();
    let signed = k.is_some() && agree && i != 5;
    tr.one("consent.signed", bo(signed));
    let mut consent = vec![
        run_pr("Parent/Main Carers' Consent", "<w:b/>"),
        run(
            "I/we agree that this information can be sent to the Director so that the LA can consider a request for:",
        ),
        format!(
            "{}{}",
            run("EHC needs assessment   "),
            run_pr(
                if agree { "☒" } else { "☐" },
                "<w:rFonts w:ascii=\"MS Gothic\" w:hAnsi=\"MS Gothic\"/>"
            )
        ),
        run(
            "If this request is successful we give consent for information to be shared with other relevant agencies for assessment purposes.",
        ),
        run(
            "Parents are advised that there may also be exceptional circumstances where information is shared with other agencies in line with data protection law.",
        ),
    ];
    for n in 0..2 {
        let who = match parents.get(n) {
            Some(p) if signed => p.name(),
            _ => "____________________".to_string(),
        };
        let when = match (k, parents.get(n)) {
            (Some(k), Some(_)) if signed => fmt_date(
                (k.req.0, k.req.1, k.req.2 - 1),
                [Df::Slash, Df::Iso, Df::Long, Df::Slash, Df::Dot, Df::Slash][i],
            ),
            _ => "__________".to_string(),
        };
        consent.push(format!(
            "{}{}{}{}",
            run("Parents/Main Carers "),
            run(&who),
            run("   Date "),
            run(&when)
        ));
    }
    b.push_str(&tbl(&[9800], vec![vec![cell(consent)]]));

    // 1. The child: label | answer pairs; 03 typed the name into the label's cell.
    let grid = [1900, 3000, 1900, 3000];
    let lab = |s: &str| t(s).shade(LABEL);
    let mut rows = vec![vec![
        t("1. Child/young person's details")
            .bold()
            .span(4)
            .shade(GREY),
    ]];
    let name = g(k, |k| {
        if i == 4 {
            format!("{}, {}", k.sur, k.fore)
        } else {
            format!("{} {}", k.fore, k.sur)
        }
    });
    tr.one("child.forename", txt(&g(k, |k| k.fore.to_string())));
    tr.one("child.surname", txt(&g(k, |k| k.sur.to_string())));
    let school = g(k, |k| k.school.clone());
    tr.one("setting.name", txt(&school));
    if i == 2 {
        rows.push(vec![
            lab(&format!("Name: {name}")),
            t(""),
            lab("School/Setting:"),
            t(&school),
        ]);
    } else {
        rows.push(vec![
            lab("Name:"),
            t(&name),
            lab("School/Setting:"),
            t(&school),
        ]);
    }
    let (dob, dv) = date(
        k.map(|k| k.dob),
        [
            Df::SlashPad,
            Df::Slash,
            Df::Ordinal,
            Df::Short,
            Df::Dot,
            Df::Long,
        ][i],
    );
    tr.one("child.date_of_birth", dv);
    rows.push(vec![
        lab("Date of Birth:"),
        t(&dob),
        lab("Age:"),
        t(&g(k, |k| age_on(k.dob, k.req).to_string())),
    ]);
    let year = g(k, |k| {
        if i == 1 {
            k.year.replace("Year ", "Y")
        } else {
            k.year.clone()
        }
    });
    tr.one("child.year_group", txt(&year));
    let gender = g(k, |k| {
        match (i, k.male) {
            (1, _) => "M",
            (3, _) => "Male",
            (4, _) => "F ",
            (5, _) => "",
            (_, true) => "Male",
            (_, false) => "Female",
        }
        .to_string()
    });
    tr.one("child.gender", typed_gender(&gender));
    rows.push(vec![lab("NCY:"), t(&year), lab("Gender:"), t(&gender)]);
    let addr = g(k, |k| format!("{}\n{}", k.street, k.town));
    tr.one("child.address", txt(&addr));
    rows.push(vec![lab("Home address:"), t(&addr).span(3)]);
    let pc = g(k, |k| k.pc.clone());
    tr.one("child.postcode", idv(&pc, validate::postcode));
    rows.push(vec![
        lab("Telephone Number:"),
        t(&g(k, |k| k.parents[0].phone.clone())),
        lab("Post Code:"),
        t(&pc),
    ]);
    let lang = g(k, |k| k.lang.to_string());
    tr.one("child.first_language", txt(&lang));
    let no = mk_of(k, &[1]);
    rows.push(vec![
        lab("Home Language:"),
        t(&lang),
        r(format!(
            "{}{}",
            run("Interpreter Needed? "),
            options(&["Yes", "No"], &no, red, "/")
        )),
        r(format!(
            "{}{}",
            run("CAF: "),
            options(&["Yes", "No"], &no, red, "/")
        )),
    ]);
    // Looked after: coloured (04 the other deleted, 05 both coloured, 06 neither).
    let (lpick, lmk) = match k {
        None => (vec![], red),
        Some(_) if i == 5 => (vec![], red),
        Some(_) if i == 4 => (vec![0, 1], red),
        Some(k) if i == 3 => (vec![usize::from(!k.lac)], Mk::Del),
        Some(k) => (vec![usize::from(!k.lac)], red),
    };
    tr.one(
        "child.looked_after",
        opt_v(&["Yes", "No"], &yes_no(), &lpick, lmk),
    );
    rows.push(vec![
        r(format!(
            "{}{}",
            run("Child in Need: "),
            options(&["Yes", "No"], &no, red, "/")
        ))
        .span(2),
        r(format!(
            "{}{}",
            run("Looked After Child: "),
            options(&["Yes", "No"], &lpick, lmk, "/")
        ))
        .span(2),
    ]);
    rows.push(vec![
        lab("If Yes, which Authority?"),
        t(&g(k, |k| {
            (if k.lac {
                "Wyckham County Council"
            } else {
                "N/A"
            })
            .into()
        }))
        .span(3),
    ]);
    b.push_str(&tbl(&grid, rows));

    // 2. The parents side by side, each block one cell of labelled lines, the answer after the label.
    let (mut names, mut rels, mut addrs, mut phones) = (vec![], vec![], vec![], vec![]);
    let mut blocks = Vec::new();
    for n in 0..2 {
        let pa = parents.get(n).filter(|_| !(i == 5 && n == 1));
        let na_block = k.is_some() && i == 5 && n == 1;
        let fill = |s: String| if na_block { "N/A".to_string() } else { s };
        let pname = pa.map_or(String::new(), |p| {
            if i == 1 {
                format!("{} {}", p.title, p.name())
            } else {
                p.name()
            }
        });
        let prel = pa.map_or(String::new(), |p| p.rel.to_string());
        let (paddr, ppc) = match (pa, k) {
            (Some(_), Some(k)) => match (i, n) {
                (1 | 3, 0) | (1, 1) => ("As above".to_string(), String::new()),
                (4, 1) => (
                    format!("{} Withy Bank, {}", 60 + i, k.town),
                    format!("WK9 {}", INWARD[i + 3]),
                ),
                _ => (format!("{}, {}", k.street, k.town), k.pc.clone()),
            },
            _ => (String::new(), String::new()),
        };
        let pphone = pa.map_or(String::new(), |p| p.phone.clone());
        let line = |label: &str, v: String| {
            let v = fill(v);
            if v.is_empty() {
                run(label)
            } else {
                format!("{}{}", run(&format!("{label} ")), run(&v))
            }
        };
        blocks.push(cell(vec![
            line("Name:", pname.clone()),
            line("Relationship to pupil:", prel.clone()),
            line("Address:", paddr.clone()),
            line("Post Code", ppc),
            line("Telephone Number:", pphone.clone()),
        ]));
        if pa.is_some() {
            names.push(txt(&pname));
            rels.push(txt(&prel));
            addrs.push(if paddr == "As above" {
                txt(&addr)
            } else {
                txt(&paddr)
            });
            phones.push(txt(&pphone));
        }
    }
    tr.items("parents.name", names);
    tr.items("parents.relationship", rels);
    tr.items("parents.address", addrs);
    tr.items("parents.phone", phones);
    b.push_str(&tbl(
        &[4900, 4900],
        vec![
            vec![
                t("2. Persons with parental responsibility")
                    .bold()
                    .span(2)
                    .shade(GREY),
            ],
            blocks,
        ],
    ));

    // 3. School details.
    let att = g(k, |_| {
        ["96%", "91.5%", "88 %", "N/A", "97%", "93.2%"][i].to_string()
    });
    tr.one(
        "evidence.attendance_percent",
        if na(&att) {
            V::Empty
        } else {
            V::Ok(json!(
                att.trim_end_matches('%')
                    .trim()
                    .parse::<f64>()
                    .expect("a percentage")
            ))
        },
    );
    b.push_str(&tbl(
        &[3400, 6400],
        vec![
            vec![t("3. School Details").bold().span(2).shade(GREY)],
            vec![lab("Attendance over last 12 months:"), t(&att)],
            vec![
                lab("Previous schools, with dates attended:"),
                t(&g(k, |k| {
                    if i.is_multiple_of(2) {
                        "None".to_string()
                    } else {
                        format!("{} Nursery, 2019 - 2021", k.town)
                    }
                })),
            ],
        ],
    ));

    let vc = g(k, |k| {
        if i == 4 {
            "See attached one-page profile.".to_string()
        } else {
            k.vchild.to_string()
        }
    });
    tr.one("views.child", txt(&vc));
    let vp = g(k, |k| {
        if i == 2 {
            String::new()
        } else {
            k.vparent.to_string()
        }
    });
    tr.one("views.parent", txt(&vp));
    b.push_str(&tbl(
        &[9800],
        vec![
            vec![t("4. Pupil's Views and Aspirations (your own format can be attached for the pupil's views and numbered as 4)").bold().shade(GREY)],
            vec![t(&vc)],
            vec![t("5. Parent/Carer Views and Aspirations (your own format or a letter can be attached and numbered as 5)").bold().shade(GREY)],
            vec![t(&vp)],
        ],
    ));
    let needs = g(k, |k| k.needs.to_string());
    tr.one("needs.description", txt(&needs));
    b.push_str(&tbl(
        &[3400, 6400],
        vec![
            vec![
                t("6. Pen Portrait/Summary of Pupil's Strengths and Weaknesses")
                    .bold()
                    .span(2)
                    .shade(GREY),
            ],
            vec![
                lab("Key pupil strengths and participation in school life"),
                t(&g(k, |k| {
                    format!(
                        "Kind and sociable; enjoys {}.",
                        [
                            "art",
                            "football",
                            "music",
                            "the school garden",
                            "computing",
                            "drama"
                        ][(k.dob.2 as usize) % 6]
                    )
                })),
            ],
            vec![
                lab("Key areas of school life that are challenging"),
                t(&needs),
            ],
        ],
    ));
    let action = g(k, |k| k.action.to_string());
    tr.one("evidence.action_taken", txt(&action));
    b.push_str(&tbl(
        &[3400, 6400],
        vec![
            vec![t("7. History of CYP to date (what was working well, what has changed and over what period of time)")
                .bold()
                .span(2)
                .shade(GREY)],
            vec![t(&action).span(2)],
            vec![
                lab("Date when discussion took place with SENCo to access element 2 funding:"),
                t(&g(k, |_| "Autumn term 2024".into())),
            ],
        ],
    ));

    // 8. Other agencies: a free table.
    let pros: Vec<(usize, String, String)> = k.map(|k| k.pros.clone()).unwrap_or_default();
    let mut prow = vec![
        vec![
            t("8. Involvement of other agencies")
                .bold()
                .span(4)
                .shade(GREY),
        ],
        vec![
            lab("Agency / Service"),
            lab("Name"),
            lab("Date of last involvement"),
            lab("Report attached? Y/N"),
        ],
    ];
    for n in 0..4 {
        match pros.get(n) {
            Some((svc, pname, _)) => prow.push(vec![
                t(PROFESSIONS[*svc]),
                t(pname),
                t(["05/2025", "June 2025", "01/07/2025", "Spring term 2025"][n]),
                t(if n == 0 { "Y" } else { "N" }),
            ]),
            None => prow.push(vec![t(""), t(""), t(""), t("")]),
        }
    }
    tr.items(
        "professionals.name",
        pros.iter().map(|(_, n, _)| txt(n)).collect(),
    );
    tr.items(
        "professionals.service",
        pros.iter().map(|(s, _, _)| txt(PROFESSIONS[*s])).collect(),
    );
    b.push_str(&tbl(&[2800, 2800, 2200, 2000], prow));

    // Signatures: the Headteacher and the SENCO, each with a date.
    let head = g(k, |k| {
        if i == 4 {
            String::new()
        } else {
            k.head.clone()
        }
    });
    tr.one("setting.headteacher_name", txt(&head));
    let senco = g(k, |k| k.requester.clone());
    tr.one("setting.senco_name", txt(&senco));
    tr.one("request.requester_name", txt(&senco));
    let contact = g(k, |k| k.req_contact.clone());
    tr.one("setting.senco_contact", txt(&contact));
    let (rd, rdv) = date(
        k.map(|k| k.req),
        match i {
            2 => Df::Long,
            4 => Df::Short,
            _ => Df::SlashPad,
        },
    );
    tr.one("request.date", rdv);
    b.push_str(&tbl(
        &[2400, 4400, 1000, 2000],
        vec![
            vec![
                lab("Headteacher:"),
                t(&head),
                lab("Date:"),
                t(&if head.is_empty() {
                    String::new()
                } else {
                    rd.clone()
                }),
            ],
            vec![lab("SENCO:"), t(&senco), lab("Date:"), t(&rd)],
            vec![lab("SENCO email:"), t(&contact).span(3)],
        ],
    ));
    (b, Some(para("Wyckham County Council - SEN Team")), tr)
}

// ---------------------------------------------------------------------------------------------------------------
// 976 Kestrelford (tune): a referral of underscored lines in two tab-stop columns, titles and Yes/No to delete
// ---------------------------------------------------------------------------------------------------------------

/// The underscores of a printed answer line.
const RULE: &str = "______________________";

/// The runs of an answer written on a printed rule (`rule`: underscores or leader dots): over the rule (style 0),
/// before what is left of it (1), amid it (2), or over it in underlined type (3: the typist kept the rule's
/// underline on the words). Nothing typed leaves the rule. The rule is never part of the answer.
fn ruled(answer: &str, rule: &str, style: usize) -> String {
    let part = |n: usize| -> String { rule.chars().take(n).collect() };
    let n = rule.chars().count();
    match (answer.is_empty(), style) {
        (true, _) => run(rule),
        (false, 0) => run(answer),
        (false, 1) => run(&format!("{answer}{}", part(n / 2))),
        (false, 2) => run(&format!("{}{answer}{}", part(n / 4), part(n / 3))),
        (false, _) => run_pr(answer, "<w:u w:val=\"single\"/>"),
    }
}

/// A printed label and the runs of its answer.
fn lab_ans(label: &str, answer: String) -> String {
    format!("{}{answer}", run(&format!("{label} ")))
}

/// A paragraph of runs laid out in columns by left tab stops at `stops` (twips), the columns separated by tabs.
fn tab_cols(stops: &[u32], cols: &[String]) -> String {
    let tabs: String = stops
        .iter()
        .map(|s| format!("<w:tab w:val=\"left\" w:pos=\"{s}\"/>"))
        .collect();
    format!(
        "<w:p><w:pPr><w:tabs>{tabs}</w:tabs></w:pPr>{}</w:p>",
        cols.join(&tab_run())
    )
}

/// The areas of need of 976's Section 2 (printed heading, template value).
const KESTREL_AREAS: [(&str, &str); 4] = [
    ("Cognition and Learning", "cognition_learning"),
    ("Social, Emotional and Mental Health", "semh"),
    ("Communication and Interaction", "communication_interaction"),
    ("Sensory and/or Physical", "sensory_physical"),
];

/// The needs 976's Section 2 lists to number: (letter, printed wording, SEN2 code, index into KESTREL_AREAS).
const KESTREL_NEEDS: [(&str, &str, &str, usize); 11] = [
    ("(a)", "Specific Learning Difficulty (SpLD)", "SPLD", 0),
    ("(b)", "Moderate Learning Difficulty (MLD)", "MLD", 0),
    ("(c)", "Severe Learning Difficulty (SLD)", "SLD", 0),
    (
        "(d)",
        "Profound and Multiple Learning Difficulty (PMLD)",
        "PMLD",
        0,
    ),
    (
        "(e)",
        "Social, Emotional and Mental Health (SEMH)",
        "SEMH",
        1,
    ),
    (
        "(f)",
        "Speech, Language and Communication Needs (SLCN)",
        "SLCN",
        2,
    ),
    ("(g)", "Autistic Spectrum Disorder (ASD)", "ASD", 2),
    ("(h)", "Hearing Impairment (HI)", "HI", 3),
    ("(i)", "Visual Impairment (VI)", "VI", 3),
    ("(j)", "Multi-Sensory Impairment (MSI)", "MSI", 3),
    ("(k)", "Physical Disability (PD)", "PD", 3),
];

/// The SEN2 code of a kid's needs (the same six needs texts, in the order of [`NEEDS`]).
fn need_code(k: &Kid) -> &'static str {
    let at = NEEDS
        .iter()
        .position(|n| *n == k.needs)
        .expect("one of NEEDS");
    ["SLCN", "ASD", "MLD", "SEMH", "HI", "SLD"][at]
}

fn kestrelford(k: Option<&Kid>, i: usize) -> (String, Option<String>, Tr) {
    let mut tr = Tr::default();
    let mut b = String::new();
    // How this document's typist wrote on the rules: over them, before or amid what is left, underlined.
    let style = [0, 1, 2, 3, 1, 0][i];
    let u = |s: &str| ruled(s, RULE, style);
    let dots = |s: &str| ruled(s, DOTS, style.min(2));
    let stops = [5400];
    b.push_str(&para(
        "Kestrelford Borough Council  -  Director of Children's Services",
    ));
    b.push_str(&heading("REFERRAL FORM"));
    b.push_str(&para("The Children and Families Act 2014, section 36: Education, Health and Care needs assessment of children with special educational needs"));
    b.push_str(&subheading(
        "REQUEST FOR STATUTORY ASSESSMENT OF A CHILD'S SPECIAL EDUCATIONAL NEEDS",
    ));
    b.push_str(&subheading("SECTION 1     PERSONAL DETAILS"));

    let sur = g(k, |k| k.sur.to_string());
    let fore = g(k, |k| k.fore.to_string());
    tr.one("child.surname", txt(&sur));
    tr.one("child.forename", txt(&fore));
    // "Sex:" is a rule to write on: nothing printed to mark (05 left it blank).
    let sex = g(k, |k| {
        match (i, k.male) {
            (0, _) => "F",
            (1, _) => "Male",
            (2, _) => "Girl",
            (3, _) => "M",
            (4, _) => "",
            (_, true) => "Boy",
            (_, false) => "Girl",
        }
        .to_string()
    });
    tr.one("child.gender", typed_gender(&sex));
    b.push_str(&tab_cols(
        &stops,
        &[
            lab_ans("Child's Surname:", u(&sur)),
            lab_ans("Sex:", u(&sex)),
        ],
    ));
    let (dob, dv) = date(
        k.map(|k| k.dob),
        [
            Df::Slash,
            Df::SlashPad,
            Df::Ordinal,
            Df::Dot,
            Df::Long,
            Df::Short,
        ][i],
    );
    tr.one("child.date_of_birth", dv);
    b.push_str(&tab_cols(
        &stops,
        &[
            lab_ans("Forenames:", u(&fore)),
            lab_ans("Date of Birth:", u(&dob)),
        ],
    ));
    let street = g(k, |k| k.street.clone());
    let town = g(k, |k| k.town.to_string());
    let addr = if k.is_some() {
        format!("{street}\n{town}")
    } else {
        String::new()
    };
    tr.one("child.address", txt(&addr));
    let age = g(k, |k| {
        let y = age_on(k.dob, k.req);
        let m = (i16::from(k.req.1) - i16::from(k.dob.1) + 12) % 12;
        format!("{y} years {m} months")
    });
    b.push_str(&tab_cols(
        &stops,
        &[
            lab_ans("Child's Address:", u(&street)),
            lab_ans("Chronological Age:", u(&age)),
        ],
    ));
    let lang = g(k, |k| k.lang.to_string());
    tr.one("child.first_language", txt(&lang));
    b.push_str(&tab_cols(
        &stops,
        &[u(&town), lab_ans("Home Language:", u(&lang))],
    ));
    let eth = g(k, |k| k.ethnicity.to_string());
    tr.one("child.ethnicity", txt(&eth));
    b.push_str(&tab_cols(
        &stops,
        &[run(RULE), lab_ans("Ethnic Origin:", u(&eth))],
    ));
    let pc = g(k, |k| match i {
        3 => k.pc.to_lowercase(),
        5 => k.pc.replace(' ', ""),
        _ => k.pc.clone(),
    });
    tr.one("child.postcode", idv(&pc, validate::postcode));
    b.push_str(&tab_cols(
        &stops,
        &[
            lab_ans("Postcode:", u(&pc)),
            lab_ans("Telephone No:", u(&g(k, |k| k.parents[0].phone.clone()))),
        ],
    ));
    let prev = g(k, |k| {
        if i == 1 {
            format!("{} Infant School", k.town)
        } else {
            String::new()
        }
    });
    let (from, to) = if k.is_some() && i == 1 {
        ("09/2019".to_string(), "07/2021".to_string())
    } else {
        (String::new(), String::new())
    };
    let school = g(k, |k| {
        if i == 1 {
            format!("{}   ", k.school)
        } else {
            k.school.clone()
        }
    });
    tr.one("setting.name", txt(&school));
    b.push_str(&tab_cols(
        &stops,
        &[
            lab_ans("Present School:", u(&school)),
            lab_ans("Previous Schools (within last 18 months):", u(&prev)),
        ],
    ));
    b.push_str(&tab_cols(
        &stops,
        &[
            lab_ans("Date Enrolled:", u(&g(k, |_| "September 2021".into()))),
            lab_ans("From:", u(&from)) + &lab_ans("  To:", u(&to)),
        ],
    ));
    let year = g(k, |k| {
        if i == 2 {
            k.year.replace("Year ", "Yr ")
        } else {
            k.year.clone()
        }
    });
    tr.one("child.year_group", txt(&year));
    b.push_str(&tab_cols(
        &stops,
        &[
            lab_ans("Class/Year Group:", u(&year)),
            lab_ans("From:", run(RULE)) + &lab_ans("  To:", run(RULE)),
        ],
    ));
    b.push_str(&p(&lab_ans(
        "Number in Class:",
        u(&g(k, |k| (24 + k.dob.2 % 7).to_string())),
    )));

    // The persons with parental responsibility: the first block on underscores, the second on leader dots; each
    // chooses a title among "(Mr/Mrs/Miss/Ms)" by deleting the others (01, 06), leaving a slash (04), bold (02)
    // or highlighting (05); 03 chose none (the name has no title).
    b.push_str(&para("List anyone who has parental responsibility for the child in accordance with the Children Act 1989"));
    let titles = ["Mr", "Mrs", "Miss", "Ms"];
    let tmk = [
        Mk::Del,
        Mk::Bold,
        Mk::Del,
        Mk::DelSlash,
        Mk::Hi("yellow"),
        Mk::Del,
    ][i];
    let parents: Vec<Parent> = k.map(|k| k.parents.clone()).unwrap_or_default();
    let (mut names, mut rels, mut addrs, mut phones) = (vec![], vec![], vec![], vec![]);
    for n in 0..2 {
        // 06 wrote "N/A" on every line of the second block; a wholly blank or N/A block is no item.
        let na_block = k.is_some() && i == 5 && n == 1;
        let pa = parents.get(n).filter(|_| !na_block);
        let w = |s: String| -> String { if na_block { "N/A".into() } else { s } };
        let tpick: Vec<usize> = match pa {
            Some(p) if i != 2 => vec![titles.iter().position(|t| *t == p.title).expect("a title")],
            _ => vec![],
        };
        let psur = w(pa.map_or(String::new(), |p| p.sur.clone()));
        let pfore = w(pa.map_or(String::new(), |p| p.fore.to_string()));
        let prel = w(pa.map_or(String::new(), |p| p.rel.to_string()));
        // Addresses: written over two lines, "As above" (01 parent 1, 05 parent 2), one line (02), elsewhere
        // (04 parent 2, with its own postcode).
        let (pa1, pa2, ppc, pv) = match (pa, k) {
            (Some(_), Some(k)) => match (i, n) {
                (0, 0) | (4, 1) => (
                    "As above".to_string(),
                    String::new(),
                    String::new(),
                    txt(&addr),
                ),
                (1, _) => {
                    let one = format!("{}, {}", k.street, k.town);
                    (one.clone(), String::new(), k.pc.clone(), txt(&one))
                }
                (3, 1) => {
                    let s = format!("{} Sedge Way", 40 + i);
                    (
                        s.clone(),
                        k.town.to_string(),
                        format!("KX9 {}", INWARD[i + 2]),
                        txt(&format!("{s}\n{}", k.town)),
                    )
                }
                _ => (
                    k.street.clone(),
                    k.town.to_string(),
                    k.pc.clone(),
                    txt(&addr),
                ),
            },
            _ => (
                w(String::new()),
                w(String::new()),
                w(String::new()),
                V::Empty,
            ),
        };
        // One telephone number each, on the Home, Work or Mobile line.
        let line_of = [2, 0, 2, 2, 1, 2][i];
        let phone = pa.map_or(String::new(), |p| p.phone.clone());
        let ph = |slot: usize| -> String {
            if na_block {
                "N/A".into()
            } else if slot == line_of {
                phone.clone()
            } else {
                String::new()
            }
        };
        let title_runs = format!(
            "{}{}{}",
            run("("),
            options(&titles, &tpick, tmk, "/"),
            run(")")
        );
        if n == 0 {
            b.push_str(&tab_cols(
                &[3600, 7200],
                &[
                    lab_ans("Surname:", u(&psur)),
                    lab_ans("Forenames:", u(&pfore)),
                    title_runs,
                ],
            ));
            b.push_str(&tab_cols(
                &stops,
                &[
                    lab_ans("Relationship to Child:", u(&prel)),
                    lab_ans("Telephone No (Home):", u(&ph(0))),
                ],
            ));
            b.push_str(&tab_cols(
                &stops,
                &[
                    lab_ans("Address:", u(&pa1)),
                    lab_ans("Telephone No (Work):", u(&ph(1))),
                ],
            ));
            b.push_str(&tab_cols(
                &stops,
                &[u(&pa2), lab_ans("Telephone No (Mobile):", u(&ph(2)))],
            ));
            b.push_str(&p(&lab_ans("Postcode:", u(&ppc))));
        } else {
            b.push_str(&p(""));
            b.push_str(&tab_cols(
                &[3600, 7200],
                &[
                    lab_ans("Surname", dots(&psur)),
                    lab_ans("Forenames", dots(&pfore)),
                    title_runs,
                ],
            ));
            b.push_str(&tab_cols(
                &[3600, 7200],
                &[
                    lab_ans("Address", dots(&pa1)),
                    lab_ans("Relationship to child", dots(&prel)),
                    run("Telephone No"),
                ],
            ));
            b.push_str(&tab_cols(
                &[7200],
                &[dots(&pa2), lab_ans("(i) Home", dots(&ph(0)))],
            ));
            b.push_str(&tab_cols(
                &[7200],
                &[
                    lab_ans("Postcode", dots(&ppc)),
                    lab_ans("(ii) Work", dots(&ph(1))),
                ],
            ));
            b.push_str(&tab_cols(
                &[7200],
                &[String::new(), lab_ans("(iii) Mobile", dots(&ph(2)))],
            ));
        }
        if let Some(p) = pa {
            let title = tpick.first().map_or("", |&t| titles[t]);
            names.push(txt(&[title, p.fore, p.sur.as_str()]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" ")));
            rels.push(txt(p.rel));
            addrs.push(pv);
            phones.push(txt(&phone));
        }
    }
    tr.items("parents.name", names);
    tr.items("parents.relationship", rels);
    tr.items("parents.address", addrs);
    tr.items("parents.phone", phones);

    b.push_str(&subheading("Additional Information"));
    // Looked after: "Yes/No (delete as appropriate)"; 02 deleted the instruction too, 04 deleted nothing, 05
    // struck the other through instead.
    let lpick = match k {
        Some(_) if i == 3 => vec![],
        Some(k) => vec![usize::from(!k.lac)],
        None => vec![],
    };
    let lmk = if i == 4 { Mk::Strike } else { Mk::Del };
    tr.one(
        "child.looked_after",
        opt_v(&["Yes", "No"], &yes_no(), &lpick, lmk),
    );
    let mut line = run("Is the child looked after by the local authority?  ");
    line.push_str(&options(&["Yes", "No"], &lpick, lmk, "/"));
    if !(k.is_some() && i == 1) {
        line.push_str(&run(" (delete as appropriate)"));
    }
    b.push_str(&p(&line));
    b.push_str(&para("Give details of any Orders under child care law which affect the child eg Care Order, Supervision Order."));
    let orders = g(k, |k| {
        if k.lac {
            "Interim Care Order (section 38, Children Act 1989) made 14/02/2025; the local authority shares parental responsibility.".to_string()
        } else {
            ["None", "", "", "N/A", "None known", ""][i].to_string()
        }
    });
    tr.one("needs.social_care", txt(&orders));
    b.push_str(&p(&u(&orders)));
    b.push_str(&p(&run(RULE)));
    b.push_str(&p(&run(RULE)));
    b.push_str(&para("Are there any relevant family circumstances which the local authority should be aware of when making contact with parents?"));
    b.push_str(&p(&u(&g(k, |_| {
        (if i == 3 {
            "Father works away during the week; please telephone after 6pm."
        } else {
            ""
        })
        .into()
    }))));
    b.push_str(&p(&run(RULE)));
    b.push_str(&p(&run(RULE)));

    b.push_str(&subheading(
        "SECTION 2     REASON FOR REQUESTING AN ASSESSMENT",
    ));
    b.push_str(&subheading("SEN NEED AS IDENTIFIED BY THE SCHOOL"));
    b.push_str(&para("If a child has more than one special educational need please mark primary need as 1 then 2, 3 etc for additional needs."));
    // The number written on the rule after the need: 05 numbered none, 06 two needs "1" (invalid).
    let code = k.map(need_code);
    let ix_of = |c: &str| KESTREL_NEEDS.iter().position(|n| n.2 == c).expect("a code");
    let mut ranks: Vec<(usize, &str)> = Vec::new();
    if let Some(c) = code {
        match i {
            4 => {}
            5 => {
                ranks.push((ix_of(c), "1"));
                ranks.push((ix_of("SEMH"), "1"));
            }
            1 | 3 => {
                ranks.push((ix_of(c), "1"));
                ranks.push((ix_of(if c == "SEMH" { "SLCN" } else { "SEMH" }), "2"));
            }
            _ => ranks.push((ix_of(c), "1")),
        }
    }
    let ones: Vec<usize> = ranks.iter().filter(|r| r.1 == "1").map(|r| r.0).collect();
    tr.one(
        "needs.primary_need_type",
        match ones.as_slice() {
            [] => V::Empty,
            [one] => V::Ok(json!(KESTREL_NEEDS[*one].2)),
            many => V::Marked(
                many.iter()
                    .map(|&n| KESTREL_NEEDS[n].1.to_string())
                    .collect(),
            ),
        },
    );
    let mut areas: Vec<usize> = ones.iter().map(|&n| KESTREL_NEEDS[n].3).collect();
    areas.dedup();
    tr.one(
        "needs.primary_area",
        match areas.as_slice() {
            [] => V::Empty,
            [one] => V::Ok(json!(KESTREL_AREAS[*one].1)),
            many => V::Marked(
                many.iter()
                    .map(|&a| KESTREL_AREAS[a].0.to_string())
                    .collect(),
            ),
        },
    );
    for (a, (heading_text, _)) in KESTREL_AREAS.iter().enumerate() {
        b.push_str(&p(&run_pr(heading_text, "<w:b/>")));
        for (n, (letter, wording, _, area)) in KESTREL_NEEDS.iter().enumerate() {
            if *area != a {
                continue;
            }
            let rank = ranks.iter().find(|r| r.0 == n).map_or("", |r| r.1);
            b.push_str(&tab_cols(
                &[600, 7600],
                &[run(letter), run(wording), ruled(rank, "______", style)],
            ));
        }
    }

    let prompts: [(&'static str, &str, String); 3] = [
        (
            "needs.description",
            "Summary of the child's special educational needs:",
            g(k, |k| k.needs.to_string()),
        ),
        (
            "evidence.action_taken",
            "Action taken by the school to meet these needs, and its effect:",
            g(k, |k| k.action.to_string()),
        ),
        (
            "needs.health",
            "Medical / health information (if any):",
            g(k, |k| {
                if i == 1 {
                    "N/A".to_string()
                } else {
                    k.health.to_string()
                }
            }),
        ),
    ];
    for (id, prompt, answer) in &prompts {
        tr.one(id, txt(answer));
        b.push_str(&para(prompt));
        b.push_str(&p(&u(answer)));
        b.push_str(&p(&run(RULE)));
    }

    b.push_str(&subheading("SECTION 3     OTHER AGENCIES INVOLVED"));
    let pros: Vec<(usize, String, String)> = k.map(|k| k.pros.clone()).unwrap_or_default();
    for n in 0..4 {
        let (agency, name, when) = match pros.get(n) {
            Some((svc, name, _)) => (
                PROFESSIONS[*svc].to_string(),
                name.clone(),
                ["02/2025", "Spring 2025", "12.05.2025", "June 2025"][n].to_string(),
            ),
            None if n == 0 && i == 5 => ("None".to_string(), String::new(), String::new()),
            None => (String::new(), String::new(), String::new()),
        };
        b.push_str(&tab_cols(
            &[400, 4000, 7600],
            &[
                run(&format!("{}.", n + 1)),
                lab_ans("Agency:", u(&agency)),
                lab_ans("Name:", u(&name)),
                lab_ans("Date of last contact:", u(&when)),
            ],
        ));
    }
    tr.items(
        "professionals.name",
        pros.iter().map(|(_, n, _)| txt(n)).collect(),
    );
    tr.items(
        "professionals.service",
        pros.iter().map(|(s, _, _)| txt(PROFESSIONS[*s])).collect(),
    );

    b.push_str(&subheading("SECTION 4     PARENTS' VIEWS AND AGREEMENT"));
    let consulted = mk_of(k, &[0]);
    b.push_str(&p(&format!(
        "{}{}{}",
        run("Have the parents been consulted about this referral?  "),
        options(&["Yes", "No"], &consulted, Mk::Del, "/"),
        run(" (delete as appropriate)")
    )));
    // Agreement: 04 "No", 05 the other struck through, 06 nothing deleted (empty).
    let apick = match k {
        Some(_) if i == 5 => vec![],
        Some(k) => vec![usize::from(!k.agree)],
        None => vec![],
    };
    let amk = if i == 4 { Mk::Strike } else { Mk::Del };
    tr.one(
        "request.parent_agreement",
        opt_v(&["Yes", "No"], &yes_no(), &apick, amk),
    );
    b.push_str(&p(&format!(
        "{}{}{}",
        run("Do the parents agree with this referral?  "),
        options(&["Yes", "No"], &apick, amk, "/"),
        run(" (delete as appropriate)")
    )));
    let vp = g(k, |k| {
        if i == 4 {
            String::new()
        } else {
            k.vparent.to_string()
        }
    });
    tr.one("views.parent", txt(&vp));
    b.push_str(&para("Parents' views:"));
    b.push_str(&p(&u(&vp)));
    b.push_str(&p(&run(RULE)));
    let vc = g(k, |k| k.vchild.to_string());
    tr.one("views.child", txt(&vc));
    b.push_str(&para(
        "The child's views (in the child's own words where possible):",
    ));
    b.push_str(&p(&u(&vc)));
    b.push_str(&p(&run(RULE)));

    let head = g(k, |k| k.head.clone());
    tr.one("setting.headteacher_name", txt(&head));
    b.push_str(&p(&lab_ans("Name of Headteacher:", u(&head))));
    b.push_str(&tab_cols(
        &stops,
        &[
            lab_ans("Signed:", run(RULE)) + &run(" (Headteacher)"),
            lab_ans("Date:", run(RULE)),
        ],
    ));
    let rname = g(k, |k| k.requester.clone());
    tr.one("request.requester_name", txt(&rname));
    let contact = g(k, |k| k.req_contact.clone());
    tr.one("request.requester_contact", txt(&contact));
    let (rd, rdv) = date(
        k.map(|k| k.req),
        [
            Df::SlashPad,
            Df::Dot,
            Df::SlashPad,
            Df::Ordinal,
            Df::Short,
            Df::Long,
        ][i],
    );
    tr.one("request.date", rdv);
    b.push_str(&tab_cols(
        &[4000, 7000],
        &[
            lab_ans("Form completed by:", u(&rname)),
            lab_ans("Designation:", u(&g(k, |_| "SENCo".into()))),
            lab_ans("Date:", u(&rd)),
        ],
    ));
    b.push_str(&p(&lab_ans("Contact e-mail:", u(&contact))));
    (b, Some(para("Kestrelford Borough Council")), tr)
}

// ---------------------------------------------------------------------------------------------------------------
// 977 Marrowby (tune): a head teacher's request of label cells, Y and N each in its own cell, UPN boxes
// ---------------------------------------------------------------------------------------------------------------

/// The fill of an option's own cell when it is the one marked.
const MARK: &str = "FFFF00";

/// A question's "Y" and "N" each printed in its own cell, `marked` marked as `mk` says: the cell shaded
/// (`Mk::Shd`), the other letter deleted from its cell (`Mk::Del`) or a glyph typed after the letter (`Mk::After`).
fn yn_cells(marked: &[usize], mk: Mk) -> Vec<C> {
    ["Y", "N"]
        .iter()
        .enumerate()
        .map(|(n, l)| {
            let on = marked.contains(&n);
            match mk {
                Mk::Shd(fill) if on => t(l).shade(fill),
                Mk::Del if marked.len() == 1 && !on => t(""),
                Mk::After(glyph) if on => t(&format!("{l} {glyph}")),
                _ => t(l),
            }
        })
        .collect()
}

/// What a correct mapping makes of a "Y" | "N" pair of cells.
fn yn_v(marked: &[usize], mk: Mk) -> V {
    opt_v(&["Y", "N"], &yes_no(), marked, mk)
}

/// A typed number ("94.6%", "88 %") as a `number` field reads it; "N/A" or nothing is empty.
fn number_v(s: &str) -> V {
    if na(s) {
        return V::Empty;
    }
    let c: String = s
        .chars()
        .filter(|c| !matches!(c, ',' | '%' | ' '))
        .collect();
    match c.parse::<f64>() {
        Ok(n) => V::Ok(json!(n)),
        Err(_) => V::Invalid(s.trim().to_string()),
    }
}

/// A typed amount ("£4,250.00", "£ 2,600") as a `money` field reads it: pounds, rounded to the penny.
fn money_v(s: &str) -> V {
    if na(s) {
        return V::Empty;
    }
    let c: String = s
        .chars()
        .filter(|c| !matches!(c, '£' | ',' | ' '))
        .collect();
    match c.parse::<f64>() {
        Ok(n) => V::Ok(json!((n * 100.0).round() / 100.0)),
        Err(_) => V::Invalid(s.trim().to_string()),
    }
}

fn marrowby(k: Option<&Kid>, i: usize) -> (String, Option<String>, Tr) {
    let mut tr = Tr::default();
    let mut b = String::new();
    let lab = |s: &str| t(s).shade(LABEL);
    // How this document marks the Y / N cells: shading the cell, deleting the other letter (03), an X (04).
    let ymk = match i {
        2 => Mk::Del,
        3 => Mk::After("X"),
        _ => Mk::Shd(MARK),
    };
    b.push_str(&heading(
        "Head Teacher Request for Statutory Assessment of SEN (SAR.1)",
    ));
    b.push_str(&para("The local authority will agree to a statutory assessment where the evidence shows, on balance, that:"));
    b.push_str(&para("1. the child's needs have not responded to relevant and purposeful action by the school and external specialists over a significant period, of at least two terms; and"));
    b.push_str(&para("2. the child's needs may call for special educational provision that cannot reasonably be made from the resources normally available to mainstream schools."));
    b.push_str(&para("Please complete every section. A request with key information missing or unclear will be returned to the school and to the parents/carers, which delays the decision."));
    b.push_str(&subheading("1. Pupil Details"));

    // A grid of a label column and thirteen narrow columns, one per character of the UPN.
    let mut grid = vec![1900];
    grid.extend([600; 13]);
    let mut rows = Vec::new();
    let fore = g(k, |k| {
        if i == 1 {
            format!("{} Jane", k.fore)
        } else {
            k.fore.to_string()
        }
    });
    let sur = g(k, |k| k.sur.to_string());
    tr.one("child.forename", txt(&fore));
    tr.one("child.surname", txt(&sur));
    rows.push(vec![
        lab("First name(s)"),
        t(&fore).span(5),
        lab("Last name").span(3),
        t(&sur).span(5),
    ]);
    // The UPN one character a box; 04 typed it all into the first box; 06 a wrong check letter (invalid).
    let upn_w = g(k, |k| {
        if i == 5 {
            bad_upn(&k.upn)
        } else {
            k.upn.clone()
        }
    });
    tr.one("child.upn", idv(&upn_w, validate::upn));
    let mut upn_row = vec![lab("UPN")];
    let chars: Vec<String> = if i == 3 {
        std::iter::once(upn_w.clone())
            .chain(std::iter::repeat_n(String::new(), 12))
            .collect()
    } else {
        let mut c: Vec<String> = upn_w.chars().map(String::from).collect();
        c.resize(13, String::new());
        c
    };
    upn_row.extend(chars.iter().map(|c| t(c)));
    rows.push(upn_row);
    let pref = g(k, |k| k.pref.to_string());
    tr.one("child.preferred_name", txt(&pref));
    rows.push(vec![lab("Any alternative name"), t(&pref).span(13)]);
    let addr = g(k, |k| format!("{}\n{}", k.street, k.town));
    tr.one("child.address", txt(&addr));
    rows.push(vec![lab("Home address"), t(&addr).span(13)]);
    let pc = g(k, |k| k.pc.clone());
    tr.one("child.postcode", idv(&pc, validate::postcode));
    // "Sex" with nothing printed to mark: the answer typed (06 left it blank).
    let sex = g(k, |_| {
        ["Female", "M", "F", "Male", "girl ", ""][i].to_string()
    });
    tr.one("child.gender", typed_gender(&sex));
    rows.push(vec![
        lab("Postcode"),
        t(&pc).span(4),
        lab("Telephone").span(2),
        t(&g(k, |k| k.parents[0].phone.clone())).span(3),
        lab("Sex").span(2),
        t(&sex).span(2),
    ]);
    let (dob, dv) = date(
        k.map(|k| k.dob),
        [
            Df::SlashPad,
            Df::Dot,
            Df::Slash,
            Df::Iso,
            Df::Ordinal,
            Df::Short,
        ][i],
    );
    tr.one("child.date_of_birth", dv);
    let year = g(k, |k| {
        if i == 4 {
            k.year.replace("Year ", "Y")
        } else {
            k.year.clone()
        }
    });
    tr.one("child.year_group", txt(&year));
    rows.push(vec![
        lab("Date of Birth"),
        t(&dob).span(5),
        lab("NC Year (of class)").span(4),
        t(&year).span(4),
    ]);
    // Child in Care: Y | N cells, and the social worker's lines in one cell beside them; 05 marked both
    // (invalid), 06 neither (empty).
    let lac = k.is_some_and(|k| k.lac);
    let cpick = match k {
        None => vec![],
        Some(_) if i == 4 => vec![0, 1],
        Some(_) if i == 5 => vec![],
        Some(_) => vec![usize::from(!lac)],
    };
    tr.one("child.looked_after", yn_v(&cpick, ymk));
    let town = g(k, |k| k.town.to_string());
    let sw = |label: &str, v: String| -> String {
        if lac {
            format!("{}{}", run(&format!("{label} ")), run(&v))
        } else {
            run(label)
        }
    };
    let mut row = vec![lab("Child in Care")];
    row.extend(yn_cells(&cpick, ymk));
    row.push(
        cell(vec![
            sw("Name of allocated social worker:", "Jo Calloway".into()),
            sw("Contact number:", "01632 960 655".into()),
            sw(
                "Contact address:",
                format!("Children's Services, {town} Civic Centre"),
            ),
        ])
        .span(11),
    );
    rows.push(row);
    for (label, on) in [("Child in Need", lac), ("Child Protection", false)] {
        let pick = mk_of(k, &[usize::from(!on)]);
        let mut row = vec![lab(label)];
        row.extend(yn_cells(&pick, ymk));
        row.push(t("").span(11));
        rows.push(row);
    }

    // The parents side by side, each one cell of labelled lines with the answer after the label (06 after a
    // tab); 02 left the second cell's labels only and 03 wrote N/A on every line (no item); "Address if
    // different from above" blank or "As above" is the child's address.
    let parents: Vec<Parent> = k.map(|k| k.parents.clone()).unwrap_or_default();
    let (mut names, mut rels, mut addrs, mut phones, mut emails) =
        (vec![], vec![], vec![], vec![], vec![]);
    let mut blocks = Vec::new();
    for n in 0..2 {
        let na_block = k.is_some() && i == 2 && n == 1;
        let pa = parents.get(n).filter(|_| !(i == 1 && n == 1));
        let pname = pa.map_or(String::new(), |p| {
            if i == 0 {
                format!("{} {}", p.title, p.name())
            } else {
                p.name()
            }
        });
        let prel = pa.map_or(String::new(), |p| p.rel.to_string());
        let paddr = match (pa, k) {
            (Some(_), Some(k)) => match (i, n) {
                (3, 1) => format!("Flat 2, 9 Beacon Terrace, {}", k.town),
                (4, 0) => "As above".to_string(),
                _ => String::new(),
            },
            _ => String::new(),
        };
        let pphone = pa.map_or(String::new(), |p| p.phone.clone());
        let pemail = pa.map_or(String::new(), |p| {
            if i == 5 && n == 1 {
                String::new()
            } else {
                p.email.clone()
            }
        });
        let line = |label: &str, v: &str| -> String {
            let v = if na_block { "N/A" } else { v };
            match (v.is_empty(), i) {
                (true, _) => run(label),
                (false, 5) => format!("{}{}{}", run(label), tab_run(), run(v)),
                (false, _) => format!("{}{}", run(&format!("{label} ")), run(v)),
            }
        };
        blocks.push(
            cell(vec![
                line("Child's Parent/carer:", &pname),
                line("Relationship:", &prel),
                line("Address if different from above:", &paddr),
                line("Telephone:", &pphone),
                line("Email:", &pemail),
            ])
            .span(7),
        );
        if pa.is_some() && !na_block {
            names.push(txt(&pname));
            rels.push(txt(&prel));
            addrs.push(if paddr.is_empty() || paddr == "As above" {
                txt(&addr)
            } else {
                txt(&paddr)
            });
            phones.push(txt(&pphone));
            emails.push(txt(&pemail));
        }
    }
    tr.items("parents.name", names);
    tr.items("parents.relationship", rels);
    tr.items("parents.address", addrs);
    tr.items("parents.phone", phones);
    tr.items("parents.email", emails);
    rows.push(blocks);

    let eth = g(k, |k| k.ethnicity.to_string());
    tr.one("child.ethnicity", txt(&eth));
    let lang = g(k, |k| k.lang.to_string());
    tr.one("child.first_language", txt(&lang));
    rows.push(vec![
        lab("Ethnic Group"),
        t(&eth).span(4),
        lab("F/T or P/T timetable:\nPlease give details in section 4").span(3),
        t(&g(k, |k| {
            (if k.action.contains("reduced timetable") {
                "P/T"
            } else {
                "F/T"
            })
            .into()
        }))
        .span(2),
        lab("Home Language(s)").span(2),
        t(&lang).span(2),
    ]);
    let rel = g(k, |k| {
        if i == 4 {
            "N/A".to_string()
        } else {
            k.religion.to_string()
        }
    });
    tr.one("child.religion", txt(&rel));
    rows.push(vec![
        lab("Disability"),
        t(&g(k, |k| {
            (if k.health.contains("hearing loss") {
                "Moderate bilateral hearing loss"
            } else {
                "None"
            })
            .into()
        }))
        .span(6),
        lab("Religion").span(3),
        t(&rel).span(4),
    ]);
    let access = i == 3;
    let apick = mk_of(k, &[usize::from(!access)]);
    let mut row = vec![
        lab("Do parents have any access issues, for example disability or language barrier?")
            .span(12),
    ];
    row.extend(yn_cells(&apick, ymk));
    rows.push(row);
    rows.push(vec![
        cell(vec![
            run("If Yes please provide details of any additional support or reasonable adjustments the local authority will need to make to support the family through this process."),
            run(&g(k, |_| {
                (if access {
                    "Father works away during the week; meetings after 4pm please."
                } else {
                    ""
                })
                .into()
            })),
        ])
        .span(14),
    ]);
    // "Name of current school:" with the answer typed after it in the same cell (03 on the next line); the
    // pupils are of secondary age, so their schools are academies.
    let school = g(k, |k| {
        ["Primary School", "Junior School", "Infant School"]
            .iter()
            .fold(k.school.clone(), |s, kind| s.replace(kind, "Academy"))
    });
    tr.one("setting.name", txt(&school));
    rows.push(vec![if i == 2 {
        cell(vec![run("Name of current school:"), run(&school)]).span(14)
    } else {
        r(format!(
            "{}{}",
            run("Name of current school: "),
            run(&school)
        ))
        .span(14)
    }]);
    let caf = mk_of(k, &[usize::from(!access)]);
    let mut row = vec![lab("CAF")];
    row.extend(yn_cells(&caf, ymk));
    row.push(lab("CAF No").span(4));
    row.push(t(&g(k, |_| (if access { "EH/2025/0412" } else { "" }).into())).span(7));
    rows.push(row);
    rows.push(vec![
        lab("Lead Practitioner"),
        t(&g(k, |_| (if access { "Sam Ridley" } else { "" }).into())).span(13),
    ]);
    rows.push(vec![
        lab("School facing officer"),
        t(&g(k, |_| "Early Help link officer".into())).span(13),
    ]);
    b.push_str(&tbl(&grid, rows));
    b.push_str(&para(
        "A completed early help checklist must accompany this request.",
    ));

    // The external specialists consulted: a free table (the social worker of the child in care added to it).
    let mut pros: Vec<(String, String)> = k
        .map(|k| {
            k.pros
                .iter()
                .map(|(s, n, _)| (n.clone(), PROFESSIONS[*s].to_string()))
                .collect()
        })
        .unwrap_or_default();
    if lac {
        pros.push(("Jo Calloway".into(), "Children's Social Care".into()));
    }
    let mut prow = vec![
        vec![t("*External specialists consulted about making this request for statutory assessment of SEN (insert name of professional and name of agency/organisation)").bold().span(3).shade(GREY)],
        vec![
            lab("Name of professional"),
            lab("Agency / organisation"),
            lab("Date consulted"),
        ],
    ];
    for n in 0..5 {
        match pros.get(n) {
            Some((name, svc)) => prow.push(vec![
                t(name),
                t(svc),
                t([
                    "03/2025",
                    "Summer term 2025",
                    "11/06/2025",
                    "July 2025",
                    "2025",
                ][n]),
            ]),
            None => prow.push(vec![t(""), t(""), t("")]),
        }
    }
    tr.items(
        "professionals.name",
        pros.iter().map(|(n, _)| txt(n)).collect(),
    );
    tr.items(
        "professionals.service",
        pros.iter().map(|(_, s)| txt(s)).collect(),
    );
    b.push_str(&tbl(&[3400, 4200, 2200], prow));

    // 2. Attendance and support: a percentage and an amount with decimals, and a count.
    b.push_str(&subheading("2. Attendance and Additional Support"));
    let att = g(k, |_| {
        ["94.6%", "88.25", "91 %", "N/A", "97.1%", "89.5%"][i].to_string()
    });
    tr.one("evidence.attendance_percent", number_v(&att));
    let cost = g(k, |_| {
        [
            "£4,250.00",
            "3180.5",
            "£ 2,600",
            "",
            "£6,000.456",
            "1,975.75",
        ][i]
            .to_string()
    });
    tr.one("evidence.support_cost", money_v(&cost));
    let cycles = g(k, |_| ["3", "4", "2", "4", "three", ""][i].to_string());
    tr.one("evidence.apdr_cycles", number_v(&cycles));
    b.push_str(&tbl(
        &[6400, 3400],
        vec![
            vec![lab("Attendance over the last 12 months (%)"), t(&att)],
            vec![
                lab("Cost of additional SEN support this financial year (£)"),
                t(&cost),
            ],
            vec![
                lab("Number of assess, plan, do, review cycles completed"),
                t(&cycles),
            ],
        ],
    ));

    // 3. Needs: the primary need's SEN2 code typed after its label (02 lower case; 05 a word, not a code).
    b.push_str(&subheading("3. Special Educational Needs"));
    let code = g(k, |k| {
        let c = need_code(k);
        match i {
            1 => c.to_lowercase(),
            4 => "Autism".to_string(),
            5 => format!("{c} "),
            _ => c.to_string(),
        }
    });
    let codes = [
        "SPLD", "MLD", "SLD", "PMLD", "SEMH", "SLCN", "HI", "VI", "MSI", "PD", "ASD", "OTH",
    ];
    tr.one(
        "needs.primary_need_type",
        match codes.iter().find(|c| c.eq_ignore_ascii_case(code.trim())) {
            _ if code.is_empty() => V::Empty,
            Some(c) => V::Ok(json!(c)),
            None => V::Invalid(code.trim().to_string()),
        },
    );
    let needs = g(k, |k| k.needs.to_string());
    tr.one("needs.description", txt(&needs));
    let health = g(k, |k| {
        if i == 1 {
            "N/A".to_string()
        } else {
            k.health.to_string()
        }
    });
    tr.one("needs.health", txt(&health));
    b.push_str(&tbl(
        &[9800],
        vec![
            vec![r(format!(
                "{}{}",
                run("Primary need (SEN2 code): "),
                run(&code)
            ))],
            vec![lab("Summary of the pupil's special educational needs")],
            vec![t(&needs)],
            vec![lab("Health needs, diagnoses and medication")],
            vec![t(&health)],
        ],
    ));
    b.push_str(&subheading("4. Action Taken and Its Impact"));
    let action = g(k, |k| k.action.to_string());
    tr.one("evidence.action_taken", txt(&action));
    let attain = g(k, |k| k.attain.to_string());
    tr.one("evidence.attainment", txt(&attain));
    b.push_str(&tbl(
        &[9800],
        vec![
            vec![lab(
                "Support and interventions put in place, and their impact",
            )],
            vec![t(&action)],
            vec![lab("Current attainment and rate of progress")],
            vec![t(&attain)],
        ],
    ));
    b.push_str(&subheading("5. Views"));
    let vc = g(k, |k| k.vchild.to_string());
    tr.one("views.child", txt(&vc));
    let vp = g(k, |k| {
        if i == 2 {
            String::new()
        } else {
            k.vparent.to_string()
        }
    });
    tr.one("views.parent", txt(&vp));
    b.push_str(&tbl(
        &[3400, 6400],
        vec![
            vec![lab("Pupil's views"), t(&vc)],
            vec![lab("Parents'/carers' views"), t(&vp)],
        ],
    ));

    // 6. Agreement (Y | N cells: 04 N, 06 neither) and the head teacher's request.
    b.push_str(&subheading("6. Agreement and Signatures"));
    let gpick = match k {
        Some(_) if i == 5 => vec![],
        Some(k) => vec![usize::from(!k.agree)],
        None => vec![],
    };
    tr.one("request.parent_agreement", yn_v(&gpick, ymk));
    let mut row = vec![lab("The parents/carers agree to this request").span(2)];
    row.extend(yn_cells(&gpick, ymk));
    let head = g(k, |k| k.head.clone());
    tr.one("setting.headteacher_name", txt(&head));
    tr.one("request.requester_name", txt(&head));
    let (rd, rdv) = date(
        k.map(|k| k.req),
        [
            Df::SlashPad,
            Df::SlashPad,
            Df::Long,
            Df::Dot,
            Df::SlashPad,
            Df::Ordinal,
        ][i],
    );
    tr.one("request.date", rdv);
    let senco = g(k, |k| k.requester.clone());
    tr.one("setting.senco_name", txt(&senco));
    let contact = g(k, |k| k.req_contact.clone());
    tr.one("setting.senco_contact", txt(&contact));
    let after = |label: &str, v: &str| -> C {
        if i == 1 && label == "Head Teacher:" {
            cell(vec![run(label), run(v)])
        } else {
            r(format!("{}{}", run(&format!("{label} ")), run(v)))
        }
    };
    b.push_str(&tbl(
        &[3000, 1900, 1900, 3000],
        vec![
            row,
            vec![
                after("Head Teacher:", &head).span(2),
                after("Date of request:", &rd).span(2),
            ],
            vec![
                after("SENCo:", &senco).span(2),
                after("SENCo e-mail:", &contact).span(2),
            ],
        ],
    ));
    (
        b,
        Some(para("Marrowby County Council  |  SEN Assessment Team")),
        tr,
    )
}

// ---------------------------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------------------------

type Render = fn(Option<&Kid>, usize) -> (String, Option<String>, Tr);

struct La {
    code: &'static str,
    slug: &'static str,
    split: &'static str,
    area: &'static str,
    town: &'static str,
    estab: &'static str,
    born: i16,
    render: Render,
}

const LAS: [La; 10] = [
    La {
        code: "962",
        slug: "brackenridge",
        split: "tune",
        area: "AC",
        town: "Brackenridge",
        estab: "2041",
        born: 2014,
        render: brackenridge,
    },
    La {
        code: "963",
        slug: "coldmere",
        split: "tune",
        area: "FW",
        town: "Coldmere",
        estab: "1007",
        born: 2020,
        render: coldmere,
    },
    La {
        code: "964",
        slug: "thornbeck",
        split: "tune",
        area: "JH",
        town: "Thornbeck",
        estab: "2113",
        born: 2013,
        render: thornbeck,
    },
    La {
        code: "965",
        slug: "saltmarsh",
        split: "tune",
        area: "UD",
        town: "Eddington",
        estab: "4002",
        born: 2005,
        render: saltmarsh,
    },
    La {
        code: "966",
        slug: "fellbrook",
        split: "heldout",
        area: "ZF",
        town: "Fellbrook",
        estab: "2258",
        born: 2012,
        render: fellbrook,
    },
    La {
        code: "967",
        slug: "quillon",
        split: "heldout",
        area: "YH",
        town: "Quillon",
        estab: "3310",
        born: 2015,
        render: quillon,
    },
    La {
        code: "974",
        slug: "harrowdene",
        split: "fresh",
        area: "GD",
        town: "Harrowdene",
        estab: "2190",
        born: 2013,
        render: harrowdene,
    },
    La {
        code: "975",
        slug: "wyckham",
        split: "fresh",
        area: "WK",
        town: "Wyckham",
        estab: "3075",
        born: 2011,
        render: wyckham,
    },
    La {
        code: "976",
        slug: "kestrelford",
        split: "tune",
        area: "KX",
        town: "Kestrelford",
        estab: "2047",
        born: 2012,
        render: kestrelford,
    },
    La {
        code: "977",
        slug: "marrowby",
        split: "tune",
        area: "PX",
        town: "Marrowby",
        estab: "4113",
        born: 2010,
        render: marrowby,
    },
];

/// Writes every document and `truth.json` under `out`; returns the documents' paths relative to it.
pub fn generate(out: &Path) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let template = Template::load(&root.join("mappings/national-template.toml")).expect("template");
    let must = |id: &str| template.get(id).map(|d| d.statutory) == Some(Statutory::Must);
    let mut truth = Map::new();
    let mut fresh = Map::new();
    let mut rels = Vec::new();
    for (a, la) in LAS.iter().enumerate() {
        let kids = kids(a, la.code, la.area, la.town, la.estab, la.born);
        let docs = std::iter::once((None, 0, "blank.docx".to_string())).chain(
            kids.iter()
                .enumerate()
                .map(|(i, k)| (Some(k), i, format!("filled-{:02}.docx", i + 1))),
        );
        for (k, i, name) in docs {
            let (body, header, tr) = (la.render)(k, i);
            for (id, _) in &tr.0 {
                assert!(template.get(id).is_some(), "{id} is not a template field");
            }
            let rel = format!("{}/{}/{name}", la.split, la.slug);
            let path = out.join(&rel);
            std::fs::create_dir_all(path.parent().unwrap()).expect("mkdir");
            std::fs::write(&path, package(&body, header.as_deref())).expect("write");
            let status = if !tr.0.iter().any(|(_, f)| f.filled()) {
                "blank"
            } else if tr
                .0
                .iter()
                .any(|(id, f)| f.status() == "invalid" || (f.status() == "empty" && must(id)))
            {
                "partial"
            } else {
                "ok"
            };
            assert_eq!(
                status == "blank",
                k.is_none(),
                "{rel}: only the blank forms are blank"
            );
            let mut fields = Map::new();
            for (id, f) in &tr.0 {
                fields.insert((*id).to_string(), f.json());
            }
            // The fresh split (never tuned on) keeps its truth apart, so that what counts the others is unchanged.
            let into = if la.split == "fresh" {
                &mut fresh
            } else {
                &mut truth
            };
            into.insert(
                rel.clone(),
                json!({"la_code": la.code, "record_status": status, "fields": fields}),
            );
            rels.push(rel);
        }
    }
    let text = serde_json::to_string_pretty(&Value::Object(truth)).expect("json");
    std::fs::create_dir_all(out).expect("mkdir");
    std::fs::write(out.join("truth.json"), format!("{text}\n")).expect("write truth");
    let text = serde_json::to_string_pretty(&Value::Object(fresh)).expect("json");
    std::fs::create_dir_all(out.join("fresh")).expect("mkdir");
    std::fs::write(out.join("fresh/truth.json"), format!("{text}\n")).expect("write fresh truth");
    rels
}

/// `--out DIR` (default `fixtures/real-layout` of the repository).
pub fn out_dir(args: &[String]) -> PathBuf {
    match args.iter().position(|a| a == "--out") {
        Some(at) => PathBuf::from(args.get(at + 1).expect("--out needs a folder")),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/real-layout"),
    }
}

#[allow(
    dead_code,
    reason = "tests/it/real_layout.rs includes this file as a module and calls generate()"
)]
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = out_dir(&args);
    let docs = generate(&out);
    eprintln!(
        "wrote {} documents and truth.json under {}",
        docs.len(),
        out.display()
    );
}
