//! `ClientAddress`: the address a request came from, for the login throttles. It is the
//! connection's peer; only when that peer is one of the `trusted_proxies` does the
//! `X-Forwarded-For` header name the client: its right-most entry that is not a trusted proxy.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::app::AppState;

/// The client's address; unspecified (`0.0.0.0`) when the request came without a connection,
/// as in tests that drive the router directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

/// The client behind `peer`, given the proxies trusted to name it.
#[must_use]
pub fn client_of(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .collect();
    // From the right: each trusted proxy names the one before it. The first entry that is not
    // a trusted proxy is the client; an entry that does not parse was written by whoever
    // stands before the last trusted hop, and nothing left of it can be believed.
    let mut client = peer;
    for entry in entries.iter().rev() {
        match entry.trim().parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => client = ip,
            Ok(ip) => return ip,
            Err(_) => return client,
        }
    }
    client
}

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ConnectInfo(peer)| peer.ip());
        Ok(Self(client_of(peer, &parts.headers, &state.settings.trusted_proxies)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Ok(value) = value.parse() {
            headers.insert("x-forwarded-for", value);
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }

    #[test]
    fn forwarded_for_counts_only_from_a_trusted_proxy() {
        let proxy = ip("10.0.0.1");
        let sent = headers("203.0.113.9, 198.51.100.7");
        assert_eq!(client_of(ip("192.0.2.5"), &sent, &[proxy]), ip("192.0.2.5"));
        assert_eq!(client_of(proxy, &sent, &[proxy]), ip("198.51.100.7"));
        // A chain of trusted proxies is walked back to the first address not among them.
        let chain = headers("203.0.113.9, 10.0.0.2");
        assert_eq!(client_of(proxy, &chain, &[proxy, ip("10.0.0.2")]), ip("203.0.113.9"));
        assert_eq!(client_of(proxy, &headers("nonsense"), &[proxy]), proxy);
        // An address the client wrote before an entry that does not parse is not believed.
        assert_eq!(client_of(proxy, &headers("1.2.3.4, junk"), &[proxy]), proxy);
        assert_eq!(
            client_of(proxy, &headers("1.2.3.4, junk, 203.0.113.9"), &[proxy]),
            ip("203.0.113.9")
        );
    }
}
