//! Repeat aggressors: the identifiers of an aggressor (phone numbers, number plates,
//! online handles) normalised so that one person written two ways still matches, and
//! the groups of reports and published alerts that share one.
//!
//! Phone numbers go through `phonenumber` (Google's libphonenumber metadata): French
//! national and international forms (`06 12 34 56 78`, `+33 6 12 34 56 78`,
//! `0033612345678`) become one E.164 number; a number that does not parse keeps its
//! digits only. Plates keep letters and digits, upper case. Handles lose `@`, a URL's
//! scheme and `www.`, a trailing `/`, and case.

use std::collections::BTreeMap;

use jasmine_client::alert::AlertAggressor;
use jasmine_client::report::Aggressor;

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
    /// For people.
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
/// international prefix; `None` for fewer than 6 digits.
pub fn normalize_phone(text: &str, country: &str) -> Option<String> {
    let region = phone_region(country);
    let cleaned = text
        .trim()
        .replacen("00", "+", usize::from(text.trim().starts_with("00")));
    if let Ok(number) = phonenumber::parse(Some(region), &cleaned) {
        if number.is_valid() {
            return Some(number.format().mode(phonenumber::Mode::E164).to_string());
        }
    }
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    (digits.len() >= 6).then(|| format!("digits:{digits}"))
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

/// A handle or profile link, without `@`, scheme, `www.`, trailing `/`, in lower case.
pub fn normalize_handle(text: &str) -> Option<String> {
    let mut handle = text.trim().to_lowercase();
    for prefix in ["https://", "http://", "www.", "@"] {
        if let Some(rest) = handle.strip_prefix(prefix) {
            handle = rest.to_string();
        }
    }
    let handle = handle.trim_end_matches('/').to_string();
    (handle.chars().count() >= 2).then_some(handle)
}

/// Every normalised identifier of an aggressor, with its kind.
pub fn identifiers(
    phones: &[String],
    plates: &[String],
    handles: &[String],
    country: &str,
) -> Vec<(Kind, String)> {
    let mut out: Vec<(Kind, String)> = Vec::new();
    out.extend(
        phones
            .iter()
            .filter_map(|p| normalize_phone(p, country))
            .map(|p| (Kind::Phone, p)),
    );
    out.extend(
        plates
            .iter()
            .filter_map(|p| normalize_plate(p))
            .map(|p| (Kind::Plate, p)),
    );
    out.extend(
        handles
            .iter()
            .filter_map(|h| normalize_handle(h))
            .map(|h| (Kind::Handle, h)),
    );
    out.sort();
    out.dedup();
    out
}

/// A report's aggressor identifiers.
pub fn of_report(aggressor: &Aggressor, country: &str) -> Vec<(Kind, String)> {
    identifiers(
        &aggressor.phones,
        &aggressor.plates,
        &aggressor.handles,
        country,
    )
}

/// A published alert's aggressor identifiers.
pub fn of_alert(aggressor: &AlertAggressor, country: &str) -> Vec<(Kind, String)> {
    identifiers(
        &aggressor.phones,
        &aggressor.plates,
        &aggressor.handles,
        country,
    )
}

/// The identifiers shared by at least two subjects, with who shares them, in a
/// stable order. `S` names a subject (a report or an alert).
pub fn shared<S: Clone + Ord>(
    subjects: &[(S, Vec<(Kind, String)>)],
) -> Vec<((Kind, String), Vec<S>)> {
    let mut by_identifier: BTreeMap<(Kind, String), Vec<S>> = BTreeMap::new();
    for (subject, ids) in subjects {
        for id in ids {
            let list = by_identifier.entry(id.clone()).or_default();
            if !list.contains(subject) {
                list.push(subject.clone());
            }
        }
    }
    by_identifier
        .into_iter()
        .filter(|(_, who)| who.len() >= 2)
        .map(|(id, mut who)| {
            who.sort();
            (id, who)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_number_written_many_ways_is_one_number() {
        let forms = [
            "06 12 34 56 78",
            "06.12.34.56.78",
            "0612345678",
            "+33 6 12 34 56 78",
            "+33612345678",
            "0033 6 12 34 56 78",
            "(+33) 6-12-34-56-78",
        ];
        for form in forms {
            assert_eq!(
                normalize_phone(form, "FR").as_deref(),
                Some("+33612345678"),
                "{form}"
            );
        }
        // A Romanian mobile written nationally in a report placed in Romania.
        assert_eq!(
            normalize_phone("0722 123 456", "RO"),
            normalize_phone("+40 722 123 456", "FR")
        );
        assert_ne!(
            normalize_phone("06 12 34 56 79", "FR"),
            normalize_phone("06 12 34 56 78", "FR")
        );
        assert_eq!(normalize_phone("12", "FR"), None);
    }

    #[test]
    fn plates_and_handles_ignore_case_and_punctuation() {
        assert_eq!(normalize_plate("ab-123-cd"), normalize_plate("AB 123 CD"));
        assert_eq!(normalize_handle("@Loup13"), normalize_handle("loup13"));
        assert_eq!(
            normalize_handle("https://www.instagram.com/loup13/"),
            Some("instagram.com/loup13".into())
        );
        assert_eq!(normalize_plate("A-1"), None);
    }

    #[test]
    fn only_identifiers_seen_twice_make_a_group() {
        let subjects = vec![
            (
                "r1",
                identifiers(&["06 12 34 56 78".into()], &[], &["@x".into()], "FR"),
            ),
            (
                "r2",
                identifiers(&["+33612345678".into()], &["AB-123-CD".into()], &[], "FR"),
            ),
            ("a1", identifiers(&[], &["ab123cd".into()], &[], "FR")),
            (
                "r3",
                identifiers(&["07 00 00 00 01".into()], &[], &[], "FR"),
            ),
        ];
        let groups = shared(&subjects);
        assert_eq!(
            groups,
            vec![
                ((Kind::Phone, "+33612345678".into()), vec!["r1", "r2"]),
                ((Kind::Plate, "AB123CD".into()), vec!["a1", "r2"]),
            ]
        );
    }
}
