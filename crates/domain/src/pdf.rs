//! The one PDF writer for what Linli prints on paper (minutes, invitation slips; later
//! notices and paper ballots): A4 pages of text, cut lines and QR codes, with no font file
//! and no crate.
//!
//! Chinese text uses the Adobe standard CJK font STSong-Light (Adobe-GB1, UTF-16 CMap),
//! which PDF readers supply themselves (poppler maps it to the system's Noto CJK, Adobe
//! Reader to its Asian font pack, WPS and the phone readers have it), so no font is
//! embedded and a sheet of slips stays a few hundred kilobytes. Codes are in Courier-Bold
//! and links in Helvetica, two of the fourteen standard fonts. Streams are not
//! compressed: the pages are small and any reader opens them.

use std::fmt::Write as _;

/// A4 in points (1/72 inch).
pub const A4: (f32, f32) = (595.0, 842.0);

/// The fonts a page can use.
#[derive(Clone, Copy)]
pub enum Font {
    /// Chinese and everything else: STSong-Light.
    Song,
    /// Codes: Courier-Bold (ASCII only).
    Mono,
    /// Links: Helvetica (ASCII only).
    Sans,
}

impl Font {
    fn name(self) -> &'static str {
        match self {
            Font::Song => "F1",
            Font::Mono => "F2",
            Font::Sans => "F3",
        }
    }
}

/// One page's drawing, in points from the bottom left.
#[derive(Default)]
pub struct Page {
    ops: String,
}

impl Page {
    /// Writes `text` at (x, y) (its baseline's left end) in `font` at `size` points.
    pub fn text(&mut self, x: f32, y: f32, font: Font, size: f32, text: &str) {
        let shown = match font {
            Font::Song => utf16_hex(text),
            Font::Mono | Font::Sans => ascii_literal(text),
        };
        let _ = writeln!(
            self.ops,
            "BT /{} {size:.1} Tf {x:.2} {y:.2} Td {shown} Tj ET",
            font.name()
        );
    }

    /// A dashed rectangle (where to cut).
    pub fn cut_box(&mut self, x: f32, y: f32, w: f32, h: f32) {
        let _ = writeln!(
            self.ops,
            "q 0.6 G 0.5 w [4 3] 0 d {x:.2} {y:.2} {w:.2} {h:.2} re S Q"
        );
    }

    /// A solid rectangle outline (a box to tick).
    pub fn tick_box(&mut self, x: f32, y: f32, w: f32, h: f32) {
        let _ = writeln!(self.ops, "q 0 G 1.2 w {x:.2} {y:.2} {w:.2} {h:.2} re S Q");
    }

    /// A QR code, `size` points square, its bottom left at (x, y): `dark` holds its
    /// `n` × `n` modules row by row from the top (as `qrcode` gives them). The quiet zone
    /// the standard asks for (four modules) is inside `size`. Dark runs of a row are drawn
    /// as one rectangle.
    pub fn qr(&mut self, x: f32, y: f32, size: f32, n: usize, dark: &[bool]) {
        if n == 0 || dark.len() != n * n {
            return;
        }
        let quiet = 4;
        let module = size / (n + 2 * quiet) as f32;
        self.ops.push_str("q 0 g\n");
        for row in 0..n {
            let mut col = 0;
            while col < n {
                if !dark[row * n + col] {
                    col += 1;
                    continue;
                }
                let start = col;
                while col < n && dark[row * n + col] {
                    col += 1;
                }
                let rx = x + (quiet + start) as f32 * module;
                let ry = y + size - (quiet + row + 1) as f32 * module;
                let w = (col - start) as f32 * module;
                let _ = writeln!(self.ops, "{rx:.3} {ry:.3} {w:.3} {module:.3} re");
            }
        }
        self.ops.push_str("f Q\n");
    }
}

