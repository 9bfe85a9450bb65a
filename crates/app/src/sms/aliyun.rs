//! Aliyun SMS (阿里云短信服务, dysmsapi `SendSms`, API version 2017-05-25), signed with
//! Alibaba Cloud's RPC signature: the sorted, RFC 3986-encoded parameters, HMAC-SHA1 with
//! the AccessKey secret and `&`, in base64.

use super::http::{self, Endpoint, percent_encode};
use super::{ProviderConfig, SendFuture, SmsMessage, SmsSender};
use base64::Engine;
use hmac::{KeyInit, Mac};

pub const DEFAULT_ENDPOINT: &str = "https://dysmsapi.aliyuncs.com/";

pub struct Aliyun {
    endpoint: Endpoint,
    key_id: String,
    key_secret: String,
    sign_name: String,
    template: String,
    template_registered: String,
}

impl Aliyun {
    pub fn new(c: &ProviderConfig) -> Result<Self, String> {
        Ok(Self {
            endpoint: Endpoint::parse(c.endpoint.as_deref().unwrap_or(DEFAULT_ENDPOINT))?,
            key_id: c.key_id.clone(),
            key_secret: c.key_secret.clone(),
            sign_name: c.sign_name.clone(),
            template: c.template.clone(),
            template_registered: c.template_for_registered().to_string(),
        })
    }

    /// The form fields of one `SendSms` request, signed (`Signature` included).
    pub fn fields(
        &self,
        msg: &SmsMessage<'_>,
        timestamp: &str,
        nonce: &str,
    ) -> Vec<(String, String)> {
        let template = if msg.registered {
            &self.template_registered
        } else {
            &self.template
        };
        let mut fields: Vec<(String, String)> = [
            ("AccessKeyId", self.key_id.as_str()),
            ("Action", "SendSms"),
            ("Format", "JSON"),
            ("PhoneNumbers", msg.phone),
            ("RegionId", "cn-hangzhou"),
            ("SignName", self.sign_name.as_str()),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", nonce),
            ("SignatureVersion", "1.0"),
            ("TemplateCode", template.as_str()),
            ("Timestamp", timestamp),
            ("Version", "2017-05-25"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        fields.push((
            "TemplateParam".into(),
            serde_json::json!({ "code": msg.code }).to_string(),
        ));
        let signature = sign("POST", &fields, &self.key_secret);
        fields.push(("Signature".into(), signature));
        fields
    }
}

/// The RPC signature of `fields` (without `Signature`) for an HTTP `method`.
pub fn sign(method: &str, fields: &[(String, String)], secret: &str) -> String {
    let mut sorted: Vec<&(String, String)> =
        fields.iter().filter(|(k, _)| k != "Signature").collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let query = sorted
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let to_sign = format!(
        "{method}&{}&{}",
        percent_encode("/"),
        percent_encode(&query)
    );
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(format!("{secret}&").as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Reads Aliyun's answer: `{"Code":"OK",…}` is sent; any other code is the reason.
pub fn outcome(status: u16, body: &str) -> Result<(), String> {
    let v: serde_json::Value = serde_json::from_str(body)
        .map_err(|_| format!("aliyun: HTTP {status}, not JSON: {}", short(body)))?;
    match v["Code"].as_str() {
        Some("OK") => Ok(()),
        Some(code) => Err(format!(
            "aliyun: {code}: {}",
            v["Message"].as_str().unwrap_or("")
        )),
        None => Err(format!("aliyun: HTTP {status}: {}", short(body))),
    }
}

pub(super) fn short(s: &str) -> String {
    s.chars().take(200).collect()
}

impl SmsSender for Aliyun {
    fn send<'a>(&'a self, msg: &'a SmsMessage<'a>) -> SendFuture<'a> {
        Box::pin(async move {
            let now = chrono::DateTime::from_timestamp_millis(linli_store::clock::now_ms())
                .unwrap_or_default();
            let timestamp = now.format("%Y-%m-%dT%H:%M:%SZ").to_string();
            let nonce = crate::tokens::random_token();
            let form = self
                .fields(msg, &timestamp, &nonce)
                .iter()
                .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
                .collect::<Vec<_>>()
                .join("&");
            let answer = http::post(
                &self.endpoint,
                &[(
                    "content-type",
                    "application/x-www-form-urlencoded".to_string(),
                )],
                form.into_bytes(),
            )
            .await?;
            outcome(answer.status, &answer.body)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of Alibaba Cloud's "signature method" page (ECS DescribeRegions,
    /// AccessKey `testid` / `testsecret`).
    #[test]
    fn the_documented_example_signs_the_same() {
        let fields: Vec<(String, String)> = [
            ("Timestamp", "2016-02-23T12:46:24Z"),
            ("Format", "XML"),
            ("AccessKeyId", "testid"),
            ("Action", "DescribeRegions"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("Version", "2014-05-26"),
            ("SignatureVersion", "1.0"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(
            sign("GET", &fields, "testsecret"),
            "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
        );
    }

    #[test]
    fn answers_are_read() {
        assert!(outcome(200, r#"{"Code":"OK","Message":"OK","BizId":"1"}"#).is_ok());
        let e = outcome(
            200,
            r#"{"Code":"isv.BUSINESS_LIMIT_CONTROL","Message":"触发流控"}"#,
        )
        .unwrap_err();
        assert!(
            e.contains("isv.BUSINESS_LIMIT_CONTROL") && e.contains("触发流控"),
            "{e}"
        );
        assert!(
            outcome(502, "<html>bad gateway</html>")
                .unwrap_err()
                .contains("502")
        );
    }
}
