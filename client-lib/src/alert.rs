//! Alert v1: a sanitized warning about an aggressor, signed by a moderator's alert key
//! (`jasmine/alert/v1`), and its retraction, a signed tombstone
//! (`jasmine/retraction/v1`). Both verify against the moderators of a key bundle.

use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::Digest;

use crate::bundle::KeyBundle;
use crate::keys::{self, Domain};
use crate::report::{Category, Severity, MAX_IDENTIFIERS, MAX_SHORT_CHARS};
use crate::{Day, Error};

/// Longest alert summary, in characters.
pub const MAX_SUMMARY_CHARS: usize = 4_000;

/// A public alert.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alert {
    /// 32 lowercase hex characters, random.
    pub id: String,
    /// Day of publication.
    pub published: Day,
    /// Moderator id of the signer (must be in the key bundle).
    pub signed_by: String,
    /// Day it happened (as generalised by the moderator): with `occurred_precision`
    /// `week` the Monday of that week, with `month` the first of the month.
    pub occurred_on: Day,
    /// How precise `occurred_on` is (absent means `day`).
    #[serde(default, skip_serializing_if = "OccurredPrecision::is_day")]
    pub occurred_precision: OccurredPrecision,
    /// Two-letter country code.
    pub country: String,
    /// Département or region.
    pub region: String,
    /// City, if the moderator keeps it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// What happened.
    pub categories: Vec<Category>,
    /// How dangerous.
    pub severity: Severity,
    /// The warning, in the language it was written in.
    pub summary: LocalizedText,
    /// Translations of the summary.
    #[serde(default)]
    pub translations: Vec<LocalizedText>,
    /// What readers need to recognise the aggressor, as the moderators decided.
    pub aggressor: AlertAggressor,
}

/// How precisely an alert dates what happened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OccurredPrecision {
    /// That day.
    #[default]
    Day,
    /// The week starting on `occurred_on` (a Monday).
    Week,
    /// The month starting on `occurred_on` (the 1st).
    Month,
}

impl OccurredPrecision {
    /// Whether this is the default (`day`), which is not written.
    pub fn is_day(&self) -> bool {
        *self == OccurredPrecision::Day
    }

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            OccurredPrecision::Day => "day",
            OccurredPrecision::Week => "week",
            OccurredPrecision::Month => "month",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(text: &str) -> Option<OccurredPrecision> {
        [
            OccurredPrecision::Day,
            OccurredPrecision::Week,
            OccurredPrecision::Month,
        ]
        .into_iter()
        .find(|p| p.as_str() == text)
    }

    /// `day` generalised to this precision: the Monday of its week, or the 1st of its month.
    pub fn generalise(self, day: Day) -> Day {
        match self {
            OccurredPrecision::Day => day,
            OccurredPrecision::Week => {
                day.add_days(-i64::from(day.date().weekday().number_days_from_monday()))
            }
            OccurredPrecision::Month => day.add_days(1 - i64::from(day.date().day())),
        }
    }
}

impl Alert {
    /// When it happened, as precisely as published: `2026-11-25`, `week of 2026-11-23`,
    /// `2026-11`.
    pub fn occurred_text(&self) -> String {
        match self.occurred_precision {
            OccurredPrecision::Day => self.occurred_on.to_string(),
            OccurredPrecision::Week => format!("week of {}", self.occurred_on),
            OccurredPrecision::Month => self.occurred_on.to_string()[..7].to_string(),
        }
    }
}

/// A text and its language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalizedText {
    /// Language tag (`fr`, `en`, …).
    pub language: String,
    /// The text.
    pub text: String,
}

/// Aggressor descriptors kept for an alert.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertAggressor {
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Phone numbers.
    #[serde(default)]
    pub phones: Vec<String>,
    /// Online handles.
    #[serde(default)]
    pub handles: Vec<String>,
    /// Number plates.
    #[serde(default)]
    pub plates: Vec<String>,
    /// Vehicle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vehicle: Option<String>,
}

