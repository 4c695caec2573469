//! Relation paths of any length: a clinic where records belong to patients, patients to wards and
//! wards to hospitals. `patient.ward.role(Nurse)` and `patient.ward.hospital.allows(Audit)` are
//! written on the record directly, with no helper permission on the patient or the ward; the
//! 24-hour amendment window is arithmetic on the record. On random clinics (dangling and `NULL`
//! keys, stored roles on rows that do not exist, random clocks) the list, `count()`, the decision
//! by id and the permission bits agree with the in-memory check on SQLite and PostgreSQL, and the
//! explanation names the path.

use std::sync::atomic::{AtomicUsize, Ordering};

use authz_core::prelude::*;
use authz_core::ParentMap;
use authz_diesel::prelude::*;
use diesel::prelude::*;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

diesel::table! {
    hospitals (id) {
        id -> BigInt,
        public_audit -> Bool,
    }
}

diesel::table! {
    wards (id) {
        id -> BigInt,
        hospital_id -> BigInt,
        locked -> Bool,
    }
}

diesel::table! {
    patients (id) {
        id -> BigInt,
        ward_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    records (id) {
        id -> BigInt,
        patient_id -> BigInt,
        author_id -> BigInt,
        created_at -> BigInt,
    }
}

diesel::table! {
    hospital_roles (user_id, hospital_id, role) {
        user_id -> BigInt,
        hospital_id -> BigInt,
        role -> Text,
    }
}

diesel::table! {
    ward_roles (user_id, ward_id, role) {
        user_id -> BigInt,
        ward_id -> BigInt,
        role -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    hospitals,
    wards,
    patients,
    records,
    hospital_roles,
    ward_roles
);

const SCHEMA: &str = "
CREATE TEMP TABLE hospitals (id BIGINT PRIMARY KEY NOT NULL, public_audit BOOLEAN NOT NULL);
CREATE TEMP TABLE wards (id BIGINT PRIMARY KEY NOT NULL, hospital_id BIGINT NOT NULL, locked BOOLEAN NOT NULL);
CREATE TEMP TABLE patients (id BIGINT PRIMARY KEY NOT NULL, ward_id BIGINT);
CREATE TEMP TABLE records (id BIGINT PRIMARY KEY NOT NULL, patient_id BIGINT NOT NULL,
    author_id BIGINT NOT NULL, created_at BIGINT NOT NULL);
CREATE TEMP TABLE hospital_roles (user_id BIGINT NOT NULL, hospital_id BIGINT NOT NULL, role TEXT NOT NULL,
    PRIMARY KEY (user_id, hospital_id, role));
CREATE TEMP TABLE ward_roles (user_id BIGINT NOT NULL, ward_id BIGINT NOT NULL, role TEXT NOT NULL,
    PRIMARY KEY (user_id, ward_id, role))";

#[derive(Actor, Debug, Clone, Default)]
pub struct User {
    pub id: i64,
    #[actor(roles)]
    pub hospital_roles: StoredRoles<Hospital>,
    #[actor(roles)]
    pub ward_roles: StoredRoles<Ward>,
}

pub struct Clock {
    pub now: i64,
}

#[derive(Resource, Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = hospitals)]
#[resource(table = hospitals, actor = User)]
#[roles(Admin > Staff, table = hospital_roles)]
#[permission(Audit, if = role(Admin) || self.public_audit)]
pub struct Hospital {
    pub id: i64,
    pub public_audit: bool,
}

#[derive(Resource, Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = wards)]
#[resource(table = wards, actor = User)]
#[relation(hospital: Hospital = hospital_id)]
#[roles(Nurse, table = ward_roles)]
#[role(Nurse, if = hospital.role(Staff) && !self.locked)]
#[permission(Locked, if = self.locked)]
pub struct Ward {
    pub id: i64,
    pub hospital_id: i64,
    pub locked: bool,
}

#[derive(Resource, Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = patients)]
#[resource(table = patients, actor = User)]
#[relation(ward: Ward = ward_id)]
#[permission(Read, if = ward.role(Nurse) || ward.hospital.role(Admin))]
pub struct Patient {
    pub id: i64,
    pub ward_id: Option<i64>,
}

/// The record: its rules reach the ward and the hospital through the patient.
#[derive(Resource, Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = records)]
#[resource(table = records, actor = User, context = Clock)]
#[relation(patient: Patient = patient_id)]
#[permission(Read, if = self.author_id == actor.id || patient.ward.role(Nurse)
    || patient.ward.hospital.allows(Audit))]
