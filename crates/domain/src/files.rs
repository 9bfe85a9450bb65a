//! Stored files, one rule for every area: receipts (vouchers), photos and scanned
//! letters. One size limit, one magic-byte check, one filename cleaner; what a purpose
//! accepts is a subset of the same five types (JPEG, PNG, WebP, GIF, PDF): photos are
//! JPEG or PNG, vouchers and letters any of the five.
//!
//! The declared type must match the first bytes, so a page or a program renamed
//! `.jpg` is never stored, and never served back as something a browser would run.

/// Largest file accepted (a phone photo of a receipt, a scanned letter): 5 MB.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;

/// Longest filename kept, in characters (the rest is cut).
pub const NAME_MAX_CHARS: usize = 100;

/// Every type a file may have.
pub const TYPES: [&str; 5] = [
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/gif",
    "application/pdf",
];

/// What a photo may be: the two types every phone and browser shows.
pub const PHOTO_TYPES: [&str; 2] = ["image/jpeg", "image/png"];

/// What a file is for. It decides the accepted types and the error codes (so each
/// page keeps words that fit it: 凭证 for a receipt, 照片 for a photo).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A receipt backing a posting, a claim, a cost or a grant report; belongs to a ledger.
    Voucher,
    /// A photo of an issue, a post or a life-meeting share.
    Photo,
    /// A scanned letter, e.g. a proxy (委托书).
    Letter,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Voucher => "voucher",
            Purpose::Photo => "photo",
            Purpose::Letter => "letter",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "voucher" => Some(Purpose::Voucher),
            "photo" => Some(Purpose::Photo),
            "letter" => Some(Purpose::Letter),
            _ => None,
        }
    }

    /// The types this purpose accepts.
    pub fn accepts(self) -> &'static [&'static str] {
        match self {
            Purpose::Photo => &PHOTO_TYPES,
            Purpose::Voucher | Purpose::Letter => &TYPES,
        }
    }
}

/// Why a file was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileError {
    Empty,
    TooLarge,
    /// Not an accepted type, or the bytes are not what the type says.
    Type,
}

impl FileError {
    /// The stable error code (a catalogue key `error.<code>`) for this purpose.
    pub fn code(self, purpose: Purpose) -> &'static str {
        match (purpose, self) {
            (Purpose::Voucher, FileError::Empty) => "voucher_empty",
            (Purpose::Voucher, FileError::TooLarge) => "voucher_too_large",
            (Purpose::Voucher, FileError::Type) => "voucher_type",
            (Purpose::Photo, FileError::Empty) => "photo_empty",
            (Purpose::Photo, FileError::TooLarge) => "photo_too_large",
            (Purpose::Photo, FileError::Type) => "photo_type",
            (Purpose::Letter, FileError::Empty) => "file_empty",
            (Purpose::Letter, FileError::TooLarge) => "file_too_large",
            (Purpose::Letter, FileError::Type) => "file_type",
        }
    }
}

/// Whether the first bytes are those of the declared type.
pub fn sniff_matches(mime: &str, d: &[u8]) -> bool {
    match mime {
        "image/jpeg" => d.starts_with(&[0xFF, 0xD8, 0xFF]),
        "image/png" => d.starts_with(b"\x89PNG\r\n\x1a\n"),
        "image/gif" => d.starts_with(b"GIF87a") || d.starts_with(b"GIF89a"),
        "image/webp" => d.len() >= 12 && &d[..4] == b"RIFF" && &d[8..12] == b"WEBP",
        "application/pdf" => d.starts_with(b"%PDF-"),
        _ => false,
    }
}

/// The one check every upload passes: not empty, at most `MAX_BYTES`, a type the
/// purpose accepts, and bytes that match it.
pub fn check(purpose: Purpose, mime: &str, data: &[u8]) -> Result<(), FileError> {
    if data.is_empty() {
        return Err(FileError::Empty);
    }
    if data.len() > MAX_BYTES {
        return Err(FileError::TooLarge);
    }
    if !purpose.accepts().contains(&mime) || !sniff_matches(mime, data) {
        return Err(FileError::Type);
    }
    Ok(())
}

