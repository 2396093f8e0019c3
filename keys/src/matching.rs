//! Repeat aggressors: the identifiers of an aggressor (phone numbers, number plates,
//! online handles), normalised by client-lib's [`jasmine_client::identifier`] so that
//! one person written two ways still matches, and the groups of reports and published
//! alerts that share one.

use std::collections::BTreeMap;

pub use jasmine_client::identifier::{
    normalize_handle, normalize_phone, normalize_plate, phone_region, Kind,
};

use jasmine_client::alert::AlertAggressor;
use jasmine_client::report::Aggressor;

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
