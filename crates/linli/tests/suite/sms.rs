//! Real SMS (issue 14, point 7): the provider is chosen by configuration (a `linli.toml`,
//! the environment beating it), the release-built server signs its request the way Aliyun
//! and Tencent Cloud check it, a fake endpoint here verifies the signature with the key
//! it was given and answers as the provider would; a refusal reaches the resident as
//! "the code could not be sent" and is counted on `/metrics`.

use linli_app::sms::signing;
use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SECRET: &str = "fake-provider-secret";

/// One request as the fake endpoint saw it.
#[derive(Clone, Debug)]
struct Seen {
    headers: HashMap<String, String>,
    body: String,
    /// Whether the signature matched the provider's secret.
    signed_right: bool,
}

/// A fake provider on a local port: checks each request's signature with `SECRET`,
/// records it, and answers like the provider (accepted, or refused for the signature).
async fn fake_provider(kind: &'static str) -> (u16, Arc<Mutex<Vec<Seen>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen: Arc<Mutex<Vec<Seen>>> = Default::default();
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            let log = log.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let head_end = loop {
                    let n = s.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                };
                let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                let headers: HashMap<String, String> = head
                    .lines()
                    .skip(1)
                    .filter_map(|l| l.split_once(':'))
                    .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string()))
                    .collect();
                let len: usize = headers
                    .get("content-length")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                while buf.len() < head_end + len {
                    let n = s.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                let body = String::from_utf8_lossy(&buf[head_end..]).to_string();
                let (signed_right, answer) = match kind {
                    "aliyun" => {
                        let fields = form_fields(&body);
                        let given = fields
                            .iter()
                            .find(|(k, _)| k == "Signature")
                            .map(|(_, v)| v.clone())
                            .unwrap_or_default();
                        let ok = signing::aliyun_sign("POST", &fields, SECRET) == given;
                        (
                            ok,
                            if ok {
                                r#"{"Code":"OK","Message":"OK","BizId":"9","RequestId":"r"}"#
                            } else {
                                r#"{"Code":"SignatureDoesNotMatch","Message":"Specified signature is not matched with our calculation.","RequestId":"r"}"#
                            },
                        )
                    }
                    _ => {
                        let ts: i64 = headers["x-tc-timestamp"].parse().unwrap();
                        let expected = signing::tencent_authorization(
                            "AKIDfake",
                            SECRET,
                            &headers["host"],
                            "sms",
                            &body,
                            ts,
                        );
                        let ok = headers.get("authorization") == Some(&expected);
                        (
                            ok,
                            if ok {
                                r#"{"Response":{"SendStatusSet":[{"Code":"Ok","Message":"send success"}],"RequestId":"r"}}"#
                            } else {
                                r#"{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"The provided credentials could not be validated."},"RequestId":"r"}}"#
                            },
                        )
                    }
                };
                log.lock().unwrap().push(Seen {
                    headers,
                    body,
                    signed_right,
                });
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                    answer.len()
                );
                let _ = s.write_all(reply.as_bytes()).await;
            });
        }
    });
    (port, seen)
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(if b[i] == b'+' { b' ' } else { b[i] });
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn form_fields(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

fn field(fields: &[(String, String)], k: &str) -> String {
    fields
        .iter()
        .find(|(f, _)| f == k)
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("no field {k}"))
}

fn scratch(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("linli-sms-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn linli(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_linli"));
    c.current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("LINLI_DATA")
        .env_remove("LINLI_CONFIG")
        .env("LINLI_LOG", "warn");
    for (k, _) in std::env::vars() {
        if k.starts_with("LINLI_SMS") {
            c.env_remove(k);
        }
    }
    c
}

