//! Registering with a phone number, logging in and out, preferences, joining a
//! household with an invitation code, and issuing invitation codes.

use crate::error::unique_as;
use crate::sms::SmsSender;
use crate::{Actor, AppError, AppResult};
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use linli_domain::accounts::{InviteCode, Password, PersonName, Phone, Role, SmsCode, mask_phone};
use linli_domain::throttle::{Backoff, Rule};
use linli_store::accounts::{self as st, GrantRow, InvitationRow, MyHousehold, UserRow};
use linli_store::audit::{self, NewAudit};
use linli_store::clock::now_ms;
use linli_store::{Db, regions, throttle};

const MINUTE: i64 = 60_000;
/// How long a session lives without logging in again.
pub const SESSION_TTL_MS: i64 = 30 * 24 * 60 * MINUTE;
const SMS_TTL_MS: i64 = 10 * MINUTE;
const SMS_MAX_ATTEMPTS: i64 = 5;
/// What an SMS code proves: that the one asking holds the phone. It registers a new
/// number and logs in a registered one (which also lifts the slow-down on its password).
const SMS_PURPOSE: &str = "phone";
const INVITE_TTL_MS: i64 = 30 * 24 * 60 * MINUTE;

/// Password attempts per phone number: five at once, then each waits twice as long as
/// the one before (1 s, 2 s, 4 s … at most 15 minutes). The owner is slowed down, never
/// locked out: an SMS code logs them in and clears the count.
const LOGIN_PER_PHONE: Rule = slowed(5);
/// Login attempts per client address (behind a trusted proxy, the address it reports).
const LOGIN_PER_ADDRESS: Rule = slowed(30);
const SMS_PER_PHONE_MINUTE: Rule = Rule {
    window_ms: MINUTE,
    free: 1,
    backoff: Backoff::UntilWindowEnds,
};
const SMS_PER_PHONE_HOUR: Rule = hourly(5);

/// `free` attempts in 15 minutes at once, then doubling waits from 1 s up to 15 minutes.
const fn slowed(free: i64) -> Rule {
    Rule {
        window_ms: 15 * MINUTE,
        free,
        backoff: Backoff::Doubling {
            step_ms: 1_000,
            cap_ms: 15 * MINUTE,
        },
    }
}

/// `free` an hour, then none until the hour is over.
const fn hourly(free: i64) -> Rule {
    Rule {
        window_ms: 60 * MINUTE,
        free: if free > 0 { free } else { 0 },
        backoff: Backoff::UntilWindowEnds,
    }
}

/// Caps on what costs money, set by the deployment (`LINLI_SMS_PER_ADDRESS_HOUR`,
/// `LINLI_SMS_PER_HOUR`).
#[derive(Debug, Clone, Copy)]
pub struct SmsCaps {
    /// Codes one client address may ask for in an hour.
    pub per_address_hour: i64,
    /// Codes the whole platform sends in an hour.
    pub per_hour: i64,
}

impl Default for SmsCaps {
    fn default() -> Self {
        Self {
            per_address_hour: 10,
            per_hour: 500,
        }
    }
}

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

pub use crate::tokens::{random_token, session_key};