/// How wide `text` is in `font` at `size` points (CJK a full em, ASCII half of one in
/// the Song font; Courier 0.6 em; Helvetica about 0.55 em on average).
pub fn width(font: Font, size: f32, text: &str) -> f32 {
    text.chars()
        .map(|c| match font {
            Font::Song if c.is_ascii() => 0.5,
            Font::Song => 1.0,
            Font::Mono => 0.6,
            Font::Sans => 0.55,
        })
        .sum::<f32>()
        * size
}

/// Breaks `text` into lines no wider than `max` points: each of its own lines (an empty
/// one stays, as a gap), then between any two Chinese characters, and at a space for
/// words in Latin letters where one is in reach.
pub fn wrap(font: Font, size: f32, max: f32, text: &str) -> Vec<String> {
    let mut lines = vec![];
    for para in text.lines() {
        let mut line = String::new();
        for c in para.chars() {
            line.push(c);
            if width(font, size, &line) > max && line.chars().count() > 1 {
                let cut = match line.rfind(' ') {
                    Some(i) if c.is_ascii_alphanumeric() && i > 0 => i,
                    _ => line.len() - c.len_utf8(),
                };
                let rest = line[cut..].trim_start().to_string();
                line.truncate(cut);
                lines.push(line.trim_end().to_string());
                line = rest;
            }
        }
        lines.push(line);
    }
    lines
}

/// A text document: a title on the first page, then `body` wrapped onto A4 pages, each
/// numbered at its foot (`1 / 3`); for minutes and other printed text.
pub fn text_document(title: &str, body: &str) -> Vec<u8> {
    const MARGIN: f32 = 56.0;
    const TITLE: f32 = 16.0;
    const BODY: f32 = 11.0;
    const LEADING: f32 = 17.0;
    let w = A4.0 - 2.0 * MARGIN;
    // Where each line goes: (page, y, size, text).
    let mut placed: Vec<(usize, f32, f32, String)> = vec![];
    let (mut page, mut y) = (0usize, A4.1 - MARGIN);
    for l in wrap(Font::Song, TITLE, w, title) {
        placed.push((page, y - TITLE, TITLE, l));
        y -= TITLE + 8.0;
    }
    y -= 6.0;
    for l in wrap(Font::Song, BODY, w, body) {
        if y - BODY < MARGIN {
            page += 1;
            y = A4.1 - MARGIN;
        }
        if !l.is_empty() {
            placed.push((page, y - BODY, BODY, l));
        }
        y -= LEADING;
    }
    let n = page + 1;
    let mut doc = Document::new(title);
    let mut pages: Vec<Page> = (0..n).map(|_| Page::default()).collect();
    for (p, y, size, l) in placed {
        pages[p].text(MARGIN, y, Font::Song, size, &l);
    }
    for (i, mut p) in pages.into_iter().enumerate() {
        p.text(
            A4.0 / 2.0 - 12.0,
            MARGIN / 2.0,
            Font::Song,
            9.0,
            &format!("{} / {n}", i + 1),
        );
        doc.push(p);
    }
    doc.render()
}

/// A PDF document: its pages, in order, rendered by [`Document::render`].
#[derive(Default)]
pub struct Document {
    pages: Vec<Page>,
    title: String,
}

impl Document {
    pub fn new(title: &str) -> Self {
        Self {
            pages: vec![],
            title: title.to_string(),
        }
    }

    pub fn push(&mut self, page: Page) {
        self.pages.push(page);
    }

