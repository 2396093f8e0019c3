//! Admission control without identity (`docs/PROTOCOL.md` §6.9).
//!
//! Nobody who writes anonymously is asked who they are. Instead:
//! - every write a program makes (`POST /v1/reports`, `POST /v1/mailbox/answer`)
//!   carries a solved memory-hard puzzle ([`jasmine_client::puzzle`]). The server hands
//!   out challenges that are MAC'd with a key that lives only in memory, expire, and
//!   are accepted once. Their difficulty follows the recent rate of accepted bytes: the
//!   minimum while the service is quiet, 2 more bits (4× the work) for each doubling of
//!   the rate above `quiet_bytes_per_hour`, and more for larger bodies (1 bit per
//!   doubling above 4 KiB), so that filling storage costs the same work per byte
//!   whatever size the flooder picks;
//! - the pages without JavaScript, which cannot solve a puzzle, draw on small hourly
//!   budgets of their own, so exhausting them touches no other path.
//!
//! What a write may then occupy on disk is the storage budgets' business
//! ([`crate::config::BudgetConfig`], enforced by the writer).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use axum::http::StatusCode;
use hmac::{Hmac, Mac};
use jasmine_client::puzzle::{self, Challenge, Purpose};
use rand::RngCore;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::config::AdmissionConfig;
use crate::error::ApiError;

const CHALLENGE_VERSION: u8 = 1;
const RANDOM_BYTES: usize = 16;
const MAC_BYTES: usize = 16;
/// version, purpose, difficulty, size (u32), expires (u64), random, mac.
const CHALLENGE_BYTES: usize = 3 + 4 + 8 + RANDOM_BYTES + MAC_BYTES;
/// Bodies up to this size need no extra bits.
const SIZE_STEP: u64 = 4096;

/// The paths without JavaScript, each with its own hourly budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoJsPath {
    /// The report form posted without JavaScript.
    Report,
    /// A codename derivation of the replies page without JavaScript.
    Codename,
    /// A check of the check page without JavaScript (each one is a guess for whoever
    /// enumerates numbers, and there is no puzzle without JavaScript).
    Check,
}

/// What a checked puzzle allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Admitted {
    /// The challenge was at (or above) the difficulty the server asks for now: the
    /// report may use the day's reserve.
    pub at_current_difficulty: bool,
}

/// A `Jasmine-Puzzle` header that passed [`Admission::precheck`].
pub struct Ticket {
    bytes: Vec<u8>,
    nonce: [u8; puzzle::NONCE_BYTES],
    difficulty: u8,
    /// The largest body the challenge was issued for.
    pub size: u64,
    expires: u64,
    random: [u8; RANDOM_BYTES],
    at_current_difficulty: bool,
}

/// The admission state shared by every request.
pub struct Admission {
    config: AdmissionConfig,
    key: Zeroizing<[u8; 32]>,
    inner: Mutex<Inner>,
}

struct Inner {
    rate: DecayingRate,
    /// Checks (`POST /v1/check`) admitted, decaying like `rate`.
    checks: DecayingRate,
    spent: HashMap<[u8; RANDOM_BYTES], u64>,
    nojs_reports: HourlyBudget,
    nojs_codenames: HourlyBudget,
    nojs_checks: HourlyBudget,
}

/// An exponentially decaying sum of accepted bytes: its value times ln 2 over the
/// half-life estimates the recent rate.
struct DecayingRate {
    value: f64,
    at: Instant,
    half_life_secs: f64,
}

impl DecayingRate {
    fn decayed(&self, now: Instant) -> f64 {
        let dt = now.saturating_duration_since(self.at).as_secs_f64();
        self.value * 0.5f64.powf(dt / self.half_life_secs)
    }

    fn add(&mut self, bytes: u64, now: Instant) {
        self.value = self.decayed(now) + bytes as f64;
        self.at = now;
    }

    fn bytes_per_second(&self, now: Instant) -> f64 {
        self.decayed(now) * std::f64::consts::LN_2 / self.half_life_secs
    }
}

/// A fixed number of uses per clock hour.
struct HourlyBudget {
    limit: u32,
    hour: u64,
    used: u32,
}

