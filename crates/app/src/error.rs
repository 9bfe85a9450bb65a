//! The one error type of the use cases. Every variant but `Internal` carries a stable
//! snake_case code that the web layer turns into a localized message and a 4xx status;
//! internal causes are logged and never shown.

use linli_domain::DomainError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The input was refused (400/422).
    #[error("invalid: {0}")]
    Invalid(&'static str),
    /// Logging in is needed (401).
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    /// The caller's roles do not allow this here (403).
    #[error("forbidden")]
    Forbidden,
    /// No such thing (404).
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// The action conflicts with the current state (409).
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// Too many attempts; try later (429).
    #[error("too many: {0}")]
    TooMany(&'static str),
    /// A service outside Linli (the SMS provider) did not do its part; try later (503).
    #[error("unavailable: {0}")]
    Unavailable(&'static str),
    /// Something failed inside; the cause is logged.
    #[error("internal: {0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// The stable code clients and message catalogues use.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid(c) | Self::Unauthorized(c) | Self::NotFound(c) => c,
            Self::Conflict(c) | Self::TooMany(c) | Self::Unavailable(c) => c,
            Self::Forbidden => "forbidden",
            Self::Internal(_) => "internal",
        }
    }
}

impl From<DomainError> for AppError {
    fn from(e: DomainError) -> Self {
        Self::Invalid(e.code())
    }
}

impl From<sqlx::Error> for AppError {
    /// Keeps the whole source chain as the internal cause; it is logged once, where the
    /// error leaves the application (the web layer, with the request's id, or the job
    /// worker), never here as well.
    fn from(e: sqlx::Error) -> Self {
        Self::Internal(chain(&e))
    }
}

/// An error and its sources, outermost first: "a: b: c".
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !out.ends_with(&s_text) {
            out.push_str(": ");
            out.push_str(&s_text);
        }
        source = s.source();
    }
    out
}

/// Turns a unique-constraint violation into the user error `code`, and anything else
/// into an internal error: the one place constraint violations become user errors.
pub fn unique_as(code: &'static str) -> impl FnOnce(sqlx::Error) -> AppError {
    move |e| {
        if linli_store::is_unique_violation(&e) {
            AppError::Conflict(code)
        } else {
            AppError::from(e)
        }
    }
}
