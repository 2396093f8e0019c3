//! The report form without JavaScript: the browser posts the fields, the server
//! builds the report, encrypts it at once with the same code as `client-lib`, to the
//! moderators of the current bundle, and stores only the ciphertext. The plaintext
//! lives only in this request's memory and is wiped when it ends. An operator can
//! turn this path off (`web.server_side_encryption = false`).

use askama::Template;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use jasmine_client::attachment::{self, MAX_ATTACHMENTS};
use jasmine_client::codename::Codename;
use jasmine_client::report::{
    Aggressor, Category, DatePrecision, FollowUp, PartOfDay, Place, Report, ReportProblem, Setting,
    Severity, When, REPORT_FORMAT,
};
use jasmine_client::{envelope, Day};
use zeroize::Zeroizing;

use super::chosen;
use super::i18n::Tr;
use super::pages::{PageBase, ReportForm};
use super::{html, not_found, site, Site};
use crate::admission::NoJsPath;
use crate::routes::{new_random_id, read_body};
use crate::state::AppState;
use crate::storage::WriteOp;

/// Largest form body.
const MAX_FORM_BYTES: usize = 256 * 1024;

#[derive(Template)]
#[template(path = "sent.html")]
struct Sent<'a> {
    p: PageBase<'a>,
    received_on: String,
    path_used: &'static str,
    browser: bool,
    /// The codename, shown once, when the reporter asked for one (empty otherwise).
    codename_text: Zeroizing<String>,
    /// How many images went with it, scrubbed and encrypted by the server.
    images: usize,
}

fn refuse(site: &Site, status: StatusCode, reason: String) -> Response {
    html(status, ReportForm::new(site, Some(reason)).render())
}

/// The form again, with the reason and everything she sent filled in again (nothing
/// she wrote is lost to a mistake).
fn refuse_refilled(
    site: &Site,
    status: StatusCode,
    reason: String,
    sent: super::fields::FormFields,
    focus: &'static str,
) -> Response {
    let mut form = ReportForm::new(site, Some(reason));
    form.sent = sent;
    form.focus = focus;
    html(status, form.render())
}

