//! Report v1: what a reporter tells the moderators. Only ever stored encrypted.
//!
//! The taxonomy follows the violence the association sees most (rape and attempted
//! rape, non-consensual condom removal, armed robbery and physical violence, theft
//! and non-payment, (cyber)harassment, attempted murder) plus the rest of
//! `DESIGN.md` §3. Enum values are the snake_case names below; texts shown to people
//! are translated elsewhere.

use serde::{Deserialize, Serialize};

use crate::{Day, Error};

/// The report format version this crate writes and reads.
pub const REPORT_FORMAT: u32 = 1;

/// Longest narrative, in characters.
pub const MAX_NARRATIVE_CHARS: usize = 20_000;
/// Longest short text field (description, city, …), in characters.
pub const MAX_SHORT_CHARS: usize = 2_000;
/// Most phone numbers, handles or plates in one report.
pub const MAX_IDENTIFIERS: usize = 20;

/// A report, as the reporter wrote it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// Always [`REPORT_FORMAT`].
    pub format: u32,
    /// Language the reporter wrote in (`fr`, `en`, `es`, `pt`, `ro`, `bg`, `ru`, `uk`, `zh`, `ar`, …).
    pub language: String,
    /// When it happened.
    pub when: When,
    /// Where it happened.
    pub place: Place,
    /// What happened; at least one.
    pub categories: Vec<Category>,
    /// How dangerous the reporter judges the aggressor.
    pub severity: Severity,
    /// What identifies the aggressor.
    pub aggressor: Aggressor,
    /// The reporter's own account.
    pub narrative: String,
    /// Whether and how the reporter wants to be contacted.
    pub follow_up: FollowUp,
    /// Whether the reporter agrees to a sanitized public alert.
    pub consent_to_publish: bool,
}

/// When it happened: a day and how sure the reporter is of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    /// The day (or a day within the period, see `precision`).
    pub date: Day,
    /// How precise `date` is.
    pub precision: DatePrecision,
    /// Part of the day, if the reporter says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part_of_day: Option<PartOfDay>,
}

/// How precise a date is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatePrecision {
    /// That very day.
    Day,
    /// Within a week of it.
    Week,
    /// Within that month.
    Month,
    /// Roughly.
    Approximate,
}

/// Part of the day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartOfDay {
    /// 6:00–12:00.
    Morning,
    /// 12:00–18:00.
    Afternoon,
    /// 18:00–24:00.
    Evening,
    /// 0:00–6:00.
    Night,
}

/// Where it happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Place {
    /// ISO 3166-1 alpha-2 country code, upper case (`FR`).
    pub country: String,
    /// Département or region (for France the département number, e.g. `75`, `13`, `2A`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// City or town.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Kind of place.
    pub setting: Setting,
}

/// The kind of place.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Setting {
    /// Street or outdoors.
    Street,
    /// In a car.
    Car,
    /// At the sex worker's own place.
    OwnPlace,
    /// At the client's place.
    ClientPlace,
    /// In a hotel.
    Hotel,
    /// Online (messages, social networks, sites).
    Online,
    /// Anywhere else.
    Other,
}

/// What happened. Several may apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Rape.
    Rape,
    /// Attempted rape.
    AttemptedRape,
    /// Sexual assault other than rape.
    SexualAssault,
    /// Non-consensual condom removal ("stealthing").
    CondomRemoval,
    /// Physical violence.
    PhysicalViolence,
    /// Robbery with a weapon.
    ArmedRobbery,
    /// Theft, or refusal to pay.
    TheftOrNonPayment,
    /// Threats.
    Threats,
    /// Harassment, in person or online.
    Harassment,
    /// Blackmail, or outing (revealing the work to family, landlord, employer…).
    BlackmailOrOuting,
    /// Attempted murder.
    AttemptedMurder,
    /// Violence by police or another institution.
    InstitutionalViolence,
    /// Something else.
    Other,
}

impl Category {
    /// Every category, in display order.
    pub const ALL: [Category; 13] = [
        Category::Rape,
        Category::AttemptedRape,
        Category::SexualAssault,
        Category::CondomRemoval,
        Category::PhysicalViolence,
        Category::ArmedRobbery,
        Category::TheftOrNonPayment,
        Category::Threats,
        Category::Harassment,
        Category::BlackmailOrOuting,
        Category::AttemptedMurder,
        Category::InstitutionalViolence,
        Category::Other,
    ];