impl HourlyBudget {
    /// Takes one use; when none is left, the seconds until the next hour.
    fn take(&mut self, now_unix: u64) -> Result<(), u64> {
        let hour = now_unix / 3600;
        if hour != self.hour {
            self.hour = hour;
            self.used = 0;
        }
        if self.used >= self.limit {
            return Err(3600 - now_unix % 3600);
        }
        self.used += 1;
        Ok(())
    }
}

fn now_unix() -> u64 {
    crate::auth::now_unix()
}

/// One attempt (an Argon2id of 1 MiB) on a slow phone, in milliseconds: 16–23 ms in a
/// desktop browser, four times that on a phone with a CPU four times slower.
pub const SLOW_ATTEMPT_MS: u64 = 100;
/// The most a challenge's expected work adds to its lifetime (3 hours).
pub const MAX_EXTRA_LIFETIME_SECS: u64 = 3 * 3600;

/// Extra bits for a body of `size` bytes: 0 up to 4 KiB, then 1 per doubling.
pub fn size_bits(size: u64) -> u8 {
    let steps = size.div_ceil(SIZE_STEP).max(1);
    (64 - (steps - 1).leading_zeros()) as u8
}

fn puzzle_required() -> ApiError {
    ApiError::new(
        StatusCode::PRECONDITION_REQUIRED,
        "puzzle_required",
        "this write needs a solved puzzle: GET /v1/puzzle, solve it, and send the solution in the Jasmine-Puzzle header (the jasmine app and the page do this)",
    )
}

fn bad_puzzle(reason: &str) -> ApiError {
    ApiError::bad_request(
        "bad_puzzle",
        format!("the puzzle solution is refused: {reason}"),
    )
}

fn puzzle_expired(reason: &str) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "puzzle_expired",
        format!("{reason}; ask for a new puzzle (GET /v1/puzzle) and solve it"),
    )
}

impl Admission {
    /// Fresh state with a new random challenge key.
    pub fn new(config: &AdmissionConfig) -> Admission {
        let mut key = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(key.as_mut());
        let hour = now_unix() / 3600;
        Admission {
            config: config.clone(),
            key,
            inner: Mutex::new(Inner {
                rate: DecayingRate {
                    value: 0.0,
                    at: Instant::now(),
                    half_life_secs: config.rate_half_life_secs as f64,
                },
                checks: DecayingRate {
                    value: 0.0,
                    at: Instant::now(),
                    half_life_secs: config.rate_half_life_secs as f64,
                },
                spent: HashMap::new(),
                nojs_reports: HourlyBudget {
                    limit: config.nojs_reports_per_hour,
                    hour,
                    used: 0,
                },
                nojs_codenames: HourlyBudget {
                    limit: config.nojs_codenames_per_hour,
                    hour,
                    used: 0,
                },
                nojs_checks: HourlyBudget {
                    limit: config.nojs_checks_per_hour,
                    hour,
                    used: 0,
                },
            }),
        }
    }

    /// Whether API writes must carry a puzzle.
    pub fn puzzle_enabled(&self) -> bool {
        self.config.puzzle
    }

    /// The bits the rate of recent writes adds: 0 while quiet, then 2 per doubling.
    pub fn rate_bits(&self) -> u8 {
        let rate = self
            .inner
            .lock()
            .expect("admission")
            .rate
            .bytes_per_second(Instant::now());
        let quiet = self.config.quiet_bytes_per_hour as f64 / 3600.0;
        if rate <= quiet {
            0
        } else {
            (2.0 * (rate / quiet).log2()).ceil().min(64.0) as u8
        }
    }

    /// The bits the rate of recent checks adds: 0 while quiet, then 2 per doubling.
    pub fn check_rate_bits(&self) -> u8 {
        let rate = self
            .inner
            .lock()
            .expect("admission")
            .checks
            .bytes_per_second(Instant::now());
        let quiet = self.config.quiet_checks_per_hour.max(1) as f64 / 3600.0;
        if rate <= quiet {
            0
        } else {
            (2.0 * (rate / quiet).log2()).ceil().min(64.0) as u8
        }
    }

