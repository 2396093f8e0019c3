//! "Where to get help": the directory of services in `<content_dir>/directory.toml`,
//! maintained by the association (format in `server/content/README.md`). Every entry is
//! checked when the server starts (a malformed one stops it, naming the entry and the
//! field), then shown as a plain list filtered by city, kind and language spoken;
//! opening hours are written in the visitor's language.

use serde::Deserialize;

/// Kinds of service, in display order.
pub const KINDS: [&str; 4] = ["emergency", "health", "legal", "community"];

/// Days as written in `hours`, Monday first.
pub const DAYS: [&str; 7] = ["mo", "tu", "we", "th", "fr", "sa", "su"];

/// Languages a service may list (ISO 639-1), each with its own name, shown to visitors
/// looking for someone who speaks their language.
pub const SPOKEN: [(&str, &str); 30] = [
    ("fr", "Français"),
    ("en", "English"),
    ("es", "Español"),
    ("pt", "Português"),
    ("ro", "Română"),
    ("bg", "Български"),
    ("ru", "Русский"),
    ("uk", "Українська"),
    ("zh", "中文"),
    ("ar", "العربية"),
    ("de", "Deutsch"),
    ("it", "Italiano"),
    ("pl", "Polski"),
    ("tr", "Türkçe"),
    ("fa", "فارسی"),
    ("he", "עברית"),
    ("sq", "Shqip"),
    ("hu", "Magyar"),
    ("sk", "Slovenčina"),
    ("cs", "Čeština"),
    ("nl", "Nederlands"),
    ("vi", "Tiếng Việt"),
    ("th", "ไทย"),
    ("tl", "Tagalog"),
    ("ka", "ქართული"),
    ("hy", "Հայերեն"),
    ("ln", "Lingála"),
    ("wo", "Wolof"),
    ("sw", "Kiswahili"),
    ("am", "አማርኛ"),
];

/// One service as written in the file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// Lower-case letters, digits and dashes; unique.
    pub id: String,
    /// Name, as the service calls itself.
    pub name: String,
    /// One of [`KINDS`].
    pub kind: String,
    /// `national` or `local`.
    pub scope: String,
    /// Local services: the city.
    pub city: String,
    /// Local services: the département code.
    pub departement: String,
    /// Postal address, or empty.
    pub address: String,
    /// As dialled in France, or empty.
    pub phone: String,
    /// ISO 639-1 codes of the languages spoken there.
    pub languages: Vec<String>,
    /// Opening hours as written (see [`parse_hours`]).
    pub hours: String,
    /// The same, read once when the file is loaded.
    #[serde(skip)]
    pub opening: Hours,
    /// `https://` address, or empty.
    pub website: String,
    /// The page the entry was checked on.
    pub source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    service: Vec<Service>,
}

/// Every service, checked.
#[derive(Clone, Debug, Default)]
pub struct Directory {
    /// In the file's order.
    pub services: Vec<Service>,
}

/// One opening-hours slot: days (indexes into Monday..Sunday, as ranges) and times.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slot {
    /// Ranges of days, 0 = Monday.
    pub days: Vec<(usize, usize)>,
    /// `HH:MM-HH:MM` ranges.
    pub times: Vec<String>,
}

/// Opening hours.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Hours {
    /// Not known (`""`).
    #[default]
    Unknown,
    /// Always open (`24/7`).
    Always,
    /// Open at these times.
    Slots(Vec<Slot>),
}

fn day_index(day: &str) -> Option<usize> {
    DAYS.iter().position(|d| *d == day)
}

fn valid_time_range(range: &str) -> bool {
    let valid_time = |t: &str| {
        let b = t.as_bytes();
        b.len() == 5
            && b[2] == b':'
            && t[..2].parse::<u8>().is_ok_and(|h| h <= 24)
            && t[3..].parse::<u8>().is_ok_and(|m| m < 60)
            && b[..2].iter().chain(&b[3..]).all(u8::is_ascii_digit)
    };
    range
        .split_once('-')
        .is_some_and(|(from, to)| valid_time(from) && valid_time(to))
}

