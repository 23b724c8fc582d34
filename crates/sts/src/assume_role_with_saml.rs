//! `AssumeRoleWithSAML`: a role session for the holder of a SAML 2.0 assertion from an
//! identity provider registered with `CreateSAMLProvider` (AD FS, Entra ID, Okta…), decided
//! by the role's trust policy alone. The request is not signed: the assertion is the
//! credential.
//!
//! Order: parameters; the role (an unknown role is refused like an untrusted one); the SAML
//! provider `PrincipalArn` names; the response verified against the provider's metadata
//! ([`fedgate_saml::response`]: signature by a metadata certificate over exactly the content
//! used, issuer, audience `saml.sp_entity_id`, recipient = the ACS URL, times with
//! `saml.clock_skew_secs`); the assertion's `https://aws.amazon.com/SAML/Attributes/Role`
//! must hold the pair `RoleArn,PrincipalArn` (either order); `RoleSessionName` from its
//! attribute; session tags (`PrincipalTag:*`, `TransitiveTagKeys`) and `SourceIdentity` from
//! theirs; then `sts:AssumeRoleWithSAML` on the trust policy with AWS's keys (`saml:aud`,
//! `saml:iss`, `saml:sub`, `saml:sub_type`, `saml:namequalifier`, `saml:doc`, and the
//! attribute keys AWS maps from OIDs), `sts:TagSession`/`sts:SetSourceIdentity` when used;
//! the duration, session policies, minting. The assertion ID is recorded as soon as the
//! response is verified, until the assertion expires: a second use on any replica is
//! refused, even after a refusal of the first (an assertion is spent once presented).
//!
//! [`verify_assertion`] and [`assume_role_as_asserted`] are the two halves, also used by the
//! browser's ACS (which lets the person choose among the roles the assertion offers).

use crate::StsError;
use crate::error::{access_denied, constraint, validation};
pub use crate::federated_session::Asked;
use crate::federated_session::{issue_for_role, load_role};
use crate::issue::Credentials;
use crate::params;
use crate::web_identity_trust::{SessionInputs, decide, session_input_keys};
use base64::Engine;
use fedgate_core::AccountId;
use fedgate_iam::Iam;
use fedgate_iam::authz::RequestContext;
use fedgate_iam::authz::provider_trust::{anonymous_context, provider_allowed};
use fedgate_policy::Context;
use fedgate_saml::SamlError;
use fedgate_saml::response::{self, Expect, Verified};
use fedgate_store::model::{SamlProvider, Tag};

pub const ROLE: &str = "https://aws.amazon.com/SAML/Attributes/Role";
pub const ROLE_SESSION_NAME: &str = "https://aws.amazon.com/SAML/Attributes/RoleSessionName";
pub const PRINCIPAL_TAG: &str = "https://aws.amazon.com/SAML/Attributes/PrincipalTag:";
pub const TRANSITIVE_TAG_KEYS: &str = "https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys";
pub const SOURCE_IDENTITY: &str = "https://aws.amazon.com/SAML/Attributes/SourceIdentity";
pub const SESSION_DURATION: &str = "https://aws.amazon.com/SAML/Attributes/SessionDuration";

const NAMEID_PREFIX: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:";

/// Most time one response's verification may take (a valid one takes about half a
/// millisecond).
const VERIFY_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Attribute names (OIDs) AWS turns into `saml:` condition keys.
const OID_KEYS: &[(&str, &str)] = &[
    ("urn:oid:2.5.4.3", "saml:cn"),
    ("urn:oid:2.5.4.4", "saml:sn"),
    ("urn:oid:2.5.4.42", "saml:givenName"),
    ("urn:oid:2.5.4.10", "saml:organization"),
    ("urn:oid:2.5.4.11", "saml:organizationalUnit"),
    ("urn:oid:0.9.2342.19200300.100.1.1", "saml:uid"),
    ("urn:oid:0.9.2342.19200300.100.1.3", "saml:mail"),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.1",
        "saml:eduPersonAffiliation",
    ),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.6",
        "saml:eduPersonPrincipalName",
    ),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.7",
        "saml:eduPersonEntitlement",
    ),
];

