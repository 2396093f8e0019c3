//! The information pages: Markdown files with TOML front matter in
//! `<content_dir>/<lang>/<slug>.md`, maintained by the association without touching
//! Rust (`server/content/README.md`). They are read and checked when the server starts
//! (French is the reference: every other language's page must be one of its slugs;
//! internal links must resolve), rendered once to HTML with raw HTML escaped, a table of
//! contents from the `##`/`###` headings, and searched in memory.

use std::collections::BTreeMap;
use std::path::Path;

use pulldown_cmark::{html, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Deserialize;

use super::fold::fold;
use super::i18n::{DEFAULT_LANGUAGE, LANGUAGES};

/// A table of contents: (anchor id, level 2 or 3, text).
pub type Toc = Vec<(String, u8, String)>;

/// A page's front matter.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    title: String,
    summary: String,
    updated: String,
    translation: String,
    sources: Vec<String>,
}

/// One rendered page in one language.
#[derive(Clone, Debug)]
pub struct Page {
    /// File name without `.md`, the same in every language.
    pub slug: String,
    /// Title.
    pub title: String,
    /// One or two sentences for lists and search results.
    pub summary: String,
    /// Day the content was last checked.
    pub updated: String,
    /// Whether the page may be shown in its language (`complete` or `unreviewed`;
    /// `in_progress` pages are replaced by the French one with a notice).
    pub complete: bool,
    /// Translated but not yet checked by someone whose language it is (`unreviewed`):
    /// shown with a notice and a link to the French page.
    pub unreviewed: bool,
    /// Sources, as written.
    pub sources: Vec<String>,
    /// The body as HTML (headings with ids, raw HTML escaped).
    pub html: String,
    /// Table of contents.
    pub toc: Toc,
    /// Title, summary and body as plain lower-case text, for search.
    search_text: String,
    /// `search_text` folded (`super::fold`): what a search looks in.
    folded: String,
}

/// Every page of every language.
#[derive(Debug, Default)]
pub struct Content {
    pages: BTreeMap<(String, String), Page>,
    /// Slugs in display order (the French files, sorted).
    pub slugs: Vec<String>,
    /// The directory of services (`directory.toml`).
    pub directory: super::directory::Directory,
    /// Per language, words she may type and what the pages say instead
    /// (`synonyms.toml`), all folded.
    synonyms: BTreeMap<String, BTreeMap<String, Vec<String>>>,
}

/// The neutral code of a page in addresses (`/fr/i/<code>`): six hex digits of a hash
/// of its slug, stable as long as the slug is. The browser's history of visited
/// addresses then says nothing of what the page is about.
pub fn page_code(slug: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(format!("jasmine/page/{slug}").as_bytes())[..3])
}

/// Reads `synonyms.toml` (absent: none), folded; every error names the line's word.
fn load_synonyms(path: &Path) -> Result<BTreeMap<String, BTreeMap<String, Vec<String>>>, String> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(BTreeMap::new());
    };
    let file = path.display();
    let raw: BTreeMap<String, BTreeMap<String, Vec<String>>> =
        toml::from_str(&text).map_err(|e| format!("{file}: {e}"))?;
    let mut out = BTreeMap::new();
    for (lang, words) in raw {
        if !LANGUAGES.contains(&lang.as_str()) {
            return Err(format!("{file}: [{lang}] is not a language of the site"));
        }
        let mut folded = BTreeMap::new();
        for (word, instead) in words {
            let key = fold(&word);
            if key.is_empty() || key.contains(' ') {
                return Err(format!("{file}: [{lang}] '{word}' must be one word"));
            }
            let instead: Vec<String> = instead
                .iter()
                .map(|w| fold(w))
                .filter(|w| !w.is_empty())
                .collect();
            if instead.is_empty() {
                return Err(format!(
                    "{file}: [{lang}] '{word}' gives no word to look for"
                ));
            }
            folded.insert(key, instead);
        }
        out.insert(lang, folded);
    }
    Ok(out)
}