    /// The difficulty asked for now for a write of `purpose` of `size` bytes: a check
    /// is priced per check ([`AdmissionConfig::check_difficulty`] and the rate of
    /// checks), the other writes per byte and by the rate of bytes.
    pub fn difficulty_for_purpose(&self, purpose: Purpose, size: u64) -> u8 {
        match purpose {
            Purpose::Check => {
                let bits = u32::from(self.config.min_difficulty)
                    + u32::from(self.config.check_difficulty)
                    + u32::from(self.check_rate_bits());
                bits.min(u32::from(self.config.max_difficulty)) as u8
            }
            Purpose::Report | Purpose::Answer => self.difficulty_for(size),
        }
    }

    /// Counts one admitted check (for the rate of checks).
    pub fn record_check(&self) {
        self.inner
            .lock()
            .expect("admission")
            .checks
            .add(1, Instant::now());
    }

    /// The difficulty asked for now for a body of `size` bytes.
    pub fn difficulty_for(&self, size: u64) -> u8 {
        let bits = u32::from(self.config.min_difficulty)
            + u32::from(self.rate_bits())
            + u32::from(size_bits(size));
        bits.min(u32::from(self.config.max_difficulty)) as u8
    }

    /// A new challenge for `purpose` covering bodies up to `size` bytes.
    pub fn issue(&self, purpose: Purpose, size: u64) -> Challenge {
        let size = size.clamp(1, u64::from(u32::MAX));
        // With the puzzle off nothing is checked: ask for no work.
        let difficulty = if self.config.puzzle {
            self.difficulty_for_purpose(purpose, size)
        } else {
            0
        };
        let lifetime = self.lifetime(difficulty);
        let expires = now_unix() + lifetime;
        let mut bytes = Vec::with_capacity(CHALLENGE_BYTES);
        bytes.extend_from_slice(&[CHALLENGE_VERSION, purpose.code(), difficulty]);
        bytes.extend_from_slice(&(size as u32).to_be_bytes());
        bytes.extend_from_slice(&expires.to_be_bytes());
        let mut random = [0u8; RANDOM_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut random);
        bytes.extend_from_slice(&random);
        let mac = self.mac(&bytes);
        bytes.extend_from_slice(&mac);
        Challenge {
            challenge: base64::Engine::encode(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                &bytes,
            ),
            difficulty,
            expires_in: lifetime,
        }
    }

    /// How long a challenge of `difficulty` stays valid: `challenge_ttl_secs`, and on
    /// top the time its expected work (`2^difficulty` attempts) takes a slow phone
    /// ([`SLOW_ATTEMPT_MS`] an attempt), at most [`MAX_EXTRA_LIFETIME_SECS`] more. A large
    /// upload is priced by its size (`size_bits`); without this its puzzle could outlast
    /// its challenge on the phones that need the time most.
    pub fn lifetime(&self, difficulty: u8) -> u64 {
        let expected_ms = (1u64 << difficulty.min(40)).saturating_mul(SLOW_ATTEMPT_MS);
        self.config.challenge_ttl_secs + (expected_ms / 1000).min(MAX_EXTRA_LIFETIME_SECS)
    }

    fn mac(&self, data: &[u8]) -> [u8; MAC_BYTES] {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(self.key.as_ref()).expect("HMAC takes any key");
        mac.update(b"jasmine/puzzle-challenge/v1");
        mac.update(data);
        let full = mac.finalize().into_bytes();
        let mut out = [0u8; MAC_BYTES];
        out.copy_from_slice(&full[..MAC_BYTES]);
        out
    }

