//! The questions `jasmine report` asks when no file is given, and how alerts are
//! printed. Questions go to stderr, answers come from stdin (so a script can answer).
//! What others wrote (messages, alerts) is escaped for the terminal before it is
//! printed ([`jasmine_client::terminal`]).

use std::io::{BufRead, Write};

use anyhow::{bail, Result};
use jasmine_client::alert::Alert;
use jasmine_client::report::{
    Aggressor, Category, DatePrecision, FollowUp, Place, Report, Setting, Severity, When,
    REPORT_FORMAT,
};
use jasmine_client::terminal::{escape, escape_lines};
use jasmine_client::Day;

struct Asker<R> {
    input: R,
}

impl<R: BufRead> Asker<R> {
    fn line(&mut self, question: &str) -> Result<String> {
        eprint!("{question} ");
        std::io::stderr().flush()?;
        let mut answer = String::new();
        if self.input.read_line(&mut answer)? == 0 {
            bail!("the questions were not all answered (input ended); nothing was sent");
        }
        Ok(answer.trim().to_string())
    }

    fn optional(&mut self, question: &str) -> Result<Option<String>> {
        let answer = self.line(question)?;
        Ok((!answer.is_empty()).then_some(answer))
    }

    fn list(&mut self, question: &str) -> Result<Vec<String>> {
        let answer = self.line(question)?;
        Ok(answer
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect())
    }

    fn yes(&mut self, question: &str) -> Result<bool> {
        loop {
            match self
                .line(&format!("{question} [y/n]"))?
                .to_lowercase()
                .as_str()
            {
                "y" | "yes" | "o" | "oui" => return Ok(true),
                "n" | "no" | "non" => return Ok(false),
                _ => eprintln!("  Please answer y or n."),
            }
        }
    }

    fn choose<T: Copy>(&mut self, question: &str, options: &[(T, &str)]) -> Result<T> {
        eprintln!("{question}");
        for (i, (_, label)) in options.iter().enumerate() {
            eprintln!("  {}. {label}", i + 1);
        }
        loop {
            let answer = self.line("Number:")?;
            if let Some(choice) = answer
                .parse::<usize>()
                .ok()
                .and_then(|n| options.get(n.wrapping_sub(1)))
            {
                return Ok(choice.0);
            }
            eprintln!("  Please type a number from 1 to {}.", options.len());
        }
    }

    fn choose_many<T: Copy + PartialEq>(
        &mut self,
        question: &str,
        options: &[(T, &str)],
    ) -> Result<Vec<T>> {
        eprintln!("{question}");
        for (i, (_, label)) in options.iter().enumerate() {
            eprintln!("  {}. {label}", i + 1);
        }
        loop {
            let answer = self.line("Numbers, separated by commas:")?;
            let picked: Option<Vec<T>> = answer
                .split(',')
                .map(|n| {
                    n.trim()
                        .parse::<usize>()
                        .ok()
                        .and_then(|n| options.get(n.wrapping_sub(1)))
                        .map(|o| o.0)
                })
                .collect();
            match picked {
                Some(list) if !list.is_empty() => {
                    let mut unique: Vec<T> = Vec::with_capacity(list.len());
                    for item in list {
                        if !unique.contains(&item) {
                            unique.push(item);
                        }
                    }
                    return Ok(unique);
                }
                _ => eprintln!(
                    "  Please type one or more numbers from 1 to {}.",
                    options.len()
                ),
            }
        }
    }
}

const CATEGORIES: [(Category, &str); 13] = [
    (Category::Rape, "Rape"),
    (Category::AttemptedRape, "Attempted rape"),
    (Category::SexualAssault, "Sexual assault"),
    (Category::CondomRemoval, "Condom removed without consent"),
    (Category::PhysicalViolence, "Physical violence"),
    (Category::ArmedRobbery, "Armed robbery"),
    (Category::TheftOrNonPayment, "Theft, or did not pay"),
    (Category::Threats, "Threats"),
    (Category::Harassment, "Harassment (also online)"),
    (Category::BlackmailOrOuting, "Blackmail or outing"),
    (Category::AttemptedMurder, "Attempted murder"),
    (
        Category::InstitutionalViolence,
        "Violence by police or an institution",
    ),
    (Category::Other, "Something else"),
];

const SEVERITIES: [(Severity, &str); 4] = [
    (Severity::Annoying, "Annoying"),
    (Severity::Risky, "Risky"),
    (Severity::Dangerous, "Dangerous"),
    (Severity::VeryDangerous, "Very dangerous"),
];

const SETTINGS: [(Setting, &str); 7] = [
    (Setting::Street, "Street or outdoors"),
    (Setting::Car, "In a car"),
    (Setting::OwnPlace, "At my place"),
    (Setting::ClientPlace, "At the client's place"),
    (Setting::Hotel, "Hotel"),
    (Setting::Online, "Online"),
    (Setting::Other, "Somewhere else"),
];