/// The retraction of an alert.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retraction {
    /// The alert withdrawn.
    pub alert_id: String,
    /// Day of the retraction.
    pub retracted_on: Day,
    /// Moderator id of the signer.
    pub signed_by: String,
    /// Why (shown publicly; may be empty).
    #[serde(default)]
    pub reason: String,
}

/// A fresh random alert id.
pub fn new_alert_id<R: RngCore + CryptoRng>(rng: &mut R) -> String {
    let mut raw = [0u8; 16];
    rng.fill_bytes(&mut raw);
    hex::encode(raw)
}

/// Whether `id` has the form of an alert id.
pub fn is_alert_id(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn check_text(what: &str, text: &str, max: usize) -> Result<(), Error> {
    if text.chars().count() > max {
        return Err(Error::malformed(
            "alert",
            format!("{what} is longer than {max} characters"),
        ));
    }
    Ok(())
}

impl Alert {
    /// Checks limits and rules serde cannot express.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |reason: &str| Err(Error::malformed("alert", reason.to_string()));
        if !is_alert_id(&self.id) {
            return bad("id must be 32 lowercase hex characters");
        }
        if self.country.len() != 2 || !self.country.bytes().all(|b| b.is_ascii_uppercase()) {
            return bad("country must be a two-letter code such as 'FR'");
        }
        if self.categories.is_empty() {
            return bad("an alert needs at least one category");
        }
        if self.summary.text.trim().is_empty() {
            return bad("the summary is empty");
        }
        if self.occurred_on > self.published {
            return bad("occurred_on is after the publication day");
        }
        if self.occurred_precision.generalise(self.occurred_on) != self.occurred_on {
            return bad("occurred_on must be the Monday of its week (precision week) or the 1st of its month (precision month)");
        }
        check_text("summary", &self.summary.text, MAX_SUMMARY_CHARS)?;
        for t in &self.translations {
            check_text("translation", &t.text, MAX_SUMMARY_CHARS)?;
        }
        check_text("region", &self.region, 200)?;
        check_text("city", self.city.as_deref().unwrap_or(""), 200)?;
        check_text(
            "aggressor description",
            &self.aggressor.description,
            MAX_SHORT_CHARS,
        )?;
        let a = &self.aggressor;
        if a.phones.len() + a.handles.len() + a.plates.len() > MAX_IDENTIFIERS * 3 {
            return bad("too many aggressor identifiers");
        }
        Ok(())
    }
}

impl Retraction {
    /// Checks the form.
    pub fn validate(&self) -> Result<(), Error> {
        if !is_alert_id(&self.alert_id) {
            return Err(Error::malformed(
                "retraction",
                "alert_id must be 32 lowercase hex characters",
            ));
        }
        check_text("reason", &self.reason, MAX_SHORT_CHARS)
    }
}

/// Signs an alert with a moderator's alert key; returns the signed JSON bytes.
pub fn sign_alert(alert: &Alert, key: &ed25519_dalek::SigningKey) -> Result<Vec<u8>, Error> {
    alert.validate()?;
    sign_object("alert", Domain::Alert, alert, key)
}

/// Signs a retraction; returns the signed JSON bytes.
pub fn sign_retraction(
    retraction: &Retraction,
    key: &ed25519_dalek::SigningKey,
) -> Result<Vec<u8>, Error> {
    retraction.validate()?;
    sign_object("retraction", Domain::Retraction, retraction, key)
}