    /// What can be checked of a `Jasmine-Puzzle` header before the body is read: it
    /// is there, parses, was issued by this server (MAC) for `purpose`, has not
    /// expired, is not too easy for now, and was not used. A flood without puzzles is
    /// refused here, before its bodies cost us anything. `None` when puzzles are off.
    pub fn precheck(
        &self,
        header: Option<&str>,
        purpose: Purpose,
    ) -> Result<Option<Ticket>, ApiError> {
        if !self.config.puzzle {
            return Ok(None);
        }
        let header = header.ok_or_else(puzzle_required)?;
        let (bytes, nonce) =
            puzzle::parse_header(header).map_err(|e| bad_puzzle(&e.to_string()))?;
        if bytes.len() != CHALLENGE_BYTES || bytes[0] != CHALLENGE_VERSION {
            return Err(bad_puzzle("this server did not issue that challenge"));
        }
        let (signed, mac) = bytes.split_at(CHALLENGE_BYTES - MAC_BYTES);
        if !bool::from(subtle::ConstantTimeEq::ct_eq(&self.mac(signed)[..], mac)) {
            return Err(puzzle_expired(
                "this server did not issue that challenge, or has restarted since",
            ));
        }
        let challenge_purpose = Purpose::from_code(signed[1]);
        let difficulty = signed[2];
        let size = u64::from(u32::from_be_bytes(
            signed[3..7].try_into().expect("4 bytes"),
        ));
        let expires = u64::from_be_bytes(signed[7..15].try_into().expect("8 bytes"));
        let mut random = [0u8; RANDOM_BYTES];
        random.copy_from_slice(&signed[15..15 + RANDOM_BYTES]);
        if challenge_purpose != Some(purpose) {
            return Err(bad_puzzle(
                "the challenge was issued for another kind of write",
            ));
        }
        if expires < now_unix() {
            return Err(puzzle_expired("the challenge has expired"));
        }
        let required = self.difficulty_for_purpose(purpose, size);
        if u32::from(difficulty) + u32::from(self.config.slack_bits) < u32::from(required) {
            return Err(puzzle_expired(
                "the difficulty has risen since the challenge was issued",
            ));
        }
        if self
            .inner
            .lock()
            .expect("admission")
            .spent
            .contains_key(&random)
        {
            return Err(puzzle_expired("this challenge was already used"));
        }
        Ok(Some(Ticket {
            bytes,
            nonce,
            difficulty,
            size,
            expires,
            random,
            at_current_difficulty: difficulty >= required,
        }))
    }

    /// Finishes the check of a write of `body_size` bytes whose header passed
    /// [`Admission::precheck`] (`None`: puzzles are off): the size, then the challenge
    /// is spent, then the one Argon2id hash (about a millisecond; run it off the async
    /// threads).
    pub fn check(&self, ticket: Option<Ticket>, body_size: u64) -> Result<Admitted, ApiError> {
        let Some(ticket) = ticket else {
            return Ok(Admitted {
                at_current_difficulty: true,
            });
        };
        if body_size > ticket.size {
            return Err(bad_puzzle(
                "the body is larger than the size the challenge was issued for",
            ));
        }
        let now = now_unix();
        let (random, expires) = (ticket.random, ticket.expires);
        // The challenge is spent before its hash is checked: a wrong nonce costs the
        // sender the challenge, and the same header cannot make us hash twice.
        {
            let mut inner = self.inner.lock().expect("admission");
            if inner.spent.len() >= 4096 {
                inner.spent.retain(|_, until| *until >= now);
            }
            if inner.spent.insert(random, expires).is_some() {
                return Err(puzzle_expired("this challenge was already used"));
            }
        }
        if !puzzle::is_solution(&ticket.bytes, &ticket.nonce, ticket.difficulty) {
            return Err(bad_puzzle("the nonce does not solve the challenge"));
        }
        Ok(Admitted {
            at_current_difficulty: ticket.at_current_difficulty,
        })
    }

    /// Counts `bytes` of an accepted anonymous write in the recent rate.
    pub fn record_write(&self, bytes: u64) {
        self.inner
            .lock()
            .expect("admission")
            .rate
            .add(bytes, Instant::now());
    }