    /// The bytes of the PDF file.
    pub fn render(&self) -> Vec<u8> {
        // Objects: 1 catalog, 2 pages, 3–6 fonts and descriptor, 7 info, then a page and
        // its content stream for each page.
        let mut objects: Vec<String> = Vec::new();
        let first_page = 8;
        let kids: Vec<String> = (0..self.pages.len())
            .map(|i| format!("{} 0 R", first_page + 2 * i))
            .collect();
        objects.push("<< /Type /Catalog /Pages 2 0 R >>".into());
        objects.push(format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            self.pages.len()
        ));
        objects.push(
            "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UTF16-H \
             /DescendantFonts [6 0 R] >>"
                .into(),
        );
        objects.push(
            "<< /Type /Font /Subtype /Type1 /BaseFont /Courier-Bold /Encoding /WinAnsiEncoding >>"
                .into(),
        );
        objects.push(
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
                .into(),
        );
        objects.push(
            "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light \
             /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> \
             /FontDescriptor << /Type /FontDescriptor /FontName /STSong-Light /Flags 6 \
             /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 \
             /CapHeight 880 /StemV 93 >> /DW 1000 /W [1 95 500] >>"
                .into(),
        );
        objects.push(format!(
            "<< /Title {} /Producer (Linli) >>",
            utf16_hex_bom(&self.title)
        ));
        for (i, page) in self.pages.iter().enumerate() {
            objects.push(format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {} {}] \
                 /Resources << /Font << /F1 3 0 R /F2 4 0 R /F3 5 0 R >> >> /Contents {} 0 R >>",
                A4.0,
                A4.1,
                first_page + 2 * i + 1
            ));
            objects.push(format!(
                "<< /Length {} >>\nstream\n{}endstream",
                page.ops.len(),
                page.ops
            ));
        }
        let mut out: Vec<u8> = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
        let mut offsets = Vec::with_capacity(objects.len());
        for (i, body) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
        }
        let xref = out.len();
        let mut tail = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
        for o in offsets {
            let _ = write!(tail, "{o:010} 00000 n \n");
        }
        let _ = write!(
            tail,
            "trailer\n<< /Size {} /Root 1 0 R /Info 7 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        );
        out.extend_from_slice(tail.as_bytes());
        out
    }
}

/// A string for the CJK font: UTF-16BE in hex (`<4E2D6587>`).
fn utf16_hex(text: &str) -> String {
    let mut s = String::with_capacity(2 + text.len() * 4);
    s.push('<');
    for c in text.chars() {
        // Characters outside the BMP have no glyph in the standard font: `?`.
        let u = match c {
            '\t' => 0x20,
            c if (c as u32) > 0xFFFF => u32::from('?'),
            c => c as u32,
        };
        let _ = write!(s, "{u:04X}");
    }
    s.push('>');
    s
}

/// A text string outside content (the document's title): UTF-16BE with its byte mark.
fn utf16_hex_bom(text: &str) -> String {
    format!("<FEFF{}", &utf16_hex(text)[1..])
}

