//! OAuth 2.0 providers that hand out opaque access tokens instead of signed ID tokens:
//! Facebook and Login with Amazon (`AssumeRoleWithWebIdentity` with `ProviderId`
//! `graph.facebook.com` / `www.amazon.com`, as AWS supports them), and GitHub and Twitter/X
//! (browser sign-in only). An access token proves nothing by itself; it is *confirmed* by
//! asking the provider's API who it belongs to, over the same HTTPS rules as discovery
//! ([`Fetcher`]: certificates checked, no redirects, time and size limits):
//!
//! | provider | request | subject | audience |
//! |---|---|---|---|
//! | Facebook | `GET {api}/me?fields=id,name,email`, `GET {api}/app` | `id` | the app's `id` |
//! | Amazon | `GET {api}/auth/o2/tokeninfo` | `user_id` | `aud` (the client id) |
//! | GitHub | `GET {api}/user` | `id` | the configured client id |
//! | Twitter/X | `GET {api}/2/users/me` | `data.id` | the configured client id |
//!
//! The token travels in a header (`Authorization: Bearer`, Amazon's `x-amz-access-token`),
//! never in a URL, so no log line or error can carry it. Subjects are the providers'
//! numeric or opaque user ids, never user names or e-mail addresses, which can change hands.
//! A 400/401/403 answer means the token is invalid or expired (`InvalidIdentityToken`);
//! anything else that is not a 200 with the expected JSON means the provider could not
//! confirm it (`IDPCommunicationError`).

use crate::FederatedIdentity;
use crate::error::{OidcError, invalid};
use crate::fetch::Fetcher;
use serde_json::{Map, Value};

/// Longest access token accepted, bytes (Facebook's are ~200, GitHub's 40–100).
pub const MAX_ACCESS_TOKEN_BYTES: usize = 4096;

/// How long a confirmed identity is taken to hold when the provider gives no expiry,
/// seconds (what a role choice in the browser may take at most).
const CONFIRMED_FOR_SECS: i64 = 600;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Social {
    Facebook,
    Amazon,
    GitHub,
    Twitter,
}

impl Social {
    pub const ALL: [Social; 4] = [
        Social::Facebook,
        Social::Amazon,
        Social::GitHub,
        Social::Twitter,
    ];

    /// The configuration name (`kind = "github"`).
    pub fn name(self) -> &'static str {
        match self {
            Social::Facebook => "facebook",
            Social::Amazon => "amazon",
            Social::GitHub => "github",
            Social::Twitter => "twitter",
        }
    }

    pub fn parse(name: &str) -> Option<Social> {
        match name {
            "x" => Some(Social::Twitter),
            _ => Social::ALL.into_iter().find(|s| s.name() == name),
        }
    }

    /// The provider's name in trust policies (`"Federated": "graph.facebook.com"`), in
    /// condition keys (`graph.facebook.com:id`) and in `aws:FederatedProvider`. AWS's own
    /// for Facebook and Amazon; Amazon Cognito's login-provider names for the others.
    pub fn provider_id(self) -> &'static str {
        match self {
            Social::Facebook => "graph.facebook.com",
            Social::Amazon => "www.amazon.com",
            Social::GitHub => "github.com",
            Social::Twitter => "api.twitter.com",
        }
    }

    pub fn from_provider_id(id: &str) -> Option<Social> {
        Social::ALL.into_iter().find(|s| s.provider_id() == id)
    }

    /// Whether `AssumeRoleWithWebIdentity` accepts the provider as a `ProviderId` (AWS
    /// accepts exactly these two).
    pub fn is_sts_provider(self) -> bool {
        matches!(self, Social::Facebook | Social::Amazon)
    }

    /// The API the token is confirmed with.
    pub fn default_api_url(self) -> &'static str {
        match self {
            Social::Facebook => "https://graph.facebook.com",
            Social::Amazon => "https://api.amazon.com",
            Social::GitHub => "https://api.github.com",
            Social::Twitter => "https://api.twitter.com",
        }
    }

    pub fn default_authorization_endpoint(self) -> &'static str {
        match self {
            Social::Facebook => "https://www.facebook.com/dialog/oauth",
            Social::Amazon => "https://www.amazon.com/ap/oa",
            Social::GitHub => "https://github.com/login/oauth/authorize",
            Social::Twitter => "https://x.com/i/oauth2/authorize",
        }
    }

    pub fn default_token_endpoint(self) -> &'static str {
        match self {
            Social::Facebook => "https://graph.facebook.com/oauth/access_token",
            Social::Amazon => "https://api.amazon.com/auth/o2/token",
            Social::GitHub => "https://github.com/login/oauth/access_token",
            Social::Twitter => "https://api.x.com/2/oauth2/token",
        }
    }

    /// The scopes asked for when none are configured: enough to read the user's id.
    pub fn default_scopes(self) -> &'static [&'static str] {
        match self {
            Social::Facebook => &["public_profile"],
            Social::Amazon => &["profile:user_id"],
            Social::GitHub => &["read:user"],
            Social::Twitter => &["users.read", "tweet.read"],
        }
    }

    /// Whether a confidential client authenticates at the token endpoint with HTTP Basic
    /// (X requires it) rather than `client_secret` in the form.
    pub fn token_auth_basic(self) -> bool {
        matches!(self, Social::Twitter)
    }

    /// The provider's extra condition keys for `identity`, beyond `{provider}:sub` and
    /// `{provider}:aud`: AWS's `graph.facebook.com:app_id`/`:id` and
    /// `www.amazon.com:app_id`/`:user_id`.
    pub fn condition_keys(self, identity: &FederatedIdentity) -> Vec<(String, String)> {
        let p = self.provider_id();
        let (app, user) = match self {
            Social::Facebook => ("app_id", "id"),
            Social::Amazon => ("app_id", "user_id"),
            Social::GitHub | Social::Twitter => return vec![],
        };
        vec![
            (format!("{p}:{app}"), identity.audience.clone()),
            (format!("{p}:{user}"), identity.subject.clone()),
        ]
    }
}

