//! From a decrypted report to a proposed public alert: the reporter's contact details
//! and follow-up data dropped (and scrubbed from the text), place cut to city and
//! département, date to the day; what [`crate::pii`] finds in the text (phones,
//! e-mails, links, street addresses, names) removed unless the moderator keeps it;
//! the aggressor's phone numbers, plates and handles published only if chosen. The
//! moderator reviews the draft before signing it.

use jasmine_client::alert::{new_alert_id, Alert, AlertAggressor, LocalizedText};
use jasmine_client::identifier::Kind;
use jasmine_client::report::{FollowUp, Report};
use jasmine_client::Day;
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};

/// A draft alert and what the moderator must check before signing it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertDraft {
    /// The proposed alert.
    pub alert: Alert,
    /// Points to review (not signed, not published).
    pub review: Vec<String>,
    /// The report it was drafted from (for the desk's records; not published).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<String>,
    /// The aggressor's identifiers to put on the check list, normalised
    /// (`docs/PROTOCOL.md` §5b): never in the alert's text; signing with `--desk`
    /// blinds them for the server's evaluation. Remove any that should not be listed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub check_list: Vec<CheckListItem>,
}

/// One identifier for the check list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckListItem {
    /// phone, plate or handle.
    pub kind: String,
    /// The identifier, normalised (a phone as E.164).
    pub identifier: String,
}

impl CheckListItem {
    /// Reads the kind and normalises the identifier again (the draft may have been
    /// edited).
    pub fn parse(&self, country: &str) -> anyhow::Result<(Kind, String)> {
        let kind = Kind::parse(&self.kind).ok_or_else(|| {
            anyhow::anyhow!(
                "check_list: kind '{}' is not phone, plate or handle",
                self.kind
            )
        })?;
        let identifier = jasmine_client::identifier::normalize(kind, &self.identifier, country)
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "check_list: '{}' is too short to be a {}",
                    self.identifier,
                    kind.label()
                )
            })?;
        Ok((kind, identifier))
    }
}

/// Marker put in place of removed text.
pub const REMOVED: &str = "[removed]";

/// What the moderator chose to keep; everything else that could identify someone is
/// removed. The default keeps nothing.
#[derive(Clone, Debug)]
pub struct Choices {
    /// Indexes (into [`findings`]) of the findings in the text to keep.
    pub keep_findings: Vec<usize>,
    /// Publish the aggressor's phone numbers.
    pub keep_phones: bool,
    /// Publish the aggressor's number plates.
    pub keep_plates: bool,
    /// Publish the aggressor's handles and profile links.
    pub keep_handles: bool,
    /// How precisely to date what happened (the exact day can point to the reporter).
    pub date: jasmine_client::alert::OccurredPrecision,
    /// Put the aggressor's identifiers on the check list (they stay out of the text).
    pub check_list: bool,
}

impl Default for Choices {
    /// Nothing kept; the date generalised to its week.
    fn default() -> Self {
        Choices {
            keep_findings: Vec::new(),
            keep_phones: false,
            keep_plates: false,
            keep_handles: false,
            date: jasmine_client::alert::OccurredPrecision::Week,
            check_list: false,
        }
    }
}

/// The report's narrative with the reporter's contact details already masked (they
/// are never kept), and what the scanner finds in it for the moderator to decide on.
pub fn findings(report: &Report) -> (String, usize, Vec<crate::pii::Finding>) {
    let mut needles = Vec::new();
    if let FollowUp::Contact { details } = &report.follow_up {
        needles.push(details.trim().to_string());
    }
    let (text, masked) = scrub(&report.narrative, &needles);
    let found = crate::pii::scan(&text, &report.place.country);
    (text, masked, found)
}

