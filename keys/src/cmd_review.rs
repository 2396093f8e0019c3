//! `review`: walks the desk's open cases, oldest first, showing each report readably
//! (with its conversation, its notes, and any earlier report or published alert about
//! the same aggressor), and asks what to do: publish an alert (each finding of the
//! PII scanner and each aggressor identifier kept only if the moderator says so; the
//! draft can be opened in `$EDITOR`), reply, archive, add a note, skip, or stop.
//! Questions and answers go through standard input and output, so it can be scripted.
//! A case that cannot be read is set aside as unreadable with a one-line notice, and
//! review goes on: no single report can stop it.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use jasmine_client::report::{FollowUp, Report};
use jasmine_client::Day;

use crate::desk::{Desk, Note, Status};
use crate::matching;
use crate::sanitize::{self, Choices};
use crate::source::{subjects, Source, Subject};
use crate::{display, keyfiles, reply, signing, PassphraseArg};

/// `review`.
#[derive(Args)]
pub struct ReviewArgs {
    /// Your desk folder.
    #[arg(long, default_value = "desk")]
    desk: PathBuf,
    /// Your offline key file (<id>.offline.age).
    #[arg(long)]
    key: PathBuf,
    /// The current signed key bundle (needed to reply).
    #[arg(long)]
    bundle: Option<PathBuf>,
    /// The organisation's root public key (root.pub), to check the bundle.
    #[arg(long)]
    root_key: Option<PathBuf>,
    /// Open each alert draft in $EDITOR before signing it.
    #[arg(long)]
    editor: bool,
    #[command(flatten)]
    passphrase: PassphraseArg,
}

struct Prompt<R> {
    input: R,
}

impl<R: BufRead> Prompt<R> {
    /// One line; `None` at the end of input.
    fn line(&mut self, question: &str) -> Result<Option<String>> {
        print!("{question} ");
        std::io::stdout().flush()?;
        let mut answer = String::new();
        if self.input.read_line(&mut answer)? == 0 {
            println!();
            return Ok(None);
        }
        Ok(Some(answer.trim().to_string()))
    }

    /// Yes or no; `default` on an empty answer or the end of input.
    fn yes(&mut self, question: &str, default: bool) -> Result<bool> {
        let hint = if default { "[Y/n]" } else { "[y/N]" };
        loop {
            match self.line(&format!("{question} {hint}"))?.as_deref() {
                None | Some("") => return Ok(default),
                Some(a) if ["y", "yes", "o", "oui"].contains(&a.to_lowercase().as_str()) => {
                    return Ok(true)
                }
                Some(a) if ["n", "no", "non"].contains(&a.to_lowercase().as_str()) => {
                    return Ok(false)
                }
                Some(_) => println!("  Please answer y or n."),
            }
        }
    }

    /// Lines until one holding only a dot.
    fn text(&mut self, question: &str) -> Result<String> {
        println!("{question} (end with a line holding only a dot)");
        let mut text = String::new();
        while let Some(line) = self.line(">")? {
            if line == "." {
                break;
            }
            text.push_str(&line);
            text.push('\n');
        }
        Ok(text.trim_end().to_string())
    }
}

fn repeat_flags(
    id: &str,
    report: &Report,
    everyone: &[(Subject, Vec<(matching::Kind, String)>)],
) -> Vec<String> {
    let mine = matching::of_report(&report.aggressor, &report.place.country);
    let mut flags = Vec::new();
    for (kind, value) in &mine {
        for (subject, ids) in everyone {
            let same = ids.iter().any(|(k, v)| k == kind && v == value);
            match subject {
                Subject::Report(day, other) if same && other != id => flags.push(format!(
                    "same {} {} as report {other} (received {day})",
                    kind.label(),
                    display::escape(value.trim_start_matches("digits:"))
                )),
                Subject::Alert(day, alert) if same => flags.push(format!(
                    "same {} {} as published alert {alert} ({day})",
                    kind.label(),
                    display::escape(value.trim_start_matches("digits:"))
                )),
                _ => {}
            }
        }
    }
    flags
}

/// Every field the alert would publish (escaped for the terminal: it comes from the
/// report, or from the moderator's editor).
fn alert_preview(a: &jasmine_client::alert::Alert) -> String {
    let list = |l: &[String]| {
        if l.is_empty() {
            "-".to_string()
        } else {
            display::escape(&l.join(", ")).into_owned()
        }
    };
    let e = |text: &str| display::escape(text).into_owned();
    format!(
        "  The alert, as it would be published:\n    place:       {}{}, {}\n    happened:    {}\n    categories:  {}\n    severity:    {}\n    summary:     {}\n    aggressor:   {}\n    vehicle:     {}\n    phones:      {}\n    plates:      {}\n    handles:     {}\n",
        a.city.as_deref().map(|c| format!("{}, ", e(c))).unwrap_or_default(),
        e(&a.region),
        e(&a.country),
        a.occurred_text(),
        a.categories.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", "),
        a.severity.as_str(),
        e(&a.summary.text),
        if a.aggressor.description.is_empty() { "-".to_string() } else { e(&a.aggressor.description) },
        e(a.aggressor.vehicle.as_deref().unwrap_or("-")),
        list(&a.aggressor.phones),
        list(&a.aggressor.plates),
        list(&a.aggressor.handles),
    )
}