/// Sends a six-digit code to a phone. The answer is the same whether or not the number
/// is registered (only the text of the SMS differs: a registered number is told it can
/// log in with the code), so nobody learns who has an account here.
pub async fn request_sms_code(
    db: &Db,
    sms: &dyn SmsSender,
    phone: &str,
    lang: &str,
    client: &str,
    caps: SmsCaps,
) -> AppResult<()> {
    let phone = Phone::parse(phone)?;
    let now = now_ms();
    let (minute, hour) = (
        format!("sms-phone-minute:{}", phone.as_str()),
        format!("sms-phone-hour:{}", phone.as_str()),
    );
    let address = format!("sms-address:{client}");
    let buckets = [
        (minute.as_str(), SMS_PER_PHONE_MINUTE),
        (hour.as_str(), SMS_PER_PHONE_HOUR),
        (address.as_str(), hourly(caps.per_address_hour)),
        ("sms-all", hourly(caps.per_hour)),
    ];
    if let Err(at) = throttle::take(db, &buckets, now).await? {
        tracing::warn!(phone = %mask_phone(phone.as_str()), client, "sms code throttled");
        return Err(AppError::TooMany(if at - now <= MINUTE {
            "sms_too_soon"
        } else {
            "sms_too_many"
        }));
    }
    let registered = st::user_by_phone(db, phone.as_str()).await?.is_some();
    let code = SmsCode::generate();
    st::insert_sms_code(db, phone.as_str(), code.as_str(), SMS_PURPOSE, SMS_TTL_MS).await?;
    let c = code.as_str();
    let text = match (lang == "en", registered) {
        (true, false) => {
            format!("[Linli] Your verification code is {c}, valid for 10 minutes.")
        }
        (true, true) => format!(
            "[Linli] This number already has an account. Log in with code {c} (valid for 10 minutes)."
        ),
        (false, false) => format!("【邻里】您的验证码是{c}，10分钟内有效。"),
        (false, true) => {
            format!("【邻里】此号码已注册，可用验证码{c}直接登录，10分钟内有效。")
        }
    };
    let msg = crate::sms::SmsMessage {
        phone: phone.as_str(),
        code: c,
        registered,
        text: &text,
    };
    // The sender logged the provider's reason; the user is told to try again later.
    sms.send(&msg)
        .await
        .map_err(|_| AppError::Unavailable("sms_not_sent"))
}

/// Checks a typed SMS code against the newest live code of the phone (five tries per
/// code); returns the code's id, to be used up with `st::consume_sms_code` in the
/// transaction that acts on it.
async fn check_sms_code(db: &Db, phone: &Phone, typed: &SmsCode) -> AppResult<i64> {
    let sent = st::latest_sms_code(db, phone.as_str(), SMS_PURPOSE)
        .await?
        .ok_or(AppError::Invalid("sms_code_wrong"))?;
    if !st::take_sms_attempt(db, sent.id, SMS_MAX_ATTEMPTS).await? {
        return Err(AppError::TooMany("sms_code_locked"));
    }
    if sent.code != typed.as_str() {
        return Err(AppError::Invalid("sms_code_wrong"));
    }
    Ok(sent.id)
}

async fn use_sms_code(tx: &mut linli_store::Tx, id: i64) -> AppResult<()> {
    if !st::consume_sms_code(tx, id).await? {
        return Err(AppError::Invalid("sms_code_wrong"));
    }
    Ok(())
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
    // The code first: only someone holding the phone learns that it is registered.
    let code_id = check_sms_code(db, &phone, &typed).await?;
    if st::user_by_phone(db, phone.as_str()).await?.is_some() {
        return Err(AppError::Conflict("phone_taken"));
    }
    let hash = hash_password(&password)?;
    let mut tx = db.begin().await?;
    use_sms_code(&mut tx, code_id).await?;
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

/// A hash no password matches, checked when the number is unknown so that a login
/// takes as long for an unknown number as for a known one.
static UNKNOWN_USER_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let p = Password::parse(&random_token()).expect("a random token is a valid password");
    hash_password(&p).expect("argon2 hashes")
});

fn login_buckets(phone: &Phone, client: &str) -> (String, String) {
    (
        format!("login-phone:{}", phone.as_str()),
        format!("login-address:{client}"),
    )
}

/// Logs in with phone and password; returns the new session token. Attempts are
/// throttled per phone number and per client address, checked and recorded in one atomic
/// step before the password is verified, so simultaneous guesses are counted too.
pub async fn login(
    db: &Db,
    phone_raw: &str,
    password: &str,
    client: &str,
) -> AppResult<(String, UserRow)> {
    let phone = Phone::parse(phone_raw)?;
    let now = now_ms();
    let (phone_key, address_key) = login_buckets(&phone, client);
    let buckets = [
        (phone_key.as_str(), LOGIN_PER_PHONE),
        (address_key.as_str(), LOGIN_PER_ADDRESS),
    ];
    if throttle::take(db, &buckets, now).await?.is_err() {
        tracing::warn!(phone = %mask_phone(phone.as_str()), client, "login throttled");
        return Err(AppError::TooMany("login_throttled"));
    }
    let user = st::user_by_phone(db, phone.as_str()).await?;
    let stored = user
        .as_ref()
        .map_or(UNKNOWN_USER_HASH.as_str(), |u| u.password_hash.as_str());
    let ok = verify_password(stored, password).await && user.is_some();
    let Some(user) = user.filter(|_| ok) else {
        tracing::warn!(phone = %mask_phone(phone.as_str()), client, "login failed: wrong password or no account");
        return Err(AppError::Unauthorized("login_failed"));
    };
    start_session(db, user, &phone_key, &address_key).await
}