/// Proposes an alert from `report`, keeping only what `choices` says.
pub fn propose<R: RngCore + CryptoRng>(
    report: &Report,
    moderator: &str,
    today: Day,
    rng: &mut R,
    choices: &Choices,
) -> AlertDraft {
    let mut review = vec![
        "Read the summary: remove anything that could identify the person who reported."
            .to_string(),
    ];
    if matches!(
        report.follow_up,
        FollowUp::Contact { .. } | FollowUp::Codename { .. }
    ) {
        review.push("The reporter's contact details and follow-up data were dropped.".into());
    }
    let (text, masked, found) = findings(report);
    let removed: Vec<_> = found
        .iter()
        .enumerate()
        .filter(|(i, _)| !choices.keep_findings.contains(i))
        .map(|(_, f)| f.clone())
        .collect();
    for f in &removed {
        review.push(format!(
            "Removed from the summary: {} \"{}\".",
            f.kind.as_str(),
            f.text(&text)
        ));
    }
    let summary = crate::pii::remove(&text, &removed);
    if masked > 0 {
        review.push(format!(
            "{masked} e-mail address(es), link(s) or contact detail(s) were masked in the summary."
        ));
    }
    if summary.chars().count() > jasmine_client::alert::MAX_SUMMARY_CHARS {
        review.push(format!(
            "The summary is longer than the {} characters an alert may hold: shorten it.",
            jasmine_client::alert::MAX_SUMMARY_CHARS
        ));
    }
    if report.place.region.is_none() {
        review.push("The report gives no département: set `region` if you know it.".into());
    }
    let a = &report.aggressor;
    let pick = |keep: bool, list: &Vec<String>, what: &str, review: &mut Vec<String>| {
        if keep {
            list.clone()
        } else {
            if !list.is_empty() {
                review.push(format!(
                    "The aggressor's {what} are not published (choose to keep them if you want)."
                ));
            }
            Vec::new()
        }
    };
    let phones = pick(choices.keep_phones, &a.phones, "phone numbers", &mut review);
    let plates = pick(choices.keep_plates, &a.plates, "number plates", &mut review);
    let handles = pick(choices.keep_handles, &a.handles, "handles", &mut review);
    let check_list: Vec<CheckListItem> = if choices.check_list {
        crate::matching::of_report(a, &report.place.country)
            .into_iter()
            .map(|(kind, identifier)| CheckListItem {
                kind: kind.label().to_string(),
                identifier,
            })
            .collect()
    } else {
        Vec::new()
    };
    if !check_list.is_empty() {
        review.push(format!(
            "{} identifier(s) of the aggressor go on the check list (`check_list`, never published): remove any that could be wrong.",
            check_list.len()
        ));
    }
    AlertDraft {
        alert: Alert {
            id: new_alert_id(rng),
            published: today,
            signed_by: moderator.to_string(),
            occurred_on: choices.date.generalise(report.when.date.min(today)),
            occurred_precision: choices.date,
            country: report.place.country.clone(),
            region: report.place.region.clone().unwrap_or_default(),
            city: report.place.city.clone(),
            categories: report.categories.clone(),
            severity: report.severity,
            summary: LocalizedText {
                language: report.language.clone(),
                text: summary,
            },
            translations: Vec::new(),
            aggressor: AlertAggressor {
                description: a.description.clone(),
                phones,
                handles,
                plates,
                vehicle: a.vehicle.clone(),
            },
        },
        review,
        report: None,
        check_list,
    }
}

/// Masks e-mail addresses, links and the given strings; returns the text and how many
/// things were masked.
pub fn scrub(text: &str, needles: &[String]) -> (String, usize) {
    let mut masked = 0;
    let mut out = text.to_string();
    for needle in needles.iter().filter(|n| n.chars().count() >= 3) {
        let found = out.matches(needle.as_str()).count();
        if found > 0 {
            out = out.replace(needle.as_str(), REMOVED);
            masked += found;
        }
    }
    let words: Vec<String> = out
        .split_inclusive(char::is_whitespace)
        .map(|piece| {
            let word = piece.trim_end();
            let core = word.trim_matches(|c: char| {
                matches!(
                    c,
                    '(' | ')' | ',' | ';' | '.' | '!' | '?' | '"' | '\'' | '<' | '>'
                )
            });
            let is_mail =
                core.contains('@') && core.split('@').nth(1).is_some_and(|d| d.contains('.'));
            let is_link = core.starts_with("http://")
                || core.starts_with("https://")
                || core.starts_with("www.");
            if (is_mail || is_link) && !core.is_empty() {
                masked += 1;
                piece.replacen(core, REMOVED, 1)
            } else {
                piece.to_string()
            }
        })
        .collect();
    (words.concat(), masked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_details_mail_and_links_are_masked() {
        let (text, n) = scrub(
            "Écris-moi à lola@example.org ou 06 99 88 77 66. Son annonce: https://ads.example/x (voir www.site.fr).",
            &["06 99 88 77 66".to_string()],
        );
        assert_eq!(n, 4, "{text}");
        assert!(
            !text.contains("lola@")
                && !text.contains("06 99")
                && !text.contains("https://")
                && !text.contains("www.")
        );
        assert!(text.contains("Écris-moi à [removed] ou [removed]."));
    }

    #[test]
    fn the_draft_keeps_place_to_city_and_drops_follow_up() {
        let day = Day::parse("2026-11-20").unwrap();
        let mut report = Report::example(day);
        report.follow_up = FollowUp::Contact {
            details: "signal: lola.99".into(),
        };
        report.narrative = "Contactez-moi sur signal: lola.99 si besoin.".into();
        let draft = propose(
            &report,
            "alice",
            day.add_days(3),
            &mut rand::rngs::OsRng,
            &Choices::default(),
        );
        let json = serde_json::to_string(&draft.alert).unwrap();
        assert!(!json.contains("lola.99"), "{json}");
        assert_eq!(draft.alert.city.as_deref(), Some("Paris"));
        assert_eq!(draft.alert.region, "75");
        // 2026-11-20 is a Friday: the alert says "the week of Monday 2026-11-16".
        assert_eq!(draft.alert.occurred_on, Day::parse("2026-11-16").unwrap());
        assert_eq!(draft.alert.occurred_text(), "week of 2026-11-16");
        draft.alert.validate().unwrap();
        assert!(
            draft.alert.aggressor.phones.is_empty(),
            "kept only when chosen"
        );
        let kept = propose(
            &report,
            "alice",
            day,
            &mut rand::rngs::OsRng,
            &Choices {
                keep_phones: true,
                ..Choices::default()
            },
        );
        assert_eq!(kept.alert.aggressor.phones, report.aggressor.phones);
    }
}
