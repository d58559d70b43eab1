//! A real SMTP server on loopback for the tests: it speaks the protocol (EHLO, MAIL, RCPT,
//! DATA, QUIT) over TCP and keeps every message it accepts, so that the service's mailer is
//! tested against the wire, not a mock. It can be stopped and started again on its port.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A message as delivered: its envelope recipients and its raw text.
#[derive(Debug, Clone)]
pub struct Delivered {
    pub rcpt: Vec<String>,
    pub data: String,
}

pub struct Sink {
    pub port: u16,
    pub received: Arc<Mutex<Vec<Delivered>>>,
    task: Option<JoinHandle<()>>,
}

impl Sink {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let task = Some(tokio::spawn(serve(listener, Arc::clone(&received))));
        Self { port, received, task }
    }

    /// Stops accepting: the port refuses connections.
    pub fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }

    /// Accepts again on the same port.
    pub async fn restart(&mut self) {
        self.stop();
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.expect("the port again");
        self.task = Some(tokio::spawn(serve(listener, Arc::clone(&self.received))));
    }

    pub fn messages(&self) -> Vec<Delivered> {
        self.received.lock().unwrap().clone()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn serve(listener: TcpListener, received: Arc<Mutex<Vec<Delivered>>>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { return };
        let received = Arc::clone(&received);
        tokio::spawn(async move {
            let (read, mut write) = stream.into_split();
            let mut lines = BufReader::new(read).lines();
            let _ = write.write_all(b"220 sink ESMTP\r\n").await;
            let mut rcpt = Vec::new();
            while let Ok(Some(line)) = lines.next_line().await {
                let upper = line.to_uppercase();
                let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                    b"250-sink\r\n250 8BITMIME\r\n"
                } else if upper.starts_with("MAIL FROM") {
                    rcpt.clear();
                    b"250 ok\r\n"
                } else if upper.starts_with("RCPT TO") {
                    rcpt.push(line[8..].trim().trim_matches(['<', '>', ':']).to_owned());
                    b"250 ok\r\n"
                } else if upper.starts_with("DATA") {
                    let _ = write.write_all(b"354 go ahead\r\n").await;
                    let mut data = String::new();
                    while let Ok(Some(l)) = lines.next_line().await {
                        if l == "." {
                            break;
                        }
                        data.push_str(
                            l.strip_prefix('.').filter(|_| l.starts_with("..")).unwrap_or(&l),
                        );
                        data.push('\n');
                    }
                    received
                        .lock()
                        .unwrap()
                        .push(Delivered { rcpt: std::mem::take(&mut rcpt), data });
                    b"250 queued\r\n"
                } else if upper.starts_with("QUIT") {
                    let _ = write.write_all(b"221 bye\r\n").await;
                    return;
                } else {
                    b"250 ok\r\n"
                };
                if write.write_all(reply).await.is_err() {
                    return;
                }
            }
        });
    }
}
