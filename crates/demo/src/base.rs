//! Demo data: a believable district with two streets, four communities, their
//! compounds and buildings, about 3,000 households with floor areas and made-up
//! residents, and one account for each role. Written with multi-row inserts into an
//! empty database; the same seed always gives the same data.

use chrono::Datelike;
use linli_app::accounts::hash_password;
use linli_app::{AppError, AppResult};
use linli_domain::accounts::{Password, Role};
use linli_domain::money::{Day, Fen};
use linli_domain::organizations::{MemberRole, OrgKind};
use linli_domain::regions::{RegionId, RegionKind, RegionPath};
use linli_store::accounts as st;
use linli_store::money;
use linli_store::organizations as orgs;
use linli_store::regions::{self, NewHousehold, NewRegion, NewResident};
use linli_store::{Db, Tx};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "linli2026";

/// A demo login to print at start-up.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub phone: &'static str,
    pub name: &'static str,
    pub role: Role,
    pub node: String,
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "文", "玉兰", "海燕", "子涵",
    "浩然", "雨桐", "欣怡", "梓轩", "一诺", "建国", "淑珍", "志强",
];

struct Community {
    street: usize,
    name: &'static str,
    compounds: [&'static str; 3],
}

const STREETS: [&str; 2] = ["翠竹街道", "回天街道"];
const COMMUNITIES: [Community; 4] = [
    Community {
        street: 0,
        name: "翠竹园社区",
        compounds: ["翠竹园一期", "翠竹园二期", "翠竹园三期"],
    },
    Community {
        street: 0,
        name: "梧桐里社区",
        compounds: ["梧桐里东区", "梧桐里西区", "梧桐雅苑"],
    },
    Community {
        street: 1,
        name: "回龙苑社区",
        compounds: ["回龙苑北区", "回龙苑南区", "龙锦家园"],
    },
    Community {
        street: 1,
        name: "清泉社区",
        compounds: ["清泉花园", "清泉新村", "泉水湾"],
    },
];

/// Buildings per compound (the first compound of each community is the largest).
const BUILDINGS: [usize; 3] = [11, 10, 10];
/// Households per building: 2 entrances (单元) × 6 floors × 2 doors.
const UNITS: i64 = 2;
const FLOORS: i64 = 6;
const DOORS: i64 = 2;

/// The places and people the stories use: the first community, its first compound, and
/// the demo accounts' ids in the order of [`logins`].
pub(crate) async fn cast(db: &Db) -> AppResult<(i64, i64, Vec<i64>)> {
    let id = |sql: &'static str| async move {
        linli_store::on_db!(db, p => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await)
    };
    let community = id("SELECT id FROM regions WHERE name = '翠竹园社区'").await?;
    let compound = id("SELECT id FROM regions WHERE name = '翠竹园一期'").await?;
    let mut users = Vec::new();
    for l in logins() {
        let u: i64 = linli_store::on_db!(db, p => sqlx::query_scalar("SELECT id FROM users WHERE phone = $1")
            .bind(l.phone).fetch_one(p).await)?;
        users.push(u);
    }
    Ok((community, compound, users))
}

