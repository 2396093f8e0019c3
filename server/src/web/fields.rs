//! The fields of a posted form (`application/x-www-form-urlencoded`), decoded, and
//! wiped when dropped: what a visitor types in the forms without JavaScript (a report,
//! the questionnaire) is sensitive, and copies of it must not outlive the request.
//! What is taken out comes out as [`Zeroizing`] strings, wiped in turn.
//!
//! Not wiped: the request's bytes in hyper's buffers (the caller wipes its copy of
//! the body) and the HTML page sent back, which axum owns once it is handed over.

use zeroize::{Zeroize, Zeroizing};

/// Decoded `(name, value)` pairs, in the order sent.
pub struct FormFields(Vec<(String, String)>);

impl FormFields {
    /// Decodes a form body.
    pub fn parse(body: &[u8]) -> FormFields {
        FormFields(form_urlencoded::parse(body).into_owned().collect())
    }

    /// Fields already decoded (the text parts of a `multipart/form-data` body).
    pub fn from_pairs(pairs: Vec<(String, String)>) -> FormFields {
        FormFields(pairs)
    }

    /// The first value of `name`, taken out (later calls get the next one, then an
    /// empty string).
    pub fn take(&mut self, name: &str) -> Zeroizing<String> {
        Zeroizing::new(
            self.0
                .iter_mut()
                .find(|(n, v)| n == name && !v.is_empty())
                .map(|(_, v)| std::mem::take(v))
                .unwrap_or_default(),
        )
    }

    /// Every value of `name`, in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `name` (empty if none), left in place: to fill a form in
    /// again with what she sent.
    pub fn value(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Whether `name` was sent with `value` (a ticked box, a chosen option).
    pub fn has(&self, name: &str, value: &str) -> bool {
        self.0.iter().any(|(n, v)| n == name && v == value)
    }

    /// Whether nothing was sent (a fresh form).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every pair, in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }
}

impl Drop for FormFields {
    fn drop(&mut self) {
        for (name, value) in &mut self.0 {
            name.zeroize();
            value.zeroize();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_decode_and_come_out_one_by_one() {
        let mut fields = FormFields::parse(b"a=1&b=x+y%21&a=2&c=");
        assert_eq!(fields.all("a").collect::<Vec<_>>(), ["1", "2"]);
        assert!(fields.has("a", "2") && !fields.has("a", "3"));
        assert_eq!(fields.value("b"), "x y!");
        assert_eq!(fields.take("b").as_str(), "x y!");
        assert_eq!(fields.take("a").as_str(), "1");
        assert_eq!(fields.take("a").as_str(), "2");
        assert_eq!(fields.take("a").as_str(), "");
        assert_eq!(fields.take("c").as_str(), "");
        assert_eq!(fields.pairs().len(), 4);
    }
}
