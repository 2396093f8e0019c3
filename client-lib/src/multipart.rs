//! A `multipart/form-data` body (RFC 7578) of named binary parts, as `POST
//! /v1/reports` takes a report with its attachments file (`docs/PROTOCOL.md` §6.3.4).
//! Only writing: the server reads them with axum's parser.

use rand::RngCore;

/// A body of `parts` (name, bytes), each `application/octet-stream`, and the
/// `Content-Type` that names its boundary.
pub fn form_data(parts: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let mut random = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut random);
    let boundary = format!("jasmine-{}", hex::encode(random));
    let size: usize = parts.iter().map(|(_, b)| b.len() + 160).sum();
    let mut body = Vec::with_capacity(size + 64);
    for (name, bytes) in parts {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_framed_by_a_boundary_absent_from_them() {
        let (content_type, body) = form_data(&[("report", b"age..."), ("attachments", b"\r\n--")]);
        let boundary = content_type.split("boundary=").nth(1).unwrap();
        let text = String::from_utf8_lossy(&body);
        assert_eq!(text.matches(&format!("--{boundary}\r\n")).count(), 2);
        assert!(text.ends_with(&format!("--{boundary}--\r\n")));
        assert!(text.contains("name=\"attachments\""));
    }
}
