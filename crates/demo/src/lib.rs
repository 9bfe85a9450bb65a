//! The demo community and the load-test fillers, kept out of the production `app` crate.
//!
//! The demo is the base (the region tree of two streets and four communities, households,
//! accounts, organizations, ledgers and clubs: `base`) and then one story per area, listed
//! in [`STORIES`] in the order they are told. A new area adds its module here and one line
//! to `STORIES`; nothing else changes.

pub mod base;
pub mod deliberation;
pub mod fill;

pub use base::{DEMO_PASSWORD, DemoLogin, logins, seed_base};

use linli_app::AppResult;
use linli_store::Db;
use std::future::Future;
use std::pin::Pin;

/// The people and places a story may use, found in the base data.
pub use deliberation::Cast;

/// A story told on top of the base data.
pub struct Story {
    /// The area it shows, for logs and errors.
    pub area: &'static str,
    pub seed:
        for<'a> fn(&'a Db, Cast<'a>) -> Pin<Box<dyn Future<Output = AppResult<()>> + Send + 'a>>,
}

/// Every area's story, in order.
pub const STORIES: &[Story] = &[Story {
    area: "deliberation",
    seed: |db, cast| Box::pin(deliberation::seed_garden_story(db, cast)),
}];

/// Seeds an empty database; returns the demo logins. Does nothing but return the
/// logins if the database already holds regions.
pub async fn seed(db: &Db) -> AppResult<Vec<DemoLogin>> {
    if !linli_store::regions::is_empty(db).await? {
        return Ok(logins());
    }
    let logins = seed_base(db).await?;
    seed_stories(db).await?;
    Ok(logins)
}

/// The stories told on top of the base data. Tests seed the base only, so each scenario
/// starts without bodies, issues or votes, and one scenario seeds the stories to check
/// what they tell.
pub async fn seed_stories(db: &Db) -> AppResult<()> {
    let (community, compound, users) = base::cast(db).await?;
    for story in STORIES {
        (story.seed)(
            db,
            Cast {
                community,
                compound,
                users: &users,
            },
        )
        .await?;
    }
    Ok(())
}