/// Parses `hours`: `""`, `"24/7"`, or slots like `"mo-fr 09:00-17:00; sa 10:00-13:00"`
/// (days as `mo`, `mo-fr` or `mo,we,fr`; times separated by commas).
pub fn parse_hours(text: &str) -> Result<Hours, String> {
    match text.trim() {
        "" => return Ok(Hours::Unknown),
        "24/7" => return Ok(Hours::Always),
        _ => {}
    }
    let mut slots = Vec::new();
    for slot in text.split(';').map(str::trim) {
        let (days_text, times_text) = slot.split_once(' ').ok_or_else(|| {
            format!("'{slot}' must be days then times, for example 'mo-fr 09:00-17:00'")
        })?;
        let mut days = Vec::new();
        for part in days_text.split(',') {
            let (from, to) = part.split_once('-').unwrap_or((part, part));
            match (day_index(from), day_index(to)) {
                (Some(a), Some(b)) if a <= b => days.push((a, b)),
                _ => {
                    return Err(format!(
                        "'{part}' is not a day or a range of days (mo tu we th fr sa su)"
                    ))
                }
            }
        }
        let times: Vec<String> = times_text
            .split(',')
            .map(|t| t.trim().to_string())
            .collect();
        if let Some(bad) = times.iter().find(|t| !valid_time_range(t)) {
            return Err(format!("'{bad}' is not a time range like 09:00-17:00"));
        }
        slots.push(Slot { days, times });
    }
    Ok(Hours::Slots(slots))
}

/// A phone number as dialled in France: digits and single spaces, 2 to 10 digits
/// (short numbers such as 15, 3919 or 116 006 included), or empty.
fn valid_phone(phone: &str) -> bool {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    phone.is_empty()
        || (phone.chars().all(|c| c.is_ascii_digit() || c == ' ')
            && !phone.starts_with(' ')
            && !phone.ends_with(' ')
            && !phone.contains("  ")
            && (2..=10).contains(&digits))
}

/// A département code: 01–95 (2A, 2B for Corsica) or 971–976.
fn valid_departement(code: &str) -> bool {
    matches!(code, "2A" | "2B")
        || (code.len() == 2 && code.parse::<u8>().is_ok_and(|n| (1..=95).contains(&n)))
        || (code.len() == 3 && code.parse::<u16>().is_ok_and(|n| (971..=976).contains(&n)))
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

impl Service {
    /// Checks this entry and reads its opening hours into `opening`; every problem, in
    /// plain words.
    fn check(&mut self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut check = |ok: bool, problem: String| {
            if !ok {
                problems.push(problem);
            }
        };
        check(
            valid_id(&self.id),
            "id: lower-case letters, digits and dashes only".into(),
        );
        check(!self.name.trim().is_empty(), "name is empty".into());
        check(
            KINDS.contains(&self.kind.as_str()),
            format!("kind '{}' must be one of {}", self.kind, KINDS.join(", ")),
        );
        match self.scope.as_str() {
            "national" => check(
                self.city.is_empty() && self.departement.is_empty(),
                "a national service has no city and no departement".into(),
            ),
            "local" => {
                check(
                    !self.city.trim().is_empty(),
                    "a local service needs a city".into(),
                );
                check(
                    valid_departement(&self.departement),
                    format!(
                        "departement '{}' must be a code such as 75, 2A or 974",
                        self.departement
                    ),
                );
            }
            other => check(false, format!("scope '{other}' must be national or local")),
        }
        check(
            valid_phone(&self.phone),
            format!(
                "phone '{}' must be digits and single spaces, as dialled in France",
                self.phone
            ),
        );
        check(
            !(self.scope == "national" && self.phone.is_empty() && self.website.is_empty()),
            "a national service needs a phone or a website".into(),
        );
        check(!self.languages.is_empty(), "languages is empty".into());
        for lang in &self.languages {
            check(
                SPOKEN.iter().any(|(code, _)| code == lang),
                format!(
                    "language '{lang}' is not a known ISO 639-1 code (see SPOKEN in directory.rs)"
                ),
            );
        }
        match parse_hours(&self.hours) {
            Ok(opening) => self.opening = opening,
            Err(e) => check(false, format!("hours: {e}")),
        }
        check(
            self.website.is_empty() || self.website.starts_with("https://"),
            format!("website '{}' must start with https://", self.website),
        );
        check(
            self.source.starts_with("https://") || self.source.starts_with("http://"),
            "source must be the address of the page the entry was checked on".into(),
        );
        problems
    }

    /// The phone number for a `tel:` link (digits only).
    pub fn phone_link(&self) -> String {
        self.phone.chars().filter(char::is_ascii_digit).collect()
    }

    /// The own names of the languages spoken there.
    pub fn language_names(&self) -> Vec<&'static str> {
        self.languages
            .iter()
            .filter_map(|l| SPOKEN.iter().find(|(code, _)| code == l).map(|(_, n)| *n))
            .collect()
    }

    /// Whether someone at the service speaks `lang`.
    pub fn speaks(&self, lang: &str) -> bool {
        self.languages.iter().any(|l| l == lang)
    }
}