#[permission(Transfer, if = patient.ward.hospital.role(Admin))]
#[permission(Amend, if = self.author_id == actor.id && self.created_at + 86400 > ctx.now)]
#[prohibit(Amend, if = patient.ward.allows(Locked))]
pub struct Record {
    pub id: i64,
    pub patient_id: i64,
    pub author_id: i64,
    pub created_at: i64,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = hospital_roles)]
struct HospitalRoleRow {
    user_id: i64,
    hospital_id: i64,
    role: String,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = ward_roles)]
struct WardRoleRow {
    user_id: i64,
    ward_id: i64,
    role: String,
}

#[derive(Debug, Clone)]
struct Clinic {
    hospitals: Vec<Hospital>,
    wards: Vec<Ward>,
    patients: Vec<Patient>,
    records: Vec<Record>,
    hospital_roles: Vec<HospitalRoleRow>,
    ward_roles: Vec<WardRoleRow>,
    user: i64,
    now: i64,
}

/// Ids `1..=n`, and one past the end: a parent that does not exist.
fn id(n: usize) -> impl Strategy<Value = i64> {
    prop_oneof![6 => 1..=n as i64, 1 => Just(n as i64 + 1)]
}

fn clinic() -> impl Strategy<Value = Clinic> {
    (1usize..4, 1usize..6, 1usize..8, 1..4i64).prop_flat_map(|(nh, nw, np, user)| {
        let hospitals = proptest::collection::vec(prop::bool::weighted(0.2), nh).prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, public_audit)| Hospital {
                    id: i as i64 + 1,
                    public_audit,
                })
                .collect::<Vec<_>>()
        });
        let wards =
            proptest::collection::vec((id(nh), prop::bool::weighted(0.25)), nw).prop_map(|v| {
                v.into_iter()
                    .enumerate()
                    .map(|(i, (hospital_id, locked))| Ward {
                        id: i as i64 + 1,
                        hospital_id,
                        locked,
                    })
                    .collect::<Vec<_>>()
            });
        let patients = proptest::collection::vec(proptest::option::weighted(0.85, id(nw)), np)
            .prop_map(|v| {
                v.into_iter()
                    .enumerate()
                    .map(|(i, ward_id)| Patient {
                        id: i as i64 + 1,
                        ward_id,
                    })
                    .collect::<Vec<_>>()
            });
        let records =
            proptest::collection::vec((id(np), 1..4i64, 0..200_000i64), 0..10).prop_map(|v| {
                v.into_iter()
                    .enumerate()
                    .map(|(i, (patient_id, author_id, created_at))| Record {
                        id: i as i64 + 1,
                        patient_id,
                        author_id,
                        created_at,
                    })
                    .collect::<Vec<_>>()
            });
        let hospital_roles = proptest::collection::btree_set(
            (
                1..4i64,
                id(nh),
                prop::sample::select(&["Admin", "Staff"][..]),
            ),
            0..4,
        )
        .prop_map(|rows| {
            rows.into_iter()
                .map(|(user_id, hospital_id, role)| HospitalRoleRow {
                    user_id,
                    hospital_id,
                    role: role.to_owned(),
                })
                .collect::<Vec<_>>()
        });
        let ward_roles =
            proptest::collection::btree_set((1..4i64, id(nw)), 0..4).prop_map(|rows| {
                rows.into_iter()
                    .map(|(user_id, ward_id)| WardRoleRow {
                        user_id,
                        ward_id,
                        role: "Nurse".to_owned(),
                    })
                    .collect::<Vec<_>>()
            });
        (
            hospitals,
            wards,
            patients,
            records,
            hospital_roles,
            ward_roles,
            0..300_000i64,
        )
            .prop_map(
                move |(hospitals, wards, patients, records, hospital_roles, ward_roles, now)| {
                    Clinic {
                        hospitals,
                        wards,
                        patients,
                        records,
                        hospital_roles,
                        ward_roles,
                        user,
                        now,
                    }
                },
            )
    })
}