/// The region tree, households, accounts, organizations, money and clubs of the demo.
pub async fn seed_base(db: &Db) -> AppResult<Vec<DemoLogin>> {
    if !regions::is_empty(db).await? {
        return Ok(logins());
    }
    let mut rng = StdRng::seed_from_u64(2026);
    let mut new_regions = Vec::new();
    let mut new_households = Vec::new();
    let mut new_residents = Vec::new();
    let mut next_id = 1i64;
    let mut node =
        |parent: Option<&NewRegion>, kind: RegionKind, name: String, out: &mut Vec<NewRegion>| {
            let id = next_id;
            next_id += 1;
            let (path, depth) = match parent {
                Some(p) => (
                    RegionPath::from_stored(p.path.clone()).child(RegionId(id)),
                    p.depth + 1,
                ),
                None => (RegionPath::root(RegionId(id)), 0),
            };
            let r = NewRegion {
                id,
                parent_id: parent.map(|p| p.id),
                kind,
                name,
                path: path.as_str().into(),
                depth,
            };
            out.push(NewRegion {
                id: r.id,
                parent_id: r.parent_id,
                kind,
                name: r.name.clone(),
                path: r.path.clone(),
                depth,
            });
            r
        };
    let network = node(
        None,
        RegionKind::Network,
        "邻里社造网络".into(),
        &mut new_regions,
    );
    let district = node(
        Some(&network),
        RegionKind::District,
        "青溪区".into(),
        &mut new_regions,
    );
    let streets: Vec<NewRegion> = STREETS
        .iter()
        .map(|s| {
            node(
                Some(&district),
                RegionKind::Street,
                (*s).into(),
                &mut new_regions,
            )
        })
        .collect();
    let mut household_id = 1i64;
    let mut named = Named::default();
    for (ci, c) in COMMUNITIES.iter().enumerate() {
        let community = node(
            Some(&streets[c.street]),
            RegionKind::Community,
            c.name.into(),
            &mut new_regions,
        );
        named.communities.push(community.id);
        for (k, compound_name) in c.compounds.iter().enumerate() {
            let compound = node(
                Some(&community),
                RegionKind::Compound,
                (*compound_name).into(),
                &mut new_regions,
            );
            named.compounds.push(compound.id);
            for b in 1..=BUILDINGS[k] {
                let building = node(
                    Some(&compound),
                    RegionKind::Building,
                    format!("{b}号楼"),
                    &mut new_regions,
                );
                if ci == 0 && k == 0 && b == 1 {
                    named.first_building = building.id;
                }
                if ci == 3 && k == 0 && b == 1 {
                    named.other_building = building.id;
                }
                for unit in 1..=UNITS {
                    for floor in 1..=FLOORS {
                        for door in 1..=DOORS {
                            let id = household_id;
                            household_id += 1;
                            new_households.push(NewHousehold {
                                id,
                                region_id: building.id,
                                unit_label: format!("{unit}单元{floor}0{door}"),
                                floor_area: rng.random_range(5500..14500),
                            });
                            let people = rng.random_range(1..=4);
                            let surname = SURNAMES[rng.random_range(0..SURNAMES.len())];
                            for p in 0..people {
                                let s = if p == 1 {
                                    SURNAMES[rng.random_range(0..SURNAMES.len())]
                                } else {
                                    surname
                                };
                                new_residents.push(NewResident {
                                    household_id: id,
                                    region_id: building.id,
                                    name: format!("{s}{}", GIVEN[rng.random_range(0..GIVEN.len())]),
                                    phone: (p < 2).then(|| {
                                        format!("170{:08}", rng.random_range(0..100_000_000))
                                    }),
                                    user_id: None,
                                    is_head: p == 0,
                                });
                            }
                        }
                    }
                }
            }
        }
    }
    named.network = network.id;
    named.district = district.id;
    named.streets = streets.iter().map(|s| s.id).collect();

    let hash = hash_password(&Password::parse(DEMO_PASSWORD)?)?;
    let mut tx = db.begin().await?;
    regions::bulk_insert(&mut tx, &new_regions, &new_households, &new_residents).await?;
    regions::reset_sequences(&mut tx).await?;
    let logins = logins();
    let mut user_ids = Vec::new();
    for l in &logins {
        let uid = st::insert_user(&mut tx, l.phone, l.name, &hash, "zh-CN").await?;
        let region_id = named.resolve(&l.node);
        st::insert_grant(&mut tx, uid, region_id, l.role.as_str(), None).await?;
        user_ids.push(uid);
    }
    // Residents among the demo accounts live in households of the first building (or,
    // for the neighbour from another community, of Qingquan's first building).
    let homes: [(usize, i64); 5] = [
        (5, named.first_building),
        (6, named.first_building),
        (7, named.first_building),
        (8, named.first_building),
        (15, named.other_building),
    ];
    let mut homes_of = std::collections::HashMap::new();
    for (n, (idx, building)) in homes.iter().enumerate() {
        let l = &logins[*idx];
        let h = new_households
            .iter()
            .filter(|h| h.region_id == *building)
            .nth(n)
            .ok_or(AppError::Internal("demo household".into()))?;
        homes_of.insert(h.id, user_ids[*idx]);
        st::insert_resident_account(&mut tx, h.id, *building, l.name, l.phone, user_ids[*idx])
            .await?;
        st::ensure_grant(
            &mut tx,
            user_ids[*idx],
            *building,
            Role::Resident.as_str(),
            None,
        )
        .await?;
    }
    st::insert_grant(
        &mut tx,
        user_ids[7],
        named.first_building,
        Role::Owner.as_str(),
        None,
    )
    .await?;
    seed_owners(&mut tx, &new_households, &new_residents, &homes_of).await?;
    st::insert_grant(
        &mut tx,
        user_ids[7],
        named.first_building,
        Role::HouseholdHead.as_str(),
        None,
    )
    .await?;

    let org_specs: [(&str, OrgKind, &str, &str, usize); 9] = [
        (
            "翠竹园社区居委会",
            OrgKind::ResidentsCommittee,
            "翠竹园社区",
            "社区居民委员会，负责居民自治与公共服务。",
            3,
        ),
        (
            "翠竹园一期业主委员会",
            OrgKind::OwnersCommittee,
            "翠竹园一期",
            "代表一期业主，监督物业与维修资金。",
            9,
        ),
        (
            "翠竹物业服务中心",
            OrgKind::PropertyManager,
            "翠竹园一期",
            "一期的物业服务企业。",
            10,
        ),
        (
            "翠竹园社区互助会",
            OrgKind::MutualAid,
            "翠竹园社区",
            "居民自发组织的互助平台，孵化自组织、运营互助项目。",
            11,
        ),
        (
            "翠竹园读书会",
            OrgKind::Club,
            "翠竹园社区",
            "每月共读一本书，轮流领读。谁主张谁负责。",
            8,
        ),
        (
            "晨练太极队",
            OrgKind::Club,
            "翠竹园社区",
            "每天清晨在中心花园练习太极拳。",
            8,
        ),
        (
            "亲子手工坊",
            OrgKind::Club,
            "翠竹园一期",
            "周末带孩子一起做手工，AA 分摊材料费。",
            5,
        ),
        (
            "翠竹社区基金",
            OrgKind::Foundation,
            "翠竹园社区",
            "社区专项资金池：街道拨款与居民捐赠，以小额资金资助居民自组织的微项目。",
            12,
        ),
        (
            "青溪社区营造中心",
            OrgKind::SocialOrganization,
            "青溪区",
            "区级枢纽型社会组织，陪伴社区自组织成长。",
            1,
        ),
    ];
    let mut reading_club = None;
    let mut first_clubs = vec![];
    let mut fund = None;
    for (name, kind, node_name, intro, leader) in org_specs {
        let region_id = named.resolve(node_name);
        let org = orgs::insert(
            &mut tx,
            region_id,
            kind.as_str(),
            name,
            intro,
            user_ids[leader],
        )
        .await?;
        let ledger = money::create_ledger(&mut tx, org, region_id).await?;
        if kind == OrgKind::Club {
            first_clubs.push(org);
        }
        if name == "翠竹园读书会" {
            reading_club = Some(ledger);
        }
        if kind == OrgKind::Foundation {
            // The fund's committee: its leader, the residents' committee and the social worker.
            for m in [3usize, 4] {
                orgs::upsert_member(&mut tx, org, user_ids[m], MemberRole::Committee.as_str())
                    .await?;
            }
            linli_store::grants::upsert_rule(&mut tx, org, 100_000, 2).await?;
            linli_store::grants::upsert_rule(&mut tx, org, 500_000, 3).await?;
            fund = Some((ledger, user_ids[leader]));
        }
        orgs::upsert_member(&mut tx, org, user_ids[leader], MemberRole::Leader.as_str()).await?;
        if kind == OrgKind::Club {
            for (i, m) in [5usize, 6, 7].iter().enumerate() {
                if *m != leader {
                    let role = if i == 0 {
                        MemberRole::Treasurer
                    } else {
                        MemberRole::Member
                    };
                    orgs::upsert_member(&mut tx, org, user_ids[*m], role.as_str()).await?;
                }
            }
        }
    }
    grow_clubs(&mut tx, &first_clubs, named.communities[0], &user_ids).await?;
    if let Some(ledger) = reading_club {
        seed_club_books(&mut tx, ledger, user_ids[5]).await?;
    }
    if let Some((ledger, by)) = fund {
        let first = format!("{}-01", &linli_store::clock::today().as_str()[..7]);
        let pool = linli_app::money::Posting::new(ledger, "donation", by)
            .dated(Day::parse(&first)?)
            .memo("街道拨入社区基金（专项资金池）")
            .pair("bank", "income_donations", Fen(5_000_000));
        linli_app::money::post(&mut tx, &pool).await?;
    }
    // The demo neighbours have been here a year: they are not new accounts, which the
    // issue threads rate-limit more strictly.
    linli_store::on_tx!(&mut tx, c => sqlx::query("UPDATE users SET created_at = created_at - $1")
        .bind(365 * 24 * 3600 * 1000i64).execute(c).await.map(|r| r.rows_affected()))?;
    // The organizations were inserted directly: index them from the table, in bulk.
    linli_app::search::rebuild_kind(&mut tx, linli_domain::search::Kind::Org, &mut |_, _| {})
        .await?;
    tx.commit().await?;
    regions::analyze(db).await?;
    Ok(logins)
}

