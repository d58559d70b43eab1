//! One simulated user's HTTP/1.1 connection to the service: kept alive across requests, as a
//! browser or an integration would, so that what is timed is the service and not TCP set-up.
//! When the service has closed it (a pause longer than `http_timeout_seconds`), the next
//! request opens a new one, as a browser does.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Method, Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// An open connection, authenticated by a bearer token.
pub struct Connection {
    sender: SendRequest<Full<Bytes>>,
    addr: SocketAddr,
    host: String,
    bearer: String,
}

/// What came back, and how long it took from sending the request to the last byte of the body.
pub struct Answer {
    pub status: StatusCode,
    pub body: Bytes,
    pub latency: Duration,
}

impl Connection {
    /// Opens a connection to `addr`.
    ///
    /// # Errors
    /// The server does not accept it.
    pub async fn open(addr: SocketAddr, token: &str) -> Result<Self, String> {
        Ok(Self {
            sender: handshake(addr).await?,
            addr,
            host: addr.to_string(),
            bearer: format!("Bearer {token}"),
        })
    }

    /// Sends one request with an optional JSON body and reads the whole answer.
    ///
    /// # Errors
    /// The connection broke.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        json: Option<String>,
    ) -> Result<Answer, String> {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, &self.host)
            .header(header::AUTHORIZATION, &self.bearer);
        if json.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/json");
        }
        let request = request
            .body(Full::new(Bytes::from(json.unwrap_or_default())))
            .map_err(|e| e.to_string())?;
        let started = Instant::now();
        if self.sender.is_closed() {
            self.sender = handshake(self.addr).await?;
        }
        self.sender.ready().await.map_err(|e| e.to_string())?;
        let response = self.sender.send_request(request).await.map_err(|e| e.to_string())?;
        let status = response.status();
        let body = response.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
        Ok(Answer { status, body, latency: started.elapsed() })
    }
}

async fn handshake(addr: SocketAddr) -> Result<SendRequest<Full<Bytes>>, String> {
    let stream = TcpStream::connect(addr).await.map_err(|e| format!("connect {addr}: {e}"))?;
    // Requests are small and answered at once: Nagle's delay would be measured, not the service.
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let (sender, connection) =
        http1::handshake(TokioIo::new(stream)).await.map_err(|e| e.to_string())?;
    tokio::spawn(connection);
    Ok(sender)
}
