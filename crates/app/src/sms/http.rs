//! One HTTPS POST, for the SMS providers: a connection per message (a few an hour), TLS by
//! rustls with Mozilla's roots built in (no system store needed), ten seconds in all.
//! Plain `http://` is accepted too, for a local fake endpoint in tests or an outbound
//! gateway on the same machine.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(10);

/// Where a request goes: scheme, host, port and path of an endpoint URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub tls: bool,
    pub host: String,
    pub port: u16,
    pub path: String,
}

impl Endpoint {
    /// Parses `https://host[:port][/path]` or `http://…`.
    pub fn parse(url: &str) -> Result<Self, String> {
        let (tls, rest) = if let Some(r) = url.strip_prefix("https://") {
            (true, r)
        } else if let Some(r) = url.strip_prefix("http://") {
            (false, r)
        } else {
            return Err(format!(
                "endpoint {url:?}: expected https://host/ or http://host/"
            ));
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (
                h,
                p.parse()
                    .map_err(|_| format!("endpoint {url:?}: bad port {p:?}"))?,
            ),
            None => (authority, if tls { 443 } else { 80 }),
        };
        if host.is_empty() {
            return Err(format!("endpoint {url:?}: no host"));
        }
        Ok(Self {
            tls,
            host: host.to_string(),
            port,
            path: path.to_string(),
        })
    }

    /// The `Host` header: the host, with the port when it is not the scheme's own.
    pub fn authority(&self) -> String {
        if self.port == if self.tls { 443 } else { 80 } {
            self.host.clone()
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// The answer: status code and body.
pub struct Answer {
    pub status: u16,
    pub body: String,
}

fn tls_config() -> Arc<rustls::ClientConfig> {
    static CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let roots = rustls::RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            };
            let config = rustls::ClientConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .expect("ring supports the default TLS versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
            Arc::new(config)
        })
        .clone()
}

/// POSTs `body` to `to` with `headers` (besides Host and Content-Length); fails on a
/// connection, TLS or timeout error, never on the status, which the caller reads.
pub async fn post(
    to: &Endpoint,
    headers: &[(&str, String)],
    body: Vec<u8>,
) -> Result<Answer, String> {
    tokio::time::timeout(TIMEOUT, post_inner(to, headers, body))
        .await
        .map_err(|_| format!("{}: no answer in {} s", to.host, TIMEOUT.as_secs()))?
}

async fn post_inner(
    to: &Endpoint,
    headers: &[(&str, String)],
    body: Vec<u8>,
) -> Result<Answer, String> {
    let tcp = tokio::net::TcpStream::connect((to.host.as_str(), to.port))
        .await
        .map_err(|e| format!("cannot connect to {}:{}: {e}", to.host, to.port))?;
    let mut req = hyper::Request::builder()
        .method("POST")
        .uri(to.path.as_str())
        .header("host", to.authority());
    for (k, v) in headers {
        req = req.header(*k, v.as_str());
    }
    let req = req
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| format!("request: {e}"))?;
    if to.tls {
        let name = rustls::pki_types::ServerName::try_from(to.host.clone())
            .map_err(|e| format!("{}: {e}", to.host))?;
        let tls = tokio_rustls::TlsConnector::from(tls_config())
            .connect(name, tcp)
            .await
            .map_err(|e| format!("TLS with {}: {e}", to.host))?;
        exchange(TokioIo::new(tls), req).await
    } else {
        exchange(TokioIo::new(tcp), req).await
    }
}

async fn exchange<IO>(io: IO, req: hyper::Request<Full<Bytes>>) -> Result<Answer, String>
where
    IO: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| format!("HTTP handshake: {e}"))?;
    tokio::spawn(conn);
    let res = sender
        .send_request(req)
        .await
        .map_err(|e| format!("HTTP request: {e}"))?;
    let status = res.status().as_u16();
    let bytes = res
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("HTTP body: {e}"))?
        .to_bytes();
    Ok(Answer {
        status,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    })
}

/// RFC 3986 percent-encoding: letters, digits and `-_.~` stay, every other byte is `%XY`
/// (what both providers' signatures expect; a space is `%20`, never `+`).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_parse_with_and_without_port() {
        let e = Endpoint::parse("https://dysmsapi.aliyuncs.com/").unwrap();
        assert_eq!(
            (e.tls, e.host.as_str(), e.port, e.path.as_str()),
            (true, "dysmsapi.aliyuncs.com", 443, "/")
        );
        assert_eq!(e.authority(), "dysmsapi.aliyuncs.com");
        let e = Endpoint::parse("http://127.0.0.1:9000").unwrap();
        assert_eq!((e.tls, e.port, e.path.as_str()), (false, 9000, "/"));
        assert_eq!(e.authority(), "127.0.0.1:9000");
        assert!(Endpoint::parse("ftp://x/").is_err());
        assert!(Endpoint::parse("https://:80/").is_err());
    }

    #[test]
    fn percent_encoding_is_rfc_3986() {
        assert_eq!(percent_encode("a b+c*~"), "a%20b%2Bc%2A~");
        assert_eq!(percent_encode("邻"), "%E9%82%BB");
    }
}