    /// The snake_case name used in JSON and URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Rape => "rape",
            Category::AttemptedRape => "attempted_rape",
            Category::SexualAssault => "sexual_assault",
            Category::CondomRemoval => "condom_removal",
            Category::PhysicalViolence => "physical_violence",
            Category::ArmedRobbery => "armed_robbery",
            Category::TheftOrNonPayment => "theft_or_non_payment",
            Category::Threats => "threats",
            Category::Harassment => "harassment",
            Category::BlackmailOrOuting => "blackmail_or_outing",
            Category::AttemptedMurder => "attempted_murder",
            Category::InstitutionalViolence => "institutional_violence",
            Category::Other => "other",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(text: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

/// Jasmine's severity scale, as the reporter sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Unpleasant, not a danger.
    Annoying,
    /// Could turn dangerous.
    Risky,
    /// Dangerous.
    Dangerous,
    /// Very dangerous: warn everyone.
    VeryDangerous,
}

impl Severity {
    /// Every level, from least to most severe.
    pub const ALL: [Severity; 4] = [
        Severity::Annoying,
        Severity::Risky,
        Severity::Dangerous,
        Severity::VeryDangerous,
    ];

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Annoying => "annoying",
            Severity::Risky => "risky",
            Severity::Dangerous => "dangerous",
            Severity::VeryDangerous => "very_dangerous",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(text: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// What identifies the aggressor. Every field may be empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Aggressor {
    /// Free description (age, build, clothes, manner, …).
    #[serde(default)]
    pub description: String,
    /// Phone numbers used.
    #[serde(default)]
    pub phones: Vec<String>,
    /// Online handles, profile names or ad links.
    #[serde(default)]
    pub handles: Vec<String>,
    /// Vehicle (make, model, colour).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vehicle: Option<String>,
    /// Number plates.
    #[serde(default)]
    pub plates: Vec<String>,
}

/// Whether the reporter wants to hear back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FollowUp {
    /// No follow-up.
    None,
    /// Contact through the details given (phone, e-mail, Signal, …).
    Contact {
        /// How to reach the reporter, as written by them.
        details: String,
    },
    /// Answers through a reply mailbox, opened with a codename only the reporter
    /// knows (`crate::codename`, `crate::mailbox`).
    Codename {
        /// The age recipient (`age1…`) derived from the codename: replies are
        /// encrypted to it.
        recipient: String,
        /// The mailbox id derived from the codename (32 lowercase hex).
        mailbox: String,
    },
}

impl Report {
    /// Checks the limits and the rules that serde cannot express.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |reason: String| Err(Error::malformed("report", reason));
        if self.format != REPORT_FORMAT {
            return bad(format!(
                "format {} is not supported (expected {REPORT_FORMAT})",
                self.format
            ));
        }
        if !(2..=8).contains(&self.language.len())
            || !self
                .language
                .bytes()
                .all(|b| b.is_ascii_alphabetic() || b == b'-')
        {
            return bad("language must be a language tag such as 'fr'".into());
        }
        if self.place.country.len() != 2
            || !self.place.country.bytes().all(|b| b.is_ascii_uppercase())
        {
            return bad("place.country must be a two-letter country code such as 'FR'".into());
        }
        if self.categories.is_empty() {
            return bad("choose at least one category".into());
        }
        let mut seen = self.categories.clone();
        seen.sort();
        seen.dedup();
        if seen.len() != self.categories.len() {
            return bad("a category is listed twice".into());
        }
        if self.narrative.chars().count() > MAX_NARRATIVE_CHARS {
            return bad(format!(
                "the narrative is longer than {MAX_NARRATIVE_CHARS} characters"
            ));
        }
        let short_fields = [
            ("place.region", self.place.region.as_deref().unwrap_or("")),
            ("place.city", self.place.city.as_deref().unwrap_or("")),
            ("aggressor.description", self.aggressor.description.as_str()),
            (
                "aggressor.vehicle",
                self.aggressor.vehicle.as_deref().unwrap_or(""),
            ),
        ];
        for (name, text) in short_fields {
            if text.chars().count() > MAX_SHORT_CHARS {
                return bad(format!(
                    "{name} is longer than {MAX_SHORT_CHARS} characters"
                ));
            }
        }
        for (name, list) in [
            ("aggressor.phones", &self.aggressor.phones),
            ("aggressor.handles", &self.aggressor.handles),
            ("aggressor.plates", &self.aggressor.plates),
        ] {
            if list.len() > MAX_IDENTIFIERS || list.iter().any(|s| s.chars().count() > 200) {
                return bad(format!(
                    "{name}: at most {MAX_IDENTIFIERS} entries of 200 characters"
                ));
            }
        }
        match &self.follow_up {
            FollowUp::None => {}
            FollowUp::Contact { details } => {
                if details.trim().is_empty() || details.chars().count() > MAX_SHORT_CHARS {
                    return bad("follow_up.details must say how to reach you".into());
                }
            }
            FollowUp::Codename { recipient, mailbox } => {
                if crate::bundle::parse_recipient(recipient).is_err() {
                    return bad("follow_up.recipient must be an age X25519 recipient".into());
                }
                if !crate::mailbox::is_mailbox_id(mailbox) {
                    return bad("follow_up.mailbox must be 32 lowercase hex characters".into());
                }
            }
        }
        Ok(())
    }

