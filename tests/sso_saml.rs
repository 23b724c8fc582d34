//! Browser sign-in through SAML (IdP-initiated, as AD FS posts to the ACS) over HTTP: the
//! test IdP's signed response posted to `POST /saml` as a form, one offered role → the
//! credentials page; several → a choice page whose form (CSRF token bound to an HttpOnly
//! cookie) picks one; the assertion spent on arrival (a second post is refused); a forged
//! choice refused; every ending audited as AssumeRoleWithSAML.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

#[path = "../crates/saml/tests/support/mod.rs"]
mod saml_idp;

use common::Harness;
use saml_idp::{IdpKey, ROLE_ATTR, Spec, b64, metadata, response};

const ACCT: &str = "123456789012";
const PROVIDER: &str = "arn:aws:iam::123456789012:saml-provider/ADFS";

struct Setup {
    h: Harness,
    key: IdpKey,
    browser: reqwest::Client,
}

async fn setup() -> Setup {
    let h = common::start().await;
    let key = IdpKey::rsa(2048, "ADFS Signing");
    h.admin_iam()
        .create_saml_provider()
        .name("ADFS")
        .saml_metadata_document(metadata(&key))
        .send()
        .await
        .unwrap();
    let browser = common::browser();
    Setup { h, key, browser }
}

fn field(page: &str, label: &str) -> String {
    page.split(&format!("<dt>{label}</dt><dd>"))
        .nth(1)
        .and_then(|s| s.split("</dd>").next())
        .unwrap_or_else(|| panic!("no {label} in {page}"))
        .to_owned()
}