fn sign_object<T: Serialize>(
    member: &str,
    domain: Domain,
    object: &T,
    key: &ed25519_dalek::SigningKey,
) -> Result<Vec<u8>, Error> {
    let value =
        serde_json::to_value(object).map_err(|e| Error::malformed("alert", e.to_string()))?;
    let signature = keys::sign(domain, key, &value)?;
    let mut bytes = serde_json::to_vec_pretty(&keys::wrap_signed(member, value, signature))
        .map_err(|e| Error::malformed("alert", e.to_string()))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// The digest a bundle lists for a signed alert or retraction that a retired key
/// signed (`FormerKey::signed`): 32 lowercase hex characters, the first half of
/// `SHA-256(JCS(signed document))`.
pub fn signed_digest(signed: &Value) -> Result<String, Error> {
    let bytes = crate::canonical::to_canonical_bytes(signed)?;
    Ok(hex::encode(&sha2::Sha256::digest(&bytes)[..16]))
}

/// The digests of the documents among `published` (signed alerts and retractions)
/// that verify against `bundle` and were signed with `key`: what a bundle that retires
/// `key` lists as signed by it (`FormerKey::signed`). Sorted, without repeats.
pub fn digests_signed_with(
    published: &[Value],
    bundle: &KeyBundle,
    key: &crate::keys::PublicKey,
) -> Vec<String> {
    let mut digests: Vec<String> = published
        .iter()
        .filter(|doc| {
            let verifies = verify_alert_value((*doc).clone(), bundle).is_ok()
                || verify_retraction_value((*doc).clone(), bundle).is_ok();
            verifies && signed_with(doc, key)
        })
        .filter_map(|doc| signed_digest(doc).ok())
        .collect();
    digests.sort();
    digests.dedup();
    digests
}

/// Whether a signed alert or retraction carries a signature of `key`.
fn signed_with(doc: &Value, key: &crate::keys::PublicKey) -> bool {
    [("alert", Domain::Alert), ("retraction", Domain::Retraction)]
        .into_iter()
        .any(|(member, domain)| {
            keys::unwrap_signed(doc.clone(), member, member).is_ok_and(|(value, signature)| {
                keys::verify(domain, key, &value, &signature, member).is_ok()
            })
        })
}

/// Whether `text` has the form of a [`signed_digest`].
pub fn is_signed_digest(text: &str) -> bool {
    is_alert_id(text)
}

/// Verifies a signed alert (JSON value) against the moderators of `bundle`.
pub fn verify_alert_value(signed: Value, bundle: &KeyBundle) -> Result<Alert, Error> {
    let (alert, until): (Alert, _) = verify_object(signed, "alert", Domain::Alert, bundle, true)?;
    retired_too_late(&alert.signed_by, alert.published, until)?;
    alert.validate()?;
    Ok(alert)
}

/// Verifies signed alert JSON bytes against the moderators of `bundle`.
pub fn verify_alert(signed_json: &[u8], bundle: &KeyBundle) -> Result<Alert, Error> {
    let value = crate::canonical::parse_strict(signed_json, "alert")?;
    verify_alert_value(value, bundle)
}

/// Verifies a signed retraction (JSON value) against the moderators of `bundle`.
pub fn verify_retraction_value(signed: Value, bundle: &KeyBundle) -> Result<Retraction, Error> {
    let (retraction, until): (Retraction, _) =
        verify_object(signed, "retraction", Domain::Retraction, bundle, true)?;
    retired_too_late(&retraction.signed_by, retraction.retracted_on, until)?;
    retraction.validate()?;
    Ok(retraction)
}

/// Verifies signed retraction JSON bytes.
pub fn verify_retraction(signed_json: &[u8], bundle: &KeyBundle) -> Result<Retraction, Error> {
    let value = crate::canonical::parse_strict(signed_json, "retraction")?;
    verify_retraction_value(value, bundle)
}

/// Verifies against the signer's current key or, when `former` allows it, a retired
/// key of theirs; returns the object and, for a retired key, its last valid day. A
/// retired key that lists what it signed verifies only that.
fn verify_object<T: for<'de> Deserialize<'de>>(
    signed: Value,
    member: &'static str,
    domain: Domain,
    bundle: &KeyBundle,
    former: bool,
) -> Result<(T, Option<Day>), Error> {
    let digest = signed_digest(&signed)?;
    let (value, signature) = keys::unwrap_signed(signed, member, member)?;
    let signer = value
        .get("signed_by")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::malformed(member, "missing signed_by"))?
        .to_string();
    let candidates: Vec<_> = bundle
        .alert_keys(&signer)
        .into_iter()
        .filter(|(_, retired)| former || retired.is_none())
        .collect();
    if candidates.is_empty() {
        return Err(Error::UnknownSigner(signer));
    }
    let mut last = Error::BadSignature(member);
    for (key, retired) in candidates {
        match keys::verify(domain, &key, &value, &signature, member) {
            Ok(()) => {
                if let Some(listed) = retired.and_then(|f| f.signed.as_ref()) {
                    if !listed.contains(&digest) {
                        return Err(Error::UnknownSigner(format!(
                            "{signer} (a retired key: this is not among what it signed before it was retired)"
                        )));
                    }
                }
                let object = serde_json::from_value(value)
                    .map_err(|e| Error::malformed(member, e.to_string()))?;
                return Ok((object, retired.map(|f| f.until)));
            }
            Err(e) => last = e,
        }
    }
    Err(last)
}

