//! The images chosen in a no-JS form's file input (the report form and the answer
//! form): read out of its `multipart/form-data` body with the text fields, and
//! scrubbed here, in memory, off the async threads (`docs/PROTOCOL.md` §4.12). What
//! the server does for her there, the page does in her browser when it can.

use jasmine_client::attachment::{self, MAX_ATTACHMENTS};
use jasmine_client::scrub;
use zeroize::Zeroizing;

use super::fields::FormFields;
use super::i18n::Tr;

/// Largest multipart form body: `text_bytes` of fields and five chosen files.
pub fn max_form_bytes(text_bytes: usize) -> usize {
    text_bytes + MAX_ATTACHMENTS * (scrub::MAX_CHOSEN_BYTES + 1024)
}

/// The text fields of a multipart form (wiped on drop, as a urlencoded body's) and its
/// chosen files (`attachment`; an empty file part is a file input left empty).
pub async fn form_parts(
    boundary: &str,
    body: axum::body::Bytes,
) -> Result<(FormFields, Vec<Zeroizing<Vec<u8>>>), String> {
    let parts = crate::upload::parts(boundary, body, &[], 256).await?;
    let mut fields = Vec::new();
    let mut chosen = Vec::new();
    for part in parts {
        if part.name == "attachment" {
            if !part.bytes.is_empty() {
                chosen.push(Zeroizing::new(part.bytes.to_vec()));
            }
        } else if !part.is_file {
            let text = String::from_utf8_lossy(&part.bytes).into_owned();
            fields.push((part.name, text));
        }
    }
    Ok((FormFields::from_pairs(fields), chosen))
}

/// Scrubs every chosen file, in order, off the async threads; the first that cannot
/// be sent is named by its number (from 1).
pub async fn scrub_all(
    chosen: Vec<Zeroizing<Vec<u8>>>,
) -> Result<Vec<attachment::Image>, (usize, scrub::ScrubError)> {
    if chosen.is_empty() {
        return Ok(Vec::new());
    }
    tokio::task::spawn_blocking(move || {
        chosen
            .iter()
            .enumerate()
            .map(|(n, file)| scrub::scrub(file).map_err(|e| (n + 1, e)))
            .collect()
    })
    .await
    .unwrap_or_else(|_| {
        Err((
            1,
            scrub::ScrubError::Unreadable("the server could not read it".into()),
        ))
    })
}

/// What she reads when image `number` cannot be sent: "Image 2:" and why, in her
/// language.
pub fn refusal(tr: &Tr, number: usize, error: &scrub::ScrubError) -> String {
    let key = format!(
        "attach-error-{}",
        error
            .code()
            .trim_start_matches("attachment_")
            .replace('_', "-")
    );
    format!(
        "{} {}",
        tr.t1("attach-error-prefix", "number", &number.to_string()),
        tr.t(&key)
    )
}
