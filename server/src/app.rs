//! The router: `app(state)` is the whole HTTP surface, served on loopback (and, later,
//! on the onion service) and tested directly with `oneshot`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use crate::error::ApiError;
use crate::routes::{mailbox, moderator, public};
use crate::state::AppState;

/// The Jasmine HTTP API.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/v1/status", get(public::status))
        .route("/v1/keys", get(public::get_keys).put(public::put_keys))
        .route("/v1/puzzle", get(public::puzzle))
        .route("/v1/reports", post(public::submit_report))
        .route("/v1/alerts", get(public::list_alerts))
        .route("/v1/mailbox/read", post(mailbox::read))
        .route("/v1/mailbox/answer", post(mailbox::answer))
        .route("/v1/mailbox/delete", post(mailbox::delete))
        .route("/v1/mod/mailbox/reply", post(mailbox::reply))
        .route("/v1/mod/messages", get(mailbox::pending))
        .route("/v1/mod/messages/{id}", get(mailbox::fetch))
        .route("/v1/mod/messages/{id}/ack", post(mailbox::acknowledge))
        .route("/v1/mod/reports", get(moderator::pending))
        .route("/v1/mod/reports/{id}", get(moderator::fetch))
        .route("/v1/mod/reports/{id}/ack", post(moderator::acknowledge))
        .route("/v1/mod/alerts", post(moderator::publish_alert))
        .route("/v1/mod/retractions", post(moderator::publish_retraction))
        .route("/v1/mod/published", get(moderator::published))
        .merge(crate::web::routes())
        .fallback(|| async { ApiError::not_found(crate::error::NO_SUCH_PATH) })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this endpoint does not take that method",
            )
        })
        .layer(axum::middleware::map_response(privacy_headers))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::serve::body_deadline,
        ))
        .with_state(state)
}

/// Headers on every answer: nothing cached unless a handler says so, no referrer,
/// no content sniffing.
async fn privacy_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}