    /// Takes one use of a no-JavaScript path's hourly budget; when it is spent, the
    /// seconds until it refills.
    pub fn take_nojs(&self, path: NoJsPath) -> Result<(), u64> {
        let now = now_unix();
        let mut inner = self.inner.lock().expect("admission");
        match path {
            NoJsPath::Report => inner.nojs_reports.take(now),
            NoJsPath::Codename => inner.nojs_codenames.take(now),
            NoJsPath::Check => inner.nojs_checks.take(now),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jasmine_client::puzzle::{solve, Solution};

    /// The whole check of a write, as the handlers make it: the header before the body,
    /// the rest after.
    fn admit(
        admission: &Admission,
        header: Option<&str>,
        purpose: Purpose,
        size: u64,
    ) -> Result<Admitted, ApiError> {
        let ticket = admission.precheck(header, purpose)?;
        admission.check(ticket, size)
    }

    fn quiet() -> AdmissionConfig {
        AdmissionConfig {
            min_difficulty: 2,
            ..AdmissionConfig::default()
        }
    }

    fn solved(admission: &Admission, purpose: Purpose, size: u64) -> Solution {
        solve(
            &admission.issue(purpose, size),
            &mut rand::rngs::OsRng,
            |_| {},
        )
        .unwrap()
    }

    #[test]
    /// A challenge lives `challenge_ttl_secs` plus the time its work takes a slow phone:
    /// a report of 4 KiB barely longer, five photos' worth long enough to be solved at
    /// 100 ms an attempt, and never more than three hours more.
    fn a_challenge_lives_as_long_as_its_work_takes_a_slow_phone() {
        let admission = Admission::new(&AdmissionConfig::default());
        let ttl = AdmissionConfig::default().challenge_ttl_secs;
        let small = admission.issue(Purpose::Report, 4096);
        assert!(
            small.expires_in >= ttl && small.expires_in <= ttl + 1,
            "{small:?}"
        );
        let photos = admission.issue(Purpose::Answer, 15 * 1024 * 1024);
        let work = (1u64 << photos.difficulty) * SLOW_ATTEMPT_MS / 1000;
        assert!(photos.difficulty >= 12, "{photos:?}");
        assert_eq!(photos.expires_in, ttl + work);
        assert!(photos.expires_in > 600 + 400, "{photos:?}");
        assert_eq!(admission.lifetime(40), ttl + MAX_EXTRA_LIFETIME_SECS);
        // What the challenge says is what the server holds it to.
        let bytes = base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            &photos.challenge,
        )
        .unwrap();
        let expires = u64::from_be_bytes(bytes[7..15].try_into().unwrap());
        assert!(expires.abs_diff(now_unix() + photos.expires_in) <= 1);
    }

    #[test]
    fn size_bits_double_with_the_body() {
        assert_eq!(
            [1, 4096, 4097, 8192, 16384, 65536, 98304].map(size_bits),
            [0, 0, 1, 1, 2, 4, 5]
        );
    }

    #[test]
    fn a_solution_is_accepted_once_for_its_purpose_and_size() {
        let admission = Admission::new(&quiet());
        let solution = solved(&admission, Purpose::Report, 2000);
        let header = solution.header_value();
        assert!(
            admit(&admission, Some(&header), Purpose::Report, 2000)
                .unwrap()
                .at_current_difficulty
        );
        let again = admit(&admission, Some(&header), Purpose::Report, 2000).unwrap_err();
        assert_eq!(again.code(), "puzzle_expired");

        let other = solved(&admission, Purpose::Report, 2000).header_value();
        assert_eq!(
            admit(&admission, Some(&other), Purpose::Answer, 2000)
                .unwrap_err()
                .code(),
            "bad_puzzle"
        );
        assert_eq!(
            admit(&admission, Some(&other), Purpose::Report, 2001)
                .unwrap_err()
                .code(),
            "bad_puzzle"
        );
        assert_eq!(
            admit(&admission, None, Purpose::Report, 1)
                .unwrap_err()
                .code(),
            "puzzle_required"
        );
    }

    #[test]
    fn fail_forged_and_unsolved_challenges() {
        let admission = Admission::new(&quiet());
        let stranger = Admission::new(&quiet());
        let foreign = solved(&stranger, Purpose::Report, 100).header_value();
        assert_eq!(
            admit(&admission, Some(&foreign), Purpose::Report, 100)
                .unwrap_err()
                .code(),
            "puzzle_expired",
            "a challenge of another server (or from before a restart)"
        );
        // A nonce that does not solve it (difficulty 2: a random nonce fails 3 times in 4;
        // find one that fails).
        let challenge = admission.issue(Purpose::Report, 100);
        let bytes = puzzle::decode_challenge(&challenge.challenge).unwrap();
        let wrong = (0u64..)
            .map(u64::to_le_bytes)
            .find(|n| !puzzle::is_solution(&bytes, n, challenge.difficulty))
            .unwrap();
        let header = format!("{}.{}", challenge.challenge, hex::encode(wrong));
        assert_eq!(
            admit(&admission, Some(&header), Purpose::Report, 100)
                .unwrap_err()
                .code(),
            "bad_puzzle"
        );
        // That spent the challenge: a right nonce for it comes too late.
        let right = puzzle::solve(&challenge, &mut rand::rngs::OsRng, |_| {}).unwrap();
        assert_eq!(
            admit(
                &admission,
                Some(&right.header_value()),
                Purpose::Report,
                100
            )
            .unwrap_err()
            .code(),
            "puzzle_expired"
        );
        // A tampered difficulty breaks the MAC.
        let mut tampered = bytes.clone();
        tampered[2] = 0;
        let header = format!(
            "{}.{}",
            base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, &tampered),
            hex::encode([0u8; 8])
        );
        assert_eq!(
            admit(&admission, Some(&header), Purpose::Report, 100)
                .unwrap_err()
                .code(),
            "puzzle_expired"
        );
    }

