//! IAM OpenID Connect providers end to end through the AWS SDK for Rust, on both stores:
//! CreateOpenIDConnectProvider (ARN `…:oidc-provider/{url without https://}`, tags),
//! GetOpenIDConnectProvider (Url without its scheme, as AWS returns it), List, Delete
//! (idempotent), Add/RemoveClientID, UpdateOpenIDConnectProviderThumbprint, Tag/Untag/
//! ListOpenIDConnectProviderTags, refused input and callers without permissions — and that
//! every refused call leaves the provider as it was.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Harness, fails, tag};

const URL: &str = "https://idp.example.com/realms/main";
const ARN: &str = "arn:aws:iam::123456789012:oidc-provider/idp.example.com/realms/main";
const TP1: &str = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280";
const TP2: &str = "0123456789abcdef0123456789ABCDEF01234567";

/// What GetOpenIDConnectProvider says about `arn`: (url, client ids, thumbprints, tags).
type Seen = (String, Vec<String>, Vec<String>, Vec<(String, String)>);

async fn seen(iam: &aws_sdk_iam::Client, arn: &str) -> Seen {
    let g = iam
        .get_open_id_connect_provider()
        .open_id_connect_provider_arn(arn)
        .send()
        .await
        .unwrap();
    assert!(g.create_date().is_some());
    (
        g.url().unwrap().to_owned(),
        g.client_id_list().to_vec(),
        g.thumbprint_list().to_vec(),
        g.tags()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect(),
    )
}