/// Why a posted form is not a report: a rule of client-lib's `Report` (shown in the
/// visitor's language), a question left unanswered (the message id of its label), or
/// another mistake (named technically).
#[derive(Debug)]
enum FormError {
    Problem(ReportProblem),
    Unanswered(&'static str),
    Other(String),
}

impl From<String> for FormError {
    fn from(reason: String) -> Self {
        FormError::Other(reason)
    }
}

/// The report members a problem can name: (member, the form field's `name`, the
/// message id of its label). The page's script maps members to fields the same way
/// (`PROBLEM_FIELDS` in `page.js`).
const PROBLEM_FIELDS: [(&str, &str, &str); 12] = [
    ("when.date", "date", "report-date"),
    ("place.country", "country", "report-country"),
    ("place.region", "region", "report-region"),
    ("place.city", "city", "report-city"),
    ("categories", "category", "report-categories"),
    ("aggressor.description", "description", "report-description"),
    ("aggressor.phones", "phones", "report-phones"),
    ("aggressor.handles", "handles", "report-handles"),
    ("aggressor.vehicle", "vehicle", "report-vehicle"),
    ("aggressor.plates", "plates", "report-plates"),
    ("narrative", "narrative", "report-narrative"),
    ("follow_up.details", "contact", "report-contact"),
];

/// The form field (`name`) and label message id of a report member, if it has one.
fn problem_field(member: &str) -> Option<(&'static str, &'static str)> {
    PROBLEM_FIELDS
        .iter()
        .find(|(m, _, _)| *m == member)
        .map(|(_, field, label)| (*field, *label))
}

/// The Fluent message `problem-<code>`, with `$max` the rule's limit and `$field` the
/// given label.
fn problem_text(tr: &Tr, problem: &ReportProblem, label: &str) -> String {
    let id = format!("problem-{}", problem.code().replace('_', "-"));
    let max = problem.limit().map(|l| l.to_string()).unwrap_or_default();
    tr.t2(&id, "field", label, "max", &max)
}

/// What the visitor reads about a problem, in their language.
fn problem_message(tr: &Tr, problem: &ReportProblem) -> String {
    let label = problem_field(problem.field()).map_or_else(String::new, |(_, id)| tr.t(id));
    problem_text(tr, problem, &label)
}

/// One problem of every code, for its message.
fn every_problem() -> [ReportProblem; 18] {
    [
        ReportProblem::Malformed(String::new()),
        ReportProblem::DateInvalid,
        ReportProblem::FormatUnsupported,
        ReportProblem::LanguageInvalid,
        ReportProblem::CountryInvalid,
        ReportProblem::CategoryMissing,
        ReportProblem::CategoryRepeated,
        ReportProblem::NarrativeTooLong,
        ReportProblem::FieldTooLong(""),
        ReportProblem::TooManyIdentifiers(""),
        ReportProblem::IdentifierTooLong(""),
        ReportProblem::ContactMissing,
        ReportProblem::ContactTooLong,
        ReportProblem::RecipientInvalid,
        ReportProblem::MailboxInvalid,
        ReportProblem::AnswerKeyInvalid,
        ReportProblem::TooManyAttachments,
        ReportProblem::AttachmentInvalid,
    ]
}

/// For the page's script, which checks the report before encrypting it: the message
/// of every problem code as (`data-problem-…` attribute suffix, text), with `{field}`
/// where the script puts the field's label.
pub fn problem_messages(tr: &Tr) -> Vec<(String, String)> {
    every_problem()
        .iter()
        .map(|problem| {
            (
                problem.code().replace('_', "-"),
                problem_text(tr, problem, "{field}"),
            )
        })
        .collect()
}

/// Query of the confirmation page after the browser sent the ciphertext itself.
#[derive(serde::Deserialize)]
pub struct SentQuery {
    on: String,
}

/// `GET /<lang>/report/sent?on=<day>`: the confirmation after an in-browser encryption.
pub async fn sent_by_browser(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    query: Result<axum::extract::Query<SentQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Some(site) = site(&state, &lang) else {
        return not_found();
    };
    let Ok(axum::extract::Query(query)) = query else {
        return not_found();
    };
    let Ok(day) = Day::parse(&query.on) else {
        return not_found();
    };
    let page = Sent {
        p: PageBase::new(&site, "/r"),
        received_on: site.tr.day(day),
        path_used: "browser",
        browser: true,
        codename_text: Zeroizing::new(String::new()),
        images: 0,
    };
    html(StatusCode::OK, page.render())
}

pub async fn submit(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(site) = site(&state, &lang) else {
        return not_found();
    };
    if !state.web().server_side_encryption {
        return html(StatusCode::FORBIDDEN, ReportForm::new(&site, None).render());
    }
    // With images the form comes as multipart/form-data (its file input), held in
    // memory until stored: only a few at once.
    let boundary = crate::upload::form_data_boundary(&headers);
    let _place = match boundary {
        Some(_) => match state.upload_place() {
            Some(place) => Some(place),
            None => {
                let page = refuse(
                    &site,
                    StatusCode::SERVICE_UNAVAILABLE,
                    site.tr.t("admission-busy-report"),
                );
                return super::retry_after(page, 60);
            }
        },
        None => None,
    };
    let limit = match boundary {
        Some(_) => chosen::max_form_bytes(MAX_FORM_BYTES),
        None => MAX_FORM_BYTES,
    };
    let raw = match read_body(&headers, body, limit).await {
        Ok(bytes) => bytes,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return refuse(&site, e.status(), site.tr.t("attach-error-too-large"))
        }
        Err(e) => return refuse(&site, e.status(), format!("{e:?}")),
    };
    // What she sent: read into a report, and filled in again in the form if anything
    // is wrong; wiped on drop (and so is the copy of a urlencoded body it is read from).
    let (mut sent, chosen) = match &boundary {
        None => (
            super::fields::FormFields::parse(&Zeroizing::new(raw.to_vec())),
            Vec::new(),
        ),
        Some(boundary) => match chosen::form_parts(boundary, raw).await {
            Ok(parts) => parts,
            Err(reason) => return refuse(&site, StatusCode::BAD_REQUEST, reason),
        },
    };
    if chosen.len() > MAX_ATTACHMENTS {
        let _ = sent.take("once");
        let message = site.tr.t("attach-error-too-many");
        return refuse_refilled(&site, StatusCode::BAD_REQUEST, message, sent, "attachments");
    }
    let (mut report, wants_codename) = match parse(&sent, site.tr.lang) {
        Ok((report, wants_codename)) => (Zeroizing::new(report), wants_codename),
        Err(e) => {
            let (message, focus) = match e {
                FormError::Problem(problem) => (
                    problem_message(&site.tr, &problem),
                    problem_field(problem.field()).map_or("", |(field, _)| field),
                ),
                FormError::Unanswered(label) => (
                    site.tr.t1("report-unanswered", "field", &site.tr.t(label)),
                    "severity",
                ),
                FormError::Other(reason) => (reason, ""),
            };
            // A fresh token: the refilled form is sent again as a new one.
            let _ = sent.take("once");
            return refuse_refilled(&site, StatusCode::BAD_REQUEST, message, sent, focus);
        }
    };
    // The images are scrubbed here, in memory, a few requests at a time (the upload
    // places), off the async threads, on the hourly budget of this path (taken first:
    // the decoding is the costly part); a file that cannot be sent stops the report
    // before anything is stored, and the form comes back filled in.
    let nojs_budget_taken = !chosen.is_empty();
    let images = if chosen.is_empty() {
        Vec::new()
    } else {
        if let Some(page) = busy_without_budget(&state, &site) {
            return page;
        }
        match chosen::scrub_all(chosen).await {
            Ok(images) => images,
            Err((n, e)) => {
                let message = chosen::refusal(&site.tr, n, &e);
                let _ = sent.take("once");
                return refuse_refilled(
                    &site,
                    StatusCode::BAD_REQUEST,
                    message,
                    sent,
                    "attachments",
                );
            }
        }
    };
    // The form is good for one report: posted again (Back, reload), it stores nothing
    // and shows nothing of the first. A token that is missing or too old (a server
    // restart voids them) does not cost her the report.
    let token = sent.take("once");
    drop(sent);
    if let Err(crate::once::Refused::Spent) = state.form_tokens().spend(&token) {
        return refuse(&site, StatusCode::CONFLICT, site.tr.t("once-report"));
    }
    // No puzzle without JavaScript: the server's work (a codename's Argon2id, the
    // encryption) runs on an hourly budget of its own, which an attacker can spend
    // without touching any other path.
    if !nojs_budget_taken {
        if let Some(page) = busy_without_budget(&state, &site) {
            return page;
        }
    }
    // The codename is made here, in memory, and shown once; only the recipient and
    // the mailbox id derived from it go into the encrypted report.
    let codename = if wants_codename {
        let codename = Codename::generate(&mut rand::rngs::OsRng);
        let keys = match super::replies::derive(&codename).await {
            Ok(keys) => keys,
            Err(reason) => return refuse(&site, StatusCode::SERVICE_UNAVAILABLE, reason),
        };
        report.follow_up = FollowUp::through_codename(&keys);
        Some(codename)
    } else {
        None
    };
    let today = Day::today_utc();
    let verified = match state.verified_bundle(today) {
        Ok(verified) => verified,
        Err(reason) => return refuse(&site, StatusCode::SERVICE_UNAVAILABLE, reason),
    };
    let attachments = if images.is_empty() {
        None
    } else {
        match attachment::seal(&images, &verified.recipients()) {
            Ok((file, entries)) => {
                report.attachments = entries;
                Some(file)
            }
            Err(e) => return refuse(&site, StatusCode::BAD_REQUEST, e.to_string()),
        }
    };
    let image_count = images.len();
    drop(images);
    let ciphertext = match envelope::seal_report(&report, &verified) {
        Ok(c) => c,
        Err(e) => return refuse(&site, StatusCode::BAD_REQUEST, e.to_string()),
    };
    drop(report);
    let stored = state
        .storage()
        .write(WriteOp::InsertReport {
            id: new_random_id(),
            received_on: today,
            bundle_version: verified.version(),
            ciphertext,
            attachments,
            // Without JavaScript there is no puzzle: the day's reserve is not for it.
            may_use_reserve: false,
        })
        .await;
    if let Err(e) = stored {
        let status = crate::error::ApiError::from(e).status();
        return refuse(&site, status, site.tr.t("admission-full"));
    }
    tracing::debug!("a report was stored (web form, encrypted by the server)");
    let page = Sent {
        p: PageBase::new(&site, "/r"),
        received_on: site.tr.day(today),
        path_used: "server",
        browser: false,
        codename_text: codename.map_or_else(|| Zeroizing::new(String::new()), |c| c.display()),
        images: image_count,
    };
    html(StatusCode::CREATED, page.render())
}

