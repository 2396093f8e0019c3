//! Plain HTTP to a `http://host:port` address: development, tests, an operator on
//! the server itself. Reporters use Tor instead (a later transport).

use std::time::Duration;

use tokio::net::TcpStream;

use super::{http1, ApiRequest, ApiResponse, Transport, TransportError};

/// Seconds to wait for a connection.
const CONNECT_TIMEOUT: u64 = 10;
/// Seconds to wait for a whole response.
const RESPONSE_TIMEOUT: u64 = 120;

/// Plain HTTP to one server.
#[derive(Clone, Debug)]
pub struct DirectHttp {
    authority: String,
    display: String,
}

impl DirectHttp {
    /// Parses `http://host[:port]`. HTTPS is not supported (use Tor, or loopback), nor is
    /// a path prefix: moderator requests are signed over the exact path the server sees.
    pub fn new(url: &str) -> Result<DirectHttp, TransportError> {
        let bad = |why: &str| TransportError::BadAddress(url.to_string(), why.to_string());
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| bad("only http:// addresses are supported by the direct transport"))?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
            None => (rest, ""),
        };
        if !path.is_empty() {
            return Err(bad(
                "give the server's address without a path, such as http://127.0.0.1:8080",
            ));
        }
        if authority.is_empty() || authority.contains('@') {
            return Err(bad("missing host"));
        }
        let authority = if authority
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        {
            authority.to_string()
        } else {
            format!("{authority}:80")
        };
        Ok(DirectHttp {
            authority,
            display: url.trim_end_matches('/').to_string(),
        })
    }

    async fn exchange(&self, request: ApiRequest) -> Result<ApiResponse, TransportError> {
        let stream = tokio::time::timeout(
            Duration::from_secs(CONNECT_TIMEOUT),
            TcpStream::connect(&self.authority),
        )
        .await
        .map_err(|_| TransportError::Timeout(CONNECT_TIMEOUT))?
        .map_err(|e| TransportError::Unreachable(self.display.clone(), e.to_string()))?;
        http1::send_over_stream(stream, &self.authority, request).await
    }
}

impl Transport for DirectHttp {
    async fn send(&self, request: ApiRequest) -> Result<ApiResponse, TransportError> {
        tokio::time::timeout(
            Duration::from_secs(RESPONSE_TIMEOUT),
            self.exchange(request),
        )
        .await
        .map_err(|_| TransportError::Timeout(RESPONSE_TIMEOUT))?
    }

    fn isolated(&self) -> Self {
        self.clone()
    }

    fn audience(&self) -> String {
        crate::api_auth::audience_of_authority(&self.authority)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_addresses() {
        assert_eq!(
            DirectHttp::new("http://127.0.0.1:8080/").unwrap().authority,
            "127.0.0.1:8080"
        );
        assert_eq!(
            DirectHttp::new("http://localhost").unwrap().authority,
            "localhost:80"
        );
        assert!(
            DirectHttp::new("http://localhost/jasmine").is_err(),
            "a path prefix would break signatures"
        );
        assert!(DirectHttp::new("https://example.org").is_err());
        assert!(DirectHttp::new("127.0.0.1:8080").is_err());
    }
}
