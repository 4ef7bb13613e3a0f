#!/usr/bin/env python3
"""The Python pipeline an analyst would write for the same job, for `scripts/bench.sh` to time against harmonise.

    python_pipeline.py INPUT_DIR MAPPINGS_DIR OUT.csv [--jobs 2]

Reads every document below INPUT_DIR with the usual PyPI libraries (openpyxl for xlsx, pypdf for pdf, lxml for xml,
python-docx for docx) in a pool of `--jobs` worker processes, recognises each document's form from the mapping
files' `[form.match]` (the same TOML files harmonise reads, parsed with tomllib), extracts every field and extra
the mapping names, and writes one CSV in long form: `path,mapping,field,member,value` (a row per value found, a
row with an empty field for a document no mapping fits or that cannot be read; exit status 3 then, as harmonise's).

What it does of harmonise's work: reading, recognising (every condition of every candidate mapping, the most
specific wins), and locating values with the common locators: `cell`, `cells`, `range`, `label` (+ `take` right,
below or inside, `block`), `labels`, `tick`, `join`, `control`, `formfield`, `field` (glob, `{n}`), `path` (XPath
with the mapping's namespaces), and `regex` on the value. What it does not: the other transforms, `choice`,
validation, printed-label widgets of fillable PDFs, reference forms, provenance, the audit and the reports. So it
is a lower bound of what the same job costs in Python, and the ratio harmonise / Python is in Python's favour.
"""

import argparse
import csv
import fnmatch
import os
import re
import sys
import tomllib
from multiprocessing import Pool

SKIP = {"national-template.toml", "synonyms.toml", "suggest-synonyms.toml", "senco-time.toml"}
FORMAT_OF = {".xlsx": "xlsx", ".pdf": "pdf", ".xml": "xml", ".docx": "docx"}
MAX_MEMBERS = 9
MARKS = ("x", "\u2713", "\u221a", "yes", "true", "\u2612", "\u2611", "\u2714")

MAPPINGS = []  # set in each worker by init()


# --- mappings -------------------------------------------------------------------------------------------------


def without_tests(text):
    """The mapping without its `[[test]]` cases (their multi-line inline tables are TOML 1.1, which tomllib is not)."""
    keep, skipping = [], False
    for line in text.splitlines(keepends=True):
        if line.startswith("["):
            skipping = line.startswith("[[test]]")
        if not skipping:
            keep.append(line)
    return "".join(keep)


def load_mappings(folder):
    out = []
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".toml") or name in SKIP:
            continue
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            m = tomllib.loads(without_tests(f.read()))
        form = m.get("form", {})
        rules = []
        for section in ("fields", "extra"):
            for fid, rule in m.get(section, {}).items():
                rules.append((fid, rule))
        out.append(
            {
                "id": name[: -len(".toml")],
                "format": form.get("format"),
                "match": form.get("match", {}),
                "ns": form.get("namespaces", {}),
                "rules": rules,
            }
        )
    return out


def init(folder):
    global MAPPINGS
    MAPPINGS = load_mappings(folder)


def rx(pattern):
    return re.compile(pattern)


# --- documents: each reader gives grids {name: {(row, col): text}}, texts [str], fields {name: value} -----------


class Doc:
    def __init__(self, fmt):
        self.format = fmt
        self.grids = {}  # sheet or TableN -> {(row, col): str}, 1-based
        self.order = []  # (grid, row, col) of non-empty cells in reading order
        self.lines = []  # paragraphs or page text lines
        self.fields = {}  # pdf field, sdt:tag, ff:name -> value
        self.sheets = set()
        self.tree = None  # xml
        self.pdf = None
        self._page_text = None

    def add_cell(self, grid, row, col, value):
        if value is None:
            return
        text = str(value).strip() if not isinstance(value, str) else value.strip()
        if text == "":
            return
        self.grids.setdefault(grid, {})[(row, col)] = text
        self.order.append((grid, row, col))

    def texts(self):
        for g, r, c in self.order:
            yield self.grids[g][(r, c)]
        yield from self.lines
        for v in self.fields.values():
            if isinstance(v, str):
                yield v
        if self.format == "pdf" and self.fields:
            yield from self.page1_lines()

    def page1_lines(self):
        if self._page_text is None:
            try:
                self._page_text = self.pdf.pages[0].extract_text().splitlines()
            except Exception:
                self._page_text = []
        return self._page_text


