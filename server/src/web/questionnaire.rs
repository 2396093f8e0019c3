//! The medical questionnaire: short questions in the visitor's language, and a one-page
//! summary for emergency staff **in French**, followed by the same in her language.
//! Nothing is stored, logged or sent on: without JavaScript the summary is built in
//! the request from the posted form and forgotten (the response is `no-store`, as every
//! page that does not say otherwise: `app::privacy_headers`); with
//! JavaScript, `static/questionnaire.js` builds the same summary in the page from the
//! French labels the form carries (`data-fr`), and nothing leaves the browser.
//!
//! Each question's part of the summary depends on that question's answer alone, so the
//! French summary is complete for every combination of answers when it is complete for
//! every answer of every question, which the tests enumerate.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use zeroize::Zeroize;

use super::i18n::{Tr, DEFAULT_LANGUAGE};
use super::pages::PageBase;
use super::{html, not_found, site};
use crate::state::AppState;

/// How a question is answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Radio buttons: at most one option.
    One,
    /// Check boxes: any set of options.
    Many,
    /// A short free text, up to [`TEXT_LIMIT`] characters.
    Text,
}

/// One question; its label is the message `mq-<id>`, each option's `mq-<id>-<option>`.
#[derive(Debug)]
pub struct Question {
    pub id: &'static str,
    pub kind: Kind,
    pub options: &'static [&'static str],
}

/// Longest free-text answer, in characters.
pub const TEXT_LIMIT: usize = 500;

/// The questions, in order; the last is a free note to the medical team.
pub const QUESTIONS: [Question; 15] = [
    Question {
        id: "what",
        kind: Kind::Many,
        options: &["sexual", "condom", "hit", "strangled", "robbery", "other"],
    },
    Question {
        id: "when",
        kind: Kind::One,
        options: &["lt24", "h24to48", "h48to72", "gt72", "unknown"],
    },
    Question {
        id: "condom",
        kind: Kind::One,
        options: &["whole", "removed", "broke", "none", "no-sex"],
    },
    Question {
        id: "exposure",
        kind: Kind::Many,
        options: &["vaginal", "anal", "oral", "ejaculation", "blood", "needle"],
    },
    Question {
        id: "prep",
        kind: Kind::One,
        options: &["daily", "on-demand", "no", "unknown"],
    },
    Question {
        id: "contraception",
        kind: Kind::One,
        options: &["regular", "none", "not-concerned", "unknown"],
    },
    Question {
        id: "injuries",
        kind: Kind::Many,
        options: &["bruises", "cuts", "head", "genital", "breathing", "none"],
    },
    Question {
        id: "pain",
        kind: Kind::One,
        options: &["none", "mild", "strong", "very-strong"],
    },
    Question {
        id: "allergies",
        kind: Kind::One,
        options: &["no", "yes", "unknown"],
    },
    Question {
        id: "allergies-common",
        kind: Kind::Many,
        options: &["penicillin", "antibiotics", "nsaids", "latex", "iodine"],
    },
    Question {
        id: "allergies-detail",
        kind: Kind::Text,
        options: &[],
    },
    Question {
        id: "treatments",
        kind: Kind::One,
        options: &["no", "yes"],
    },
    Question {
        id: "treatments-detail",
        kind: Kind::Text,
        options: &[],
    },
    Question {
        id: "requests",
        kind: Kind::Many,
        options: &[
            "pep",
            "emergency-contraception",
            "tests",
            "certificate",
            "psychologist",
            "interpreter",
        ],
    },
    Question {
        id: "notes",
        kind: Kind::Text,
        options: &[],
    },
];

/// The French name of each site language, for the French summary's first line.
const FRENCH_NAMES: [(&str, &str); 10] = [
    ("fr", "français"),
    ("en", "anglais"),
    ("es", "espagnol"),
    ("pt", "portugais"),
    ("ro", "roumain"),
    ("bg", "bulgare"),
    ("ru", "russe"),
    ("uk", "ukrainien"),
    ("zh", "chinois"),
    ("ar", "arabe"),
];

/// The French name of a site language (a language code for an unknown one).
fn french_name(lang: &str) -> &str {
    FRENCH_NAMES
        .iter()
        .find(|(code, _)| *code == lang)
        .map_or(lang, |(_, name)| *name)
}

/// One question's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    None,
    Options(Vec<&'static str>),
    Text(String),
}

/// Every answer, in the order of [`QUESTIONS`]; texts are wiped on drop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answers {
    pub answers: Vec<Answer>,
}

