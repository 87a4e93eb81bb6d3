//! Rate limits: a client over its budget gets 429 with Retry-After; others are unaffected.

use reqwest::{Method, StatusCode};

use crate::helpers::{Stack, code};

#[tokio::test]
async fn a_user_over_the_limit_gets_429_with_retry_after_and_other_users_do_not() {
    let stack = Stack::new().await;
    let gateway = stack
        .gateway_with(&[
            ("GATEWAY_RATE_PER_USER_PER_SEC", "1".to_owned()),
            ("GATEWAY_RATE_PER_USER_BURST", "5".to_owned()),
        ])
        .await;
    let (greedy, polite) = (stack.user().await, stack.user().await);

    let mut statuses = Vec::new();
    for _ in 0..8 {
        let (status, headers, body) = stack
            .send(
                gateway.addr,
                Method::GET,
                "/api/v1/auth/me",
                Some(&greedy.token),
                &[],
                None,
            )
            .await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(code(&body), "RATE_LIMITED");
            let retry: u64 = headers["retry-after"]
                .to_str()
                .expect("ascii")
                .parse()
                .expect("seconds");
            assert!((1..=2).contains(&retry), "{retry}");
            assert_eq!(headers["ratelimit-remaining"], "0");
        }
        statuses.push(status);
    }
    let (status, headers, _) = stack
        .send(
            gateway.addr,
            Method::GET,
            "/api/v1/auth/me",
            Some(&polite.token),
            &[],
            None,
        )
        .await;

    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count(),
        3
    );
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get("ratelimit-remaining").is_some());
}

#[tokio::test]
async fn an_ip_over_the_limit_is_refused_and_other_ips_are_not() {
    let stack = Stack::new().await;
    let gateway = stack
        .gateway_with(&[
            ("GATEWAY_RATE_PER_IP_PER_SEC", "1".to_owned()),
            ("GATEWAY_RATE_PER_IP_BURST", "3".to_owned()),
            // The test client plays the load balancer that names the client.
            ("GATEWAY_TRUSTED_PROXIES", "127.0.0.1".to_owned()),
        ])
        .await;
    let from = |ip: &'static str| [("X-Forwarded-For", ip)];

    let mut limited = 0;
    for _ in 0..5 {
        let (status, headers, _) = stack
            .send(
                gateway.addr,
                Method::GET,
                "/api/v1/events",
                None,
                &from("192.0.2.1"),
                None,
            )
            .await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            assert!(headers.get("retry-after").is_some());
            limited += 1;
        }
    }
    let (other, _, _) = stack
        .send(
            gateway.addr,
            Method::GET,
            "/api/v1/events",
            None,
            &from("192.0.2.2"),
            None,
        )
        .await;

    assert_eq!(limited, 2);
    assert_eq!(other, StatusCode::OK);
}