/// A string for a standard font: printable ASCII, with the PDF escapes.
fn ascii_literal(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 2);
    s.push('(');
    for c in text.chars() {
        match c {
            '(' | ')' | '\\' => {
                s.push('\\');
                s.push(c);
            }
            ' '..='~' => s.push(c),
            _ => s.push('?'),
        }
    }
    s.push(')');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads the cross-reference table back, checks each offset points at its object,
    /// and returns how many objects there are.
    fn check_xref(pdf: &[u8]) -> usize {
        let sx = pdf
            .windows(10)
            .rposition(|w| w == b"startxref\n")
            .expect("startxref");
        let tail = std::str::from_utf8(&pdf[sx + 10..]).unwrap();
        let xref: usize = tail.lines().next().unwrap().trim().parse().unwrap();
        let table = std::str::from_utf8(&pdf[xref..]).expect("the table is ASCII");
        assert!(table.starts_with("xref\n"), "startxref points at the table");
        let mut lines = table.lines().skip(1);
        let count: usize = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(lines.next().unwrap(), "0000000000 65535 f ");
        for i in 1..count {
            let entry = lines.next().unwrap();
            assert_eq!(entry.len(), 19, "entries are 20 bytes with the newline");
            let off: usize = entry[..10].parse().unwrap();
            let head = format!("{i} 0 obj");
            assert_eq!(&pdf[off..off + head.len()], head.as_bytes(), "object {i}");
        }
        count - 1
    }

    #[test]
    fn a_page_of_text_codes_and_a_qr_code_has_exact_offsets() {
        let mut d = Document::new("邀请");
        let mut p = Page::default();
        p.text(40.0, 800.0, Font::Song, 12.0, "一单元 101");
        p.text(40.0, 780.0, Font::Mono, 12.0, "AB(C)");
        p.cut_box(10.0, 10.0, 100.0, 100.0);
        // A 2 × 2 "code": one run of two in the top row, one module below.
        p.qr(40.0, 600.0, 100.0, 2, &[true, true, false, true]);
        d.push(p);
        let bytes = d.render();
        let text = String::from_utf8_lossy(&bytes);
        assert!(bytes.starts_with(b"%PDF-1.4") && bytes.ends_with(b"%%EOF\n"));
        assert!(text.contains("<4E0053555143"), "一单元 in UTF-16");
        assert!(text.contains("(AB\\(C\\))"), "ASCII escaped for Courier");
        assert_eq!(text.matches(" re\n").count(), 2, "a run is one rectangle");
        assert_eq!(check_xref(&bytes), 9, "seven shared objects and one page");
    }

    #[test]
    fn lines_break_within_the_width_and_at_spaces_for_words() {
        let zh = wrap(
            Font::Song,
            10.0,
            60.0,
            "邀请您加入「邻里」社区平台。扫码注册",
        );
        assert!(zh.len() > 1 && zh.iter().all(|l| width(Font::Song, 10.0, l) <= 60.0));
        assert_eq!(zh.concat(), "邀请您加入「邻里」社区平台。扫码注册");
        let en = wrap(
            Font::Song,
            10.0,
            100.0,
            "You are invited to Linli, your platform",
        );
        assert!(en.iter().all(|l| !l.starts_with(' ') && !l.ends_with(' ')));
        assert_eq!(en.join(" "), "You are invited to Linli, your platform");
        assert_eq!(wrap(Font::Song, 10.0, 100.0, &"字".repeat(100)).len(), 10);
        assert_eq!(
            wrap(Font::Song, 10.0, 100.0, &"a".repeat(40)).len(),
            2,
            "ASCII is half as wide"
        );
        assert_eq!(wrap(Font::Song, 10.0, 100.0, "一\n\n二"), ["一", "", "二"]);
    }

    #[test]
    fn a_text_document_flows_onto_numbered_pages_with_its_title_in_utf16() {
        let pdf = text_document(
            "四方联席会议纪要 2026",
            "出席：居委会、业委会、物业、社会组织。\nQuorum met.",
        );
        assert_eq!(check_xref(&pdf), 9);
        let text = String::from_utf8_lossy(&pdf);
        assert!(
            text.contains(&utf16_hex("四方联席会议纪要")[1..13]),
            "title encoded"
        );
        assert!(text.contains("/STSong-Light") && text.contains("/UniGB-UTF16-H"));
        assert!(text.contains(&utf16_hex("1 / 1")), "the page is numbered");
        let long = text_document("纪要", &"议而有行，行而有效。".repeat(400));
        let pages = (check_xref(&long) - 7) / 2;
        assert!(pages >= 3, "{pages} pages");
        assert!(String::from_utf8_lossy(&long).contains(&utf16_hex(&format!("{pages} / {pages}"))));
    }

    #[test]
    fn characters_outside_the_bmp_become_question_marks() {
        assert_eq!(utf16_hex("A中😀\t"), "<00414E2D003F0020>");
    }

    #[test]
    fn the_text_round_trips_through_pdftotext() {
        // A missing tool fails the test: `.ci/run` installs poppler-utils.
        std::process::Command::new("pdftotext")
            .arg("-v")
            .output()
            .expect("pdftotext must be installed (apt-get install poppler-utils)");
        let dir = std::env::temp_dir().join(format!("linli-pdf-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("m.pdf");
        std::fs::write(&f, text_document("纪要", "出席 present: 5")).unwrap();
        let o = std::process::Command::new("pdftotext")
            .arg(&f)
            .arg("-")
            .output()
            .unwrap();
        assert!(o.status.success(), "pdftotext read the minutes");
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(
            text.contains("纪要") && text.contains("present: 5"),
            "{text}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