/// How responses are checked (`saml.*` and `public_url` in the configuration).
#[derive(Debug, Clone)]
pub struct SamlSettings {
    /// The audience assertions must name.
    pub sp_entity_id: String,
    /// The assertion consumer service URLs a Recipient/Destination may name.
    pub acs_urls: Vec<String>,
    pub skew_secs: i64,
}

#[derive(Debug, Clone, Default)]
pub struct SamlRequest {
    pub role_arn: String,
    pub principal_arn: String,
    pub saml_assertion: String,
    pub policy: Option<String>,
    pub policy_arns: Vec<String>,
    pub duration_seconds: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct SamlResult {
    pub credentials: Credentials,
    pub assumed_role_id: String,
    pub arn: String,
    pub packed_policy_size: Option<u32>,
    pub source_identity: Option<String>,
    pub subject: String,
    pub subject_type: String,
    pub issuer: String,
    /// The Recipient the assertion was for (the ACS URL), as AWS answers it.
    pub audience: String,
    pub name_qualifier: String,
    pub session_name: String,
}

fn validate(req: &SamlRequest) -> Result<(), StsError> {
    for (v, field) in [
        (&req.role_arn, "roleArn"),
        (&req.principal_arn, "principalArn"),
    ] {
        if !(20..=2048).contains(&v.chars().count()) {
            return Err(constraint(
                v,
                field,
                "Member must have length between 20 and 2048",
            ));
        }
    }
    if !(4..=100_000).contains(&req.saml_assertion.len()) {
        return Err(constraint(
            "***",
            "sAMLAssertion",
            "Member must have length between 4 and 100000",
        ));
    }
    if let Some(d) = req.duration_seconds {
        params::validate_duration(d, 900, 43200)?;
    }
    Ok(())
}

fn not_authorized() -> StsError {
    access_denied("Not authorized to perform sts:AssumeRoleWithSAML")
}

fn invalid(m: impl Into<String>) -> StsError {
    StsError::Saml(SamlError::Invalid(m.into()))
}

/// `arn:{partition}:iam::{account}:saml-provider/{name}` → (account, name); only the
/// canonical spelling (this partition, no region), which is what trust policies name.
fn parse_provider_arn(arn: &str, partition: &str) -> Option<(AccountId, String)> {
    let a = fedgate_core::Arn::parse(arn).ok()?;
    let name = a.resource.strip_prefix("saml-provider/")?;
    (a.service == "iam" && a.partition == partition && a.region.is_empty() && !name.is_empty())
        .then(|| Some((AccountId::parse(&a.account).ok()?, name.to_owned())))?
}

/// AWS's `NameQualifier`: base64(SHA-1(issuer + account id + "/" + provider name)).
pub fn name_qualifier(issuer: &str, account: &AccountId, provider: &str) -> String {
    let d = ring::digest::digest(
        &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
        format!("{issuer}{account}/{provider}").as_bytes(),
    );
    base64::engine::general_purpose::STANDARD.encode(d)
}

/// `SubjectType`: the NameID format without AWS's standard prefix.
fn subject_type(format: Option<&str>) -> String {
    let f = format.unwrap_or("urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified");
    f.strip_prefix(NAMEID_PREFIX).unwrap_or(f).to_owned()
}

fn values<'a>(v: &'a Verified, name: &str) -> &'a [String] {
    v.attributes
        .iter()
        .find(|(n, _)| n == name)
        .map_or(&[][..], |(_, vs)| vs.as_slice())
}