impl Drop for Answers {
    fn drop(&mut self) {
        for answer in &mut self.answers {
            if let Answer::Text(text) = answer {
                text.zeroize();
            }
        }
    }
}

/// The message id of a question (`option: None`) or of one of its options.
pub fn message_id(question: &str, option: Option<&str>) -> String {
    match option {
        Some(option) => format!("mq-{question}-{option}"),
        None => format!("mq-{question}"),
    }
}

fn free_text(name: &str, value: &str) -> Result<String, String> {
    let text = value.trim().replace("\r\n", "\n");
    if text.chars().count() > TEXT_LIMIT {
        return Err(format!("'{name}' is longer than {TEXT_LIMIT} characters"));
    }
    Ok(text)
}

impl Answers {
    /// Reads the posted form. Unknown fields, unknown options, two answers to a
    /// one-answer question and over-long texts are refused with the field's name.
    pub fn from_form(pairs: &[(String, String)]) -> Result<Answers, String> {
        let mut answers = vec![Answer::None; QUESTIONS.len()];
        for (name, value) in pairs {
            // The form's single-use token (taken out before, by the handler).
            if name == "once" {
                continue;
            }
            let (index, question) = QUESTIONS
                .iter()
                .enumerate()
                .find(|(_, q)| q.id == name)
                .ok_or_else(|| format!("the form has no question '{name}'"))?;
            match question.kind {
                Kind::Text => {
                    let text = free_text(name, value)?;
                    answers[index] = if text.is_empty() {
                        Answer::None
                    } else {
                        Answer::Text(text)
                    };
                }
                Kind::One | Kind::Many => {
                    let option = question
                        .options
                        .iter()
                        .copied()
                        .find(|o| o == value)
                        .ok_or_else(|| format!("'{value}' is not an answer to '{name}'"))?;
                    match &mut answers[index] {
                        Answer::Options(chosen) if question.kind == Kind::Many => {
                            if !chosen.contains(&option) {
                                chosen.push(option);
                            }
                        }
                        Answer::Options(_) => {
                            return Err(format!("'{name}' takes one answer"));
                        }
                        slot => *slot = Answer::Options(vec![option]),
                    }
                }
            }
        }
        // Options in the form's order, whatever order the browser sent them in.
        for (answer, question) in answers.iter_mut().zip(&QUESTIONS) {
            if let Answer::Options(chosen) = answer {
                chosen.sort_by_key(|o| question.options.iter().position(|x| x == o));
            }
        }
        Ok(Answers { answers })
    }
}

/// One line of a summary: the question and its answers (`text`: written by the
/// person, shown as she wrote it). Wiped on drop.
#[derive(Debug, Clone)]
pub struct Line {
    pub question: String,
    pub answers: Vec<String>,
    pub text: bool,
}

impl Drop for Line {
    fn drop(&mut self) {
        self.answers.zeroize();
    }
}

/// The words around a summary's lines, in one language.
#[derive(Debug, Clone)]
pub struct Frame {
    pub title: String,
    /// Who filled it in, in which language, on which day.
    pub lead: String,
    pub note: String,
    pub no_answer: String,
}

impl Frame {
    /// The frame in `tr`'s language for a questionnaire filled in `filled_in` on `day`
    /// (the language named in French for the French summary, by its own name otherwise).
    pub fn new(tr: &Tr, filled_in: &str, day: &str) -> Frame {
        let language = if tr.lang == DEFAULT_LANGUAGE {
            french_name(filled_in).to_string()
        } else {
            tr.t("language-name")
        };
        Frame {
            title: tr.t("mq-summary-title"),
            lead: tr.t2("mq-summary-lead", "language", &language, "day", day),
            note: tr.t("mq-summary-note"),
            no_answer: tr.t("mq-no-answer"),
        }
    }
}

/// A summary in one language.
#[derive(Debug, Clone)]
pub struct Summary {
    pub lang: &'static str,
    pub dir: &'static str,
    pub frame: Frame,
    pub lines: Vec<Line>,
}

