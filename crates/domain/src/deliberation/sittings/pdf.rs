//! A small PDF 1.4 writer for printed minutes (纪要), with no font file and no crate:
//! text is set in Adobe's non-embedded CJK font `STSong-Light` (encoding `UniGB-UCS2-H`,
//! character collection Adobe-GB1), which every PDF reader supplies for Simplified
//! Chinese. Strings are UTF-16BE hex; lines wrap counting CJK glyphs as 1 em and ASCII
//! as ½ em; A4 pages; the cross-reference table holds each object's exact byte offset.

/// A4 in points.
const PAGE_W: f64 = 595.0;
const PAGE_H: f64 = 842.0;
const MARGIN: f64 = 56.0;
const TITLE_SIZE: f64 = 16.0;
const BODY_SIZE: f64 = 11.0;
const LEADING: f64 = 17.0;

/// Width of a character in em: ASCII glyphs are proportional (about half an em), the
/// rest full width.
fn em(c: char) -> f64 {
    if (c as u32) < 0x80 { 0.5 } else { 1.0 }
}

/// Splits `text` into lines no wider than `width` points at `size`.
pub fn wrap(text: &str, size: f64, width: f64) -> Vec<String> {
    let mut out = vec![];
    for para in text.lines() {
        let mut line = String::new();
        let mut w = 0.0;
        for c in para.chars() {
            let cw = em(c) * size;
            if w + cw > width && !line.is_empty() {
                out.push(std::mem::take(&mut line));
                w = 0.0;
                if c == ' ' {
                    continue;
                }
            }
            line.push(c);
            w += cw;
        }
        out.push(line);
    }
    out
}

/// UTF-16BE hex of `s` (characters outside the BMP, which UCS-2 cannot carry, become `?`).
pub fn hex_utf16(s: &str) -> String {
    let mut h = String::with_capacity(s.len() * 4);
    for c in s.chars() {
        let u = if (c as u32) > 0xFFFF || c == '\t' {
            if c == '\t' { ' ' as u32 } else { '?' as u32 }
        } else {
            c as u32
        };
        h.push_str(&format!("{u:04X}"));
    }
    h
}

/// A document: a title on the first page, then the body text wrapped onto A4 pages.
pub fn document(title: &str, body: &str) -> Vec<u8> {
    let width = PAGE_W - 2.0 * MARGIN;
    let title_lines = wrap(title, TITLE_SIZE, width);
    let body_lines = wrap(body, BODY_SIZE, width);
    let per_page = ((PAGE_H - 2.0 * MARGIN) / LEADING).floor() as usize;

    // Lay out every page's content stream.
    let mut pages: Vec<String> = vec![];
    let mut cur = String::new();
    let mut y = PAGE_H - MARGIN;
    let mut used = 0usize;
    let mut start_page = |cur: &mut String, y: &mut f64, used: &mut usize| {
        if !cur.is_empty() {
            pages.push(std::mem::take(cur));
        }
        *y = PAGE_H - MARGIN;
        *used = 0;
    };
    for l in &title_lines {
        cur.push_str(&text_op(l, TITLE_SIZE, MARGIN, y - TITLE_SIZE));
        y -= TITLE_SIZE + 8.0;
        used += 2;
    }
    y -= 6.0;
    for l in &body_lines {
        if used >= per_page {
            start_page(&mut cur, &mut y, &mut used);
        }
        if !l.is_empty() {
            cur.push_str(&text_op(l, BODY_SIZE, MARGIN, y - BODY_SIZE));
        }
        y -= LEADING;
        used += 1;
    }
    pages.push(cur);
    let n = pages.len();

    // Objects: 1 catalog, 2 pages, 3 Type0 font, 4 CID font, 5 descriptor, 6 info,
    // then a page and its content stream per page.
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 7 + 2 * i)).collect();
    let mut objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")).into_bytes(),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light-UniGB-UCS2-H \
/Encoding /UniGB-UCS2-H /DescendantFonts [4 0 R] >>"
            .to_vec(),
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light \
/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> \
/FontDescriptor 5 0 R /DW 1000 /W [1 95 500] >>"
            .to_vec(),
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 \
/FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 \
/CapHeight 880 /StemV 93 >>"
            .to_vec(),
        format!("<< /Title <FEFF{}> /Producer (Linli) >>", hex_utf16(title)).into_bytes(),
    ];
    for (i, content) in pages.iter().enumerate() {
        let footer = text_op(
            &format!("{} / {n}", i + 1),
            9.0,
            PAGE_W / 2.0 - 12.0,
            MARGIN / 2.0,
        );
        let stream = format!("{content}{footer}");
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] \
/Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
                8 + 2 * i
            )
            .into_bytes(),
        );
        let mut s = format!("<< /Length {} >>\nstream\n", stream.len()).into_bytes();
        s.extend_from_slice(stream.as_bytes());
        s.extend_from_slice(b"\nendstream");
        objects.push(s);
    }

    let mut out: Vec<u8> = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R /Info 6 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn text_op(s: &str, size: f64, x: f64, y: f64) -> String {
    format!(
        "BT /F1 {size} Tf {x:.1} {y:.1} Td <{}> Tj ET\n",
        hex_utf16(s)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads the cross-reference table back and checks each offset points at its object.
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
    fn the_document_is_a_pdf_with_exact_offsets_and_the_title_in_utf16() {
        let pdf = document(
            "四方联席会议纪要 2026",
            "出席：居委会、业委会、物业、社会组织。\nQuorum met.",
        );
        assert!(pdf.starts_with(b"%PDF-1.4"));
        assert!(pdf.ends_with(b"%%EOF\n"));
        assert_eq!(check_xref(&pdf), 8, "six shared objects and one page");
        let text = String::from_utf8_lossy(&pdf);
        assert!(
            text.contains(&hex_utf16("四方联席会议纪要")),
            "title encoded"
        );
        assert!(text.contains("/STSong-Light") && text.contains("/UniGB-UCS2-H"));
        assert!(text.contains(&hex_utf16("Quorum met.")));
    }

    #[test]
    fn long_text_wraps_and_flows_onto_more_pages() {
        let body = "议而有行，行而有效。".repeat(400);
        let pdf = document("纪要", &body);
        let pages = (check_xref(&pdf) - 6) / 2;
        assert!(pages >= 3, "{pages} pages");
        let lines = wrap(&"字".repeat(100), 10.0, 100.0);
        assert_eq!(lines.len(), 10, "ten CJK glyphs of 10 pt fill 100 pt");
        assert_eq!(
            wrap(&"a".repeat(40), 10.0, 100.0).len(),
            2,
            "ASCII is half as wide"
        );
        assert_eq!(wrap("一\n\n二", 10.0, 100.0), vec!["一", "", "二"]);
    }

    #[test]
    fn characters_outside_ucs2_become_question_marks() {
        assert_eq!(hex_utf16("A中😀"), "00414E2D003F");
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
        std::fs::write(&f, document("纪要", "出席 present: 5")).unwrap();
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
    }
}