def read_xlsx(path):
    import openpyxl

    wb = openpyxl.load_workbook(path, data_only=True)
    d = Doc("xlsx")
    for ws in wb.worksheets:
        d.sheets.add(ws.title.lower())
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    d.add_cell(ws.title, cell.row, cell.column, cell.value)
        for merged in ws.merged_cells.ranges:
            top = d.grids.get(ws.title, {}).get((merged.min_row, merged.min_col))
            if top is not None:
                for r in range(merged.min_row, merged.max_row + 1):
                    for c in range(merged.min_col, merged.max_col + 1):
                        d.grids[ws.title].setdefault((r, c), top)
    return d


def read_pdf(path):
    from pypdf import PdfReader

    reader = PdfReader(path)
    d = Doc("pdf")
    d.pdf = reader
    fields = reader.get_fields() or {}
    for name, f in fields.items():
        v = f.get("/V")
        if v is not None:
            d.fields[name] = str(v).lstrip("/") if not isinstance(v, str) else v
        else:
            d.fields.setdefault(name, "")
    if not fields:
        for page in reader.pages:
            d.lines.extend(page.extract_text().splitlines())
    return d


def read_xml(path):
    from lxml import etree

    d = Doc("xml")
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    d.tree = etree.parse(path, parser)
    for el in d.tree.iter():
        if isinstance(el.tag, str):
            if el.text and el.text.strip():
                d.lines.append(el.text)
            d.lines.extend(el.attrib.values())
    return d


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def w_text(el):
    return "".join(t.text or "" for t in el.iter(W + "t"))


def read_docx(path):
    import docx

    document = docx.Document(path)
    d = Doc("docx")
    tables = []

    def walk_tables(ts):
        for t in ts:
            tables.append(t)
            for row in t.rows:
                for cell in row.cells:
                    walk_tables(cell.tables)

    walk_tables(document.tables)
    for i, t in enumerate(tables, 1):
        name = f"Table{i}"
        for r, row in enumerate(t.rows, 1):
            for c, cell in enumerate(row.cells, 1):
                d.add_cell(name, r, c, "\n".join(p.text for p in cell.paragraphs))
    d.lines = [p.text for p in document.paragraphs if p.text.strip()]
    for section in document.sections:
        for part in (section.header, section.footer):
            d.lines.extend(p.text for p in part.paragraphs if p.text.strip())
    body = document.element.body
    # Content controls: tag (else alias) -> text; check boxes -> true/false.
    for sdt in body.iter(W + "sdt"):
        pr = sdt.find(W + "sdtPr")
        if pr is None:
            continue
        tag = pr.find(W + "tag")
        alias = pr.find(W + "alias")
        key = tag if tag is not None else alias
        if key is None:
            continue
        content = sdt.find(W + "sdtContent")
        value = "" if pr.find(W + "showingPlcHdr") is not None or content is None else w_text(content)
        d.fields.setdefault("sdt:" + key.get(W + "val", ""), value)
    # Legacy form fields: the result text between `separate` and `end`, or the check box's state.
    name, text, state = None, None, 0
    for el in body.iter(W + "fldChar", W + "t"):
        if el.tag == W + "t":
            if state == 2 and text is not None:
                text.append(el.text or "")
            continue
        kind = el.get(W + "fldCharType")
        if kind == "begin":
            ff = el.find(W + "ffData")
            name, text, state = None, None, 1
            if ff is not None:
                n = ff.find(W + "name")
                name = n.get(W + "val") if n is not None else None
                box = ff.find(W + "checkBox")
                if box is not None and name:
                    checked = box.find(W + "checked")
                    if checked is None:
                        checked = box.find(W + "default")
                    on = checked is not None and checked.get(W + "val", "1") not in ("0", "false")
                    d.fields.setdefault("ff:" + name, "true" if on else "false")
                    name = None
                else:
                    text = []
        elif kind == "separate":
            state = 2
        elif kind == "end":
            if name and text is not None:
                d.fields.setdefault("ff:" + name, "".join(text))
            name, text, state = None, None, 0
    return d


READERS = {"xlsx": read_xlsx, "pdf": read_pdf, "xml": read_xml, "docx": read_docx}


# --- recognising ----------------------------------------------------------------------------------------------


