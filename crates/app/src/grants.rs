//! Micro-grants (小额资金): an organization applies to a fund with a purpose and budget
//! lines; the fund's committee comments and votes; once enough members approve (per the
//! fund's spending rules, or a majority of the committee) the fund's bookkeeper
//! disburses — one transaction posts to both ledgers; the applicant reports actual
//! spending with receipts; closing returns the unused part. Every step is on the
//! grant's timeline and in the audit log.

use crate::money::{
    self as money, Posting, VoucherInput, attach_voucher, ensure_ledger, keeps_books,
};
use crate::{Actor, AppError, AppResult, Page};
use linli_domain::DomainError;
use linli_domain::accounts::bounded_text;
use linli_domain::money::GrantStatus;
use linli_domain::money::{self as m, AccountKind, Fen};
use linli_domain::organizations::{MemberRole, OrgKind};
use linli_store::audit::{self, NewAudit};
use linli_store::grants::{self as st, EventRow, GrantRow, LineRow, RuleRow};
use linli_store::organizations::{self as orgs, OrgRow};
use linli_store::{Db, Tx};

/// Funds that give micro-grants: foundations and the mutual-aid association.
fn is_fund(org: &OrgRow) -> bool {
    matches!(
        OrgKind::parse(&org.kind),
        Ok(OrgKind::Foundation | OrgKind::MutualAid)
    )
}

async fn role_in(db: &Db, actor: &Actor, org_id: i64) -> AppResult<Option<MemberRole>> {
    Ok(orgs::member_role(db, org_id, actor.id())
        .await?
        .and_then(|r| MemberRole::parse(&r).ok()))
}

/// Votes needed for `amount`: the smallest rule covering it, else a majority of the
/// committee. None when the amount is above every rule's limit.
fn needed(rules: &[RuleRow], committee: i64, amount: i64) -> Option<i64> {
    if rules.is_empty() {
        return Some(committee / 2 + 1);
    }
    rules
        .iter()
        .filter(|r| r.max_amount >= amount)
        .map(|r| r.approvals)
        .next()
}

/// What an application carries, still raw.
pub struct Application<'a> {
    pub applicant_org_id: i64,
    pub title: &'a str,
    pub purpose: &'a str,
    /// (item, amount) budget lines.
    pub lines: Vec<(String, Fen)>,
}

pub async fn apply(
    db: &Db,
    actor: &Actor,
    fund_org_id: i64,
    a: Application<'_>,
) -> AppResult<GrantRow> {
    let fund = crate::organizations::get(db, actor, fund_org_id).await?;
    if !is_fund(&fund) {
        return Err(AppError::Invalid("not_a_fund"));
    }
    let applicant = crate::organizations::get(db, actor, a.applicant_org_id).await?;
    if applicant.id == fund.id {
        return Err(AppError::Invalid("not_a_fund"));
    }
    if !role_in(db, actor, applicant.id)
        .await?
        .is_some_and(MemberRole::manages)
    {
        return Err(AppError::Forbidden);
    }
    let title = bounded_text(a.title, 80, DomainError::InvalidName)?;
    let purpose = bounded_text(a.purpose, 2000, DomainError::InvalidName)
        .map_err(|_| AppError::Invalid("purpose_required"))?;
    if a.lines.is_empty() || a.lines.len() > 20 {
        return Err(AppError::Invalid("budget_lines"));
    }
    let mut lines = Vec::with_capacity(a.lines.len());
    for (item, amount) in &a.lines {
        lines.push((
            bounded_text(item, 100, DomainError::InvalidName)
                .map_err(|_| AppError::Invalid("budget_lines"))?,
            amount.0,
        ));
    }
    let total: i64 = lines.iter().map(|(_, a)| a).sum();
    Fen::positive(total)?;
    let rules = st::rules(db, fund.id).await?;
    let committee = st::committee(db, fund.id).await?.len() as i64;
    if needed(&rules, committee, total).is_none() {
        return Err(AppError::Invalid("over_fund_limit"));
    }
    let mut tx = db.begin().await?;
    let id = st::insert(
        &mut tx,
        st::NewGrant {
            fund_org_id: fund.id,
            applicant_org_id: applicant.id,
            region_id: fund.region_id,
            title: &title,
            purpose: &purpose,
            lines: &lines,
            created_by: actor.id(),
        },
    )
    .await?;
    st::insert_event(&mut tx, id, actor.id(), "applied", &title, total, None).await?;
    record(
        &mut tx,
        actor,
        &fund,
        id,
        "grant.apply",
        &m::display_fen(total),
    )
    .await?;
    tx.commit().await?;
    get_row(db, id).await
}