/// Whether the Role attribute holds `role,provider` (either order; spaces trimmed).
fn role_offered(v: &Verified, role_arn: &str, provider_arn: &str) -> bool {
    values(v, ROLE).iter().any(|pair| {
        let mut parts = pair.split(',').map(str::trim);
        match (parts.next(), parts.next(), parts.next()) {
            (Some(a), Some(b), None) => {
                (a == role_arn && b == provider_arn) || (a == provider_arn && b == role_arn)
            }
            _ => false,
        }
    })
}

/// Session tags, transitive keys and source identity from the assertion's attributes.
fn session_inputs(v: &Verified) -> Result<SessionInputs, StsError> {
    let mut tags = Vec::new();
    for (name, vals) in &v.attributes {
        if let Some(key) = name.strip_prefix(PRINCIPAL_TAG) {
            let [value] = vals.as_slice() else {
                return Err(invalid(format!(
                    "The SAML attribute {PRINCIPAL_TAG}{key} must have exactly one value."
                )));
            };
            tags.push(Tag {
                key: key.to_owned(),
                value: value.clone(),
            });
        }
    }
    let transitive = values(v, TRANSITIVE_TAG_KEYS).to_vec();
    params::validate_tags(&tags, &transitive)?;
    let source_identity = match values(v, SOURCE_IDENTITY) {
        [] => None,
        [s] => {
            params::validate_source_identity(s)?;
            Some(s.clone())
        }
        _ => {
            return Err(invalid(
                "The SAML attribute SourceIdentity must have exactly one value.",
            ));
        }
    };
    Ok(SessionInputs {
        tags,
        transitive_tag_keys: transitive,
        source_identity,
    })
}

/// The trust policy's condition keys for the assertion.
fn saml_keys(
    c: &mut Context,
    v: &Verified,
    p: &SamlProvider,
    session: &str,
    inputs: &SessionInputs,
) {
    let nq = name_qualifier(&v.issuer, &p.account_id, &p.name);
    c.insert("saml:aud", v.recipient.as_str())
        .insert("saml:iss", v.issuer.as_str())
        .insert("saml:sub", v.name_id.as_str())
        .insert("saml:sub_type", subject_type(v.name_id_format.as_deref()))
        .insert("saml:namequalifier", nq)
        .insert("saml:doc", format!("{}/{}", p.account_id, p.name))
        .insert("sts:RoleSessionName", session);
    for (oid, key) in OID_KEYS {
        let vs = values(v, oid);
        if !vs.is_empty() {
            c.insert_multi(key, vs.iter().cloned());
        }
    }
    session_input_keys(c, inputs);
}

/// Records the assertion as used until it expires; a second use anywhere is refused.
async fn record_use(iam: &Iam, v: &Verified, skew_secs: i64) -> Result<(), StsError> {
    let digest = ring::digest::digest(
        &ring::digest::SHA256,
        format!("{}\n{}", v.issuer, v.assertion_id).as_bytes(),
    );
    let key = format!("saml/replay/{}", hex::encode(digest.as_ref()));
    let until_ms = (v.not_on_or_after + skew_secs).saturating_mul(1000);
    match iam
        .store
        .backend()
        .commit(
            fedgate_store::Txn::new()
                .check_absent(key.as_str())
                .put_expiring(key.as_str(), b"1".to_vec(), until_ms),
        )
        .await
    {
        Ok(()) => Ok(()),
        Err(fedgate_store::StoreError::Conflict) => Err(invalid(
            "This SAML assertion was already used (replay refused).",
        )),
        Err(e) => Err(e.into()),
    }
}

/// A response verified against a SAML provider and recorded as used: what a role choice or
/// the trust decision needs.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Asserted {
    pub provider: SamlProvider,
    pub provider_arn: String,
    pub verified: Verified,
}

impl Asserted {
    /// The roles the assertion offers for this provider (`Role` attribute pairs naming it).
    pub fn offered_roles(&self) -> Vec<String> {
        let mut out = Vec::new();
        for pair in values(&self.verified, ROLE) {
            let parts: Vec<&str> = pair.split(',').map(str::trim).collect();
            if let [a, b] = parts.as_slice() {
                let role = if *b == self.provider_arn {
                    a
                } else if *a == self.provider_arn {
                    b
                } else {
                    continue;
                };
                if !out.iter().any(|r: &String| r == role) {
                    out.push((*role).to_owned());
                }
            }
        }
        out
    }