fn split_front_matter(text: &str) -> Option<(&str, &str)> {
    let rest = text.strip_prefix("+++\n")?;
    let end = rest.find("\n+++\n")?;
    Some((&rest[..end], &rest[end + 5..]))
}

/// Renders Markdown for `lang`: `[x](slug)` → `/<lang>/info/<slug>`, `[x](/help)` →
/// `/<lang>/help`; raw HTML and images become text. Returns (html, toc, plain text,
/// broken internal links).
fn render(markdown: &str, lang: &str, known: &[String]) -> (String, Toc, String, Vec<String>) {
    let mut toc = Vec::new();
    let mut broken = Vec::new();
    let mut plain = String::new();
    let mut heading: Option<(u8, String)> = None;
    let mut events = Vec::new();
    for event in Parser::new_ext(markdown, Options::empty()) {
        let event = match event {
            Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
            Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => continue,
            Event::Start(Tag::Heading { level, .. }) => {
                let level = match level {
                    HeadingLevel::H1 | HeadingLevel::H2 => 2,
                    _ => 3,
                };
                heading = Some((level, String::new()));
                events.push(Event::Start(Tag::Heading {
                    level: if level == 2 {
                        HeadingLevel::H2
                    } else {
                        HeadingLevel::H3
                    },
                    id: Some(CowStr::from(format!("s{}", toc.len() + 1))),
                    classes: Vec::new(),
                    attrs: Vec::new(),
                }));
                continue;
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, text)) = heading.take() {
                    toc.push((format!("s{}", toc.len() + 1), level, text));
                    events.push(Event::End(TagEnd::Heading(if level == 2 {
                        HeadingLevel::H2
                    } else {
                        HeadingLevel::H3
                    })));
                }
                continue;
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest = dest_url.to_string();
                let target = if dest.starts_with("https://") || dest.starts_with("http://") {
                    dest
                } else if dest.starts_with('/') {
                    format!("/{lang}{}", super::paths::neutral_path(&dest))
                } else {
                    if !known.contains(&dest) {
                        broken.push(dest.clone());
                    }
                    format!("/{lang}/i/{}", page_code(&dest))
                };
                Event::Start(Tag::Link {
                    link_type,
                    dest_url: CowStr::from(target),
                    title,
                    id,
                })
            }
            other => other,
        };
        if let Event::Text(text) | Event::Code(text) = &event {
            if let Some((_, h)) = heading.as_mut() {
                h.push_str(text);
            }
            plain.push_str(text);
            plain.push(' ');
        }
        if matches!(event, Event::SoftBreak | Event::HardBreak | Event::End(_)) {
            plain.push(' ');
        }
        events.push(event);
    }
    let mut out = String::new();
    let events = phone_links(events);
    let events = if lang == "ar" {
        isolate_quoted_latin(events)
    } else {
        events
    };
    html::push_html(&mut out, events.into_iter());
    (out, toc, plain, broken)
}

/// In a right-to-left page, a quotation in Latin letters between « and » (the French
/// sentence to say at reception) is set left to right, in French, inside its quotes:
/// otherwise its final stop and the quotes land in the wrong places.
fn isolate_quoted_latin(events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    let mut out = Vec::with_capacity(events.len());
    for event in events {
        let Event::Text(text) = &event else {
            out.push(event);
            continue;
        };
        let mut rest: &str = text;
        let mut split = false;
        while let Some(open) = rest.find('«') {
            let after = &rest[open + '«'.len_utf8()..];
            let Some(close) = after.find('»') else { break };
            let inner = &after[..close];
            if !inner
                .trim_start()
                .starts_with(|c: char| c.is_ascii_alphabetic())
            {
                out.push(Event::Text(CowStr::from(
                    rest[..open + '«'.len_utf8() + close].to_string(),
                )));
                rest = &after[close..];
                split = true;
                continue;
            }
            out.push(Event::Text(CowStr::from(
                rest[..open + '«'.len_utf8()].to_string(),
            )));
            out.push(Event::Html(CowStr::from("<span lang=\"fr\" dir=\"ltr\">")));
            out.push(Event::Text(CowStr::from(inner.to_string())));
            out.push(Event::Html(CowStr::from("</span>")));
            rest = &after[close..];
            split = true;
        }
        if split {
            out.push(Event::Text(CowStr::from(rest.to_string())));
        } else {
            out.push(event);
        }
    }
    out
}