    #[test]
    fn the_difficulty_rises_with_the_rate_and_old_easy_challenges_go_stale() {
        let admission = Admission::new(&AdmissionConfig {
            quiet_bytes_per_hour: 3600,
            ..AdmissionConfig::default()
        });
        assert_eq!(admission.difficulty_for(1000), 0);
        let hoarded = solved(&admission, Purpose::Report, 1000);
        // 600 s half-life: 1 MB just now is a rate of about 1155 B/s, 1155× the quiet one.
        admission.record_write(1_000_000);
        let risen = admission.difficulty_for(1000);
        assert!((20..=21).contains(&risen), "{risen}");
        assert_eq!(
            admission.difficulty_for(98304),
            24,
            "capped at max_difficulty"
        );
        assert_eq!(
            admit(
                &admission,
                Some(&hoarded.header_value()),
                Purpose::Report,
                1000
            )
            .unwrap_err()
            .code(),
            "puzzle_expired"
        );
    }

    /// A check is priced per check: its small body does not make it free, the rate of
    /// checks (an enumerator's) raises it, and the rate of report bytes does not.
    #[test]
    fn a_check_costs_its_own_difficulty_which_the_rate_of_checks_raises() {
        let admission = Admission::new(&AdmissionConfig {
            check_difficulty: 5,
            quiet_checks_per_hour: 600,
            ..AdmissionConfig::default()
        });
        assert_eq!(admission.difficulty_for_purpose(Purpose::Check, 58), 5);
        assert_eq!(admission.difficulty_for_purpose(Purpose::Report, 58), 0);
        let hoarded = solved(&admission, Purpose::Check, 58);
        // 600 s half-life: 10,000 checks just now are about 11.6 a second, 69× quiet.
        for _ in 0..10_000 {
            admission.record_check();
        }
        let risen = admission.difficulty_for_purpose(Purpose::Check, 58);
        assert!((17..=18).contains(&risen), "{risen}");
        assert_eq!(
            admission.difficulty_for_purpose(Purpose::Report, 58),
            0,
            "reports are not priced by checks"
        );
        assert_eq!(
            admit(
                &admission,
                Some(&hoarded.header_value()),
                Purpose::Check,
                58
            )
            .unwrap_err()
            .code(),
            "puzzle_expired"
        );
    }

    #[test]
    fn nojs_budgets_are_separate_and_hourly() {
        let admission = Admission::new(&AdmissionConfig {
            nojs_reports_per_hour: 2,
            nojs_codenames_per_hour: 1,
            ..AdmissionConfig::default()
        });
        assert!(admission.take_nojs(NoJsPath::Report).is_ok());
        assert!(admission.take_nojs(NoJsPath::Report).is_ok());
        let wait = admission.take_nojs(NoJsPath::Report).unwrap_err();
        assert!((1..=3600).contains(&wait));
        assert!(
            admission.take_nojs(NoJsPath::Codename).is_ok(),
            "separate budget"
        );
        let mut budget = HourlyBudget {
            limit: 1,
            hour: 10,
            used: 1,
        };
        assert!(budget.take(10 * 3600 + 5).is_err());
        assert!(budget.take(11 * 3600).is_ok(), "a new hour refills it");
    }
}
