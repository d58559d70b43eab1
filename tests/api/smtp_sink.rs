//! A real SMTP server on loopback for the tests: it speaks the protocol (EHLO, MAIL, RCPT,
//! DATA, QUIT) over TCP and keeps every message it accepts, so that the service's mailer is
//! tested against the wire, not a mock. It can be stopped and started again on its port, and
//! it can be a relay that hangs or answers slowly after the message's data.
//! The process tests (`tests/process`) share this file.

// Each test target uses a part of it.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A message as delivered: its envelope sender and recipients and its raw text.
#[derive(Debug, Clone)]
pub struct Delivered {
    pub from: String,
    pub rcpt: Vec<String>,
    pub data: String,
}

/// What the sink does once a message's data has arrived.
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    /// Accepts it at once.
    Accept,
    /// Accepts it after a pause.
    After(Duration),
    /// Never answers: the message counts as not delivered, and the connection stays open until
    /// the sender gives up.
    Hang,
}

pub struct Sink {
    pub port: u16,
    pub received: Arc<Mutex<Vec<Delivered>>>,
    /// Messages whose data arrived but that were never answered.
    pub hung: Arc<Mutex<Vec<Delivered>>>,
    answer: Answer,
    task: Option<JoinHandle<()>>,
}

impl Sink {
    pub async fn start() -> Self {
        Self::answering(Answer::Accept).await
    }

    pub async fn answering(answer: Answer) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let hung = Arc::new(Mutex::new(Vec::new()));
        let task =
            Some(tokio::spawn(serve(listener, Arc::clone(&received), Arc::clone(&hung), answer)));
        Self { port, received, hung, answer, task }
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
        self.task = Some(tokio::spawn(serve(
            listener,
            Arc::clone(&self.received),
            Arc::clone(&self.hung),
            self.answer,
        )));
    }

    pub fn messages(&self) -> Vec<Delivered> {
        self.received.lock().unwrap().clone()
    }

    pub fn hung_messages(&self) -> Vec<Delivered> {
        self.hung.lock().unwrap().clone()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn serve(
    listener: TcpListener,
    received: Arc<Mutex<Vec<Delivered>>>,
    hung: Arc<Mutex<Vec<Delivered>>>,
    answer: Answer,
) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { return };
        let received = Arc::clone(&received);
        let hung = Arc::clone(&hung);
        tokio::spawn(async move {
            let (read, mut write) = stream.into_split();
            let mut lines = BufReader::new(read).lines();
            let _ = write.write_all(b"220 sink ESMTP\r\n").await;
            let mut from = String::new();
            let mut rcpt = Vec::new();
            while let Ok(Some(line)) = lines.next_line().await {
                let upper = line.to_uppercase();
                let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                    b"250-sink\r\n250 8BITMIME\r\n"
                } else if upper.starts_with("MAIL FROM") {
                    rcpt.clear();
                    from = line.split(['<', '>']).nth(1).unwrap_or_default().to_owned();
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
                    let message =
                        Delivered { from: from.clone(), rcpt: std::mem::take(&mut rcpt), data };
                    match answer {
                        Answer::Accept => {}
                        Answer::After(pause) => tokio::time::sleep(pause).await,
                        Answer::Hang => {
                            hung.lock().unwrap().push(message);
                            // Holds the connection without a word until the sender closes it.
                            while let Ok(Some(_)) = lines.next_line().await {}
                            return;
                        }
                    }
                    received.lock().unwrap().push(message);
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