    /// The `SessionDuration` attribute (900–43,200 seconds): how long a browser sign-in's
    /// session lasts, as the AWS console uses it. `AssumeRoleWithSAML` ignores it, as AWS does
    /// (`DurationSeconds` decides there).
    pub fn session_duration(&self) -> Result<Option<i64>, StsError> {
        match values(&self.verified, SESSION_DURATION) {
            [] => Ok(None),
            [v] => match v.trim().parse::<i64>() {
                Ok(d) if (900..=43_200).contains(&d) => Ok(Some(d)),
                _ => Err(invalid(format!(
                    "The SAML attribute {SESSION_DURATION} must be a number of seconds from 900 to 43200."
                ))),
            },
            _ => Err(invalid(format!(
                "The SAML attribute {SESSION_DURATION} must have exactly one value."
            ))),
        }
    }

    /// The session name the assertion asks for.
    pub fn session_name(&self) -> Result<String, StsError> {
        match values(&self.verified, ROLE_SESSION_NAME) {
            [s] => {
                params::validate_name(s, "roleSessionName")?;
                Ok(s.clone())
            }
            _ => Err(invalid(format!(
                "The SAML assertion must carry exactly one {ROLE_SESSION_NAME} value."
            ))),
        }
    }
}

/// Verifies the base64 `assertion` against the SAML provider `principal_arn` names and
/// records it as used (a second use on any replica is refused).
pub async fn verify_assertion(
    iam: &Iam,
    settings: &SamlSettings,
    principal_arn: &str,
    assertion: &str,
) -> Result<Asserted, StsError> {
    let (p_account, p_name) = parse_provider_arn(principal_arn, &iam.partition)
        .ok_or_else(|| validation(format!("{principal_arn} is invalid")))?;
    let provider = fedgate_iam::saml_providers::by_name(iam, &p_account, &p_name)
        .await?
        .ok_or_else(|| invalid(format!("No SAML provider {principal_arn} exists.")))?;
    // Metadata past its own validUntil is not trusted any more (refresh it with
    // UpdateSAMLProvider).
    let expired_metadata = provider.valid_until.as_deref().is_some_and(|v| {
        time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339)
            .is_ok_and(|t| t.unix_timestamp() <= iam.clock.now().unix_timestamp())
    });
    if expired_metadata {
        return Err(invalid(format!(
            "The metadata of SAML provider {principal_arn} is past its validUntil; update it with UpdateSAMLProvider."
        )));
    }
    let certs: Vec<Vec<u8>> = provider
        .signing_certs
        .iter()
        .filter_map(|c| base64::engine::general_purpose::STANDARD.decode(c).ok())
        .collect();
    let xml = response::decode(assertion)?;
    // libxml and xmlsec work synchronously: off the async workers, within a time limit, so
    // that no response can stall the gateway whatever the parsers make of it.
    let (entity_id, sp_entity_id, acs_urls) = (
        provider.entity_id.clone(),
        settings.sp_entity_id.clone(),
        settings.acs_urls.clone(),
    );
    let (now, skew_secs) = (iam.clock.now().unix_timestamp(), settings.skew_secs);
    let work = tokio::task::spawn_blocking(move || {
        response::verify(
            &xml,
            &Expect {
                idp_entity_id: &entity_id,
                signing_certs: &certs,
                sp_entity_id: &sp_entity_id,
                acs_urls: &acs_urls,
                now,
                skew_secs,
            },
        )
    });
    let verified = match tokio::time::timeout(VERIFY_TIME_LIMIT, work).await {
        Ok(Ok(v)) => v?,
        Ok(Err(_)) | Err(_) => {
            return Err(invalid("The SAML response could not be verified in time."));
        }
    };
    record_use(iam, &verified, settings.skew_secs).await?;
    let provider_arn = fedgate_iam::saml_providers::provider_arn(&iam.partition, &provider);
    Ok(Asserted {
        provider,
        provider_arn,
        verified,
    })
}

