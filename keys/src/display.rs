//! Reports printed for people (English labels for now; the site's translations come
//! with the web interface).
//!
//! Every text that a reporter (or another moderator) wrote goes through [`escape`] (one
//! line) or [`escape_lines`] (several lines) before it is printed, and JSON through
//! [`escape_json`]: control characters and bidirectional overrides are shown as
//! `\u{1b}`, `\u{202e}`…, never sent to the terminal (see [`jasmine_client::terminal`],
//! shared with the reporter's `jasmine` CLI).

use std::fmt::Write;

pub use jasmine_client::terminal::{escape, escape_json, escape_lines};

use jasmine_client::mailbox::Sender;
use jasmine_client::report::{FollowUp, Report};
use serde::Serialize;

/// The snake_case protocol name of an enum value.
fn name<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

/// A report as readable text.
pub fn report_text(id: &str, r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Report {}", escape(id));
    let _ = writeln!(out, "  language:    {}", escape(&r.language));
    let part = r
        .when
        .part_of_day
        .map(|p| format!(", {}", name(&p)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "  when:        {} ({}{part})",
        r.when.date,
        name(&r.when.precision)
    );
    let place = [
        r.place.city.as_deref(),
        r.place.region.as_deref(),
        Some(r.place.country.as_str()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    let _ = writeln!(
        out,
        "  where:       {} ({})",
        escape(&place),
        name(&r.place.setting)
    );
    let categories: Vec<_> = r.categories.iter().map(|c| c.as_str()).collect();
    let _ = writeln!(out, "  what:        {}", categories.join(", "));
    let _ = writeln!(out, "  severity:    {}", r.severity.as_str());
    let a = &r.aggressor;
    if !a.description.is_empty() {
        let _ = writeln!(out, "  aggressor:   {}", escape(&a.description));
    }
    for (label, list) in [
        ("phones", &a.phones),
        ("handles", &a.handles),
        ("plates", &a.plates),
    ] {
        if !list.is_empty() {
            let _ = writeln!(out, "  {label:<12} {}", escape(&list.join(", ")));
        }
    }
    if let Some(v) = &a.vehicle {
        let _ = writeln!(out, "  vehicle:     {}", escape(v));
    }
    let follow = match &r.follow_up {
        FollowUp::None => "none".to_string(),
        FollowUp::Contact { details } => format!("contact: {}", escape(details)),
        FollowUp::Codename { .. } => {
            "codename (anonymous): answer with `jasmine-keys reply`".to_string()
        }
    };
    let _ = writeln!(out, "  follow-up:   {follow}");
    let _ = writeln!(
        out,
        "  publish:     {}",
        if r.consent_to_publish {
            "yes, as a sanitized alert"
        } else {
            "NO: do not publish"
        }
    );
    if !r.attachments.is_empty() {
        let _ = writeln!(
            out,
            "  images:      {} (scrubbed on her device)",
            r.attachments.len()
        );
        for (n, a) in r.attachments.iter().enumerate() {
            let _ = writeln!(
                out,
                "    {}. {}, {} KiB: jasmine-keys attachment save {} {} --out FILE",
                n + 1,
                a.media_type.as_str(),
                a.size.div_ceil(1024),
                escape(id),
                n + 1
            );
        }
    }
    let _ = writeln!(out, "  account:");
    for line in r.narrative.lines() {
        let _ = writeln!(out, "    {}", escape(line));
    }
    out
}

/// A conversation as readable text (every message's text escaped for the terminal).
pub fn conversation_text(messages: &[crate::opening::Opened]) -> String {
    let mut out = String::new();
    if messages.is_empty() {
        out.push_str("Conversation: no message yet (the reporter waits for a first reply).\n");
        return out;
    }
    out.push_str(&format!("Conversation ({} message(s)):\n", messages.len()));
    for m in messages {
        let from = match &m.sender {
            Sender::Reporter { verified: true } => "the reporter".to_string(),
            Sender::Reporter { verified: false } => {
                "the reporter? (NOT VERIFIED: her report predates signed answers or is not here)"
                    .to_string()
            }
            Sender::Moderator {
                id, verified: true, ..
            } => format!("moderator {}", escape(id)),
            Sender::Moderator { id, .. } => format!(
                "moderator {}? (NOT VERIFIED: no key bundle to check it against)",
                escape(id)
            ),
        };
        out.push_str(&format!("  — {}, {from}:\n", m.written_on));
        for line in m.text.lines() {
            out.push_str(&format!("    {}\n", escape(line)));
        }
        if !m.attachments.is_empty() {
            out.push_str(&format!(
                "    images: {} (scrubbed on her device, or by the server without JavaScript)\n",
                m.attachments.len()
            ));
            for (n, a) in m.attachments.iter().enumerate() {
                out.push_str(&format!(
                    "      {}. {}, {} KiB: jasmine-keys attachment save {} {} --out FILE\n",
                    n + 1,
                    a.media_type.as_str(),
                    a.size.div_ceil(1024),
                    escape(&m.id),
                    n + 1
                ));
            }
        }
    }
    out
}

/// Warns of each message left out of the conversations.
pub fn warn_skipped(unreadable: &[(String, crate::opening::Unreadable)]) {
    for (id, why) in unreadable {
        eprintln!("warning: message {id} is not shown ({why}); skipped");
    }
}

#[cfg(test)]
mod tests {
    use jasmine_client::mailbox::{Message, Sender};
    use jasmine_client::report::FollowUp;
    use jasmine_client::terminal::is_unsafe;
    use jasmine_client::Day;

    use super::*;

    /// A report whose every free-text field tries to drive the terminal.
    fn hostile() -> Report {
        let mut r = Report::example(Day::parse("2026-11-20").unwrap());
        r.place.city = Some("Mar\u{1b}]0;pwned\u{7}seille\n  publish:     yes".into());
        r.place.region = Some("1\u{202e}3".into());
        r.aggressor.description = "\u{9b}31mred\u{1b}[0m".into();
        r.aggressor.phones = vec!["06 12\u{200f} 34".into()];
        r.aggressor.handles = vec!["@x\u{2066}y\u{2069}".into()];
        r.aggressor.vehicle = Some("\u{8}\u{8}\u{7f}".into());
        r.follow_up = FollowUp::Contact {
            details: "\u{1b}[1A\u{1b}[2K06 00 00 00 00".into(),
        };
        r.narrative = "first \u{1b}[2J line\r\n\tsecond \u{202e}enil\u{202c}\u{2028}third".into();
        r
    }

    fn assert_safe(text: &str) {
        let raw: Vec<_> = text
            .chars()
            .filter(|c| *c != '\n' && is_unsafe(*c))
            .map(|c| format!("U+{:04X}", u32::from(c)))
            .collect();
        assert!(raw.is_empty(), "raw {raw:?} in:\n{text}");
    }

    #[test]
    fn a_report_cannot_drive_the_terminal() {
        let text = report_text("0123456789abcdef0123456789abcdef", &hostile());
        assert_safe(&text);
        for shown in [
            "Mar\\u{1b}]0;pwned\\u{7}seille\\n  publish:     yes",
            "1\\u{202e}3",
            "\\u{9b}31mred\\u{1b}[0m",
            "06 12\\u{200f} 34",
            "@x\\u{2066}y\\u{2069}",
            "\\u{8}\\u{8}\\u{7f}",
            "contact: \\u{1b}[1A\\u{1b}[2K06",
            "    first \\u{1b}[2J line\n",
            "    \\tsecond \\u{202e}enil\\u{202c}\\u{2028}third\n",
        ] {
            assert!(text.contains(shown), "{shown} not in:\n{text}");
        }
        // A field cannot forge a line of its own.
        assert_eq!(
            text.lines().filter(|l| l.starts_with("  publish:")).count(),
            1,
            "{text}"
        );
        let json = serde_json::to_string_pretty(&hostile()).unwrap();
        assert_safe(&escape_json(&json));
    }

    #[test]
    fn a_conversation_cannot_drive_the_terminal() {
        let opened = |id: &str, message| crate::opening::Opened {
            id: id.into(),
            message,
        };
        let messages = [
            opened(
                "1\u{1b}[2J",
                Message {
                    sender: Sender::Reporter { verified: true },
                    written_on: Day::parse("2026-11-21").unwrap(),
                    text: String::from("merci \u{1b}[2J\n\u{202e}olleh").into(),
                    attachments: vec![jasmine_client::attachment::Attachment {
                        media_type: jasmine_client::attachment::ImageType::Png,
                        size: 2048,
                        sha256: "0".repeat(64),
                    }],
                },
            ),
            opened(
                "2",
                Message {
                    sender: Sender::Moderator {
                        id: "ali\u{1b}[8mce".into(),
                        name: None,
                        verified: true,
                    },
                    written_on: Day::parse("2026-11-22").unwrap(),
                    text: String::from("ok\u{9b}").into(),
                    attachments: Vec::new(),
                },
            ),
        ];
        let text = conversation_text(&messages);
        assert_safe(&text);
        assert!(
            text.contains("    merci \\u{1b}[2J\n    \\u{202e}olleh\n"),
            "{text}"
        );
        assert!(text.contains("moderator ali\\u{1b}[8mce"), "{text}");
        assert!(text.contains("    ok\\u{9b}\n"), "{text}");
        assert!(
            text.contains(
                "image/png, 2 KiB: jasmine-keys attachment save 1\\u{1b}[2J 1 --out FILE"
            ),
            "{text}"
        );
    }
}