/// A number written in bold (`**0 800 840 800**`, `**17**`) becomes a link that calls it
/// (`sms:` for 114, the emergency number by text message), written left to right
/// whatever the page's direction (an Arabic page would otherwise reorder its groups).
fn phone_links(events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    let is_number = |text: &str| {
        let digits = text.chars().filter(char::is_ascii_digit).count();
        (2..=15).contains(&digits)
            && text.chars().all(|c| c.is_ascii_digit() || c == ' ')
            && !text.starts_with(' ')
            && !text.ends_with(' ')
    };
    let mut out = Vec::with_capacity(events.len());
    let mut i = 0;
    while i < events.len() {
        if let (
            Some(Event::Start(Tag::Strong)),
            Some(Event::Text(text)),
            Some(Event::End(TagEnd::Strong)),
        ) = (events.get(i), events.get(i + 1), events.get(i + 2))
        {
            if is_number(text) {
                let dial: String = text.chars().filter(char::is_ascii_digit).collect();
                let scheme = if dial == "114" { "sms" } else { "tel" };
                out.push(Event::Html(CowStr::from(format!(
                    "<a class=\"phone\" href=\"{scheme}:{dial}\" dir=\"ltr\"><strong>{text}</strong></a>"
                ))));
                i += 3;
                continue;
            }
        }
        out.push(events[i].clone());
        i += 1;
    }
    out
}

impl Content {
    /// Reads and checks every page under `dir`. Any error names the file.
    pub fn load(dir: &Path) -> Result<Content, String> {
        let mut content = Content::default();
        let read_lang = |lang: &str| -> Result<Vec<(String, String)>, String> {
            let folder = dir.join(lang);
            let Ok(entries) = std::fs::read_dir(&folder) else {
                return Ok(Vec::new());
            };
            let mut files = Vec::new();
            for entry in entries {
                let path = entry.map_err(|e| e.to_string())?.path();
                if path.extension().is_some_and(|e| e == "md") {
                    let slug = path
                        .file_stem()
                        .unwrap_or_default()
                        .to_string_lossy()
                        .to_string();
                    let text = std::fs::read_to_string(&path)
                        .map_err(|e| format!("{}: {e}", path.display()))?;
                    files.push((slug, text));
                }
            }
            files.sort();
            Ok(files)
        };
        content.directory = super::directory::Directory::load(&dir.join("directory.toml"))?;
        content.synonyms = load_synonyms(&dir.join("synonyms.toml"))?;
        let french = read_lang(DEFAULT_LANGUAGE)?;
        content.slugs = french.iter().map(|(slug, _)| slug.clone()).collect();
        for lang in LANGUAGES {
            for (slug, text) in read_lang(lang)? {
                let file = format!("{lang}/{slug}.md");
                if !content.slugs.contains(&slug) {
                    return Err(format!(
                        "{file}: no French page has this name (fr/{slug}.md)"
                    ));
                }
                let (front, body) = split_front_matter(&text).ok_or_else(|| {
                    format!("{file}: the page must start with a +++ … +++ header")
                })?;
                let front: FrontMatter =
                    toml::from_str(front).map_err(|e| format!("{file}: {e}"))?;
                if jasmine_client::Day::parse(&front.updated).is_err() {
                    return Err(format!("{file}: updated must be a day, YYYY-MM-DD"));
                }
                let (complete, unreviewed) = match front.translation.as_str() {
                    "complete" => (true, false),
                    "unreviewed" if lang != DEFAULT_LANGUAGE => (true, true),
                    "in_progress" if lang != DEFAULT_LANGUAGE => (false, false),
                    other => {
                        return Err(format!(
                            "{file}: translation '{other}' must be complete, unreviewed or in_progress (French pages: complete)"
                        ))
                    }
                };
                let (html, toc, plain, broken) = render(body, lang, &content.slugs);
                if let Some(link) = broken.first() {
                    return Err(format!("{file}: the link to '{link}' leads to no page"));
                }
                let search_text =
                    format!("{} {} {}", front.title, front.summary, plain).to_lowercase();
                let folded = fold(&search_text);
                content.pages.insert(
                    (lang.to_string(), slug.clone()),
                    Page {
                        slug,
                        title: front.title,
                        summary: front.summary,
                        updated: front.updated,
                        complete,
                        unreviewed,
                        sources: front.sources,
                        html,
                        toc,
                        search_text,
                        folded,
                    },
                );
            }
        }
        Ok(content)
    }