/// Takes one use of this path's hourly budget (no puzzle without JavaScript); when it
/// is spent, the page that says to come back later, with `Retry-After`.
fn busy_without_budget(state: &AppState, site: &Site) -> Option<Response> {
    let wait = state.admission().take_nojs(NoJsPath::Report).err()?;
    let page = refuse(
        site,
        StatusCode::SERVICE_UNAVAILABLE,
        site.tr.t("admission-busy-report"),
    );
    Some(super::retry_after(page, wait))
}

fn list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

fn optional(text: &str) -> Option<String> {
    let trimmed = text.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

fn enum_value<T: serde::de::DeserializeOwned>(field: &str, value: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(value.to_string()))
        .map_err(|_| format!("{field}: '{value}'"))
}

/// The no-JavaScript report form's parser as the fuzz targets (`fuzz/`) call it: the
/// posted body read as the route reads it, then the report and whether she asked for a
/// codename, or why it is refused.
pub fn report_from_form(body: &[u8], lang: &str) -> Result<(Report, bool), String> {
    parse(&super::fields::FormFields::parse(body), lang).map_err(|e| match e {
        FormError::Problem(problem) => problem.reason(),
        FormError::Unanswered(label) => format!("unanswered: {label}"),
        FormError::Other(reason) => reason,
    })
}