/// Photographs of the demo's receipts (drawn for the demo: shop, items, total, stamp).
const RECEIPT_BOOKS_6: &[u8] = include_bytes!("receipts/books_6.png");
const RECEIPT_TEA: &[u8] = include_bytes!("receipts/tea.png");
const RECEIPT_VENUE: &[u8] = include_bytes!("receipts/venue.png");
const RECEIPT_BOOKS_8: &[u8] = include_bytes!("receipts/books_8.png");
const RECEIPT_PRINT: &[u8] = include_bytes!("receipts/print.png");

/// One line of the demo's books: months back, day, kind, memo, `debit|credit`, fen, and
/// the receipt's picture if it has one.
type BookLine = (
    u32,
    u32,
    &'static str,
    &'static str,
    &'static str,
    i64,
    Option<&'static [u8]>,
);

/// Three months of a reading club's books, kept by its treasurer: an opening balance,
/// AA fees, a donation, books, tea and a venue, each expense with its receipt.
async fn seed_club_books(
    tx: &mut linli_store::Tx,
    ledger_id: i64,
    treasurer: i64,
) -> AppResult<()> {
    let today = chrono::NaiveDate::parse_from_str(linli_store::clock::today().as_str(), "%Y-%m-%d")
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let first = today.with_day(1).unwrap_or(today);
    let month = |back: u32, day: u32| -> String {
        let m = first
            .checked_sub_months(chrono::Months::new(back))
            .unwrap_or(first);
        m.with_day(day.min(28))
            .unwrap_or(m)
            .format("%Y-%m-%d")
            .to_string()
    };
    let today_s = today.format("%Y-%m-%d").to_string();
    let lines: [BookLine; 10] = [
        (
            2,
            1,
            "opening",
            "期初结余（上届移交现金）",
            "cash|opening",
            30_000,
            None,
        ),
        (
            2,
            6,
            "manual",
            "九月共读 AA 费（12 人 × 15 元）",
            "wallet|income_fees",
            18_000,
            None,
        ),
        (
            2,
            8,
            "manual",
            "购书《乡土中国》6 本",
            "expense_materials|wallet",
            16_800,
            Some(RECEIPT_BOOKS_6),
        ),
        (
            1,
            3,
            "manual",
            "十月共读 AA 费（15 人 × 15 元）",
            "wallet|income_fees",
            22_500,
            None,
        ),
        (
            1,
            10,
            "manual",
            "茶水与点心",
            "expense_food|cash",
            6_450,
            Some(RECEIPT_TEA),
        ),
        (
            1,
            20,
            "donation",
            "捐赠 沈芳（书架一组折现）",
            "cash|income_donations",
            20_000,
            None,
        ),
        (
            0,
            1,
            "manual",
            "本月共读 AA 费（16 人 × 15 元）",
            "wallet|income_fees",
            24_000,
            None,
        ),
        (
            0,
            1,
            "manual",
            "社区活动室半天场地费",
            "expense_venue|wallet",
            10_000,
            Some(RECEIPT_VENUE),
        ),
        (
            0,
            1,
            "manual",
            "购书《看见》8 本",
            "expense_materials|wallet",
            31_200,
            Some(RECEIPT_BOOKS_8),
        ),
        (
            0,
            1,
            "manual",
            "打印读书笔记",
            "expense_other|cash",
            1_850,
            Some(RECEIPT_PRINT),
        ),
    ];
    for (back, day, kind, memo, accounts, amount, receipt) in lines {
        let on = month(back, day);
        if on > today_s {
            continue;
        }
        let (debit, credit) = accounts.split_once('|').unwrap_or(("cash", "opening"));
        let voucher = if let Some(data) = receipt {
            let ledger = money::ledger_in(tx, ledger_id)
                .await?
                .ok_or(AppError::Internal("demo ledger vanished".into()))?;
            let receipt = linli_app::files::Upload {
                filename: "receipt.png",
                mime: "image/png",
                data,
            };
            Some(linli_app::files::store_voucher(tx, treasurer, &ledger, receipt).await?)
        } else {
            None
        };
        let line = linli_app::money::Posting::new(ledger_id, kind, treasurer)
            .dated(Day::parse(&on)?)
            .memo(memo)
            .pair(debit, credit, Fen(amount))
            .voucher(voucher);
        linli_app::money::post(tx, &line).await?;
    }
    Ok(())
}