/// The role session for `asserted` (verified already): the Role attribute must offer
/// `role_arn`, then the trust policy decides; then minting.
pub async fn assume_role_as_asserted(
    iam: &Iam,
    ctx: &RequestContext,
    asserted: &Asserted,
    role_arn: &str,
    asked: Asked<'_>,
) -> Result<SamlResult, StsError> {
    let (account, role) = load_role(iam, role_arn, "sts:AssumeRoleWithSAML").await?;
    let v = &asserted.verified;
    if !role_offered(v, role_arn, &asserted.provider_arn) {
        return Err(not_authorized());
    }
    let inputs = session_inputs(v)?;
    let session = asked.session_name;
    let trust = crate::assume_role::trust_policy(iam, &role).ok_or_else(not_authorized)?;
    let mut context = anonymous_context(iam, ctx);
    saml_keys(&mut context, v, &asserted.provider, session, &inputs);
    let names = [asserted.provider_arn.as_str()];
    let allowed = |action: &str| {
        provider_allowed(&names, action, role_arn, account.as_str(), &trust, &context)
    };
    decide(allowed, "sts:AssumeRoleWithSAML", &inputs)?;
    let out = issue_for_role(iam, ctx, account, &role, asked, inputs).await?;
    let p = &asserted.provider;
    Ok(SamlResult {
        credentials: out.credentials,
        assumed_role_id: out.assumed_role_id,
        arn: out.arn,
        packed_policy_size: out.packed_policy_size,
        source_identity: out.source_identity,
        subject_type: subject_type(v.name_id_format.as_deref()),
        name_qualifier: name_qualifier(&v.issuer, &p.account_id, &p.name),
        subject: v.name_id.clone(),
        issuer: v.issuer.clone(),
        audience: v.recipient.clone(),
        session_name: session.to_owned(),
    })
}

pub async fn assume_role_with_saml(
    iam: &Iam,
    settings: &SamlSettings,
    ctx: &RequestContext,
    req: &SamlRequest,
) -> Result<SamlResult, StsError> {
    validate(req)?;
    // An unknown role is refused before the assertion is looked at (and spent).
    load_role(iam, &req.role_arn, "sts:AssumeRoleWithSAML").await?;
    let asserted = verify_assertion(iam, settings, &req.principal_arn, &req.saml_assertion).await?;
    let session = asserted.session_name()?;
    let asked = Asked {
        session_name: &session,
        policy: req.policy.as_deref(),
        policy_arns: &req.policy_arns,
        duration_seconds: req.duration_seconds,
        not_after: asserted.verified.session_not_on_or_after,
        cap_to_role_max: false,
    };
    assume_role_as_asserted(iam, ctx, &asserted, &req.role_arn, asked).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_qualifier_is_awss_hash() {
        // BASE64(SHA1("https://example.com/saml" + "123456789012" + "/MySAMLIdP")), the
        // pseudocode of the AssumeRoleWithSAML API reference.
        let a = AccountId::parse("123456789012").unwrap_or_else(|_| unreachable!());
        let nq = name_qualifier("https://example.com/saml", &a, "MySAMLIdP");
        let d = ring::digest::digest(
            &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
            b"https://example.com/saml123456789012/MySAMLIdP",
        );
        assert_eq!(nq, base64::engine::general_purpose::STANDARD.encode(d));
        assert_eq!(nq.len(), 28);
    }

    #[test]
    fn subject_types() {
        assert_eq!(
            subject_type(Some("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent")),
            "persistent"
        );
        assert_eq!(
            subject_type(Some(
                "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
            )),
            "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
        );
    }
}
