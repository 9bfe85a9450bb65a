//! The JSON API under `/api/v1`, for mobile clients and integrations, described by
//! the OpenAPI document at `/api/openapi.json` generated from these handlers.
//! Authentication: `POST /api/v1/sessions` returns a token to send as
//! `Authorization: Bearer <token>`; browser sessions work too, with `X-CSRF-Token`.

mod clubs;
mod common;
mod deliberation;
mod grants;
mod jobs;
mod money;
mod notifications;
mod search;
mod v1;

use crate::state::AppState;
use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;

pub fn router() -> Router<AppState> {
    Router::new()
        .nest(
            "/api/v1",
            v1::router()
                .merge(money::router())
                .merge(grants::router())
                .merge(clubs::router())
                .merge(deliberation::router())
                .merge(jobs::router())
                .merge(notifications::router())
                .merge(search::router()),
        )
        .route("/api/openapi.json", get(openapi))
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    let mut doc = v1::ApiDoc::openapi();
    doc.merge(money::MoneyDoc::openapi());
    doc.merge(grants::GrantsDoc::openapi());
    doc.merge(clubs::ClubsDoc::openapi());
    doc.merge(deliberation::doc());
    doc.merge(jobs::JobsDoc::openapi());
    doc.merge(notifications::NotificationsDoc::openapi());
    doc.merge(search::SearchDoc::openapi());
    complete(&mut doc);
    Json(doc)
}

/// What every operation shares, written once instead of on 111 handlers: every refusal
/// has the same body (`{"error": {"code", "message"}}`) whatever its status, so each
/// operation documents it as its `default` response; and uploads take the file itself as
/// the body, in one of the accepted image or PDF types.
fn complete(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::request_body::RequestBodyBuilder;
    use utoipa::openapi::{ContentBuilder, ObjectBuilder, Ref, ResponseBuilder, Type};
    let error = ResponseBuilder::new()
        .description(
            "Refused or failed: the error's stable code and a message in the caller's language",
        )
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ApiErrorBody")))
                .build(),
        )
        .build();
    let file = || {
        let binary = ObjectBuilder::new()
            .schema_type(Type::String)
            .content_media_type("application/octet-stream")
            .build();
        let mut b = RequestBodyBuilder::new()
            .description(Some("The file itself; its Content-Type names the type"))
            .required(Some(utoipa::openapi::Required::True));
        for mime in [
            "image/jpeg",
            "image/png",
            "image/webp",
            "image/gif",
            "application/pdf",
        ] {
            b = b.content(
                mime,
                ContentBuilder::new().schema(Some(binary.clone())).build(),
            );
        }
        b.build()
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        let upload = path.ends_with("/vouchers") || path.ends_with("/photos");
        if let Some(op) = item
            .post
            .as_mut()
            .filter(|op| upload && op.request_body.is_none())
        {
            op.request_body = Some(file().into());
        }
        let ops = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.delete,
            &mut item.patch,
        ];
        for op in ops.into_iter().flatten() {
            op.responses
                .responses
                .entry("default".into())
                .or_insert_with(|| error.clone().into());
        }
    }
}
