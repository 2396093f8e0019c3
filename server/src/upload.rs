//! Reading `multipart/form-data` bodies (RFC 7578): a report with its attachments
//! file (`POST /v1/reports`, `docs/PROTOCOL.md` §6.3.4), and the report form without
//! JavaScript when it carries images. The body has already been read within the
//! route's size limit and deadline; this only splits it, with a bound on the number
//! of parts and on the size of each part's headers, and refuses any part it was not
//! told to expect.

use axum::http::{header, HeaderMap};
use bytes::Bytes;

/// One part of a body.
pub struct Part {
    /// Its `name`.
    pub name: String,
    /// Whether it came from a file input (it has a `filename`, even an empty one).
    pub is_file: bool,
    /// Its bytes.
    pub bytes: Bytes,
}

impl std::fmt::Debug for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Part")
            .field("name", &self.name)
            .field("size", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

/// The boundary of a `multipart/form-data` request, if it is one.
pub fn form_data_boundary(headers: &HeaderMap) -> Option<String> {
    let content_type = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let mime: mime_lite::Mime = content_type.parse().ok()?;
    (mime.essence == "multipart/form-data").then_some(mime.boundary?)
}

/// Splits `body` into its parts: at most `max_parts`, each named one of `allowed`
/// (any name when `allowed` is empty).
/// The error says what is wrong, for a `400`.
pub async fn parts(
    boundary: &str,
    body: Bytes,
    allowed: &[&str],
    max_parts: usize,
) -> Result<Vec<Part>, String> {
    let mut constraints = multer::Constraints::new()
        .size_limit(multer::SizeLimit::new().whole_stream(body.len() as u64 + 1));
    if !allowed.is_empty() {
        constraints = constraints.allowed_fields(allowed.to_vec());
    }
    let stream = futures::stream::once(async move { Ok::<Bytes, std::convert::Infallible>(body) });
    let mut multipart = multer::Multipart::with_constraints(stream, boundary, constraints);
    let mut parts = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Err(describe(&e)),
        };
        if parts.len() == max_parts {
            return Err(format!("more than {max_parts} parts"));
        }
        let name = field.name().unwrap_or_default().to_string();
        let is_file = field.file_name().is_some();
        let bytes = field.bytes().await.map_err(|e| describe(&e))?;
        parts.push(Part {
            name,
            is_file,
            bytes,
        });
    }
    Ok(parts)
}

fn describe(e: &multer::Error) -> String {
    match e {
        multer::Error::UnknownField { field_name } => format!(
            "a part named '{}' was not expected",
            field_name
                .as_deref()
                .unwrap_or("")
                .chars()
                .take(40)
                .filter(|c| !c.is_control())
                .collect::<String>()
        ),
        _ => "not a well-formed multipart/form-data body".into(),
    }
}

/// The little of a media type that is needed: its essence and its `boundary`.
mod mime_lite {
    pub struct Mime {
        pub essence: String,
        pub boundary: Option<String>,
    }

    impl std::str::FromStr for Mime {
        type Err = ();
        fn from_str(text: &str) -> Result<Mime, ()> {
            let mut pieces = text.split(';');
            let essence = pieces.next().ok_or(())?.trim().to_ascii_lowercase();
            let boundary = pieces.find_map(|p| {
                let (key, value) = p.split_once('=')?;
                key.trim()
                    .eq_ignore_ascii_case("boundary")
                    .then(|| value.trim().trim_matches('"').to_string())
                    .filter(|b| (1..=70).contains(&b.len()))
            });
            Ok(Mime { essence, boundary })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(boundary: &str, parts: &[(&str, Option<&str>, &[u8])]) -> Bytes {
        let mut out = Vec::new();
        for (name, file, bytes) in parts {
            let file = file
                .map(|f| format!("; filename=\"{f}\""))
                .unwrap_or_default();
            out.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"{file}\r\n\r\n"
                )
                .as_bytes(),
            );
            out.extend_from_slice(bytes);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        out.into()
    }

    #[tokio::test]
    async fn parts_come_out_named_and_strangers_are_refused() {
        let b = "xyz";
        let got = parts(
            b,
            body(
                b,
                &[("report", None, b"R"), ("attachments", Some(""), b"A\r\n")],
            ),
            &["report", "attachments"],
            2,
        )
        .await
        .unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(
            (got[0].name.as_str(), got[0].is_file, &got[0].bytes[..]),
            ("report", false, &b"R"[..])
        );
        assert_eq!((got[1].is_file, &got[1].bytes[..]), (true, &b"A\r\n"[..]));
        let e = parts(b, body(b, &[("other", None, b"R")]), &["report"], 2)
            .await
            .unwrap_err();
        assert!(e.contains("'other'"), "{e}");
        let e = parts(
            b,
            body(
                b,
                &[
                    ("report", None, b"1"),
                    ("report", None, b"2"),
                    ("report", None, b"3"),
                ],
            ),
            &["report"],
            2,
        )
        .await
        .unwrap_err();
        assert!(e.contains("more than 2"), "{e}");
        assert!(
            parts(b, Bytes::from_static(b"--xyz\r\ngarbage"), &["report"], 2)
                .await
                .is_err()
        );
    }

    #[test]
    fn the_boundary_is_read_from_the_content_type() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            "multipart/form-data; boundary=\"a b\"".parse().unwrap(),
        );
        assert_eq!(form_data_boundary(&headers).as_deref(), Some("a b"));
        headers.insert(
            header::CONTENT_TYPE,
            "application/octet-stream".parse().unwrap(),
        );
        assert_eq!(form_data_boundary(&headers), None);
    }
}
