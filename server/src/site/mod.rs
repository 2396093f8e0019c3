//! What the site says, loaded once at start and held in the state: the messages in
//! ten languages (`i18n`), the information pages and the directory of services
//! (`content`, `directory`), the text folding that their searches use (`fold`), and
//! the paths of the pages (`paths`).
//! Data and its checks only; the pages that show it are in `crate::web`.

pub mod content;
pub mod directory;
pub mod fold;
pub mod i18n;
pub mod paths;
