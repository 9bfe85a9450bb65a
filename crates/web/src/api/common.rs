//! What every API module shares: paging parameters.

use linli_app::Page;
use serde::Deserialize;
use utoipa::IntoParams;

/// `?page=&per_page=` of every list. Out-of-range values are refused (400), not clamped,
/// so a client learns the bounds the document states.
#[derive(Deserialize, IntoParams)]
#[serde(try_from = "RawPage")]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page number, from 1.
    #[param(minimum = 1)]
    pub page: Option<i64>,
    /// Rows per page, 1 to 200.
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<i64>,
}

#[derive(Deserialize)]
struct RawPage {
    page: Option<i64>,
    per_page: Option<i64>,
}

impl TryFrom<RawPage> for PageParams {
    type Error = &'static str;

    fn try_from(r: RawPage) -> Result<Self, Self::Error> {
        check_page(r.page, r.per_page)?;
        Ok(Self {
            page: r.page,
            per_page: r.per_page,
        })
    }
}

/// The bounds of `page` and `per_page`, for query structs that carry more parameters
/// (serde cannot flatten numbers out of a query string).
pub fn check_page(page: Option<i64>, per_page: Option<i64>) -> Result<(), &'static str> {
    if page.is_some_and(|p| p < 1) {
        return Err("page starts at 1");
    }
    if per_page.is_some_and(|n| !(1..=Page::MAX_SIZE).contains(&n)) {
        return Err("per_page is 1 to 200");
    }
    Ok(())
}

impl PageParams {
    /// The page asked for, `default` rows if the client did not say.
    pub fn page(&self, default: i64) -> Page {
        Page::new(self.page, self.per_page, default)
    }
}