impl Setup {
    async fn role(&self, name: &str) -> String {
        let trust = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Federated":"{PROVIDER}"}},"Action":"sts:AssumeRoleWithSAML","Condition":{{"StringEquals":{{"SAML:aud":"{}/saml"}}}}}}]}}"#,
            self.h.url
        );
        common::whoami_role(&self.h, name, &trust).await
    }

    /// A signed response offering `roles`, for this gateway's ACS.
    fn response(&self, roles: &[&str], id: &str) -> String {
        let now = self.h.app.iam.clock.now().unix_timestamp();
        let mut s = Spec::at(now);
        s.assertion_id = id.into();
        s.recipient = format!("{}/saml", self.h.url);
        s.destination = Some(s.recipient.clone());
        let pairs: Vec<String> = roles.iter().map(|r| format!("{r},{PROVIDER}")).collect();
        let pairs: Vec<&str> = pairs.iter().map(String::as_str).collect();
        let s = s.attr(ROLE_ATTR, &pairs);
        b64(&response(&s, &self.key))
    }

    async fn post(
        &self,
        path: &str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> reqwest::Response {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let mut r = self
            .browser
            .post(format!("{}{path}", self.h.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(c) = cookie {
            r = r.header("cookie", c);
        }
        r.send().await.unwrap()
    }

    async fn works_as(&self, page: &str, role: &str) {
        let me = self
            .h
            .sts_session(
                &field(page, "AccessKeyId"),
                &field(page, "SecretAccessKey"),
                &field(page, "SessionToken"),
            )
            .get_caller_identity()
            .send()
            .await
            .unwrap();
        assert_eq!(
            me.arn(),
            Some(format!("arn:aws:sts::{ACCT}:assumed-role/{role}/ana@corp.example").as_str())
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_offered_role_gives_credentials_and_the_assertion_is_spent() {
    let s = setup().await;
    let role = s.role("saml-admins").await;
    let resp = s.response(&[&role], "_one");
    let form = [
        ("SAMLResponse", resp.as_str()),
        ("RelayState", "https://evil.example/"),
    ];
    let r = s.post("/saml", &form, None).await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers().get("location").is_none(),
        "RelayState is never followed"
    );
    let page = r.text().await.unwrap();
    s.works_as(&page, "saml-admins").await;
    // Posted again: spent.
    let r = s.post("/saml", &form, None).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("already used"));
    let lines = s.h.audit_lines();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("\"eventName\":\"AssumeRoleWithSAML\"")
                && l.contains("\"signIn\":\"saml\"")
                && l.contains("\"type\":\"SAMLUser\""))
    );
    assert!(lines.iter().all(|l| !l.contains(&resp[..100])));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_offered_roles_ask_for_a_choice() {
    let s = setup().await;
    let a = s.role("alpha").await;
    let b = s.role("beta").await;
    let resp = s.response(&[&a, &b], "_two");
    let r = s
        .post("/saml", &[("SAMLResponse", resp.as_str())], None)
        .await;
    assert_eq!(r.status(), 200);
    let set_cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("fedgate_saml_choice="))
        .expect("a choice cookie");
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("Path=/saml/choose"));
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let page = r.text().await.unwrap();
    assert!(page.contains(&a) && page.contains(&b), "{page}");
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    // Forged token, missing cookie, a role not offered: refused (and the forged attempts do
    // not spend the choice).
    let r = s
        .post(
            "/saml/choose",
            &[("csrf", "forged"), ("role_arn", b.as_str())],
            Some(&cookie),
        )
        .await;
    assert_eq!(r.status(), 403);
    let r = s
        .post(
            "/saml/choose",
            &[("csrf", csrf.as_str()), ("role_arn", b.as_str())],
            None,
        )
        .await;
    assert_eq!(r.status(), 403);
    let r = s
        .post(
            "/saml/choose",
            &[("csrf", csrf.as_str()), ("role_arn", b.as_str())],
            Some(&cookie),
        )
        .await;
    assert_eq!(r.status(), 200);
    s.works_as(&r.text().await.unwrap(), "beta").await;
    // Single use.
    let r = s
        .post(
            "/saml/choose",
            &[("csrf", csrf.as_str()), ("role_arn", a.as_str())],
            Some(&cookie),
        )
        .await;
    assert_eq!(r.status(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_posts_are_refused_plainly() {
    let s = setup().await;
    let role = s.role("saml-admins").await;
    let r = s.post("/saml", &[("RelayState", "x")], None).await;
    assert_eq!(r.status(), 400);
    let r = s.post("/saml", &[("SAMLResponse", "%%%")], None).await;
    assert_eq!(r.status(), 400);
    // Signed by someone else.
    let attacker = IdpKey::rsa(2048, "ADFS Signing");
    let now = s.h.app.iam.clock.now().unix_timestamp();
    let mut spec = Spec::at(now).with_role(&role, PROVIDER);
    spec.recipient = format!("{}/saml", s.h.url);
    spec.destination = None;
    let forged = b64(&response(&spec, &attacker));
    let r = s
        .post("/saml", &[("SAMLResponse", forged.as_str())], None)
        .await;
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap();
    assert!(page.contains("signature"), "{page}");
    assert!(!page.contains("ASIA"));
}

/// SP-initiated: the SP metadata publishes the key, `/sso/saml/corp` redirects to the IdP
/// with a signed, deflated AuthnRequest, and the ACS accepts a response answering it once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sp_initiated_sign_in_with_a_signed_authn_request() {
    use base64::Engine;
    use std::io::Read;
    let sp = IdpKey::rsa(2048, "fedgate SP");
    let dir = tempfile::tempdir().unwrap();
    let (kf, cf) = (dir.path().join("sp.key"), dir.path().join("sp.crt"));
    std::fs::write(&kf, sp.key.private_key_to_pem_pkcs8().unwrap()).unwrap();
    std::fs::write(&cf, sp.cert.to_pem().unwrap()).unwrap();
    let h = common::start_with(move |c| {
        c.saml.sp_key_file = Some(kf);
        c.saml.sp_cert_file = Some(cf);
        c.sso.saml.insert(
            "corp".into(),
            fedgate_server::config::SsoSamlProvider {
                account_id: ACCT.into(),
                provider: "ADFS".into(),
            },
        );
    })
    .await;
    let key = IdpKey::rsa(2048, "ADFS Signing");
    h.admin_iam()
        .create_saml_provider()
        .name("ADFS")
        .saml_metadata_document(metadata(&key))
        .send()
        .await
        .unwrap();
    let browser = common::browser();
    let s = Setup { h, key, browser };
    s.role("saml-admins").await;

    // The SP metadata.
    let r = s
        .browser
        .get(format!("{}/saml/metadata", s.h.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/samlmetadata+xml");
    let md = r.text().await.unwrap();
    assert!(md.contains(r#"entityID="urn:amazon:webservices""#), "{md}");
    assert!(
        md.contains(&format!(r#"Location="{}/saml""#, s.h.url)),
        "{md}"
    );
    assert!(md.contains(r#"AuthnRequestsSigned="true""#), "{md}");
    let cert_b64 = base64::engine::general_purpose::STANDARD.encode(sp.cert.to_der().unwrap());
    assert!(md.contains(&cert_b64), "{md}");

    // The redirect to the IdP.
    let r = s
        .browser
        .get(format!("{}/sso/saml/corp", s.h.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let (base, query) = location.split_once('?').unwrap();
    assert_eq!(base, "https://adfs.example.test/adfs/ls/");
    let (signed_part, sig) = query.rsplit_once("&Signature=").unwrap();
    let q: std::collections::HashMap<String, String> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    assert_eq!(q["RelayState"], "corp");
    assert_eq!(
        q["SigAlg"],
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    );
    let sig = base64::engine::general_purpose::STANDARD
        .decode(
            form_urlencoded::parse(format!("s={sig}").as_bytes())
                .next()
                .unwrap()
                .1
                .as_bytes(),
        )
        .unwrap();
    let sp_public = sp.cert.public_key().unwrap();
    let mut v =
        openssl::sign::Verifier::new(openssl::hash::MessageDigest::sha256(), &sp_public).unwrap();
    v.update(signed_part.as_bytes()).unwrap();
    assert!(
        v.verify(&sig).unwrap(),
        "the AuthnRequest signature verifies with the SP cert"
    );
    let deflated = base64::engine::general_purpose::STANDARD
        .decode(&q["SAMLRequest"])
        .unwrap();
    let mut xml = String::new();
    flate2::read::DeflateDecoder::new(&deflated[..])
        .read_to_string(&mut xml)
        .unwrap();
    assert!(
        xml.contains(&format!(
            r#"AssertionConsumerServiceURL="{}/saml""#,
            s.h.url
        )),
        "{xml}"
    );
    assert!(
        xml.contains("<saml:Issuer>urn:amazon:webservices</saml:Issuer>"),
        "{xml}"
    );
    let id = xml
        .split("ID=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();

    // The IdP answers that request: accepted once.
    let now = s.h.app.iam.clock.now().unix_timestamp();
    let answer = |assertion_id: &str, irt: &str| {
        let mut sp =
            Spec::at(now).with_role(&format!("arn:aws:iam::{ACCT}:role/saml-admins"), PROVIDER);
        sp.assertion_id = assertion_id.into();
        sp.recipient = format!("{}/saml", s.h.url);
        sp.destination = Some(sp.recipient.clone());
        sp.in_response_to = Some(irt.into());
        b64(&response(&sp, &s.key))
    };
    let first = answer("_sp1", &id);
    let r = s
        .post("/saml", &[("SAMLResponse", first.as_str())], None)
        .await;
    assert_eq!(r.status(), 200);
    s.works_as(&r.text().await.unwrap(), "saml-admins").await;
    // A second response to the same request, and one to a request never sent: refused.
    for (aid, irt) in [("_sp2", id.as_str()), ("_sp3", "_never-sent")] {
        let r = s
            .post(
                "/saml",
                &[("SAMLResponse", answer(aid, irt).as_str())],
                None,
            )
            .await;
        assert_eq!(r.status(), 400);
        assert!(r.text().await.unwrap().contains("did not send"));
    }
}

/// The browser session lasts the SessionDuration attribute's seconds, cut to the role's
/// maximum (1 hour here), as the AWS console treats it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_duration_sets_the_browser_sessions_length() {
    let s = setup().await;
    let role = s.role("saml-admins").await;
    for (id, asked, expected) in [("_d1", "900", 900), ("_d2", "7200", 3600)] {
        let now = s.h.app.iam.clock.now().unix_timestamp();
        let mut spec = Spec::at(now).with_role(&role, PROVIDER).attr(
            "https://aws.amazon.com/SAML/Attributes/SessionDuration",
            &[asked],
        );
        spec.assertion_id = id.into();
        spec.recipient = format!("{}/saml", s.h.url);
        spec.destination = Some(spec.recipient.clone());
        let resp = b64(&response(&spec, &s.key));
        let before_ms = s.h.app.iam.clock.now_millis();
        let r = s
            .post("/saml", &[("SAMLResponse", resp.as_str())], None)
            .await;
        let after_ms = s.h.app.iam.clock.now_millis();
        assert_eq!(r.status(), 200);
        let page = r.text().await.unwrap();
        let exp_ms = time::OffsetDateTime::parse(
            &field(&page, "Expiration"),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap()
        .unix_timestamp()
            * 1000;
        // Issued while the request ran, for `expected` seconds; Expiration is cut to whole
        // seconds, so it is at most the true expiry and at most a second before it.
        assert!(
            exp_ms <= after_ms + expected * 1000 && exp_ms > before_ms + (expected - 10) * 1000,
            "{asked}: expires {exp_ms}, asked between {before_ms} and {after_ms}"
        );
    }
}