/// Builds a report from the form fields, and whether the reporter asked for a
/// codename (the caller fills in `follow_up` then); the error is the report's first
/// problem (client-lib's rules, as the page's script checks them) or names the field.
fn parse(fields: &super::fields::FormFields, lang: &str) -> Result<(Report, bool), FormError> {
    // The values are read in place, in the fields (wiped when they drop): only their
    // trimmed copies go into the report, which wipes itself.
    let date = Day::parse(fields.value("date").trim())
        .map_err(|_| FormError::Problem(ReportProblem::DateInvalid))?;
    // Unanswered, the date's precision is "approximate": nothing is assumed for her.
    let precision = fields.value("precision");
    let precision: DatePrecision = if precision.is_empty() {
        DatePrecision::Approximate
    } else {
        enum_value("precision", precision)?
    };
    let part = fields.value("part_of_day");
    let part_of_day: Option<PartOfDay> = if part.is_empty() {
        None
    } else {
        Some(enum_value("part_of_day", part)?)
    };
    let setting: Setting = enum_value("setting", fields.value("setting"))?;
    let severity = fields.value("severity");
    if severity.is_empty() {
        return Err(FormError::Unanswered("report-severity"));
    }
    let severity: Severity = enum_value("severity", severity)?;
    let follow_up_choice = fields.value("follow_up");
    let wants_codename = follow_up_choice == "codename";
    let follow_up = match follow_up_choice {
        "contact" => FollowUp::Contact {
            details: fields.value("contact").trim().to_string(),
        },
        _ => FollowUp::None,
    };
    let consent_to_publish = fields.value("consent") == "yes";
    let country = fields.value("country").trim().to_ascii_uppercase();
    let region = optional(fields.value("region"));
    let city = optional(fields.value("city"));
    let description = fields.value("description").trim().to_string();
    let phones = list(fields.value("phones"));
    let handles = list(fields.value("handles"));
    let vehicle = optional(fields.value("vehicle"));
    let plates = list(fields.value("plates"));
    let narrative = fields.value("narrative").trim().to_string();
    let mut categories = Vec::new();
    for value in fields.all("category") {
        let category = Category::parse(value).ok_or_else(|| format!("category: '{value}'"))?;
        if !categories.contains(&category) {
            categories.push(category);
        }
    }
    let report = Report {
        format: REPORT_FORMAT,
        language: lang.to_string(),
        when: When {
            date,
            precision,
            part_of_day,
        },
        place: Place {
            country: if country.is_empty() {
                "FR".into()
            } else {
                country
            },
            region,
            city,
            setting,
        },
        categories,
        severity,
        aggressor: Aggressor {
            description,
            phones,
            handles,
            vehicle,
            plates,
        },
        narrative,
        follow_up,
        consent_to_publish,
        attachments: Vec::new(),
    };
    if let Some(problem) = report.problem() {
        return Err(FormError::Problem(problem));
    }
    if report.when.date > Day::today_utc() {
        return Err("date: in the future".to_string().into());
    }
    Ok((report, wants_codename))
}

#[cfg(test)]
mod tests {
    use super::super::fields::FormFields;
    use super::*;

    #[test]
    fn a_filled_form_becomes_a_report() {
        let body = "date=2026-11-20&precision=day&part_of_day=night&country=fr&region=13&city=Marseille&setting=hotel\
                    &category=rape&category=theft_or_non_payment&severity=very_dangerous&description=Grand\
                    &phones=06+12+34+56+78%2C+07+00&handles=&vehicle=&plates=AB-123-CD&narrative=Il+m%27a+frapp%C3%A9\
                    &follow_up=contact&contact=lola%40example.org&consent=yes";
        let (report, wants_codename) = parse(&FormFields::parse(body.as_bytes()), "fr").unwrap();
        assert!(!wants_codename);
        assert_eq!(report.place.country, "FR");
        assert_eq!(
            report.categories,
            vec![Category::Rape, Category::TheftOrNonPayment]
        );
        assert_eq!(report.aggressor.phones, vec!["06 12 34 56 78", "07 00"]);
        assert_eq!(report.narrative, "Il m'a frappé");
        assert_eq!(
            report.follow_up,
            FollowUp::Contact {
                details: "lola@example.org".into()
            }
        );
        assert!(report.consent_to_publish);
        assert_eq!(report.aggressor.vehicle, None);
    }