/// A filename safe to store and to put in a `Content-Disposition` header: no path
/// (only what follows the last `/` or `\`), no control characters, no quotes, no
/// leading dots, at most `NAME_MAX_CHARS` characters; Chinese and other letters kept.
/// An empty result becomes `file`.
pub fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let kept: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .collect();
    let kept: String = kept
        .trim_start_matches(|c: char| c == '.' || c.is_whitespace())
        .chars()
        .take(NAME_MAX_CHARS)
        .collect();
    let kept = kept.trim_end().to_string();
    if kept.is_empty() { "file".into() } else { kept }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10];
    const PDF: &[u8] = b"%PDF-1.4\n";
    const GIF: &[u8] = b"GIF89a\x01\0";
    const WEBP: &[u8] = b"RIFF\x10\0\0\0WEBPVP8 ";
    const EXE: &[u8] = b"MZ\x90\0\x03\0\0\0\x04\0";

    #[test]
    fn each_type_is_known_by_its_first_bytes() {
        for (mime, data) in [
            ("image/png", PNG),
            ("image/jpeg", JPEG),
            ("application/pdf", PDF),
            ("image/gif", GIF),
            ("image/webp", WEBP),
        ] {
            assert!(sniff_matches(mime, data), "{mime}");
            assert_eq!(check(Purpose::Voucher, mime, data), Ok(()), "{mime}");
            for other in TYPES.iter().filter(|t| **t != mime) {
                assert!(!sniff_matches(other, data), "{mime} as {other}");
            }
        }
    }

    #[test]
    fn a_program_renamed_jpg_is_refused_for_every_purpose() {
        for p in [Purpose::Voucher, Purpose::Photo, Purpose::Letter] {
            assert_eq!(check(p, "image/jpeg", EXE), Err(FileError::Type));
            assert_eq!(
                check(p, "application/x-msdownload", EXE),
                Err(FileError::Type)
            );
        }
        assert_eq!(FileError::Type.code(Purpose::Photo), "photo_type");
        assert_eq!(FileError::Type.code(Purpose::Voucher), "voucher_type");
    }

    #[test]
    fn photos_are_jpeg_or_png_and_vouchers_may_be_pdfs() {
        assert_eq!(
            check(Purpose::Photo, "application/pdf", PDF),
            Err(FileError::Type)
        );
        assert_eq!(check(Purpose::Voucher, "application/pdf", PDF), Ok(()));
        assert_eq!(check(Purpose::Letter, "application/pdf", PDF), Ok(()));
        assert_eq!(
            check(Purpose::Photo, "image/webp", WEBP),
            Err(FileError::Type)
        );
        assert_eq!(check(Purpose::Photo, "image/jpeg", JPEG), Ok(()));
    }

    #[test]
    fn the_size_limit_is_five_megabytes_inclusive() {
        let mut at = PNG.to_vec();
        at.resize(MAX_BYTES, 0);
        assert_eq!(check(Purpose::Photo, "image/png", &at), Ok(()));
        at.push(0);
        for p in [Purpose::Voucher, Purpose::Photo, Purpose::Letter] {
            assert_eq!(check(p, "image/png", &at), Err(FileError::TooLarge));
            assert_eq!(check(p, "image/png", &[]), Err(FileError::Empty));
        }
    }

    #[test]
    fn short_or_truncated_headers_are_refused() {
        assert!(!sniff_matches("image/webp", b"RIFF\0\0\0\0WEB"));
        assert!(!sniff_matches("image/png", b"\x89PNG"));
        assert!(!sniff_matches("image/gif", b"GIF8"));
        assert!(!sniff_matches("application/pdf", b"%PD"));
        assert!(!sniff_matches("image/jpeg", &[0xFF, 0xD8]));
    }

    #[test]
    fn filenames_lose_paths_controls_and_quotes() {
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("C:\\Users\\王芳\\收据.jpg"), "收据.jpg");
        assert_eq!(clean_filename("a\u{0}b\r\n\u{1b}c.png"), "abc.png");
        assert_eq!(clean_filename("say \"hi\".pdf"), "say hi.pdf");
        assert_eq!(clean_filename("..hidden"), "hidden");
        assert_eq!(
            clean_filename("社区议事会委托书（三号楼）.pdf"),
            "社区议事会委托书（三号楼）.pdf"
        );
    }

    #[test]
    fn empty_or_emptied_names_become_file() {
        for raw in ["", "   ", "/", "dir/", "\\\\", "\u{7}\u{8}", "..", "\"\""] {
            assert_eq!(clean_filename(raw), "file", "{raw:?}");
        }
    }

    #[test]
    fn very_long_names_are_cut_to_one_hundred_characters() {
        let long = "发票".repeat(400) + ".jpg";
        let cleaned = clean_filename(&long);
        assert_eq!(cleaned.chars().count(), NAME_MAX_CHARS);
        assert!(cleaned.starts_with("发票发票"));
    }

    proptest! {
        #[test]
        fn a_cleaned_name_is_always_safe(raw in any::<String>()) {
            let c = clean_filename(&raw);
            prop_assert!(!c.is_empty());
            prop_assert!(c.chars().count() <= NAME_MAX_CHARS);
            prop_assert!(!c.chars().any(|ch| ch.is_control() || matches!(ch, '/' | '\\' | '"')));
            prop_assert!(!c.starts_with('.'));
            // Cleaning is idempotent: a stored name cleans to itself.
            prop_assert_eq!(clean_filename(&c), c.clone());
        }

        #[test]
        fn chinese_names_without_separators_are_kept(name in "[\u{4e00}-\u{9fa5}]{1,60}\\.(jpg|png|pdf)") {
            prop_assert_eq!(clean_filename(&name), name);
        }

        #[test]
        fn random_bytes_pass_only_with_a_matching_header(data in proptest::collection::vec(any::<u8>(), 0..64)) {
            for mime in TYPES {
                if check(Purpose::Voucher, mime, &data).is_ok() {
                    prop_assert!(sniff_matches(mime, &data));
                }
            }
        }
    }
}