    /// The page to show for `lang`: its own when complete, otherwise the French one
    /// (`true` when it is the French fallback).
    pub fn page(&self, lang: &str, slug: &str) -> Option<(&Page, bool)> {
        match self.pages.get(&(lang.to_string(), slug.to_string())) {
            Some(page) if page.complete || lang == DEFAULT_LANGUAGE => Some((page, false)),
            _ => self
                .pages
                .get(&(DEFAULT_LANGUAGE.to_string(), slug.to_string()))
                .map(|p| (p, lang != DEFAULT_LANGUAGE)),
        }
    }

    /// Every page as shown in `lang`, in order.
    pub fn pages(&self, lang: &str) -> Vec<(&Page, bool)> {
        self.slugs
            .iter()
            .filter_map(|s| self.page(lang, s))
            .collect()
    }

    /// The pages of `lang` that hold every word of `query`, with a snippet. Accents and
    /// capitals do not matter; a word of `synonyms.toml` (of `lang`, or French for the
    /// French pages shown in its place) also finds what it stands for.
    pub fn search(&self, lang: &str, query: &str) -> Vec<(&Page, bool, String)> {
        let words: Vec<String> = fold(query)
            .split(' ')
            .filter(|w| !w.is_empty())
            .take(10)
            .map(String::from)
            .collect();
        if words.is_empty() {
            return Vec::new();
        }
        let no_synonyms = BTreeMap::new();
        self.pages(lang)
            .into_iter()
            .filter_map(|(page, fallback)| {
                let synonyms = self
                    .synonyms
                    .get(if fallback { DEFAULT_LANGUAGE } else { lang })
                    .unwrap_or(&no_synonyms);
                // For each word, where the first of its forms is found in the page.
                let mut first = None;
                for word in &words {
                    let forms =
                        std::iter::once(word).chain(synonyms.get(word).into_iter().flatten());
                    let at = forms.filter_map(|f| page.folded.find(f.as_str())).min()?;
                    first.get_or_insert(at);
                }
                Some((page, fallback, first.unwrap_or(0)))
            })
            .map(|(page, fallback, at)| {
                let start_char = page.folded[..at].chars().count().saturating_sub(60);
                let snippet: String = page
                    .search_text
                    .chars()
                    .skip(start_char)
                    .take(160)
                    .collect();
                (page, fallback, format!("…{}…", snippet.trim()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content_dir() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("content")
    }

    /// In Arabic, the French sentence to say at reception stays in order, in its quotes.
    #[test]
    fn french_quotations_in_arabic_are_set_left_to_right() {
        let (html, _, _, _) = render(
            "عند الاستقبال: «J'ai eu un risque.» (ومعناها: «تعرضت لخطر.»)",
            "ar",
            &[],
        );
        assert!(
            html.contains("«<span lang=\"fr\" dir=\"ltr\">J&#39;ai eu un risque.</span>»")
                || html.contains("«<span lang=\"fr\" dir=\"ltr\">J'ai eu un risque.</span>»"),
            "{html}"
        );
        assert!(html.contains("«تعرضت لخطر.»"), "{html}");
        let (french, _, _, _) = render("« Bonjour »", "fr", &[]);
        assert!(!french.contains("<span"), "{french}");
    }

    /// She finds the page however she spells it: without accents, in capitals, or in
    /// her own words (`synonyms.toml`).
    #[test]
    fn search_forgives_spelling_and_knows_her_words() {
        let content = Content::load(&content_dir()).unwrap();
        let slugs = |lang: &str, query: &str| -> Vec<String> {
            content
                .search(lang, query)
                .into_iter()
                .map(|(page, _, _)| page.slug.clone())
                .collect()
        };
        for (lang, query) in [
            ("fr", "préservatif"),
            ("fr", "preservatif"),
            ("fr", "PRESERVATIF retiré"),
            ("fr", "capote"),
            ("fr", "pep"),
            ("en", "rubber"),
            ("ru", "резинка"),
            ("zh", "套套"),
        ] {
            assert!(
                slugs(lang, query).contains(&"after-sexual-assault".to_string()),
                "{lang} '{query}' finds nothing: {:?}",
                slugs(lang, query)
            );
        }
        assert!(slugs("fr", "xylophone").is_empty());
        let bad =
            std::env::temp_dir().join(format!("jasmine-synonyms-{}.toml", std::process::id()));
        std::fs::write(&bad, "[xx]\nmot = [\"autre\"]\n").unwrap();
        assert!(load_synonyms(&bad).unwrap_err().contains("[xx]"));
        std::fs::write(&bad, "[fr]\n\"deux mots\" = [\"autre\"]\n").unwrap();
        assert!(load_synonyms(&bad).unwrap_err().contains("one word"));
        std::fs::remove_file(&bad).unwrap();
    }

    /// The content check: every French page exists in all ten languages (or is
    /// marked in progress), every header parses, every internal link resolves.
    #[test]
    fn every_page_exists_in_every_language_and_its_links_resolve() {
        let content = Content::load(&content_dir()).unwrap();
        assert!(content.slugs.len() >= 5, "{:?}", content.slugs);
        for lang in LANGUAGES {
            for slug in &content.slugs {
                let own = content.pages.get(&(lang.to_string(), slug.clone()));
                assert!(own.is_some(), "{lang}/{slug}.md is missing");
                let page = own.unwrap();
                assert!(!page.toc.is_empty(), "{lang}/{slug}.md has no ## headings");
                assert!(!page.sources.is_empty(), "{lang}/{slug}.md lists no source");
                assert!(!page.html.contains("<script"), "{lang}/{slug}.md");
            }
        }
    }

    #[test]
    fn raw_html_is_escaped_and_broken_links_are_named() {
        let (html, toc, _, broken) = render(
            "## Un titre\n\n[a](health) [b](/help) [c](nowhere) ![x](y.png) <b>x</b>\n\n<script>alert(1)</script>",
            "ar",
            &["health".to_string()],
        );
        assert!(
            html.contains("&lt;script&gt;") && !html.contains("<script>"),
            "{html}"
        );
        assert!(
            html.contains(&format!("href=\"/ar/i/{}\"", page_code("health")))
                && html.contains("href=\"/ar/h\""),
            "{html}"
        );
        assert!(html.contains("<h2 id=\"s1\">Un titre</h2>"), "{html}");
        assert_eq!(toc, vec![("s1".into(), 2, "Un titre".into())]);
        assert_eq!(broken, vec!["nowhere".to_string()]);
        assert!(!html.contains("<img"));
    }

    #[test]
    fn search_finds_pages_of_the_language_and_falls_back_to_french() {
        let content = Content::load(&content_dir()).unwrap();
        let found = content.search("fr", "cegidd");
        assert!(!found.is_empty());
        assert!(found
            .iter()
            .all(|(_, fallback, snippet)| !fallback && snippet.contains("cegidd")));
        assert!(content.search("fr", "   ").is_empty());
        assert!(content.search("fr", "zzzqqq").is_empty());
    }
}
