//! The site's languages and their messages (Fluent files in `server/locales/<lang>/`,
//! compiled into the binary). French is the reference: a test fails when another
//! language lacks one of its messages. The language comes from the URL
//! (`/<lang>/…`), then `Accept-Language`, then French.

use std::collections::HashMap;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};

/// The languages of the site, in the order of the language switcher.
pub const LANGUAGES: [&str; 10] = ["fr", "en", "es", "pt", "ro", "bg", "ru", "uk", "zh", "ar"];

/// The reference language and the fallback.
pub const DEFAULT_LANGUAGE: &str = "fr";

macro_rules! sources {
    ($($lang:literal),*) => {
        [$(($lang, include_str!(concat!("../../locales/", $lang, "/jasmine.ftl")))),*]
    };
}

/// The Fluent sources, by language.
pub const SOURCES: [(&str, &str); 10] =
    sources!("fr", "en", "es", "pt", "ro", "bg", "ru", "uk", "zh", "ar");

/// Every language's messages.
pub struct Catalog {
    bundles: HashMap<&'static str, FluentBundle<FluentResource>>,
}

impl Catalog {
    /// Parses every language; a syntax error in any file is an error.
    pub fn load() -> Result<Catalog, String> {
        let mut bundles = HashMap::new();
        for (lang, source) in SOURCES {
            let resource = FluentResource::try_new(source.to_string())
                .map_err(|(_, errors)| format!("locales/{lang}/jasmine.ftl: {errors:?}"))?;
            let id: unic_langid::LanguageIdentifier =
                lang.parse().map_err(|e| format!("{lang}: {e}"))?;
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            bundle.set_use_isolating(false);
            bundle
                .add_resource(resource)
                .map_err(|errors| format!("locales/{lang}/jasmine.ftl: {errors:?}"))?;
            bundles.insert(lang, bundle);
        }
        Ok(Catalog { bundles })
    }

    /// The message ids of a language.
    pub fn ids(&self, lang: &str) -> Vec<String> {
        let source = SOURCES
            .iter()
            .find(|(l, _)| *l == lang)
            .map(|(_, s)| *s)
            .unwrap_or("");
        source
            .lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with(' '))
            .filter_map(|l| l.split_once(" = ").map(|(id, _)| id.trim().to_string()))
            .collect()
    }

    /// A translator for one language (French if unknown).
    pub fn translator(&self, lang: &str) -> Tr<'_> {
        let lang = LANGUAGES
            .iter()
            .copied()
            .find(|l| *l == lang)
            .unwrap_or(DEFAULT_LANGUAGE);
        Tr {
            lang,
            bundle: &self.bundles[lang],
            fallback: &self.bundles[DEFAULT_LANGUAGE],
        }
    }
}

/// Messages of one language, for templates.
pub struct Tr<'a> {
    /// The language code.
    pub lang: &'static str,
    bundle: &'a FluentBundle<FluentResource>,
    fallback: &'a FluentBundle<FluentResource>,
}

impl Tr<'_> {
    /// The message `id`.
    pub fn t(&self, id: &str) -> String {
        self.format(id, None)
    }

    /// The message `id` with one variable.
    pub fn t1(&self, id: &str, name: &str, value: &str) -> String {
        let mut args = FluentArgs::new();
        args.set(name.to_string(), value.to_string());
        self.format(id, Some(&args))
    }

    /// The message `id` with two variables.
    pub fn t2(&self, id: &str, name1: &str, value1: &str, name2: &str, value2: &str) -> String {
        let mut args = FluentArgs::new();
        args.set(name1.to_string(), value1.to_string());
        args.set(name2.to_string(), value2.to_string());
        self.format(id, Some(&args))
    }

    /// The message `id` with several variables.
    pub fn t_args(&self, id: &str, args: &FluentArgs) -> String {
        self.format(id, Some(args))
    }

    fn format(&self, id: &str, args: Option<&FluentArgs>) -> String {
        for bundle in [self.bundle, self.fallback] {
            if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                return bundle
                    .format_pattern(pattern, args, &mut errors)
                    .into_owned();
            }
        }
        id.to_string()
    }

    /// A day as written in this language: `20/11/2026`, `20.11.2026`, `2026年11月20日`. In
    /// Arabic, kept left to right inside the sentence (LRI … PDI), so that its parts
    /// are not reordered.
    pub fn day(&self, day: jasmine_client::Day) -> String {
        let date = day.date();
        let (d, m, y) = (date.day(), u8::from(date.month()), date.year());
        match self.lang {
            "zh" => format!("{y}年{m}月{d}日"),
            "ru" | "uk" | "bg" | "ro" => format!("{d:02}.{m:02}.{y}"),
            "ar" => format!("\u{2066}{d:02}/{m:02}/{y}\u{2069}"),
            _ => format!("{d:02}/{m:02}/{y}"),
        }
    }

    /// A month as written in this language (`11/2026`, `11.2026`, `2026年11月`).
    pub fn month(&self, day: jasmine_client::Day) -> String {
        let date = day.date();
        let (m, y) = (u8::from(date.month()), date.year());
        match self.lang {
            "zh" => format!("{y}年{m}月"),
            "ru" | "uk" | "bg" | "ro" => format!("{m:02}.{y}"),
            "ar" => format!("\u{2066}{m:02}/{y}\u{2069}"),
            _ => format!("{m:02}/{y}"),
        }
    }

    /// `rtl` for Arabic, `ltr` otherwise.
    pub fn dir(&self) -> &'static str {
        if self.lang == "ar" {
            "rtl"
        } else {
            "ltr"
        }
    }
}