/// What the provider's API said, checked.
fn answer(url: &str, got: Result<(u16, Vec<u8>), String>) -> Result<Value, OidcError> {
    let unreachable = |m: String| {
        tracing::warn!(error = %m, "oauth: confirming an access token failed");
        OidcError::Unreachable("The identity provider could not confirm the token.".into())
    };
    let (status, body) = got.map_err(unreachable)?;
    match status {
        200 => {
            serde_json::from_slice(&body).map_err(|_| unreachable(format!("GET {url}: not JSON")))
        }
        400 | 401 | 403 => Err(invalid(
            "The identity provider did not accept the access token (invalid, expired or revoked).",
        )),
        s => Err(unreachable(format!("GET {url}: HTTP {s}"))),
    }
}

/// A JSON string or number field as text (ids are numbers at GitHub, strings elsewhere).
fn id_field(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.is_empty() && s.len() <= 256 => Some(s.clone()),
        Value::Number(n) if n.is_u64() => Some(n.to_string()),
        _ => None,
    }
}

fn malformed(url: &str) -> OidcError {
    tracing::warn!(url, "oauth: the provider's answer lacks the user id");
    OidcError::Unreachable("The identity provider's answer could not be read.".into())
}

/// The claims kept for a confirmed identity (session name, audit): the id and the few
/// profile fields the provider returned, as strings.
fn claims(sub: &str, profile: &Value, fields: &[(&str, &str)]) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("sub".into(), Value::String(sub.to_owned()));
    for (from, to) in fields {
        if let Some(s) = profile.get(*from).and_then(Value::as_str) {
            m.insert((*to).into(), Value::String(s.chars().take(256).collect()));
        }
    }
    m
}

