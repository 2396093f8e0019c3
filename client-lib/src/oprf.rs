//! The private check's oblivious function: RFC 9497 VOPRF in verifiable mode, suite
//! ristretto255-SHA512 (the `voprf` crate). The server holds the key and evaluates
//! what a client blinded, with a proof that it used the key whose public half the
//! signed bundle names; the client unblinds and gets the function's output for her
//! identifier, which the server never saw. The check list holds only such outputs.
//!
//! What is evaluated is [`check_input`]: the identifier's kind and its normalised form
//! ([`crate::identifier`]), domain-separated, so that a phone number and a handle that
//! read the same are different inputs.
//!
//! Wire forms, standard base64: a blinded element and an evaluated element are 32
//! bytes each, a proof 64 bytes, the public key 32 bytes, the secret key 32 bytes.

use base64::{engine::general_purpose::STANDARD, Engine as _};
use rand::{CryptoRng, RngCore};
use voprf::{
    BlindedElement, EvaluationElement, Group, Proof, Ristretto255, VoprfClient, VoprfServer,
};
use zeroize::Zeroizing;

use crate::identifier::Kind;
use crate::Error;

/// Domain separation of the check's inputs (and of nothing else).
pub const INPUT_DOMAIN: &str = "jasmine/check/v1";

/// The function's output for one identifier: 64 bytes.
pub type CheckOutput = [u8; 64];

/// The input evaluated for an identifier of `kind` already normalised:
/// `"jasmine/check/v1" ‖ 0x00 ‖ kind ‖ 0x00 ‖ normalised` (UTF-8).
pub fn check_input(kind: Kind, normalised: &str) -> Vec<u8> {
    let mut input = Vec::with_capacity(INPUT_DOMAIN.len() + 8 + normalised.len());
    input.extend_from_slice(INPUT_DOMAIN.as_bytes());
    input.push(0);
    input.extend_from_slice(kind.label().as_bytes());
    input.push(0);
    input.extend_from_slice(normalised.as_bytes());
    input
}

fn decode<const N: usize>(what: &'static str, text: &str) -> Result<[u8; N], Error> {
    STANDARD
        .decode(text.trim())
        .ok()
        .and_then(|bytes| <[u8; N]>::try_from(bytes).ok())
        .ok_or_else(|| Error::malformed(what, format!("not standard base64 of {N} bytes")))
}

/// The server's check key (secret), with its public half (computed once: a point
/// compression costs as much as a tenth of an evaluation). No `Debug`; wiped on drop
/// (by `voprf`).
pub struct CheckKey(VoprfServer<Ristretto255>, CheckPublicKey);

impl CheckKey {
    fn new(server: VoprfServer<Ristretto255>) -> CheckKey {
        let public = Ristretto255::serialize_elem(server.get_public_key());
        CheckKey(server, CheckPublicKey(public.into()))
    }
}

impl CheckKey {
    /// A fresh random key.
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> CheckKey {
        CheckKey::new(VoprfServer::new(rng).expect("a random scalar is a valid key"))
    }

    /// The key derived from `seed` and `info` as RFC 9497 §3.2.1 (`DeriveKeyPair`).
    pub fn from_seed(seed: &[u8; 32], info: &[u8]) -> Result<CheckKey, Error> {
        VoprfServer::new_from_seed(seed, info)
            .map(CheckKey::new)
            .map_err(|_| Error::malformed("check key", "cannot derive a key from this seed"))
    }

    /// Reads the secret key (base64 of its 32-byte scalar).
    pub fn from_base64(text: &str) -> Result<CheckKey, Error> {
        let bytes = Zeroizing::new(decode::<32>("check key", text)?);
        VoprfServer::new_with_key(&bytes[..])
            .map(CheckKey::new)
            .map_err(|_| Error::malformed("check key", "not a valid ristretto255 scalar"))
    }

