//! The router: `app(state)` is the whole HTTP surface, served on loopback (and, later,
//! on the onion service) and tested directly with `oneshot`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::MethodRouter;
use axum::Router;

use crate::error::ApiError;
use crate::routes::{check, mailbox, moderator, public};
use crate::state::AppState;

/// The API's routes, method and path: the one list the router is built from (each bound
/// to its handler by [`with_handler`]). `docs/openapi.yaml` and the table of
/// `docs/PROTOCOL.md` §6.2 list the same routes; a test holds the three together.
pub const API_ROUTES: &[(&str, &str)] = &[
    ("GET", "/v1/status"),
    ("GET", "/v1/openapi.json"),
    ("GET", "/v1/keys"),
    ("PUT", "/v1/keys"),
    ("GET", "/v1/puzzle"),
    ("POST", "/v1/reports"),
    ("GET", "/v1/alerts"),
    ("POST", "/v1/mailbox/read"),
    ("POST", "/v1/mailbox/answer"),
    ("POST", "/v1/mailbox/delete"),
    ("POST", "/v1/mod/mailbox/reply"),
    ("GET", "/v1/mod/messages"),
    ("GET", "/v1/mod/messages/{id}"),
    ("GET", "/v1/mod/messages/{id}/attachments"),
    ("POST", "/v1/mod/messages/{id}/ack"),
    ("GET", "/v1/mod/reports"),
    ("GET", "/v1/mod/reports/{id}"),
    ("GET", "/v1/mod/reports/{id}/attachments"),
    ("POST", "/v1/mod/reports/{id}/ack"),
    ("POST", "/v1/mod/alerts"),
    ("POST", "/v1/mod/retractions"),
    ("GET", "/v1/mod/published"),
    ("POST", "/v1/check"),
    ("GET", "/v1/checklist"),
    ("POST", "/v1/mod/check/evaluate"),
    ("POST", "/v1/mod/checklist"),
];

/// `methods` with the handler of `method` `path` added.
fn with_handler(
    methods: MethodRouter<AppState>,
    method: &str,
    path: &str,
) -> MethodRouter<AppState> {
    match (method, path) {
        ("GET", "/v1/status") => methods.get(public::status),
        ("GET", "/v1/openapi.json") => methods.get(public::openapi),
        ("GET", "/v1/keys") => methods.get(public::get_keys),
        ("PUT", "/v1/keys") => methods.put(public::put_keys),
        ("GET", "/v1/puzzle") => methods.get(public::puzzle),
        ("POST", "/v1/reports") => methods.post(public::submit_report),
        ("GET", "/v1/alerts") => methods.get(public::list_alerts),
        ("POST", "/v1/mailbox/read") => methods.post(mailbox::read),
        ("POST", "/v1/mailbox/answer") => methods.post(mailbox::answer),
        ("POST", "/v1/mailbox/delete") => methods.post(mailbox::delete),
        ("POST", "/v1/mod/mailbox/reply") => methods.post(mailbox::reply),
        ("GET", "/v1/mod/messages") => methods.get(mailbox::pending),
        ("GET", "/v1/mod/messages/{id}") => methods.get(mailbox::fetch),
        ("GET", "/v1/mod/messages/{id}/attachments") => methods.get(mailbox::fetch_attachments),
        ("POST", "/v1/mod/messages/{id}/ack") => methods.post(mailbox::acknowledge),
        ("GET", "/v1/mod/reports") => methods.get(moderator::pending),
        ("GET", "/v1/mod/reports/{id}") => methods.get(moderator::fetch),
        ("GET", "/v1/mod/reports/{id}/attachments") => methods.get(moderator::fetch_attachments),
        ("POST", "/v1/mod/reports/{id}/ack") => methods.post(moderator::acknowledge),
        ("POST", "/v1/mod/alerts") => methods.post(moderator::publish_alert),
        ("POST", "/v1/mod/retractions") => methods.post(moderator::publish_retraction),
        ("GET", "/v1/mod/published") => methods.get(moderator::published),
        ("POST", "/v1/check") => methods.post(check::check),
        ("GET", "/v1/checklist") => methods.get(check::list),
        ("POST", "/v1/mod/check/evaluate") => methods.post(check::evaluate_for_desk),
        ("POST", "/v1/mod/checklist") => methods.post(check::add_entries),
        // Only reached if API_ROUTES names a route without a handler here: every test
        // that builds the app would fail on it.
        _ => unreachable!("no handler for {method} {path}"),
    }
}

/// The Jasmine HTTP API.
pub fn app(state: AppState) -> Router {
    let mut router = Router::new();
    let mut paths: Vec<&str> = Vec::new();
    for (_, path) in API_ROUTES {
        if !paths.contains(path) {
            paths.push(path);
        }
    }
    for path in paths {
        let methods = API_ROUTES
            .iter()
            .filter(|(_, p)| *p == path)
            .fold(MethodRouter::new(), |methods, (method, _)| {
                with_handler(methods, method, path)
            });
        router = router.route(path, methods);
    }
    router
        .merge(crate::web::routes())
        .fallback(|| async { ApiError::not_found(crate::error::NO_SUCH_PATH) })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this endpoint does not take that method",
            )
        })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            count_writes,
        ))
        .layer(axum::middleware::map_response(privacy_headers))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::serve::body_deadline,
        ))
        .with_state(state)
}

/// Counts each anonymous write by path and outcome for the operator's metrics
/// (`crate::metrics`): nothing about who, when or what.
async fn count_writes(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = crate::metrics::WritePath::of(request.method(), request.uri().path());
    let response = next.run(request).await;
    if let Some(path) = path {
        let code = response
            .extensions()
            .get::<crate::metrics::RefusalCode>()
            .copied();
        let outcome = crate::metrics::outcome(response.status(), code);
        state.metrics().count_write(path, outcome);
    }
    response
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
