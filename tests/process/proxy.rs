//! A TCP proxy on loopback in front of the PostgreSQL server that can stop passing bytes in
//! both directions, as a network partition does: connections stay open, nothing arrives, no
//! error is reported, until it passes bytes again.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

pub struct Proxy {
    pub port: u16,
    stalled: Arc<AtomicBool>,
    task: JoinHandle<()>,
}

impl Proxy {
    /// Forwards a free loopback port to `target` (`host:port`).
    pub async fn start(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let port = listener.local_addr().unwrap().port();
        let stalled = Arc::new(AtomicBool::new(false));
        let task = tokio::spawn(accept(listener, target, Arc::clone(&stalled)));
        Self { port, stalled, task }
    }

    /// Stops (or resumes) passing bytes on every connection, open or new.
    pub fn stall(&self, stalled: bool) {
        self.stalled.store(stalled, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept(listener: TcpListener, target: String, stalled: Arc<AtomicBool>) {
    loop {
        let Ok((client, _)) = listener.accept().await else { return };
        let Ok(server) = TcpStream::connect(&target).await else { continue };
        let (client_read, client_write) = client.into_split();
        let (server_read, server_write) = server.into_split();
        tokio::spawn(pass(client_read, server_write, Arc::clone(&stalled)));
        tokio::spawn(pass(server_read, client_write, Arc::clone(&stalled)));
    }
}

async fn pass(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    stalled: Arc<AtomicBool>,
) {
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let Ok(n) = from.read(&mut buffer).await else { return };
        if n == 0 {
            return;
        }
        // Held while stalled, as if lost and retransmitted once the network is back.
        while stalled.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if to.write_all(&buffer[..n]).await.is_err() {
            return;
        }
    }
}