    /// The secret key as base64, wiped on drop.
    pub fn to_base64(&self) -> Zeroizing<String> {
        // `sk ‖ pk`: the first 32 bytes are the secret scalar.
        let both = Zeroizing::new(self.0.serialize().to_vec());
        Zeroizing::new(STANDARD.encode(&both[..32]))
    }

    /// Its public half, which the signed bundle names.
    pub fn public_key(&self) -> CheckPublicKey {
        self.1
    }

    /// Evaluates a blinded element, with a proof made with this key.
    pub fn evaluate<R: RngCore + CryptoRng>(
        &self,
        blinded: &BlindedRequest,
        rng: &mut R,
    ) -> Evaluation {
        let result = self.0.blind_evaluate(rng, &blinded.0);
        Evaluation {
            element: result.message,
            proof: result.proof,
        }
    }

    /// The output for `input`, computed directly (what the desk would get through a
    /// blind evaluation): for tests and vectors.
    pub fn output(&self, input: &[u8]) -> Result<CheckOutput, Error> {
        let output = self
            .0
            .evaluate(input)
            .map_err(|_| Error::malformed("check input", "empty or too long"))?;
        Ok(output.into())
    }
}

/// The public half of the check key: a ristretto255 element, 32 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CheckPublicKey([u8; 32]);

impl TryFrom<String> for CheckPublicKey {
    type Error = Error;
    fn try_from(text: String) -> Result<Self, Error> {
        CheckPublicKey::from_base64(&text)
    }
}

impl From<CheckPublicKey> for String {
    fn from(key: CheckPublicKey) -> String {
        key.to_base64()
    }
}

impl CheckPublicKey {
    /// Reads base64 of the 32-byte element, refusing what is not a valid element.
    pub fn from_base64(text: &str) -> Result<CheckPublicKey, Error> {
        let bytes = decode::<32>("check public key", text)?;
        Ristretto255::deserialize_elem(&bytes)
            .map_err(|_| Error::malformed("check public key", "not a ristretto255 element"))?;
        Ok(CheckPublicKey(bytes))
    }

    /// Standard base64.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }
}

/// What the client sends: its blinded element.
pub struct BlindedRequest(BlindedElement<Ristretto255>);

impl BlindedRequest {
    /// Reads a blinded element (base64), refusing what is not a valid element.
    pub fn from_base64(text: &str) -> Result<BlindedRequest, Error> {
        let bytes = decode::<32>("blinded element", text)?;
        BlindedElement::deserialize(&bytes)
            .map(BlindedRequest)
            .map_err(|_| Error::malformed("blinded element", "not a ristretto255 element"))
    }

    /// Standard base64.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0.serialize())
    }
}

/// What the server answers: the evaluated element and its proof.
pub struct Evaluation {
    element: EvaluationElement<Ristretto255>,
    proof: Proof<Ristretto255>,
}

impl Evaluation {
    /// Reads the evaluated element and the proof (base64 each).
    pub fn from_base64(element: &str, proof: &str) -> Result<Evaluation, Error> {
        let element_bytes = decode::<32>("evaluated element", element)?;
        let proof_bytes = decode::<64>("proof", proof)?;
        Ok(Evaluation {
            element: EvaluationElement::deserialize(&element_bytes)
                .map_err(|_| Error::malformed("evaluated element", "not a ristretto255 element"))?,
            proof: Proof::deserialize(&proof_bytes)
                .map_err(|_| Error::malformed("proof", "not two scalars"))?,
        })
    }

    /// (evaluated element, proof), standard base64 each.
    pub fn to_base64(&self) -> (String, String) {
        (
            STANDARD.encode(self.element.serialize()),
            STANDARD.encode(self.proof.serialize()),
        )
    }
}

/// The client's side of one check: what it must keep (the blind, wiped on drop) to
/// finish once the server answers.
pub struct PendingCheck {
    input: Zeroizing<Vec<u8>>,
    client: VoprfClient<Ristretto255>,
}

