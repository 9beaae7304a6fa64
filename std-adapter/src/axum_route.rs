//! A `/metrics` route for [axum](https://docs.rs/axum) (feature `axum`): the same negotiated
//! answer as the standalone [`ScrapeServer`](crate::ScrapeServer), from a handler of an axum
//! service you already run.

use std::sync::Arc;

use ::axum::http::header::{HeaderValue, ACCEPT, CONTENT_TYPE};
use ::axum::http::{HeaderMap, StatusCode};
use ::axum::response::{IntoResponse, Response};
use ::axum::routing::{get, MethodRouter};

use crate::gather::Gather;
use crate::scrape::serve::document;

/// The answer to a scrape of `source` with these request headers: the format, name escaping
/// and `Content-Type` negotiated from the `Accept` headers by [`edgeprom::negotiate`]
/// (OpenMetrics, text 1.0.0 or 0.0.4, and protobuf when `source` writes it and the scraper
/// asks for it first), or 500 with the reason for a collector that fails or panics.
///
/// For a handler of your own (to add authentication, say); [`metrics_route`] is the one-line
/// route. Encoding is synchronous and runs on the handler's task: for a registry of thousands
/// of series, the few milliseconds it takes may be better spent in `spawn_blocking`.
///
/// ```
/// use std::sync::Arc;
/// use axum::{extract::State, http::HeaderMap, response::Response, routing::get, Router};
/// use edgeprom_std::{metrics_response, DynRegistry};
///
/// async fn metrics(State(registry): State<Arc<DynRegistry>>, headers: HeaderMap) -> Response {
///     metrics_response(&headers, &*registry)
/// }
/// let app: Router = Router::new()
///     .route("/metrics", get(metrics))
///     .with_state(Arc::new(DynRegistry::new()));
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub fn metrics_response(headers: &HeaderMap, source: &dyn Gather) -> Response {
    let mut accept = String::new();
    for value in headers.get_all(ACCEPT) {
        if !accept.is_empty() {
            accept.push(',');
        }
        accept.push_str(String::from_utf8_lossy(value.as_bytes()).trim());
    }
    let doc = document(&accept, source);
    let status = StatusCode::from_u16(doc.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let content_type = HeaderValue::from_static(doc.content_type);
    (status, [(CONTENT_TYPE, content_type)], doc.body).into_response()
}

/// A `GET` (and `HEAD`) route that serves `source`, negotiated as [`metrics_response`] does:
/// the whole `/metrics` endpoint in one line of a [`Router`](::axum::Router) of any state.
///
/// ```
/// use std::sync::Arc;
/// use axum::Router;
/// use edgeprom::Counter;
/// use edgeprom_std::{metrics_route, DynMetric, DynRegistry};
///
/// let registry = Arc::new(DynRegistry::new());
/// let hits = Arc::new(DynMetric::<Counter>::new("hits", "Requests served")?);
/// registry.register(hits.clone())?;
/// let app: Router = Router::new().route("/metrics", metrics_route(registry));
/// // axum::serve(tokio::net::TcpListener::bind("0.0.0.0:9100").await?, app).await?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub fn metrics_route<S>(source: Arc<dyn Gather>) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    get(move |headers: HeaderMap| {
        let source = Arc::clone(&source);
        async move { metrics_response(&headers, &*source) }
    })
}
