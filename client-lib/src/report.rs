//! Report v1: what a reporter tells the moderators. Only ever stored encrypted.
//!
//! The taxonomy follows the violence the association sees most (rape and attempted
//! rape, non-consensual condom removal, armed robbery and physical violence, theft
//! and non-payment, (cyber)harassment, attempted murder) plus the rest of
//! `DESIGN.md` §3. Enum values are the snake_case names below; texts shown to people
//! are translated elsewhere.

use serde::{Deserialize, Serialize};

use crate::attachment::{Attachment, MAX_ATTACHMENTS};
use crate::{Day, Error};

/// The report format version this crate writes and reads.
pub const REPORT_FORMAT: u32 = 1;

/// Longest narrative, in characters.
pub const MAX_NARRATIVE_CHARS: usize = 20_000;
/// Longest short text field (description, city, …), in characters.
pub const MAX_SHORT_CHARS: usize = 2_000;
/// Most phone numbers, handles or plates in one report.
pub const MAX_IDENTIFIERS: usize = 20;
/// Longest phone number, handle or plate, in characters.
pub const MAX_IDENTIFIER_CHARS: usize = 200;

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
    /// The images sent with it, in the order of its attachments file
    /// (`docs/PROTOCOL.md` §4.12); absent when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
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
        /// The Ed25519 public key (standard base64) derived from the codename that
        /// signs her answers, so that moderators can tell hers from any written by
        /// someone who only knows the mailbox id. Absent from reports written before
        /// answers were signed (their answers cannot be checked).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        answer_key: Option<String>,
    },
}

impl FollowUp {
    /// The follow-up through the mailbox of a codename: its reply recipient, its
    /// mailbox id and the public key that checks her answers.
    pub fn through_codename(keys: &crate::codename::ReplyKeys) -> FollowUp {
        FollowUp::Codename {
            recipient: keys.recipient.clone(),
            mailbox: keys.mailbox.clone(),
            answer_key: Some(keys.answer_public().to_base64()),
        }
    }
}