/// Blinds `input` (from [`check_input`]): what to keep, and what to send.
pub fn blind<R: RngCore + CryptoRng>(
    input: &[u8],
    rng: &mut R,
) -> Result<(PendingCheck, BlindedRequest), Error> {
    let result = VoprfClient::<Ristretto255>::blind(input, rng)
        .map_err(|_| Error::malformed("check input", "empty or too long"))?;
    Ok((
        PendingCheck {
            input: Zeroizing::new(input.to_vec()),
            client: result.state,
        },
        BlindedRequest(result.message),
    ))
}

impl PendingCheck {
    /// What must be kept to finish later (the desk keeps it, encrypted, across the air
    /// gap): the blind and its blinded element, 64 bytes, wiped on drop. Reads back
    /// with [`PendingCheck::from_vector`].
    pub fn state_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(self.client.serialize().to_vec())
    }

    /// The state as RFC 9497's vectors give it, and as [`PendingCheck::state_bytes`]
    /// writes it (a blind and its blinded element, 64 bytes).
    pub fn from_vector(input: &[u8], blind_and_element: &[u8]) -> Result<PendingCheck, Error> {
        Ok(PendingCheck {
            input: Zeroizing::new(input.to_vec()),
            client: VoprfClient::deserialize(blind_and_element)
                .map_err(|_| Error::malformed("check state", "not a blind and an element"))?,
        })
    }

    /// Checks the server's proof against the pinned public key and unblinds: the
    /// output for the input. A proof made with any other key is refused
    /// ([`Error::BadSignature`]).
    pub fn finish(
        &self,
        evaluation: &Evaluation,
        public_key: &CheckPublicKey,
    ) -> Result<CheckOutput, Error> {
        let pk = Ristretto255::deserialize_elem(&public_key.0)
            .map_err(|_| Error::malformed("check public key", "not an element"))?;
        let output = self
            .client
            .finalize(&self.input, &evaluation.element, &evaluation.proof, pk)
            .map_err(|_| Error::BadSignature("check evaluation"))?;
        Ok(output.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blind_check_gives_the_direct_output_and_only_with_the_pinned_key() {
        let mut rng = rand::rngs::OsRng;
        let key = CheckKey::generate(&mut rng);
        let input = check_input(Kind::Phone, "+33612345678");
        let (pending, request) = blind(&input, &mut rng).unwrap();
        // What crosses the wire reads back.
        let request = BlindedRequest::from_base64(&request.to_base64()).unwrap();
        let (element, proof) = key.evaluate(&request, &mut rng).to_base64();
        let evaluation = Evaluation::from_base64(&element, &proof).unwrap();
        let output = pending.finish(&evaluation, &key.public_key()).unwrap();
        assert_eq!(output, key.output(&input).unwrap());
        // Another key's proof is refused: a server cannot use a key per asker.
        let other = CheckKey::generate(&mut rng).public_key();
        assert!(matches!(
            pending.finish(&evaluation, &other),
            Err(Error::BadSignature(_))
        ));
        // The kind separates inputs that read the same.
        assert_ne!(
            key.output(&check_input(Kind::Handle, "x1")).unwrap(),
            key.output(&check_input(Kind::Plate, "x1")).unwrap()
        );
        // The secret key reads back.
        let again = CheckKey::from_base64(&key.to_base64()).unwrap();
        assert_eq!(again.public_key(), key.public_key());
    }

    #[test]
    fn fail_what_is_not_an_element_is_refused() {
        assert!(BlindedRequest::from_base64(&STANDARD.encode([0xffu8; 32])).is_err());
        assert!(BlindedRequest::from_base64("short").is_err());
        assert!(CheckPublicKey::from_base64(&STANDARD.encode([0xffu8; 32])).is_err());
        assert!(Evaluation::from_base64(&STANDARD.encode([0u8; 32]), "AA==").is_err());
    }
}