async fn record(
    tx: &mut Tx,
    actor: &Actor,
    fund: &OrgRow,
    id: i64,
    action: &'static str,
    detail: &str,
) -> AppResult<()> {
    audit::record(
        tx,
        NewAudit {
            actor_id: Some(actor.id()),
            action,
            region_id: Some(fund.region_id),
            target: format!("grant:{id}"),
            detail: detail.into(),
        },
    )
    .await?;
    Ok(())
}

async fn get_row(db: &Db, id: i64) -> AppResult<GrantRow> {
    st::get(db, id)
        .await?
        .ok_or(AppError::NotFound("microgrant_not_found"))
}

/// Everything the grant's page shows.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct GrantView {
    pub grant: GrantRow,
    pub lines: Vec<LineRow>,
    pub events: Vec<EventRow>,
    pub yes: i64,
    pub no: i64,
    pub committee: i64,
    /// Approvals this grant needs.
    pub needed: i64,
    pub my_vote: Option<String>,
    pub can_vote: bool,
    pub can_comment: bool,
    pub can_disburse: bool,
    pub can_report: bool,
}

/// A grant, for anyone who reads both the fund and the applicant.
pub async fn view(db: &Db, actor: &Actor, id: i64) -> AppResult<GrantView> {
    let g = get_row(db, id).await?;
    let fund = crate::organizations::get(db, actor, g.fund_org_id).await?;
    crate::organizations::get(db, actor, g.applicant_org_id).await?;
    let votes = st::votes(db, g.id).await?;
    let (yes, no) = (
        votes.iter().filter(|(_, v)| v == "yes").count() as i64,
        votes.iter().filter(|(_, v)| v == "no").count() as i64,
    );
    let committee = st::committee(db, fund.id).await?.len() as i64;
    let rules = st::rules(db, fund.id).await?;
    let my_vote = votes
        .iter()
        .find(|(u, _)| *u == actor.id())
        .map(|(_, v)| v.clone());
    let on_committee = role_in(db, actor, fund.id)
        .await?
        .is_some_and(MemberRole::on_committee);
    let in_applicant = role_in(db, actor, g.applicant_org_id).await?.is_some();
    let leads_applicant = role_in(db, actor, g.applicant_org_id)
        .await?
        .is_some_and(MemberRole::manages);
    let applicant = crate::organizations::get(db, actor, g.applicant_org_id).await?;
    Ok(GrantView {
        lines: st::lines(db, g.id).await?,
        events: st::events(db, g.id).await?,
        yes,
        no,
        committee,
        needed: needed(&rules, committee, g.amount).unwrap_or(committee),
        can_vote: on_committee
            && !in_applicant
            && my_vote.is_none()
            && g.status == GrantStatus::Applied
            && g.created_by != actor.id(),
        my_vote,
        can_comment: on_committee || leads_applicant,
        can_disburse: g.status == GrantStatus::Approved && keeps_books(db, actor, &fund).await?,
        can_report: g.status == GrantStatus::Disbursed
            && keeps_books(db, actor, &applicant).await?,
        grant: g,
    })
}

/// Grants given or received by an organization.
pub async fn list(
    db: &Db,
    actor: &Actor,
    org_id: i64,
    page: Page,
) -> AppResult<(OrgRow, Vec<GrantRow>, Vec<RuleRow>)> {
    let org = crate::organizations::get(db, actor, org_id).await?;
    let rows = st::list_for_org(db, org.id, page.size, page.offset()).await?;
    let rules = st::rules(db, org.id).await?;
    Ok((org, rows, rules))
}

