//! The client's address, for throttles and the audit trail. Directly connected clients
//! are who the socket says. Behind a reverse proxy every request comes from the proxy, so
//! one address would stand for everyone: when the socket's peer is a configured trusted
//! proxy (`--trusted-proxy`, `LINLI_TRUSTED_PROXIES`), the client is the nearest address
//! in `X-Forwarded-For` that is not itself a trusted proxy (or `X-Real-IP`). A header
//! sent by anyone else is ignored, so it cannot be forged to dodge a throttle.

use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

/// The client's IP address as text.
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(Self(
            client_ip(peer, &parts.headers, &state.config.trusted_proxies)
                .map_or_else(|| "unknown".to_string(), |ip| ip.to_string()),
        ))
    }
}

/// The client behind `peer`, trusting forwarding headers only from `trusted` proxies.
pub fn client_ip(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    // Read from the right: each trusted proxy appended the address it saw.
    if let Some(ip) = forwarded.iter().rev().find(|ip| !trusted.contains(ip)) {
        return Some(*ip);
    }
    headers
        .get("x-real-ip")
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.trim().parse().ok())
        .or(Some(peer))
}

/// Where the client reached us, `scheme://host`, for links a phone opens (QR codes, share
/// links) when no public URL is configured. Behind a trusted proxy its `X-Forwarded-Proto`
/// and `X-Forwarded-Host` say it (TLS ends at the proxy); from anyone else only the `Host`
/// header counts, over plain HTTP. A host with characters no host has is not used.
pub fn request_origin(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpAddr]) -> String {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let is_host = |h: &&str| {
        h.len() <= 255
            && h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
    };
    let behind_proxy = peer.is_some_and(|p| trusted.contains(&p));
    let scheme = match header("x-forwarded-proto") {
        Some(p) if behind_proxy && p.eq_ignore_ascii_case("https") => "https",
        _ => "http",
    };
    let host = behind_proxy
        .then(|| header("x-forwarded-host").filter(is_host))
        .flatten()
        .or_else(|| header("host").filter(is_host))
        .unwrap_or("127.0.0.1:8080");
    format!("{scheme}://{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_origin_follows_the_trusted_proxy_only() {
        let proxy: IpAddr = "127.0.0.1".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert("host", "127.0.0.1:8080".parse().unwrap());
        h.insert("x-forwarded-proto", "https".parse().unwrap());
        h.insert("x-forwarded-host", "linli.example.cn".parse().unwrap());
        assert_eq!(
            request_origin(Some(proxy), &h, &[proxy]),
            "https://linli.example.cn"
        );
        let stranger: IpAddr = "203.0.113.9".parse().unwrap();
        assert_eq!(
            request_origin(Some(stranger), &h, &[proxy]),
            "http://127.0.0.1:8080",
            "forged forwarding headers are ignored"
        );
        h.insert("x-forwarded-host", "evil.cn/<script>".parse().unwrap());
        assert_eq!(
            request_origin(Some(proxy), &h, &[proxy]),
            "https://127.0.0.1:8080"
        );
    }

    fn h(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.append(*k, v.parse().unwrap());
        }
        m
    }

    #[test]
    fn forwarding_headers_count_only_from_a_trusted_proxy() {
        let proxy: IpAddr = "127.0.0.1".parse().unwrap();
        let phone: IpAddr = "203.0.113.7".parse().unwrap();
        let xff = h(&[("x-forwarded-for", "198.51.100.1, 203.0.113.7")]);
        assert_eq!(client_ip(Some(proxy), &xff, &[proxy]), Some(phone));
        // Not from the proxy: the header is someone's claim, the socket is the truth.
        let stranger: IpAddr = "192.0.2.9".parse().unwrap();
        assert_eq!(client_ip(Some(stranger), &xff, &[proxy]), Some(stranger));
        // No proxy configured: never trusted.
        assert_eq!(client_ip(Some(proxy), &xff, &[]), Some(proxy));
        let real = h(&[("x-real-ip", "203.0.113.7")]);
        assert_eq!(client_ip(Some(proxy), &real, &[proxy]), Some(phone));
        assert_eq!(client_ip(Some(proxy), &h(&[]), &[proxy]), Some(proxy));
    }

    #[test]
    fn a_chain_of_trusted_proxies_is_skipped_from_the_right() {
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let xff = h(&[("x-forwarded-for", "1.2.3.4, 203.0.113.7, 10.0.0.1")]);
        assert_eq!(
            client_ip(Some(b), &xff, &[a, b]),
            Some("203.0.113.7".parse().unwrap()),
            "the left-most entries are whatever the client sent"
        );
    }
}