/// After a login proved who the user is: the number's slow-down is cleared, the
/// address's attempt is given back, and a new session begins.
async fn start_session(
    db: &Db,
    user: UserRow,
    phone_key: &str,
    address_key: &str,
) -> AppResult<(String, UserRow)> {
    throttle::clear(db, phone_key).await?;
    throttle::give_back(db, address_key, LOGIN_PER_ADDRESS, now_ms()).await?;
    let token = random_token();
    st::insert_session(db, &session_key(&token), user.id, now_ms() + SESSION_TTL_MS).await?;
    Ok((token, user))
}

/// Logs in with an SMS code instead of the password (no captcha, no lock-out): the code
/// proves the phone, so it also clears the slow-down on the number's password attempts.
pub async fn login_with_code(
    db: &Db,
    phone_raw: &str,
    code: &str,
    client: &str,
) -> AppResult<(String, UserRow)> {
    let phone = Phone::parse(phone_raw)?;
    let typed = SmsCode::parse(code)?;
    let (phone_key, address_key) = login_buckets(&phone, client);
    if throttle::take(db, &[(address_key.as_str(), LOGIN_PER_ADDRESS)], now_ms())
        .await?
        .is_err()
    {
        tracing::warn!(phone = %mask_phone(phone.as_str()), client, "login by code throttled");
        return Err(AppError::TooMany("login_throttled"));
    }
    let code_id = check_sms_code(db, &phone, &typed).await.inspect_err(|e| {
        tracing::warn!(phone = %mask_phone(phone.as_str()), client, code = e.code(), "login by code failed");
    })?;
    let user = st::user_by_phone(db, phone.as_str())
        .await?
        .ok_or(AppError::Unauthorized("login_failed"))?;
    let mut tx = db.begin().await?;
    use_sms_code(&mut tx, code_id).await?;
    tx.commit().await?;
    start_session(db, user, &phone_key, &address_key).await
}

pub async fn logout(db: &Db, token: &str) -> AppResult<()> {
    st::delete_session(db, &session_key(token)).await?;
    Ok(())
}

/// Ends every session of the caller's account (a lost phone, a shared computer).
pub async fn logout_everywhere(db: &Db, actor: &Actor) -> AppResult<u64> {
    let ended = st::delete_sessions_of_user(db, actor.id()).await?;
    audit::record_now(
        db,
        NewAudit {
            actor_id: Some(actor.id()),
            action: "user.logout_everywhere",
            region_id: None,
            target: format!("user:{}", actor.id()),
            detail: format!("{ended}"),
        },
    )
    .await?;
    Ok(ended)
}

/// The user behind a session token, with their roles.
pub async fn actor_for_token(db: &Db, token: &str) -> AppResult<Option<Actor>> {
    let Some(user) = st::session_user(db, &session_key(token)).await? else {
        return Ok(None);
    };
    let grants = st::grants_of_user(db, user.id).await?;
    Ok(Some(Actor { user, grants }))
}

/// The grants of recently seen users, each with the `grants_version` it was read at. A
/// request reads the version with its session (one statement) and reuses the grants only
/// while it is unchanged; triggers bump the version in the transaction of every grant,
/// revocation or change to a granted node, so a revoked role is never served, whichever
/// process made the change.
#[derive(Clone, Default)]
pub struct GrantsCache(std::sync::Arc<std::sync::Mutex<GrantsMap>>);