def matches(m, d):
    """The number of conditions of the mapping's [form.match] (all must hold), or None."""
    cond = m["match"]
    n = 0
    if "sheet" in cond:
        if d.format != "xlsx" or cond["sheet"].lower() not in d.sheets:
            return None
        n += 1
    if "field" in cond:
        if not any(fnmatch.fnmatchcase(f, cond["field"]) for f in d.fields):
            return None
        n += 1
    if "root" in cond or "namespace" in cond or "values" in cond:
        if d.tree is None:
            return None
        root = d.tree.getroot()
        qname = root.tag[1:].split("}") if root.tag.startswith("{") else ["", root.tag]
        if "root" in cond:
            if qname[-1] != cond["root"]:
                return None
            n += 1
        if "namespace" in cond:
            if qname[0] != cond["namespace"]:
                return None
            n += 1
        for v in cond.get("values", []):
            got = [x if isinstance(x, str) else (x.text or "") for x in xpath(d, v["path"], m["ns"])]
            got = [g.strip() for g in got]
            if "equals" in v and v["equals"].strip() not in got:
                return None
            if "regex" in v and not any(re.search(v["regex"], g) for g in got):
                return None
            n += 1
    if "control" in cond:
        if "sdt:" + cond["control"] not in d.fields:
            return None
        n += 1
    if "contains" in cond:
        phrase = cond["contains"].lower()
        if not any(phrase in t.lower() for t in d.texts()):
            return None
        n += 1
    return n


def identify(d):
    fmt = d.format
    best, best_n, tie = None, -1, False
    for m in MAPPINGS:
        if m["format"] != fmt:
            continue
        n = matches(m, d)
        if n is None:
            continue
        if n > best_n:
            best, best_n, tie = m, n, False
        elif n == best_n:
            tie = True
    return None if tie else best


# --- locating -------------------------------------------------------------------------------------------------

CELL = re.compile(r"^(?:'([^']+)'|([^!]+))!([A-Z]+)([0-9]+)(?::([A-Z]+)([0-9]+))?$")


def col_number(letters):
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def parse_cell(ref):
    m = CELL.match(ref)
    if not m:
        return None
    sheet = m.group(1) or m.group(2)
    r1, c1 = int(m.group(4)), col_number(m.group(3))
    if m.group(5):
        return sheet, r1, c1, int(m.group(6)), col_number(m.group(5))
    return sheet, r1, c1, r1, c1


def cell_value(d, ref):
    p = parse_cell(ref)
    if p is None:
        return d.fields.get(ref)
    return d.grids.get(p[0], {}).get((p[1], p[2]))


def range_values(d, ref):
    p = parse_cell(ref)
    if p is None:
        return []
    grid = d.grids.get(p[0], {})
    vals = [grid.get((r, c)) for r in range(p[1], p[3] + 1) for c in range(p[2], p[4] + 1)]
    while vals and not vals[-1]:
        vals.pop()
    return vals


def xpath(d, path, ns):
    try:
        got = d.tree.xpath(path, namespaces=ns)
    except Exception:
        return []
    return got if isinstance(got, list) else [got]


def xml_value(x):
    return x if isinstance(x, str) else "".join(x.itertext())


def find_label(d, regex, take, start=0, stop=None):
    """The answer of the first cell or line (from position `start` of the reading order) the regex matches."""
    order = d.order if stop is None else d.order[:stop]
    for i in range(start, len(order)):
        g, r, c = order[i]
        text = d.grids[g][(r, c)]
        m = regex.search(text)
        if not m:
            continue
        grid = d.grids[g]
        if take == "inside":
            return text[m.end():].lstrip(" :\t\n")
        if take == "below":
            return grid.get((r + 1, c), "")
        for cc in range(c + 1, c + 4):  # past the label's merged extent and spacer columns
            v = grid.get((r, cc))
            if v is not None and v != text:
                return v
        rest = text[m.end():]
        return rest.strip(" :\t\n") if re.match(r"(\t|\n|  )", rest) else ""
    if start == 0:
        for line in d.lines:
            m = regex.search(line)
            if m:
                return line[m.end():].strip(" :\t")
    return None


def blocks(d, block):
    heads = [i for i, (g, r, c) in enumerate(d.order) if block.search(d.grids[g][(r, c)])]
    return [(h, heads[k + 1] if k + 1 < len(heads) else None) for k, h in enumerate(heads)]


