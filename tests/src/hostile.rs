//! A hostile server for tests: a loopback HTTP proxy in front of a real Jasmine server
//! that passes every request through but answers some itself, as a server that was
//! seized or is lying would.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};

/// One request as the proxy read it.
pub struct Request {
    /// `POST`, `GET`…
    pub method: String,
    /// Path and query.
    pub target: String,
    /// The raw head (request line and headers, ending with the blank line).
    pub head: Vec<u8>,
    /// The body.
    pub body: Vec<u8>,
}

/// What the proxy answers instead of the upstream server: `(status, JSON body)`, or
/// `None` to pass the request through.
pub type Answer = dyn Fn(&Request) -> Option<(u16, String)> + Send + Sync;

/// Starts the proxy in front of `upstream` (`http://127.0.0.1:<port>`); returns its URL.
/// Every connection carries one request (`Connection: close`).
pub fn proxy(upstream: &str, answer: Box<Answer>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
    let url = format!("http://{}", listener.local_addr().expect("proxy address"));
    let upstream = upstream
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let answer: std::sync::Arc<Answer> = answer.into();
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            let (upstream, answer) = (upstream.clone(), answer.clone());
            std::thread::spawn(move || {
                let _ = serve(stream, &upstream, &*answer);
            });
        }
    });
    url
}

fn read_request(stream: &TcpStream) -> std::io::Result<Request> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut head = Vec::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        // One request per connection.
        if !line.to_ascii_lowercase().starts_with("connection:") {
            head.extend_from_slice(line.as_bytes());
        }
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let first = String::from_utf8_lossy(&head)
        .lines()
        .next()
        .unwrap_or("")
        .to_string();
    let mut parts = first.split_whitespace();
    Ok(Request {
        method: parts.next().unwrap_or("").to_string(),
        target: parts.next().unwrap_or("").to_string(),
        head,
        body,
    })
}

fn serve(mut stream: TcpStream, upstream: &str, answer: &Answer) -> std::io::Result<()> {
    let request = read_request(&stream)?;
    if let Some((status, json)) = answer(&request) {
        let response = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{json}",
            json.len()
        );
        return stream.write_all(response.as_bytes());
    }
    let mut server = TcpStream::connect(upstream)?;
    // The head without its blank line, then `Connection: close`.
    let head = &request.head[..request.head.len().saturating_sub(2)];
    server.write_all(head)?;
    server.write_all(b"connection: close\r\n\r\n")?;
    server.write_all(&request.body)?;
    let mut response = Vec::new();
    server.read_to_end(&mut response)?;
    stream.write_all(&response)
}