/// The best site language for an `Accept-Language` header, or French.
pub fn negotiate(accept_language: Option<&str>) -> &'static str {
    let Some(header) = accept_language else {
        return DEFAULT_LANGUAGE;
    };
    let mut choices: Vec<(f32, usize, &str)> = header
        .split(',')
        .enumerate()
        .filter_map(|(order, part)| {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next()?.trim();
            let quality = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            Some((quality, order, tag))
        })
        .collect();
    choices.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    choices
        .iter()
        .filter(|(q, _, _)| *q > 0.0)
        .find_map(|(_, _, tag)| {
            let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
            LANGUAGES.iter().copied().find(|l| *l == primary)
        })
        .unwrap_or(DEFAULT_LANGUAGE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_french_message_and_nothing_else() {
        let catalog = Catalog::load().unwrap();
        let french: std::collections::BTreeSet<String> = catalog.ids("fr").into_iter().collect();
        assert!(french.len() > 100, "the French file looks truncated");
        for lang in LANGUAGES {
            let ids: std::collections::BTreeSet<String> = catalog.ids(lang).into_iter().collect();
            let missing: Vec<_> = french.difference(&ids).collect();
            let extra: Vec<_> = ids.difference(&french).collect();
            assert!(missing.is_empty(), "{lang} lacks {missing:?}");
            assert!(
                extra.is_empty(),
                "{lang} has messages French does not: {extra:?}"
            );
            let tr = catalog.translator(lang);
            let reference = catalog.translator("fr");
            let mut same_as_french = Vec::new();
            for id in &french {
                assert_ne!(tr.t(id), *id, "{lang}: {id} does not format");
                assert!(!tr.t(id).trim().is_empty(), "{lang}: {id} is empty");
                if lang != "fr" && tr.t(id) == reference.t(id) {
                    same_as_french.push(id.clone());
                }
            }
            // Names and numbers may stay as they are; whole sentences may not.
            assert!(
                same_as_french.len() <= 8,
                "{lang} is not translated: {} messages are the French text, e.g. {:?}",
                same_as_french.len(),
                &same_as_french[..same_as_french.len().min(5)]
            );
        }
    }

    #[test]
    fn variables_survive_translation() {
        let catalog = Catalog::load().unwrap();
        for lang in LANGUAGES {
            let text = catalog
                .translator(lang)
                .t1("sent-text", "day", "2026-11-29");
            assert!(text.contains("2026-11-29"), "{lang}: {text}");
        }
    }

    #[test]
    fn the_language_comes_from_the_browser_then_french() {
        assert_eq!(negotiate(Some("ro-RO,ro;q=0.9,en;q=0.8")), "ro");
        assert_eq!(negotiate(Some("de-DE, en;q=0.5")), "en");
        assert_eq!(negotiate(Some("zh-CN")), "zh");
        assert_eq!(negotiate(Some("en;q=0.1, ar")), "ar");
        assert_eq!(negotiate(Some("de, it")), "fr");
        assert_eq!(negotiate(Some("en;q=0")), "fr");
        assert_eq!(negotiate(None), "fr");
    }
}