def locate(d, rule, member):
    """The value (or None) of a rule for one member (None: not a group member)."""
    n = str(member or 1)
    take = rule.get("take", "right")
    if "cell" in rule:
        return cell_value(d, rule["cell"])
    if "cells" in rule:
        cells = rule["cells"]
        k = (member or 1) - 1
        return cell_value(d, cells[k]) if k < len(cells) else None
    if "range" in rule:
        vals = range_values(d, rule["range"])
        k = (member or 1) - 1
        return vals[k] if k < len(vals) else None
    if "block" in rule:
        spans = blocks(d, rx(rule["block"]))
        k = (member or 1) - 1
        if k >= len(spans):
            return None
        start, stop = spans[k]
        labels = rule.get("labels") or [rule.get("label")]
        got = [find_label(d, rx(lab), take, start, stop) for lab in labels if lab]
        got = [g for g in got if g]
        return rule.get("separator", " ").join(got) if got else None
    if "label" in rule:
        if member is None and "{n}" not in rule["label"]:
            return find_label(d, rx(rule["label"]), take)
        return find_label(d, rx(rule["label"].replace("{n}", n)), take)
    if "labels" in rule:
        got = [find_label(d, rx(lab.replace("{n}", n)), take) for lab in rule["labels"]]
        got = [g for g in got if g]
        return rule.get("separator", " ").join(got) if got else None
    if "tick" in rule:
        on = [
            v
            for key, v in rule["tick"].items()
            if (cell_value(d, key) or "").strip().lower().startswith(MARKS)
        ]
        return on[0] if len(on) == 1 else None
    if "join" in rule:
        parts = []
        for part in rule["join"]:
            if d.tree is not None:
                got = xpath(d, part, {})
                v = xml_value(got[0]) if got else None
            elif ":" in part and part.split(":")[0] in ("sdt", "ff"):
                v = d.fields.get(part)
            elif parse_cell(part) and parse_cell(part)[1] != parse_cell(part)[3]:
                vals = range_values(d, part)
                k = (member or 1) - 1
                v = vals[k] if k < len(vals) else None
            else:
                v = cell_value(d, part)
            if v:
                parts.append(v.strip())
        return rule.get("separator", " ").join(parts) if parts else None
    if "control" in rule:
        return d.fields.get("sdt:" + rule["control"].replace("{n}", n))
    if "formfield" in rule:
        return d.fields.get("ff:" + rule["formfield"].replace("{n}", n))
    if "field" in rule:
        glob = rule["field"].replace("{n}", n)
        if glob in d.fields:
            return d.fields[glob]
        for f in d.fields:
            if fnmatch.fnmatchcase(f, glob):
                return d.fields[f]
        return None
    if "path" in rule:
        got = xpath(d, rule["path"], d.ns)
        k = (member or 1) - 1
        return xml_value(got[k]).strip() if k < len(got) else None
    return None


GROUPS = ("parents.", "professionals.")


def extract(d, m):
    d.ns = m["ns"]
    rows = []
    for fid, rule in m["rules"]:
        group = fid.startswith(GROUPS) or rule.get("repeat")
        members = range(1, MAX_MEMBERS + 1) if group else [None]
        for member in members:
            try:
                v = locate(d, rule, member)
            except Exception:
                v = None
            if v is None or v == "":
                if group:
                    break
                continue
            v = str(v)
            if "regex" in rule:
                got = re.search(rule["regex"], v)
                if not got:
                    continue
                v = got.group(1) if got.groups() else got.group(0)
            rows.append((fid, member or "", v.strip()))
            if group and not any(k in rule for k in ("range", "cells", "block", "path")) and "{n}" not in str(
                rule.get("label", "")
            ) + str(rule.get("field", "")) + str(rule.get("control", "")) + str(rule.get("formfield", "")):
                break
    return rows


def process(path):
    fmt = FORMAT_OF.get(os.path.splitext(path)[1].lower())
    if fmt is None:
        return path, "", [("", "", "unsupported")]
    try:
        d = READERS[fmt](path)
    except Exception as e:
        return path, "", [("", "", f"unreadable: {type(e).__name__}")]
    m = identify(d)
    if m is None:
        return path, "", [("", "", "unrecognised")]
    return path, m["id"], extract(d, m)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input")
    ap.add_argument("mappings")
    ap.add_argument("out")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    paths = sorted(
        os.path.join(root, f) for root, _, files in os.walk(args.input) for f in files
    )
    counts = {"documents": 0, "recognised": 0, "values": 0}
    load_mappings(args.mappings)  # a bad mapping stops the run here, not in every worker
    with open(args.out, "w", newline="", encoding="utf-8") as out, Pool(
        args.jobs, initializer=init, initargs=(args.mappings,)
    ) as pool:
        w = csv.writer(out)
        w.writerow(["path", "mapping", "field", "member", "value"])
        for path, mid, rows in pool.imap(process, paths, chunksize=16):
            counts["documents"] += 1
            counts["recognised"] += bool(mid)
            rel = os.path.relpath(path, args.input)
            for fid, member, value in rows:
                counts["values"] += bool(mid)
                w.writerow([rel, mid, fid, member, value])
    print(
        f"python pipeline: {counts['documents']} documents, {counts['recognised']} recognised, "
        f"{counts['values']} values",
        file=sys.stderr,
    )
    # As harmonise does: exit 3 when some document was not recognised or could not be read.
    sys.exit(3 if counts["recognised"] < counts["documents"] else 0)


if __name__ == "__main__":
    main()