/// The first rule a report breaks (`docs/PROTOCOL.md` §4.3): a stable [`code`], the
/// member it concerns ([`field`]) and, for a length rule, the limit ([`limit`]).
///
/// The codes are shared with the page script (`server/web-js/src/report-rules.js`),
/// which must find the same problem in every report (`tests/vectors/reports/`); the
/// web site shows the visitor the Fluent message `problem-<code>` (with `_` as `-`).
/// When several rules are broken, the problem is the first in the order of this enum.
///
/// [`code`]: ReportProblem::code
/// [`field`]: ReportProblem::field
/// [`limit`]: ReportProblem::limit
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReportProblem {
    /// `malformed`: not a report at all (not JSON, a member missing, unknown or of the
    /// wrong type, an enumeration value that does not exist). Only
    /// [`Report::check_json`] finds it; the reason is the decoder's.
    Malformed(String),
    /// `date_invalid`: `when.date` is a string but not a real `YYYY-MM-DD` day. Only
    /// [`Report::check_json`] finds it (a [`Day`] is always valid).
    DateInvalid,
    /// `format_unsupported`: `format` is not [`REPORT_FORMAT`].
    FormatUnsupported,
    /// `language_invalid`: `language` is not 2 to 8 ASCII letters and `-`.
    LanguageInvalid,
    /// `country_invalid`: `place.country` is not two ASCII upper-case letters.
    CountryInvalid,
    /// `category_missing`: no category.
    CategoryMissing,
    /// `category_repeated`: a category is listed twice.
    CategoryRepeated,
    /// `narrative_too_long`: more than [`MAX_NARRATIVE_CHARS`] characters.
    NarrativeTooLong,
    /// `field_too_long`: `place.region`, `place.city`, `aggressor.description` or
    /// `aggressor.vehicle` has more than [`MAX_SHORT_CHARS`] characters.
    FieldTooLong(&'static str),
    /// `too_many_identifiers`: `aggressor.phones`, `.handles` or `.plates` has more
    /// than [`MAX_IDENTIFIERS`] entries.
    TooManyIdentifiers(&'static str),
    /// `identifier_too_long`: an entry of `aggressor.phones`, `.handles` or `.plates`
    /// has more than [`MAX_IDENTIFIER_CHARS`] characters.
    IdentifierTooLong(&'static str),
    /// `contact_missing`: a contact follow-up whose `details` are empty once trimmed.
    ContactMissing,
    /// `contact_too_long`: contact `details` of more than [`MAX_SHORT_CHARS`] characters.
    ContactTooLong,
    /// `recipient_invalid`: a codename follow-up whose `recipient` is not an age
    /// X25519 recipient.
    RecipientInvalid,
    /// `mailbox_invalid`: a codename follow-up whose `mailbox` is not 32 lowercase hex.
    MailboxInvalid,
    /// `answer_key_invalid`: a codename follow-up whose `answer_key` is not the
    /// canonical base64 of a valid Ed25519 public key (not of small order).
    AnswerKeyInvalid,
    /// `too_many_attachments`: more than [`MAX_ATTACHMENTS`] entries in `attachments`.
    TooManyAttachments,
    /// `attachment_invalid`: an entry of `attachments` whose `size` is 0 or above the
    /// limit, or whose `sha256` is not 64 lowercase hex.
    AttachmentInvalid,
}

impl ReportProblem {
    /// Every code, in rule order.
    pub const CODES: [&'static str; 18] = [
        "malformed",
        "date_invalid",
        "format_unsupported",
        "language_invalid",
        "country_invalid",
        "category_missing",
        "category_repeated",
        "narrative_too_long",
        "field_too_long",
        "too_many_identifiers",
        "identifier_too_long",
        "contact_missing",
        "contact_too_long",
        "recipient_invalid",
        "mailbox_invalid",
        "answer_key_invalid",
        "too_many_attachments",
        "attachment_invalid",
    ];

    /// The stable code (snake_case), one of [`ReportProblem::CODES`].
    pub fn code(&self) -> &'static str {
        match self {
            ReportProblem::Malformed(_) => "malformed",
            ReportProblem::DateInvalid => "date_invalid",
            ReportProblem::FormatUnsupported => "format_unsupported",
            ReportProblem::LanguageInvalid => "language_invalid",
            ReportProblem::CountryInvalid => "country_invalid",
            ReportProblem::CategoryMissing => "category_missing",
            ReportProblem::CategoryRepeated => "category_repeated",
            ReportProblem::NarrativeTooLong => "narrative_too_long",
            ReportProblem::FieldTooLong(_) => "field_too_long",
            ReportProblem::TooManyIdentifiers(_) => "too_many_identifiers",
            ReportProblem::IdentifierTooLong(_) => "identifier_too_long",
            ReportProblem::ContactMissing => "contact_missing",
            ReportProblem::ContactTooLong => "contact_too_long",
            ReportProblem::RecipientInvalid => "recipient_invalid",
            ReportProblem::MailboxInvalid => "mailbox_invalid",
            ReportProblem::AnswerKeyInvalid => "answer_key_invalid",
            ReportProblem::TooManyAttachments => "too_many_attachments",
            ReportProblem::AttachmentInvalid => "attachment_invalid",
        }
    }

    /// The member concerned, as a dotted path (`place.city`, `follow_up.details`), or
    /// `""` for [`ReportProblem::Malformed`].
    pub fn field(&self) -> &'static str {
        match self {
            ReportProblem::Malformed(_) => "",
            ReportProblem::DateInvalid => "when.date",
            ReportProblem::FormatUnsupported => "format",
            ReportProblem::LanguageInvalid => "language",
            ReportProblem::CountryInvalid => "place.country",
            ReportProblem::CategoryMissing | ReportProblem::CategoryRepeated => "categories",
            ReportProblem::NarrativeTooLong => "narrative",
            ReportProblem::FieldTooLong(field)
            | ReportProblem::TooManyIdentifiers(field)
            | ReportProblem::IdentifierTooLong(field) => field,
            ReportProblem::ContactMissing | ReportProblem::ContactTooLong => "follow_up.details",
            ReportProblem::RecipientInvalid => "follow_up.recipient",
            ReportProblem::MailboxInvalid => "follow_up.mailbox",
            ReportProblem::AnswerKeyInvalid => "follow_up.answer_key",
            ReportProblem::TooManyAttachments | ReportProblem::AttachmentInvalid => "attachments",
        }
    }

    /// The limit a length or count rule allows (characters, or entries).
    pub fn limit(&self) -> Option<usize> {
        match self {
            ReportProblem::NarrativeTooLong => Some(MAX_NARRATIVE_CHARS),
            ReportProblem::FieldTooLong(_) | ReportProblem::ContactTooLong => Some(MAX_SHORT_CHARS),
            ReportProblem::TooManyIdentifiers(_) => Some(MAX_IDENTIFIERS),
            ReportProblem::IdentifierTooLong(_) => Some(MAX_IDENTIFIER_CHARS),
            ReportProblem::TooManyAttachments => Some(MAX_ATTACHMENTS),
            _ => None,
        }
    }

    /// A short technical explanation, in English.
    pub fn reason(&self) -> String {
        match self {
            ReportProblem::Malformed(reason) => reason.clone(),
            ReportProblem::DateInvalid => "when.date must be a day of the form YYYY-MM-DD".into(),
            ReportProblem::FormatUnsupported => {
                format!("the format is not supported (expected {REPORT_FORMAT})")
            }
            ReportProblem::LanguageInvalid => "language must be a language tag such as 'fr'".into(),
            ReportProblem::CountryInvalid => {
                "place.country must be a two-letter country code such as 'FR'".into()
            }
            ReportProblem::CategoryMissing => "choose at least one category".into(),
            ReportProblem::CategoryRepeated => "a category is listed twice".into(),
            ReportProblem::NarrativeTooLong => {
                format!("the narrative is longer than {MAX_NARRATIVE_CHARS} characters")
            }
            ReportProblem::FieldTooLong(name) => {
                format!("{name} is longer than {MAX_SHORT_CHARS} characters")
            }
            ReportProblem::TooManyIdentifiers(name) => {
                format!("{name}: at most {MAX_IDENTIFIERS} entries")
            }
            ReportProblem::IdentifierTooLong(name) => {
                format!("{name}: each entry at most {MAX_IDENTIFIER_CHARS} characters")
            }
            ReportProblem::ContactMissing => "follow_up.details must say how to reach you".into(),
            ReportProblem::ContactTooLong => {
                format!("follow_up.details is longer than {MAX_SHORT_CHARS} characters")
            }
            ReportProblem::RecipientInvalid => {
                "follow_up.recipient must be an age X25519 recipient".into()
            }
            ReportProblem::MailboxInvalid => {
                "follow_up.mailbox must be 32 lowercase hex characters".into()
            }
            ReportProblem::AnswerKeyInvalid => {
                "follow_up.answer_key must be the base64 of an Ed25519 public key".into()
            }
            ReportProblem::TooManyAttachments => {
                format!("attachments: at most {MAX_ATTACHMENTS} images")
            }
            ReportProblem::AttachmentInvalid => format!(
                "attachments: each image is 1 to {} bytes, with its SHA-256 as 64 lowercase hex",
                crate::attachment::MAX_ATTACHMENT_BYTES
            ),
        }
    }
}

impl std::fmt::Display for ReportProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code(), self.reason())
    }
}