/// Asks for a report on stdin. `None` if the reporter decides not to send it; the
/// flag says whether they want follow-up with a codename (filled in by the caller).
pub fn ask_report(today: Day) -> Result<Option<(Report, bool)>> {
    let stdin = std::io::stdin();
    let mut ask = Asker {
        input: stdin.lock(),
    };
    eprintln!(
        "Jasmine: report violence. Your answers are encrypted on this device before they are sent."
    );
    eprintln!("Leave a question empty to skip it.\n");
    let language = ask
        .optional("Language you write in (fr, en, es, pt, ro, bg, ru, uk, zh, ar) [fr]:")?
        .unwrap_or_else(|| "fr".into());
    let date = loop {
        match ask.optional(&format!("Date it happened, YYYY-MM-DD [{today}]:"))? {
            None => break today,
            Some(text) => match Day::parse(&text) {
                Ok(day) if day <= today => break day,
                Ok(_) => eprintln!("  That date is in the future."),
                Err(e) => eprintln!("  {e}"),
            },
        }
    };
    let precision = if ask.yes("Are you sure of that exact day?")? {
        DatePrecision::Day
    } else {
        DatePrecision::Approximate
    };
    let country = ask
        .optional("Country, two letters [FR]:")?
        .unwrap_or_else(|| "FR".into())
        .to_uppercase();
    let region = ask.optional("Département (number or name):")?;
    let city = ask.optional("City or town:")?;
    let setting = ask.choose("Where did it happen?", &SETTINGS)?;
    let categories = ask.choose_many("What happened? (several are possible)", &CATEGORIES)?;
    let severity = ask.choose("How dangerous is this person?", &SEVERITIES)?;
    let description = ask.line("Describe the aggressor (age, looks, manner):")?;
    let phones = ask.list("Phone numbers used, separated by commas:")?;
    let handles = ask.list("Online names, profiles or ads, separated by commas:")?;
    let vehicle = ask.optional("Vehicle (make, model, colour):")?;
    let plates = ask.list("Number plates, separated by commas:")?;
    eprintln!("Tell what happened, in your words. End with a line holding only a dot (.).");
    let mut narrative = String::new();
    loop {
        let line = ask.line(">")?;
        if line == "." {
            break;
        }
        narrative.push_str(&line);
        narrative.push('\n');
    }
    let choice = ask.choose(
        "Do you want an answer from the association?",
        &[
            (1, "No"),
            (
                2,
                "Yes, with a codename (anonymous: you read the answers with the codename)",
            ),
            (
                3,
                "Yes, through my contact details (phone, e-mail, Signal…)",
            ),
        ],
    )?;
    let wants_codename = choice == 2;
    let follow_up = if choice == 3 {
        FollowUp::Contact {
            details: ask.line("How can they reach you?")?,
        }
    } else {
        FollowUp::None
    };
    let consent_to_publish =
        ask.yes("May the moderators publish an alert without anything that identifies you?")?;
    let report = Report {
        format: REPORT_FORMAT,
        language,
        when: When {
            date,
            precision,
            part_of_day: None,
        },
        place: Place {
            country,
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
        narrative: narrative.trim_end().to_string(),
        follow_up,
        consent_to_publish,
        attachments: Vec::new(),
    };
    if let Err(e) = report.validate() {
        bail!("the report cannot be sent: {e}");
    }
    if ask.yes("Send this report now?")? {
        Ok(Some((report, wants_codename)))
    } else {
        Ok(None)
    }
}

/// Reads the codename from stdin (after a prompt on stderr).
pub fn ask_codename() -> Result<String> {
    let mut ask = Asker {
        input: std::io::stdin().lock(),
    };
    ask.line("Your codename:")
}

/// Reads a message from stdin: lines until one with a single dot, or the end of input.
pub fn ask_message() -> Result<String> {
    eprintln!("Write your message. End with a line holding only a dot (.):");
    let mut text = String::new();
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        if line.trim() == "." {
            break;
        }
        text.push_str(&line);
        text.push('\n');
    }
    Ok(text.trim_end().to_string())
}

/// A mailbox message as readable text.
pub fn message_text(message: &jasmine_client::mailbox::Message) -> String {
    use jasmine_client::mailbox::Sender;
    let from = match &message.sender {
        Sender::Reporter { .. } => "you".to_string(),
        Sender::Moderator { id, name, verified } => format!(
            "the association ({}{})",
            escape(name.as_deref().unwrap_or(id)),
            if *verified {
                ", signature verified"
            } else {
                ", signature not checked"
            }
        ),
    };
    let images = match message.attachments.len() {
        0 => String::new(),
        n => format!("[{n} image(s) sent with it]\n"),
    };
    format!(
        "\n— {}, from {from}:\n{}\n{images}",
        message.written_on,
        escape_lines(message.text.as_str())
    )
}

/// An alert as readable text.
pub fn alert_text(a: &Alert) -> String {
    let categories: Vec<_> = a.categories.iter().map(|c| c.as_str()).collect();
    let place = [
        a.city.as_deref(),
        Some(a.region.as_str()),
        Some(a.country.as_str()),
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(", ");
    let place = escape(&place);
    let mut out = format!(
        "ALERT {} ({}) — {} — {}\n  happened {} in {place}\n  {}\n",
        a.published,
        a.severity.as_str(),
        categories.join(", "),
        escape(&a.id),
        a.occurred_text(),
        escape_lines(&a.summary.text).replace('\n', "\n  ")
    );
    let g = &a.aggressor;
    if !g.description.is_empty() {
        out.push_str(&format!("  aggressor: {}\n", escape(&g.description)));
    }
    for (label, list) in [
        ("phones", &g.phones),
        ("handles", &g.handles),
        ("plates", &g.plates),
    ] {
        if !list.is_empty() {
            out.push_str(&format!("  {label}: {}\n", escape(&list.join(", "))));
        }
    }
    out.push_str(&format!(
        "  signed by {} (verified)\n\n",
        escape(&a.signed_by)
    ));
    out
}
