//! Tencent Cloud SMS (腾讯云短信, `SendSms`, API version 2021-01-11), signed with TC3-HMAC-SHA256:
//! a canonical request (method, path, query, the `content-type` and `host` headers, the
//! SHA-256 of the body), a string to sign naming the date and service, and a key derived
//! from the SecretKey through the date, the service and `tc3_request`.

use super::aliyun::short;
use super::http::{self, Endpoint};
use super::{ProviderConfig, SendFuture, SmsMessage, SmsSender};
use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};

pub const DEFAULT_ENDPOINT: &str = "https://sms.tencentcloudapi.com/";
const CONTENT_TYPE: &str = "application/json; charset=utf-8";

pub struct Tencent {
    endpoint: Endpoint,
    key_id: String,
    key_secret: String,
    sign_name: String,
    template: String,
    template_registered: String,
    app_id: String,
    region: String,
}

impl Tencent {
    pub fn new(c: &ProviderConfig) -> Result<Self, String> {
        Ok(Self {
            endpoint: Endpoint::parse(c.endpoint.as_deref().unwrap_or(DEFAULT_ENDPOINT))?,
            key_id: c.key_id.clone(),
            key_secret: c.key_secret.clone(),
            sign_name: c.sign_name.clone(),
            template: c.template.clone(),
            template_registered: c.template_for_registered().to_string(),
            app_id: c.app_id.clone(),
            region: if c.region.is_empty() {
                "ap-guangzhou".into()
            } else {
                c.region.clone()
            },
        })
    }

    /// The JSON body of one `SendSms` request.
    pub fn payload(&self, msg: &SmsMessage<'_>) -> String {
        let template = if msg.registered {
            &self.template_registered
        } else {
            &self.template
        };
        serde_json::json!({
            "PhoneNumberSet": [format!("+86{}", msg.phone)],
            "SmsSdkAppId": self.app_id,
            "SignName": self.sign_name,
            "TemplateId": template,
            "TemplateParamSet": [msg.code],
        })
        .to_string()
    }
}

fn hmac256(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac =
        hmac::Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn sha256_hex(data: &str) -> String {
    crate::tokens::hex(&Sha256::digest(data.as_bytes()))
}

/// The `Authorization` header of a POST of `payload` (JSON) to `host` for `service`, at
/// `timestamp` (epoch seconds).
pub fn authorization(
    key_id: &str,
    key_secret: &str,
    host: &str,
    service: &str,
    payload: &str,
    timestamp: i64,
) -> String {
    let date = chrono::DateTime::from_timestamp(timestamp, 0)
        .unwrap_or_default()
        .format("%Y-%m-%d")
        .to_string();
    let canonical = format!(
        "POST\n/\n\ncontent-type:{CONTENT_TYPE}\nhost:{host}\n\ncontent-type;host\n{}",
        sha256_hex(payload)
    );
    let scope = format!("{date}/{service}/tc3_request");
    let to_sign = format!(
        "TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{}",
        sha256_hex(&canonical)
    );
    let key = hmac256(format!("TC3{key_secret}").as_bytes(), &date);
    let key = hmac256(&key, service);
    let key = hmac256(&key, "tc3_request");
    let signature = crate::tokens::hex(&hmac256(&key, &to_sign));
    format!(
        "TC3-HMAC-SHA256 Credential={key_id}/{scope}, SignedHeaders=content-type;host, Signature={signature}"
    )
}

/// Reads Tencent's answer: `Response.Error` is a refusal of the request, and each
/// number has its own `SendStatusSet` entry whose `Code` is `Ok` when sent.
pub fn outcome(status: u16, body: &str) -> Result<(), String> {
    let v: serde_json::Value = serde_json::from_str(body)
        .map_err(|_| format!("tencent: HTTP {status}, not JSON: {}", short(body)))?;
    let r = &v["Response"];
    if let Some(code) = r["Error"]["Code"].as_str() {
        return Err(format!(
            "tencent: {code}: {}",
            r["Error"]["Message"].as_str().unwrap_or("")
        ));
    }
    match r["SendStatusSet"][0]["Code"].as_str() {
        Some("Ok") => Ok(()),
        Some(code) => Err(format!(
            "tencent: {code}: {}",
            r["SendStatusSet"][0]["Message"].as_str().unwrap_or("")
        )),
        None => Err(format!("tencent: HTTP {status}: {}", short(body))),
    }
}

impl SmsSender for Tencent {
    fn send<'a>(&'a self, msg: &'a SmsMessage<'a>) -> SendFuture<'a> {
        Box::pin(async move {
            let timestamp = linli_store::clock::now_ms().div_euclid(1000);
            let payload = self.payload(msg);
            let auth = authorization(
                &self.key_id,
                &self.key_secret,
                &self.endpoint.authority(),
                "sms",
                &payload,
                timestamp,
            );
            let answer = http::post(
                &self.endpoint,
                &[
                    ("content-type", CONTENT_TYPE.to_string()),
                    ("authorization", auth),
                    ("x-tc-action", "SendSms".to_string()),
                    ("x-tc-version", "2021-01-11".to_string()),
                    ("x-tc-region", self.region.clone()),
                    ("x-tc-timestamp", timestamp.to_string()),
                ],
                payload.into_bytes(),
            )
            .await?;
            outcome(answer.status, &answer.body)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of Tencent Cloud's "signature v3" page (CVM DescribeInstances, POST
    /// with `content-type;host` signed).
    #[test]
    fn the_documented_example_signs_the_same() {
        let auth = authorization(
            "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
            "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
            "cvm.tencentcloudapi.com",
            "cvm",
            r#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#,
            1551113065,
        );
        assert_eq!(
            auth,
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, \
             SignedHeaders=content-type;host, \
             Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
        );
    }

    #[test]
    fn answers_are_read() {
        assert!(outcome(200, r#"{"Response":{"SendStatusSet":[{"Code":"Ok","Message":"send success"}],"RequestId":"x"}}"#).is_ok());
        let e = outcome(200, r#"{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"签名错误"},"RequestId":"x"}}"#).unwrap_err();
        assert!(e.contains("AuthFailure.SignatureFailure"), "{e}");
        let e = outcome(200, r#"{"Response":{"SendStatusSet":[{"Code":"LimitExceeded.PhoneNumberDailyLimit","Message":"日限"}]}}"#).unwrap_err();
        assert!(e.contains("PhoneNumberDailyLimit"), "{e}");
    }
}
