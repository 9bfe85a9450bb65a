//! The JSON API under `/api/v1`, for mobile clients and integrations, described by
//! the OpenAPI document at `/api/openapi.json` generated from these handlers.
//! Authentication: `POST /api/v1/sessions` returns a token to send as
//! `Authorization: Bearer <token>`; browser sessions work too, with `X-CSRF-Token`.

mod clubs;
mod common;
mod deliberation;
mod grants;
mod imports;
mod jobs;
mod money;
mod notifications;
mod search;
mod v1;

use crate::state::AppState;
use axum::routing::get;
use axum::{Json, Router};
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// The API's routes and its OpenAPI document, built from one list: each area's router
/// registers its handlers with `routes!`, which reads the method and path from the
/// handler's `#[utoipa::path]`, so a route cannot be served without being documented,
/// nor documented without being served.
pub fn router() -> Router<AppState> {
    let (routes, doc) = routes_and_doc();
    let doc = Arc::new(doc);
    routes.route(
        "/api/openapi.json",
        get(move || {
            let doc = doc.clone();
            async move { Json(doc) }
        }),
    )
}

/// Every API route and the document describing exactly those routes.
pub fn routes_and_doc() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let mut base = v1::ApiDoc::openapi();
    for doc in [
        money::MoneyDoc::openapi(),
        imports::ImportsDoc::openapi(),
        grants::GrantsDoc::openapi(),
        clubs::ClubsDoc::openapi(),
        deliberation::doc(),
        jobs::JobsDoc::openapi(),
        notifications::NotificationsDoc::openapi(),
        search::SearchDoc::openapi(),
    ] {
        base.merge(doc);
    }
    let (routes, mut doc) = OpenApiRouter::with_openapi(base)
        .merge(v1::router())
        .merge(money::router())
        .merge(imports::router())
        .merge(grants::router())
        .merge(clubs::router())
        .merge(deliberation::router())
        .merge(jobs::router())
        .merge(notifications::router())
        .merge(search::router())
        .split_for_parts();
    complete(&mut doc);
    (routes, doc)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The document built with the routes lists every API operation under `/api/v1/`,
    /// each with the shared refusal as its default response.
    #[test]
    fn every_route_is_documented_once() {
        let (_, doc) = routes_and_doc();
        let mut ops = 0;
        for (path, item) in &doc.paths.paths {
            assert!(path.starts_with("/api/v1/"), "{path}");
            for op in [&item.get, &item.post, &item.put, &item.delete, &item.patch]
                .into_iter()
                .flatten()
            {
                ops += 1;
                assert!(op.responses.responses.contains_key("default"), "{path}");
            }
        }
        assert!(ops >= 110, "{ops} operations");
    }
}