/// Seed 001's story in the first community: three clubs a year ago, thirty-one now.
/// Social worker 吴静 moves each along: proposed, seedling two weeks later, active after
/// six weeks; two have gone dormant.
async fn grow_clubs(
    tx: &mut linli_store::Tx,
    first: &[i64],
    community: i64,
    users: &[i64],
) -> AppResult<()> {
    use linli_store::clubs as cs;
    const NAMES: [&str; 28] = [
        "合唱团",
        "书法社",
        "乒乓球队",
        "编织小组",
        "摄影俱乐部",
        "健步走队",
        "二胡班",
        "象棋社",
        "园艺小组",
        "英语角",
        "跳绳队",
        "旧物改造坊",
        "烘焙小组",
        "毽球队",
        "老年模特队",
        "国画班",
        "广场舞队",
        "电影沙龙",
        "绘本故事会",
        "志愿修理队",
        "太极扇队",
        "戏曲票友会",
        "瑜伽小组",
        "垃圾分类宣传队",
        "社区跑团",
        "手机课堂",
        "亲子阅读营",
        "社区厨房",
    ];
    // The story is told in calendar months, so the growth page (which counts clubs at
    // each month's end) reads the same on any day: the first three clubs are older than
    // the chart; the other 28 were founded on the 3rd, 10th or 17th of one of the ten
    // months before this one, became seedlings a week later and active two months
    // later, if that month is over. Nothing happens in the current month.
    use linli_domain::time::{HOUR_MS, shanghai_date, shanghai_day_start_ms};
    let this_month = shanghai_date(linli_store::clock::now_ms())
        .with_day(1)
        .expect("the first of a month exists");
    let on = |back: u32, day: u32| -> i64 {
        let m = this_month
            .checked_sub_months(chrono::Months::new(back))
            .unwrap_or(this_month);
        shanghai_day_start_ms(m.with_day(day).unwrap_or(m)) + 10 * HOUR_MS
    };
    let social_worker = users[4];
    let leaders = [users[5], users[6], users[7], users[8], users[11]];
    let history = |back: u32, day: u32| -> Vec<(&'static str, &'static str, i64)> {
        let mut h = vec![
            ("", "proposed", on(back, day)),
            ("proposed", "seedling", on(back, day + 7)),
        ];
        if back > 2 {
            h.push(("seedling", "active", on(back - 2, day)));
        }
        h
    };
    for (i, org) in first.iter().enumerate() {
        let (back, day) = (13, 3 + 7 * i as u32);
        cs::backdate_club(tx, *org, on(back, day)).await?;
        for (from, to, at) in history(back, day) {
            cs::insert_stage_change(tx, *org, from, to, "", social_worker, at).await?;
        }
    }
    for (k, name) in NAMES.iter().enumerate() {
        let back = 10 - (k as u32 * 10 / NAMES.len() as u32);
        let day = 3 + 7 * (k as u32 % 3);
        let founded = on(back, day);
        let leader = leaders[k % leaders.len()];
        let org = orgs::insert(
            tx,
            community,
            OrgKind::Club.as_str(),
            name,
            "居民自发组织，欢迎邻居加入。",
            leader,
        )
        .await?;
        orgs::upsert_member(tx, org, leader, MemberRole::Leader.as_str()).await?;
        money::create_ledger(tx, org, community).await?;
        cs::backdate_club(tx, org, founded).await?;
        let mut stage = "active";
        for (from, to, at) in history(back, day) {
            cs::insert_stage_change(tx, org, from, to, "", social_worker, at).await?;
            stage = to;
        }
        if k == 3 || k == 11 {
            cs::insert_stage_change(
                tx,
                org,
                stage,
                "dormant",
                "骨干搬家，暂停活动",
                social_worker,
                on(1, 15),
            )
            .await?;
            stage = "dormant";
        }
        cs::set_stage(tx, org, "active", stage).await?;
    }
    Ok(())
}

