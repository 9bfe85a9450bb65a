//! Registering with a phone number, logging in and out, preferences, joining a
//! household with an invitation code, and issuing invitation codes.

use crate::error::unique_as;
use crate::sms::SmsSender;
use crate::{Actor, AppError, AppResult};
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use blake2::{Blake2s256, Digest};
use linli_domain::accounts::{InviteCode, Password, PersonName, Phone, Role, SmsCode};
use linli_store::accounts::{self as st, InvitationRow, MyHousehold, UserRow};
use linli_store::audit::{self, NewAudit};
use linli_store::clock::now_ms;
use linli_store::{Db, regions};
use rand::RngCore;

const MINUTE: i64 = 60_000;
/// How long a session lives without logging in again.
pub const SESSION_TTL_MS: i64 = 30 * 24 * 60 * MINUTE;
const SMS_TTL_MS: i64 = 10 * MINUTE;
const SMS_MAX_ATTEMPTS: i64 = 5;
/// Failed logins allowed per phone number, and per client address, in the window.
const LOGIN_MAX_PER_PHONE: i64 = 5;
const LOGIN_MAX_PER_IP: i64 = 30;
const LOGIN_WINDOW_MS: i64 = 15 * MINUTE;
const INVITE_TTL_MS: i64 = 30 * 24 * 60 * MINUTE;

/// Supported interface languages.
pub const LANGS: [&str; 2] = ["zh-CN", "en"];

/// What a registration form carries, still raw.
pub struct RegisterInput<'a> {
    pub phone: &'a str,
    pub sms_code: &'a str,
    pub password: &'a str,
    pub name: &'a str,
    pub invite_code: Option<&'a str>,
    pub lang: &'a str,
}

/// Hashes a password with argon2id and a random salt.
pub fn hash_password(p: &Password) -> AppResult<String> {
    Argon2::default()
        .hash_password(p.expose().as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("argon2: {e}")))
}

/// Argon2 takes ~19 MiB and a few milliseconds of CPU per call; at most this many run at
/// once, off the async workers, so a login flood cannot exhaust memory or starve pages.
static ARGON2_SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