impl std::error::Error for ReportProblem {}

impl From<ReportProblem> for Error {
    fn from(problem: ReportProblem) -> Error {
        Error::malformed("report", problem.reason())
    }
}

impl Report {
    /// Checks the limits and the rules that serde cannot express
    /// ([`Report::problem`], as an [`Error`]).
    pub fn validate(&self) -> Result<(), Error> {
        match self.problem() {
            None => Ok(()),
            Some(problem) => Err(problem.into()),
        }
    }

    /// The first rule of `docs/PROTOCOL.md` §4.3 this report breaks, if any.
    /// Lengths are in characters (Unicode scalar values); "empty" is after
    /// [`str::trim`] (Unicode `White_Space`).
    pub fn problem(&self) -> Option<ReportProblem> {
        if self.format != REPORT_FORMAT {
            return Some(ReportProblem::FormatUnsupported);
        }
        if !(2..=8).contains(&self.language.len())
            || !self
                .language
                .bytes()
                .all(|b| b.is_ascii_alphabetic() || b == b'-')
        {
            return Some(ReportProblem::LanguageInvalid);
        }
        if self.place.country.len() != 2
            || !self.place.country.bytes().all(|b| b.is_ascii_uppercase())
        {
            return Some(ReportProblem::CountryInvalid);
        }
        if self.categories.is_empty() {
            return Some(ReportProblem::CategoryMissing);
        }
        let mut seen = self.categories.clone();
        seen.sort();
        seen.dedup();
        if seen.len() != self.categories.len() {
            return Some(ReportProblem::CategoryRepeated);
        }
        if self.narrative.chars().count() > MAX_NARRATIVE_CHARS {
            return Some(ReportProblem::NarrativeTooLong);
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
                return Some(ReportProblem::FieldTooLong(name));
            }
        }
        for (name, list) in [
            ("aggressor.phones", &self.aggressor.phones),
            ("aggressor.handles", &self.aggressor.handles),
            ("aggressor.plates", &self.aggressor.plates),
        ] {
            if list.len() > MAX_IDENTIFIERS {
                return Some(ReportProblem::TooManyIdentifiers(name));
            }
            if list
                .iter()
                .any(|s| s.chars().count() > MAX_IDENTIFIER_CHARS)
            {
                return Some(ReportProblem::IdentifierTooLong(name));
            }
        }
        match &self.follow_up {
            FollowUp::None => {}
            FollowUp::Contact { details } => {
                if details.trim().is_empty() {
                    return Some(ReportProblem::ContactMissing);
                }
                if details.chars().count() > MAX_SHORT_CHARS {
                    return Some(ReportProblem::ContactTooLong);
                }
            }
            FollowUp::Codename {
                recipient,
                mailbox,
                answer_key,
            } => {
                if crate::bundle::parse_recipient(recipient).is_err() {
                    return Some(ReportProblem::RecipientInvalid);
                }
                if !crate::mailbox::is_mailbox_id(mailbox) {
                    return Some(ReportProblem::MailboxInvalid);
                }
                if let Some(key) = answer_key {
                    let canonical = crate::keys::PublicKey::from_base64(key)
                        .is_ok_and(|parsed| parsed.to_base64() == *key);
                    if !canonical {
                        return Some(ReportProblem::AnswerKeyInvalid);
                    }
                }
            }
        }
        if self.attachments.len() > MAX_ATTACHMENTS {
            return Some(ReportProblem::TooManyAttachments);
        }
        if !self.attachments.iter().all(Attachment::is_valid) {
            return Some(ReportProblem::AttachmentInvalid);
        }
        None
    }

    /// Decodes report JSON and checks it, naming the first problem: `malformed` when
    /// it does not decode, `date_invalid` when only `when.date` keeps it from
    /// decoding, else [`Report::problem`]. This is what the shared vectors
    /// (`tests/vectors/reports/`) check, here and in the page script.
    pub fn check_json(bytes: &[u8]) -> Result<Report, ReportProblem> {
        let report = match serde_json::from_slice::<Report>(bytes) {
            Ok(report) => report,
            Err(e) => {
                let malformed = ReportProblem::Malformed(e.to_string());
                let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
                    return Err(malformed);
                };
                let Some(date) = value.pointer_mut("/when/date") else {
                    return Err(malformed);
                };
                let not_a_day = date.as_str().is_some_and(|d| Day::parse(d).is_err());
                if !not_a_day {
                    return Err(malformed);
                }
                // Would it decode with a real day there?
                *date = serde_json::Value::from("2000-01-01");
                return Err(match serde_json::from_value::<Report>(value) {
                    Ok(_) => ReportProblem::DateInvalid,
                    Err(_) => malformed,
                });
            }
        };
        match report.problem() {
            None => Ok(report),
            Some(problem) => Err(problem),
        }
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
            attachments: Vec::new(),
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
            FollowUp::Codename {
                recipient,
                mailbox,
                answer_key,
            } => {
                recipient.zeroize();
                mailbox.zeroize();
                answer_key.zeroize();
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
    fn fail_each_rule_has_its_code_and_field() {
        let check = |change: fn(&mut Report), code: &str, field: &str| {
            let mut report = Report::example(day());
            change(&mut report);
            let problem = report.problem().expect(code);
            assert_eq!((problem.code(), problem.field()), (code, field));
            assert!(ReportProblem::CODES.contains(&problem.code()));
            assert!(report.validate().is_err());
        };
        check(|r| r.format = 2, "format_unsupported", "format");
        check(|r| r.language = "f".into(), "language_invalid", "language");
        check(
            |r| r.place.country = "fr".into(),
            "country_invalid",
            "place.country",
        );
        check(|r| r.categories.clear(), "category_missing", "categories");
        check(
            |r| r.narrative = "a".repeat(MAX_NARRATIVE_CHARS + 1),
            "narrative_too_long",
            "narrative",
        );
        check(
            |r| r.aggressor.vehicle = Some("v".repeat(MAX_SHORT_CHARS + 1)),
            "field_too_long",
            "aggressor.vehicle",
        );
        check(
            |r| r.aggressor.plates = vec!["AB".into(); MAX_IDENTIFIERS + 1],
            "too_many_identifiers",
            "aggressor.plates",
        );
        check(
            |r| r.aggressor.handles = vec!["h".repeat(MAX_IDENTIFIER_CHARS + 1)],
            "identifier_too_long",
            "aggressor.handles",
        );
        check(
            |r| {
                r.follow_up = FollowUp::Contact {
                    details: " \u{85}\u{3000}".into(),
                }
            },
            "contact_missing",
            "follow_up.details",
        );
        check(
            |r| {
                r.follow_up = FollowUp::Codename {
                    recipient: "age1nope".into(),
                    mailbox: "0".repeat(32),
                    answer_key: None,
                }
            },
            "recipient_invalid",
            "follow_up.recipient",
        );
    }

    #[test]
    fn limits_count_characters_not_bytes() {
        let mut report = Report::example(day());
        report.narrative = "\u{1F338}".repeat(MAX_NARRATIVE_CHARS);
        assert_eq!(report.problem(), None);
        report.narrative.push('a');
        assert_eq!(report.problem(), Some(ReportProblem::NarrativeTooLong));
    }

    #[test]
    fn check_json_names_malformed_and_date_problems() {
        let mut value = serde_json::to_value(Report::example(day())).unwrap();
        let json = |v: &serde_json::Value| serde_json::to_vec(v).unwrap();
        assert!(Report::check_json(&json(&value)).is_ok());
        value["when"]["date"] = "2026-02-30".into();
        assert_eq!(
            Report::check_json(&json(&value)),
            Err(ReportProblem::DateInvalid)
        );
        value["severity"] = "deadly".into();
        assert_eq!(
            Report::check_json(&json(&value)).unwrap_err().code(),
            "malformed"
        );
        assert_eq!(Report::check_json(b"[]").unwrap_err().code(), "malformed");
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
