//! Text written by someone else, made safe to print on a terminal.
//!
//! Reports, mailbox messages and alerts hold text that a reporter (or, for replies and
//! alerts, a moderator) typed, and anyone can post a report. Printed as it is, such text
//! could drive the reader's terminal: C0 and C1 control characters (`ESC [ 2 J` clears
//! the screen, other sequences move the cursor, rewrite lines, set the window title or,
//! on some terminals, answer back into the input), and Unicode bidirectional controls
//! reorder what is shown, so that a line reads differently from what it holds (a phone
//! number or a "publish: NO" turned around). Both `jasmine-keys` (the moderators'
//! offline desk) and `jasmine` (the reporter's CLI) pass every such text through this
//! module before printing it.
//!
//! What is escaped ([`is_unsafe`]), shown visibly as `\u{…}` (and `\t`, `\n`, `\r`):
//! - every control character (Unicode category Cc): C0 `U+0000`–`U+001F`, `DEL`
//!   `U+007F` and C1 `U+0080`–`U+009F`, including tab and line breaks;
//! - the bidirectional formatting characters: embeddings and overrides `U+202A`–`U+202E`,
//!   isolates `U+2066`–`U+2069`, and the implicit marks `U+200E`, `U+200F` and `U+061C`
//!   (invisible, and able to move neutral characters such as digits and punctuation);
//! - the line and paragraph separators `U+2028` and `U+2029`.
//!
//! Line breaks: a one-line field ([`escape`]) shows `\n` as the two characters `\n`, so
//! that a name or a city cannot forge a line of the output (`  publish: yes`). A
//! multi-line text (a narrative, a message) is printed line by line ([`escape_lines`]):
//! its line breaks stay line breaks, and everything else on each line is escaped. Tabs
//! are escaped everywhere: text typed in a form never needs them, and they would break
//! the indentation under which a text is printed.
//!
//! A backslash is left as it is: a reporter who types `\u{1b}` shows `\u{1b}`, which is
//! what an escaped control character looks like, but harmless either way. Joiners
//! (`U+200C`, `U+200D`, needed by Persian and by emoji) are left as they are.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal as it is (see the module documentation).
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// The visible form of an unsafe character.
fn visible(c: char, out: &mut String) {
    match c {
        '\t' => out.push_str("\\t"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        c => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
    }
}

/// One line of text, safe to print: every unsafe character, line breaks included, is
/// shown as `\u{…}` (`\t`, `\n`, `\r` for those three).
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_unsafe(c) {
            visible(c, &mut out);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A text of several lines, safe to print: its `\n` stay line breaks, and everything
/// unsafe on each line is escaped as by [`escape`] (a `\r` before a line break too).
pub fn escape_lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && is_unsafe(c)) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.split('\n')
            .map(|line| escape(line))
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// JSON text (as `serde_json` writes it), safe to print: every unsafe character that
/// `serde_json` leaves as it is (`DEL`, C1 controls, bidirectional controls, separators)
/// written as a `\uXXXX` escape instead. The JSON means the same: outside strings,
/// `serde_json` writes only ASCII punctuation, spaces and (pretty) line breaks, which
/// are kept.
pub fn escape_json(json: &str) -> Cow<'_, str> {
    let unsafe_in_json = |c: char| c != '\n' && is_unsafe(c);
    if !json.chars().any(unsafe_in_json) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if unsafe_in_json(c) {
            // Every unsafe character is in the Basic Multilingual Plane.
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character that can drive a terminal or reorder what it shows.
    fn dangerous() -> Vec<char> {
        let mut all: Vec<char> = (0u32..0x20)
            .chain(0x7f..0xa0)
            .chain(0x202a..=0x202e)
            .chain(0x2066..=0x2069)
            .chain([0x200e, 0x200f, 0x061c, 0x2028, 0x2029])
            .map(|n| char::from_u32(n).unwrap())
            .collect();
        all.sort();
        all
    }

    #[test]
    fn every_dangerous_character_is_shown_visibly() {
        for c in dangerous() {
            assert!(is_unsafe(c), "U+{:04X}", u32::from(c));
            let text = format!("a{c}b");
            let shown = escape(&text);
            assert!(
                !shown.chars().any(is_unsafe),
                "U+{:04X}: {shown}",
                u32::from(c)
            );
            assert!(shown.is_ascii(), "U+{:04X}: {shown}", u32::from(c));
            assert!(shown.starts_with("a\\") && shown.ends_with('b'), "{shown}");
            let lines = escape_lines(&text);
            assert!(!lines.chars().any(|c| c != '\n' && is_unsafe(c)), "{lines}");
            let json = serde_json::to_string(&text).unwrap();
            let json = escape_json(&json);
            assert!(
                !json.chars().any(is_unsafe),
                "U+{:04X}: {json}",
                u32::from(c)
            );
            assert_eq!(serde_json::from_str::<String>(&json).unwrap(), text);
        }
        // Nothing else in the first planes.
        let unsafe_count = (0u32..0x3_0000)
            .filter_map(char::from_u32)
            .filter(|c| is_unsafe(*c))
            .count();
        assert_eq!(unsafe_count, dangerous().len());
    }

    #[test]
    fn the_visible_forms() {
        assert_eq!(escape("\u{1b}[2J"), "\\u{1b}[2J");
        assert_eq!(escape("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(escape("abc\u{202e}fed\u{202c}"), "abc\\u{202e}fed\\u{202c}");
        assert_eq!(escape("\u{2067}x\u{2069}"), "\\u{2067}x\\u{2069}");
        assert_eq!(escape("\u{200f}"), "\\u{200f}");
        assert_eq!(escape("a\tb\r\nc\0"), "a\\tb\\r\\nc\\u{0}");
        assert_eq!(escape("\u{7f}"), "\\u{7f}");
        assert_eq!(
            escape_lines("one\u{1b}]0;x\u{7}\ntwo\r\n"),
            "one\\u{1b}]0;x\\u{7}\ntwo\\r\n"
        );
        assert_eq!(
            escape_json("{\"a\": \"\u{202e}\u{85}\"}"),
            "{\"a\": \"\\u202e\\u0085\"}"
        );
    }

    #[test]
    fn ordinary_text_is_left_as_it_is() {
        for text in [
            "Il est parti sans payer. 06 12 34 56 78 — à Marseille.",
            "مرحبا بالعالم",
            "שלום",
            "نامه‌ای", // with a zero-width non-joiner
            "👩‍👩‍👧 emoji with joiners",
            "a backslash \\ and \\u{1b} typed as text",
            "",
        ] {
            assert!(matches!(escape(text), Cow::Borrowed(_)), "{text}");
            assert!(matches!(escape_json(text), Cow::Borrowed(_)), "{text}");
        }
        assert!(matches!(escape_lines("two\nlines\n"), Cow::Borrowed(_)));
    }
}