impl Directory {
    /// Reads and checks the directory file; every malformed entry is named with its
    /// problems. A missing file is an empty directory.
    pub fn load(path: &std::path::Path) -> Result<Directory, String> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Directory::default()),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        Directory::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses and checks the text of a directory file.
    pub fn parse(text: &str) -> Result<Directory, String> {
        let mut file: File = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut errors = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for (n, service) in file.service.iter_mut().enumerate() {
            let mut problems = service.check();
            if !seen.insert(service.id.clone()) {
                problems.push("another entry has the same id".into());
            }
            if !problems.is_empty() {
                errors.push(format!(
                    "entry {} (id '{}'): {}",
                    n + 1,
                    service.id,
                    problems.join("; ")
                ));
            }
        }
        if errors.is_empty() {
            Ok(Directory {
                services: file.service,
            })
        } else {
            Err(errors.join("\n"))
        }
    }

    /// Cities with a local service, sorted.
    pub fn cities(&self) -> Vec<String> {
        let mut cities: Vec<String> = self
            .services
            .iter()
            .filter(|s| s.scope == "local")
            .map(|s| s.city.clone())
            .collect();
        cities.sort();
        cities.dedup();
        cities
    }

    /// Languages some service speaks, in the order of [`SPOKEN`].
    pub fn languages(&self) -> Vec<(&'static str, &'static str)> {
        SPOKEN
            .iter()
            .copied()
            .filter(|(code, _)| self.services.iter().any(|s| s.speaks(code)))
            .collect()
    }

    /// (local services, national services) matching the filter; `None` matches all.
    pub fn select(
        &self,
        city: Option<&str>,
        kind: Option<&str>,
        speaks: Option<&str>,
    ) -> (Vec<&Service>, Vec<&Service>) {
        let matches =
            |s: &&Service| kind.is_none_or(|k| s.kind == k) && speaks.is_none_or(|l| s.speaks(l));
        let order = |s: &&Service| {
            (
                KINDS.iter().position(|k| *k == s.kind),
                s.city.clone(),
                s.name.clone(),
            )
        };
        let mut local: Vec<&Service> = self
            .services
            .iter()
            .filter(|s| s.scope == "local" && city.is_none_or(|c| s.city == c))
            .filter(matches)
            .collect();
        let mut national: Vec<&Service> = self
            .services
            .iter()
            .filter(|s| s.scope == "national")
            .filter(matches)
            .collect();
        local.sort_by_key(order);
        national.sort_by_key(order);
        (local, national)
    }
}