/// Confirms the access `token` of `social` at its API `api_url`: whose it is and, where the
/// provider says, for which app. `client_id` is the audience when the provider does not
/// report one (GitHub, X: the token came from fedgate's own code exchange). `now` in Unix
/// seconds.
pub async fn confirm(
    fetcher: &Fetcher,
    social: Social,
    api_url: &str,
    token: &str,
    client_id: Option<&str>,
    now: i64,
) -> Result<FederatedIdentity, OidcError> {
    if token.is_empty()
        || token.len() > MAX_ACCESS_TOKEN_BYTES
        || !token.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(invalid("The access token is malformed."));
    }
    let api = api_url.trim_end_matches('/');
    let bearer = format!("Bearer {token}");
    let auth = [("authorization", bearer.as_str())];
    let (subject, audience, claims, expires_at) = match social {
        Social::Facebook => {
            let me_url = format!("{api}/me?fields=id,name,email");
            let me = answer(&me_url, fetcher.get_with(&me_url, &auth).await)?;
            let app_url = format!("{api}/app");
            let app = answer(&app_url, fetcher.get_with(&app_url, &auth).await)?;
            let sub = id_field(&me, "id").ok_or_else(|| malformed(&me_url))?;
            let app_id = id_field(&app, "id").ok_or_else(|| malformed(&app_url))?;
            let c = claims(&sub, &me, &[("name", "name"), ("email", "email")]);
            (sub, app_id, c, now + CONFIRMED_FOR_SECS)
        }
        Social::Amazon => {
            let url = format!("{api}/auth/o2/tokeninfo");
            let info = answer(
                &url,
                fetcher
                    .get_with(&url, &[("x-amz-access-token", token)])
                    .await,
            )?;
            let sub = id_field(&info, "user_id").ok_or_else(|| malformed(&url))?;
            let aud = id_field(&info, "aud").ok_or_else(|| malformed(&url))?;
            // tokeninfo's `exp` is the seconds the token has left.
            let left = info.get("exp").and_then(Value::as_i64).unwrap_or(0);
            if left <= 0 {
                return Err(OidcError::Expired("The access token has expired.".into()));
            }
            let c = claims(&sub, &info, &[]);
            (sub, aud, c, now + left.min(CONFIRMED_FOR_SECS))
        }
        Social::GitHub => {
            let url = format!("{api}/user");
            let user = answer(
                &url,
                fetcher
                    .get_with(
                        &url,
                        &[
                            auth[0],
                            ("accept", "application/vnd.github+json"),
                            ("x-github-api-version", "2022-11-28"),
                        ],
                    )
                    .await,
            )?;
            let sub = id_field(&user, "id").ok_or_else(|| malformed(&url))?;
            let c = claims(
                &sub,
                &user,
                &[
                    ("login", "preferred_username"),
                    ("name", "name"),
                    ("email", "email"),
                ],
            );
            let aud = client_id.unwrap_or_default().to_owned();
            (sub, aud, c, now + CONFIRMED_FOR_SECS)
        }
        Social::Twitter => {
            let url = format!("{api}/2/users/me");
            let me = answer(&url, fetcher.get_with(&url, &auth).await)?;
            let data = me.get("data").cloned().unwrap_or(Value::Null);
            let sub = id_field(&data, "id").ok_or_else(|| malformed(&url))?;
            let c = claims(
                &sub,
                &data,
                &[("username", "preferred_username"), ("name", "name")],
            );
            let aud = client_id.unwrap_or_default().to_owned();
            (sub, aud, c, now + CONFIRMED_FOR_SECS)
        }
    };
    Ok(FederatedIdentity {
        issuer: social.provider_id().to_owned(),
        provider_id: social.provider_id().to_owned(),
        subject,
        audience,
        original_audience: vec![],
        amr: vec![],
        expires_at,
        claims,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in Social::ALL {
            assert_eq!(Social::parse(s.name()), Some(s));
            assert_eq!(Social::from_provider_id(s.provider_id()), Some(s));
        }
        assert_eq!(Social::parse("x"), Some(Social::Twitter));
        assert_eq!(Social::parse("google"), None);
        assert!(Social::Facebook.is_sts_provider() && Social::Amazon.is_sts_provider());
        assert!(!Social::GitHub.is_sts_provider() && !Social::Twitter.is_sts_provider());
    }

    #[test]
    fn aws_condition_keys() {
        let id = FederatedIdentity {
            issuer: "graph.facebook.com".into(),
            provider_id: "graph.facebook.com".into(),
            subject: "10001".into(),
            audience: "app-7".into(),
            original_audience: vec![],
            amr: vec![],
            expires_at: 0,
            claims: Map::new(),
        };
        assert_eq!(
            Social::Facebook.condition_keys(&id),
            vec![
                ("graph.facebook.com:app_id".to_owned(), "app-7".to_owned()),
                ("graph.facebook.com:id".to_owned(), "10001".to_owned())
            ]
        );
        assert_eq!(
            Social::Amazon.condition_keys(&id)[1].0,
            "www.amazon.com:user_id"
        );
        assert!(Social::GitHub.condition_keys(&id).is_empty());
    }

    #[test]
    fn ids_are_strings_or_whole_numbers() {
        let v = serde_json::json!({"a": "x1", "b": 42, "c": -1, "d": "", "e": 1.5});
        assert_eq!(id_field(&v, "a").as_deref(), Some("x1"));
        assert_eq!(id_field(&v, "b").as_deref(), Some("42"));
        assert_eq!(id_field(&v, "c"), None);
        assert_eq!(id_field(&v, "d"), None);
        assert_eq!(id_field(&v, "e"), None);
    }
}
