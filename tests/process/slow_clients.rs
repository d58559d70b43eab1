//! Slow and idle clients against the real server: a socket that sends nothing, headers sent a
//! byte at a time, a body that stops half way, and more connections than the cap. Each is cut
//! off within a few seconds of `http_timeout_seconds`, and the service goes on answering.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::harness::{Scratch, Server, get};

/// How long a test waits for a cut; with `http_timeout_seconds` at 2, each comes well before.
const CUT_WITHIN: Duration = Duration::from_secs(10);

async fn connect(port: u16) -> TcpStream {
    TcpStream::connect(("127.0.0.1", port)).await.expect("the server accepts")
}

/// How long until the server closes the connection (reads give end of file or an error),
/// reading whatever it answers meanwhile; `None` if it is still open after [`CUT_WITHIN`].
async fn closed_after(reader: &mut (impl AsyncReadExt + Unpin)) -> Option<Duration> {
    let started = Instant::now();
    let mut buffer = [0u8; 1024];
    let closed = tokio::time::timeout(CUT_WITHIN, async {
        loop {
            match reader.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    closed.is_ok().then(|| started.elapsed())
}

#[tokio::test]
async fn slow_and_idle_clients_are_cut_off_and_connections_are_capped() {
    let (scratch, _db) = Scratch::with_demo_data().await;
    let settings = [
        ("SPRACHPOOL_HTTP_TIMEOUT_SECONDS", "2".to_owned()),
        ("SPRACHPOOL_MAX_CONNECTIONS", "4".to_owned()),
    ];
    let server = Server::start(&scratch, "slow", &settings).await;
    let port = server.port;

    // More connections than the cap: the one beyond it is closed at once.
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(connect(port).await);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut beyond = connect(port).await;
    let cut = closed_after(&mut beyond).await.expect("the fifth connection is closed");
    assert!(cut < Duration::from_secs(1), "closed after {cut:?}");

    // The idle ones go after the timeout, and then the service answers again.
    for mut idle in held {
        let cut = closed_after(&mut idle).await.expect("an idle connection is closed");
        assert!(cut < Duration::from_secs(5), "closed after {cut:?}");
    }
    assert_eq!(get(port, "/healthz", None).await.expect("answered").status, 200);

    // Headers a byte a second: cut off once the 2 s for the headers are over.
    let (mut reader, mut writer) = connect(port).await.into_split();
    let drip = tokio::spawn(async move {
        for byte in b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: aaaaaaaaaaaaaaaaaaaa" {
            if writer.write_all(&[*byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    let cut = closed_after(&mut reader).await.expect("slow headers are cut off");
    assert!(cut < Duration::from_secs(5), "closed after {cut:?}");
    drip.abort();

    // A body that stops after its first byte: answered or cut off after a 2 s pause.
    let mut stream = connect(port).await;
    stream
        .write_all(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\n\
              Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
        )
        .await
        .expect("the head is sent");
    let cut = closed_after(&mut stream).await.expect("a stalled body is cut off");
    assert!(cut < Duration::from_secs(6), "closed after {cut:?}");

    assert_eq!(get(port, "/healthz", None).await.expect("answered").status, 200);
    drop(server);
}
