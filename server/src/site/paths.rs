//! The paths of the site's pages after `/{lang}`, two sets: the neutral ones the pages
//! link to (one letter each: the browser's history of visited addresses says nothing of
//! what she did), and the readable ones of earlier versions, still answered. The router
//! (`crate::web`) serves both; the information pages' links are written with the
//! readable names and turned into the neutral ones ([`neutral_path`]).

/// The paths of the site's pages after `/{lang}`: report form, its confirmation,
/// replies, alerts, help, information, directory, questionnaire, check.
pub struct PagePaths {
    /// The report form.
    pub report: &'static str,
    /// The confirmation after the page's script sent a report.
    pub sent: &'static str,
    /// The replies of a codename.
    pub replies: &'static str,
    /// The alerts (and `/<id>` one alert).
    pub alerts: &'static str,
    /// Urgent help.
    pub help: &'static str,
    /// The information pages (and `/<code>` one page).
    pub info: &'static str,
    /// Where to get help.
    pub directory: &'static str,
    /// The medical questionnaire.
    pub questionnaire: &'static str,
    /// The check of a number, plate or handle.
    pub check: &'static str,
}

/// The addresses the pages link to: one letter each.
pub const NEUTRAL_PATHS: PagePaths = PagePaths {
    report: "r",
    sent: "r/ok",
    replies: "m",
    alerts: "a",
    help: "h",
    info: "i",
    directory: "d",
    questionnaire: "q",
    check: "c",
};

/// The readable addresses of earlier versions, still answered.
pub const READABLE_PATHS: PagePaths = PagePaths {
    report: "report",
    sent: "report/sent",
    replies: "replies",
    alerts: "alerts",
    help: "help",
    info: "info",
    directory: "directory",
    questionnaire: "questionnaire",
    check: "check",
};

impl PagePaths {
    fn all(&self) -> [&'static str; 9] {
        [
            self.report,
            self.sent,
            self.replies,
            self.alerts,
            self.help,
            self.info,
            self.directory,
            self.questionnaire,
            self.check,
        ]
    }
}

/// The neutral address of one of the site's readable paths (`/help` → `/h`,
/// `/report/sent` → `/r/ok`); another path is left as it is.
pub fn neutral_path(path: &str) -> String {
    let readable = path.trim_start_matches('/');
    READABLE_PATHS
        .all()
        .into_iter()
        .zip(NEUTRAL_PATHS.all())
        .filter(|(old, _)| readable == *old || readable.starts_with(&format!("{old}/")))
        .max_by_key(|(old, _)| old.len())
        .map_or_else(
            || path.to_string(),
            |(old, new)| format!("/{new}{}", &readable[old.len()..]),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readable_paths_turn_neutral() {
        for (readable, neutral) in [
            ("/help", "/h"),
            ("/report", "/r"),
            ("/report/sent", "/r/ok"),
            ("/info/health", "/i/health"),
            ("/questionnaire", "/q"),
            ("/helpful", "/helpful"),
            ("/static/style.css", "/static/style.css"),
        ] {
            assert_eq!(neutral_path(readable), neutral, "{readable}");
        }
    }
}