type GrantsMap = std::collections::HashMap<i64, (i64, std::sync::Arc<Vec<GrantRow>>)>;

impl GrantsCache {
    /// Users kept at most; past it the cache starts afresh (a reload is one query).
    const MAX_USERS: usize = 50_000;

    fn get(&self, user: i64, version: i64) -> Option<std::sync::Arc<Vec<GrantRow>>> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(&user)
            .filter(|(v, _)| *v == version)
            .map(|(_, g)| g.clone())
    }

    fn put(&self, user: i64, version: i64, grants: std::sync::Arc<Vec<GrantRow>>) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= Self::MAX_USERS {
            map.clear();
        }
        map.insert(user, (version, grants));
    }
}

/// The caller behind a session token and, if `with_unread`, their unread count: one
/// statement, plus one for the grants when they changed or were not cached.
pub async fn actor_for_session(
    db: &Db,
    cache: &GrantsCache,
    token: &str,
    with_unread: bool,
) -> AppResult<Option<(Actor, i64)>> {
    let Some(s) = st::check_session(db, &session_key(token), with_unread).await? else {
        return Ok(None);
    };
    let grants = match cache.get(s.user.id, s.grants_version) {
        Some(g) => g,
        None => {
            // Read after the version: if they changed in between, the next request sees
            // a newer version and reads them again.
            let g = std::sync::Arc::new(st::grants_of_user(db, s.user.id).await?);
            cache.put(s.user.id, s.grants_version, g.clone());
            g
        }
    };
    Ok(Some((
        Actor {
            user: s.user,
            grants: grants.as_ref().clone(),
        },
        s.unread,
    )))
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
/// Most slips one printed sheet carries (a building's households fit; a tower block of
/// more prints its sheets floor by floor, from the households' own pages).
pub const SLIPS_PER_SHEET: i64 = 300;

/// Gives every household of a building that nobody has joined, and that holds no live
/// invitation, a new code (`max_uses` each), in one transaction, for a printed sheet of
/// slips to slip under doors. Returns how many codes were made; asking again makes none
/// for the households that have one.
pub async fn invite_building(
    db: &Db,
    actor: &Actor,
    building_id: i64,
    max_uses: i64,
) -> AppResult<usize> {
    if !(1..=10).contains(&max_uses) {
        return Err(AppError::Invalid("invite_uses_range"));
    }
    let building = crate::regions::readable(db, actor, building_id).await?;
    if building.kind() != linli_domain::regions::RegionKind::Building {
        return Err(AppError::Invalid("not_a_building"));
    }
    if actor.role_over(&building.path, Role::invites).is_none() {
        return Err(AppError::Forbidden);
    }
    let mut tx = db.begin().await?;
    let now = now_ms();
    let households = st::households_needing_invitations(&mut tx, building.id, now).await?;
    for h in households.iter().take(SLIPS_PER_SHEET as usize) {
        let code = InviteCode::generate();
        st::insert_invitation(
            &mut tx,
            code.as_str(),
            *h,
            building.id,
            actor.id(),
            max_uses,
            now + INVITE_TTL_MS,
        )
        .await
        .map_err(unique_as("invite_collision"))?;
    }
    let made = households.len().min(SLIPS_PER_SHEET as usize);
    audit::record(
        &mut tx,
        NewAudit {
            actor_id: Some(actor.id()),
            action: "invitation.print",
            region_id: Some(building.id),
            target: format!("region:{}", building.id),
            detail: format!("{made} codes"),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(made)
}

/// The live invitations of a building's households, for its printed sheet of slips.
pub async fn building_slips(
    db: &Db,
    actor: &Actor,
    building_id: i64,
) -> AppResult<(linli_store::regions::RegionRow, Vec<InvitationRow>)> {
    let building = crate::regions::readable(db, actor, building_id).await?;
    if actor.role_over(&building.path, Role::invites).is_none() {
        return Err(AppError::Forbidden);
    }
    let slips =
        st::live_invitations_of_building(db, building.id, now_ms(), SLIPS_PER_SHEET).await?;
    Ok((building, slips))
}

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
