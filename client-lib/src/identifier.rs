//! The identifiers of an aggressor (phone numbers, number plates, online handles),
//! normalised so that one person written two ways is one identifier: for the desk's
//! repeat-aggressor matching and for the private check (`crate::oprf`). One
//! normalisation, here; `tests/vectors/check.json` holds it to its examples.
//!
//! Phone numbers (their digits, and whether a `+` or `00` starts them) go through `phonenumber`
//! (Google's libphonenumber metadata): French national and international forms
//! (`06 12 34 56 78`, `+33 6 12 34 56 78`, `0033612345678`) become one E.164 number; a
//! number that is not valid keeps its digits only (`digits:…`). Plates keep letters and digits, upper case. Handles lose
//! `@`, a URL's scheme and `www.`, a trailing `/`, and case.

/// What an identifier is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A phone number (E.164 when it parses).
    Phone,
    /// A number plate.
    Plate,
    /// An online handle or profile.
    Handle,
}

impl Kind {
    /// Reads a label ([`Kind::label`]).
    pub fn parse(text: &str) -> Option<Kind> {
        match text {
            "phone" => Some(Kind::Phone),
            "plate" => Some(Kind::Plate),
            "handle" => Some(Kind::Handle),
            _ => None,
        }
    }

    /// For people, and in the check's input.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Phone => "phone",
            Kind::Plate => "plate",
            Kind::Handle => "handle",
        }
    }
}

/// The numbering region national numbers are read in: the report's country, France
/// when it is not a known code.
pub fn phone_region(country: &str) -> phonenumber::country::Id {
    country
        .parse::<phonenumber::country::Id>()
        .unwrap_or(phonenumber::country::Id::FR)
}

/// A phone number as E.164 (`+33612345678`), read in `country` when it has no
/// international prefix; `None` for fewer than 6 digits. Only its ASCII digits are
/// read, and whether it is international: its first `+`-or-digit is a `+`, or its
/// digits start with `00`. A number that is not valid keeps its digits
/// (`digits:0612…`, `digits:+3247…`). So a normalised number normalises to itself, and
/// whatever separates the digits does not count.
pub fn normalize_phone(text: &str, country: &str) -> Option<String> {
    let region = phone_region(country);
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let plus = text.chars().find(|c| *c == '+' || c.is_ascii_digit()) == Some('+');
    let cleaned = if plus {
        format!("+{digits}")
    } else if let Some(rest) = digits.strip_prefix("00") {
        format!("+{rest}")
    } else {
        digits.clone()
    };
    if let Some(e164) = valid_e164(region, &cleaned) {
        // `phonenumber` formats some numbers it read (an Italian `+39 000…`) into one
        // it does not read back as the same valid number: only a fixed point is a
        // normal form, or the same number would be filed under two forms.
        if valid_e164(region, &e164).as_deref() == Some(e164.as_str()) {
            return Some(e164);
        }
    }
    let sign = if plus { "+" } else { "" };
    (digits.len() >= 6).then(|| format!("digits:{sign}{digits}"))
}

/// `text` as a valid number of `region` (or with its own country code), in E.164.
fn valid_e164(region: phonenumber::country::Id, text: &str) -> Option<String> {
    let number = phonenumber::parse(Some(region), text).ok()?;
    number
        .is_valid()
        .then(|| number.format().mode(phonenumber::Mode::E164).to_string())
}

/// An identifier of `kind` normalised; `None` when too short to identify anyone.
pub fn normalize(kind: Kind, text: &str, country: &str) -> Option<String> {
    match kind {
        Kind::Phone => normalize_phone(text, country),
        Kind::Plate => normalize_plate(text),
        Kind::Handle => normalize_handle(text),
    }
}

/// A plate: letters and digits, upper case; `None` when shorter than 4.
pub fn normalize_plate(text: &str) -> Option<String> {
    let plate: String = text
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (plate.len() >= 4).then_some(plate)
}

/// A handle or profile link, without `@`, scheme, `www.` (any number, in any order at
/// the start), trailing `/`, in lower case.
pub fn normalize_handle(text: &str) -> Option<String> {
    // Each pass trims, lowers the case, strips one prefix or the trailing `/`s; passes
    // run until nothing changes, so that a normalised handle normalises to itself
    // (`@www.x`, `@ www.x` and `www.x/ ` are all `x`).
    let mut handle = text.to_string();
    loop {
        let lowered = handle.trim().to_lowercase();
        let stripped = ["https://", "http://", "www.", "@"]
            .iter()
            .find_map(|prefix| lowered.strip_prefix(prefix))
            .unwrap_or(&lowered);
        let next = stripped.trim_end_matches('/').to_string();
        if next == handle {
            break;
        }
        handle = next;
    }
    (handle.chars().count() >= 2).then_some(handle)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `checklist` fuzz target (`fuzz/regressions/checklist/`): `+39 0006
    /// 8000` read as an Italian number formats to `+39068000`, which does not read back
    /// as valid; its normal form is the digits one, which normalises to itself.
    #[test]
    fn a_number_the_library_formats_into_another_is_kept_as_digits() {
        let text = "\u{1d}\0\0\0\0\0+\u{18}\0\0\u{0}39 0006 8[000";
        let once = normalize_phone(text, "FR").unwrap();
        assert_eq!(once, "digits:+3900068000");
        assert_eq!(normalize_phone(&once, "FR").as_deref(), Some(once.as_str()));
        assert_eq!(
            normalize_phone("06 12 34 56 78", "FR").as_deref(),
            Some("+33612345678")
        );
    }
}