/// The medical questionnaire's parser as the fuzz targets (`fuzz/`) call it: the posted
/// body read as the route reads it, then its summaries in French and in `lang` (or why
/// it is refused); returns how many lines each summary has.
pub fn summaries_from_form(
    catalog: &super::Catalog,
    body: &[u8],
    lang: &str,
) -> Result<Vec<usize>, String> {
    let fields = super::fields::FormFields::parse(body);
    let answers = Answers::from_form(fields.pairs())?;
    let day = today();
    let summaries = [DEFAULT_LANGUAGE, lang]
        .iter()
        .map(|l| {
            summary(&catalog.translator(l), &answers, lang, &day)
                .lines
                .len()
        })
        .collect();
    Ok(summaries)
}

/// The summary of `answers` in `tr`'s language, for a questionnaire filled in
/// `filled_in` on `day`.
pub fn summary(tr: &Tr, answers: &Answers, filled_in: &str, day: &str) -> Summary {
    let frame = Frame::new(tr, filled_in, day);
    // Questions she left unanswered are left out: the summary says what she said.
    let lines = QUESTIONS
        .iter()
        .zip(&answers.answers)
        .filter(|(_, answer)| !matches!(answer, Answer::None))
        .map(|(question, answer)| {
            let (answers, text) = match answer {
                Answer::None => (Vec::new(), false),
                Answer::Options(chosen) => (
                    chosen
                        .iter()
                        .map(|o| tr.t(&message_id(question.id, Some(o))))
                        .collect(),
                    false,
                ),
                Answer::Text(text) => (vec![text.clone()], true),
            };
            Line {
                question: tr.t(&message_id(question.id, None)),
                answers,
                text,
            }
        })
        .collect();
    Summary {
        lang: tr.lang,
        dir: tr.dir(),
        frame,
        lines,
    }
}

/// A question as the form shows it: its label in the visitor's language and in
/// French, and its options (value, label, French label).
pub struct FormQuestion {
    pub id: &'static str,
    pub kind: Kind,
    pub label: String,
    pub label_fr: String,
    pub options: Vec<(&'static str, String, String)>,
}

impl FormQuestion {
    pub fn is_text(&self) -> bool {
        self.kind == Kind::Text
    }
    pub fn input_type(&self) -> &'static str {
        if self.kind == Kind::Many {
            "checkbox"
        } else {
            "radio"
        }
    }
}

fn form_questions(tr: &Tr, fr: &Tr) -> Vec<FormQuestion> {
    QUESTIONS
        .iter()
        .map(|q| FormQuestion {
            id: q.id,
            kind: q.kind,
            label: tr.t(&message_id(q.id, None)),
            label_fr: fr.t(&message_id(q.id, None)),
            options: q
                .options
                .iter()
                .map(|o| {
                    let id = message_id(q.id, Some(o));
                    (*o, tr.t(&id), fr.t(&id))
                })
                .collect(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "questionnaire.html")]
struct FormPage<'a> {
    p: PageBase<'a>,
    questions: Vec<FormQuestion>,
    /// The summary's frame in French and in the visitor's language, for the page
    /// script (the lead holds `{day}`, which the script fills in).
    fr: Frame,
    own: Frame,
    error: Option<String>,
    limit: usize,
}

#[derive(Template)]
#[template(path = "questionnaire_summary.html")]
struct SummaryPage<'a> {
    p: PageBase<'a>,
    summaries: Vec<Summary>,
}

/// When she filled it in, in French form and Paris time (`29/11/2026 14:05 (Paris)`):
/// treatment after an exposure must start within 48 hours, so the hour matters. The
/// server has no time-zone database: Paris is UTC+1, and UTC+2 from the last Sunday of
/// March to the last Sunday of October (01:00 UTC both), as the EU rule says.
fn today() -> String {
    paris_time(time::OffsetDateTime::now_utc())
}

fn paris_time(utc: time::OffsetDateTime) -> String {
    use time::{Date, Month, Time, UtcOffset, Weekday};
    let last_sunday_1am = |month: Month| {
        let mut day = Date::from_calendar_date(utc.year(), month, 31).expect("31 March/October");
        while day.weekday() != Weekday::Sunday {
            day = day.previous_day().expect("a day before");
        }
        day.with_time(Time::from_hms(1, 0, 0).expect("01:00"))
            .assume_utc()
    };
    let summer = utc >= last_sunday_1am(Month::March) && utc < last_sunday_1am(Month::October);
    let offset = UtcOffset::from_hms(if summer { 2 } else { 1 }, 0, 0).expect("offset");
    let paris = utc.to_offset(offset);
    format!(
        "{:02}/{:02}/{} {:02}:{:02} (Paris)",
        paris.day(),
        u8::from(paris.month()),
        paris.year(),
        paris.hour(),
        paris.minute()
    )
}