async fn arns(iam: &aws_sdk_iam::Client) -> Vec<String> {
    let mut v: Vec<String> = iam
        .list_open_id_connect_providers()
        .send()
        .await
        .unwrap()
        .open_id_connect_provider_list()
        .iter()
        .map(|e| e.arn().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

async fn create_main(iam: &aws_sdk_iam::Client) {
    let out = iam
        .create_open_id_connect_provider()
        .url(URL)
        .client_id_list("app-1")
        .client_id_list("app-2")
        .thumbprint_list(TP1)
        .tags(tag("Team", "platform"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.open_id_connect_provider_arn(), Some(ARN));
    assert_eq!(out.tags().len(), 1);
    assert_eq!(out.tags()[0].key(), "Team");
    assert_eq!(out.tags()[0].value(), "platform");
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| (*x).to_owned()).collect()
}

async fn crud(h: &Harness) {
    let iam = h.admin_iam();
    assert!(arns(&iam).await.is_empty());
    create_main(&iam).await;
    let before = seen(&iam, ARN).await;
    assert_eq!(before.0, "idp.example.com/realms/main");
    assert_eq!(before.1, s(&["app-1", "app-2"]));
    assert_eq!(before.2, s(&[TP1]));
    assert_eq!(before.3, vec![("Team".to_owned(), "platform".to_owned())]);

    // The wire shape as the AWS API Reference shows it.
    let (ak, asec) = h.admin_key();
    let url = h.presign(
        (&ak, &asec),
        "iam",
        "GET",
        &format!(
            "/?Action=GetOpenIDConnectProvider&OpenIDConnectProviderArn={}&Version=2010-05-08",
            ARN.replace(':', "%3A").replace('/', "%2F")
        ),
    );
    let resp = common::http().get(&url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let body = resp.text().await.unwrap();
    for part in [
        "<GetOpenIDConnectProviderResult><Url>idp.example.com/realms/main</Url>",
        "<ClientIDList><member>app-1</member><member>app-2</member></ClientIDList>",
        &format!("<ThumbprintList><member>{TP1}</member></ThumbprintList><CreateDate>"),
        "<Tags><member><Key>Team</Key><Value>platform</Value></member></Tags>",
    ] {
        assert!(body.contains(part), "{part} in {body}");
    }

    // A second registration of the same URL is refused and changes nothing.
    let msg = fails(
        iam.create_open_id_connect_provider()
            .url(URL)
            .client_id_list("other")
            .thumbprint_list(TP2)
            .send()
            .await,
        "EntityAlreadyExists",
        409,
    );
    assert!(msg.contains(URL), "{msg}");
    assert_eq!(seen(&iam, ARN).await, before);

    // Client ids and thumbprints are optional.
    let plain = iam
        .create_open_id_connect_provider()
        .url("https://accounts.example.org")
        .send()
        .await
        .unwrap();
    let plain_arn = "arn:aws:iam::123456789012:oidc-provider/accounts.example.org";
    assert_eq!(plain.open_id_connect_provider_arn(), Some(plain_arn));
    assert!(plain.tags().is_empty());
    let p = seen(&iam, plain_arn).await;
    assert_eq!(p.0, "accounts.example.org");
    assert!(p.1.is_empty() && p.2.is_empty() && p.3.is_empty());
    assert_eq!(arns(&iam).await, s(&[plain_arn, ARN]));

    // Delete; a second delete of the same provider succeeds, as on AWS.
    for _ in 0..2 {
        iam.delete_open_id_connect_provider()
            .open_id_connect_provider_arn(plain_arn)
            .send()
            .await
            .unwrap();
    }
    let msg = fails(
        iam.get_open_id_connect_provider()
            .open_id_connect_provider_arn(plain_arn)
            .send()
            .await,
        "NoSuchEntity",
        404,
    );
    assert!(msg.contains(plain_arn), "{msg}");
    assert_eq!(arns(&iam).await, s(&[ARN]));
    // Only the canonical spelling names a provider (a policy naming its ARN must hold): with a
    // region or another partition, the existing provider is neither found nor deleted.
    for other in [
        ARN.replacen("iam::", "iam:us-east-1:", 1),
        ARN.replacen("arn:aws:", "arn:aws-cn:", 1),
    ] {
        fails(
            iam.get_open_id_connect_provider()
                .open_id_connect_provider_arn(&other)
                .send()
                .await,
            "NoSuchEntity",
            404,
        );
        // Deleting what does not exist succeeds, as on AWS, and deletes nothing.
        iam.delete_open_id_connect_provider()
            .open_id_connect_provider_arn(&other)
            .send()
            .await
            .unwrap();
    }
    assert_eq!(arns(&iam).await, s(&[ARN]));
    assert_eq!(seen(&iam, ARN).await, before);

    // The URL is free again once deleted.
    iam.create_open_id_connect_provider()
        .url("https://accounts.example.org")
        .send()
        .await
        .unwrap();
    assert_eq!(arns(&iam).await, s(&[plain_arn, ARN]));
}
both_backends!(crud, super::crud);

async fn client_ids_and_thumbprints(h: &Harness) {
    let iam = h.admin_iam();
    create_main(&iam).await;
    let add = |id: &str| {
        iam.add_client_id_to_open_id_connect_provider()
            .open_id_connect_provider_arn(ARN)
            .client_id(id)
            .send()
    };
    add("app-3").await.unwrap();
    add("app-3").await.unwrap();
    assert_eq!(seen(&iam, ARN).await.1, s(&["app-1", "app-2", "app-3"]));
    for id in ["app-1", "never-there"] {
        iam.remove_client_id_from_open_id_connect_provider()
            .open_id_connect_provider_arn(ARN)
            .client_id(id)
            .send()
            .await
            .unwrap();
    }
    assert_eq!(seen(&iam, ARN).await.1, s(&["app-2", "app-3"]));

    iam.update_open_id_connect_provider_thumbprint()
        .open_id_connect_provider_arn(ARN)
        .thumbprint_list(TP2)
        .thumbprint_list(TP1)
        .send()
        .await
        .unwrap();
    let before = seen(&iam, ARN).await;
    assert_eq!(before.2, s(&[TP2, TP1]));

    // Refused edits change nothing.
    fails(add(&"c".repeat(256)).await, "ValidationError", 400);
    fails(add("").await, "ValidationError", 400);
    for bad in [&TP1[..39], "zz99a48a9960b14926bb7f3b02e22da2b0ab7280"] {
        fails(
            iam.update_open_id_connect_provider_thumbprint()
                .open_id_connect_provider_arn(ARN)
                .thumbprint_list(bad)
                .send()
                .await,
            "ValidationError",
            400,
        );
    }
    let mut six = iam
        .update_open_id_connect_provider_thumbprint()
        .open_id_connect_provider_arn(ARN);
    for _ in 0..6 {
        six = six.thumbprint_list(TP1);
    }
    fails(six.send().await, "LimitExceeded", 409);
    assert_eq!(seen(&iam, ARN).await, before);

    // At most 100 client ids: the 101st is refused.
    for i in 0..98 {
        add(&format!("extra-{i}")).await.unwrap();
    }
    let full = seen(&iam, ARN).await;
    assert_eq!(full.1.len(), 100);
    fails(add("one-too-many").await, "LimitExceeded", 409);
    assert_eq!(seen(&iam, ARN).await, full);
    add("app-2").await.unwrap();

    // Edits of a provider that does not exist.
    let ghost = "arn:aws:iam::123456789012:oidc-provider/ghost.example.com";
    fails(
        iam.add_client_id_to_open_id_connect_provider()
            .open_id_connect_provider_arn(ghost)
            .client_id("x")
            .send()
            .await,
        "NoSuchEntity",
        404,
    );
    fails(
        iam.update_open_id_connect_provider_thumbprint()
            .open_id_connect_provider_arn(ghost)
            .thumbprint_list(TP1)
            .send()
            .await,
        "NoSuchEntity",
        404,
    );
}
both_backends!(client_ids, super::client_ids_and_thumbprints);

async fn invalid_input(h: &Harness) {
    let iam = h.admin_iam();
    let create = |url: &str| iam.create_open_id_connect_provider().url(url);
    for bad in [
        "http://idp.example.com",
        "idp.example.com",
        "https://",
        "https://idp.example.com/?q=1",
        "https://idp.example.com/#frag",
    ] {
        fails(create(bad).send().await, "InvalidInput", 400);
    }
    fails(
        create(&format!("https://{}.example", "a".repeat(250)))
            .send()
            .await,
        "ValidationError",
        400,
    );
    fails(
        create(URL).thumbprint_list("not-a-thumbprint").send().await,
        "ValidationError",
        400,
    );
    let mut six = create(URL);
    for _ in 0..6 {
        six = six.thumbprint_list(TP1);
    }
    fails(six.send().await, "LimitExceeded", 409);
    let mut many = create(URL);
    for i in 0..101 {
        many = many.client_id_list(format!("app-{i}"));
    }
    fails(many.send().await, "LimitExceeded", 409);
    fails(
        create(URL).client_id_list("x".repeat(256)).send().await,
        "ValidationError",
        400,
    );
    fails(
        create(URL).tags(tag("bad key!", "v")).send().await,
        "ValidationError",
        400,
    );
    assert!(
        arns(&iam).await.is_empty(),
        "a refused create left a provider"
    );

    // Malformed ARNs, another account's ARN.
    create_main(&iam).await;
    let before = seen(&iam, ARN).await;
    let get = |arn: &str| {
        iam.get_open_id_connect_provider()
            .open_id_connect_provider_arn(arn)
            .send()
    };
    fails(get("arn:aws:iam::1").await, "ValidationError", 400);
    fails(
        get("arn:aws:iam::123456789012:role/idp.example.com").await,
        "InvalidInput",
        400,
    );
    fails(get("not an arn at all, really").await, "InvalidInput", 400);
    fails(
        get(&ARN.replace("123456789012", "210987654321")).await,
        "NoSuchEntity",
        404,
    );
    fails(
        iam.delete_open_id_connect_provider()
            .open_id_connect_provider_arn("arn:aws:iam::123456789012:user/alice")
            .send()
            .await,
        "InvalidInput",
        400,
    );
    assert_eq!(arns(&iam).await, s(&[ARN]));
    assert_eq!(seen(&iam, ARN).await, before);
}
both_backends!(invalid, super::invalid_input);

async fn tags(h: &Harness) {
    let iam = h.admin_iam();
    create_main(&iam).await;
    iam.tag_open_id_connect_provider()
        .open_id_connect_provider_arn(ARN)
        .tags(tag("team", "identity"))
        .tags(tag("Env", "prod"))
        .tags(tag("Cost", "42"))
        .send()
        .await
        .unwrap();
    let list = |max: i32, marker: Option<String>| {
        iam.list_open_id_connect_provider_tags()
            .open_id_connect_provider_arn(ARN)
            .max_items(max)
            .set_marker(marker)
            .send()
    };
    let all = list(100, None).await.unwrap();
    assert!(!all.is_truncated());
    let kv: Vec<(&str, &str)> = all.tags().iter().map(|t| (t.key(), t.value())).collect();
    // Keys match regardless of case: "team" replaced "Team".
    assert_eq!(kv.len(), 3, "{kv:?}");
    assert!(kv.contains(&("team", "identity")) && kv.contains(&("Env", "prod")));

    // Paging.
    let first = list(2, None).await.unwrap();
    assert!(first.is_truncated());
    assert_eq!(first.tags().len(), 2);
    let rest = list(2, first.marker().map(str::to_owned)).await.unwrap();
    assert!(!rest.is_truncated());
    assert_eq!(rest.tags().len(), 1);

    iam.untag_open_id_connect_provider()
        .open_id_connect_provider_arn(ARN)
        .tag_keys("ENV")
        .tag_keys("absent")
        .send()
        .await
        .unwrap();
    let before = seen(&iam, ARN).await;
    let mut keys: Vec<&str> = before.3.iter().map(|(k, _)| k.as_str()).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["Cost", "team"]);

    // Refused tag calls change nothing.
    fails(
        iam.tag_open_id_connect_provider()
            .open_id_connect_provider_arn(ARN)
            .tags(tag("aws:reserved", "x"))
            .send()
            .await,
        "InvalidInput",
        400,
    );
    let mut many = iam
        .tag_open_id_connect_provider()
        .open_id_connect_provider_arn(ARN);
    for i in 0..49 {
        many = many.tags(tag(&format!("k{i}"), "v"));
    }
    fails(many.send().await, "LimitExceeded", 409);
    fails(
        iam.tag_open_id_connect_provider()
            .open_id_connect_provider_arn(ARN)
            .send()
            .await,
        "MissingParameter",
        400,
    );
    fails(
        iam.untag_open_id_connect_provider()
            .open_id_connect_provider_arn(ARN)
            .send()
            .await,
        "MissingParameter",
        400,
    );
    assert_eq!(seen(&iam, ARN).await, before);

    let ghost = "arn:aws:iam::123456789012:oidc-provider/ghost.example.com";
    fails(
        iam.list_open_id_connect_provider_tags()
            .open_id_connect_provider_arn(ghost)
            .send()
            .await,
        "NoSuchEntity",
        404,
    );
    fails(
        iam.tag_open_id_connect_provider()
            .open_id_connect_provider_arn(ghost)
            .tags(tag("a", "b"))
            .send()
            .await,
        "NoSuchEntity",
        404,
    );
}
both_backends!(tagging, super::tags);

/// Asserts that the request is refused with AccessDenied naming the IAM action.
macro_rules! denied {
    ($req:expr, $action:literal) => {{
        let m = fails($req.send().await, "AccessDenied", 403);
        let want = concat!("is not authorized to perform: iam:", $action);
        assert!(m.contains(want), "{m}");
    }};
}

async fn unauthorized_caller(h: &Harness) {
    let iam = h.admin_iam();
    create_main(&iam).await;
    let before = seen(&iam, ARN).await;
    let (k, sec) = h.user_with_key("nobody").await;
    let n = h.iam(&k, &sec);
    let url = "https://new.example.com";
    denied!(
        n.create_open_id_connect_provider().url(url),
        "CreateOpenIDConnectProvider"
    );
    denied!(
        n.list_open_id_connect_providers(),
        "ListOpenIDConnectProviders"
    );
    let ghost = "arn:aws:iam::123456789012:oidc-provider/ghost.example.com";
    for arn in [ARN, ghost] {
        denied!(
            n.get_open_id_connect_provider()
                .open_id_connect_provider_arn(arn),
            "GetOpenIDConnectProvider"
        );
        denied!(
            n.delete_open_id_connect_provider()
                .open_id_connect_provider_arn(arn),
            "DeleteOpenIDConnectProvider"
        );
        denied!(
            n.add_client_id_to_open_id_connect_provider()
                .open_id_connect_provider_arn(arn)
                .client_id("intruder"),
            "AddClientIDToOpenIDConnectProvider"
        );
        denied!(
            n.remove_client_id_from_open_id_connect_provider()
                .open_id_connect_provider_arn(arn)
                .client_id("app-1"),
            "RemoveClientIDFromOpenIDConnectProvider"
        );
        denied!(
            n.update_open_id_connect_provider_thumbprint()
                .open_id_connect_provider_arn(arn)
                .thumbprint_list(TP2),
            "UpdateOpenIDConnectProviderThumbprint"
        );
        denied!(
            n.tag_open_id_connect_provider()
                .open_id_connect_provider_arn(arn)
                .tags(tag("x", "y")),
            "TagOpenIDConnectProvider"
        );
        denied!(
            n.untag_open_id_connect_provider()
                .open_id_connect_provider_arn(arn)
                .tag_keys("Team"),
            "UntagOpenIDConnectProvider"
        );
        denied!(
            n.list_open_id_connect_provider_tags()
                .open_id_connect_provider_arn(arn),
            "ListOpenIDConnectProviderTags"
        );
    }
    assert_eq!(arns(&iam).await, s(&[ARN]));
    assert_eq!(seen(&iam, ARN).await, before);
}
both_backends!(access_denied, super::unauthorized_caller);
