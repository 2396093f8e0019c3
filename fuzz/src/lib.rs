//! What the fuzz targets share: fixed, test-only keys (an organisation root and one
//! moderator, "alice"), the key bundle they make, and a way to sign what the fuzzer
//! wrote so that its bytes reach the parsers behind a signature check (serde, the
//! format rules) and not only the signature check itself.
#![forbid(unsafe_code)]

use std::sync::OnceLock;

use ed25519_dalek::SigningKey;
use jasmine_client::bundle::{KeyBundle, ModeratorSecrets, ServerLimits};
use jasmine_client::keys::{self, Domain, PublicKey};
use jasmine_client::Day;
use rand::{rngs::StdRng, SeedableRng};
use serde_json::Value;

/// The fixed keys and bundle of every target.
pub struct Fixtures {
    /// The organisation's root key (signs bundles).
    pub root: SigningKey,
    /// Its public half, as pinned by clients.
    pub root_public: PublicKey,
    /// The one moderator, "alice".
    pub moderator: ModeratorSecrets,
    /// The bundle naming her, valid on [`Fixtures::today`].
    pub bundle: KeyBundle,
    /// The day the targets verify as of.
    pub today: Day,
}

/// The fixtures, made once per fuzzing process (from a fixed seed: every run and every
/// crash reproduction sees the same keys).
pub fn fixtures() -> &'static Fixtures {
    static FIXTURES: OnceLock<Fixtures> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let mut rng = StdRng::seed_from_u64(0x6a61_736d_696e_65);
        let today = Day::parse("2026-12-01").expect("a day");
        let root = SigningKey::generate(&mut rng);
        let moderator = ModeratorSecrets::generate("alice", &mut rng);
        let bundle = KeyBundle {
            organisation: "Fuzz".into(),
            version: 1,
            issued: today,
            expires: today.add_days(90),
            onion: String::new(),
            check_key: None,
            moderators: vec![moderator.public_entry("Alice")],
            former: Vec::new(),
            limits: ServerLimits::default(),
        };
        Fixtures {
            root_public: PublicKey::from(&root),
            root,
            moderator,
            bundle,
            today,
        }
    })
}

/// If `data` is a JSON object holding `member`, the same object with that member
/// signed again for `domain` with `key` (`{member: …, "signature": …}`), as bytes:
/// the fuzzer's content, now past the signature.
pub fn signed_again(
    data: &[u8],
    member: &str,
    domain: Domain,
    key: &SigningKey,
) -> Option<Vec<u8>> {
    let Value::Object(mut object) = serde_json::from_slice::<Value>(data).ok()? else {
        return None;
    };
    let value = object.remove(member)?;
    let signature = keys::sign(domain, key, &value).ok()?;
    serde_json::to_vec(&keys::wrap_signed(member, value, signature)).ok()
}
