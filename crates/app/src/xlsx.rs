//! Spreadsheets, the way community workers hold their lists (issue 15): reading the first
//! sheet of an `.xlsx` (calamine) and writing one, row by row, to any `Write`.
//!
//! The writer streams: cells are inline strings (no shared-string table to hold), the
//! zip is written with data descriptors (no seeking back), so an export of any size
//! needs memory for one batch of rows, not for the file.

use crate::{AppError, AppResult};
use std::io::Write;
use zip::write::SimpleFileOptions;

/// An `.xlsx` being written: a header row and then rows, one sheet.
pub struct Writer<W: Write> {
    zip: zip::ZipWriter<zip::write::StreamWriter<W>>,
    row: usize,
}

fn xml_escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
}

/// A cell: text, or a number Excel sums.
pub enum Cell<'a> {
    Text(&'a str),
    Number(f64),
    Empty,
}

/// A column as Excel names it: 0 → `A`, 25 → `Z`, 26 → `AA`.
pub(crate) fn column_name(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#;
const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#;
/// Two cell styles: 0 plain, 1 bold (the header row).
const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="2"><font><sz val="11"/><name val="等线"/></font><font><b/><sz val="11"/><name val="等线"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs></styleSheet>"#;

fn io(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("xlsx: {e}"))
}

impl<W: Write> Writer<W> {
    /// Starts a workbook with one sheet named `sheet` whose first row is `header`.
    pub fn new(out: W, sheet: &str, header: &[&str]) -> AppResult<Self> {
        let mut zip = zip::ZipWriter::new_stream(out);
        let opts = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(1));
        let mut name = String::new();
        xml_escape(sheet, &mut name);
        let workbook = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>"#
        );
        for (path, body) in [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", RELS),
            ("xl/workbook.xml", workbook.as_str()),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/styles.xml", STYLES),
        ] {
            zip.start_file(path, opts).map_err(io)?;
            zip.write_all(body.as_bytes()).map_err(io)?;
        }
        zip.start_file("xl/worksheets/sheet1.xml", opts)
            .map_err(io)?;
        zip.write_all(
            br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetData>"#,
        )
        .map_err(io)?;
        let mut w = Self { zip, row: 0 };
        let cells: Vec<Cell> = header.iter().map(|h| Cell::Text(h)).collect();
        w.write_row_styled(&cells, 1)?;
        Ok(w)
    }

    /// Adds a row.
    pub fn row(&mut self, cells: &[Cell]) -> AppResult<()> {
        self.write_row_styled(cells, 0)
    }

    fn write_row_styled(&mut self, cells: &[Cell], style: u8) -> AppResult<()> {
        self.row += 1;
        let r = self.row;
        let mut x = format!("<row r=\"{r}\">");
        for (i, c) in cells.iter().enumerate() {
            let at = format!("{}{r}", column_name(i));
            let s = if style > 0 {
                format!(" s=\"{style}\"")
            } else {
                String::new()
            };
            match c {
                Cell::Text(t) => {
                    x.push_str(&format!(
                        "<c r=\"{at}\"{s} t=\"inlineStr\"><is><t xml:space=\"preserve\">"
                    ));
                    xml_escape(t, &mut x);
                    x.push_str("</t></is></c>");
                }
                Cell::Number(n) if n.is_finite() => {
                    x.push_str(&format!("<c r=\"{at}\"{s}><v>{n}</v></c>"));
                }
                _ => {}
            }
        }
        x.push_str("</row>");
        self.zip.write_all(x.as_bytes()).map_err(io)
    }

    /// Rows written so far, the header included.
    pub fn rows(&self) -> usize {
        self.row
    }

    /// Ends the sheet and the file.
    pub fn finish(mut self) -> AppResult<W> {
        self.zip
            .write_all(b"</sheetData></worksheet>")
            .map_err(io)?;
        self.zip.finish().map(|s| s.into_inner()).map_err(io)
    }
}

/// The first sheet of an `.xlsx` file as rows of text (numbers written without a
/// trailing `.0`, so a phone typed as a number reads as its digits). Not an `.xlsx`
/// (by its bytes, not its name), or one that cannot be read: `import_not_xlsx`.
pub fn read_first_sheet(bytes: &[u8]) -> AppResult<Vec<Vec<String>>> {
    use calamine::{Data, Reader, Xlsx};
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(AppError::Invalid("import_not_xlsx"));
    }
    let mut book: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(bytes)).map_err(|_| AppError::Invalid("import_not_xlsx"))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or(AppError::Invalid("import_empty"))?
        .map_err(|_| AppError::Invalid("import_not_xlsx"))?;
    let text = |d: &Data| match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        Data::DateTime(d) => d.to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(_) => "#ERROR".to_string(),
        #[allow(unreachable_patterns)]
        _ => String::new(),
    };
    // Rows as the sheet numbers them: calamine's range starts at the first used cell.
    let (first_row, first_col) = range.start().unwrap_or((0, 0));
    let pad_cols = first_col as usize;
    let mut rows: Vec<Vec<String>> = vec![vec![]; first_row as usize];
    for r in range.rows() {
        let mut row = vec![String::new(); pad_cols];
        row.extend(r.iter().map(|c| text(c).trim().to_string()));
        rows.push(row);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_sheet_reads_back_cell_for_cell() {
        let mut w = Writer::new(Vec::new(), "住户 & 业主", &["楼栋", "房号", "面积"]).unwrap();
        w.row(&[
            Cell::Text("1栋"),
            Cell::Text("1单元101"),
            Cell::Number(89.5),
        ])
        .unwrap();
        w.row(&[Cell::Text("<2栋>"), Cell::Empty, Cell::Number(120.0)])
            .unwrap();
        assert_eq!(w.rows(), 3);
        let bytes = w.finish().unwrap();
        let rows = read_first_sheet(&bytes).unwrap();
        assert_eq!(rows[0], ["楼栋", "房号", "面积"]);
        assert_eq!(rows[1], ["1栋", "1单元101", "89.5"]);
        assert_eq!(rows[2], ["<2栋>", "", "120"]);
    }

    #[test]
    fn columns_are_named_as_excel_names_them() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(27), "AB");
        assert_eq!(column_name(701), "ZZ");
        assert_eq!(column_name(702), "AAA");
    }

    #[test]
    fn what_is_not_a_workbook_is_refused_by_its_bytes() {
        assert!(matches!(
            read_first_sheet(b"name,phone\n"),
            Err(AppError::Invalid("import_not_xlsx"))
        ));
        assert!(matches!(
            read_first_sheet(b"PK\x03\x04garbage"),
            Err(AppError::Invalid("import_not_xlsx"))
        ));
    }
}