/// Organizations the actor may apply for (those they lead), for the application form.
pub async fn applicants(db: &Db, actor: &Actor) -> AppResult<Vec<OrgRow>> {
    Ok(orgs::of_user(db, actor.id())
        .await?
        .into_iter()
        .filter(|(_, r)| MemberRole::parse(r).is_ok_and(MemberRole::manages))
        .map(|(o, _)| o)
        .collect())
}

/// A comment on the timeline, by a committee member or the applicant's leaders.
pub async fn comment(db: &Db, actor: &Actor, id: i64, body: &str) -> AppResult<()> {
    let v = view(db, actor, id).await?;
    if !v.can_comment {
        return Err(AppError::Forbidden);
    }
    let body = bounded_text(body, 1000, DomainError::InvalidName)
        .map_err(|_| AppError::Invalid("comment_required"))?;
    let mut tx = db.begin().await?;
    st::insert_event(&mut tx, id, actor.id(), "comment", &body, 0, None).await?;
    tx.commit().await?;
    Ok(())
}

/// A committee member's vote, once; the grant is approved as soon as enough members
/// approve, and rejected as soon as approval has become impossible.
pub async fn vote(
    db: &Db,
    actor: &Actor,
    id: i64,
    approve: bool,
    reason: &str,
) -> AppResult<GrantRow> {
    let g = get_row(db, id).await?;
    let fund = crate::organizations::get(db, actor, g.fund_org_id).await?;
    if !role_in(db, actor, fund.id)
        .await?
        .is_some_and(MemberRole::on_committee)
    {
        return Err(AppError::Forbidden);
    }
    // Nobody decides on their own organization's application.
    if g.created_by == actor.id() || role_in(db, actor, g.applicant_org_id).await?.is_some() {
        return Err(AppError::Invalid("own_application"));
    }
    let reason = reason.trim();
    if reason.chars().count() > 500 {
        return Err(AppError::Invalid("field_too_long"));
    }
    let committee = st::committee(db, fund.id).await?.len() as i64;
    let rules = st::rules(db, fund.id).await?;
    let needed = needed(&rules, committee, g.amount).unwrap_or(committee + 1);
    let mut tx = db.begin().await?;
    let locked = st::lock(&mut tx, id).await?;
    if locked.status != GrantStatus::Applied {
        return Err(AppError::Conflict("grant_not_open"));
    }
    let word = if approve { "yes" } else { "no" };
    if !st::insert_vote(&mut tx, id, actor.id(), word).await? {
        return Err(AppError::Conflict("already_voted"));
    }
    st::insert_event(
        &mut tx,
        id,
        actor.id(),
        if approve { "vote_yes" } else { "vote_no" },
        reason,
        0,
        None,
    )
    .await?;
    let (yes, no) = st::tally(&mut tx, id).await?;
    if yes >= needed {
        st::set_status(&mut tx, id, GrantStatus::Applied, GrantStatus::Approved).await?;
        st::insert_event(
            &mut tx,
            id,
            actor.id(),
            "approved",
            &format!("{yes}/{committee}"),
            locked.amount,
            None,
        )
        .await?;
    } else if committee - no < needed {
        st::set_status(&mut tx, id, GrantStatus::Applied, GrantStatus::Rejected).await?;
        st::insert_event(
            &mut tx,
            id,
            actor.id(),
            "rejected",
            &format!("{no}/{committee}"),
            0,
            None,
        )
        .await?;
    }
    record(&mut tx, actor, &fund, id, "grant.vote", word).await?;
    tx.commit().await?;
    get_row(db, id).await
}