fn retired_too_late(signer: &str, day: Day, until: Option<Day>) -> Result<(), Error> {
    match until {
        Some(until) if day > until => Err(Error::UnknownSigner(format!(
            "{signer} (that key was retired on {until}, before this was dated)"
        ))),
        _ => Ok(()),
    }
}

/// Verifies a signed alert for publication: only the signer's **current** key counts.
pub fn verify_new_alert_value(signed: Value, bundle: &KeyBundle) -> Result<Alert, Error> {
    let (alert, _): (Alert, _) = verify_object(signed, "alert", Domain::Alert, bundle, false)?;
    alert.validate()?;
    Ok(alert)
}

/// Verifies a signed retraction for publication: only current keys count.
pub fn verify_new_retraction_value(signed: Value, bundle: &KeyBundle) -> Result<Retraction, Error> {
    let (retraction, _): (Retraction, _) =
        verify_object(signed, "retraction", Domain::Retraction, bundle, false)?;
    retraction.validate()?;
    Ok(retraction)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::{KeyBundle, ModeratorSecrets, ServerLimits};
    use rand::rngs::OsRng;

    fn setup() -> (ModeratorSecrets, KeyBundle, Alert) {
        let m = ModeratorSecrets::generate("alice", &mut OsRng);
        let today = Day::parse("2026-11-28").unwrap();
        let bundle = KeyBundle {
            organisation: "T".into(),
            version: 1,
            issued: today,
            expires: today.add_days(9),
            onion: String::new(),
            check_key: None,
            moderators: vec![m.public_entry("Alice")],
            former: Vec::new(),
            limits: ServerLimits::default(),
        };
        let alert = Alert {
            occurred_precision: OccurredPrecision::Day,
            id: new_alert_id(&mut OsRng),
            published: today,
            signed_by: "alice".into(),
            occurred_on: today.add_days(-2),
            country: "FR".into(),
            region: "75".into(),
            city: Some("Paris".into()),
            categories: vec![Category::CondomRemoval],
            severity: Severity::Dangerous,
            summary: LocalizedText {
                language: "fr".into(),
                text: "Client qui retire le préservatif.".into(),
            },
            translations: vec![],
            aggressor: AlertAggressor {
                phones: vec!["+33612345678".into()],
                ..Default::default()
            },
        };
        (m, bundle, alert)
    }

    #[test]
    fn a_signed_alert_verifies() {
        let (m, bundle, alert) = setup();
        let signed = sign_alert(&alert, m.alert_key()).unwrap();
        assert_eq!(verify_alert(&signed, &bundle).unwrap(), alert);
    }

    #[test]
    fn fail_edited_alert_wrong_key_unknown_signer_and_api_key() {
        let (m, bundle, alert) = setup();
        let signed = sign_alert(&alert, m.alert_key()).unwrap();
        let edited = String::from_utf8(signed.clone())
            .unwrap()
            .replace("Paris", "Lyon");
        assert!(matches!(
            verify_alert(edited.as_bytes(), &bundle),
            Err(Error::BadSignature(_))
        ));

        let by_api_key = sign_alert(&alert, m.api_key()).unwrap();
        assert!(matches!(
            verify_alert(&by_api_key, &bundle),
            Err(Error::BadSignature(_))
        ));

        let mut stranger = alert.clone();
        stranger.signed_by = "mallory".into();
        let forged = sign_alert(&stranger, m.alert_key()).unwrap();
        assert!(matches!(
            verify_alert(&forged, &bundle),
            Err(Error::UnknownSigner(_))
        ));

        let retraction = Retraction {
            alert_id: alert.id.clone(),
            retracted_on: alert.published,
            signed_by: "alice".into(),
            reason: String::new(),
        };
        let signed_r = sign_retraction(&retraction, m.alert_key()).unwrap();
        assert_eq!(verify_retraction(&signed_r, &bundle).unwrap(), retraction);
        let as_alert =
            String::from_utf8(signed_r)
                .unwrap()
                .replacen("\"retraction\"", "\"alert\"", 1);
        assert!(verify_alert(as_alert.as_bytes(), &bundle).is_err());
    }

    /// Whoever keeps a retired key cannot sign more with it: the bundle that retires it
    /// lists what it signed, and a new alert, even dated within `until`, is refused;
    /// a retraction too. A bundle written before the lists (none given) still verifies
    /// by `until` alone.
    #[test]
    fn fail_a_retired_key_signs_nothing_new() {
        let (m, mut previous, alert) = setup();
        let before =
            serde_json::from_slice::<Value>(&sign_alert(&alert, m.alert_key()).unwrap()).unwrap();
        let mut later = alert.clone();
        later.id = new_alert_id(&mut OsRng);
        let backdated =
            serde_json::from_slice::<Value>(&sign_alert(&later, m.alert_key()).unwrap()).unwrap();
        let retraction = serde_json::from_slice::<Value>(
            &sign_retraction(
                &Retraction {
                    alert_id: new_alert_id(&mut OsRng),
                    retracted_on: alert.published,
                    signed_by: "alice".into(),
                    reason: String::new(),
                },
                m.alert_key(),
            )
            .unwrap(),
        )
        .unwrap();
        let signed = digests_signed_with(
            std::slice::from_ref(&before),
            &previous,
            &m.alert_key().into(),
        );
        assert_eq!(signed, vec![signed_digest(&before).unwrap()]);
        // Bundle 2: alice left; her key is a former key that lists the one alert.
        let entry = previous.moderators.remove(0);
        previous
            .moderators
            .push(ModeratorSecrets::generate("bob", &mut OsRng).public_entry("Bob"));
        previous.version = 2;
        previous.former.push(crate::bundle::FormerKey {
            id: "alice".into(),
            name: entry.name,
            alert_key: entry.alert_key,
            until: alert.published,
            signed: Some(signed),
        });
        previous.validate().unwrap();
        assert_eq!(
            verify_alert_value(before.clone(), &previous).unwrap(),
            alert
        );
        for refused in [
            verify_alert_value(backdated.clone(), &previous).map(|_| ()),
            verify_retraction_value(retraction.clone(), &previous).map(|_| ()),
        ] {
            let refused = refused.unwrap_err().to_string();
            assert!(refused.contains("not among what it signed"), "{refused}");
        }
        // Written before the rule: `until` alone.
        previous.former[0].signed = None;
        assert!(verify_alert_value(backdated, &previous).is_ok());
        // Lists are checked when a bundle is.
        previous.former[0].signed = Some(vec!["A".repeat(32)]);
        assert!(previous.validate().is_err());
    }
}