/// The configuration file a street office would write for `kind`.
fn write_config(dir: &Path, kind: &str, port: u16) -> std::path::PathBuf {
    let extra = if kind == "tencent" {
        "app_id = \"1400123456\"\nregion = \"ap-guangzhou\"\n"
    } else {
        ""
    };
    let key_id = if kind == "tencent" {
        "AKIDfake"
    } else {
        "LTAIfake"
    };
    let toml = format!(
        "# Linli settings\ndata = \"data\"\nnow = \"2027-02-28 19:30\"\n\n[sms]\nprovider = \"{kind}\"\n\
         key_id = \"{key_id}\"\nkey_secret = \"{SECRET}\"\nsign_name = \"邻里\"\n\
         template = \"T_NEW\"\ntemplate_registered = \"T_KNOWN\"\n{extra}\
         endpoint = \"http://127.0.0.1:{port}/\"\n"
    );
    let path = dir.join("linli.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

struct Server {
    child: Child,
    addr: std::net::SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn serve(dir: &Path, config: &Path, env: &[(&str, &str)]) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cmd = linli(dir);
    cmd.args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("LINLI_CONFIG", config)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().unwrap();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    for _ in 0..300 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            return Server { child, addr };
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("linli serve did not start");
}

/// One provider, end to end: the request is signed right, names the template, sign name
/// and number, carries the code the resident then registers with, at the app's time; with
/// a wrong secret (from the environment, which beats the file) the provider refuses, the
/// register page says the code was not sent, and `/metrics` counts the failure.
async fn provider_round_trip(kind: &'static str) {
    let dir = scratch(kind);
    let (port, seen) = fake_provider(kind).await;
    let config = write_config(&dir, kind, port);
    {
        let server = serve(&dir, &config, &[]).await;
        let mut c = linli_testkit::Client::new(server.addr);
        let r = c
            .json(
                "POST",
                "/api/v1/sms-codes",
                serde_json::json!({"phone": "13912345678"}),
            )
            .await;
        assert_eq!(r.status, 202, "{}", r.body);
        let got = seen
            .lock()
            .unwrap()
            .last()
            .cloned()
            .expect("the provider was called");
        assert!(
            got.signed_right,
            "{kind}: the signature checks with the secret"
        );
        let code = match kind {
            "aliyun" => {
                let f = form_fields(&got.body);
                assert_eq!(field(&f, "Action"), "SendSms");
                assert_eq!(field(&f, "PhoneNumbers"), "13912345678");
                assert_eq!(field(&f, "SignName"), "邻里");
                assert_eq!(field(&f, "TemplateCode"), "T_NEW");
                assert_eq!(field(&f, "AccessKeyId"), "LTAIfake");
                // 2027-02-28 19:30 in Asia/Shanghai is 11:30 UTC: the app's clock, not the machine's.
                assert!(
                    field(&f, "Timestamp").starts_with("2027-02-28T11:3"),
                    "{}",
                    field(&f, "Timestamp")
                );
                let p: serde_json::Value =
                    serde_json::from_str(&field(&f, "TemplateParam")).unwrap();
                p["code"].as_str().unwrap().to_string()
            }
            _ => {
                assert_eq!(got.headers["x-tc-action"], "SendSms");
                assert_eq!(got.headers["x-tc-region"], "ap-guangzhou");
                let ts: i64 = got.headers["x-tc-timestamp"].parse().unwrap();
                let at = chrono::DateTime::parse_from_rfc3339("2027-02-28T11:30:00Z")
                    .unwrap()
                    .timestamp();
                assert!(
                    (at..at + 600).contains(&ts),
                    "timestamp {ts} is the app's time"
                );
                let b: serde_json::Value = serde_json::from_str(&got.body).unwrap();
                assert_eq!(b["PhoneNumberSet"][0], "+8613912345678");
                assert_eq!(b["SmsSdkAppId"], "1400123456");
                assert_eq!(b["SignName"], "邻里");
                assert_eq!(b["TemplateId"], "T_NEW");
                b["TemplateParamSet"][0].as_str().unwrap().to_string()
            }
        };
        assert_eq!(code.len(), 6, "a six-digit code: {code}");
        // The code that went out is the one that registers.
        let r = c
            .json(
                "POST",
                "/api/v1/users",
                serde_json::json!({"phone": "13912345678", "code": code, "name": "陈阿姨", "password": "lao-chen-2027"}),
            )
            .await;
        assert_eq!(r.status, 201, "registered with the code sent: {}", r.body);
        let r = c
            .json(
                "POST",
                "/api/v1/sms-codes",
                serde_json::json!({"phone": "13912345678"}),
            )
            .await;
        // Within the minute the same number is slowed down; that is the throttle, not the provider.
        assert_eq!(r.status, 429, "{}", r.body);
        let m = c.get("/metrics").await.body;
        assert!(m.contains("linli_sms_sent_total 1\n"), "{m}");
        assert!(m.contains("linli_sms_failed_total 0\n"), "{m}");
        assert!(m.contains("linli_throttled_total 1\n"), "{m}");
    }
    // A wrong secret in the environment beats the file: the provider refuses.
    // (An hour on: the restarted server's clock starts again from its `now`, and the
    // throttles of the first run must not see time go backwards.)
    let server = serve(
        &dir,
        &config,
        &[
            ("LINLI_SMS_KEY_SECRET", "wrong-secret"),
            ("LINLI_NOW", "2027-02-28 20:30"),
        ],
    )
    .await;
    let mut c = linli_testkit::Client::new(server.addr);
    c.get("/register").await;
    let before = seen.lock().unwrap().len();
    let r = c
        .post_form("/register/code", &[("phone", "13700001111")])
        .await;
    assert_eq!(r.status, 503, "{}", r.body);
    assert!(
        r.body.contains("验证码没有发出"),
        "the page says why: {}",
        r.body
    );
    let got = seen.lock().unwrap()[before..].to_vec();
    assert_eq!(got.len(), 1);
    assert!(!got[0].signed_right, "signed with the wrong secret");
    let m = c.get("/metrics").await.body;
    assert!(m.contains("linli_sms_failed_total 1\n"), "{m}");
    assert!(m.contains("linli_sms_sent_total 0\n"), "{m}");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aliyun_is_chosen_by_configuration_and_signs_as_aliyun_checks() {
    provider_round_trip("aliyun").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tencent_is_chosen_by_configuration_and_signs_as_tencent_checks() {
    provider_round_trip("tencent").await;
}

/// `linli config` prints what is in force and where it comes from, the secret masked; an
/// unknown key and a provider without its keys are refused, by `config` and by `serve`.
#[test]
fn linli_config_shows_sources_masks_secrets_and_refuses_bad_settings() {
    let dir = scratch("config");
    let config = write_config(&dir, "aliyun", 9);
    let out = linli(&dir)
        .args(["config", "--listen", "0.0.0.0:9000"])
        .env("LINLI_CONFIG", &config)
        .env("LINLI_SECURE_COOKIES", "yes")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = |key: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{key} ")))
            .unwrap_or_else(|| panic!("no {key} in {text}"))
            .to_string()
    };
    assert!(line("listen").contains("0.0.0.0:9000") && line("listen").contains("(flag)"));
    assert!(line("secure_cookies").contains("environment LINLI_SECURE_COOKIES"));
    assert!(
        line("sms.provider").contains("aliyun")
            && line("sms.provider").contains("configuration file")
    );
    assert!(line("sms.key_secret").contains("********"));
    assert!(
        !text.contains(SECRET),
        "the secret is never printed: {text}"
    );
    assert!(line("sms.key_id").contains("LTAI****"));
    assert!(line("sms.per_hour").contains("500") && line("sms.per_hour").contains("(default)"));
    assert!(text.contains("settings are valid"));

    // A typo in the file is an error naming it, not a silent default.
    std::fs::write(&config, "[sms]\nprovder = \"aliyun\"\n").unwrap();
    let out = linli(&dir)
        .arg("config")
        .env("LINLI_CONFIG", &config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown setting \"sms.provder\""));

    // A provider without its keys does not start.
    std::fs::write(
        &config,
        "[sms]\nprovider = \"tencent\"\nkey_id = \"AKIDfake\"\n",
    )
    .unwrap();
    for args in [&["config"][..], &["serve", "--listen", "127.0.0.1:0"][..]] {
        let out = linli(&dir)
            .args(args)
            .env("LINLI_CONFIG", &config)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("sms.key_secret") && err.contains("sms.template"),
            "{err}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