/// Opening hours in words, given the translated day names (Monday first) and the
/// words for "always open" and "hours unknown".
pub fn hours_in_words(hours: &Hours, days: &[String; 7], always: &str, unknown: &str) -> String {
    match hours {
        Hours::Unknown => unknown.to_string(),
        Hours::Always => always.to_string(),
        Hours::Slots(slots) => slots
            .iter()
            .map(|slot| {
                let days: Vec<String> = slot
                    .days
                    .iter()
                    .map(|(from, to)| {
                        if from == to {
                            days[*from].clone()
                        } else {
                            format!("{}–{}", days[*from], days[*to])
                        }
                    })
                    .collect();
                format!(
                    "{} {}",
                    days.join(", "),
                    slot.times.join(", ").replace('-', "–")
                )
            })
            .collect::<Vec<_>>()
            .join(" · "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content_file() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("content/directory.toml")
    }

    /// The content check: every entry of the association's file is well-formed.
    #[test]
    fn every_entry_of_the_directory_is_well_formed() {
        let directory = Directory::load(&content_file()).unwrap();
        assert!(directory.services.len() >= 20);
        assert!(directory.cities().contains(&"Paris".to_string()));
        for kind in KINDS {
            assert!(
                directory.services.iter().any(|s| s.kind == kind),
                "no service of kind {kind}"
            );
        }
    }

    const GOOD: &str = r#"
[[service]]
id = "a"
name = "A"
kind = "health"
scope = "local"
city = "Lyon"
departement = "69"
address = "1 rue X"
phone = "04 00 00 00 00"
languages = ["fr", "en"]
hours = "mo-fr 09:00-12:00,14:00-17:00; sa 10:00-12:00"
website = ""
source = "https://example.org"
"#;

    #[test]
    fn malformed_entries_are_named_with_each_problem() {
        assert_eq!(Directory::parse(GOOD).unwrap().services.len(), 1);
        let bad = GOOD
            .replace("\"health\"", "\"hospital\"")
            .replace("\"69\"", "\"6\"")
            .replace("04 00 00 00 00", "+33 4 00")
            .replace("\"en\"", "\"english\"")
            .replace("sa 10", "sat 10")
            .replace("https://example.org", "");
        let error = Directory::parse(&bad).unwrap_err();
        for needle in [
            "entry 1 (id 'a')",
            "kind 'hospital'",
            "departement '6'",
            "phone '+33 4 00'",
            "language 'english'",
            "'sat'",
            "source must be",
        ] {
            assert!(error.contains(needle), "{needle} not in {error}");
        }
        let twice = format!("{GOOD}{GOOD}");
        assert!(Directory::parse(&twice)
            .unwrap_err()
            .contains("another entry has the same id"));
        assert!(Directory::parse("[[service]]\nid = 1\n").is_err());
        assert!(Directory::parse(&GOOD.replace("website", "web")).is_err());
    }

    #[test]
    fn hours_read_in_words() {
        let days: [String; 7] = ["L", "Ma", "Me", "J", "V", "S", "D"].map(String::from);
        let hours = parse_hours("mo-fr 09:00-12:00,14:00-17:00; sa,su 10:00-12:00").unwrap();
        assert_eq!(
            hours_in_words(&hours, &days, "24h/24", "?"),
            "L–V 09:00–12:00, 14:00–17:00 · S, D 10:00–12:00"
        );
        assert_eq!(
            hours_in_words(&parse_hours("24/7").unwrap(), &days, "24h/24", "?"),
            "24h/24"
        );
        assert_eq!(parse_hours("").unwrap(), Hours::Unknown);
        for bad in [
            "mo",
            "fr-mo 09:00-10:00",
            "mo 9:00-10:00",
            "mo 09:00",
            "xx 09:00-10:00",
            "mo 25:00-26:00",
        ] {
            assert!(parse_hours(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn selection_keeps_national_services_apart_and_filters_by_language() {
        let directory = Directory::load(&content_file()).unwrap();
        let (local, national) = directory.select(Some("Paris"), Some("health"), None);
        assert!(!local.is_empty());
        assert!(local
            .iter()
            .all(|s| s.city == "Paris" && s.kind == "health"));
        assert!(national
            .iter()
            .all(|s| s.scope == "national" && s.kind == "health"));
        let (local, national) = directory.select(None, None, Some("zh"));
        assert!(local.iter().chain(&national).all(|s| s.speaks("zh")));
        assert!(!national.is_empty());
        let (local, _) = directory.select(Some("Nowhere"), None, None);
        assert!(local.is_empty());
    }
}
