//! A small PDF writer for what Linli prints on paper (invitation slips; later notices and
//! paper ballots): A4 pages of text, lines and QR codes.
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

    /// A QR code of `data`, `size` points square, its bottom left at (x, y), with the
    /// quiet zone the standard asks for included in `size`. Dark runs of a row are drawn
    /// as one rectangle.
    pub fn qr(&mut self, x: f32, y: f32, size: f32, data: &str) {
        let Ok(code) = qrcode::QrCode::new(data.as_bytes()) else {
            return;
        };
        let n = code.width();
        let quiet = 4;
        let module = size / (n + 2 * quiet) as f32;
        let colors = code.to_colors();
        self.ops.push_str("q 0 g\n");
        for row in 0..n {
            let mut col = 0;
            while col < n {
                if colors[row * n + col] != qrcode::Color::Dark {
                    col += 1;
                    continue;
                }
                let start = col;
                while col < n && colors[row * n + col] == qrcode::Color::Dark {
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

/// Breaks `text` into lines no wider than `max` points: between any two Chinese
/// characters, and at a space for words in Latin letters where one is in reach.
pub fn wrap(font: Font, size: f32, max: f32, text: &str) -> Vec<String> {
    let mut lines = vec![];
    let mut line = String::new();
    for c in text.chars() {
        line.push(c);
        if width(font, size, &line) > max {
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
    if !line.trim().is_empty() {
        lines.push(line);
    }
    lines
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
    for u in text.encode_utf16() {
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
    }

    #[test]
    fn the_file_has_a_cross_reference_that_points_at_each_object() {
        let mut d = Document::new("邀请");
        let mut p = Page::default();
        p.text(40.0, 800.0, Font::Song, 12.0, "一单元 101");
        p.text(40.0, 780.0, Font::Mono, 12.0, "AB(C)");
        p.qr(
            40.0,
            600.0,
            100.0,
            "https://example.org/join?code=ABCD-EFGH",
        );
        d.push(p);
        let bytes = d.render();
        let text = String::from_utf8_lossy(&bytes);
        assert!(bytes.starts_with(b"%PDF-1.4"));
        assert!(text.contains("<4E0053555143"), "一单元 in UTF-16");
        assert!(text.contains("(AB\\(C\\))"));
        let start: usize = text
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(bytes[start..].starts_with(b"xref"));
        let table = String::from_utf8_lossy(&bytes[start..]).to_string();
        // Every offset in the table starts its object.
        for (i, line) in table.lines().skip(3).take(9).enumerate() {
            let off: usize = line[..10].parse().unwrap();
            assert!(
                bytes[off..].starts_with(format!("{} 0 obj", i + 1).as_bytes()),
                "object {}",
                i + 1
            );
        }
    }
}