    /// Encodes as compact JSON (the plaintext inside the padding).
    pub fn to_json(&self) -> Result<Vec<u8>, Error> {
        self.validate()?;
        serde_json::to_vec(self).map_err(|e| Error::malformed("report", e.to_string()))
    }

    /// Decodes and validates JSON.
    pub fn from_json(bytes: &[u8]) -> Result<Report, Error> {
        let report: Report =
            serde_json::from_slice(bytes).map_err(|e| Error::malformed("report", e.to_string()))?;
        report.validate()?;
        Ok(report)
    }

    /// A plausible report, for examples and tests.
    pub fn example(day: Day) -> Report {
        Report {
            format: REPORT_FORMAT,
            language: "fr".into(),
            when: When {
                date: day,
                precision: DatePrecision::Day,
                part_of_day: Some(PartOfDay::Evening),
            },
            place: Place {
                country: "FR".into(),
                region: Some("75".into()),
                city: Some("Paris".into()),
                setting: Setting::Hotel,
            },
            categories: vec![Category::CondomRemoval, Category::TheftOrNonPayment],
            severity: Severity::Dangerous,
            aggressor: Aggressor {
                description: "Homme, 40 ans environ, grand, accent du sud".into(),
                phones: vec!["+33 6 12 34 56 78".into()],
                handles: vec![],
                vehicle: None,
                plates: vec![],
            },
            narrative: "Il a retiré le préservatif sans me le dire et il est parti sans payer."
                .into(),
            follow_up: FollowUp::None,
            consent_to_publish: true,
        }
    }
}

/// Wipes every text a reporter typed (for plaintext that must not outlive a request).
impl zeroize::Zeroize for Report {
    fn zeroize(&mut self) {
        self.language.zeroize();
        self.place.country.zeroize();
        self.place.region.zeroize();
        self.place.city.zeroize();
        self.aggressor.description.zeroize();
        self.aggressor.phones.zeroize();
        self.aggressor.handles.zeroize();
        self.aggressor.vehicle.zeroize();
        self.aggressor.plates.zeroize();
        self.narrative.zeroize();
        match &mut self.follow_up {
            FollowUp::None => {}
            FollowUp::Contact { details } => details.zeroize(),
            FollowUp::Codename { recipient, mailbox } => {
                recipient.zeroize();
                mailbox.zeroize();
            }
        }
        self.categories.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day() -> Day {
        Day::parse("2026-11-20").unwrap()
    }

    #[test]
    fn json_round_trip_keeps_every_field() {
        let report = Report::example(day());
        let json = report.to_json().unwrap();
        assert_eq!(Report::from_json(&json).unwrap(), report);
    }

    #[test]
    fn fail_unknown_field_duplicate_category_and_bad_country() {
        let mut value = serde_json::to_value(Report::example(day())).unwrap();
        value["extra"] = serde_json::Value::from("x");
        assert!(Report::from_json(&serde_json::to_vec(&value).unwrap()).is_err());

        let mut report = Report::example(day());
        report.categories.push(Category::CondomRemoval);
        assert!(report.validate().is_err());
        let mut report = Report::example(day());
        report.place.country = "France".into();
        assert!(report.validate().is_err());
        let mut report = Report::example(day());
        report.categories.clear();
        assert!(report.validate().is_err());
    }

    #[test]
    fn names_parse_back() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(c));
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
        for s in Severity::ALL {
            assert_eq!(Severity::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }

    proptest! {
        #[test]
        fn any_text_round_trips(narrative in "\\PC{0,300}", description in "\\PC{0,100}", phone in "[+0-9 ]{0,20}") {
            let mut report = Report::example(day());
            report.narrative = narrative;
            report.aggressor.description = description;
            report.aggressor.phones = vec![phone];
            let json = report.to_json().unwrap();
            prop_assert_eq!(Report::from_json(&json).unwrap(), report);
        }
    }
}