macro_rules! check_clinic {
    ($name:ident, $conn:ty, $backend:literal) => {
        fn $name(conn: &mut $conn, w: &Clinic) -> Result<(), TestCaseError> {
            let backend = $backend;
            let db = |e: diesel::result::Error| TestCaseError::fail(format!("{backend}: {e}"));
            diesel::delete(hospitals::table).execute(conn).map_err(db)?;
            diesel::delete(wards::table).execute(conn).map_err(db)?;
            diesel::delete(patients::table).execute(conn).map_err(db)?;
            diesel::delete(records::table).execute(conn).map_err(db)?;
            diesel::delete(hospital_roles::table)
                .execute(conn)
                .map_err(db)?;
            diesel::delete(ward_roles::table)
                .execute(conn)
                .map_err(db)?;
            diesel::insert_into(hospitals::table)
                .values(&w.hospitals)
                .execute(conn)
                .map_err(db)?;
            diesel::insert_into(wards::table)
                .values(&w.wards)
                .execute(conn)
                .map_err(db)?;
            diesel::insert_into(patients::table)
                .values(&w.patients)
                .execute(conn)
                .map_err(db)?;
            diesel::insert_into(records::table)
                .values(&w.records)
                .execute(conn)
                .map_err(db)?;
            diesel::insert_into(hospital_roles::table)
                .values(&w.hospital_roles)
                .execute(conn)
                .map_err(db)?;
            diesel::insert_into(ward_roles::table)
                .values(&w.ward_roles)
                .execute(conn)
                .map_err(db)?;
            let mut user = User {
                id: w.user,
                ..User::default()
            };
            user.hospital_roles =
                authz_diesel::load_roles::<Hospital, _>(conn, &user.id).map_err(db)?;
            user.ward_roles = authz_diesel::load_roles::<Ward, _>(conn, &user.id).map_err(db)?;
            // Every parent a path walks, as the loader finds them from the records.
            let mut parents = authz_diesel::load_parents(conn, &w.records).map_err(db)?;
            authz_diesel::LoadParents::load_parents(conn, &w.patients, &mut parents).map_err(db)?;
            let mut every = ParentMap::new();
            every.extend(w.hospitals.iter().cloned());
            every.extend(w.wards.iter().cloned());
            every.extend(w.patients.iter().cloned());
            let clock = Clock { now: w.now };
            let authz = Authz::new(&user).context(&clock).parents(&parents);
            let all = Authz::new(&user).context(&clock).parents(&every);
            for r in &w.records {
                prop_assert_eq!(authz.actions(r), all.actions(r), "loaded parents: {}", r.id);
            }
            if backend == "SQLite" {
                let through_paths = w
                    .records
                    .iter()
                    .filter(|r| r.author_id != w.user && authz.is_allowed(Record::Read, *r))
                    .count();
                THROUGH_PATHS.fetch_add(through_paths, Ordering::Relaxed);
            }
            authz_tests::agree!(conn, authz, backend, db, Record, records, w.records);
            authz_tests::agree!(conn, authz, backend, db, Patient, patients, w.patients);
            Ok(())
        }
    };
}

check_clinic!(check_sqlite, SqliteConnection, "SQLite");
check_clinic!(check_pg, PgConnection, "PostgreSQL");

/// Records readable through a path alone (not the author's) over all clinics, so the suite is
/// known to exercise paths that allow, not only refusals.
static THROUGH_PATHS: AtomicUsize = AtomicUsize::new(0);

