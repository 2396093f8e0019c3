//! HTTP/1.1 over any byte stream (a TCP socket today, a Tor stream later), with hyper.

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};

use super::{ApiRequest, ApiResponse, TransportError, MAX_RESPONSE_BYTES};

/// Sends `request` over `stream` as HTTP/1.1 with `Host: host` and reads the response.
pub(crate) async fn send_over_stream<S>(
    stream: S,
    host: &str,
    request: ApiRequest,
) -> Result<ApiResponse, TransportError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| TransportError::Protocol(e.to_string()))?;
    let driver = tokio::spawn(connection);
    let mut builder = http::Request::builder()
        .method(request.method)
        .uri(&request.path_and_query)
        .header(http::header::HOST, host);
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    let http_request = builder
        .body(Full::new(request.body))
        .map_err(|e| TransportError::Protocol(e.to_string()))?;
    let response = sender
        .send_request(http_request)
        .await
        .map_err(|e| TransportError::Protocol(e.to_string()))?;
    let (parts, body) = response.into_parts();
    let body: Bytes = Limited::new(body, MAX_RESPONSE_BYTES)
        .collect()
        .await
        .map_err(|e| TransportError::Protocol(e.to_string()))?
        .to_bytes();
    driver.abort();
    Ok(ApiResponse {
        status: parts.status,
        headers: parts.headers,
        body,
    })
}