/// Posts the grant to both ledgers in one transaction: out of the fund, into the
/// applicant's cash. Ledgers are locked in id order so two disbursements cannot deadlock.
pub async fn disburse(db: &Db, actor: &Actor, id: i64, from_account: &str) -> AppResult<GrantRow> {
    let g = get_row(db, id).await?;
    let fund = crate::organizations::get(db, actor, g.fund_org_id).await?;
    let applicant = crate::organizations::get(db, actor, g.applicant_org_id).await?;
    if !keeps_books(db, actor, &fund).await? {
        return Err(AppError::Forbidden);
    }
    if !m::is_money_account(from_account) {
        return Err(AppError::Invalid("unknown_account"));
    }
    let (fl, al) = (
        ensure_ledger(db, &fund).await?,
        ensure_ledger(db, &applicant).await?,
    );
    let amount = Fen(g.amount);
    let memo = format!("小额资金 #{} {} → {}", g.id, fund.name, applicant.name);
    let mut tx = db.begin().await?;
    let locked = st::lock(&mut tx, id).await?;
    if locked.status != GrantStatus::Approved {
        return Err(AppError::Conflict("grant_not_approved"));
    }
    money::lock_ledgers(&mut tx, &[fl.id, al.id]).await?;
    money::ensure_funds(&mut tx, fl.id, from_account, amount.0).await?;
    st::set_paid_from(&mut tx, id, from_account).await?;
    let out_of_fund = Posting::new(fl.id, "grant", actor.id())
        .memo(memo.clone())
        .pair("expense_grants", from_account, amount);
    money::post(&mut tx, &out_of_fund).await?;
    let into_applicant =
        Posting::new(al.id, "grant", actor.id())
            .memo(memo)
            .pair("cash", "income_grants", amount);
    money::post(&mut tx, &into_applicant).await?;
    st::set_status(&mut tx, id, GrantStatus::Approved, GrantStatus::Disbursed).await?;
    st::add_amounts(&mut tx, id, amount.0, 0, 0).await?;
    st::insert_event(&mut tx, id, actor.id(), "disbursed", "", amount.0, None).await?;
    record(
        &mut tx,
        actor,
        &fund,
        id,
        "grant.disburse",
        &m::display_fen(amount.0),
    )
    .await?;
    tx.commit().await?;
    get_row(db, id).await
}

/// What a spending report line carries.
pub struct ReportLine<'a> {
    pub item: &'a str,
    pub amount: Fen,
    pub category: &'a str,
    pub voucher: VoucherInput<'a>,
}

/// The applicant's bookkeeper reports actual spending with a receipt; it is posted to
/// the applicant's ledger as an expense paid in cash. Reports cannot exceed the grant.
pub async fn report(db: &Db, actor: &Actor, id: i64, r: ReportLine<'_>) -> AppResult<GrantRow> {
    let g = get_row(db, id).await?;
    let fund = crate::organizations::get(db, actor, g.fund_org_id).await?;
    let applicant = crate::organizations::get(db, actor, g.applicant_org_id).await?;
    if !keeps_books(db, actor, &applicant).await? {
        return Err(AppError::Forbidden);
    }
    if m::account_kind(r.category) != Ok(AccountKind::Expense) {
        return Err(AppError::Invalid("unknown_account"));
    }
    let item = bounded_text(r.item, 100, DomainError::InvalidName)
        .map_err(|_| AppError::Invalid("purpose_required"))?;
    let ledger = ensure_ledger(db, &applicant).await?;
    r.voucher.precheck(true)?;
    let mut tx = db.begin().await?;
    let locked = st::lock(&mut tx, id).await?;
    if locked.status != GrantStatus::Disbursed {
        return Err(AppError::Conflict("grant_not_disbursed"));
    }
    if locked.spent + r.amount.0 > locked.disbursed {
        return Err(AppError::Invalid("report_exceeds_grant"));
    }
    let voucher = attach_voucher(&mut tx, actor, &ledger, &r.voucher, true).await?;
    let spent = Posting::new(ledger.id, "grant", actor.id())
        .memo(format!("小额资金 #{} 支出：{item}", g.id))
        .pair(r.category, "cash", r.amount)
        .voucher(voucher);
    money::post(&mut tx, &spent).await?;
    st::add_amounts(&mut tx, id, 0, r.amount.0, 0).await?;
    st::insert_event(
        &mut tx,
        id,
        actor.id(),
        "report",
        &item,
        r.amount.0,
        voucher,
    )
    .await?;
    record(
        &mut tx,
        actor,
        &fund,
        id,
        "grant.report",
        &m::display_fen(r.amount.0),
    )
    .await?;
    tx.commit().await?;
    get_row(db, id).await
}