#[test]
fn paths_agree_with_sql_on_random_clinics() {
    let cases = authz_tests::differential_cases(64);
    authz_tests::differential(64, (SCHEMA, SCHEMA), clinic(), check_sqlite, check_pg);
    let through = THROUGH_PATHS.load(Ordering::Relaxed);
    eprintln!("paths: {through} records readable through a path alone in {cases} clinics");
    assert!(
        through as u32 >= cases / 4,
        "only {through} records in {cases} clinics"
    );
}

fn a_clinic() -> (ParentMap, User) {
    let mut parents = ParentMap::new();
    parents.insert(Hospital {
        id: 1,
        public_audit: false,
    });
    parents.insert(Ward {
        id: 10,
        hospital_id: 1,
        locked: false,
    });
    parents.insert(Patient {
        id: 100,
        ward_id: Some(10),
    });
    let mut user = User {
        id: 7,
        ..User::default()
    };
    user.hospital_roles =
        StoredRoles::assume_stored(7, [(1, HospitalRole::Staff)].into_iter().collect());
    (parents, user)
}

fn record(author_id: i64) -> Record {
    Record {
        id: 1000,
        patient_id: 100,
        author_id,
        created_at: 0,
    }
}

/// Staff of the hospital nurse every open ward, so they read its patients' records; an admin
/// of the hospital may transfer them; a locked ward stops amendments and nursing.
#[test]
fn a_path_decides_through_every_parent() {
    let (mut parents, user) = a_clinic();
    let clock = Clock { now: 10 };
    let authz = Authz::new(&user).context(&clock).parents(&parents);
    assert!(authz.is_allowed(Record::Read, &record(1)));
    assert!(!authz.is_allowed(Record::Transfer, &record(1)));
    assert!(authz.is_allowed(Record::Amend, &record(7)));
    assert!(!authz.is_allowed(Record::Amend, &record(1)));
    let late = Clock { now: 86_400 };
    assert!(!Authz::new(&user)
        .context(&late)
        .parents(&parents)
        .is_allowed(Record::Amend, &record(7)));

    parents.insert(Ward {
        id: 10,
        hospital_id: 1,
        locked: true,
    });
    let authz = Authz::new(&user).context(&clock).parents(&parents);
    assert!(
        !authz.is_allowed(Record::Read, &record(1)),
        "no nurse in a locked ward"
    );
    assert!(!authz.is_allowed(Record::Amend, &record(7)), "prohibited");

    // A missing patient, or a patient without a ward, reaches nothing.
    let none = ParentMap::new();
    let authz = Authz::new(&user).context(&clock).parents(&none);
    assert!(!authz.is_allowed(Record::Read, &record(1)));
}

#[test]
fn explain_names_the_path() {
    let (parents, user) = a_clinic();
    let clock = Clock { now: 10 };
    let authz = Authz::new(&user).context(&clock).parents(&parents);
    let text = authz.explain(Record::Read, &record(1)).to_string();
    assert!(text.contains("patient.ward.role(Nurse)"), "{text}");
    assert!(
        text.contains("patient.ward.hospital.allows(Audit)"),
        "{text}"
    );
}

/// The SQL of a path is nested semi-joins, one per hop, every value bound.
#[test]
fn a_path_is_nested_semi_joins() {
    // Roles loaded (none stored): the role table is read for user 7.
    let user = User {
        id: 7,
        hospital_roles: StoredRoles::assume_stored(7, RoleMap::new()),
        ..User::default()
    };
    let clock = Clock { now: 1 };
    let authz = Authz::new(&user).context(&clock);
    let query = records::table
        .authorized(&authz, Record::Transfer)
        .select(records::id);
    let sql = diesel::debug_query::<diesel::sqlite::Sqlite, _>(&query).to_string();
    assert!(
        sql.contains("`records`.`patient_id` IN (SELECT `patients`.`id` FROM `patients` WHERE (`patients`.`ward_id` IN (SELECT `wards`.`id` FROM `wards` WHERE (`wards`.`hospital_id` IN (SELECT `hospital_roles`.`hospital_id` FROM `hospital_roles`"),
        "{sql}"
    );
    assert!(!sql.contains("JOIN"), "{sql}");
}