fn edit(desk: &std::path::Path, draft: &sanitize::AlertDraft) -> Result<sanitize::AlertDraft> {
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .context("--editor needs $EDITOR (or $VISUAL) set")?;
    let path = desk.join(".draft.json");
    crate::files::write_file(&path, &serde_json::to_vec_pretty(draft)?, 0o600, true)?;
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(&path)
        .status();
    let edited = crate::files::read_file(&path);
    let _ = std::fs::remove_file(&path);
    if !status.context("cannot start $EDITOR")?.success() {
        anyhow::bail!("the editor failed; the draft was dropped");
    }
    serde_json::from_slice(&edited?).context("the edited draft is not valid JSON; it was dropped")
}

pub fn review(args: ReviewArgs) -> Result<()> {
    let keys = args.passphrase.offline_keys(&args.key)?;
    let bundle = match (&args.bundle, &args.root_key) {
        (Some(b), Some(r)) => Some(keyfiles::read_bundle(b, r)?),
        (None, None) => None,
        _ => anyhow::bail!("give both --bundle and --root-key (to reply), or neither"),
    };
    let mut desk = Desk::open(&args.desk, &keys, None)?;
    let (opened, set_aside) = desk.open_cases(&keys);
    for (id, why) in &set_aside {
        println!(
            "Case {id} cannot be read ({why}): set aside as unreadable (see `jasmine-keys cases`); review goes on."
        );
    }
    let (conversations, unreadable_messages) = desk.open_conversations(&keys);
    for (id, why) in &unreadable_messages {
        desk.set_message_aside(id, *why);
        println!(
            "Message {id} cannot be read ({why}): set aside as unreadable (see `jasmine-keys cases`); review goes on."
        );
    }
    if !set_aside.is_empty() || !unreadable_messages.is_empty() {
        desk.save()?;
    }
    let reports: Vec<_> = opened
        .into_iter()
        .map(|c| (c.id, c.received_on, c.report))
        .collect();
    let source = Source::Desk(Box::new(desk));
    let everyone = subjects(&source, &reports);
    let Source::Desk(desk) = source else {
        unreachable!()
    };
    let mut desk = *desk;
    let open: Vec<_> = reports
        .iter()
        .filter(|(id, _, report)| {
            // Open, or answered but the reporter wrote since.
            let reporter_wrote_last = match &report.follow_up {
                FollowUp::Codename { mailbox, .. } => conversations
                    .get(mailbox)
                    .and_then(|m| m.last())
                    .is_some_and(|m| m.sender.is_reporter()),
                _ => false,
            };
            desk.state.cases.get(id).is_some_and(|c| {
                matches!(c.status, Status::New | Status::InReview)
                    || (c.status == Status::Answered && reporter_wrote_last)
            })
        })
        .collect();
    if open.is_empty() {
        println!("No case waits for review.");
        return Ok(());
    }
    let mut prompt = Prompt {
        input: std::io::stdin().lock(),
    };
    let (mut alerts, mut replies, mut archived) = (0, 0, 0);
    'cases: for (n, (id, received_on, report)) in open.iter().enumerate() {
        println!(
            "\n=== Case {} of {} — {id} — received {received_on}",
            n + 1,
            open.len()
        );
        print!("{}", display::report_text(id, report));
        if let FollowUp::Codename { mailbox, .. } = &report.follow_up {
            let messages = conversations.get(mailbox).map(Vec::as_slice).unwrap_or(&[]);
            print!("{}", display::conversation_text(messages));
        }
        for flag in repeat_flags(id, report, &everyone) {
            println!("  REPEAT AGGRESSOR: {flag}");
        }
        for note in &desk.state.cases[id].notes {
            println!("  note ({}): {}", note.on, display::escape(&note.text));
        }
        loop {
            let Some(choice) = prompt
                .line("Decide: [p]ublish an alert, [r]eply, [a]rchive, [n]ote, [s]kip, [q]uit:")?
            else {
                break 'cases;
            };
            match choice.to_lowercase().as_str() {
                "p" => {
                    if !report.consent_to_publish {
                        println!("  The reporter did not agree to a public alert: it cannot be published.");
                        continue;
                    }
                    let (text, _, found) = sanitize::findings(report);
                    let mut choices = Choices::default();
                    for (i, f) in found.iter().enumerate() {
                        if prompt.yes(
                            &format!(
                                "  Found {} \"{}\": keep it in the alert?",
                                f.kind.as_str(),
                                display::escape(f.text(&text))
                            ),
                            false,
                        )? {
                            choices.keep_findings.push(i);
                        }
                    }
                    let a = &report.aggressor;
                    for (list, what, keep) in [
                        (&a.phones, "phone numbers", &mut choices.keep_phones),
                        (&a.plates, "number plates", &mut choices.keep_plates),
                        (&a.handles, "handles", &mut choices.keep_handles),
                    ] {
                        if !list.is_empty() {
                            *keep = prompt.yes(
                                &format!(
                                    "  Publish the aggressor's {what} ({})?",
                                    display::escape(&list.join(", "))
                                ),
                                false,
                            )?;
                        }
                    }
                    if prompt.yes(
                        &format!(
                            "  Publish the exact day ({})? Otherwise its week.",
                            report.when.date
                        ),
                        false,
                    )? {
                        choices.date = jasmine_client::alert::OccurredPrecision::Day;
                    } else if prompt.yes("  Only the month, rather than the week?", false)? {
                        choices.date = jasmine_client::alert::OccurredPrecision::Month;
                    }
                    // Asked when the service has a check list (its bundle names a check key).
                    let identifiers = matching::of_report(a, &report.place.country);
                    if !identifiers.is_empty()
                        && bundle
                            .as_ref()
                            .is_some_and(|b| b.bundle().check_key.is_some())
                    {
                        choices.check_list = prompt.yes(
                            &format!(
                                "  Put the aggressor's {} identifier(s) on the check list (never published; anyone can check a number against it)?",
                                identifiers.len()
                            ),
                            false,
                        )?;
                    }
                    let mut draft = sanitize::propose(
                        report,
                        &keys.id,
                        Day::today_utc(),
                        &mut rand::rngs::OsRng,
                        &choices,
                    );
                    if args.editor {
                        match edit(&args.desk, &draft) {
                            Ok(edited) => draft = edited,
                            Err(e) => {
                                println!("  {}", display::escape_lines(&format!("{e:#}")));
                                continue;
                            }
                        }
                    }
                    print!("{}", alert_preview(&draft.alert));
                    if !prompt.yes("  Sign it and queue it for the outbox?", true)? {
                        continue;
                    }
                    let mut alert = draft.alert;
                    let signed = match signing::sign_alert(&mut alert, &keys) {
                        Ok(signed) => signed,
                        Err(e) => {
                            println!("  Not signed: {}", display::escape_lines(&format!("{e:#}")));
                            continue;
                        }
                    };
                    desk.queue_alert(Some(id), &alert.id, &signed)?;
                    let check_list = draft
                        .check_list
                        .iter()
                        .filter_map(|item| item.parse(&alert.country).ok())
                        .collect::<Vec<_>>();
                    desk.queue_check(&alert.id, &check_list)?;
                    alerts += 1;
                }
                "r" => {
                    let Some(bundle) = &bundle else {
                        println!("  To reply, start review with --bundle and --root-key.");
                        continue;
                    };
                    if let FollowUp::Contact { details } = &report.follow_up {
                        println!(
                            "  This reporter asked to be contacted directly: {}",
                            display::escape(details)
                        );
                        continue;
                    }
                    let text = prompt.text("  Your reply:")?;
                    if text.is_empty() {
                        println!("  Empty reply: nothing sent.");
                        continue;
                    }
                    let (mailbox, sealed) = match reply::seal_for(id, report, &text, &keys, bundle)
                    {
                        Ok(sealed) => sealed,
                        Err(e) => {
                            println!("  {}", display::escape_lines(&format!("{e:#}")));
                            continue;
                        }
                    };
                    desk.queue_reply(id, &mailbox, &sealed)?;
                    replies += 1;
                }
                "a" => {
                    desk.case_mut(id)?.status = Status::Closed;
                    archived += 1;
                }
                "n" => {
                    if let Some(text) = prompt.line("  Note:")?.filter(|t| !t.is_empty()) {
                        desk.case_mut(id)?.notes.push(Note {
                            on: Day::today_utc(),
                            text,
                        });
                        desk.save()?;
                    }
                    continue;
                }
                "s" => {
                    desk.case_mut(id)?.status = Status::InReview;
                }
                "q" => break 'cases,
                _ => {
                    println!("  Type p, r, a, n, s or q.");
                    continue;
                }
            }
            desk.save()?;
            break;
        }
    }
    desk.save()?;
    println!(
        "\nReview done: {alerts} alert(s) signed, {replies} repl(y/ies) sealed, {archived} case(s) archived."
    );
    if !desk.state.pending.is_empty() {
        println!("They wait on the desk for the outbox: jasmine-keys outbox --out <file>");
    }
    Ok(())
}
