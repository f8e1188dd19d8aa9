//! The checks of a 协查 request and of a stamped proof: the body, the card read that allows
//! it, the seal against the hall's seal CAs.

use yichuang_pki::card_read::ProofRefusal;
use yichuang_pki::credential::{parse_public_key_b64, MAX_CLOCK_SKEW_MS};

use super::handlers::CreateRequest;
use super::store::{Applicant, Content};
use super::{line, problem, ApplicantKind, AssistProblem, MAX_PROOFS, MAX_QUEUED_MS};
use crate::error::Result;
use crate::licence::handlers::CardReadProofBody;
use crate::workstation::guard::ClerkSession;
use crate::AppState;

/// Checks the card read for the clerk and the person named, at the request's creation.
pub(super) async fn check_card_read(
    state: &AppState,
    s: &ClerkSession,
    person: &str,
    created_at: i64,
    proof: Option<&CardReadProofBody>,
) -> Result<(String, String)> {
    let proof = proof
        .ok_or_else(|| problem(AssistProblem::CardReadMissing, "no card-read proof"))?
        .proof();
    let key = state
        .db
        .workstation_key(&s.ws.workstation)
        .await?
        .and_then(|k| k.public_key)
        .and_then(|pk| parse_public_key_b64(&pk).ok())
        .ok_or_else(|| problem(AssistProblem::CardReadInvalid, "workstation has no key"))?;
    let now = state.auth.now_ms();
    if created_at > now + MAX_CLOCK_SKEW_MS || created_at < now - MAX_QUEUED_MS {
        return Err(problem(
            AssistProblem::CardReadStale,
            "the request was made more than 7 days ago, or in the future",
        ));
    }
    proof
        .check(
            &key,
            &s.ws.workstation,
            &s.clerk.id,
            Some(person),
            created_at,
            yichuang_pki::card_read::PROOF_WINDOW_MS,
            MAX_CLOCK_SKEW_MS,
        )
        .map_err(|r| {
            let p = match r {
                ProofRefusal::Invalid => AssistProblem::CardReadInvalid,
                ProofRefusal::OtherClerk => AssistProblem::CardReadOtherClerk,
                ProofRefusal::OtherHolder => AssistProblem::CardReadOtherHolder,
                ProofRefusal::Stale => AssistProblem::CardReadStale,
            };
            problem(p, format!("card read {} refused: {r:?}", proof.entry.id))
        })?;
    Ok((proof.entry.id, proof.entry.hash))
}

/// Checks a create body; the applicant's numbers are normalised (upper case).
pub(super) fn checked_content(b: &CreateRequest) -> Result<Content> {
    let person_number = b.person_number.trim().to_uppercase();
    if !(6..=32).contains(&person_number.len())
        || !person_number.bytes().all(|c| c.is_ascii_alphanumeric())
    {
        return Err(problem(
            AssistProblem::Invalid,
            "person_number: 6 to 32 letters and digits expected",
        ));
    }
    let (organisation_code, organisation_name) = match b.applicant_kind {
        ApplicantKind::Person => (None, None),
        ApplicantKind::Organisation => {
            let code = b.organisation_code.as_deref().unwrap_or_default();
            let code = yichuang_pki::ident::Uscc::parse(code.trim())
                .map_err(|e| problem(AssistProblem::Invalid, format!("organisation_code: {e}")))?;
            let name = line(
                "organisation_name",
                b.organisation_name.as_deref().unwrap_or_default(),
                100,
            )?;
            (Some(code.to_string()), Some(name))
        }
    };
    if b.proofs.is_empty() || b.proofs.len() > MAX_PROOFS {
        return Err(problem(AssistProblem::Invalid, "1 to 20 proofs expected"));
    }
    let proofs = b
        .proofs
        .iter()
        .map(|p| line("proof", p, 100))
        .collect::<Result<Vec<_>>>()?;
    let note = b.note.trim().to_owned();
    if note.chars().count() > 500 {
        return Err(problem(
            AssistProblem::Invalid,
            "note: at most 500 characters",
        ));
    }
    Ok(Content {
        applicant: Applicant {
            kind: b.applicant_kind,
            person_number,
            person_name: line("person_name", &b.person_name, 50)?,
            organisation_code,
            organisation_name,
        },
        proofs,
        note,
    })
}

/// The seal of `stamped`, verified against the hall's seal CAs, as a stamp of `proof`.
pub(super) fn verified_seal(
    state: &AppState,
    proof: &[u8],
    stamped: &[u8],
) -> Result<yichuang_seal::SignatureVerdict> {
    use yichuang_pki::PkiErrorKind;
    let now = state.auth.now_ms().div_euclid(1000);
    let verdicts = yichuang_seal::verify(stamped, &state.auth.seal_trust, now).map_err(|e| {
        let p = match e.kind() {
            PkiErrorKind::Unsigned => AssistProblem::SealMissing,
            _ => AssistProblem::SealInvalid,
        };
        problem(p, format!("{}: {e}", e.code()))
    })?;
    // The seals added by the stamp (after the proof's bytes) must all hold; signatures the
    // proof already carried (a licence attached as the proof) are the proof's own business.
    let added: Vec<_> = verdicts
        .into_iter()
        .filter(|v| v.signed_end > proof.len())
        .collect();
    if let Some(bad) = added.iter().find(|v| !v.is_valid()) {
        let code = bad.problem_code.unwrap_or("invalid");
        let p = if code == "untrusted_issuer" {
            AssistProblem::SealUntrusted
        } else {
            AssistProblem::SealInvalid
        };
        return Err(problem(p, format!("{code}: {}", bad.message())));
    }
    // The stamp is an incremental update of the very proof attached.
    if !stamped.starts_with(proof) {
        return Err(problem(
            AssistProblem::SealOtherDocument,
            "the stamped document does not extend the attached proof",
        ));
    }
    added
        .into_iter()
        .last()
        .ok_or_else(|| problem(AssistProblem::SealMissing, "no seal after the proof"))
}