async fn verify_password(stored: &str, typed: &str) -> bool {
    let Ok(_slot) = ARGON2_SLOTS.acquire().await else {
        return false;
    };
    let (stored, typed) = (stored.to_string(), typed.to_string());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored)
            .map(|h| {
                Argon2::default()
                    .verify_password(typed.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// The stored form of a session token: its BLAKE2s hash, so a copy of the database
/// does not hand out live sessions.
pub fn session_key(token: &str) -> String {
    hex(&Blake2s256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh random token (256 bits, hex).
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    hex(&b)
}

/// Sends a six-digit code to a phone for `purpose` ("register").
pub async fn request_sms_code(
    db: &Db,
    sms: &dyn SmsSender,
    phone: &str,
    lang: &str,
) -> AppResult<()> {
    let phone = Phone::parse(phone)?;
    if st::user_by_phone(db, phone.as_str()).await?.is_some() {
        return Err(AppError::Conflict("phone_taken"));
    }
    let now = now_ms();
    if st::count_sms_since(db, phone.as_str(), now - MINUTE).await? > 0 {
        return Err(AppError::TooMany("sms_too_soon"));
    }
    if st::count_sms_since(db, phone.as_str(), now - 60 * MINUTE).await? >= 5 {
        return Err(AppError::TooMany("sms_too_many"));
    }
    let code = SmsCode::generate();
    st::insert_sms_code(db, phone.as_str(), code.as_str(), "register", SMS_TTL_MS).await?;
    let text = if lang == "en" {
        format!(
            "[Linli] Your verification code is {}, valid for 10 minutes.",
            code.as_str()
        )
    } else {
        format!("【邻里】您的验证码是{}，10分钟内有效。", code.as_str())
    };
    sms.send(phone.as_str(), &text).await.map_err(|e| {
        tracing::error!(error = %e, "sms send failed");
        AppError::Internal("sms".into())
    })
}

/// Creates an account after checking the SMS code, optionally joining a household with
/// an invitation code, all in one transaction: either everything happens or nothing.
pub async fn register(db: &Db, input: RegisterInput<'_>) -> AppResult<i64> {
    let phone = Phone::parse(input.phone)?;
    let name = PersonName::parse(input.name)?;
    let password = Password::parse(input.password)?;
    let typed = SmsCode::parse(input.sms_code)?;
    let invite = match input.invite_code.map(str::trim).filter(|s| !s.is_empty()) {
        Some(c) => Some(check_invitation(db, c).await?),
        None => None,
    };
    let lang = if LANGS.contains(&input.lang) {
        input.lang
    } else {
        LANGS[0]
    };
    if st::user_by_phone(db, phone.as_str()).await?.is_some() {
        return Err(AppError::Conflict("phone_taken"));
    }
    let sent = st::latest_sms_code(db, phone.as_str(), "register")
        .await?
        .ok_or(AppError::Invalid("sms_code_wrong"))?;
    if !st::take_sms_attempt(db, sent.id, SMS_MAX_ATTEMPTS).await? {
        return Err(AppError::TooMany("sms_code_locked"));
    }
    if sent.code != typed.as_str() {
        return Err(AppError::Invalid("sms_code_wrong"));
    }
    let hash = hash_password(&password)?;

    let mut tx = db.begin().await?;
    if !st::consume_sms_code(&mut tx, sent.id).await? {
        return Err(AppError::Invalid("sms_code_wrong"));
    }
    let user_id = st::insert_user(&mut tx, phone.as_str(), name.as_str(), &hash, lang)
        .await
        .map_err(unique_as("phone_taken"))?;
    audit::record(
        &mut tx,
        NewAudit {
            actor_id: Some(user_id),
            action: "user.register",
            region_id: None,
            target: format!("user:{user_id}"),
            detail: phone.masked(),
        },
    )
    .await?;
    if let Some(code) = invite {
        join_in_tx(&mut tx, user_id, name.as_str(), phone.as_str(), &code).await?;
    }
    tx.commit().await?;
    Ok(user_id)
}

/// Parses an invitation code and checks it can still be used, for a clear message
/// before any write; the write itself re-checks under the transaction.
async fn check_invitation(db: &Db, raw: &str) -> AppResult<InviteCode> {
    let code = InviteCode::parse(raw)?;
    let inv = st::invitation(db, code.as_str())
        .await?
        .ok_or(AppError::Invalid("invite_unknown"))?;
    if inv.expires_at <= now_ms() {
        return Err(AppError::Invalid("invite_expired"));
    }
    if inv.uses >= inv.max_uses {
        return Err(AppError::Invalid("invite_used_up"));
    }
    Ok(code)
}

async fn join_in_tx(
    tx: &mut linli_store::Tx,
    user_id: i64,
    name: &str,
    phone: &str,
    code: &InviteCode,
) -> AppResult<()> {
    let (household_id, building_id) = st::use_invitation(tx, code.as_str())
        .await?
        .ok_or(AppError::Invalid("invite_used_up"))?;
    st::insert_resident_account(tx, household_id, building_id, name, phone, user_id)
        .await
        .map_err(unique_as("already_in_household"))?;
    st::ensure_grant(tx, user_id, building_id, Role::Resident.as_str(), None).await?;
    audit::record(
        tx,
        NewAudit {
            actor_id: Some(user_id),
            action: "household.join",
            region_id: Some(building_id),
            target: format!("household:{household_id}"),
            detail: format!("invite:{}", code.display()),
        },
    )
    .await?;
    Ok(())
}

/// Joins the household an invitation code belongs to.
pub async fn join_household(db: &Db, actor: &Actor, raw_code: &str) -> AppResult<MyHousehold> {
    let code = check_invitation(db, raw_code).await?;
    if st::household_of_user(db, actor.id()).await?.is_some() {
        return Err(AppError::Conflict("already_in_household"));
    }
    let mut tx = db.begin().await?;
    join_in_tx(
        &mut tx,
        actor.id(),
        &actor.user.display_name,
        &actor.user.phone,
        &code,
    )
    .await?;
    tx.commit().await?;
    st::household_of_user(db, actor.id())
        .await?
        .ok_or(AppError::Internal("joined household vanished".into()))
}

/// Logs in with phone and password; returns the new session token. Failed attempts
/// are counted per phone and per client address and refused past a limit.
pub async fn login(
    db: &Db,
    phone_raw: &str,
    password: &str,
    client: &str,
) -> AppResult<(String, UserRow)> {
    let phone = Phone::parse(phone_raw)?;
    let since = now_ms() - LOGIN_WINDOW_MS;
    let phone_key = format!("phone:{}", phone.as_str());
    let ip_key = format!("ip:{client}");
    if st::count_login_failures(db, &phone_key, since).await? >= LOGIN_MAX_PER_PHONE
        || st::count_login_failures(db, &ip_key, since).await? >= LOGIN_MAX_PER_IP
    {
        return Err(AppError::TooMany("login_throttled"));
    }
    // Count the attempt as failed first and take it back on success, so a burst of
    // parallel guesses cannot slip past the limit while the hashes are checked.
    let phone_attempt = st::record_login_failure(db, &phone_key).await?;
    let ip_attempt = st::record_login_failure(db, &ip_key).await?;
    let user = st::user_by_phone(db, phone.as_str()).await?;
    let ok = match &user {
        Some(u) => verify_password(&u.password_hash, password).await,
        None => false,
    };
    let Some(user) = user.filter(|_| ok) else {
        return Err(AppError::Unauthorized("login_failed"));
    };
    st::delete_login_failure(db, phone_attempt).await?;
    st::delete_login_failure(db, ip_attempt).await?;
    st::clear_login_failures(db, &phone_key).await?;
    let token = random_token();
    st::insert_session(db, &session_key(&token), user.id, now_ms() + SESSION_TTL_MS).await?;
    Ok((token, user))
}

pub async fn logout(db: &Db, token: &str) -> AppResult<()> {
    st::delete_session(db, &session_key(token)).await?;
    Ok(())
}

/// The user behind a session token, with their roles.
pub async fn actor_for_token(db: &Db, token: &str) -> AppResult<Option<Actor>> {
    let Some(user) = st::session_user(db, &session_key(token)).await? else {
        return Ok(None);
    };
    let grants = st::grants_of_user(db, user.id).await?;
    Ok(Some(Actor { user, grants }))
}

/// Saves the interface language and the elderly mode (长辈版) of an account.
pub async fn set_prefs(db: &Db, actor: &Actor, lang: &str, elderly: bool) -> AppResult<()> {
    if !LANGS.contains(&lang) {
        return Err(AppError::Invalid("unknown_lang"));
    }
    st::set_prefs(db, actor.id(), lang, elderly).await?;
    Ok(())
}

pub async fn my_household(db: &Db, actor: &Actor) -> AppResult<Option<MyHousehold>> {
    Ok(st::household_of_user(db, actor.id()).await?)
}

/// Issues an invitation code for a household. Building representatives, social
/// workers and officers of the building (or above) may do so.
pub async fn create_invitation(
    db: &Db,
    actor: &Actor,
    household_id: i64,
    max_uses: i64,
) -> AppResult<InvitationRow> {
    if !(1..=10).contains(&max_uses) {
        return Err(AppError::Invalid("invite_uses_range"));
    }
    let h = regions::get_household(db, household_id)
        .await?
        .ok_or(AppError::NotFound("household_not_found"))?;
    let building = regions::get(db, h.region_id)
        .await?
        .ok_or(AppError::NotFound("region_not_found"))?;
    if actor.role_over(&building.path, Role::invites).is_none() {
        return Err(AppError::Forbidden);
    }
    let mut tx = db.begin().await?;
    let code = InviteCode::generate();
    st::insert_invitation(
        &mut tx,
        code.as_str(),
        household_id,
        building.id,
        actor.id(),
        max_uses,
        now_ms() + INVITE_TTL_MS,
    )
    .await
    .map_err(unique_as("invite_collision"))?;
    audit::record(
        &mut tx,
        NewAudit {
            actor_id: Some(actor.id()),
            action: "invitation.create",
            region_id: Some(building.id),
            target: format!("household:{household_id}"),
            detail: code.display(),
        },
    )
    .await?;
    tx.commit().await?;
    st::invitation(db, code.as_str())
        .await?
        .ok_or(AppError::Internal("invitation vanished".into()))
}

/// An invitation, for its printable page; only those who may issue it see it.
pub async fn invitation(db: &Db, actor: &Actor, raw_code: &str) -> AppResult<InvitationRow> {
    let code = InviteCode::parse(raw_code)?;
    let inv = st::invitation(db, code.as_str())
        .await?
        .ok_or(AppError::NotFound("invite_unknown"))?;
    let building = regions::get(db, inv.region_id)
        .await?
        .ok_or(AppError::NotFound("region_not_found"))?;
    if actor.role_over(&building.path, Role::invites).is_none() {
        return Err(AppError::Forbidden);
    }
    Ok(inv)
}

/// Live invitations of a household, for those who may issue them.
pub async fn invitations_of_household(
    db: &Db,
    actor: &Actor,
    household_id: i64,
) -> AppResult<Vec<InvitationRow>> {
    let h = regions::get_household(db, household_id)
        .await?
        .ok_or(AppError::NotFound("household_not_found"))?;
    let building = regions::get(db, h.region_id)
        .await?
        .ok_or(AppError::NotFound("region_not_found"))?;
    if actor.role_over(&building.path, Role::invites).is_none() {
        return Err(AppError::Forbidden);
    }
    Ok(st::invitations_of_household(db, household_id).await?)
}