    fn reason(error: FormError) -> String {
        match error {
            FormError::Problem(problem) => problem.code().to_string(),
            FormError::Unanswered(label) => format!("unanswered {label}"),
            FormError::Other(reason) => reason,
        }
    }

    /// Nothing is assumed for her: an unanswered precision is "approximate", an
    /// unanswered danger is asked again.
    #[test]
    fn unanswered_questions_are_not_answered_for_her() {
        let base = "date=2026-11-20&setting=hotel&category=threats";
        let (report, _) = parse(
            &FormFields::parse(format!("{base}&severity=risky").as_bytes()),
            "fr",
        )
        .unwrap();
        assert_eq!(report.when.precision, DatePrecision::Approximate);
        assert_eq!(
            reason(parse(&FormFields::parse(base.as_bytes()), "fr").unwrap_err()),
            "unanswered report-severity"
        );
    }

    #[test]
    fn fail_missing_category_bad_values_and_future_dates_are_named() {
        let base = "date=2026-11-20&precision=day&setting=hotel&severity=risky";
        assert_eq!(
            reason(parse(&FormFields::parse(base.as_bytes()), "fr").unwrap_err()),
            "category_missing"
        );
        assert!(reason(
            parse(
                &FormFields::parse(format!("{base}&category=murder").as_bytes()),
                "fr"
            )
            .unwrap_err()
        )
        .contains("murder"));
        let bad_setting = base.replace("hotel", "castle") + "&category=threats";
        assert!(
            reason(parse(&FormFields::parse(bad_setting.as_bytes()), "fr").unwrap_err())
                .contains("setting")
        );
        let future = base.replace("2026-11-20", "2999-01-01") + "&category=threats";
        assert!(
            reason(parse(&FormFields::parse(future.as_bytes()), "fr").unwrap_err())
                .contains("future")
        );
    }

    #[test]
    fn fail_the_rules_of_a_report_give_their_problem_code() {
        let base = "date=2026-11-20&precision=day&setting=hotel&severity=risky&category=threats";
        let code = |extra: &str| {
            reason(
                parse(
                    &FormFields::parse(format!("{base}{extra}").as_bytes()),
                    "fr",
                )
                .unwrap_err(),
            )
        };
        assert_eq!(code("&follow_up=contact&contact=+++"), "contact_missing");
        let long = "a".repeat(jasmine_client::report::MAX_NARRATIVE_CHARS + 1);
        assert_eq!(code(&format!("&narrative={long}")), "narrative_too_long");
        assert_eq!(code("&country=FRA"), "country_invalid");
        let date =
            "date=20%2F11%2F2026&precision=day&setting=hotel&severity=risky&category=threats";
        assert_eq!(
            reason(parse(&FormFields::parse(date.as_bytes()), "fr").unwrap_err()),
            "date_invalid"
        );
    }

    #[test]
    fn every_problem_code_has_a_message_in_every_language() {
        let codes: Vec<&str> = every_problem().iter().map(|p| p.code()).collect();
        assert_eq!(
            codes,
            ReportProblem::CODES,
            "every_problem lists every code, in order"
        );
        let catalog = super::super::i18n::Catalog::load().unwrap();
        for lang in super::super::i18n::LANGUAGES {
            let tr = catalog.translator(lang);
            for (code, text) in problem_messages(&tr) {
                assert!(
                    !text.starts_with("problem-"),
                    "{lang}: no message for {code}"
                );
                let problem = every_problem()
                    .into_iter()
                    .find(|p| p.code().replace('_', "-") == code)
                    .unwrap();
                if let Some(max) = problem.limit() {
                    assert!(text.contains(&max.to_string()), "{lang} {code}: {text}");
                }
                if matches!(
                    problem,
                    ReportProblem::FieldTooLong(_)
                        | ReportProblem::TooManyIdentifiers(_)
                        | ReportProblem::IdentifierTooLong(_)
                ) {
                    assert!(text.contains("{field}"), "{lang} {code}: {text}");
                }
            }
            let message = problem_message(&tr, &ReportProblem::FieldTooLong("place.city"));
            assert!(message.contains(&tr.t("report-city")), "{lang}: {message}");
        }
    }
}