/// Closes a disbursed grant; what was not spent goes back to the fund (posted to both
/// ledgers in the same transaction).
pub async fn close(db: &Db, actor: &Actor, id: i64) -> AppResult<GrantRow> {
    let g = get_row(db, id).await?;
    let fund = crate::organizations::get(db, actor, g.fund_org_id).await?;
    let applicant = crate::organizations::get(db, actor, g.applicant_org_id).await?;
    if !keeps_books(db, actor, &applicant).await? {
        return Err(AppError::Forbidden);
    }
    let (fl, al) = (
        ensure_ledger(db, &fund).await?,
        ensure_ledger(db, &applicant).await?,
    );
    let mut tx = db.begin().await?;
    let locked = st::lock(&mut tx, id).await?;
    if locked.status != GrantStatus::Disbursed {
        return Err(AppError::Conflict("grant_not_disbursed"));
    }
    let unused = locked.disbursed - locked.spent;
    if unused > 0 {
        money::lock_ledgers(&mut tx, &[fl.id, al.id]).await?;
        let memo = format!("小额资金 #{} 退回结余", g.id);
        let back = Fen(unused);
        let out_of_applicant = Posting::new(al.id, "grant", actor.id())
            .memo(memo.clone())
            .pair("income_grants", "cash", back);
        money::post(&mut tx, &out_of_applicant).await?;
        let into_fund = Posting::new(fl.id, "grant", actor.id()).memo(memo).pair(
            locked.paid_from.as_deref().unwrap_or("cash"),
            "expense_grants",
            back,
        );
        money::post(&mut tx, &into_fund).await?;
        st::add_amounts(&mut tx, id, 0, 0, unused).await?;
        st::insert_event(&mut tx, id, actor.id(), "returned", "", unused, None).await?;
    }
    st::set_status(&mut tx, id, GrantStatus::Disbursed, GrantStatus::Closed).await?;
    st::insert_event(&mut tx, id, actor.id(), "closed", "", locked.spent, None).await?;
    record(
        &mut tx,
        actor,
        &fund,
        id,
        "grant.close",
        &m::display_fen(unused),
    )
    .await?;
    tx.commit().await?;
    get_row(db, id).await
}

/// Sets a spending rule of a fund: up to `max` a grant needs `approvals` votes. The
/// fund's leader sets them.
pub async fn set_rule(
    db: &Db,
    actor: &Actor,
    fund_org_id: i64,
    max: Fen,
    approvals: i64,
) -> AppResult<()> {
    let fund = crate::organizations::get(db, actor, fund_org_id).await?;
    if !is_fund(&fund) {
        return Err(AppError::Invalid("not_a_fund"));
    }
    if role_in(db, actor, fund.id).await? != Some(MemberRole::Leader) {
        return Err(AppError::Forbidden);
    }
    if !(1..=50).contains(&approvals) {
        return Err(AppError::Invalid("invalid_approvals"));
    }
    let mut tx = db.begin().await?;
    st::upsert_rule(&mut tx, fund.id, max.0, approvals).await?;
    audit::record(
        &mut tx,
        NewAudit {
            actor_id: Some(actor.id()),
            action: "fund.rule",
            region_id: Some(fund.region_id),
            target: format!("org:{}", fund.id),
            detail: format!("≤{} : {approvals}", m::display_fen(max.0)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_smallest_covering_rule_decides_and_nothing_covers_too_much() {
        let r = |max, approvals| RuleRow {
            id: 0,
            max_amount: max,
            approvals,
        };
        let rules = [r(100_000, 2), r(500_000, 3)];
        assert_eq!(needed(&rules, 5, 100_000), Some(2));
        assert_eq!(needed(&rules, 5, 100_001), Some(3));
        assert_eq!(needed(&rules, 5, 500_001), None);
        assert_eq!(
            needed(&[], 5, 1),
            Some(3),
            "no rules: a majority of the committee"
        );
        assert_eq!(needed(&[], 4, 1), Some(3));
    }
}