/// Ids of the named nodes, to hang accounts and organizations on.
#[derive(Default)]
struct Named {
    network: i64,
    district: i64,
    streets: Vec<i64>,
    communities: Vec<i64>,
    compounds: Vec<i64>,
    first_building: i64,
    other_building: i64,
}

impl Named {
    fn resolve(&self, name: &str) -> i64 {
        if name == "邻里社造网络" {
            return self.network;
        }
        if name == "青溪区" {
            return self.district;
        }
        if name == "翠竹园一期1号楼" {
            return self.first_building;
        }
        if name == "清泉花园1号楼" {
            return self.other_building;
        }
        if let Some(i) = STREETS.iter().position(|s| *s == name) {
            return self.streets[i];
        }
        if let Some(i) = COMMUNITIES.iter().position(|c| c.name == name) {
            return self.communities[i];
        }
        let compounds: Vec<&str> = COMMUNITIES.iter().flat_map(|c| c.compounds).collect();
        compounds
            .iter()
            .position(|c| *c == name)
            .map(|i| self.compounds[i])
            .unwrap_or(self.network)
    }
}

/// The demo accounts: one per role, with the node the role is held on.
pub fn logins() -> Vec<DemoLogin> {
    let l = |phone, name, role, node: &str| DemoLogin {
        phone,
        name,
        role,
        node: node.into(),
    };
    vec![
        l("13800000000", "李平", Role::PlatformAdmin, "邻里社造网络"),
        l("13800000001", "赵敏", Role::DistrictOfficer, "青溪区"),
        l("13800000002", "孙立", Role::StreetOfficer, "翠竹街道"),
        l(
            "13800000003",
            "周红",
            Role::ResidentsCommittee,
            "翠竹园社区",
        ),
        l("13800000004", "吴静", Role::SocialWorker, "翠竹园社区"),
        l("13800000005", "郑强", Role::BuildingRep, "翠竹园一期1号楼"),
        l("13800000006", "冯梅", Role::BuildingRep, "翠竹园一期1号楼"),
        l("13800000007", "陈晓", Role::Resident, "翠竹园一期1号楼"),
        l("13800000008", "褚琳", Role::ClubLeader, "翠竹园社区"),
        l("13800000009", "卫东", Role::OwnersCommittee, "翠竹园一期"),
        l("13800000010", "蒋涛", Role::PropertyManager, "翠竹园一期"),
        l(
            "13800000011",
            "沈芳",
            Role::SocialOrganization,
            "翠竹园社区",
        ),
        l("13800000012", "韩磊", Role::FundCommittee, "翠竹街道"),
        l("13800000013", "杨帆", Role::Expert, "邻里社造网络"),
        l("13800000014", "朱颖", Role::Designer, "回天街道"),
        l("13800000015", "秦川", Role::Resident, "清泉花园1号楼"),
    ]
}

