//! Calendar days and months (UTC). Jasmine never records a time of day for reports:
//! a `Day` is the finest time it stores about a reporter.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::{format_description::FormatItem, macros::format_description, Date, Duration};

use crate::Error;

const DAY_FORMAT: &[FormatItem<'static>] = format_description!("[year]-[month]-[day]");

/// A calendar day, written `YYYY-MM-DD`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(Date);

impl Day {
    /// Today in UTC, from the system clock.
    pub fn today_utc() -> Day {
        Day(time::OffsetDateTime::now_utc().date())
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Result<Day, Error> {
        Date::parse(text, DAY_FORMAT).map(Day).map_err(|_| {
            Error::malformed(
                "date",
                format!("'{text}' is not a date of the form YYYY-MM-DD"),
            )
        })
    }

    /// The day `days` later (or earlier, if negative). Saturates at the calendar's ends.
    pub fn add_days(self, days: i64) -> Day {
        Day(self.0.checked_add(Duration::days(days)).unwrap_or(self.0))
    }

    /// Days from `self` to `later` (negative if `later` is earlier).
    pub fn days_until(self, later: Day) -> i64 {
        (later.0 - self.0).whole_days()
    }

    /// The month this day falls in.
    pub fn month(self) -> Month {
        Month {
            year: self.0.year(),
            month: u8::from(self.0.month()),
        }
    }

    /// The day as a `time::Date`.
    pub fn date(self) -> Date {
        self.0
    }
}

impl From<Date> for Day {
    fn from(date: Date) -> Self {
        Day(date)
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0.format(DAY_FORMAT).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

impl fmt::Debug for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Day({self})")
    }
}

impl std::str::FromStr for Day {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Day::parse(s)
    }
}

impl Serialize for Day {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Day::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A calendar month, written `YYYY-MM`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Month {
    /// Year.
    pub year: i32,
    /// Month, 1 to 12.
    pub month: u8,
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_the_same_day() {
        let day = Day::parse("2026-02-28").unwrap();
        assert_eq!(day.to_string(), "2026-02-28");
        assert_eq!(day.add_days(1).to_string(), "2026-03-01");
        assert_eq!(day.days_until(day.add_days(30)), 30);
        assert_eq!(day.month().to_string(), "2026-02");
    }

    #[test]
    fn fail_rejects_times_and_nonsense() {
        for bad in [
            "2026-02-30",
            "2026-2-3",
            "2026-02-28T10:00:00Z",
            "",
            "yesterday",
        ] {
            assert!(Day::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
