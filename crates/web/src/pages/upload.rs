//! Multipart forms (a form with a file input): the text fields and the files of one
//! field, read once for every area. Each area names its file field in a [`FileField`]
//! and reads the files in its own terms (`voucher()` in money, `photos()` in issues).

use axum::extract::Multipart;
use axum::extract::multipart::MultipartRejection;
use linli_app::AppError;
use std::collections::HashMap;

/// Which part of a multipart form is the file, and how its failures are called.
pub(crate) struct FileField {
    /// The name of the file input.
    pub name: &'static str,
    /// The file name when the browser sends none.
    pub default_filename: &'static str,
    /// The error code when the form is cut off (too large for the body limit).
    pub too_large: &'static str,
    /// At most this many files beyond the first, and the error code past it.
    pub max: Option<(usize, &'static str)>,
}

/// Text fields and the files (name, type, bytes) of a multipart form, in the order sent.
pub(crate) struct Upload {
    fields: HashMap<String, String>,
    pub(crate) files: Vec<(String, String, Vec<u8>)>,
}

impl Upload {
    /// A text field, empty if absent.
    pub(crate) fn get(&self, k: &str) -> &str {
        self.fields.get(k).map(String::as_str).unwrap_or("")
    }

    /// The last file sent as (name, type, bytes); empty if none was sent.
    pub(crate) fn file_parts(&self) -> (&str, &str, &[u8]) {
        match self.files.last() {
            Some((name, mime, data)) => (name, mime, data),
            None => ("", "", &[]),
        }
    }
}

/// Reads a multipart form: text fields (refusing control characters) and the files of
/// `file.name`.
pub(crate) async fn read(
    mp: Result<Multipart, MultipartRejection>,
    file: &FileField,
) -> Result<Upload, AppError> {
    let mut mp = mp.map_err(|_| AppError::Invalid("bad_form"))?;
    let mut up = Upload {
        fields: HashMap::new(),
        files: vec![],
    };
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|_| AppError::Invalid(file.too_large))?
    {
        let name = field.name().unwrap_or("").to_string();
        if name == file.name {
            if let Some((max, code)) = file.max {
                if up.files.len() > max {
                    return Err(AppError::Invalid(code));
                }
            }
            let filename = field
                .file_name()
                .unwrap_or(file.default_filename)
                .to_string();
            let mime = field
                .content_type()
                .unwrap_or("application/octet-stream")
                .to_string();
            let data = field
                .bytes()
                .await
                .map_err(|_| AppError::Invalid(file.too_large))?;
            up.files.push((filename, mime, data.to_vec()));
        } else {
            let v = field
                .text()
                .await
                .map_err(|_| AppError::Invalid("bad_form"))?;
            if linli_domain::text::has_control(&v) {
                return Err(AppError::Invalid("control_character"));
            }
            up.fields.insert(name, v);
        }
    }
    Ok(up)
}