/// Every demo unit has an owner: the household's head, with the demo accounts owning
/// their homes. One buyer in forty also owns the next unit, and one unit in ninety-seven
/// is still the developer's, so owners' votes count owners as art. 278 says.
async fn seed_owners(
    tx: &mut Tx,
    households: &[NewHousehold],
    residents: &[NewResident],
    accounts: &std::collections::HashMap<i64, i64>,
) -> AppResult<()> {
    use linli_store::deliberation::votes::{NewOwner, bulk_owners};
    let heads: std::collections::HashMap<i64, &str> = residents
        .iter()
        .filter(|r| r.is_head)
        .map(|r| (r.household_id, r.name.as_str()))
        .collect();
    let mut owners = Vec::with_capacity(households.len());
    let mut prev: Option<(String, String)> = None;
    for (i, h) in households.iter().enumerate() {
        let user_id = accounts.get(&h.id).copied();
        let (key, name) = match &prev {
            Some((k, n)) if i % 40 == 1 && user_id.is_none() => (k.clone(), n.clone()),
            _ => (
                format!("o{}", h.id),
                heads.get(&h.id).copied().unwrap_or("业主").to_string(),
            ),
        };
        owners.push(NewOwner {
            household_id: h.id,
            region_id: h.region_id,
            owner_key: key.clone(),
            owner_name: name.clone(),
            user_id,
            developer: h.id % 97 == 0 && user_id.is_none(),
        });
        prev = Some((key, name));
    }
    bulk_owners(tx, &owners).await?;
    Ok(())
}