fn form_page(state: &AppState, lang: &str, error: Option<String>) -> Response {
    let Some(site) = site(state, lang) else {
        return not_found();
    };
    let catalog = state.catalog();
    let fr = catalog.translator(DEFAULT_LANGUAGE);
    let page = FormPage {
        questions: form_questions(&site.tr, &fr),
        fr: Frame::new(&fr, site.tr.lang, "{day}"),
        own: Frame::new(&site.tr, site.tr.lang, "{day}"),
        p: PageBase::new(&site, "/q"),
        error,
        limit: TEXT_LIMIT,
    };
    let status = if page.error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    html(status, page.render())
}

/// `GET /<lang>/questionnaire`: the form.
pub async fn form(State(state): State<AppState>, Path(lang): Path<String>) -> Response {
    form_page(&state, &lang, None)
}

/// `POST /<lang>/questionnaire`: the summary, built here and forgotten.
pub async fn submit(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let Some(site) = site(&state, &lang) else {
        return not_found();
    };
    // The fields, the answers and the summaries wipe themselves when dropped.
    let mut fields = super::fields::FormFields::parse(&body);
    // Good for one post: posted again (Back, reload), the summary is not shown again.
    if state.form_tokens().spend(&fields.take("once")).is_err() {
        let mut page = form_page(&state, &lang, Some(site.tr.t("once-questionnaire")));
        *page.status_mut() = StatusCode::CONFLICT;
        return page;
    }
    let answers = match Answers::from_form(fields.pairs()) {
        Ok(answers) => answers,
        Err(reason) => {
            return form_page(
                &state,
                &lang,
                Some(site.tr.t1("mq-error", "reason", &reason)),
            )
        }
    };
    let day = today();
    let fr = state.catalog().translator(DEFAULT_LANGUAGE);
    let mut summaries = vec![summary(&fr, &answers, site.tr.lang, &day)];
    if site.tr.lang != DEFAULT_LANGUAGE {
        summaries.push(summary(&site.tr, &answers, site.tr.lang, &day));
    }
    let page = SummaryPage {
        p: PageBase::new(&site, "/q"),
        summaries,
    };
    html(StatusCode::OK, page.render())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::Catalog;

    fn catalog() -> Catalog {
        Catalog::load().unwrap()
    }

    /// Every answer a question allows: nothing, each option (one-answer questions),
    /// every set of options (check boxes), a text.
    fn every_answer(question: &Question) -> Vec<Answer> {
        let mut all = vec![Answer::None];
        match question.kind {
            Kind::One => all.extend(question.options.iter().map(|o| Answer::Options(vec![*o]))),
            Kind::Many => {
                for mask in 1u32..(1 << question.options.len()) {
                    all.push(Answer::Options(
                        (0..question.options.len())
                            .filter(|i| mask & (1 << i) != 0)
                            .map(|i| question.options[i])
                            .collect(),
                    ));
                }
            }
            Kind::Text => all.push(Answer::Text("pénicilline 青霉素 <b>".into())),
        }
        all
    }

    fn check_complete(summary: &Summary, answers: &Answers, tr: &Tr, ids: &[String]) {
        // One line per answered question, in order; unanswered ones are left out.
        let answered: Vec<(&Question, &Answer)> = QUESTIONS
            .iter()
            .zip(&answers.answers)
            .filter(|(_, a)| !matches!(a, Answer::None))
            .collect();
        assert_eq!(summary.lines.len(), answered.len());
        for (line, (question, answer)) in summary.lines.iter().zip(answered) {
            let id = message_id(question.id, None);
            assert!(ids.contains(&id), "{} has no message {id}", tr.lang);
            assert_eq!(line.question, tr.t(&id));
            let expected: Vec<String> = match answer {
                Answer::None => unreachable!("left out"),
                Answer::Options(chosen) => chosen
                    .iter()
                    .map(|o| {
                        let id = message_id(question.id, Some(o));
                        assert!(ids.contains(&id), "{} has no message {id}", tr.lang);
                        tr.t(&id)
                    })
                    .collect(),
                Answer::Text(text) => vec![text.clone()],
            };
            assert_eq!(line.answers, expected, "{id}");
            assert!(line.answers.iter().all(|a| !a.trim().is_empty()));
        }
        let frame = &summary.frame;
        for text in [&frame.title, &frame.lead, &frame.note] {
            assert!(!text.contains("mq-") && !text.contains('{'), "{text}");
        }
    }

    /// The content check: for every question and every answer it allows (every set of
    /// check boxes included), the French summary names the question and every chosen
    /// answer in French; since each line depends on its own question's answer only
    /// (`summary` maps them one by one), this covers every combination of answers.
    #[test]
    fn the_french_summary_is_complete_for_every_answer_of_every_question() {
        let catalog = catalog();
        let fr = catalog.translator("fr");
        let ids = catalog.ids("fr");
        let mut combinations = 0;
        for (index, question) in QUESTIONS.iter().enumerate() {
            for answer in every_answer(question) {
                let mut answers = Answers {
                    answers: vec![Answer::None; QUESTIONS.len()],
                };
                answers.answers[index] = answer;
                for lang in ["zh", "ar", "fr"] {
                    let summary = summary(&fr, &answers, lang, "29/11/2026");
                    check_complete(&summary, &answers, &fr, &ids);
                }
                combinations += 1;
            }
        }
        // 4 sets of 6 check boxes (64 each, none included) and one of 5 (32), 7
        // one-answer questions (each option, or none) and 3 texts (empty or written;
        // the notes included).
        assert_eq!(
            combinations,
            4 * 64 + 32 + (6 + 6 + 5 + 5 + 5 + 4 + 3) + 3 * 2
        );
    }

    /// A sample of whole combinations, in French and in every other language.
    #[test]
    fn whole_combinations_are_complete_in_every_language() {
        use rand::{Rng, SeedableRng};
        let catalog = catalog();
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..200 {
            let answers = Answers {
                answers: QUESTIONS
                    .iter()
                    .map(|q| {
                        let all = every_answer(q);
                        all[rng.gen_range(0..all.len())].clone()
                    })
                    .collect(),
            };
            for lang in crate::web::i18n::LANGUAGES {
                let tr = catalog.translator(lang);
                let summary = summary(&tr, &answers, lang, "29/11/2026");
                check_complete(&summary, &answers, &tr, &catalog.ids(lang));
            }
        }
    }

    /// The hour she filled it in, Paris time, summer time included.
    #[test]
    fn the_summary_gives_the_hour_in_paris() {
        use time::macros::datetime;
        for (utc, paris) in [
            (datetime!(2026-12-02 10:05 UTC), "02/12/2026 11:05 (Paris)"),
            (datetime!(2026-07-01 23:30 UTC), "02/07/2026 01:30 (Paris)"),
            (datetime!(2026-03-29 00:59 UTC), "29/03/2026 01:59 (Paris)"),
            (datetime!(2026-03-29 01:00 UTC), "29/03/2026 03:00 (Paris)"),
            (datetime!(2026-10-25 00:59 UTC), "25/10/2026 02:59 (Paris)"),
            (datetime!(2026-10-25 01:00 UTC), "25/10/2026 02:00 (Paris)"),
        ] {
            assert_eq!(paris_time(utc), paris, "{utc}");
        }
    }

    #[test]
    fn the_form_is_read_strictly() {
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        let answers = Answers::from_form(&pairs(&[
            ("what", "robbery"),
            ("what", "sexual"),
            ("when", "lt24"),
            ("allergies-detail", "  pénicilline \r\n"),
            ("treatments-detail", ""),
            ("notes", "merci"),
        ]))
        .unwrap();
        assert_eq!(
            answers.answers[0],
            Answer::Options(vec!["sexual", "robbery"])
        );
        assert_eq!(answers.answers[1], Answer::Options(vec!["lt24"]));
        let at = |id: &str| QUESTIONS.iter().position(|q| q.id == id).unwrap();
        assert_eq!(
            answers.answers[at("allergies-detail")],
            Answer::Text("pénicilline".into())
        );
        assert_eq!(answers.answers[at("treatments-detail")], Answer::None);
        assert_eq!(answers.answers[at("notes")], Answer::Text("merci".into()));
        for (bad, reason) in [
            (vec![("when", "lt24"), ("when", "gt72")], "takes one answer"),
            (vec![("when", "yesterday")], "not an answer"),
            (vec![("name", "x")], "no question 'name'"),
        ] {
            let error = Answers::from_form(&pairs(&bad)).unwrap_err();
            assert!(error.contains(reason), "{error}");
        }
        let long = "x".repeat(TEXT_LIMIT + 1);
        assert!(Answers::from_form(&pairs(&[("notes", &long)]))
            .unwrap_err()
            .contains("longer than"));
    }
}
